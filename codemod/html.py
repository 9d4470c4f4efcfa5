"""One self-contained HTML page for a batch report (the JSON report of `codemod.report`, version 1).

`render_html(report)` returns a single file that works opened from disk, offline: inline CSS and JS only, no
request of any kind (a Content-Security-Policy with the hashes of the page's own style and script enforces
it). The page shows the totals per outcome, a table of repositories sortable by clicking its headers and
filterable by outcome, and per repository a collapsed `<details>` with its reason, its notes grouped by
category (the manual follow-ups first, secrets as a checklist), its job graph drawn as inline SVG from the
mermaid text (`codemod.mermaid` output) and its diff, highlighted here at render time.

Every text of the report is untrusted (repository names, reasons, notes, diffs): it is escaped where it is
written, and nothing of it ever reaches the script, which reads the page's own attributes only.

The page's URL fragment sets its initial view: `#sort=outcome` (`#sort=-seconds` descending),
`#outcome=error,unsupported`, `#q=text`, `#open=all` or `#open=r3`, joined with `&`; `#r3` opens and shows
repository 3.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import Path

from codemod.result import Category

OUTCOMES = ("migrated", "already-migrated", "not-applicable", "unsupported", "error", "skipped")
# (key, header, tooltip) of the table's columns, in order; the script sorts by `key`.
COLUMNS = (
    ("repo", "Repository", "owner/name, and the reason of the outcome"),
    ("outcome", "Outcome", "what the migration found"),
    ("action", "Action", "what the run did on the forge"),
    ("pr", "PR", "the pull request"),
    ("notes", "Notes", "notes of the migration; 'to do': manual follow-ups"),
    ("requests", "Requests", "API requests spent on the repository"),
    ("seconds", "Seconds", "time spent on the repository"),
)
# Notes that ask a person to act, in the order shown; the rest say what the migration did.
FOLLOW_UPS = {
    Category.SECRET: "Secrets the moved jobs read",
    Category.TRIGGER: "Triggers of the deleted workflow that are not carried over",
    Category.CHECK: "Required status checks",
    Category.PERMISSION: "Permissions",
    Category.CONCURRENCY: "Concurrency",
    Category.FOLLOW_UP: "Other follow-ups",
}
CHANGES = {
    Category.MOVED: "Moved",
    Category.DROPPED: "Dropped",
    Category.RENAMED: "Renamed",
    Category.LISTENER: "Listening workflows retargeted",
    Category.DOCS: "Docs",
    Category.SCRIPT: "Scripts",
    Category.INFO: "Other notes",
}
MAX_DIFF_LINES = 4000  # per repository: beyond this the page says how many lines it left out
_MISSING = "—"


class ReportError(ValueError):
    """The report is not one this renderer understands (its version, or its shape)."""


@dataclass(frozen=True)
class RepoNote:
    category: str
    message: str
    location: str | None


@dataclass(frozen=True)
class RepoRow:
    """One repository of the report, with every optional field normalised (None when missing)."""

    index: int
    repo: str
    outcome: str
    action: str | None
    reason: str | None
    pr_url: str | None
    commit: str | None
    requests: float | None
    seconds: float | None
    finished_at: str | None
    diff: str | None
    mermaid: str | None
    notes: list[RepoNote] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"r{self.index}"

    @property
    def follow_ups(self) -> int:
        return sum(1 for n in self.notes if n.category in FOLLOW_UPS)


def render_html(report: dict) -> str:
    """The whole page for `report` (a parsed version-1 JSON report of a batch)."""
    if not isinstance(report, dict):
        raise ReportError("the report is not a JSON object")
    if report.get("version", 1) != 1:
        raise ReportError(f"report version {report.get('version')!r} is not supported (this page reads version 1)")
    raw = report.get("repositories")
    raw = [] if raw is None else raw
    if not isinstance(raw, list):
        raise ReportError("`repositories` is not a list")
    rows = [_row(i, r) for i, r in enumerate(raw) if isinstance(r, dict)]
    body = "".join([_header(report, rows), _totals(report, rows), _controls(rows), _table(rows), _sections(rows)])
    return _page(_title(report), body)


# --- the report's data, normalised -------------------------------------------------------------------------


def _text(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value)
    return text if text.strip() else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if value == value else None  # NaN is no number


def _notes(value: object) -> list[RepoNote]:
    notes = []
    for note in value if isinstance(value, list) else []:
        if isinstance(note, dict):
            notes.append(RepoNote(_text(note.get("category")) or "info", _text(note.get("message")) or "",
                                  _text(note.get("location"))))
    return notes


def _row(index: int, data: dict) -> RepoRow:
    return RepoRow(
        index=index, repo=_text(data.get("repo")) or "(unnamed)", outcome=_text(data.get("outcome")) or "unknown",
        action=_text(data.get("action")), reason=_text(data.get("reason")), pr_url=_text(data.get("pr_url")),
        commit=_text(data.get("commit")), requests=_number(data.get("requests")),
        seconds=_number(data.get("seconds")), finished_at=_text(data.get("finished_at")),
        diff=data.get("diff") if isinstance(data.get("diff"), str) else None,
        mermaid=data.get("mermaid") if isinstance(data.get("mermaid"), str) else None, notes=_notes(data.get("notes")),
    )


def totals(rows: list[RepoRow]) -> dict[str, int]:
    """Repositories per outcome, every known outcome included (unknown ones after them)."""
    counted: dict[str, int] = {}
    for row in rows:
        counted[row.outcome] = counted.get(row.outcome, 0) + 1
    return {o: counted.get(o, 0) for o in [*OUTCOMES, *sorted(set(counted) - set(OUTCOMES))]}


def totals_mismatch(report: dict, counts: dict[str, int]) -> str | None:
    """A warning when the report's own `totals` disagree with the repositories it lists."""
    given = report.get("totals")
    if not isinstance(given, dict):
        return None
    keys = dict.fromkeys([*given, *counts])
    differ = [f"{_text(k)} {given.get(k, 0)!r}" for k in keys if given.get(k, 0) != counts.get(k, 0)]
    if not differ:
        return None
    return f"The report's totals ({', '.join(differ)}) differ from the repositories it lists, which this page counts."


# --- small formatters ---------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(str(text), quote=True)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def inline(text: str) -> str:
    """Escaped text whose `code spans` become <code> (the notes and reasons write names that way)."""
    return _CODE_SPAN.sub(r"<code>\1</code>", _e(text))


def outcome_class(outcome: str) -> str:
    """A CSS class for an outcome; untrusted values never become class names."""
    return f"o-{outcome}" if outcome in OUTCOMES else "o-other"


def safe_url(url: str | None) -> str | None:
    """`url` when it is a plain http(s) URL (for an href), else None."""
    if url and re.fullmatch(r"https?://[^\s\"'<>`\\]+", url):
        return url
    return None


