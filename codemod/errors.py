"""Errors that carry a location: `path:line:col: what is wrong`.

`InputError` is bad input (the outcome `error`), `UnsupportedError` a shape the codemod refuses to migrate
(the outcome `unsupported`), `ConfigError` a bad configuration file. Lines and columns are 1-based.
"""

from __future__ import annotations


class LocatedError(Exception):
    """An error whose message starts with the place it is about."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None, col: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        super().__init__(str(self))

    @property
    def where(self) -> str:
        parts = [p for p in (self.path, self.line, self.col) if p is not None]
        return ":".join(str(p) for p in parts)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(LocatedError):
    """The input cannot be read: invalid YAML, duplicate keys, undecodable bytes, a symlinked workflow..."""


class UnsupportedError(LocatedError):
    """A shape the codemod cannot migrate safely."""


class ConfigError(LocatedError):
    """The configuration file is wrong: unknown key, wrong type."""
