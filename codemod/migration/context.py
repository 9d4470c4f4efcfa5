"""The state one migration works on: the parsed workflows, the configuration, and the notes collected."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from codemod.config import RepoConfig
from codemod.errors import UnsupportedError
from codemod.result import Category, Location, Note
from codemod.yamldoc import YamlDocument, YamlPath


@dataclass
class Workflow:
    """One workflow file: its repository path and its format-preserving document."""

    path: str
    doc: YamlDocument

    @property
    def data(self) -> Any:
        return self.doc.data

    @property
    def name(self) -> str | None:
        name = self.data.get("name")
        return str(name) if name is not None else None

    @property
    def display_name(self) -> str:
        """What `workflow_run.workflows` must say to name this workflow: its `name:`, else its path."""
        return self.name if self.name is not None else self.path

    @property
    def basename(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def jobs(self) -> dict[str, Any]:
        jobs = self.data.get("jobs")
        return jobs if isinstance(jobs, dict) else {}

    def triggers(self) -> dict[str, Any]:
        """`on:` as a mapping event -> its configuration (None for a bare event)."""
        on = self.data.get("on", self.data.get(True))
        if isinstance(on, str):
            return {on: None}
        if isinstance(on, list):
            return {str(e): None for e in on}
        if isinstance(on, dict):
            return {str(k): v for k, v in on.items()}
        return {}

    def on_key(self) -> Any:
        return "on" if "on" in self.data else True

    def location(self, ypath: YamlPath = ()) -> Location:
        try:
            line, col = self.doc.location(ypath)
        except Exception:  # a path that does not exist: point at the file
            return Location(self.path)
        return Location(self.path, line, col)

    def value_location(self, ypath: YamlPath) -> Location:
        try:
            line, col = self.doc.value_location(ypath)
        except Exception:
            return self.location(ypath)
        return Location(self.path, line, col)


@dataclass
class Migration:
    config: RepoConfig
    default_branch: str
    ci: Workflow
    post: Workflow
    others: list[Workflow] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files: Any = None  # the RepoFiles the workflows came from (to read a called local workflow)

    def note(self, category: Category, message: str, where: Location | None = None) -> None:
        self.notes.append(Note(category, message, where))

    @staticmethod
    def refuse(message: str, where: Location) -> UnsupportedError:
        """An `unsupported` outcome naming the file, line and construct (raise the returned error)."""
        return UnsupportedError(message, where.path, where.line, where.col)


def get_path(data: Any, ypath: YamlPath) -> Any:
    """The value at `ypath` in plain or round-trip data."""
    for part in ypath:
        data = data[part]
    return data


def scalars(node: Any, ypath: YamlPath = (), key: Any = None) -> Iterator[tuple[YamlPath, Any, Any]]:
    """Every scalar under `node`: (its path, the mapping key it is the value of or None, the value)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from scalars(v, (*ypath, k), k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from scalars(v, (*ypath, i), None)
    else:
        yield ypath, key, node
