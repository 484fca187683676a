"""The web form mounted under a path prefix in a host application (examples/embed_fastapi).

The host starts a session for its logged-in customer and sends the browser to the link it
builds itself; from there every page, link, form and redirect of the web form stays under
/survey, answers post there, and the host's own routes are left alone.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from dialogkit.loader import load_script
from dialogkit.store import Store, open_store

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "embed_fastapi" / "app.py"
PREFIX = "/survey/"
URL_ATTRIBUTE = re.compile(r'\b(href|action|src)="([^"]*)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.fixture(scope="module")
def example() -> Iterator[ModuleType]:
    spec = importlib.util.spec_from_file_location("embed_fastapi_app", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(project_dir=tmp_path)
    yield store
    store.close()


@pytest.fixture
def client(example: ModuleType, store: Store) -> Iterator[TestClient]:
    app = example.create_host_app(store, load_script(example.SCRIPT), secret_key="test-key")
    with TestClient(app) as client:
        yield client


def urls_in(page: str) -> dict[str, list[str]]:
    """Every URL a page links to or posts to, by attribute."""
    found: dict[str, list[str]] = {}
    for attribute, url in URL_ATTRIBUTE.findall(page):
        found.setdefault(attribute, []).append(url.replace("&amp;", "&"))
    return found


def assert_all_under_prefix(page: str) -> None:
    for attribute, urls in urls_in(page).items():
        for url in urls:
            assert urlsplit(url).path.startswith(PREFIX), f'{attribute}="{url}" leaves {PREFIX}'


def hidden_fields(page: str) -> dict[str, str]:
    return dict(HIDDEN.findall(page))


def open_link(client: TestClient) -> tuple[str, str]:
    """Visit the host's /feedback: the respondent's link, and the page it leads to."""
    to_link = client.get("/feedback", follow_redirects=False)
    assert to_link.status_code == 303
    link = to_link.headers["location"]
    to_page = client.get(link, follow_redirects=False)
    assert to_page.status_code == 303
    return link, to_page.headers["location"]


def start(client: TestClient) -> tuple[str, str]:
    """Open the link and press Start: the conversation's page path, and the first question."""
    _, page_url = open_link(client)
    welcome = client.get(page_url)
    start_url = urls_in(welcome.text)["href"][-1]
    question = client.get(start_url)
    assert question.status_code == 200
    return urlsplit(page_url).path, question.text


def test_host_route_redirects_to_the_link_under_the_prefix(client: TestClient,
                                                           store: Store) -> None:
    link, page_url = open_link(client)
    assert re.fullmatch(r"/survey/r/[\w-]{40,}", urlsplit(link).path)
    [session] = store.list_sessions(respondent="cust-1042")
    assert urlsplit(page_url).path == f"/survey/s/{session.id}"
    assert session.program_id == "in-app-checkin"


def test_welcome_page_links_stay_under_the_prefix(client: TestClient) -> None:
    _, page_url = open_link(client)
    welcome = client.get(page_url)
    assert welcome.status_code == 200
    assert "Quick check-in" in welcome.text
    urls = urls_in(welcome.text)
    [stylesheet] = [u for u in urls["href"] if u.endswith(".css")]
    assert urlsplit(stylesheet).path == "/survey/static/dialogkit.css"
    start_link = urls["href"][-1]
    assert urlsplit(start_link).path == urlsplit(page_url).path
    assert urlsplit(start_link).query == "begin=1"
    assert_all_under_prefix(welcome.text)
    css = client.get(stylesheet)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_question_page_posts_under_the_prefix(client: TestClient) -> None:
    page_path, question = start(client)
    urls = urls_in(question)
    assert [urlsplit(u).path for u in urls["action"]] == [page_path]
    assert "How likely are you to recommend Ledgerly" in question
    assert_all_under_prefix(question)


def test_answer_posted_under_the_prefix_is_recorded(client: TestClient, store: Store) -> None:
    page_path, question = start(client)
    fields = hidden_fields(question)
    assert set(fields) == {"csrf", "version", "submission"}
    posted = client.post(page_path, data={**fields, "answer": "4", "action": "next"},
                         follow_redirects=False)
    assert posted.status_code == 303
    assert urlsplit(posted.headers["location"]).path == page_path
    session_id = page_path.rsplit("/", 1)[1]
    assert store.conversation(session_id).state.answers["score"] == 4
    probe = client.get(posted.headers["location"])
    assert "What is the main reason for your score of 4?" in probe.text
    assert_all_under_prefix(probe.text)


def test_post_without_the_csrf_token_is_refused(client: TestClient, store: Store) -> None:
    page_path, question = start(client)
    fields = {k: v for k, v in hidden_fields(question).items() if k != "csrf"}
    refused = client.post(page_path, data={**fields, "answer": "4", "action": "next"},
                          follow_redirects=False)
    assert refused.status_code == 403
    session_id = page_path.rsplit("/", 1)[1]
    assert "score" not in store.conversation(session_id).state.answers


def test_save_for_later_gives_a_link_under_the_prefix(client: TestClient) -> None:
    page_path, question = start(client)
    saved = client.post(page_path, data={**hidden_fields(question), "action": "save"})
    assert saved.status_code == 200
    links = [urlsplit(u).path for u in urls_in(saved.text)["href"]]
    assert any(re.fullmatch(r"/survey/r/[\w-]{40,}", path) for path in links), links
    assert page_path in links
    assert_all_under_prefix(saved.text)


def test_the_conversation_is_not_open_to_another_browser(example: ModuleType,
                                                         client: TestClient,
                                                         store: Store) -> None:
    page_path, _ = start(client)
    other_app = example.create_host_app(store, load_script(example.SCRIPT),
                                        secret_key="test-key")
    with TestClient(other_app) as stranger:
        assert stranger.get(page_path).status_code == 403


def test_host_routes_are_unaffected(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert "<h1>Your ledgers</h1>" in home.text
    assert "content-security-policy" not in home.headers
    assert "dialogkit" not in home.cookies
    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}
    assert client.get("/openapi.json").json()["info"]["title"] == "Ledgerly"


def test_unknown_pages_under_the_prefix_get_the_forms_own_page(client: TestClient) -> None:
    missing = client.get("/survey/no-such-page")
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    assert missing.headers["content-security-policy"].startswith("default-src 'none'")
    assert_all_under_prefix(missing.text)
