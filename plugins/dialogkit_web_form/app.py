"""The web form application: respondents answer a session's prompts page by page.

Routes (relative to wherever the app is mounted):

- ``GET /r/{token}``: a respondent's link. The resume token is checked (failed lookups are
  rate limited per client), the browser session is granted that conversation, and the browser
  is sent on to its page, so the token never stays in the address bar or the history.
- ``GET /s/{session_id}``: the current page (a welcome page before the first answer, the
  finish page at the end). ``POST`` answers it (or goes back, declines, saves for later).
- ``GET /start/{script_id}`` and ``POST``: open links, for scripts the app was told to open to
  anyone (each visitor gets a session of their own).
- ``GET /u/{token}``: an opt-out link from a message: says which address would no longer be
  contacted, and changes nothing. ``POST`` opts the address out (the page's button, or a mail
  provider's RFC 8058 one-click unsubscribe).
"""

from __future__ import annotations

import functools
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from dialogkit.engine import Conversation, Prompt
from dialogkit.script import Script
from dialogkit.store import Store
from dialogkit.store.messages import Messages
from dialogkit.store.store import (
    DEFAULT_TOKEN_TTL,
    Step,
    TokenError,
    UnknownSession,
    hash_token,
)
from dialogkit_web_form.forms import OPTION_TYPES, values_from_answer
from dialogkit_web_form.messages import (
    field_label,
    preferred_language,
    ranked_languages,
    translator,
)
from dialogkit_web_form.security import (
    CSRF_FIELD,
    GuessLimiter,
    SecurityHeaders,
    csrf_ok,
    csrf_token,
    redact_tokens_in_logs,
)
from dialogkit_web_form.session import SignedCookieSession
from dialogkit_web_form.steps import StoreWorker

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "dialogkit"
SECRET_ENV = "DIALOGKIT_SECRET_KEY"
GRANTED = "grants"
"""The browser session's grants: [session id, hash of the link's token, when last checked]."""
MAX_GRANTED = 10
"""How many conversations one browser session may hold at once (the oldest is let go)."""
RECHECK_SECONDS = 60
"""How often a grant is checked against its link: a withdrawn link ends access within this."""
NOTICES = {"back": "welcome_back", "moved": "moved_on"}


