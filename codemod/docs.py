"""SPEC R8 for Markdown: links, badges and mentions follow the migration; the CI workflow's page gets a section.

`update_docs` takes the texts of the repository, selects the Markdown files with the docs globs and returns
their changes and notes. Positions come from markdown-it-py: block token maps give the lines, and the inline
rules are wrapped to record where each link, image, code span, autolink and inline HTML starts and ends in
its inline token's content; that content is mapped back to the file character by character. Every edit
replaces exactly the text it means to change, so untouched bytes (and CRLF line endings) stay as they were.

`Mentions` (the names the post workflow and the old cleanup job go by, and how to find them in text) is
shared with `codemod.pyscripts`.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.token import Token

from codemod.globs import match
from codemod.mermaid import job_graph
from codemod.result import Category, FileChange, Location, MigrationSummary, Note

BEGIN = "<!-- consolidate-ci:begin -->"
END = "<!-- consolidate-ci:end -->"
SECTION_TITLE = "Production publishing"
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
_NEWLINE = re.compile(r"\r\n|\r|\n")


# ---------------------------------------------------------------------------------------------------------
# Mentions: the names of the post workflow and of the old cleanup job, shared with codemod.pyscripts


@dataclass(frozen=True)
class Rename:
    kind: str  # "file", "name", "cleanup" or "page"
    what: str  # "the post workflow's file", ... (for notes)
    new: str
    pattern: re.Pattern[str]  # the text to replace is group "m"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    old: str
    rename: Rename


class Mentions:
    """Finds the post workflow's file and `name:` and the old cleanup job id in a text.

    A name that is a single plain word ("Release") is only trusted where it is quoted or is a whole code
    span or string; a name like "Main Branch Post-Processing" is found anywhere, even across a line break.
    A match lying inside an occurrence of its replacement is skipped, so a rewrite is never applied twice.
    """

    def __init__(self, summary: MigrationSummary) -> None:
        self.summary = summary
        self.post_file = posixpath.basename(summary.post_path)
        self.ci_file = posixpath.basename(summary.ci_path)
        self.new_name = summary.ci_name or summary.ci_path
        self.can_dispatch = "workflow_dispatch" in summary.ci_triggers
        file = Rename("file", "the post workflow's file", self.ci_file, _word(self.post_file, r"(?<![\w.-])", r"(?![\w-]|\.\w)"))
        cleanup = self._cleanup()
        name_text, name_code = self._name()
        self.prose = [r for r in (file, name_text, cleanup) if r]
        self.code = [r for r in (file, name_text, *name_code, cleanup) if r]

    def _cleanup(self) -> Rename | None:
        old, new = self.summary.old_cleanup, self.summary.final_cleanup
        if not old or not new or old == new:
            return None
        return Rename("cleanup", "the old cleanup job", new, _word(old, r"(?<![\w-])", r"(?![\w-])"))

    def _name(self) -> tuple[Rename | None, list[Rename]]:
        name = self.summary.post_name
        if not name or name == self.new_name:
            return None, []
        what = "the post workflow's name"
        words = r"\s+".join(re.escape(w) for w in name.split())
        quoted = Rename("name", what, self.new_name, re.compile(rf"(?P<q>[\"'`])(?P<m>{words})(?P=q)"))
        whole = Rename("name", what, self.new_name, re.compile(rf"\A(?P<m>{words})\Z"))
        if re.fullmatch(r"\w+", name):
            return None, [quoted, whole]
        return Rename("name", what, self.new_name, re.compile(rf"(?<!\w)(?P<m>{words})(?!\w)")), []

    def find(self, text: str, *, code: bool, extra: Sequence[Rename] = ()) -> list[Mention]:
        found: list[Mention] = []
        for rename in [*(self.code if code else self.prose), *extra]:
            for m in rename.pattern.finditer(text):
                start, end = m.span("m")
                if not _inside_replacement(text, start, end, rename.new):
                    found.append(Mention(start, end, m.group("m"), rename))
        return _without_overlaps(found)

    def held(self, text: str, found: Sequence[Mention]) -> list[Mention]:
        """The mentions of `found` that dispatch the post workflow while the CI workflow cannot be dispatched.

        They stay as they are: dispatching the CI workflow instead would fail (a manual follow-up).
        """
        if self.can_dispatch or not DISPATCH.search(text):
            return []
        return [m for m in found if m.rename.kind in ("file", "name")]


DISPATCH = re.compile(r"\bgh\s+workflow\s+run\b|/dispatches\b|\bcreate_dispatch\b")


def _word(text: str, before: str, after: str) -> re.Pattern[str]:
    return re.compile(f"{before}(?P<m>{re.escape(text)}){after}")


def _inside_replacement(text: str, start: int, end: int, new: str) -> bool:
    old = text[start:end]
    if old not in new:
        return False
    return any(m.start() <= start and end <= m.end() for m in re.finditer(re.escape(new), text))


def _without_overlaps(mentions: list[Mention]) -> list[Mention]:
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (m.start, m.start - m.end)):
        if not kept or m.start >= kept[-1].end:
            kept.append(m)
    return kept


# ---------------------------------------------------------------------------------------------------------
# Entry point


def update_docs(texts: Mapping[str, str], summary: MigrationSummary, globs: Sequence[str]) -> tuple[list[FileChange], list[Note]]:
    """The Markdown changes of SPEC R8 for the repository whose files are `texts` (path -> text)."""
    plan = _Plan.build(texts, summary, globs)
    changes: list[FileChange] = []
    notes: list[Note] = []
    for path in plan.docs:
        if path in plan.post_pages:
            changes.append(FileChange(path, texts[path], None))
            notes.append(Note(Category.DOCS, plan.deleted_page_message(), Location(path, 1)))
            continue
        new_text, doc_notes = _update_one(path, texts[path], plan)
        notes += doc_notes
        if new_text != texts[path]:
            changes.append(FileChange(path, texts[path], new_text))
    if plan.ci_page not in texts:
        changes.append(FileChange(plan.ci_page, None, plan.new_page()))
        notes.append(Note(Category.DOCS, "created the CI workflow's page with the generated section", Location(plan.ci_page, 1)))
    elif plan.ci_page not in plan.docs:
        new_text, doc_notes = _update_one(plan.ci_page, texts[plan.ci_page], plan)
        notes += doc_notes
        if new_text != texts[plan.ci_page]:
            changes.append(FileChange(plan.ci_page, texts[plan.ci_page], new_text))
    return changes, notes


def _update_one(path: str, text: str, plan: _Plan) -> tuple[str, list[Note]]:
    try:
        return _DocEditor(_Doc(path, text), plan).run()
    except Exception as exc:  # a doc the editor cannot handle is reported, never fatal for the repository
        return text, [Note(Category.DOCS, f"could not update this page ({type(exc).__name__}: {exc}); left unchanged", Location(path, 1))]


# ---------------------------------------------------------------------------------------------------------
# The plan: which pages, where links go


@dataclass
class _Plan:
    summary: MigrationSummary
    mentions: Mentions
    docs: list[str]
    post_pages: set[str]
    ci_page: str
    anchors: set[str] = field(default_factory=set)  # heading anchors of the CI page, generated section included
    slug_renames: dict[str, dict[str, str]] = field(default_factory=dict)  # page -> old anchor -> new anchor

    @classmethod
    def build(cls, texts: Mapping[str, str], summary: MigrationSummary, globs: Sequence[str]) -> _Plan:
        docs = sorted(p for p in texts if p.lower().endswith(MARKDOWN_SUFFIXES) and match(p, globs))
        post_stem, ci_stem = _stem(summary.post_path), _stem(summary.ci_path)
        post_pages = {p for p in docs if _stem(p) == post_stem}
        pages = sorted((p for p in docs if _stem(p) == ci_stem), key=lambda p: ("/workflows/" not in f"/{p}", len(p), p))
        ci_page = pages[0] if pages else f"docs/workflows/{ci_stem}.md"
        plan = cls(summary, Mentions(summary), docs, post_pages, ci_page)
        plan.slug_renames = {p: _slug_renames(texts[p], plan.mentions) for p in docs if p not in post_pages}
        renamed = plan.slug_renames.get(ci_page, {})
        plan.anchors = {renamed.get(a, a) for a in _headings(texts.get(ci_page, ""))} | {_slug(SECTION_TITLE)}
        return plan

    @property
    def section_anchor(self) -> str:
        return _slug(SECTION_TITLE)

    def deleted_page_message(self) -> str:
        return (
            f"deleted the page of the deleted workflow {self.summary.post_path}; "
            f"links to it now point to {self.ci_page}"
        )

    def new_page(self) -> str:
        title = self.summary.ci_name or _stem(self.summary.ci_path)
        rel = posixpath.relpath(self.summary.ci_path, posixpath.dirname(self.ci_page))
        intro = f"The [`{self.summary.ci_path}`]({rel}) workflow."
        return "\n".join([f"# {title}", "", intro, "", section(self.summary, 2, "\n"), ""])

    def retarget(self, raw: str, doc: str) -> str | None:
        """The new destination of a link written `raw` in page `doc`, or None when it stays."""
        angle = raw.startswith("<") and raw.endswith(">")
        inner = raw[1:-1] if angle else raw
        url, hashed, frag = inner.partition("#")
        path, q, query = url.partition("?")
        new = self._retarget_path(path, frag if hashed else None, doc)
        if new is None:
            return None
        new_path, new_frag = new
        out = new_path + q + query + ("" if new_frag is None else "#" + new_frag)
        return f"<{out}>" if angle else out

    def _retarget_path(self, path: str, frag: str | None, doc: str) -> tuple[str, str | None] | None:
        post_file, ci_file = self.mentions.post_file, self.mentions.ci_file
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|//", path):
            new = re.sub(rf"(?<=/){re.escape(post_file)}(?=/|$)", ci_file, path)
            return None if new == path else (new, _keep_anchor(frag))
        decoded = unquote(path)
        target = _resolve(decoded, doc) if path else doc
        if target in self.post_pages:
            return self._to_ci_page(path, frag, doc)
        if path and (target == self.summary.post_path or posixpath.basename(decoded) == post_file):
            return self._to_ci_workflow(path, target, doc), _keep_anchor(frag)
        renamed = self.slug_renames.get(target or "", {}).get((frag or "").lower())
        return (path, renamed) if renamed else None

    def _to_ci_page(self, path: str, frag: str | None, doc: str) -> tuple[str, str | None]:
        anchor = frag if frag is not None and frag.lower() in self.anchors else None
        if doc == self.ci_page:
            return "", anchor or self.section_anchor
        rel = "/" + self.ci_page if path.startswith("/") else posixpath.relpath(self.ci_page, posixpath.dirname(doc) or ".")
        if path.startswith("./") and not rel.startswith("../"):
            rel = "./" + rel
        return rel, anchor if frag is None or anchor else self.section_anchor

    def _to_ci_workflow(self, path: str, target: str | None, doc: str) -> str:
        ci = self.summary.ci_path
        if target != self.summary.post_path or posixpath.dirname(ci) == posixpath.dirname(self.summary.post_path):
            head, _, _ = path.rpartition("/")
            return f"{head}/{self.mentions.ci_file}" if "/" in path else self.mentions.ci_file
        return "/" + ci if path.startswith("/") else posixpath.relpath(ci, posixpath.dirname(doc) or ".")


def _keep_anchor(frag: str | None) -> str | None:
    """Anchors survive a retarget, except line anchors (`#L12`) that would point into the other file."""
    return None if frag is not None and re.fullmatch(r"L\d+(C\d+)?(-L\d+(C\d+)?)?", frag) else frag


def _resolve(path: str, doc: str) -> str | None:
    joined = path.lstrip("/") if path.startswith("/") else posixpath.join(posixpath.dirname(doc), path)
    resolved = posixpath.normpath(joined)
    return None if resolved.startswith("..") else resolved


def _stem(path: str) -> str:
    return posixpath.splitext(posixpath.basename(path))[0]


def _slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _heading_texts(text: str) -> list[str]:
    """The text of each heading (what GitHub makes its anchor from)."""
    tokens = _markdown().parse(_normalize(text), {})
    return [
        "".join(c.content for c in tok.children or [] if c.type in ("text", "code_inline"))
        for prev, tok in pairwise(tokens)
        if prev.type == "heading_open" and tok.type == "inline"
    ]


def _headings(text: str) -> set[str]:
    return {_slug(words) for words in _heading_texts(text)}


def _slug_renames(text: str, mentions: Mentions) -> dict[str, str]:
    """The anchors of a page that change when its headings' mentions are rewritten: old -> new."""
    renames = {}
    for words in _heading_texts(text):
        new = words
        for m in reversed(mentions.find(words, code=True)):
            new = new[: m.start] + m.rename.new + new[m.end :]
        if new != words:
            renames[_slug(words)] = _slug(new)
    return renames


