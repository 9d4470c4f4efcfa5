"""codemod.selection: the sources of repository names (an organisation's listing, a file, --repo), the
globs, and the stable shards a CI matrix splits an organisation with."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from batch_support import api_requests, org_fixture, populate  # noqa: F401 - the org fixture

from codemod.github import GitHubForge, RepoListing, RetryPolicy
from codemod.selection import (
    Filters,
    SelectionError,
    Shard,
    Target,
    from_listing,
    matches,
    parse_shard,
    read_repos_file,
    select,
    shard_of,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1/1", Shard(1, 1), id="one shard"),
        pytest.param("2/4", Shard(2, 4), id="second of four"),
        pytest.param(" 4 / 4 ", Shard(4, 4), id="spaces allowed"),
    ],
)
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected and str(expected) == text.replace(" ", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("0/4", "K must be between 1 and N", id="K counts from 1, as a matrix does"),
        pytest.param("5/4", "K must be between 1 and N", id="K beyond N"),
        pytest.param("1/0", "K must be between 1 and N", id="no shards"),
        pytest.param("2", "expected K/N", id="not K/N"),
        pytest.param("a/b", "expected K/N", id="not numbers"),
    ],
)
def test_bad_shards_are_refused(text, message):
    with pytest.raises(SelectionError, match=message):
        parse_shard(text)


def test_shards_are_stable_case_insensitive_and_independent_of_pythons_hash_seed():
    names = [f"acme/repo-{i}" for i in range(200)]
    mine = [shard_of(n, 4) for n in names]
    assert mine == [shard_of(n.upper(), 4) for n in names]
    code = "import sys; from codemod.selection import shard_of; print([shard_of(f'acme/repo-{i}', 4) for i in range(200)])"
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                             env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout
        assert out.strip() == str(mine)
    assert shard_of("acme/app", 4) == 4  # pinned: changing the hash would move repositories between CI jobs


def test_every_repository_is_in_exactly_one_shard_and_shards_are_balanced():
    names = [f"org/r{i}" for i in range(1000)]
    sizes = Counter(shard_of(n, 8) for n in names)
    assert set(sizes) == set(range(1, 9)) and min(sizes.values()) > 90
    for name in names[:50]:
        assert [Shard(k, 8).holds(name) for k in range(1, 9)].count(True) == 1


def test_repos_file(tmp_path):
    path = tmp_path / "repos.txt"
    path.write_text("# the platform team's list\nacme/app\n\n  acme/lib   # trailing comment\nAcme/App\n")
    assert read_repos_file(path) == ["acme/app", "acme/lib", "Acme/App"]
    path.write_text("acme/app\nnot-a-name\n")
    with pytest.raises(SelectionError, match=r"repos.txt:2: 'not-a-name' is not a repository name"):
        read_repos_file(path)
    with pytest.raises(SelectionError, match="cannot read"):
        read_repos_file(tmp_path / "missing.txt")


@pytest.mark.parametrize(
    ("name", "globs", "expected"),
    [
        pytest.param("acme/api-gateway", ["api-*"], True, id="a glob without / matches the name"),
        pytest.param("acme/api-gateway", ["acme/api-*"], True, id="a glob with / matches owner/name"),
        pytest.param("acme/api-gateway", ["other/*"], False, id="another owner"),
        pytest.param("acme/API-Gateway", ["api-*"], True, id="case-insensitive"),
        pytest.param("acme/web", ["api-*", "w?b"], True, id="any of several"),
        pytest.param("acme/web", [], False, id="no glob matches nothing"),
    ],
)
def test_matches(name, globs, expected):
    assert matches(name, globs) is expected


LISTING = [
    RepoListing("acme/app", False, False, "main", ("ci", "python")),
    RepoListing("acme/old", True, False, "main", ("ci",)),
    RepoListing("acme/fork", False, True, "main", ()),
    RepoListing("acme/docs", False, False, "main", ("docs",)),
]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(Filters(), [("acme/app", None), ("acme/old", "archived"), ("acme/fork", "a fork"),
                                 ("acme/docs", None)], id="archived and forks are reported as skipped"),
        pytest.param(Filters(include_archived=True, include_forks=True),
                     [("acme/app", None), ("acme/old", None), ("acme/fork", None), ("acme/docs", None)],
                     id="included on request"),
        pytest.param(Filters(topics=("CI",)), [("acme/app", None), ("acme/old", "archived")], id="topic filter"),
        pytest.param(Filters(topics=("docs", "python")), [("acme/app", None), ("acme/docs", None)],
                     id="any of several topics"),
    ],
)
def test_from_listing(filters, expected):
    found = [(t.name, t.skip.split(":")[0] if t.skip else None) for t in from_listing(LISTING, filters)]
    assert found == expected


class ListingForge:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def list_repositories(self, owner, dirs=()):
        self.calls.append(owner)
        return [RepoListing(f"{owner}/{n}", False, False, "main") for n in ("a", "b", "api-x")]


def test_select_keeps_the_first_spelling_once_and_applies_globs_and_shards(tmp_path):
    path = tmp_path / "more.txt"
    path.write_text("acme/B\nother/z\n")
    forge = ListingForge()
    found = select(forge=forge, orgs=["acme"], files=[path], repos=["acme/a", "other/y"],
                   filters=Filters(exclude=("api-*",)))
    assert [t.name for t in found] == ["acme/a", "acme/b", "other/z", "other/y"] and forge.calls == ["acme"]
    only = select(forge=None, repos=["acme/a", "acme/b", "acme/c"], filters=Filters(include=("acme/[ab]",)))
    assert [t.name for t in only] == ["acme/a", "acme/b"]
    names = [f"acme/r{i}" for i in range(40)]
    shards = [[t.name for t in select(forge=None, repos=names, shard=Shard(k, 3))] for k in (1, 2, 3)]
    assert sorted(n for shard in shards for n in shard) == sorted(names) and all(shards)
    with pytest.raises(SelectionError, match="is not a repository name"):
        select(forge=None, repos=["acme"])
    assert Target("a/b") == Target("a/b")


def test_an_organisation_is_listed_100_a_page_with_topics_archived_and_forks(org):
    populate(org, {f"acme/r{i:03}": "no-ci" for i in range(120)})
    org.repo("acme/r005").archived = True
    org.repo("acme/r006").fork = True
    org.repo("acme/r007").topics = ["ci"]
    populate(org, {"other/x": "no-ci"})
    forge = GitHubForge(org.api_url, org.token, RetryPolicy(), throttle=False)
    listing = forge.list_repositories("acme")
    assert [r.full_name for r in listing] == [f"acme/r{i:03}" for i in range(120)]
    assert (listing[5].archived, listing[6].fork, listing[7].topics) == (True, True, ("ci",))
    assert api_requests(org) == 2 and forge.request_count("acme") == 2
    with_reads = forge.list_repositories("acme", (".github/workflows",))
    assert len(with_reads) == 120 and api_requests(org) == 2 + 3  # 50 a page when it reads the workflows too
    assert with_reads[0].read is not None and with_reads[0].read.texts == {}
    with pytest.raises(Exception, match="organization nobody not found"):
        forge.list_repositories("nobody")