def pr_label(url: str) -> str:
    match = re.search(r"/pull/(\d+)/?$", url)
    return f"#{match.group(1)}" if match else "PR"


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return _MISSING
    return f"{value:,.{digits}f}" if digits else f"{value:,.0f}"


def _sort_value(value: float | None) -> str:
    return "" if value is None else repr(value)


# --- page ---------------------------------------------------------------------------------------------------


def _title(report: dict) -> str:
    mode = _text(report.get("mode")) or "report"
    when = _text(report.get("generated_at")) or ""
    return f"consolidate-ci {mode} {when}".strip()


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _page(title: str, body: str) -> str:
    csp = (f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(SCRIPT)}; "
           "img-src 'none'; base-uri 'none'; form-action 'none'")
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _header(report: dict, rows: list[RepoRow]) -> str:
    mode = _text(report.get("mode")) or "unknown"
    facts = [f'<span class="mode mode-{mode if mode in ("audit", "dry-run", "run") else "other"}">{_e(mode)}</span>']
    for label, key in (("tool", "tool"), ("generated", "generated_at"), ("shard", "shard")):
        if value := _text(report.get(key)):
            facts.append(f"<span>{label} <b>{_e(value)}</b></span>")
    requests = sum(r.requests or 0 for r in rows)
    seconds = sum(r.seconds or 0 for r in rows)
    facts.append(f"<span><b>{len(rows):,}</b> repositories, <b>{requests:,.0f}</b> requests, "
                 f"<b>{seconds:,.1f}</b> s</span>")
    note = {"dry-run": "Dry run: nothing was pushed and no pull request was opened.",
            "audit": "Audit: repositories were only inspected."}.get(mode, "")
    return (f'<header><h1>consolidate-ci batch report</h1><p class="facts">{" ".join(facts)}</p>'
            + (f'<p class="modenote">{note}</p>' if note else "") + "</header>\n")


def _totals(report: dict, rows: list[RepoRow]) -> str:
    counts = totals(rows)
    warning = totals_mismatch(report, counts)
    whole = sum(counts.values())
    cards = [f'<button type="button" class="card all" data-only="" title="show every repository">'
             f'<span class="count">{whole:,}</span><span class="label">repositories</span></button>']
    for outcome, count in counts.items():
        share = f"{100 * count / whole:.0f} %" if whole else ""
        cards.append(f'<button type="button" class="card {outcome_class(outcome)}" data-only="{_e(outcome)}" '
                     f'title="show only {_e(outcome)}"><span class="count">{count:,}</span>'
                     f'<span class="label">{_e(outcome)}</span><span class="share">{share}</span></button>')
    return (f'<section class="totals" aria-label="totals">{_bar(counts, whole)}<div class="cards">{"".join(cards)}</div>'
            f"{_actions(rows)}" + (f'<p class="warning">{_e(warning)}</p>' if warning else "") + "</section>\n")


def _bar(counts: dict[str, int], whole: int) -> str:
    """The outcomes as one stacked bar (SVG: sizes are attributes, not inline styles, which the CSP forbids)."""
    if not whole:
        return ""
    x, rects = 0.0, []
    for outcome, count in counts.items():
        if count:
            width = 1000 * count / whole
            rects.append(f'<rect class="{outcome_class(outcome)}" x="{x:.2f}" y="0" width="{width:.2f}" height="10">'
                         f"<title>{_e(outcome)}: {count:,}</title></rect>")
            x += width
    return f'<svg class="bar" viewBox="0 0 1000 10" preserveAspectRatio="none" role="img" aria-label="outcomes">{"".join(rects)}</svg>'


def _actions(rows: list[RepoRow]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.action or _MISSING] = counts.get(row.action or _MISSING, 0) + 1
    if not counts:
        return ""
    items = " · ".join(f"{_e(action)} <b>{count:,}</b>" for action, count in sorted(counts.items(), key=lambda kv: -kv[1]))
    return f'<p class="actions">Actions: {items}</p>'


def _controls(rows: list[RepoRow]) -> str:
    present = list(dict.fromkeys([*[o for o in OUTCOMES if any(r.outcome == o for r in rows)], *(r.outcome for r in rows)]))
    chips = "".join(f'<label class="chip {outcome_class(o)}"><input type="checkbox" name="outcome" value="{_e(o)}" checked>'
                    f" {_e(o)}</label>" for o in present)
    return (f'<nav class="controls" aria-label="filter"><span class="chips">{chips}</span>'
            '<input type="search" id="q" placeholder="filter by name" aria-label="filter repositories by name">'
            '<button type="button" id="expand">expand all</button><button type="button" id="collapse">collapse all</button>'
            f'<span id="shown" aria-live="polite">{len(rows):,} of {len(rows):,} shown</span></nav>\n')


# --- table --------------------------------------------------------------------------------------------------


def _table(rows: list[RepoRow]) -> str:
    heads = "".join(f'<th scope="col" data-key="{key}" title="{_e(tip)}" aria-sort="none">'
                    f'<button type="button">{name}</button></th>' for key, name, tip in COLUMNS)
    body = "".join(_table_row(r) for r in rows) or f'<tr class="empty"><td colspan="{len(COLUMNS)}">No repositories in this report.</td></tr>'
    return f'<table id="repos"><thead><tr>{heads}</tr></thead><tbody>\n{body}</tbody></table>\n'


def _rank(outcome: str) -> int:
    return OUTCOMES.index(outcome) if outcome in OUTCOMES else len(OUTCOMES)


def _table_row(r: RepoRow) -> str:
    reason = f'<span class="reason">{inline(r.reason)}</span>' if r.reason else ""
    url = safe_url(r.pr_url)
    pr = (f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(pr_label(url))}</a>' if url
          else _e(r.pr_url) if r.pr_url else _MISSING)
    pr_key = re.search(r"(\d+)/?$", url).group(1) if url and re.search(r"(\d+)/?$", url) else ""
    todo = f' <span class="todo">{r.follow_ups} to do</span>' if r.follow_ups else ""
    cells = [
        (r.repo.lower(), f'<a href="#{r.anchor}">{_e(r.repo)}</a>{reason}'),
        (str(_rank(r.outcome)), _badge(r.outcome)),
        (r.action or "", _e(r.action or _MISSING)),
        (pr_key, pr),
        (str(len(r.notes)), f"{len(r.notes)}{todo}"),
        (_sort_value(r.requests), _num(r.requests)),
        (_sort_value(r.seconds), _num(r.seconds, 2)),
    ]
    tds = "".join(f'<td data-v="{_e(v)}"{" class=num" if i >= 4 else ""}>{html}</td>' for i, (v, html) in enumerate(cells))
    return f'<tr data-i="{r.index}" data-outcome="{_e(r.outcome)}">{tds}</tr>\n'


def _badge(outcome: str) -> str:
    return f'<span class="badge {outcome_class(outcome)}">{_e(outcome)}</span>'


# --- one repository ------------------------------------------------------------------------------------------


def _sections(rows: list[RepoRow]) -> str:
    return f'<section id="details" aria-label="repositories">\n{"".join(_section(r) for r in rows)}</section>\n'


