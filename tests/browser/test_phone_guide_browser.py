"""The interviewer's printed script in a real browser (Chromium through Playwright): printed,
instructions look different from read-aloud text, every branch of the flagship is visible,
screen-only lines are left out and the page passes axe-core; and `--format pdf` prints it
with headless Chromium. Screenshot: ``<artifacts>/screenshots/phone/guide-print.png``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from dialogkit.cli import main
from dialogkit.loader import load_script
from dialogkit_phone_script.guide import build_guide, render_html
from dialogkit_phone_script.guide.parts import Guide, Question

from .conftest import CHROMIUM, REPO, _cannot_run

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from .conftest import CheckAccessibility, Screenshot

FLAGSHIP = REPO / "examples" / "customer_diplomacy" / "script.yaml"
STYLE = """element => {
  const style = getComputedStyle(element);
  return {fontStyle: style.fontStyle, fontFamily: style.fontFamily, color: style.color,
          textTransform: style.textTransform, borderLeftWidth: style.borderLeftWidth,
          breakBefore: style.breakBefore, breakInside: style.breakInside,
          backgroundColor: style.backgroundColor};
}"""


def style(locator: Locator) -> dict[str, Any]:
    return locator.first.evaluate(STYLE)


def branch_lines(guide: Guide) -> list[str]:
    """Every routing line of the guide, the probe conditions and the closing's fill-in."""
    stack: list[Any] = list(guide.parts)
    lines = []
    while stack:
        item = stack.pop()
        lines += [*getattr(item, "routing", ()), *getattr(item, "after", ())]
        if isinstance(item, Question) and item.probing and item.probing.condition:
            lines.append(item.probing.condition)
        stack.extend(getattr(item, "items", ()))
    assert guide.closing is not None
    lines += [f"[{part.words}]" for part in guide.closing if not isinstance(part, str)]
    return lines


@pytest.fixture(scope="module")
def guide() -> Guide:
    return build_guide(load_script(FLAGSHIP))


def test_printed_instructions_look_different_from_read_aloud_text(
        page: Page, guide: Guide, screenshot: Screenshot) -> None:
    page.set_content(render_html(guide))
    assert page.locator(".screen-only").is_visible()
    page.emulate_media(media="print")
    assert page.locator(".screen-only").is_hidden()

    read = style(page.locator("#node-involved .read p"))
    instruction = style(page.locator("#node-involved .instruction p"))
    assert (read["fontStyle"], instruction["fontStyle"]) == ("normal", "italic")
    assert (read["textTransform"], instruction["textTransform"]) == ("none", "uppercase")
    assert read["fontFamily"] != instruction["fontFamily"]
    assert style(page.locator("#node-involved .instruction"))["borderLeftWidth"] != "0px"
    not_read = style(page.locator("#node-involved tr.not-read .label"))
    assert not_read["textTransform"] == "uppercase"
    assert read["color"] == instruction["color"] == "rgb(0, 0, 0)"
    assert style(page.locator("body"))["backgroundColor"] in ("rgb(255, 255, 255)",
                                                              "rgba(0, 0, 0, 0)")
    assert style(page.locator("#node-staying"))["breakBefore"] == "page"
    assert style(page.locator("#node-compare"))["breakBefore"] != "page"  # nested: no break
    assert style(page.locator("#node-recommend"))["breakInside"] == "avoid"
    screenshot(page, "phone/guide-print")


def test_every_flagship_branch_is_visible_in_print(page: Page, guide: Guide) -> None:
    page.set_content(render_html(guide))
    page.emulate_media(media="print")
    lines = branch_lines(guide)
    assert "ASK Q14 ONLY IF Q13 has an answer AND Q13 ≤ 6; OTHERWISE GO TO Q15" in lines
    assert len(lines) == 14
    for line in lines:
        found = page.get_by_text(line, exact=True)
        assert found.count() >= 1, line
        assert found.first.is_visible(), line


def test_the_guide_passes_axe(a11y_page: Page, guide: Guide,
                              check_accessibility: CheckAccessibility) -> None:
    a11y_page.set_content(render_html(guide))
    check_accessibility(a11y_page)


def test_pdf_is_printed_by_headless_chromium(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    if not CHROMIUM.is_file():
        _cannot_run(f"no Chromium at {CHROMIUM} to print the PDF")
    monkeypatch.setenv("DIALOGKIT_CHROMIUM", str(CHROMIUM))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["phone-script", str(FLAGSHIP), "--format", "pdf"])
    assert result.exit_code == 0, result.output
    target = tmp_path / "customer-diplomacy.phone-script.pdf"  # the default name
    assert f"wrote {target.name}" in result.stderr
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page\b(?!s)", pdf)
    assert len(pages) >= 5  # the introduction, and each top-level section on a page of its own
