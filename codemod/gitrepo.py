"""Git access through GitPython: fetch the least, commit once, push safely, and never keep the token.

Fetching is a partial clone (`--filter=blob:none`, depth 1, no checkout) of the default branch, with a
non-cone sparse checkout of `.github/`, the docs globs, the scripts globs and the top-level Markdown
files: only the blobs the migration reads are transferred.

The token is given to git as an `http.<url>.extraheader` through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/
`GIT_CONFIG_VALUE_n` environment variables of each git process: it is in no argv, no URL, no
`.git/config` and no log line. Credential helpers and prompts are turned off for those processes.

Nothing here knows about GitHub's API; errors are `GitError`s with one-line messages.
"""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import git

from codemod.config import RepoConfig
from codemod.result import FileChange

log = logging.getLogger(__name__)

TOOL_TRAILER = "Generated-by: consolidate-ci"
RAW_ATTRIBUTES = "* -text -eol -filter -ident -working-tree-encoding\n"


class GitError(Exception):
    """A git operation failed; the message is one line and names the operation."""


@dataclass(frozen=True)
class GitAuth:
    """A token for HTTPS git, handed to git processes only through their environment."""

    token: str | None = None

    def env(self, url: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
        base = os.environ if base is None else base
        env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", "GCM_INTERACTIVE": "never"}
        # No credential helper or prompt; bytes as stored (no end-of-line conversion either way).
        pairs = [("credential.helper", ""), ("core.askPass", ""), ("core.autocrlf", "false")]
        if self.token and urlparse(url).scheme in ("http", "https"):
            pairs.append((f"http.{_origin(url)}/.extraheader", authorization_header(self.token)))
        start = int(base.get("GIT_CONFIG_COUNT", "0") or 0)
        for i, (key, value) in enumerate(pairs, start):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        env["GIT_CONFIG_COUNT"] = str(start + len(pairs))
        return env


def authorization_header(token: str) -> str:
    """What actions/checkout sends: basic authentication as `x-access-token:<token>`."""
    raw = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return f"AUTHORIZATION: basic {raw}"


def _origin(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    @classmethod
    def from_config(cls, config: RepoConfig) -> Identity:
        return cls(config.pr.author_name, config.pr.author_email)


@dataclass(frozen=True)
class Commit:
    sha: str
    author_email: str
    committer_email: str
    author_name: str
    message: str

    def made_by(self, identity: Identity) -> bool:
        return (
            self.author_email.lower() == identity.email.lower()
            and self.committer_email.lower() == identity.email.lower()
            and TOOL_TRAILER in self.message
        )


@dataclass(frozen=True)
class RemoteBranch:
    name: str
    tip: str
    commits: tuple[Commit, ...]  # commits on the branch that the default branch does not have, newest first

    def foreign(self, identity: Identity) -> list[Commit]:
        return [c for c in self.commits if not c.made_by(identity)]


def sparse_patterns(config: RepoConfig) -> list[str]:
    """Non-cone sparse-checkout patterns, anchored at the root: `*.md` means top-level Markdown only."""
    patterns = ["/.github/"]
    for glob in (*config.docs.globs, *config.scripts.globs, "*.md"):
        pattern = "/" + glob.lstrip("/")
        if pattern not in patterns:
            patterns.append(pattern)
    return patterns


class Checkout:
    """A working tree of one repository's default branch, fetched for the migration."""

    def __init__(self, root: Path, url: str, default_branch: str, auth: GitAuth):
        self.root = root
        self.url = url
        self.default_branch = default_branch
        self.auth = auth
        self._git = git.Git(str(root))

    def run(self, *args: str, what: str) -> str:
        try:
            with self._git.custom_environment(**self.auth.env(self.url)):
                return self._git.execute(["git", *args])
        except git.GitCommandError as exc:
            raise GitError(f"{what}: {_stderr_line(exc)}") from None

    @property
    def base(self) -> str:
        """The default branch's commit that was fetched."""
        return self.run("rev-parse", f"refs/heads/{self.default_branch}", what="could not read the default branch")

    # fetching

    @classmethod
    def fetch(cls, url: str, dest: Path, *, default_branch: str, patterns: Iterable[str], auth: GitAuth) -> Checkout:
        dest.mkdir(parents=True, exist_ok=True)
        runner = git.Git(str(dest.parent))
        args = ["clone", "--quiet", "--filter=blob:none", "--depth=1", "--no-checkout", "--single-branch",
                "--no-tags", f"--branch={default_branch}", "--", url, str(dest)]
        try:
            with runner.custom_environment(**auth.env(url)):
                runner.execute(["git", *args])
        except git.GitCommandError as exc:
            raise GitError(f"could not fetch {_safe_url(url)}: {_stderr_line(exc)}") from None
        checkout = cls(dest, url, default_branch, auth)
        # Highest-precedence attributes: the engine reads and we commit the bytes as stored in the repository.
        (dest / ".git" / "info").mkdir(exist_ok=True)
        (dest / ".git" / "info" / "attributes").write_text(RAW_ATTRIBUTES)
        checkout.run("sparse-checkout", "set", "--no-cone", *patterns, what="could not set the sparse checkout")
        checkout.run("checkout", "--quiet", default_branch, what="could not check out " + default_branch)
        return checkout

    def remote_branch(self, branch: str) -> RemoteBranch | None:
        """The tool's branch on the remote, with the commits it has beyond the default branch."""
        out = self.run("ls-remote", "--heads", "origin", f"refs/heads/{branch}", what=f"could not list {branch}")
        if not out.strip():
            return None
        tip = out.split()[0]
        ref = f"refs/remotes/origin/{branch}"
        try:
            self.run("fetch", "--quiet", "--no-tags", "--filter=blob:none", f"--shallow-exclude={self.default_branch}",
                     "origin", f"+refs/heads/{branch}:{ref}", what=f"could not fetch {branch}")
        except GitError:
            # Every commit of the branch is on the default branch (e.g. a merged pull request).
            return RemoteBranch(branch, tip, ())
        return RemoteBranch(branch, tip, tuple(self._commits(f"{ref}", f"^{self.base}")))

    def _commits(self, *revs: str) -> list[Commit]:
        fmt = "%H%x1f%ae%x1f%ce%x1f%an%x1f%B%x1e"
        out = self.run("log", f"--format={fmt}", *revs, "--", what="could not read the branch's commits")
        commits = []
        for record in out.split("\x1e"):
            fields = record.strip("\n").split("\x1f")
            if len(fields) == 5:
                commits.append(Commit(*fields))
        return commits

    # writing

    def apply(self, changes: Iterable[FileChange]) -> None:
        """Write the engine's changes into the working tree, checking each file is as the engine read it."""
        for change in changes:
            path = self._inside(change.path)
            current = _read(path) if path.is_file() else None
            if current != change.old_text:
                raise GitError(f"{change.path} is not as the engine read it; refusing to write it")
            if change.new_text is None:
                path.unlink()
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("w", encoding="utf-8", newline="") as fh:
                    fh.write(change.new_text)

    def _inside(self, rel: str) -> Path:
        path = (self.root / rel).resolve()
        if self.root.resolve() not in path.parents or ".git" in Path(rel).parts:
            raise GitError(f"{rel} is outside the repository's working tree")
        return path

    def commit(self, branch: str, changes: list[FileChange], message: str, identity: Identity) -> str:
        """One commit on a new local `branch` from the default branch, holding exactly `changes`."""
        if branch == self.default_branch:
            raise GitError(f"refusing to commit on the default branch {branch}")
        self.run("checkout", "--quiet", "-B", branch, self.default_branch, what=f"could not create {branch}")
        self.apply(changes)
        for change in changes:
            self._stage(change)
        env = {"GIT_AUTHOR_NAME": identity.name, "GIT_AUTHOR_EMAIL": identity.email,
               "GIT_COMMITTER_NAME": identity.name, "GIT_COMMITTER_EMAIL": identity.email}
        with self._git.custom_environment(**env):
            self.run("-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-m", message,
                     what="could not commit")
        return self.run("rev-parse", "HEAD", what="could not read the new commit")

    def _stage(self, change: FileChange) -> None:
        """Index exactly the engine's bytes (no filters, no end-of-line conversion), keeping the file mode."""
        what = f"could not stage {change.path}"
        if change.new_text is None:
            self.run("update-index", "--force-remove", "--", change.path, what=what)
            return
        blob = self.run("hash-object", "-w", "--no-filters", "--", change.path, what=what)
        staged = self.run("ls-files", "--stage", "--", change.path, what=what).split()
        mode = staged[0] if staged else "100644"
        self.run("update-index", "--add", "--cacheinfo", f"{mode},{blob},{change.path}", what=what)

    def same_content(self, remote: RemoteBranch, sha: str) -> bool:
        """True when the remote branch already is this commit's tree on the same base."""
        if len(remote.commits) != 1:
            return False
        return self._tree_and_parents(sha) == self._tree_and_parents(remote.tip)

    def _tree_and_parents(self, sha: str) -> list[str]:
        # cat-file reads the object itself: a shallow boundary hides parents from rev-parse, not from it.
        raw = self.run("cat-file", "commit", sha, what=f"could not read commit {sha[:12]}")
        header = raw.split("\n\n", 1)[0].splitlines()
        return [line for line in header if line.startswith(("tree ", "parent "))]

    def push(self, sha: str, branch: str, *, expect: str | None) -> None:
        """Push `sha` to `branch` only if the remote branch is still at `expect` (None: must not exist)."""
        if branch == self.default_branch:
            raise GitError(f"refusing to push to the default branch {branch}")
        lease = f"--force-with-lease=refs/heads/{branch}:{expect or ''}"
        self.run("push", "--quiet", "--no-verify", lease, "origin", f"{sha}:refs/heads/{branch}",
                 what=f"could not push branch {branch}")


def _read(path: Path) -> str | None:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError:
        return None


_HINTS = {
    "could not read username": "the server asked for credentials: the token was rejected or lacks access",
    "authentication failed": "the server rejected the token",
}


def _stderr_line(exc: git.GitCommandError) -> str:
    text = "\n".join(str(t or "") for t in (exc.stderr, exc.stdout)).replace("stderr:", "").replace("stdout:", "")
    lines = [ln.strip().strip("'").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    meaningful = [ln for ln in lines if ln.lower().startswith(("fatal", "error", "remote:", "!"))] or lines
    line = meaningful[0] if meaningful else f"git exited with {exc.status}"
    hint = next((h for key, h in _HINTS.items() if key in line.lower()), None)
    return (f"{hint} ({line})" if hint else line)[:300]


def _safe_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password or parsed.username:
        parsed = parsed._replace(netloc=parsed.hostname or "")
    return parsed.geturl()