def _section(r: RepoRow) -> str:
    url = safe_url(r.pr_url)
    pr = f' <a class="pr" href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(pr_label(url))}</a>' if url else ""
    files = split_diff(r.diff) if r.diff and r.diff.strip() else []
    summary = (f'<summary><span class="name">{_e(r.repo)}</span> {_badge(r.outcome)} '
               f'<span class="action">{_e(r.action or "")}</span>{pr}'
               f'<span class="counts">{_counts(r, files)}</span></summary>')
    parts = [_meta(r), _follow_up_notes(r.notes), _change_notes(r.notes), _graph_block(r.mermaid), _diff_block(files)]
    return (f'<details class="repo" id="{r.anchor}" data-i="{r.index}" data-outcome="{_e(r.outcome)}">{summary}'
            f'<div class="body">{"".join(parts)}</div></details>\n')


def _counts(r: RepoRow, files: list[DiffFile]) -> str:
    bits = [f"{len(r.notes)} note{'s' if len(r.notes) != 1 else ''}"] if r.notes else []
    if r.follow_ups:
        bits.append(f"{r.follow_ups} to do")
    if files:
        added, removed = diff_stats(files)
        bits.append(f'<span class="plus">+{added}</span> <span class="minus">−{removed}</span>')
    return " · ".join(bits)


def _meta(r: RepoRow) -> str:
    out = [f'<p class="reason {outcome_class(r.outcome)}">{inline(r.reason)}</p>'] if r.reason else []
    facts = []
    if r.commit:
        facts.append(f'commit <code title="{_e(r.commit)}">{_e(r.commit[:12])}</code>')
    if r.pr_url:
        url = safe_url(r.pr_url)
        facts.append(f'pull request <a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(url)}</a>'
                     if url else f"pull request {_e(r.pr_url)}")
    facts += [f"{_num(r.requests)} requests" if r.requests is not None else "",
              f"{_num(r.seconds, 2)} s" if r.seconds is not None else "",
              f"finished {_e(r.finished_at)}" if r.finished_at else ""]
    facts = [f for f in facts if f]
    if facts:
        out.append(f'<p class="meta">{" · ".join(facts)}</p>')
    return "".join(out)


def _grouped(notes: Iterable[RepoNote]) -> dict[str, list[RepoNote]]:
    groups: dict[str, list[RepoNote]] = {}
    for note in notes:
        groups.setdefault(note.category, []).append(note)
    return groups


def _note_html(note: RepoNote) -> str:
    where = f' <span class="loc">{_e(note.location)}</span>' if note.location else ""
    return f"{inline(note.message)}{where}"


def _follow_up_notes(notes: list[RepoNote]) -> str:
    groups = _grouped(n for n in notes if n.category in FOLLOW_UPS)
    if not groups:
        return ""
    blocks = []
    for category, heading in FOLLOW_UPS.items():
        items = groups.get(category, [])
        if items:
            lis = "".join(f'<li><label><input type="checkbox"> {_note_html(n)}</label></li>' for n in items)
            blocks.append(f'<h4>{_e(heading)}</h4><ul class="checklist cat-{category}">{lis}</ul>')
    return f'<div class="notes follow-ups"><h3>Manual follow-ups</h3>{"".join(blocks)}</div>'


def _change_notes(notes: list[RepoNote]) -> str:
    groups = _grouped(n for n in notes if n.category not in FOLLOW_UPS)
    if not groups:
        return ""
    blocks = []
    for category in [*CHANGES, *sorted(set(groups) - set(CHANGES))]:
        items = groups.get(category, [])
        if items:
            heading = CHANGES.get(category, category)
            lis = "".join(f"<li>{_note_html(n)}</li>" for n in items)
            blocks.append(f"<h4>{_e(heading)} <small>{len(items)}</small></h4><ul>{lis}</ul>")
    return f'<div class="notes changes"><h3>What the migration did</h3>{"".join(blocks)}</div>'


def _graph_block(mermaid: str | None) -> str:
    if not mermaid or not mermaid.strip():
        return ""
    svg = graph_svg(parse_flowchart(mermaid))
    return (f'<div class="graph"><h3>Job graph</h3>{svg}<details class="source"><summary>mermaid source</summary>'
            f"<pre>{_e(mermaid)}</pre></details></div>")


def _diff_block(files: list[DiffFile]) -> str:
    return f'<div class="diff"><h3>Diff</h3>{render_diff(files)}</div>' if files else ""


# --- diff, with syntax highlighting ----------------------------------------------------------------------------


@dataclass
class DiffFile:
    path: str
    kind: str  # "created", "deleted", "modified"
    lines: list[str]  # the section's lines, its `diff --git` header included
    rows: list[tuple[str, int | None, int | None]] = field(default_factory=list)  # `_classify` of each line
    added: int = 0
    removed: int = 0


def diff_stats(files: list[DiffFile]) -> tuple[int, int]:
    return sum(f.added for f in files), sum(f.removed for f in files)


def split_diff(diff: str) -> list[DiffFile]:
    """The per-file sections of a unified diff (a diff without `diff --git` headers is one section)."""
    files: list[DiffFile] = []
    for line in diff.removesuffix("\n").split("\n"):
        if line.startswith("diff --git ") or not files:
            files.append(DiffFile(_diff_path(line), "modified", []))
        current = files[-1]
        current.lines.append(line)
        if line.startswith("new file mode"):
            current.kind = "created"
        elif line.startswith("deleted file mode"):
            current.kind = "deleted"
        elif line.startswith(("+++ ", "--- ")) and current.path == "diff":
            current.path = _strip_prefix(line[4:])
    for f in files:
        f.rows = list(_classify(f.lines))
        f.added = sum(1 for kind, _, _ in f.rows if kind == "add")
        f.removed = sum(1 for kind, _, _ in f.rows if kind == "del")
    return files


def _diff_path(header: str) -> str:
    rest = header[len("diff --git "):] if header.startswith("diff --git ") else ""
    n = (len(rest) - 5) // 2
    if rest.startswith("a/") and n > 0 and rest[2:2 + n] == rest[5 + n:] and rest[2 + n:5 + n] == " b/":
        return rest[2:2 + n]
    return rest or "diff"


def _strip_prefix(path: str) -> str:
    path = path.split("\t")[0]
    return path[2:] if path.startswith(("a/", "b/")) else path


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _classify(lines: list[str]) -> Iterable[tuple[str, int | None, int | None]]:
    """(kind, old line number, new line number) per line; hunks are followed by their counts, so a deleted
    `--- x` or an added `+++ y` inside a hunk is content, not a header."""
    old_left = new_left = 0
    old = new = 0
    for line in lines:
        if old_left > 0 or new_left > 0:
            tag = line[:1]
            if tag == "+" and new_left > 0:
                new_left -= 1
                new += 1
                yield "add", None, new
                continue
            if tag == "-" and old_left > 0:
                old_left -= 1
                old += 1
                yield "del", old, None
                continue
            if tag in (" ", "") and old_left > 0 and new_left > 0:
                old_left -= 1
                new_left -= 1
                old += 1
                new += 1
                yield "ctx", old, new
                continue
        if line.startswith("\\"):
            yield "meta", None, None
        elif match := _HUNK.match(line):
            old, new = int(match.group(1)) - 1, int(match.group(3)) - 1
            old_left = 1 if match.group(2) is None else int(match.group(2))
            new_left = 1 if match.group(4) is None else int(match.group(4))
            yield "hunk", None, None
        else:
            yield "head", None, None