class WebForm:
    """The pages and what they do; `create_app` wraps it in a Starlette application."""

    def __init__(self, store: Store, *, open_scripts: Iterable[Script] = (),
                 guess_limit: str = "20/10 minutes",
                 token_ttl: timedelta | None = DEFAULT_TOKEN_TTL,
                 store_threads: int | None = None,
                 recheck_seconds: float = RECHECK_SECONDS) -> None:
        self.recheck_seconds = recheck_seconds
        self.worker = StoreWorker(store, threads=store_threads, token_ttl=token_ttl)
        self.messages = Messages(store)
        self.open_scripts = {script.id: script for script in open_scripts}
        self.guesses = GuessLimiter(guess_limit)
        self.templates = Jinja2Templates(directory=HERE / "templates")

    # -- pages ---------------------------------------------------------------------------
    async def index(self, request: Request) -> Response:
        language = _language(request)
        t = translator(language)
        links = [(str(request.url_for("open", script_id=script_id)),
                  script.title.render({}, _script_language(request, script)))
                 for script_id, script in self.open_scripts.items()]
        return self._render(request, "message.html", language, None, heading="dialogkit",
                            paragraphs=[] if links else [t("forbidden_body")], links=links)

    async def resume(self, request: Request) -> Response:
        client = _client(request)
        if self.guesses.blocked(client):
            return self._too_many(request, client)
        try:
            step = await self.worker.resume(request.path_params["token"])
        except (TokenError, UnknownSession) as error:
            self.guesses.failed(client)
            language = _language(request)
            t = translator(language)
            reason = error.reason if isinstance(error, TokenError) else "unknown"
            return self._message(request, language, t("link_invalid_title"),
                                 [t(f"link_{reason}"), t("link_invalid_help")],
                                 status_code=404)
        self._grant(request, step.session_id, request.path_params["token"])
        target = request.url_for("page", session_id=step.session_id)
        notice = "back" if step.version > 1 and step.prompt is not None else None
        return RedirectResponse(f"{target}?notice={notice}" if notice else str(target), 303)

    async def page(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        denied = await self._denied(request, session_id)
        if denied is not None:
            return denied
        step, conversation = await self._load(session_id)
        language = conversation.state.language
        if step.prompt is None:
            return self._finished(request, conversation)
        if step.version == 1 and "begin" not in request.query_params:
            return self._welcome(request, conversation.script, language, conversation.env(),
                                 start_url=f"{request.url_for('page', session_id=session_id)}"
                                           "?begin=1")
        notice = NOTICES.get(request.query_params.get("notice", ""))
        return self._question(request, session_id, step, conversation,
                              values_from_answer(step.prompt, language),
                              notice=translator(language)(notice) if notice else None)

    async def submit(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        denied = await self._denied(request, session_id)
        if denied is not None:
            return denied
        form = await request.form()
        if not csrf_ok(request.session, _field(form, CSRF_FIELD)):
            return self._expired_form(request, str(request.url_for("page",
                                                                   session_id=session_id)))
        fields = {name: form.getlist(name) for name in form}
        try:
            submitted = await self.worker.submit(
                session_id, fields, _version(_field(form, "version")),
                _field(form, "submission") or None)
        except UnknownSession:
            raise HTTPException(404) from None
        page_url = _page_path(request, session_id)
        if submitted.outcome == "moved":
            return RedirectResponse(f"{page_url}?notice=moved", 303)
        if submitted.outcome == "rejected":
            assert submitted.step is not None and submitted.conversation is not None
            return self._question(request, session_id, submitted.step, submitted.conversation,
                                  fields, error=submitted.error, error_field=submitted.field,
                                  status_code=422)
        if submitted.outcome == "saved":
            assert submitted.conversation is not None and submitted.token is not None
            return self._saved(request, session_id, submitted.conversation, submitted.token)
        return RedirectResponse(page_url, 303)

    async def open_page(self, request: Request) -> Response:
        script = self._open_script(request)
        language = _script_language(request, script)
        return self._welcome(request, script, language, {},
                             action_url=str(request.url_for("open", script_id=script.id)))

    async def open_start(self, request: Request) -> Response:
        script = self._open_script(request)
        form = await request.form()
        if not csrf_ok(request.session, _field(form, CSRF_FIELD)):
            return self._expired_form(request)
        started = await self.worker.start(script, _script_language(request, script))
        self._grant(request, started.session_id, started.token)
        page_url = request.url_for("page", session_id=started.session_id)
        return RedirectResponse(f"{page_url}?begin=1", 303)

    async def opt_out_page(self, request: Request) -> Response:
        """What an opt-out link would do, and a button to do it. Only reads: mail scanners
        open every link in a message, and must not opt anyone out."""
        token = request.path_params["token"]
        refused = self._guess_refused(request)
        if refused is not None:
            return refused

        def lookup() -> tuple[str, bool]:
            channel, address = self.messages.opt_out_address(token)
            return address, self.messages.suppression(channel, address) is not None

        try:
            address, suppressed = await self.worker.run(lookup)
        except TokenError:
            return self._unknown_opt_out(request)
        language = _language(request)
        t = translator(language)
        if suppressed:
            return self._message(request, language, t("already_opted_out_title"),
                                 [t("already_opted_out_body", address=masked_address(address))])
        return self._render(request, "opt_out.html", language, None,
                            heading=t("opt_out_title"),
                            body=t("opt_out_body", address=masked_address(address)),
                            action_url=str(request.url_for("opt_out", token=token)))

    async def opt_out(self, request: Request) -> Response:
        """Opt out the address of an opt-out link (again: says it already was).

        Not checked for a CSRF token, unlike every other post: the token in the address is the
        only credential, and nothing ambient (no cookie, no browser session) authorizes the
        post, so a forged post can do nothing its sender could not do with the link itself.
        Mail providers' one-click posts (RFC 8058, body ``List-Unsubscribe=One-Click``) come
        with no cookie and could not carry a CSRF token anyway. The body is not read.
        """
        refused = self._guess_refused(request)
        if refused is not None:
            return refused
        try:
            done = await self.worker.run(functools.partial(
                self.messages.opt_out, request.path_params["token"]))
        except TokenError:
            return self._unknown_opt_out(request)
        language = _language(request)
        t = translator(language)
        name = "opted_out" if done.new else "already_opted_out"
        return self._message(request, language, t(f"{name}_title"),
                             [t(f"{name}_body", address=masked_address(done.address))])

    def _guess_refused(self, request: Request) -> Response | None:
        """The 429 page when this client has used up its failed link lookups, else None."""
        client = _client(request)
        return self._too_many(request, client) if self.guesses.blocked(client) else None

    def _unknown_opt_out(self, request: Request) -> Response:
        """An opt-out link that is not ours: counts as a guess."""
        self.guesses.failed(_client(request))
        language = _language(request)
        t = translator(language)
        return self._message(request, language, t("link_invalid_title"),
                             [t("link_unknown"), t("link_invalid_help")], status_code=404)

    # -- the store ------------------------------------------------------------------------
    async def _load(self, session_id: str) -> tuple[Step, Conversation]:
        try:
            return await self.worker.view(session_id)
        except UnknownSession:
            raise HTTPException(404) from None

    # -- rendering -----------------------------------------------------------------------
    def _render(self, request: Request, template: str, language: str, script: Script | None,
                status_code: int = 200, **context: Any) -> Response:
        context.setdefault("error", None)
        return self.templates.TemplateResponse(
            request, template, status_code=status_code,
            context={"language": language, "t": translator(language),
                     "script_title": script.title.render({}, language) if script else None,
                     **context})

    def _question(self, request: Request, session_id: str, step: Step,
                  conversation: Conversation, values: Mapping[str, list[str]], *,
                  error: str | None = None, error_field: str | None = None,
                  notice: str | None = None, status_code: int = 200) -> Response:
        prompt = step.prompt
        assert prompt is not None
        language = conversation.state.language
        return self._render(
            request, "question.html", language, conversation.script, status_code=status_code,
            prompt=prompt, values=values, error=error, notice=notice,
            heading=prompt.text, percent=round(prompt.progress * 100),
            csrf=csrf_token(request.session), version=step.version,
            submission=secrets.token_urlsafe(12), error_field=error_field,
            first_field=_first_field(prompt, error_field),
            decline_label=_decline_label(prompt, translator(language)),
            action_url=str(request.url_for("submit", session_id=session_id)),
            field_label=functools.partial(field_label, language))

    def _saved(self, request: Request, session_id: str, conversation: Conversation,
               token: str) -> Response:
        """The saved page: a fresh link that continues the conversation anywhere."""
        language = conversation.state.language
        return self._render(request, "saved.html", language, conversation.script,
                            heading=translator(language)("saved_title"),
                            resume_link=str(request.url_for("resume", token=token)),
                            page_url=str(request.url_for("page", session_id=session_id)))

    def _welcome(self, request: Request, script: Script, language: str,
                 env: Mapping[str, Any], *, start_url: str | None = None,
                 action_url: str | None = None) -> Response:
        t = translator(language)
        minutes = script.document.estimated_minutes
        rounded = max(1, round(minutes))
        estimate = t("minute") if rounded == 1 else t("minutes", minutes=rounded)
        return self._render(request, "welcome.html", language, script,
                            heading=script.title.render(env, language),
                            purpose=script.purpose.render(env, language), estimate=estimate,
                            start_url=start_url, action_url=action_url,
                            csrf=csrf_token(request.session))

    def _finished(self, request: Request, conversation: Conversation) -> Response:
        script, language = conversation.script, conversation.state.language
        t = translator(language)
        if conversation.state.status == "referred":
            heading, paragraphs = t("referred_title"), [t("referred_body")]
        else:
            heading, paragraphs = t("finished_title"), [t("finished_saved")]
        if script.closing is not None:
            paragraphs.append(script.closing.render(conversation.env(), language))
        else:
            paragraphs.append(script.purpose.render({}, language))
        return self._render(request, "finished.html", language, script, heading=heading,
                            paragraphs=paragraphs)

    def _message(self, request: Request, language: str, heading: str, paragraphs: list[str],
                 *, status_code: int = 200, headers: Mapping[str, str] | None = None,
                 links: list[tuple[str, str]] | None = None) -> Response:
        response = self._render(request, "message.html", language, None,
                                status_code=status_code, heading=heading,
                                paragraphs=paragraphs, links=links or [])
        response.headers.update(headers or {})
        return response

    def _notice(self, request: Request, name: str, status_code: int, *,
                headers: Mapping[str, str] | None = None,
                links: list[tuple[str, str]] | None = None) -> Response:
        """A page outside a conversation: the words `name`_title and `name`_body, in the
        browser's language."""
        language = _language(request)
        t = translator(language)
        return self._message(request, language, t(f"{name}_title"), [t(f"{name}_body")],
                             status_code=status_code, headers=headers, links=links)

    def _too_many(self, request: Request, client: str) -> Response:
        return self._notice(request, "too_many", 429,
                            headers={"Retry-After": str(self.guesses.retry_after(client))})

    def _expired_form(self, request: Request, page_url: str | None = None) -> Response:
        """A form without this browser's CSRF token; `page_url` leads back to the page."""
        links = ([(page_url, translator(_language(request))("continue_now"))]
                 if page_url else [])
        return self._notice(request, "expired_form", 403, links=links)

    async def bad_form(self, request: Request, _exc: Exception) -> Response:
        """A form that could not be read (too large, malformed)."""
        return self._notice(request, "bad_form", 400)

    async def not_found(self, request: Request, _exc: Exception) -> Response:
        return self._notice(request, "not_found", 404)

    # -- access --------------------------------------------------------------------------
    def _grant(self, request: Request, session_id: str, token: str) -> None:
        granted = [g for g in request.session.get(GRANTED, []) if g[0] != session_id]
        grant = [session_id, hash_token(token), int(time.time())]
        request.session[GRANTED] = [*granted, grant][-MAX_GRANTED:]

    async def _denied(self, request: Request, session_id: str) -> Response | None:
        """None when this browser may see the conversation; else the page saying why not
        (a look without a grant counts as a guess; a grant whose link was withdrawn ends)."""
        grants = request.session.get(GRANTED, [])
        grant = next((g for g in grants if g[0] == session_id), None)
        if grant is not None and time.time() - grant[2] <= self.recheck_seconds:
            return None
        if grant is not None:
            withdrawn = await self.worker.token_withdrawn(grant[1])
            others = [g for g in grants if g[0] != session_id]
            if not withdrawn:
                request.session[GRANTED] = [*others, [*grant[:2], int(time.time())]]
                return None
            request.session[GRANTED] = others
            language = _language(request)
            t = translator(language)
            return self._message(request, language, t("link_invalid_title"),
                                 [t("link_revoked"), t("link_invalid_help")], status_code=403)
        client = _client(request)
        if self.guesses.blocked(client):
            return self._too_many(request, client)
        self.guesses.failed(client)
        return self._notice(request, "forbidden", 403)

    def _open_script(self, request: Request) -> Script:
        script = self.open_scripts.get(request.path_params["script_id"])
        if script is None:
            raise HTTPException(404)
        return script


def _script_language(request: Request, script: Script) -> str:
    """The language of the script the browser prefers most (else the script's first)."""
    languages = script.document.languages
    ranked = ranked_languages(request.headers.get("accept-language"))
    return next((language for language in ranked if language in languages),
                script.default_language)


def masked_address(address: str) -> str:
    """An address as an opt-out page shows it: an email's first letter and domain
    ("i***@example.com"), the last four characters of anything else ("***5678")."""
    local, at, domain = address.rpartition("@")
    if at and local:
        return f"{local[0]}***@{domain}"
    return f"***{address[-4:]}" if len(address) > 4 else "***"


def _page_path(request: Request, session_id: str) -> str:
    """The path of a conversation's page (the ``page`` route) where the app is mounted: what
    redirects after an answer point at, built without a route search on every answer."""
    return f"{request.scope.get('root_path', '')}/s/{session_id}"


def _language(request: Request) -> str:
    """The language for pages outside a conversation: the browser's preference."""
    return preferred_language(request.headers.get("accept-language"))


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _version(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _first_field(prompt: Prompt, field: str | None = None) -> str:
    """The id of the control an error message links to (`field`: the part of a referral the
    error is about)."""
    if prompt.type == "referral" and field in prompt.fields:
        return f"referral-{field}"
    if prompt.kind == "question" and prompt.type in OPTION_TYPES:
        return "answer-1"
    if prompt.type == "referral" and prompt.kind == "referral" and prompt.fields:
        return f"referral-{prompt.fields[0]}"
    return "answer"


def _decline_label(prompt: Prompt, t: Callable[..., str]) -> str:
    if prompt.kind == "probe":
        return t("no_more")
    return t("prefer_not_to_say") if prompt.prefer_not_to_say else t("skip")


class WebFormApp(Starlette):
    """The web form's Starlette application. Mounted inside another app, it still names and
    builds its own links: its router answers `url_for`, under the path it is mounted at."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "router": self.router,
                     "app_root_path": scope.get("root_path", "")}
        await super().__call__(scope, receive, send)


def create_app(store: Store, *, secret_key: str | None = None,
               open_scripts: Iterable[Script] = (), https_only: bool = False,
               guess_limit: str = "20/10 minutes",
               token_ttl: timedelta | None = DEFAULT_TOKEN_TTL,
               session_max_age: int = 14 * 24 * 3600,
               store_threads: int | None = None,
               recheck_seconds: float = RECHECK_SECONDS,
               allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """The web form as an ASGI application over `store`.

    `secret_key` signs the browser-session cookie (None: `DIALOGKIT_SECRET_KEY`, else a
    random key per process: open browser sessions then end with the process, respondents'
    links keep working).
    `open_scripts` may be started by anyone at ``/start/{script_id}``. `https_only` marks the
    cookie Secure (set it when served over HTTPS). `guess_limit` caps failed link lookups per
    client (a `limits` expression such as ``"20/10 minutes"``). `store_threads`: how many
    threads of the app's own call the store (keep it within the store's connection pool); 0
    calls it on the event loop; None (the default) means 0 on SQLite, 4 otherwise (see
    `dialogkit_web_form.steps`). A browser's access to a conversation is checked against the
    link that granted it every `recheck_seconds`: withdrawing the link
    (`store.revoke_tokens`) ends it within that time. `allowed_hosts` (e.g.
    ``["survey.example.com"]``): the only ``Host`` headers answered, since links on the pages
    are built from it (None: any).
    Mount the app under any path prefix; every link it makes follows the mount.
    """
    redact_tokens_in_logs("uvicorn.access", "uvicorn.error")
    form = WebForm(store, open_scripts=open_scripts, guess_limit=guess_limit,
                   token_ttl=token_ttl, store_threads=store_threads,
                   recheck_seconds=recheck_seconds)
    routes = [
        # answers first: they are most of the requests, and routes are tried in order
        Route("/s/{session_id}", form.submit, name="submit", methods=["POST"]),
        Route("/s/{session_id}", form.page, name="page", methods=["GET"]),
        Route("/r/{token}", form.resume, name="resume"),
        Route("/", form.index, name="index"),
        Route("/start/{script_id}", form.open_page, name="open", methods=["GET"]),
        Route("/start/{script_id}", form.open_start, name="open_start", methods=["POST"]),
        Route("/u/{token}", form.opt_out_page, name="opt_out", methods=["GET"]),
        Route("/u/{token}", form.opt_out, name="opt_out_confirm", methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        *([Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))]
          if allowed_hosts is not None else []),
        Middleware(SecurityHeaders),
        Middleware(SignedCookieSession,
                   secret_key=secret_key or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
                   cookie=SESSION_COOKIE, max_age=session_max_age, https_only=https_only),
    ]
    app = WebFormApp(routes=routes, middleware=middleware,
                     exception_handlers={400: form.bad_form, 404: form.not_found})
    app.state.web_form = form
    return app
