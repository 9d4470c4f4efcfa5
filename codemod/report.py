"""The JSON report of a batch (`audit`, `run --json`, `report merge`): its writer, its reader/validator, and
the merge of several reports (one per shard of a CI matrix).

Format, version 1 (every key is always present; `null` where the value does not apply)::

    {"version": 1,
     "tool": "consolidate-ci 0.1.0",
     "generated_at": "2026-01-01T12:00:00.000Z",          # ISO-8601, UTC
     "mode": "audit" | "dry-run" | "run",
     "shard": "K/N" | null,                                # null: not sharded, or a merge
     "totals": {"migrated": 0, "already-migrated": 0, "not-applicable": 0,
                "unsupported": 0, "error": 0, "skipped": 0},  # repositories per outcome, all six keys
     "repositories": [
       {"repo": "owner/name",
        "outcome": "migrated" | "already-migrated" | "not-applicable" | "unsupported" | "error" | "skipped",
        "action": "opened" | "updated" | "reopened" | "unchanged" | "dry-run" | "nothing" | "skipped"
                  | "failed" | "audited",
        "reason": "one line" | null,      # why: the engine's reason (file:line:col for unsupported/error),
                                          # or why the repository was skipped or failed; null when migrated
        "pr_url": "https://..." | null,   # the tool's pull request, when there is one
        "commit": "sha" | null,           # the commit the tool's branch points at after a run
        "requests": 5,                    # API requests made for this repository alone (batched reads of
                                          # an audit, and the organisation's listing, are shared: not counted)
        "seconds": 1.25,                  # wall time spent on this repository
        "notes": [{"category": "secret", "message": "...", "location": "path:line" | null}],
        "diff": "unified diff" | null,    # the migration's file changes (`git apply` accepts it)
        "mermaid": "flowchart TD ..." | null,   # the migrated CI workflow's job graph
        "finished_at": "2026-01-01T12:00:00.000Z"}]}

Outcomes are the SPEC's, plus `skipped` (archived, a fork, empty, a pull request closed without merge, a
branch carrying someone else's commits). `error` also covers a repository that could not be finished (the
network, the API, git): its `action` is then `failed`. Note categories are `codemod.result.Category`'s values
(`follow-up` also carries the forge's warnings, e.g. labels that could not be set).

`merge` unions the repositories of several reports (the same repository in two: the later `finished_at`
wins, then the later input), recomputes the totals, and refuses reports of another version or of different
modes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from codemod import __version__
from codemod.diff import unified_diff
from codemod.result import Note, Outcome, RepoResult

VERSION = 1
MODES = ("audit", "dry-run", "run")
OUTCOMES = ("migrated", "already-migrated", "not-applicable", "unsupported", "error", "skipped")
ACTIONS = ("opened", "updated", "reopened", "unchanged", "dry-run", "nothing", "skipped", "failed", "audited")
ENTRY_KEYS = ("repo", "outcome", "action", "reason", "pr_url", "commit", "requests", "seconds", "notes", "diff",
              "mermaid", "finished_at")
REPORT_KEYS = ("version", "tool", "generated_at", "mode", "shard", "totals", "repositories")


class ReportError(Exception):
    """A report that cannot be read or merged; the message names the file and the problem."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- entries ------------------------------------------------------------------------------------------------


def note_json(note: Note) -> dict[str, Any]:
    return {"category": str(note.category), "message": note.message,
            "location": str(note.location) if note.location else None}


def entry(repo: str, *, outcome: str, action: str, reason: str | None = None, result: RepoResult | None = None,
          pr_url: str | None = None, commit: str | None = None, requests: int = 0, seconds: float = 0.0,
          diff: str | None = None, extra_notes: Iterable[dict[str, Any]] = (), finished_at: str | None = None
          ) -> dict[str, Any]:
    """One repository's entry; `result` gives the notes, the diff (unless given) and the job graph."""
    notes = [note_json(n) for n in result.notes] if result else []
    if result and diff is None and result.changes:
        diff = unified_diff(result.changes)
    return {
        "repo": repo, "outcome": outcome, "action": action, "reason": reason, "pr_url": pr_url, "commit": commit,
        "requests": int(requests), "seconds": round(float(seconds), 3), "notes": [*notes, *extra_notes],
        "diff": diff or None, "mermaid": _mermaid(result), "finished_at": finished_at or now(),
    }