def render_diff(files: list[DiffFile], max_lines: int = MAX_DIFF_LINES) -> str:
    """The diff's files (`split_diff`) as blocks of highlighted lines; deleted files start collapsed."""
    out, budget = [], max_lines
    for i, f in enumerate(files):
        if budget <= 0:
            left = sum(len(g.lines) for g in files[i:])
            out.append(f'<p class="truncated">{left:,} more diff lines in {len(files) - i} file(s) are left out '
                       "of this page: see the JSON report.</p>")
            break
        body = _file_lines(f, budget)
        budget -= len(f.lines)
        stats = f'<span class="plus">+{f.added}</span> <span class="minus">−{f.removed}</span>'
        opened = "" if f.kind == "deleted" else " open"
        crlf = ' <span class="kind" title="the file has CRLF line endings">CRLF</span>' if _crlf(f) else ""
        out.append(f'<details class="file"{opened}><summary><span class="path">{_e(f.path)}</span> '
                   f'<span class="kind k-{f.kind}">{f.kind}</span>{crlf} {stats}</summary>'
                   f'<pre class="code">{body}</pre></details>')
    return "".join(out)


def _crlf(f: DiffFile) -> bool:
    return any(line.endswith("\r") for line, (kind, _, _) in zip(f.lines, f.rows, strict=True) if kind != "head")


def _file_lines(f: DiffFile, budget: int) -> str:
    yaml = f.path.endswith((".yml", ".yaml"))
    scalar = _BlockScalar()
    out = []
    for n, (line, (kind, old, new)) in enumerate(zip(f.lines, f.rows, strict=True)):
        if n >= budget:
            out.append(f'<span class="meta">… {len(f.lines) - n:,} more lines of this file are left out</span>')
            break
        if kind in ("add", "del", "ctx"):
            content = line[1:].removesuffix("\r")  # shown as the file's CRLF badge
            text = scalar.highlight(content) if yaml else _e(content)
            gutter = f"{'' if old is None else old:>4} {'' if new is None else new:>4}"
            out.append(f'<span class="{kind}" data-g="{gutter}"><i>{line[:1] or " "}</i>{text}</span>')
        else:
            if kind == "hunk":
                scalar.reset()
            out.append(f'<span class="{kind}">{_e(line)}</span>')
    return "".join(out)


class _BlockScalar:
    """Tracks YAML block scalars (`run: |`) across diff lines, so their content is not read as keys."""

    def __init__(self) -> None:
        self.indent: int | None = None

    def reset(self) -> None:
        self.indent = None

    def highlight(self, content: str) -> str:
        stripped = content.lstrip(" ")
        depth = len(content) - len(stripped)
        if self.indent is not None and (not stripped.strip() or depth > self.indent):
            return scalar_line(content)
        self.indent = None
        html, opens_at = yaml_line(content)
        if opens_at is not None:
            self.indent = opens_at
        return html


_KEY = re.compile(r"""^( *)((?:- +)*)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[\w$.{}/][\w .${}/()-]*?)( *:)(?= |$)""")
_TOKENS = re.compile(
    r"""(?P<x>\$\{\{.*?\}\})"""
    r"""|(?P<s>"(?:[^"\\]|\\.)*"?|'(?:[^']|'')*'?)"""
    r"""|(?P<c>(?:(?<=\s)|^)\#.*)"""
    r"""|(?P<a>(?:(?<=\s)|^)[&*][\w-][^\s,\[\]{}]*)"""
    r"""|(?P<b>(?:(?<=[\s\[,{])|^)(?:true|false|null|~|-?\d+(?:\.\d+)?)(?=[\s,\]}]|$))"""
    r"""|(?P<p>^ *(?:- +)+)"""
)
_EXPR = re.compile(r"\$\{\{.*?\}\}")
_BLOCK = re.compile(r"^ *[|>][-+0-9]* *(?:#.*)?$")


@lru_cache(maxsize=1 << 16)
def yaml_line(content: str) -> tuple[str, int | None]:
    """One YAML line as highlighted HTML, and the key's column when the line opens a block scalar.

    A light, line-based highlighter: keys, strings, `${{ }}` expressions, comments, literals, anchors."""
    match = _KEY.match(content)
    if not match:
        return values(content), None
    indent, dashes, key, colon = match.groups()
    rest = content[match.end():]
    head = f'{indent}{_span("p", dashes) if dashes else ""}{_span("k", key)}{_span("p", colon)}'
    opens = len(indent) + len(dashes) if _BLOCK.match(rest) else None
    return head + values(rest), opens


@lru_cache(maxsize=1 << 16)
def values(text: str) -> str:
    out, pos = [], 0
    for match in _TOKENS.finditer(text):
        out.append(_e(text[pos:match.start()]))
        kind = match.lastgroup or ""
        token = match.group()
        out.append(_span(kind, token) if kind != "s" else f'<span class="s">{scalar_line(token)}</span>')
        pos = match.end()
    out.append(_e(text[pos:]))
    return "".join(out)


@lru_cache(maxsize=1 << 16)
def scalar_line(text: str) -> str:
    """Text of a string or block scalar: only its `${{ }}` expressions stand out."""
    out, pos = [], 0
    for match in _EXPR.finditer(text):
        out.append(_e(text[pos:match.start()]) + _span("x", match.group()))
        pos = match.end()
    return "".join(out) + _e(text[pos:])


def _span(kind: str, text: str) -> str:
    return f'<span class="{kind}">{_e(text)}</span>' if text else ""


# --- the job graph, from mermaid flowchart text, as inline SVG ------------------------------------------------


@dataclass
class FlowNode:
    id: str
    lines: list[str]  # the label's lines (mermaid entities decoded, `<br/>` split)
    cls: str | None = None
    group: str | None = None


@dataclass
class Flowchart:
    nodes: dict[str, FlowNode] = field(default_factory=dict)
    groups: dict[str, FlowNode] = field(default_factory=dict)  # subgraph id -> its title (as a node)
    edges: list[tuple[str, str]] = field(default_factory=list)
    styles: dict[str, dict[str, str]] = field(default_factory=dict)  # classDef name -> validated properties


