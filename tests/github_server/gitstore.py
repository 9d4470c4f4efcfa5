"""Bare repositories on disk for the local GitHub: created from plain file trees, changed with plumbing
(no clone needed), served over smart HTTP by `git http-backend` as a CGI."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

FIXTURE_AUTHOR = ("Fixture Author", "fixture@example.com")


def _git(bare: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        ["git", f"--git-dir={bare}", *args],
        input=input,
        capture_output=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode().strip()


def init_bare(bare: Path, default_branch: str) -> None:
    bare.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "--quiet", "--bare", f"--initial-branch={default_branch}", str(bare)], check=True)
    for key, value in (
        ("uploadpack.allowFilter", "true"),
        ("uploadpack.allowAnySHA1InWant", "true"),
        ("http.receivepack", "true"),
        ("receive.denyNonFastForwards", "false"),
    ):
        _git(bare, "config", key, value)


def rev(bare: Path, ref: str) -> str | None:
    try:
        return _git(bare, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except RuntimeError:
        return None


def commit_files(
    bare: Path,
    branch: str,
    files: dict[str, str | bytes | None],
    message: str,
    author: tuple[str, str] = FIXTURE_AUTHOR,
    parent: str | None = None,
) -> str:
    """One commit on `branch` (from its tip, or from `parent`) writing (or, for None, deleting) `files`."""
    name, email = author
    start = parent or rev(bare, f"refs/heads/{branch}")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        _git(bare, "read-tree", *([start] if start else ["--empty"]), env=env)
        for path, content in files.items():
            if content is None:
                _git(bare, "update-index", "--force-remove", "--", path, env=env)
                continue
            data = content.encode() if isinstance(content, str) else content
            blob = _git(bare, "hash-object", "-w", "--stdin", input=data)
            _git(bare, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        tree = _git(bare, "write-tree", env=env)
        sha = _git(bare, "commit-tree", tree, *(["-p", start] if start else []), "-m", message, env=env)
    _git(bare, "update-ref", f"refs/heads/{branch}", sha)
    return sha


def branches(bare: Path) -> dict[str, str]:
    out = _git(bare, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
    return dict(line.split(" ", 1) for line in out.splitlines() if line)


def read_file(bare: Path, ref: str, path: str) -> str | None:
    try:
        return _git(bare, "show", f"{ref}:{path}")
    except RuntimeError:
        return None


def tree_files(bare: Path, ref: str) -> dict[str, bytes]:
    out = _git(bare, "ls-tree", "-r", "--name-only", "-z", ref)
    result = {}
    for path in filter(None, out.split("\0")):
        blob = subprocess.run(["git", f"--git-dir={bare}", "cat-file", "blob", f"{ref}:{path}"],
                              capture_output=True, check=True).stdout
        result[path] = blob
    return result


class Symlink(str):
    """A file content that is a symbolic link's target (`import_files` writes it with mode 120000)."""


def import_files(bare: Path, branch: str, files: dict[str, str | bytes], message: str = "Initial commit",
                 author: tuple[str, str] = FIXTURE_AUTHOR) -> None:
    """One root commit on `branch` holding `files`, written by one `git fast-import` (fast for large trees)."""
    name, email = author
    chunks = [f"commit refs/heads/{branch}\n".encode(),
              f"committer {name} <{email}> 1767225600 +0000\n".encode(),
              f"data {len(message.encode())}\n{message}\n".encode()]
    for path, content in sorted(files.items()):
        data = content.encode() if isinstance(content, str) else content
        mode = "120000" if isinstance(content, Symlink) else "100644"
        chunks.append(f"M {mode} inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    _git(bare, "fast-import", "--quiet", "--force", input=b"".join(chunks))


def read_folder(bare: Path, expression: str) -> tuple[str, str, object] | None:
    """`git rev-parse <expression>` as GitHub's `object(expression:)` sees it: None, ("blob", oid, bytes) or
    ("tree", oid, [(mode, type, oid, name, bytes-or-None)]) with the blobs of the tree's entries."""
    try:
        oid = _git(bare, "rev-parse", "--verify", "--quiet", expression)
        kind = _git(bare, "cat-file", "-t", oid)
    except RuntimeError:
        return None
    if kind == "blob":
        return "blob", oid, _blobs(bare, [oid])[oid]
    if kind != "tree":
        return None
    rows = []
    for line in filter(None, _git(bare, "ls-tree", "-z", oid).split("\0")):
        meta, name = line.split("\t", 1)
        mode, typ, entry_oid = meta.split()
        rows.append((int(mode, 8), typ, entry_oid, name))
    blobs = _blobs(bare, [r[2] for r in rows if r[1] == "blob"])
    return "tree", oid, [(*row, blobs.get(row[2])) for row in rows]


def _blobs(bare: Path, oids: list[str]) -> dict[str, bytes]:
    if not oids:
        return {}
    proc = subprocess.run(["git", f"--git-dir={bare}", "cat-file", "--batch"], input="\n".join(oids).encode() + b"\n",
                          capture_output=True, check=True)
    out, pos, found = proc.stdout, 0, {}
    while pos < len(out):
        end = out.index(b"\n", pos)
        oid, _kind, size = out[pos:end].decode().split()
        found[oid] = out[end + 1:end + 1 + int(size)]
        pos = end + 1 + int(size) + 1
    return found


def log(bare: Path, revs: str) -> list[dict[str, str]]:
    out = _git(bare, "log", "--format=%H%x1f%an%x1f%ae%x1f%s%x1e", revs)
    rows = []
    for record in out.split("\x1e"):
        fields = record.strip().split("\x1f")
        if len(fields) == 4:
            rows.append(dict(zip(("sha", "author", "email", "subject"), fields, strict=True)))
    return rows


def http_backend(project_root: Path, method: str, path_info: str, query: str, headers: dict[str, str],
                 body: bytes, user: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run `git http-backend` for one request; returns status, headers and body."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(project_root),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_PROJECT_ROOT": str(project_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "REQUEST_METHOD": method,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": user,
        "REMOTE_ADDR": "127.0.0.1",
        "GIT_PROTOCOL": headers.get("git-protocol", ""),
        "HTTP_CONTENT_ENCODING": headers.get("content-encoding", ""),
    }
    proc = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=False)
    raw = proc.stdout
    head, sep, payload = raw.partition(b"\r\n\r\n")
    if not sep:
        head, _, payload = raw.partition(b"\n\n")
    status, out_headers = 200, []
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.split()[0])
        elif key:
            out_headers.append((key.strip(), value.strip()))
    return status, out_headers, payload
