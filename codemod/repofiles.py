"""The files of one repository that the migration reads, as texts with their line endings kept.

Reading is the only I/O of a migration; it happens here, before the pure transform. Unreadable inputs (a
symlinked workflow, bytes that are not UTF-8) are remembered and raise `InputError` when the transform asks
for them, so a broken file that the migration does not need never fails a repository."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path

from codemod.config import RepoConfig
from codemod.errors import InputError

WORKFLOWS_DIR = ".github/workflows"


class RepoFiles:
    def __init__(self, texts: dict[str, str], problems: dict[str, InputError] | None = None):
        self._texts = dict(texts)
        self._problems = dict(problems or {})

    @classmethod
    def from_bytes(cls, blobs: dict[str, bytes], symlinks: Iterable[str] = ()) -> RepoFiles:
        texts, problems = {}, {}
        for path, data in blobs.items():
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
                problems[path] = InputError(f"not UTF-8 (byte 0x{data[exc.start]:02x})", path, line, col)
        for path in symlinks:
            problems[path] = InputError("is a symbolic link; the codemod edits only regular files", path)
        return cls(texts, problems)

    def exists(self, path: str) -> bool:
        return path in self._texts or path in self._problems

    def text(self, path: str) -> str:
        if path in self._problems:
            raise self._problems[path]
        return self._texts[path]

    def paths(self) -> list[str]:
        return sorted({*self._texts, *self._problems})

    def workflows(self) -> list[str]:
        return [p for p in self.paths() if p.startswith(WORKFLOWS_DIR + "/") and p.count("/") == 2
                and p.endswith((".yml", ".yaml"))]

    def texts_matching(self, globs: Iterable[str]) -> dict[str, str]:
        """Readable files matching any of `globs` (`**` spans folders; `*.md` is top-level only)."""
        patterns = [g.split("/") for g in globs]
        return {p: t for p, t in self._texts.items() if any(_match(g, p.split("/")) for g in patterns)}


def _match(glob: list[str], path: list[str]) -> bool:
    if not glob:
        return not path
    if glob[0] == "**":
        return any(_match(glob[1:], path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatchcase(path[0], glob[0]) and _match(glob[1:], path[1:])


def read_checkout(root: Path, config: RepoConfig) -> RepoFiles:
    """The workflows and the files the docs and scripts globs match, from a working tree."""
    blobs: dict[str, bytes] = {}
    symlinks: list[str] = []
    candidates: set[Path] = set()
    wf_dir = root / WORKFLOWS_DIR
    if wf_dir.is_dir():
        candidates.update(p for p in wf_dir.iterdir() if p.suffix in (".yml", ".yaml"))
    for glob in (*config.docs.globs, *config.scripts.globs):
        candidates.update(root.glob(glob))
    for path in candidates:
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".git/"):
            continue
        if path.is_symlink():
            symlinks.append(rel)
        elif path.is_file():
            blobs[rel] = path.read_bytes()
    return RepoFiles.from_bytes(blobs, symlinks)
