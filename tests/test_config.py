"""SPEC "Names and configuration": defaults, overrides per repository, errors naming the key."""

from __future__ import annotations

import pytest

from codemod.config import Config, load_config, parse_config
from codemod.errors import ConfigError


def test_defaults_are_the_spec_names():
    cfg = Config().for_repo(None)
    assert cfg.workflows.ci == ".github/workflows/main-ci-cd.yml"
    assert cfg.workflows.post == ".github/workflows/main-branch-post-processing.yml"
    assert cfg.jobs.gates == ("e2e-tests", "security-scanning")
    assert cfg.jobs.publish == ("publish-dockerhub", "publish-client-libraries")
    assert cfg.jobs.ci_cleanup == "smart-staging-cleanup"
    assert cfg.pr.branch == "consolidate-ci/publish-production"
    assert cfg.pr.draft is False


def test_global_and_per_repository_overrides():
    cfg = parse_config(
        '[jobs]\ngates = ["tests"]\n[pr]\ndraft = true\n'
        '[repos."acme/storefront".jobs]\ngates = ["e2e"]\n'
    )
    assert cfg.for_repo("other/repo").jobs.gates == ("tests",)
    store = cfg.for_repo("ACME/Storefront")
    assert store.jobs.gates == ("e2e",)
    assert store.pr.draft is True  # a per-repository table inherits the global overrides
    assert store.jobs.publish == ("publish-dockerhub", "publish-client-libraries")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[jobs]\ngatez = []\n", "unknown key jobs.gatez", id="unknown key in a table"),
        pytest.param("[job]\n", "unknown key job", id="unknown table"),
        pytest.param('[repos."acme/x".jobz]\n', 'unknown key repos."acme/x".jobz', id="unknown table per repository"),
        pytest.param('[jobs]\ngates = "e2e"\n', "jobs.gates must be a list of strings", id="string for a list"),
        pytest.param("[pr]\ndraft = 1\n", "pr.draft must be true or false", id="number for a boolean"),
        pytest.param("[workflows]\nci = 3\n", "workflows.ci must be a string", id="number for a string"),
        pytest.param('[repos.acme]\n', 'repos."acme" must name a repository', id="repository without owner"),
        pytest.param("[jobs\n", "invalid TOML", id="broken TOML"),
        pytest.param("[jobs]\npublish = []\n", "jobs.publish must name at least one job", id="nothing to publish"),
    ],
)
def test_errors_name_the_key(text, message):
    with pytest.raises(ConfigError) as exc:
        parse_config(text, "c.toml")
    assert message in str(exc.value)
    assert str(exc.value).startswith("c.toml: ")


def test_load_config_reads_a_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[jobs]\nfinal_cleanup = "teardown"\n')
    assert load_config(path).for_repo(None).jobs.final_cleanup == "teardown"
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
