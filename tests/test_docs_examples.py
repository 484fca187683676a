"""The Python examples in docs/ run, and print what their comments say they print."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
PRINT_COMMENT = re.compile(r"^\s*print\(.*\)\s+#\s*(.+)$")
INDENTED_COMMENT = re.compile(r"^\s*#\s+(\S.*)$")
FILE_HEADER = re.compile(r"^# ([\w/]+\.py)\n")


def expected_outputs(code: str) -> list[str]:
    """Texts the block's comments promise: after a print(...) call, or on the line after one."""
    expected = []
    lines = code.splitlines()
    for i, line in enumerate(lines):
        match = PRINT_COMMENT.match(line)
        if match:
            expected.append(match.group(1))
        elif i and "print(" in lines[i - 1] and (comment := INDENTED_COMMENT.match(line)):
            expected.append(comment.group(1))
    return [text.rstrip(".… ").strip() for text in expected]


@pytest.fixture(autouse=True)
def forget_doc_modules(tmp_path: Path) -> object:
    """Modules the docs define (an example plugin, say) must not leak into other tests."""
    yield
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.mark.parametrize("doc", [d for d in DOCS if BLOCK.search(d.read_text())],
                         ids=lambda d: d.name)
def test_doc_examples_run(doc: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Blocks run in order in one namespace; a block headed `# some/file.py` is that file's
    content: it is written under a folder on sys.path (so later blocks can import it) and
    compiled, not run."""
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace: dict[str, object] = {"__name__": f"docs_{doc.stem}"}
    for number, code in enumerate(BLOCK.findall(doc.read_text()), start=1):
        header = FILE_HEADER.match(code)
        if header:
            target = tmp_path / header.group(1)
            target.parent.mkdir(parents=True, exist_ok=True)
            for package in target.relative_to(tmp_path).parents:
                (tmp_path / package / "__init__.py").touch()
            target.write_text(code)
            compile(code, f"{doc.name} block {number}", "exec")
            continue
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            exec(compile(code, f"{doc.name} block {number}", "exec"), namespace)
        for text in expected_outputs(code):
            assert text in output.getvalue(), (
                f"{doc.name} block {number}: expected {text!r} in:\n{output.getvalue()}")
    assert os.getcwd() == str(ROOT)