_NODE_ID = r"[A-Za-z0-9_][\w-]*"
_REF = re.compile(rf"^({_NODE_ID})\s*(?:(\[\[|\[\(|\(\(|\[|\(|\{{\{{|\{{|>)\s*(\"?)(.*?)\3\s*(?:\]\]|\)\]|\)\)|\]|\)|\}}\}}|\}})\s*)?$")
_ARROW = re.compile(r"\s*(?:-->|==>|-\.->|---|-\.-|===)(?:\|[^|]*\|)?\s*")
_ENTITY = re.compile(r"#(\d{1,7}|quot|amp|lt|gt);")
_NAMED = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")


def _decode(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in _NAMED:
            return _NAMED[code]
        return chr(int(code)) if int(code) < 0x110000 else "\ufffd"
    return _ENTITY.sub(one, text)


def _label_lines(raw: str) -> list[str]:
    return [_decode(part).strip() for part in re.split(r"<br\s*/?>", raw, flags=re.I)]


def parse_flowchart(text: str) -> Flowchart:
    """Nodes, subgraphs, edges and class styles of a mermaid flowchart (the subset `codemod.mermaid` writes,
    plus edge chains and edge labels); lines it does not understand are skipped."""
    chart, stack = Flowchart(), []
    for raw in text.splitlines()[:5000]:
        line = raw.strip()
        if not line or line.startswith("%%") or re.match(r"^(flowchart|graph)\b", line):
            continue
        if line.startswith("subgraph "):
            stack.append(_subgraph(chart, line[len("subgraph "):].strip()))
        elif line == "end":
            if stack:
                stack.pop()
        elif line.startswith("classDef "):
            _class_def(chart, line[len("classDef "):])
        elif line.startswith("class "):
            _class_use(chart, line[len("class "):])
        elif not line.startswith(("style ", "linkStyle ", "click ", "direction ")):
            _statement(chart, line, stack[-1] if stack else None)
    return chart


def _subgraph(chart: Flowchart, rest: str) -> str:
    match = _REF.match(rest)
    sub_id = match.group(1) if match else f"sub{len(chart.groups)}"
    title = match.group(4) if match and match.group(4) is not None else rest
    chart.groups.setdefault(sub_id, FlowNode(sub_id, _label_lines(title)))
    return sub_id


def _statement(chart: Flowchart, line: str, group: str | None) -> None:
    parts = _ARROW.split(line.rstrip(";"))
    ids = [_node_ref(chart, part.strip(), group, defines=len(parts) == 1) for part in parts]
    for a, b in itertools.pairwise(ids):
        if a and b:
            chart.edges.append((a, b))


def _node_ref(chart: Flowchart, part: str, group: str | None, *, defines: bool) -> str | None:
    match = _REF.match(part)
    if not match:
        return None
    node_id, label = match.group(1), match.group(4)
    if node_id in chart.groups:
        return node_id
    node = chart.nodes.setdefault(node_id, FlowNode(node_id, [node_id]))
    if label is not None:
        node.lines = _label_lines(label)
    if group and (defines or label is not None) and node.group is None:
        node.group = group
    return node_id


def _class_def(chart: Flowchart, rest: str) -> None:
    name, _, props = rest.strip().partition(" ")
    style: dict[str, str] = {}
    for prop in props.split(","):
        key, _, value = prop.strip().partition(":")
        value = value.strip()
        if key in ("fill", "stroke") and _COLOUR.fullmatch(value):
            style[key] = value
        elif key == "stroke-width" and re.fullmatch(r"\d{1,2}(?:\.\d+)?(?:px)?", value):
            style[key] = value.removesuffix("px")
    chart.styles[name] = style


def _class_use(chart: Flowchart, rest: str) -> None:
    ids, _, name = rest.strip().rpartition(" ")
    for node_id in ids.split(","):
        if node_id.strip() in chart.nodes:
            chart.nodes[node_id.strip()].cls = name.strip()


# Layout constants of the SVG (monospace text, so a label's width is its length in characters).
_CHAR_W, _LINE_H, _PAD, _GAP_X, _GAP_Y, _TITLE_H = 7.2, 15, 8, 26, 46, 20
_WRAP, _MAX_LINES = 52, 8


@dataclass
class _Box:
    id: str
    lines: list[str]
    width: float
    height: float
    x: float = 0
    y: float = 0
    members: list[_Box] = field(default_factory=list)
    title: str = ""


def wrap(lines: list[str], width: int = _WRAP, most: int = _MAX_LINES) -> list[str]:
    """Label lines wrapped at spaces to `width` characters, at most `most` lines (the last one ends in …)."""
    out: list[str] = []
    for line in lines:
        current = ""
        for word in line.split(" "):
            while len(word) > width:
                if current:
                    out.append(current)
                    current = ""
                out.append(word[:width])
                word = word[width:]
            if current and len(current) + 1 + len(word) > width:
                out.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    if len(out) > most:
        out = [*out[:most - 1], out[most - 1][:width - 1] + "…"]
    return out


def _box(node: FlowNode) -> _Box:
    lines = wrap(node.lines)
    width = max(len(line) for line in lines) * _CHAR_W + 2 * _PAD
    return _Box(node.id, lines, max(width, 60), len(lines) * _LINE_H + 2 * _PAD - 4, title="\n".join(node.lines))


def graph_svg(chart: Flowchart) -> str:
    """A layered drawing of the flowchart: nodes (and subgraphs as boxes around their members) in layers
    by longest path, top to bottom, ordered by their predecessors; edges as curves with arrows."""
    if not chart.nodes:
        return '<p class="muted">(no job graph could be read from the mermaid text)</p>'
    units, owner = _units(chart)
    layers = _layers(units, _unit_edges(chart, owner))
    width, height = _place(layers)
    boxes = {b.id: b for u in units.values() for b in [u, *u.members]}
    edges = [_edge(boxes[a], boxes[b]) for a, b in dict.fromkeys(chart.edges) if a in boxes and b in boxes and a != b]
    shapes = [_draw_unit(u, chart) for u in units.values()]
    return (f'<svg class="jobgraph" role="img" aria-label="job graph" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z"/></marker></defs>'
            f'{"".join(shapes)}<g class="edges">{"".join(edges)}</g></svg>')


def _units(chart: Flowchart) -> tuple[dict[str, _Box], dict[str, str]]:
    """Top-level boxes (free nodes and subgraphs, members inside) in text order, and node -> its unit's id."""
    units: dict[str, _Box] = {}
    owner: dict[str, str] = {}
    for node in chart.nodes.values():
        if node.group and node.group in chart.groups:
            if node.group not in units:
                units[node.group] = _Box(node.group, wrap(chart.groups[node.group].lines, 80, 2), 0, 0)
            units[node.group].members.append(_box(node))
            owner[node.id] = node.group
        else:
            units[node.id] = _box(node)
            owner[node.id] = node.id
    for group in units.values():
        if group.members:
            _size_group(group)
    owner.update({g: g for g in chart.groups if g in units})
    return units, owner


def _size_group(group: _Box) -> None:
    title_w = max(len(line) for line in group.lines) * _CHAR_W
    inner = sum(m.width for m in group.members) + _GAP_X / 2 * (len(group.members) - 1)
    group.width = max(inner, title_w) + 2 * _PAD
    group.height = _TITLE_H * len(group.lines) + max(m.height for m in group.members) + 2 * _PAD


def _unit_edges(chart: Flowchart, owner: dict[str, str]) -> list[tuple[str, str]]:
    pairs = [(owner[a], owner[b]) for a, b in chart.edges if a in owner and b in owner]
    return list(dict.fromkeys((a, b) for a, b in pairs if a != b))


def _layers(units: dict[str, _Box], edges: list[tuple[str, str]]) -> list[list[_Box]]:
    """Longest-path layers (Kahn's order; units on a cycle go below the rest), each ordered by the mean
    position of its predecessors in the layers above."""
    preds: dict[str, list[str]] = {u: [] for u in units}
    succs: dict[str, list[str]] = {u: [] for u in units}
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    layer = _longest_path(list(units), preds, succs)
    layers: list[list[_Box]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for u in units:
        layers[layer[u]].append(units[u])
    position: dict[str, float] = {}
    for row in layers:
        order = {box.id: i for i, box in enumerate(row)}
        row.sort(key=lambda b: (_mean([position[p] for p in preds[b.id] if p in position], order[b.id]), order[b.id]))
        position.update({box.id: i for i, box in enumerate(row)})
    return layers


def _longest_path(order: list[str], preds: dict[str, list[str]], succs: dict[str, list[str]]) -> dict[str, int]:
    waiting = {u: len(preds[u]) for u in order}
    ready = [u for u in order if not waiting[u]]
    layer = dict.fromkeys(order, 0)
    done: set[str] = set()
    while ready:
        u = ready.pop(0)
        done.add(u)
        for v in succs[u]:
            layer[v] = max(layer[v], layer[u] + 1)
            waiting[v] -= 1
            if not waiting[v]:
                ready.append(v)
    bottom = max((layer[u] for u in done), default=-1) + 1
    for u in order:
        if u not in done:  # on a cycle: one layer each, below everything else
            layer[u] = bottom
            bottom += 1
    return layer


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default


def _place(layers: list[list[_Box]]) -> tuple[float, float]:
    widths = [sum(b.width for b in row) + _GAP_X * (len(row) - 1) for row in layers]
    total_w = max(widths, default=0) + 2 * _PAD
    y = _PAD
    for row, row_w in zip(layers, widths, strict=True):
        x = (total_w - row_w) / 2
        row_h = max(b.height for b in row)
        for box in row:
            box.x, box.y = x, y + (row_h - box.height) / 2
            _place_members(box)
            x += box.width + _GAP_X
        y += row_h + _GAP_Y
    return total_w, y - _GAP_Y + _PAD


def _place_members(group: _Box) -> None:
    inner = sum(m.width for m in group.members) + _GAP_X / 2 * (len(group.members) - 1)
    x = group.x + (group.width - inner) / 2
    top = group.y + _PAD + _TITLE_H * len(group.lines)
    height = max((m.height for m in group.members), default=0)
    for member in group.members:
        member.x, member.y = x, top + (height - member.height) / 2
        x += member.width + _GAP_X / 2


def _edge(a: _Box, b: _Box) -> str:
    x1, y1 = a.x + a.width / 2, a.y + a.height
    x2, y2 = b.x + b.width / 2, b.y
    if y2 <= y1:  # drawn upwards (a cycle): leave from the side
        x1, y1 = a.x + a.width, a.y + a.height / 2
    bend = max(abs(y2 - y1) / 2, 20)
    return f'<path d="M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + bend:.1f} {x2:.1f},{y2 - bend:.1f} {x2:.1f},{y2 - 1:.1f}" marker-end="url(#arrow)"/>'


def _draw_unit(unit: _Box, chart: Flowchart) -> str:
    if not unit.members:
        return _draw_node(unit, chart.nodes[unit.id], chart)
    title = "".join(f'<text class="gtitle" x="{unit.x + _PAD:.1f}" y="{unit.y + _PAD + 11 + i * _TITLE_H:.1f}">{_e(line)}</text>'
                    for i, line in enumerate(unit.lines))
    members = "".join(_draw_node(m, chart.nodes[m.id], chart) for m in unit.members)
    return (f'<g class="group"><rect x="{unit.x:.1f}" y="{unit.y:.1f}" width="{unit.width:.1f}" height="{unit.height:.1f}" '
            f'rx="6"/>{title}{members}</g>')


def _draw_node(box: _Box, node: FlowNode, chart: Flowchart) -> str:
    style = {"fill": "#f6f8fa", "stroke": "#6e7781", **chart.styles.get(node.cls or "", {})}
    attrs = "".join(f' {key}="{_e(value)}"' for key, value in style.items())
    role = f" role-{node.cls}" if node.cls and re.fullmatch(r"[a-z][a-z-]{0,20}", node.cls) else ""
    texts = "".join(
        f'<text x="{box.x + _PAD:.1f}" y="{box.y + _PAD + 10 + i * _LINE_H:.1f}"{" class=head" if i == 0 else ""}>{_e(line)}</text>'
        for i, line in enumerate(box.lines))
    return (f'<g class="node{role}"><title>{_e(box.title)}</title><rect x="{box.x:.1f}" y="{box.y:.1f}" '
            f'width="{box.width:.1f}" height="{box.height:.1f}" rx="4"{attrs}/>{texts}</g>')


# --- style and script ----------------------------------------------------------------------------------------

CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;
--migrated:#1a7f37;--already-migrated:#0969da;--not-applicable:#6e7781;--unsupported:#bc4c00;--error:#cf222e;
--skipped:#8250df;--other:#57606a}
*{box-sizing:border-box}
body{margin:0;padding:20px 28px 60px;font:14px/1.45 system-ui,-apple-system,"Segoe UI","Liberation Sans",sans-serif;
color:var(--fg);background:var(--bg)}
h1{font-size:22px;margin:0 0 4px}
h3{font-size:14px;margin:16px 0 6px}
h4{font-size:13px;margin:10px 0 4px;color:var(--muted)}
h4 small{font-weight:normal}
code,pre,.loc,.path,.jobgraph{font-family:"DejaVu Sans Mono","Liberation Mono",ui-monospace,monospace}
code{font-size:12px;background:var(--soft);border:1px solid #e6eaef;border-radius:4px;padding:0 3px}
a{color:#0969da}
.facts{margin:0;color:var(--muted);display:flex;flex-wrap:wrap;gap:6px 16px;align-items:center}
.facts b{color:var(--fg)}
.modenote{margin:6px 0 0;color:var(--muted);font-style:italic}
.mode{font-weight:600;text-transform:uppercase;letter-spacing:.04em;font-size:12px;padding:2px 8px;border-radius:10px;
background:#ddf4ff;color:#0550ae}
.mode-dry-run{background:#fff8c5;color:#7d4e00}.mode-audit{background:#f6f8fa;color:#59636e}
.totals{margin:18px 0 10px}
.bar{display:block;width:100%;height:10px;border-radius:5px;overflow:hidden;margin-bottom:10px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(132px,1fr));gap:10px}
.card{font:inherit;text-align:left;cursor:pointer;border:1px solid var(--line);border-top:4px solid var(--c,#444);
border-radius:8px;background:var(--bg);padding:10px 12px;display:flex;flex-direction:column;color:var(--fg)}
.card:hover{background:var(--soft)}.card.active{background:var(--soft);border-color:var(--c,#444)}
.card .count{font-size:26px;font-weight:700;line-height:1.1;color:var(--c,var(--fg))}
.card .label{font-weight:600}.card .share{color:var(--muted);font-size:12px}
.card.all{--c:#24292f}
.o-migrated{--c:var(--migrated)}.o-already-migrated{--c:var(--already-migrated)}
.o-not-applicable{--c:var(--not-applicable)}.o-unsupported{--c:var(--unsupported)}.o-error{--c:var(--error)}
.o-skipped{--c:var(--skipped)}.o-other{--c:var(--other)}
rect.o-migrated,rect.o-already-migrated,rect.o-not-applicable,rect.o-unsupported,rect.o-error,rect.o-skipped,
rect.o-other{fill:var(--c)}
.actions{color:var(--muted);margin:8px 0 0;font-size:13px}
.warning{margin:8px 0 0;padding:6px 10px;border-radius:6px;background:#fff8c5;color:#7d4e00}
.controls{position:sticky;top:0;z-index:2;background:var(--bg);display:flex;flex-wrap:wrap;gap:8px 12px;
align-items:center;padding:8px 0;border-bottom:1px solid var(--line)}
.chips{display:flex;flex-wrap:wrap;gap:6px}
.chip{border:1px solid var(--line);border-radius:12px;padding:1px 9px 1px 6px;cursor:pointer;font-size:13px;
user-select:none;background:var(--bg)}
.chip input{margin:0 2px 0 0;vertical-align:-1px;accent-color:var(--c)}
.controls input[type=search]{font:inherit;padding:3px 8px;border:1px solid var(--line);border-radius:6px;width:200px}
.controls button{font:inherit;font-size:13px;padding:3px 10px;border:1px solid var(--line);border-radius:6px;
background:var(--soft);cursor:pointer}
#shown{color:var(--muted);font-size:13px;margin-left:auto}
table{border-collapse:collapse;width:100%;margin-top:8px}
th{text-align:left;border-bottom:2px solid var(--line);padding:0;white-space:nowrap;background:var(--bg)}
th button{font:inherit;font-weight:600;border:0;background:none;padding:6px 8px;cursor:pointer;color:var(--fg);width:100%;
text-align:inherit}
th[aria-sort=ascending] button::after{content:" ▲";font-size:10px}
th[aria-sort=descending] button::after{content:" ▼";font-size:10px}
th:nth-child(n+5){text-align:right}
td{padding:5px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:hover{background:var(--soft)}
td .reason{display:block;color:var(--muted);font-size:12px;max-width:90ch;overflow-wrap:anywhere}
td .reason code{font-size:11px}
.todo{display:inline-block;font-size:11px;font-weight:600;color:#9a6700;background:#fff8c5;border-radius:8px;padding:0 6px}
.badge{display:inline-block;font-size:12px;font-weight:600;border-radius:10px;padding:1px 8px;color:#fff;background:var(--c);
white-space:nowrap}
tr.empty td{color:var(--muted);text-align:center;padding:20px}
#details{margin-top:26px}
details.repo{scroll-margin-top:56px;border:1px solid var(--line);border-left:4px solid var(--c,var(--other));border-radius:6px;margin:6px 0}
details.repo[data-outcome=migrated]{--c:var(--migrated)}details.repo[data-outcome=already-migrated]{--c:var(--already-migrated)}
details.repo[data-outcome=not-applicable]{--c:var(--not-applicable)}details.repo[data-outcome=unsupported]{--c:var(--unsupported)}
details.repo[data-outcome=error]{--c:var(--error)}details.repo[data-outcome=skipped]{--c:var(--skipped)}
details.repo>summary{cursor:pointer;padding:7px 10px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
details.repo>summary .name{font-weight:600}
details.repo>summary .action{color:var(--muted)}
details.repo>summary .counts{margin-left:auto;color:var(--muted);font-size:13px}
details.repo[open]>summary{border-bottom:1px solid var(--line);background:var(--soft)}
.body{padding:4px 14px 12px}
p.reason{margin:8px 0;padding:6px 10px;border-left:3px solid var(--c);background:var(--soft)}
.meta{color:var(--muted);font-size:13px;margin:6px 0}
.notes ul{margin:2px 0 6px;padding-left:22px}
.notes li{margin:2px 0}
ul.checklist{list-style:none;padding-left:4px}
ul.checklist input{margin-right:6px}
.loc{color:var(--muted);font-size:12px}
.loc::before{content:"— "}
.plus{color:var(--migrated);font-weight:600}.minus{color:var(--error);font-weight:600}
.graph{overflow-x:auto}
.jobgraph{display:block;max-width:100%;height:auto;font-size:12px}
.jobgraph text{fill:#1f2328}
.jobgraph text.head{font-weight:700}
.jobgraph .group>rect{fill:#fbfcfd;stroke:#8c959f;stroke-dasharray:4 3}
.jobgraph .gtitle{fill:#59636e;font-style:italic}
.jobgraph .edges path{fill:none;stroke:#57606a;stroke-width:1.3}
.jobgraph marker path{fill:#57606a}
details.source>summary,details.file>summary{cursor:pointer;font-size:13px;color:var(--muted);padding:2px 0}
details.file{border:1px solid var(--line);border-radius:6px;margin:8px 0;overflow:hidden}
details.file>summary{background:var(--soft);padding:5px 10px;color:var(--fg)}
details.file[open]>summary{border-bottom:1px solid var(--line)}
.kind{font-size:11px;border-radius:8px;padding:0 6px;background:#eaeef2;color:var(--muted)}
.k-created{background:#dafbe1;color:#1a7f37}.k-deleted{background:#ffebe9;color:#cf222e}
pre{margin:0;font-size:12px;line-height:1.5;overflow-x:auto}
details.source pre{background:var(--soft);padding:8px;border-radius:6px}
pre.code{padding:4px 0;white-space:pre-wrap;overflow-wrap:anywhere}
pre.code>span{display:block;padding:0 12px 0 11ch;min-height:1.5em}
pre.code>span[data-g]{padding-left:13ch;text-indent:-13ch}
pre.code>span[data-g]::before{content:attr(data-g);color:#8c959f;display:inline-block;width:10ch;text-align:right;
padding-right:1ch;text-indent:0;white-space:pre;user-select:none}
pre.code i{font-style:normal;display:inline-block;width:2ch;text-indent:0;user-select:none}
pre.code .add{background:#dafbe1}pre.code .add i{color:#1a7f37}
pre.code .del{background:#ffebe9}pre.code .del i{color:#cf222e}
pre.code .hunk{background:#ddf4ff;color:#0550ae}
pre.code .head{color:#24292f;font-weight:600;background:#f6f8fa}
pre.code .meta{color:#6e7781;font-style:italic}
pre.code .k{color:#0550ae}pre.code .s{color:#0a3069}pre.code .c{color:#6e7781;font-style:italic}
pre.code .x{color:#8250df;font-weight:600}pre.code .b{color:#953800}pre.code .a{color:#116329}pre.code .p{color:#6e7781}
.truncated{color:var(--muted);font-style:italic}
.muted{color:var(--muted)}
[hidden]{display:none!important}
"""

SCRIPT = """
(function () {
  'use strict';
  var table = document.getElementById('repos');
  var body = table.tBodies[0];
  var list = document.getElementById('details');
  var keys = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.dataset.key; });
  var numeric = {outcome: 1, pr: 1, notes: 1, requests: 1, seconds: 1};
  var state = {sort: '', desc: false, hide: {}, q: ''};
  var rows = Array.prototype.filter.call(body.rows, function (tr) { return tr.dataset.i !== undefined; });
  var details = {};
  Array.prototype.forEach.call(list.children, function (d) { details[d.dataset.i] = d; });

  function value(tr, key) { return tr.cells[keys.indexOf(key)].dataset.v; }
  function compare(a, b) {
    var va = value(a, state.sort), vb = value(b, state.sort), r;
    if (va === '' || vb === '') { r = (va === '') - (vb === ''); if (r) { return r; } }
    else if (numeric[state.sort]) { r = parseFloat(va) - parseFloat(vb); }
    else { r = va < vb ? -1 : va > vb ? 1 : 0; }
    if (state.desc) { r = -r; }
    return r || a.dataset.i - b.dataset.i;
  }
  function sort() {
    if (keys.indexOf(state.sort) < 0) { state.sort = ''; }
    var ordered = rows.slice();
    if (state.sort) { ordered.sort(compare); }
    ordered.forEach(function (tr) { body.appendChild(tr); list.appendChild(details[tr.dataset.i]); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.setAttribute('aria-sort', th.dataset.key !== state.sort ? 'none' : state.desc ? 'descending' : 'ascending');
    });
  }
  function filter() {
    var shown = 0, q = state.q.toLowerCase();
    rows.forEach(function (tr) {
      var visible = !state.hide[tr.dataset.outcome] && (!q || value(tr, 'repo').indexOf(q) >= 0);
      tr.hidden = !visible;
      details[tr.dataset.i].hidden = !visible;
      shown += visible ? 1 : 0;
    });
    document.querySelectorAll('input[name=outcome]').forEach(function (box) { box.checked = !state.hide[box.value]; });
    document.querySelectorAll('.card').forEach(function (card) {
      var only = card.dataset.only;
      card.classList.toggle('active', only ? onlyShows(only) : !Object.keys(state.hide).length);
    });
    document.getElementById('shown').textContent = shown + ' of ' + rows.length + ' shown';
  }
  function outcomes() {
    return Array.prototype.map.call(document.querySelectorAll('input[name=outcome]'), function (b) { return b.value; });
  }
  function onlyShows(outcome) {
    return outcomes().every(function (o) { return (o === outcome) !== !!state.hide[o]; });
  }
  function showOnly(list) {
    state.hide = {};
    if (list.length) { outcomes().forEach(function (o) { if (list.indexOf(o) < 0) { state.hide[o] = true; } }); }
  }
  function save() {
    var parts = [];
    if (state.sort) { parts.push('sort=' + (state.desc ? '-' : '') + state.sort); }
    var hidden = Object.keys(state.hide);
    if (hidden.length) {
      parts.push('outcome=' + outcomes().filter(function (o) { return !state.hide[o]; }).map(encodeURIComponent).join(','));
    }
    if (state.q) { parts.push('q=' + encodeURIComponent(state.q)); }
    try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search); }
    catch (e) { /* a page opened from disk may refuse: the view still works */ }
  }
  function openDetails(id) {
    var d = document.getElementById(id);
    if (d && d.tagName === 'DETAILS') { d.open = true; }
  }
  function load() {
    var hash = decodeURIComponent(location.hash.slice(1));
    if (/^r[0-9]+$/.test(hash)) { openDetails(hash); return; }
    location.hash.slice(1).split('&').forEach(function (part) {
      var i = part.indexOf('='), k = i < 0 ? part : part.slice(0, i), v = i < 0 ? '' : decodeURIComponent(part.slice(i + 1));
      if (k === 'sort') { state.desc = v.charAt(0) === '-'; state.sort = v.replace(/^-/, ''); }
      else if (k === 'outcome') { showOnly(v ? v.split(',') : []); }
      else if (k === 'q') { state.q = v; document.getElementById('q').value = v; }
      else if (k === 'open') {
        if (v === 'all') { rows.forEach(function (tr) { details[tr.dataset.i].open = true; }); }
        else { v.split(',').forEach(openDetails); }
      }
    });
  }

  table.tHead.addEventListener('click', function (event) {
    var th = event.target.closest('th');
    if (!th) { return; }
    state.desc = state.sort === th.dataset.key ? !state.desc : false;
    state.sort = th.dataset.key;
    sort(); save();
  });
  document.querySelector('.chips').addEventListener('change', function (event) {
    if (event.target.checked) { delete state.hide[event.target.value]; } else { state.hide[event.target.value] = true; }
    filter(); save();
  });
  document.querySelector('.cards').addEventListener('click', function (event) {
    var card = event.target.closest('.card');
    if (!card) { return; }
    var only = card.dataset.only;
    showOnly(only && !onlyShows(only) ? [only] : []);
    filter(); save();
  });
  document.getElementById('q').addEventListener('input', function (event) { state.q = event.target.value.trim(); filter(); save(); });
  document.getElementById('expand').addEventListener('click', function () {
    rows.forEach(function (tr) { if (!tr.hidden) { details[tr.dataset.i].open = true; } });
  });
  document.getElementById('collapse').addEventListener('click', function () {
    list.querySelectorAll('details').forEach(function (d) { d.open = d.classList.contains('file') && d.open; });
  });
  window.addEventListener('hashchange', function () {
    var hash = location.hash.slice(1);
    if (/^r[0-9]+$/.test(hash)) { openDetails(hash); }
  });

  load(); sort(); filter();
  document.documentElement.setAttribute('data-ready', rows.length);
})();
"""


def main(argv: list[str] | None = None) -> int:
    """`python -m codemod.html REPORT.json [OUT.html]`: the page of a saved JSON report (stdout without OUT)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m codemod.html REPORT.json [OUT.html]", file=sys.stderr)
        return 2
    page = render_html(json.loads(Path(args[0]).read_text(encoding="utf-8")))
    if len(args) == 2:
        Path(args[1]).write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
