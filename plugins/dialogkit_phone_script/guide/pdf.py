"""The guide as PDF: its HTML printed by headless Chromium (`--print-to-pdf`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

__all__ = ["CHROMIUM_FLAGS", "PdfError", "find_chromium", "render_pdf"]

DEFAULT_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)
TIMEOUT_SECONDS = 120


class PdfError(Exception):
    """No Chromium to print with, or it failed to print."""


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_chromium(environ: Mapping[str, str] = os.environ) -> Path:
    """The Chromium to print with: `$DIALOGKIT_CHROMIUM`, else /usr/bin/chromium, else
    `chromium` on PATH."""
    configured = environ.get("DIALOGKIT_CHROMIUM")
    if configured:
        if not _runnable(Path(configured)):
            raise PdfError(f"DIALOGKIT_CHROMIUM is {configured!r}, which is not a program that "
                           "can be run; point it at a Chromium executable")
        return Path(configured)
    if _runnable(DEFAULT_CHROMIUM):
        return DEFAULT_CHROMIUM
    found = shutil.which("chromium", path=environ.get("PATH"))
    if found is None:
        raise PdfError(f"no Chromium found to make the PDF: none at {DEFAULT_CHROMIUM} and no "
                       "'chromium' on PATH; install it (apt-get install chromium) or set "
                       "DIALOGKIT_CHROMIUM to its path, or use --format html and print that")
    return Path(found)


def render_pdf(html: str, output: Path, *, chromium: Path | None = None) -> None:
    """Print `html` to the PDF file `output`."""
    program = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="dialogkit-guide-") as work:
        page = Path(work) / "guide.html"
        page.write_text(html, encoding="utf-8")
        target = Path(work) / "guide.pdf"
        command = [str(program), *CHROMIUM_FLAGS, f"--user-data-dir={Path(work) / 'profile'}",
                   f"--print-to-pdf={target}", page.as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfError(f"Chromium ({program}) could not print the guide: {error}") from None
        if result.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-3:]
            raise PdfError(f"Chromium ({program}) could not print the guide (exit status "
                           f"{result.returncode}): {' '.join(detail) or 'no output'}")
        try:
            shutil.move(target, output)
        except OSError as error:
            raise PdfError(f"cannot write {output}: {error.strerror or error}") from None