def _mermaid(result: RepoResult | None) -> str | None:
    if result is None or result.summary is None:
        return None
    from codemod.mermaid import job_graph

    return job_graph(result.summary)


def audit_entry(repo: str, result: RepoResult, *, seconds: float = 0.0) -> dict[str, Any]:
    return entry(repo, outcome=str(result.outcome), action="audited", reason=result.reason, result=result,
                 seconds=seconds)


def skipped_entry(repo: str, reason: str) -> dict[str, Any]:
    return entry(repo, outcome="skipped", action="skipped", reason=reason)


def failed_entry(repo: str, reason: str, *, requests: int = 0, seconds: float = 0.0) -> dict[str, Any]:
    return entry(repo, outcome="error", action="failed", reason=reason, requests=requests, seconds=seconds)


def run_entry(run: Any, *, seconds: float = 0.0) -> dict[str, Any]:
    """The entry of a `codemod.pipeline.RepoRun`."""
    action = str(run.action)
    result: RepoResult | None = run.result
    if action == "failed":
        outcome, reason = "error", run.message
    elif action == "skipped":
        outcome, reason = "skipped", run.message
    else:
        outcome = str(result.outcome) if result else "error"
        reason = result.reason if result and result.outcome != Outcome.MIGRATED else None
    warnings = [{"category": "follow-up", "message": w, "location": None} for w in run.warnings]
    return entry(run.repo, outcome=outcome, action=action, reason=reason, result=result,
                 pr_url=run.pull.url if run.pull else None, commit=run.commit, requests=run.requests,
                 seconds=seconds, diff=run.diff or None, extra_notes=warnings)


# --- whole reports ------------------------------------------------------------------------------------------


