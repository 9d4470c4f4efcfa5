"""Which repositories a batch works on: an organisation's listing, a file of names, repeated `--repo`; then
name globs and a shard.

Sources, in the order their names are kept (a name seen twice, in any letter case, counts once):

- `--org ORG`: every repository of the organisation, listed by the forge (one request per 100, or per 50
  with the workflow folders of each, which audits and triage then need not read again). Archived
  repositories and forks stay in the selection as `Target`s with a `skip` reason (the report says they were
  skipped and why, as git-xargs does) unless `include_archived` / `include_forks`; `topics` keeps only the
  repositories having at least one of them.
- `--repos-file FILE`: one `owner/name` a line; blank lines and `#` comments are ignored.
- `--repo OWNER/NAME`, repeated.

`include` / `exclude` globs (case-insensitive; a glob with a `/` matches `owner/name`, else the name alone)
apply to every source. `--shard K/N` keeps the repositories whose stable hash (SHA-256 of the lower-cased
`owner/name`, not Python's per-process `hash`) falls in shard K of N, so every job of a CI matrix computes
the same split without talking to the others.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from codemod.github import Forge, RepoListing, WorkflowRead

_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class SelectionError(Exception):
    """A selection that cannot be used: a bad name, an unreadable file, a bad shard."""


@dataclass
class Target:
    name: str  # owner/name, as its source spells it
    skip: str | None = None  # reported as skipped for this reason, without touching the repository
    read: WorkflowRead | None = field(default=None, compare=False, repr=False)  # read with the listing; the
    # batch drops it once used


@dataclass(frozen=True)
class Filters:
    topics: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    include_archived: bool = False
    include_forks: bool = False


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as a CI matrix counts
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        return shard_of(name, self.count) == self.index


def parse_shard(text: str) -> Shard:
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not found:
        raise SelectionError(f"--shard {text!r}: expected K/N, e.g. 2/4")
    index, count = int(found.group(1)), int(found.group(2))
    if count < 1 or not 1 <= index <= count:
        raise SelectionError(f"--shard {text}: K must be between 1 and N")
    return Shard(index, count)


def shard_of(name: str, count: int) -> int:
    """The 1-based shard of `owner/name` among `count`: the same on every machine and every run."""
    digest = hashlib.sha256(name.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def check_name(name: str, where: str = "--repo") -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise SelectionError(f"{where}: {name!r} is not a repository name (expected OWNER/NAME)")
    return name


def read_repos_file(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SelectionError(f"cannot read {path}: {exc}") from None
    names = []
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
        if text:
            names.append(check_name(text, f"{path}:{number}"))
    return names


def matches(name: str, globs: Iterable[str]) -> bool:
    lowered = name.lower()
    short = lowered.split("/", 1)[-1]
    return any(fnmatchcase(lowered if "/" in g else short, g.lower()) for g in globs)


def from_listing(listing: Iterable[RepoListing], filters: Filters) -> list[Target]:
    """An organisation's repositories as targets: topic filter applied, archived and forks marked skipped."""
    wanted = {t.lower() for t in filters.topics}
    targets = []
    for repo in listing:
        if wanted and not wanted & {t.lower() for t in repo.topics}:
            continue
        skip = None
        if repo.archived and not filters.include_archived:
            skip = "archived: skipped (pass --include-archived to include it)"
        elif repo.fork and not filters.include_forks:
            skip = "a fork: skipped (pass --include-forks to include it)"
        targets.append(Target(repo.full_name, skip, None if skip else repo.read))
    return targets


def select(*, forge: Forge | None, orgs: Iterable[str] = (), files: Iterable[Path] = (), repos: Iterable[str] = (),
           filters: Filters = Filters(), shard: Shard | None = None, dirs: tuple[str, ...] = ()) -> list[Target]:
    """Every source's targets, in order, without duplicates, filtered by the globs and the shard. With `dirs`,
    an organisation's listing also reads those folders of each repository (`Target.read`)."""
    found: list[Target] = []
    for org in orgs:
        assert forge is not None, "listing an organisation needs a forge"
        found += from_listing(forge.list_repositories(org, dirs), filters)
    for path in files:
        found += [Target(name) for name in read_repos_file(path)]
    found += [Target(check_name(name)) for name in repos]
    seen: set[str] = set()
    kept = []
    for target in found:
        key = target.name.lower()
        if key in seen:
            continue
        seen.add(key)
        if filters.include and not matches(target.name, filters.include):
            continue
        if matches(target.name, filters.exclude) or (shard and not shard.holds(target.name)):
            continue
        kept.append(target)
    return kept