# ---------------------------------------------------------------------------------------------------------
# The generated section


def section(summary: MigrationSummary, level: int, eol: str) -> str:
    """The generated section of the CI workflow's page, markers included, without a final line ending."""
    h1, h2 = "#" * min(level, 6), "#" * min(level + 1, 6)
    lines = [
        BEGIN,
        "<!-- Generated by consolidate-ci: this section is replaced on every run, edit outside the markers. -->",
        f"{h1} {SECTION_TITLE}",
        "",
        _intro(summary),
        "",
        f"{h2} Job graph",
        "",
        "```mermaid",
        *job_graph(summary).splitlines(),
        "```",
        "",
        f"{h2} When the jobs run",
        "",
        *_truth_table(summary),
        "",
        f"{h2} Production secrets",
        "",
        *_secrets(summary),
        END,
    ]
    return eol.join(lines)


def _codes(names: Iterable[str]) -> str:
    """`a`, `b` and `c`."""
    codes = [f"`{n}`" for n in names]
    return " and ".join([", ".join(codes[:-1]), codes[-1]]) if len(codes) > 1 else "".join(codes)


def _branches(summary: MigrationSummary) -> str:
    return " or ".join(f"`{b}`" for b in summary.release_branches or [summary.default_branch])


def _intro(summary: MigrationSummary) -> str:
    publish = "publish" if len(summary.publish_group) > 1 else "publishes"
    passed = "have passed" if len(summary.gates) > 1 else "has passed"
    text = (
        f"On a push to {_branches(summary)}, {_codes(summary.publish_group)} {publish} to production in this "
        f"workflow, only after {_codes(summary.gates)} {passed}"
    )
    if summary.final_cleanup:
        text += f"; `{summary.final_cleanup}` then removes the staging artifacts"
    return text + "."


