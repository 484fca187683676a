"""Fixtures for browser tests: Debian's Chromium through Playwright, a live ASGI server,
an axe-core accessibility check and full-page screenshots.

Needs `/usr/bin/chromium` (or `DIALOGKIT_CHROMIUM`), the `playwright` package and
`npm ci --prefix tests/browser` (for axe-core). Without them the browser tests skip, and
with `CI=true` they fail instead. Screenshots go to `<repo>/test-artifacts/screenshots/`, or
to `$DIALOGKIT_ARTIFACTS/screenshots/` when that variable is set. `web_form` serves the web
form plugin over a fresh store of its own, with helpers for a respondent's moves.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NoReturn, Protocol
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Page,
        Playwright,
        Response,
        Route,
    )
    from starlette.types import ASGIApp

    from dialogkit.script import Script
    from dialogkit.store import Store
    from dialogkit.store.store import Started

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("DIALOGKIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_TIMEOUT_MS = 10_000


class ExternalRequestWarning(UserWarning):
    """A page asked for something off this machine; the request was aborted."""


class NewContext(Protocol):
    def __call__(self, *, bypass_csp: bool = False, **options: Any) -> BrowserContext: ...


class LiveServer(Protocol):
    def __call__(self, app: ASGIApp, **options: Any) -> str: ...


class CheckAccessibility(Protocol):
    def __call__(self, page: Page) -> dict[str, Any]: ...


class Screenshot(Protocol):
    def __call__(self, page: Page, name: str) -> Path: ...


def _cannot_run(reason: str) -> NoReturn:
    """Skip the browser tests, or fail them on CI, where they must run."""
    message = f"browser tests cannot run: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message} (CI=true, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


def artifacts_dir() -> Path:
    """Where test artifacts go: `$DIALOGKIT_ARTIFACTS`, else `<repo>/test-artifacts`."""
    configured = os.environ.get("DIALOGKIT_ARTIFACTS")
    return Path(configured).resolve() if configured else REPO / "test-artifacts"


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, started once for this folder's tests."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        _cannot_run(f"no Chromium at {CHROMIUM}: apt-get install chromium "
                    "(or point DIALOGKIT_CHROMIUM at one)")
    if not AXE_JS.is_file():
        _cannot_run(f"axe-core missing ({AXE_JS}): run `npm ci --prefix tests/browser`")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _cannot_run("the Python package `playwright` is not installed (pip install '.[test]')")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless Debian Chromium shared by this folder's tests.

    Playwright gives a non-persistent launch a fresh temporary `--user-data-dir` of its own
    and deletes it on close.
    """
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    try:
        yield launched
    finally:
        launched.close()


def _is_local(url: str) -> bool:
    return urlsplit(url).hostname in LOCAL_HOSTS


def _abort_external(route: Route) -> None:
    warnings.warn(f"aborted a request off this machine: {route.request.url}",
                  ExternalRequestWarning, stacklevel=1)
    route.abort("blockedbyclient")


@pytest.fixture
def new_context(browser: Browser) -> Iterator[NewContext]:
    """Factory of fresh, isolated browser contexts, all closed after the test.

    `bypass_csp=True` lets `check_accessibility` inject axe-core into pages whose
    Content-Security-Policy forbids inline script. Other keywords go to
    `Browser.new_context`. Requests to hosts other than the loopback are aborted with an
    `ExternalRequestWarning`.
    """
    opened: list[BrowserContext] = []

    def make(*, bypass_csp: bool = False, **options: Any) -> BrowserContext:
        settings: dict[str, Any] = {"locale": "en-US", "timezone_id": "UTC"}
        settings.update(options)
        context = browser.new_context(bypass_csp=bypass_csp, **settings)
        opened.append(context)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.route(lambda url: not _is_local(url), _abort_external)
        return context

    yield make
    for context in reversed(opened):
        context.close()


