"""Located problems in a script file, and the exception that carries them.

A :class:`Diagnostic` names the file, the 1-based line and column, the JSON-path-like path
(``nodes[3].points``, ``""`` for the whole document) and a plain-words message::

    interview.yaml:14:13: nodes[3].points: question 'nps': 'points' must be at most 11 (got 12)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Literal

import attrs

Severity = Literal["error", "warning"]
PathItem = str | int

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_PATH_TOKEN = re.compile(r"""\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]""")


@attrs.frozen
class Diagnostic:
    """One problem, located in a file."""

    file: str
    line: int
    col: int
    path: str
    message: str
    hint: str | None = None
    severity: Severity = "error"

    def format(self) -> str:
        """``file:line:col: path: message (hint: ...)``; the path part is left out when empty."""
        where = f"{self.file}:{self.line}:{self.col}: "
        path = f"{self.path}: " if self.path else ""
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}{path}{self.message}{hint}"

    def __str__(self) -> str:
        return self.format()


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int, str, str]:
    """Order diagnostics by file, position, path and message."""
    d = diagnostic
    return (d.file, d.line, d.col, d.path, d.message)


class ScriptError(Exception):
    """A script could not be loaded; ``diagnostics`` lists every problem found."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        super().__init__(self.diagnostics)

    def __str__(self) -> str:
        return "\n".join(d.format() for d in self.diagnostics)


def format_path(path: Iterable[PathItem]) -> str:
    """``["nodes", 3, "points"]`` → ``nodes[3].points``; odd keys are quoted: ``text["a b"]``."""
    out: list[str] = []
    for item in path:
        if isinstance(item, int) and not isinstance(item, bool):
            out.append(f"[{item}]")
        elif _PLAIN_KEY.match(str(item)):
            out.append(f".{item}" if out else str(item))
        else:
            out.append(f"[{json.dumps(str(item), ensure_ascii=False)}]")
    return "".join(out)


def parse_path(text: str) -> list[PathItem]:
    """The inverse of :func:`format_path`; accepts a leading ``$`` as cattrs writes it."""
    text = text.strip()
    if text.startswith("$"):
        text = text[1:]
    items: list[PathItem] = []
    pos = 0
    while pos < len(text):
        match = _PATH_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"not a path: {text!r} (at character {pos})")
        name, index, quoted = match.groups()
        if name is not None:
            items.append(name)
        elif index is not None:
            items.append(int(index))
        else:
            items.append(json.loads(quoted))
        pos = match.end()
    return items