def totals(entries: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts = Counter(e["outcome"] for e in entries)
    return {outcome: counts.get(outcome, 0) for outcome in OUTCOMES}


def build(entries: list[dict[str, Any]], *, mode: str, shard: str | None = None) -> dict[str, Any]:
    assert mode in MODES, mode
    return {"version": VERSION, "tool": f"consolidate-ci {__version__}", "generated_at": now(), "mode": mode,
            "shard": shard, "totals": totals(entries), "repositories": list(entries)}


def write(report: dict[str, Any], path: Path) -> None:
    problems = validate(report)
    assert not problems, problems
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a report


def read(path: Path) -> dict[str, Any]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read the report: {exc}") from None
    if isinstance(report, dict) and report.get("version") != VERSION:
        raise ReportError(f"{path}: report version {report.get('version')!r}, this tool reads version {VERSION}")
    problems = validate(report)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ReportError(f"{path}: not a consolidate-ci report: {problems[0]}{more}")
    return report


# --- validation ---------------------------------------------------------------------------------------------

_NULLABLE_STR = (str, type(None))


def validate(report: Any) -> list[str]:
    """Every way `report` differs from the format above (empty: valid)."""
    if not isinstance(report, dict):
        return ["the report is not a JSON object"]
    problems = _keys(report, REPORT_KEYS, "the report")
    if problems:
        return problems
    checks = [
        (report["version"] == VERSION, f"version is {report['version']!r}, expected {VERSION}"),
        (isinstance(report["tool"], str), "tool is not a string"),
        (_is_time(report["generated_at"]), "generated_at is not an ISO-8601 time"),
        (report["mode"] in MODES, f"mode {report['mode']!r} is not one of {', '.join(MODES)}"),
        (report["shard"] is None or _is_shard(report["shard"]), f"shard {report['shard']!r} is not K/N or null"),
        (isinstance(report["repositories"], list), "repositories is not a list"),
    ]
    problems = [message for ok, message in checks if not ok]
    if problems:
        return problems
    for i, item in enumerate(report["repositories"]):
        problems += [f"repositories[{i}]: {p}" for p in validate_entry(item)]
    if not problems and report["totals"] != totals(report["repositories"]):
        problems.append("totals do not count the repositories' outcomes")
    return problems


def validate_entry(item: Any) -> list[str]:
    if not isinstance(item, dict):
        return ["not a JSON object"]
    problems = _keys(item, ENTRY_KEYS, "the entry")
    if problems:
        return problems
    checks = [
        (isinstance(item["repo"], str) and item["repo"].count("/") == 1, f"repo {item['repo']!r} is not owner/name"),
        (item["outcome"] in OUTCOMES, f"outcome {item['outcome']!r} is unknown"),
        (item["action"] in ACTIONS, f"action {item['action']!r} is unknown"),
        (isinstance(item["requests"], int) and not isinstance(item["requests"], bool) and item["requests"] >= 0,
         "requests is not a count"),
        (isinstance(item["seconds"], int | float) and not isinstance(item["seconds"], bool), "seconds is not a number"),
        (_is_time(item["finished_at"]), "finished_at is not an ISO-8601 time"),
        (isinstance(item["notes"], list) and all(_is_note(n) for n in item["notes"]), "notes are not notes"),
    ]
    checks += [(isinstance(item[key], _NULLABLE_STR), f"{key} is not a string or null")
               for key in ("reason", "pr_url", "commit", "diff", "mermaid")]
    return [message for ok, message in checks if not ok]


def _keys(obj: dict[str, Any], expected: tuple[str, ...], what: str) -> list[str]:
    missing = [k for k in expected if k not in obj]
    unknown = [k for k in obj if k not in expected]
    return ([f"{what} lacks {', '.join(missing)}"] if missing else []) + \
        ([f"{what} has unknown keys {', '.join(unknown)}"] if unknown else [])


def _is_note(note: Any) -> bool:
    return (isinstance(note, dict) and set(note) == {"category", "message", "location"}
            and isinstance(note["category"], str) and isinstance(note["message"], str)
            and isinstance(note["location"], _NULLABLE_STR))


def _is_time(value: Any) -> bool:
    try:
        return isinstance(value, str) and _parse_time(value) is not None
    except ValueError:
        return False


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _is_shard(value: Any) -> bool:
    if not isinstance(value, str) or value.count("/") != 1:
        return False
    k, n = value.split("/")
    return k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)


# --- merging ------------------------------------------------------------------------------------------------


def merge(reports: list[dict[str, Any]], names: list[str] | None = None) -> dict[str, Any]:
    """One report holding every repository of `reports` (validated ones, of one version and one mode)."""
    names = names or [f"report {i + 1}" for i in range(len(reports))]
    if not reports:
        raise ReportError("nothing to merge")
    for name, report in zip(names, reports, strict=True):
        if report.get("version") != VERSION:
            raise ReportError(f"{name}: report version {report.get('version')!r}, this tool merges version {VERSION}")
    modes = sorted({r["mode"] for r in reports})
    if len(modes) > 1:
        raise ReportError(f"cannot merge reports of different modes ({', '.join(modes)})")
    chosen: dict[str, tuple[datetime, int, dict[str, Any]]] = {}
    for order, report in enumerate(reports):
        for item in report["repositories"]:
            key = item["repo"].lower()
            rank = (_parse_time(item["finished_at"]), order)
            if key not in chosen or rank >= chosen[key][:2]:
                chosen[key] = (*rank, item)
    entries = sorted((found[2] for found in chosen.values()), key=lambda e: e["repo"].lower())
    return build(entries, mode=modes[0], shard=None)