def _truth_table(summary: MigrationSummary) -> list[str]:
    push = f"push to {_branches(summary)}"
    header = ["event", f"gates ({_codes(summary.gates)})", f"publish group ({_codes(summary.publish_group)})"]
    rows = [
        ["pull_request", "any", "skipped", "runs (as before)"],
        [push, "all success", "runs", "runs iff the whole group succeeded"],
        [push, "any failure, skipped or cancelled", "skipped", "skipped (staging kept for debugging)"],
    ]
    if summary.final_cleanup:
        header.append(f"`{summary.final_cleanup}`")
    else:
        rows = [row[:3] for row in rows]
    table = [header, ["---"] * len(header), *rows]
    return ["| " + " | ".join(row) + " |" for row in table]


def _secrets(summary: MigrationSummary) -> list[str]:
    if not summary.secrets:
        return ["The production jobs use no secrets."]
    intro = "The production jobs use these secrets; this workflow must have access to them:"
    return [intro, "", *(f"- `{s}`" for s in summary.secrets)]


# ---------------------------------------------------------------------------------------------------------
# Parsing with positions


_SPANNED = {
    "link": "link_open",
    "image": "image",
    "backticks": "code_inline",
    "autolink": "link_open",
    "html_inline": "html_inline",
}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"inline_definitions": True}).enable(["table", "strikethrough"])
    for name, token_type in _SPANNED.items():
        md.inline.ruler.at(name, _spanned(_rule(md, name), token_type, name in ("link", "image")))
    return md


