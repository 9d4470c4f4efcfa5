"""Whole-repository fixtures: `fixtures/<case>/case.toml` with `before/` and (when migrated) `after/`.

case.toml keys: description, default_branch, outcome, reason (a substring of the one-line reason), and an
optional `config.toml` beside it (the `--config` of that case)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from codemod.config import RepoConfig, load_config

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@dataclass(frozen=True)
class Case:
    name: str
    root: Path
    description: str
    default_branch: str
    outcome: str
    reason: str | None

    @property
    def before(self) -> Path:
        return self.root / "before"

    @property
    def after(self) -> Path:
        return self.root / "after"

    @property
    def config(self) -> RepoConfig:
        path = self.root / "config.toml"
        return load_config(path if path.exists() else None).for_repo(None)


def cases() -> list[Case]:
    out = []
    for toml in sorted(FIXTURES.glob("*/case.toml")):
        data = tomllib.loads(toml.read_text())
        out.append(Case(toml.parent.name, toml.parent, data["description"], data["default_branch"],
                        data["outcome"], data.get("reason")))
    return out


def tree(root: Path) -> dict[str, bytes]:
    """Every regular file under root: relative POSIX path -> bytes."""
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def apply_changes(files: dict[str, bytes], changes) -> dict[str, bytes]:
    out = dict(files)
    for change in changes:
        if change.new_text is None:
            out.pop(change.path, None)
        else:
            out[change.path] = change.new_text.encode("utf-8")
    return out
