"""R9 lint checks: actionlint and zizmor must report nothing on the result that they did not report on the
input. actionlint findings are compared as (kind, message), so a finding that moved with its job to another
file or line is the same finding; zizmor findings as (audit) counts, because zizmor describes a finding by
the text of the whole job, which a rename or a moved job changes even when the finding is the same."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

Finding = tuple[str, str, str]


def tool(name: str) -> str | None:
    """The tool beside this Python (a virtualenv's bin/), else on PATH."""
    local = Path(sys.prefix) / "bin" / name
    return str(local) if local.exists() else shutil.which(name)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _write(root: Path, files: Mapping[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))


def _actionlint(root: Path, exe: str) -> Counter[Finding]:
    workflows = sorted(str(p) for p in (root / ".github" / "workflows").glob("*.y*ml"))
    if not workflows:
        return Counter()
    proc = subprocess.run([exe, "-no-color", "-format", "{{json .}}", *workflows], cwd=root,
                          capture_output=True, text=True, timeout=120)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"actionlint failed: {proc.stderr.strip()}")
    return Counter(("actionlint", e["kind"], _squash(e["message"])) for e in json.loads(proc.stdout or "[]"))


def _zizmor(root: Path, exe: str) -> Counter[Finding]:
    proc = subprocess.run([exe, "--offline", "--no-progress", "--format", "json", str(root / ".github" / "workflows")],
                          cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    if proc.returncode not in (0, 10, 11, 12, 13, 14):
        raise RuntimeError(f"zizmor failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return Counter(("zizmor", finding["ident"], "") for finding in json.loads(proc.stdout or "[]"))


def lint(files: Mapping[str, str]) -> Counter[Finding] | None:
    """Findings of both tools over the workflow files given (path -> text); None when a tool is missing."""
    exes = {name: tool(name) for name in ("actionlint", "zizmor")}
    if not all(exes.values()):
        return None
    with tempfile.TemporaryDirectory(prefix="consolidate-ci-lint-") as tmp:
        root = Path(tmp)
        _write(root, {p: t for p, t in files.items() if p.startswith(".github/workflows/")})
        return _actionlint(root, exes["actionlint"]) + _zizmor(root, exes["zizmor"])


def new_findings(before: Mapping[str, str], after: Mapping[str, str]) -> list[Finding] | None:
    """Findings on `after` that `before` did not have (None when the tools are not installed)."""
    old, new = lint(before), lint(after)
    if old is None or new is None:
        return None
    return sorted((new - old).elements())