def _rule(md: MarkdownIt, name: str) -> Callable[..., bool]:
    return next(rule.fn for rule in md.inline.ruler.__rules__ if rule.name == name)


def _spanned(fn: Callable[..., bool], token_type: str, is_link: bool) -> Callable[..., bool]:
    """The inline rule `fn`, recording the source span of the token it produces in `token.meta["span"]`."""

    def rule(state: Any, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not fn(state, silent):
            return False
        if not silent:
            tok = next((t for t in state.tokens[count:] if t.type == token_type and "span" not in t.meta), None)
            if tok is not None:
                tok.meta["span"] = (start, state.pos)
                if is_link and tok.markup != "autolink":
                    tok.meta.update(_link_parts(state, start, token_type == "image"))
        return True

    return rule


def _link_parts(state: Any, start: int, image: bool) -> dict[str, Any]:
    """Where the label ends, and the destination's span (inline links) or the reference label."""
    src, end = state.src, state.pos
    bracket = start + 1 if image else start
    label_end = state.md.helpers.parseLinkLabel(state, bracket, not image)
    parts: dict[str, Any] = {"label_start": bracket + 1, "label_end": label_end}
    after = label_end + 1
    if after < end and src[after] == "(" and src[end - 1] == ")":
        pos = after + 1
        while pos < end and src[pos] in " \t\n":
            pos += 1
        res = state.md.helpers.parseLinkDestination(src, pos, end)
        if res.ok and res.pos > pos:
            parts["dest"] = (pos, res.pos)
        return parts
    ref = src[after + 1 : end - 1] if after < end and src[after] == "[" else ""
    parts["ref"] = normalizeReference(ref or src[bracket + 1 : label_end])
    parts["label_is_ref"] = not ref  # a shortcut or collapsed reference: its label must match a definition
    return parts


def _normalize(text: str) -> str:
    return _NEWLINE.sub("\n", text).replace("\0", "\ufffd")


class _Doc:
    """One Markdown file: its original text, the normalised text markdown-it parses, and positions between them."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text
        self.norm = _normalize(text)
        self.lines = self.norm.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.orig_starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        self.tokens = _markdown().parse(self.norm, {})
        crlf = text.count("\r\n")
        self.eol = "\r\n" if crlf > text.count("\n") - crlf else "\n"

    def line_of(self, pos: int) -> int:
        return bisect_right(self.starts, pos) - 1

    def to_orig(self, pos: int) -> int:
        line = self.line_of(pos)
        return self.orig_starts[line] + pos - self.starts[line]

    def line_span(self, line: int) -> tuple[int, int]:
        """The normalised span of `line` with its line ending."""
        start = self.starts[line]
        return start, self.starts[line + 1] if line + 1 < len(self.starts) else len(self.norm)

    def section_lines(self) -> tuple[int, int | None] | None:
        """The first and last line of the generated section (last None: its end marker is missing)."""
        begin = None
        for tok in self.tokens:
            if tok.type != "html_block" or not tok.map:
                continue
            for i in range(*tok.map):
                if begin is None and self.lines[i].strip() == BEGIN:
                    begin = i
                elif begin is not None and self.lines[i].strip() == END:
                    return begin, i
        return None if begin is None else (begin, None)

    def top_heading_level(self, skip: range) -> int:
        levels = [int(t.tag[1]) for t in self.tokens if t.type == "heading_open" and t.map and t.map[0] not in skip]
        return min(levels, default=1)


# ---------------------------------------------------------------------------------------------------------
# Editing one page


@dataclass(frozen=True)
class _Edit:
    start: int  # normalised offsets
    end: int
    new: str
    message: str
    line: int | None = None  # the 0-based line the note names, when not the start's


class _DocEditor:
    def __init__(self, doc: _Doc, plan: _Plan) -> None:
        self.doc, self.plan, self.mentions = doc, plan, plan.mentions
        self.edits: list[_Edit] = []
        self.notes: list[Note] = []
        self.removed_refs: set[str] = set()
        self.used_refs: set[str] = set()
        self.section = doc.section_lines()
        first, last = self.section or (0, -1)
        self.skip = range(first, (first if last is None else last) + 1)
        self.has_ci_badge = any(self._badge(tok) == self.mentions.ci_file for tok in self._images())

    def run(self) -> tuple[str, list[Note]]:
        cursors: dict[int, int] = {}
        prev: Token | None = None
        for tok in self.doc.tokens:
            if tok.map and tok.map[0] in self.skip:
                prev = tok
                continue
            if tok.type == "inline" and tok.map:
                self._inline(tok, self._content_map(tok, prev, cursors), _where(prev))
            elif tok.type in ("fence", "code_block", "html_block") and tok.map:
                self._block(tok)
            prev = tok
        removals = []
        for tok in self.doc.tokens:
            if tok.type == "definition" and tok.map and tok.map[0] not in self.skip:
                removals += self._definition(tok)
        self._remove_lines(removals)
        if self.doc.path == self.plan.ci_page:
            self._section()
        return self._apply()

    # -- positions ------------------------------------------------------------------------------------

    def _content_map(self, tok: Token, prev: Token | None, cursors: dict[int, int]) -> list[int] | None:
        """For each character of the inline token's content, its normalised offset (plus one past the end)."""
        assert tok.map is not None
        if prev is not None and prev.type in ("th_open", "td_open"):
            return self._cell_map(tok.content, tok.map[0], cursors)
        cmap: list[int] = []
        lines = tok.content.split("\n")
        for i, cl in enumerate(lines):
            line = tok.map[0] + i
            if line >= len(self.doc.lines):
                return None
            offset = _align(cl, self.doc.lines[line])
            if offset is None:
                return None
            base = self.doc.starts[line] + offset
            cmap.extend(range(base, base + len(cl)))
            last = i == len(lines) - 1
            cmap.append(base + len(cl) if last else self.doc.starts[line] + len(self.doc.lines[line]))
        return cmap

    def _cell_map(self, content: str, line: int, cursors: dict[int, int]) -> list[int] | None:
        raw = content.replace("|", "\\|")  # the table rule unescapes `\|`
        found = self.doc.lines[line].find(raw, cursors.get(line, 0))
        if found < 0:
            return None
        cmap, j = [], found
        for ch in content:
            if ch == "|":
                j += 1  # past the backslash
            cmap.append(self.doc.starts[line] + j)
            j += 1
        cursors[line] = j
        return [*cmap, self.doc.starts[line] + j]

    def _span(self, cmap: list[int], content: str, a: int, b: int) -> tuple[int, int] | None:
        """The normalised span of content[a:b], when it is contiguous in the file."""
        start, end = cmap[a], cmap[b - 1] + 1
        found, wanted = self.doc.norm[start:end], content[a:b]
        if found == wanted or ("\n" in wanted and _one_line(found) == _one_line(wanted)):
            return start, end  # across a line break, only the indentation of the next line may differ
        return None

    # -- inline content ---------------------------------------------------------------------------------

    def _inline(self, tok: Token, cmap: list[int] | None, where: str) -> None:
        content, children = tok.content, tok.children or []
        if cmap is None:
            self.used_refs.update(c.meta["ref"] for c in children if "ref" in c.meta)
            if self.mentions.find(content, code=True):
                self._note(tok.map[0] if tok.map else 0, f"could not locate a mention in this {where}; left unchanged")
            return
        removed = self._badges(tok, children, cmap)
        frozen = [c.meta["span"] for c in children if c.meta.get("label_is_ref") and "span" in c.meta]
        excluded = removed + frozen
        stem_regions: list[tuple[int, int]] = []
        for child in children:
            span = child.meta.get("span")
            if span is None or _within(span, removed):
                continue
            if "ref" in child.meta:
                self.used_refs.add(child.meta["ref"])
            if child.meta.get("label_is_ref"):
                self._frozen_label(child, cmap, content)
            elif _within(span, frozen):
                continue
            elif child.type in ("link_open", "image") and child.markup != "autolink":
                if self._link(child, cmap, content):
                    stem_regions.append((child.meta["label_start"], child.meta["label_end"]))
                excluded.append((child.meta["label_end"], span[1]))
            else:
                kind = "code span" if child.type == "code_inline" else "autolink" if child.type == "link_open" else "inline HTML"
                self._mentions(cmap, content, span, kind, code=True)
                excluded.append(span)
        for gap in _gaps(excluded, len(content)):
            self._mentions(cmap, content, gap, where, code=False)
            for region in stem_regions:
                overlap = (max(gap[0], region[0]), min(gap[1], region[1]))
                if overlap[0] < overlap[1]:
                    self._mentions(cmap, content, overlap, "link text", code=False, extra=[self._stem_rename()])

    def _frozen_label(self, child: Token, cmap: list[int], content: str) -> None:
        """A shortcut reference link's label is its definition's name: a mention there stays, with a note."""
        label = content[child.meta["label_start"] : child.meta["label_end"]]
        for m in self.mentions.find(label, code=True):
            self._note(
                self.doc.line_of(cmap[child.meta["label_start"] + m.start]),
                f"`{_one_line(m.old)}` names a link reference definition [{_one_line(label)}]; left unchanged, "
                "rename the reference and its definition by hand",
            )

    def _stem_rename(self) -> Rename:
        post, ci = _stem(self.plan.summary.post_path), _stem(self.plan.ci_page)
        return Rename("page", "the post workflow's page", ci, _word(post, r"(?<![\w.-])", r"(?![\w-]|\.\w)"))

    def _mentions(self, cmap: list[int], content: str, span: tuple[int, int], where: str, *, code: bool, extra: Sequence[Rename] = ()) -> None:
        a, b = span
        found = self.mentions.find(content[a:b], code=code, extra=extra)
        held = self.mentions.held(content[a:b], found) if code else []
        for m in found:
            if extra and m.rename not in extra:
                continue
            if m in held:
                self._held(self.doc.line_of(cmap[a + m.start]), content[a:b])
                continue
            norm = self._span(cmap, content, a + m.start, a + m.end)
            if norm is None:
                self._note(self.doc.line_of(cmap[a + m.start]), f"could not locate `{_one_line(m.old)}` in this {where}; left unchanged")
                continue
            self._edit(*norm, m.rename.new, f"{m.rename.what} in {_a(where)}: `{_one_line(m.old)}` → `{m.rename.new}`")

    def _link(self, child: Token, cmap: list[int], content: str) -> bool:
        """Retargets an inline link's destination; True when it now points to the CI workflow's page."""
        if "ref" in child.meta:
            return self._ref_to_post_page(child.meta["ref"])
        if "dest" not in child.meta:
            return False
        a, b = child.meta["dest"]
        raw = content[a:b]
        new = self.plan.retarget(raw, self.doc.path)
        if new is None:
            return False
        norm = self._span(cmap, content, a, b)
        kind = "badge" if self._badge(child) else "image" if child.type == "image" else "link"
        if norm is None:
            self._note(self.doc.line_of(cmap[a]), f"could not locate the {kind} to `{raw}`; left unchanged")
            return False
        self._edit(*norm, new, f"{kind} to `{raw}` retargeted to `{new}`")
        return _resolve(unquote(raw.strip("<>").partition("#")[0]), self.doc.path) in self.plan.post_pages

    def _ref_to_post_page(self, ref: str) -> bool:
        for tok in self.doc.tokens:
            if tok.type == "definition" and tok.meta.get("id") == ref:
                return _resolve(unquote(tok.meta.get("url", "").partition("#")[0]), self.doc.path) in self.plan.post_pages
        return False

    # -- badges -----------------------------------------------------------------------------------------

    def _images(self) -> Iterable[Token]:
        for tok in self.doc.tokens:
            if tok.type == "inline" and tok.map and tok.map[0] not in self.skip:
                yield from (c for c in tok.children or [] if c.type == "image")

    def _badge(self, tok: Token) -> str | None:
        """The workflow file whose status badge `tok` (an image) shows, else None."""
        src = tok.attrGet("src") if tok.type == "image" else None
        m = re.search(r"/actions/workflows/([^/?#]+)/badge\.svg", unquote(str(src or "")))
        return m.group(1) if m else None

    def _badges(self, tok: Token, children: list[Token], cmap: list[int]) -> list[tuple[int, int]]:
        """Removes the post workflow's badges that would duplicate the CI badge; returns the removed spans."""
        removed = []
        for i, child in enumerate(children):
            if child.type != "image" or "span" not in child.meta or self._badge(child) != self.mentions.post_file:
                continue
            if not self.has_ci_badge:
                self.has_ci_badge = True  # this one is retargeted and becomes the CI badge
                continue
            unit = _badge_unit(children, i)
            span = unit[0].meta["span"]
            if self._remove(tok, cmap, span):
                removed.append(span)
                self.removed_refs.update(t.meta["ref"] for t in unit if "ref" in t.meta)
        return removed

    def _remove(self, tok: Token, cmap: list[int], span: tuple[int, int]) -> bool:
        norm = self._span(cmap, tok.content, *span)
        if norm is None:
            return False
        start, end = norm
        line = self.doc.line_of(start)
        lstart, lend = self.doc.starts[line], self.doc.starts[line] + len(self.doc.lines[line])
        message = f"removed the badge of {self.mentions.post_file}: the page already shows the badge of {self.mentions.ci_file}"
        if self.doc.line_of(end) == line and (self.doc.norm[lstart:start] + self.doc.norm[end:lend]).strip() in ("", "\\"):
            start, end = self._line_removal(line, whole_paragraph=tok.map == [line, line + 1])
            message += " (with its line)"
        else:
            start, end = _with_spaces(self.doc.norm, start, end, lstart, lend)
        self._edit(start, end, "", message)
        return True

    def _line_removal(self, line: int, *, whole_paragraph: bool) -> tuple[int, int]:
        start, end = self.doc.line_span(line)
        lines = self.doc.lines
        if whole_paragraph and line + 1 < len(lines) and not lines[line + 1].strip() and line + 2 < len(lines):
            end = self.doc.line_span(line + 1)[1]
        elif whole_paragraph and line > 0 and not lines[line - 1].strip():
            start = self.doc.starts[line - 1]
        if end == len(self.doc.norm) and not self.doc.norm.endswith("\n") and start > 0:
            start -= 1  # the last line has no line ending: take the one before it
        return start, end

    # -- blocks, definitions ----------------------------------------------------------------------------

    def _block(self, tok: Token) -> None:
        assert tok.map is not None
        first, last = tok.map[0], tok.map[1]
        if tok.type == "fence":
            first += 1
            closing = self.doc.lines[last - 1].strip() if last - 1 > tok.map[0] else ""
            if closing.startswith(tok.markup) and not closing.strip(tok.markup[0]):
                last -= 1
        where = "code block" if tok.type != "html_block" else "HTML block"
        for line in range(first, min(last, len(self.doc.lines))):
            base, text = self.doc.starts[line], self.doc.lines[line]
            found = self.mentions.find(text, code=True)
            held = self.mentions.held(text, found)
            if held:
                self._held(line, text)
            for m in (m for m in found if m not in held):
                self._edit(base + m.start, base + m.end, m.rename.new, f"{m.rename.what} in {_a(where)}: `{m.old}` → `{m.rename.new}`")

    def _definition(self, tok: Token) -> list[tuple[int, int, str]]:
        """Retargets a link reference definition; returns its lines when a removed badge was its only user."""
        assert tok.map is not None
        ref, label = tok.meta.get("id", ""), f"[{tok.meta.get('label')}]"
        if ref in self.removed_refs and ref not in self.used_refs:
            return [(tok.map[0], tok.map[1], label)]
        dest = _definition_dest(self.doc, tok.map[0], tok.map[1])
        if dest is None:
            return []
        raw = self.doc.norm[dest[0] : dest[1]]
        new = self.plan.retarget(raw, self.doc.path)
        if new is not None:
            self._edit(*dest, new, f"link definition {label} retargeted from `{raw}` to `{new}`")
        return []

    def _remove_lines(self, blocks: list[tuple[int, int, str]]) -> None:
        """Removes whole lines; a run of them that stood alone between blank lines takes one blank line along."""
        lines = self.doc.lines
        for group in _runs(sorted(blocks)):
            first, last = group[0][0], group[-1][1]
            alone = first == 0 or not lines[first - 1].strip()
            at_end = all(not line.strip() for line in lines[last:])
            if alone and at_end and first > 0:
                start, end = self.doc.line_span(first - 1)[0], len(self.doc.norm)
            elif alone and last < len(lines) and not lines[last].strip() and not at_end:
                start, end = self.doc.starts[first], self.doc.line_span(last)[1]
            else:
                start, end = self.doc.starts[first], self.doc.line_span(last - 1)[1]
            labels = ", ".join(label for _, _, label in group)
            what = "the link definitions" if len(group) > 1 else "the link definition"
            self.edits.append(_Edit(start, end, "", f"removed {what} {labels}, used only by a removed badge", first))

    # -- the generated section ------------------------------------------------------------------------

    def _section(self) -> None:
        level = min(self.doc.top_heading_level(self.skip) + 1, 6)
        text = section(self.plan.summary, level, "\n")
        if self.section is not None:
            first, last = self.section
            if last is None:
                self._note(first, f"the generated section has no end marker {END}; left unchanged, fix it by hand")
                return
            start, end = self.doc.starts[first], self.doc.starts[last] + len(self.doc.lines[last])
            if self.doc.norm[start:end] != text:
                self._edit(start, end, text, "generated section (job graph, truth table, production secrets) updated")
            return
        norm = self.doc.norm
        lead = "" if norm.endswith("\n\n") or not norm else "\n" if norm.endswith("\n") else "\n\n"
        self._edit(len(norm), len(norm), lead + text + "\n", "generated section (job graph, truth table, production secrets) added")

    # -- output -----------------------------------------------------------------------------------------

    def _edit(self, start: int, end: int, new: str, message: str) -> None:
        self.edits.append(_Edit(start, end, new, message))

    def _held(self, line: int, text: str) -> None:
        ci = self.plan.summary.ci_path
        self._note(
            line,
            f"documents dispatching the deleted post workflow (`{_one_line(text).strip('`')}`), but {ci} has no "
            "workflow_dispatch trigger: left unchanged, update it by hand",
        )

    def _note(self, line: int, message: str) -> None:
        self.notes.append(Note(Category.DOCS, message, Location(self.doc.path, line + 1)))

    def _apply(self) -> tuple[str, list[Note]]:
        """The text with the edits applied (in the file's own line endings), and a note per edit."""
        text, doc = self.doc.text, self.doc
        kept: list[_Edit] = []
        for edit in sorted(self.edits, key=lambda e: (e.start, e.start - e.end)):
            if not kept or edit.start >= kept[-1].end:
                kept.append(edit)
        for edit in reversed(kept):
            new = edit.new.replace("\n", doc.eol) if doc.eol != "\n" else edit.new
            start, end = doc.to_orig(edit.start), doc.to_orig(edit.end)
            text = text[:start] + new + text[end:]
        notes = [Note(Category.DOCS, e.message, Location(doc.path, (doc.line_of(e.start) if e.line is None else e.line) + 1)) for e in kept]
        notes = list(dict.fromkeys(self.notes + notes))
        return text, sorted(notes, key=lambda n: n.location.line if n.location and n.location.line else 0)


def _where(prev: Token | None) -> str:
    if prev is None:
        return "paragraph"
    if prev.type == "heading_open":
        return "heading"
    if prev.type in ("th_open", "td_open"):
        return "table cell"
    return "paragraph"


def _a(where: str) -> str:
    """`where` with its article: "a heading", "an autolink", "inline HTML", "link text"."""
    if where in ("inline HTML", "link text"):
        return where
    return ("an " if where[0] in "aeiouAEIOU" else "a ") + where


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _align(content_line: str, line: str) -> int | None:
    """Where the content line (container markers and indentation stripped) sits in its source line."""
    if line.endswith(content_line):
        return len(line) - len(content_line)
    stripped = line.rstrip()
    if stripped.endswith(content_line):
        return len(stripped) - len(content_line)
    found = line.find(content_line)
    return found if found >= 0 else None


def _within(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in spans)


def _gaps(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    gaps, pos = [], 0
    for a, b in sorted(spans):
        if a > pos:
            gaps.append((pos, a))
        pos = max(pos, b)
    if pos < length:
        gaps.append((pos, length))
    return gaps


def _badge_unit(children: list[Token], index: int) -> list[Token]:
    """The badge image, with the link around it when the link holds nothing else: what a removal takes."""
    depth, opener = 0, None
    for j in range(index - 1, -1, -1):
        t = children[j]
        if t.type == "link_close":
            depth += 1
        elif t.type == "link_open":
            if depth == 0:
                opener = j
                break
            depth -= 1
    if opener is None or "span" not in children[opener].meta:
        return [children[index]]
    closer = next((j for j in range(index + 1, len(children)) if children[j].type == "link_close"), None)
    inside = children[opener + 1 : closer]
    if all(t is children[index] or (t.type == "text" and not t.content.strip()) for t in inside):
        return [children[opener], children[index]]
    return [children[index]]


def _runs(blocks: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Line ranges grouped into runs of adjacent ones."""
    runs: list[list[tuple[int, int, str]]] = []
    for block in blocks:
        if runs and runs[-1][-1][1] == block[0]:
            runs[-1].append(block)
        else:
            runs.append([block])
    return runs


def _with_spaces(text: str, start: int, end: int, lstart: int, lend: int) -> tuple[int, int]:
    """A removed span widened by the spaces after it (or before it, at the end of a line)."""
    after = end
    while after < lend and text[after] in " \t":
        after += 1
    if after > end:
        return start, after
    before = start
    while before > lstart and text[before - 1] in " \t":
        before -= 1
    return before, end


def _definition_dest(doc: _Doc, first: int, last: int) -> tuple[int, int] | None:
    """The normalised span of a link reference definition's destination (lines first..last-1)."""
    start = doc.starts[first] + doc.lines[first].find("[")
    end = doc.line_span(last - 1)[1]
    pos = start + 1
    while pos < end and doc.norm[pos] != "]":
        pos += 2 if doc.norm[pos] == "\\" else 1
    if pos + 1 >= end or doc.norm[pos + 1] != ":":
        return None
    pos += 2
    while pos < end and doc.norm[pos] in " \t\n":
        pos += 1
    res = _markdown().helpers.parseLinkDestination(doc.norm, pos, end)
    return (pos, res.pos) if res.ok and res.pos > pos else None
