"""The TOML configuration of SPEC "Names and configuration": defaults, per-repository overrides, validation.

Every name the migration uses is a default that `--config FILE` overrides, globally and per repository
(`[repos."owner/name".<table>]`). Unknown keys and wrong types are a `ConfigError` naming the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from codemod.errors import ConfigError


@dataclass(frozen=True)
class Workflows:
    ci: str = ".github/workflows/main-ci-cd.yml"
    post: str = ".github/workflows/main-branch-post-processing.yml"


@dataclass(frozen=True)
class Jobs:
    gates: tuple[str, ...] = ("e2e-tests", "security-scanning")
    publish: tuple[str, ...] = ("publish-dockerhub", "publish-client-libraries")
    change_detection: tuple[str, ...] = ("detect-changes",)
    ci_cleanup: str = "smart-staging-cleanup"  # "" = the CI workflow has no cleanup job
    post_cleanup: tuple[str, ...] = ()  # empty = post job ids containing "cleanup"
    drop: tuple[str, ...] = ()
    publish_production: str = "publish-production"
    final_cleanup: str = "final-cleanup"


@dataclass(frozen=True)
class Docs:
    globs: tuple[str, ...] = ("docs/**/*.md", "*.md")


@dataclass(frozen=True)
class Scripts:
    globs: tuple[str, ...] = ("scripts/**/*.py",)


@dataclass(frozen=True)
class Pr:
    branch: str = "consolidate-ci/publish-production"
    title: str = "Consolidate production publishing into main-ci-cd.yml"
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    draft: bool = False
    author_name: str = "consolidate-ci"
    author_email: str = "consolidate-ci@users.noreply.github.com"


@dataclass(frozen=True)
class RepoConfig:
    workflows: Workflows = field(default_factory=Workflows)
    jobs: Jobs = field(default_factory=Jobs)
    docs: Docs = field(default_factory=Docs)
    scripts: Scripts = field(default_factory=Scripts)
    pr: Pr = field(default_factory=Pr)


_TABLE_TYPES = {"workflows": Workflows, "jobs": Jobs, "docs": Docs, "scripts": Scripts, "pr": Pr}


@dataclass(frozen=True)
class Config:
    default: RepoConfig = field(default_factory=RepoConfig)
    repos: dict[str, RepoConfig] = field(default_factory=dict)
    source: str | None = None

    def for_repo(self, name: str | None) -> RepoConfig:
        """The configuration of one repository (`owner/name`, case-insensitive), else the global one."""
        if name is None:
            return self.default
        for key, cfg in self.repos.items():
            if key.lower() == name.lower():
                return cfg
        return self.default


def _type_name(kind: Any) -> str:
    return {str: "a string", bool: "true or false", tuple: "a list of strings"}.get(kind, str(kind))


def _coerce(value: Any, default: Any, key: str, source: str | None) -> Any:
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key} must be {_type_name(bool)}, not {value!r}", source)
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        raise ConfigError(f"{key} must be {_type_name(str)}, not {value!r}", source)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{key} must be {_type_name(tuple)}, not {value!r}", source)


def _apply_table(base: Any, table: Any, prefix: str, source: str | None) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{prefix} must be a table", source)
    known = {f.name: getattr(base, f.name) for f in fields(base)}
    changes = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"unknown key {prefix}.{key} (known: {', '.join(known)})", source)
        changes[key] = _coerce(value, known[key], f"{prefix}.{key}", source)
    return replace(base, **changes)


def _apply(base: RepoConfig, doc: dict[str, Any], prefix: str, source: str | None) -> RepoConfig:
    changes = {}
    for name, table in doc.items():
        if name not in _TABLE_TYPES:
            where = f"{prefix}{name}"
            raise ConfigError(f"unknown key {where} (known: {', '.join(_TABLE_TYPES)})", source)
        changes[name] = _apply_table(getattr(base, name), table, f"{prefix}{name}", source)
    return replace(base, **changes)


def parse_config(text: str, source: str | None = None) -> Config:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", source) from None
    repos_doc = doc.pop("repos", {})
    if not isinstance(repos_doc, dict):
        raise ConfigError("repos must be a table of repositories", source)
    default = _apply(RepoConfig(), doc, "", source)
    repos = {}
    for name, overrides in repos_doc.items():
        if "/" not in name:
            raise ConfigError(f'repos."{name}" must name a repository as "owner/name"', source)
        if not isinstance(overrides, dict):
            raise ConfigError(f'repos."{name}" must be a table', source)
        repos[name] = _apply(default, overrides, f'repos."{name}".', source)
    _validate(default, source)
    for cfg in repos.values():
        _validate(cfg, source)
    return Config(default=default, repos=repos, source=source)


def _validate(cfg: RepoConfig, source: str | None) -> None:
    for key in ("publish_production", "final_cleanup"):
        if not getattr(cfg.jobs, key):
            raise ConfigError(f"jobs.{key} must not be empty", source)
    if not cfg.jobs.publish:
        raise ConfigError("jobs.publish must name at least one job", source)
    if not cfg.jobs.gates:
        raise ConfigError("jobs.gates must name at least one job: production publishing waits for them", source)
    if cfg.workflows.ci == cfg.workflows.post:
        raise ConfigError("workflows.ci and workflows.post must be different files", source)


def load_config(path: str | Path | None) -> Config:
    """The configuration in `path`, or the defaults when `path` is None."""
    if path is None:
        return Config()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration: {exc.strerror}", str(p)) from None
    except UnicodeDecodeError:
        raise ConfigError("the configuration is not UTF-8", str(p)) from None
    return parse_config(text, str(p))
