"""The browser fixtures themselves, on a tiny Starlette app that sends a strict CSP."""

from __future__ import annotations

import struct
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .conftest import CheckAccessibility, LiveServer, Screenshot

REPO = Path(__file__).resolve().parents[2]
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'"
STYLE = """
body { font-family: sans-serif; color: #111; background: #fff; }
.faint { color: #c8c8c8; }
.tall { height: 3000px; }
"""


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{title}</title><link rel="stylesheet" href="/style.css"></head>'
        f"<body><main>{body}</main></body></html>"
    )


PAGES = {
    "/": _document(
        "Your week",
        '<h1>Tell us about your week</h1><form method="post" action="/">'
        '<label for="mood">How was it?</label><input id="mood" name="mood" type="text">'
        '<button type="submit">Send</button></form>',
    ),
    "/broken": _document(
        "Broken",
        '<h1>Broken on purpose</h1><p class="faint">Hard to read.</p>'
        '<form><input name="mood" type="text"></form>',
    ),
    "/tall": _document("Tall", '<h1>Tall page</h1><div class="tall">Bottom below.</div>'),
    "/inline-script": _document(
        "Before",
        "<h1>Inline script</h1><script>document.title = 'After';</script>",
    ),
    "/external": _document(
        "External",
        '<h1>Off-machine image</h1><img src="http://pixels.example.invalid/p.png" alt="">',
    ),
}


async def _page(request: Request) -> Response:
    return HTMLResponse(PAGES[request.url.path], headers={"Content-Security-Policy": CSP})


async def _style(request: Request) -> Response:
    return Response(STYLE, media_type="text/css")


def make_app() -> Starlette:
    routes = [Route(path, _page) for path in PAGES]
    return Starlette(routes=[*routes, Route("/style.css", _style)])


@pytest.fixture
def base_url(live_server: LiveServer) -> str:
    return live_server(make_app())


def test_live_server_serves_on_loopback(base_url: str, page: Page) -> None:
    assert base_url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(f"{base_url}/", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Security-Policy"] == CSP
    loaded = page.goto(f"{base_url}/")
    assert loaded is not None and loaded.ok
    assert page.get_by_role("heading", level=1).inner_text() == "Tell us about your week"
    assert page.get_by_label("How was it?").is_editable()


def test_live_server_runs_several_apps(live_server: LiveServer) -> None:
    first, second = live_server(make_app()), live_server(make_app())
    assert first != second
    for url in (first, second):
        with urllib.request.urlopen(f"{url}/tall", timeout=5) as response:
            assert b"Tall page" in response.read()


def test_context_enforces_csp_and_a11y_context_bypasses_it(
    base_url: str, page: Page, a11y_page: Page
) -> None:
    page.goto(f"{base_url}/inline-script")
    assert page.title() == "Before"
    a11y_page.goto(f"{base_url}/inline-script")
    assert a11y_page.title() == "After"


def test_accessibility_passes_on_clean_page(
    base_url: str, a11y_page: Page, check_accessibility: CheckAccessibility
) -> None:
    a11y_page.goto(f"{base_url}/")
    result = check_accessibility(a11y_page)
    assert result["testEngine"]["name"] == "axe-core"
    passed = {rule["id"] for rule in result["passes"]}
    assert {"label", "color-contrast", "html-has-lang"} <= passed
    assert result["violations"] == []


def test_accessibility_fails_on_unlabelled_input_and_low_contrast(
    base_url: str, a11y_page: Page, check_accessibility: CheckAccessibility
) -> None:
    a11y_page.goto(f"{base_url}/broken")
    with pytest.raises(pytest.fail.Exception) as failure:
        check_accessibility(a11y_page)
    message = str(failure.value)
    assert "- label [critical]" in message
    assert "- color-contrast [serious]" in message
    assert "at input: <input name=\"mood\"" in message
    assert "at p: <p class=\"faint\">" in message
    assert "insufficient color contrast" in message


def test_accessibility_check_explains_csp_block(
    base_url: str, page: Page, check_accessibility: CheckAccessibility
) -> None:
    page.goto(f"{base_url}/")
    with pytest.raises(pytest.fail.Exception, match="bypass_csp=True"):
        check_accessibility(page)


def test_requests_off_the_machine_are_aborted(base_url: str, a11y_page: Page) -> None:
    # The page's CSP alone would stop the image; the bypassing context relies on the route.
    with pytest.warns(UserWarning, match="pixels.example.invalid"):
        a11y_page.goto(f"{base_url}/external")
    natural_width = a11y_page.locator("img").evaluate("image => image.naturalWidth")
    assert natural_width == 0


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshot_is_a_full_page_png(
    base_url: str,
    page: Page,
    screenshot: Screenshot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIALOGKIT_ARTIFACTS", str(tmp_path))
    page.goto(f"{base_url}/tall")
    path = screenshot(page, "infrastructure/tall")
    assert path == tmp_path / "screenshots" / "infrastructure" / "tall.png"
    width, height = _png_size(path)
    assert page.viewport_size is not None
    assert width == page.viewport_size["width"]
    assert height > 3000


def test_screenshot_defaults_to_repo_test_artifacts(
    base_url: str, page: Page, screenshot: Screenshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIALOGKIT_ARTIFACTS", raising=False)
    page.goto(f"{base_url}/")
    path = screenshot(page, "infrastructure-clean-page")
    assert path == REPO / "test-artifacts" / "screenshots" / "infrastructure-clean-page.png"
    assert _png_size(path)[1] > 0


def test_screenshot_rejects_names_leaving_the_folder(page: Page, screenshot: Screenshot) -> None:
    for name in ("../escape", "/abs/path", " "):
        with pytest.raises(ValueError, match="plain relative name"):
            screenshot(page, name)