@pytest.fixture
def context(new_context: NewContext) -> BrowserContext:
    """A fresh context that enforces the pages' Content-Security-Policy."""
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page in `context` (CSP enforced)."""
    return context.new_page()


@pytest.fixture
def a11y_context(new_context: NewContext) -> BrowserContext:
    """A fresh context that bypasses CSP, so axe-core can be injected."""
    return new_context(bypass_csp=True)


@pytest.fixture
def a11y_page(a11y_context: BrowserContext) -> Page:
    """A page in `a11y_context`, ready for `check_accessibility`."""
    return a11y_context.new_page()


# --- a live server -------------------------------------------------------------------------


class _ServerThread:
    """uvicorn serving one ASGI app on 127.0.0.1 from a daemon thread."""

    def __init__(self, app: ASGIApp, options: dict[str, Any]) -> None:
        import uvicorn

        reserved = {"host", "port", "uds", "fd", "reload", "workers"} & options.keys()
        if reserved:
            raise TypeError(f"live_server chooses these itself: {sorted(reserved)}")
        settings: dict[str, Any] = {
            "log_level": "warning",
            "log_config": None,  # leave logging alone: records reach pytest's log capture
            "access_log": False,
            "timeout_graceful_shutdown": 3,
        }
        settings.update(options)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port: int = self.socket.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    **settings))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]},
                                       name=f"live_server:{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"live server on port {self.port} stopped while starting "
                                   "(see the captured log)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"live server on port {self.port} not up after {timeout}s")
            time.sleep(0.01)
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout):
            pass

    def request_stop(self) -> None:
        self.server.should_exit = True

    def wait_stopped(self, timeout: float = 10.0) -> None:
        self.thread.join(timeout)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout)
        self.socket.close()
        if self.thread.is_alive():
            raise RuntimeError(f"live server on port {self.port} did not stop")


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    """Factory: `live_server(app, **uvicorn_options) -> base_url` ("http://127.0.0.1:PORT").

    Serves the ASGI app with uvicorn in a background thread on a free loopback port, returns
    once it accepts connections, and stops every server it started after the test.
    """
    servers: list[_ServerThread] = []

    def start(app: ASGIApp, **options: Any) -> str:
        server = _ServerThread(app, options)
        servers.append(server)
        server.start()
        return server.base_url

    yield start
    for server in servers:
        server.request_stop()  # all at once: each takes a few ticks of uvicorn's loop
    problems = []
    for server in servers:
        try:
            server.wait_stopped()
        except RuntimeError as error:
            problems.append(str(error))
    if problems:
        pytest.fail("; ".join(problems))


# --- accessibility and screenshots ---------------------------------------------------------


def _describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} [{violation['impact']}]: {violation['help']} "
                     f"({violation['helpUrl']})")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}: {node['html'][:200]}")
            summary = " ".join(node.get("failureSummary", "").split())
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def _check_accessibility(page: Page) -> dict[str, Any]:
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        from playwright.sync_api import Error

        try:
            page.add_script_tag(path=str(AXE_JS))
        except Error as error:
            pytest.fail(f"could not inject axe-core: {error.message}\nIf the page's "
                        "Content-Security-Policy blocked it, use a context made with "
                        "bypass_csp=True (a11y_page / a11y_context).", pytrace=False)
        if not page.evaluate("() => typeof window.axe === 'object'"):
            pytest.fail("axe-core did not load into the page", pytrace=False)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
    result: dict[str, Any] = page.evaluate("options => window.axe.run(document, options)",
                                           options)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        pytest.fail(f"{len(blocking)} serious or critical accessibility violation(s) on "
                    f"{page.url} (WCAG 2.0/2.1 A and AA):\n{_describe_violations(blocking)}",
                    pytrace=False)
    return result


@pytest.fixture(scope="package")
def check_accessibility() -> CheckAccessibility:
    """`check_accessibility(page) -> axe result`: runs axe-core on the page as it is now.

    Fails the test listing every serious or critical WCAG 2.0/2.1 A/AA violation; lesser
    ones, passes and incomplete checks are in the returned result. The page's context must
    bypass CSP (use `a11y_page`).
    """
    return _check_accessibility


def _screenshot(page: Page, name: str) -> Path:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not name.strip():
        raise ValueError(f"screenshot name must be a plain relative name, not {name!r}")
    path = artifacts_dir() / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="package")
def screenshot() -> Screenshot:
    """`screenshot(page, name) -> Path`: a full-page PNG at `<artifacts>/screenshots/<name>.png`."""
    return _screenshot


# --- the web form ----------------------------------------------------------------------------


class WebFormServer:
    """The web form plugin served live over a store of its own, and a respondent's moves.

    `start(script, ...)` stores a session and returns it; `link(started)` is the respondent's
    link. `press(page, label)` clicks a form button and waits for the page it leads to.
    """

    def __init__(self, store: Store, base_url: str) -> None:
        self.store = store
        self.base_url = base_url

    def start(self, script: Script, first_name: str = "Ada", *,
              segments: tuple[str, ...] = (), **attributes: Any) -> Started:
        """A session of `script` for a new respondent with these attributes and segments."""
        from dialogkit.engine import Respondent

        respondent = Respondent(id=f"r-{secrets.token_hex(6)}", segments=list(segments),
                                attributes={"first_name": first_name, **attributes})
        return self.store.start_session(script, respondent)

    def link(self, started: Started) -> str:
        return f"{self.base_url}/r/{started.token}"

    def answers(self, session_id: str) -> dict[str, Any]:
        return dict(self.store.conversation(session_id).state.answers)

    def events(self, session_id: str, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.store.events(session_id) if event["kind"] == kind]

    @staticmethod
    def heading(page: Page) -> str:
        return " ".join(page.locator("h1").inner_text().split())

    @staticmethod
    def press(page: Page, label: str) -> Response | None:
        """Click the button (or link) `label`; returns the response of the page it leads to,
        once that page has loaded."""
        control = page.get_by_role("button", name=label, exact=True).or_(
            page.get_by_role("link", name=label, exact=True))
        with page.expect_navigation() as navigation:
            control.click()
        return navigation.value

    def begin(self, page: Page, started: Started) -> None:
        """Open the respondent's link and press Start on the welcome page."""
        page.goto(self.link(started))
        self.press(page, "Start")


@pytest.fixture
def web_form(tmp_path: Path, live_server: LiveServer) -> Iterator[WebFormServer]:
    """The web form over a fresh SQLite store, served live (`.base_url`, `.store`), with
    the channel contract script open to anyone at `/start/channel-contract`."""
    import json

    from dialogkit.loader import load_script_text
    from dialogkit.store import open_store
    from dialogkit.testing.scripts import CONTRACT_SCRIPT
    from dialogkit_web_form import create_app

    store = open_store(f"sqlite:///{tmp_path / 'web.db'}")
    try:
        contract = load_script_text(json.dumps(CONTRACT_SCRIPT), "contract.json")
        app = create_app(store, secret_key="browser-tests", guess_limit="1000/minute",
                         open_scripts=[contract])
        yield WebFormServer(store, live_server(app))
    finally:
        store.close()
