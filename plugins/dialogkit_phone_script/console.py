"""The interviewer console: web pages where interviewers sign in, take the next case, run the
interview screen by screen and record how each call ended.

Routes (relative to where the app is mounted; ``dialogkit serve`` mounts it at ``/phone/``):

- ``GET /sign-in``, ``POST /sign-in``, ``POST /sign-out``: interviewer accounts
  (`dialogkit_phone_script.accounts`); failed sign-ins are rate limited per client.
- ``GET /``: the interviewer's start page: the case they hold, the button for the next case,
  their programs' queues. ``POST /next`` takes the next case.
- ``GET /case/{id}``: the case: who to call (name, number, account, role, local time),
  its history, the interview's current screen and the form that ends the call.
  ``POST /case/{id}/start`` starts (or resumes) the interview, ``POST /case/{id}/answer``
  answers the screen (or records don't know/refused, goes back, keeps a note),
  ``POST /case/{id}/end`` records the call's disposition, ``POST /case/{id}/release`` gives
  the case back without a call.
- ``GET /rates``: AAPOR response rates of the interviewer's programs, by segment.

Every form carries the browser session's CSRF token; an interviewer only ever sees cases of
their own programs, and acts only on the case they hold. The interview runs on the same
engine and store as every channel, with the session's channel set to ``phone``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Receive, Scope, Send

from dialogkit.answers import AnswerError
from dialogkit.channels import Reply
from dialogkit.engine import NavigationError, Prompt
from dialogkit.plugin_types import WebAppContext
from dialogkit.store import Store
from dialogkit.store.store import ConflictError, Step
from dialogkit_phone_script.accounts import Interviewer, Interviewers
from dialogkit_phone_script.dispositions import DISPOSITIONS, GROUPS, disposition
from dialogkit_phone_script.queue import CallQueue, Case, CaseTaken, QueueError, utc
from dialogkit_phone_script.rates_report import percent
from dialogkit_phone_script.rates_store import rates_from_store
from dialogkit_phone_script.settings import PhoneSettings, PhoneSettingsError, load_settings
from dialogkit_web_form.forms import FormData as AnswerForm
from dialogkit_web_form.forms import reply_from_form, values_from_answer
from dialogkit_web_form.messages import field_label, translator
from dialogkit_web_form.security import (
    CSRF_FIELD,
    GuessLimiter,
    SecurityHeaders,
    csrf_ok,
    csrf_token,
)
from dialogkit_web_form.session import SignedCookieSession

HERE = Path(__file__).resolve().parent
WEB_FORM = Path(__import__("dialogkit_web_form").__file__).resolve().parent
COOKIE = "dialogkit_console"
SECRET_ENV = "DIALOGKIT_SECRET_KEY"
SIGN_IN_LIMIT = "10/10 minutes"
INTERVIEWER_CODES = {"dk": "dont_know", "ref": "refused"}
LANGUAGE = "en"
NOT_YOURS = ("This case is not yours to call now: it was recorded already, or another "
             "interviewer has it.")
ANSWERED = "This screen was answered already; here is where the interview stands now."


class _StartedAlready(Exception):
    """Another request started the case's interview first."""


class ConsoleApp(Starlette):
    """Mounted inside another app, it still builds its own links (`url_for`)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "router": self.router,
                     "app_root_path": scope.get("root_path", "")}
        await super().__call__(scope, receive, send)


class Console:
    """The console's pages over one store. See the module docstring."""

    def __init__(self, store: Store, settings: PhoneSettings, *,
                 interviewers: Interviewers | None = None, queue: CallQueue | None = None,
                 hook: Any = None, sign_in_limit: str = SIGN_IN_LIMIT) -> None:
        self.store = store
        self.settings = settings
        self.interviewers = interviewers or Interviewers(store.engine)
        self.queue = queue or CallQueue(store, settings)
        self.hook = hook
        self.limiter = GuessLimiter(sign_in_limit)
        environment = Environment(
            loader=ChoiceLoader([FileSystemLoader(HERE / "templates"),
                                 FileSystemLoader(WEB_FORM / "templates")]),
            autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
        environment.globals.update(
            t=translator(LANGUAGE), field_label=lambda name: field_label(LANGUAGE, name),
            groups=GROUPS, dispositions=DISPOSITIONS, local_time=_local_time,
            percent=percent)
        self.templates = Jinja2Templates(env=environment)

    # -- pages ---------------------------------------------------------------------------
    def render(self, request: Request, name: str, status: int = 200, **context: Any
               ) -> HTMLResponse:
        context.update(csrf=csrf_token(request.session), csrf_field=CSRF_FIELD,
                       flash=request.session.get("flash"))
        if "flash" in request.session:
            del request.session["flash"]
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def flash(self, request: Request, text: str) -> None:
        request.session["flash"] = text

    async def signed_in(self, request: Request) -> Interviewer | None:
        """The interviewer this browser is signed in as (None when not, when the account was
        deactivated, or its password changed since)."""
        who = request.session.get("interviewer")
        if not isinstance(who, str):
            return None
        interviewer = await run_in_threadpool(self.interviewers.get, who)
        signed_at = request.session.get("signed_in_at", 0)
        if (interviewer is None or not interviewer.active
                or interviewer.password_changed_at.timestamp() > signed_at):
            request.session.clear()
            return None
        return interviewer

    async def posted(self, request: Request) -> FormData:
        """The posted form, after its CSRF token was checked (403 otherwise)."""
        form = await request.form()
        if not csrf_ok(request.session, form.get(CSRF_FIELD)):  # type: ignore[arg-type]
            raise HTTPException(403, "This form has expired. Go back, reload the page and "
                                     "try again.")
        return form

    async def sign_in_page(self, request: Request) -> Response:
        return self.render(request, "console/sign_in.html", error=None, user="")

    async def sign_in(self, request: Request) -> Response:
        form = await self.posted(request)
        user = str(form.get("user", "")).strip()
        password = str(form.get("password", ""))
        client = request.client.host if request.client else "unknown"
        if self.limiter.blocked(client):
            seconds = self.limiter.retry_after(client)
            refused = self.render(request, "console/sign_in.html", status=429, user=user,
                                  error=f"Too many failed sign-ins. Try again in "
                                        f"{-(-seconds // 60)} minute(s).")
            refused.headers["Retry-After"] = str(seconds)
            return refused
        interviewer = await run_in_threadpool(self.interviewers.verify, user, password)
        if interviewer is None:
            self.limiter.failed(client)
            return self.render(request, "console/sign_in.html", status=400, user=user,
                               error="That name and password don't match an active "
                                     "interviewer account.")
        request.session.clear()  # a new browser session: a fresh CSRF token
        request.session.update(interviewer=interviewer.id,
                               signed_in_at=datetime.now().timestamp())
        return RedirectResponse(request.url_for("home"), 303)

    async def sign_out(self, request: Request) -> Response:
        await self.posted(request)
        request.session.clear()
        return RedirectResponse(request.url_for("sign_in"), 303)

    async def home(self, request: Request) -> Response:
        interviewer = await self.signed_in(request)
        if interviewer is None:
            return RedirectResponse(request.url_for("sign_in"), 303)
        held = await run_in_threadpool(self.queue.held_case, interviewer.id)
        summary = await run_in_threadpool(self.queue.summary, interviewer.programs)
        return self.render(request, "console/home.html", interviewer=interviewer, held=held,
                           summary=summary)

    async def next_case(self, request: Request) -> Response:
        interviewer = await self._interviewer(request)
        await self.posted(request)
        try:
            case = await run_in_threadpool(self.queue.next_case, interviewer.id,
                                           interviewer.programs)
        except QueueError as error:
            self.flash(request, str(error))
            return RedirectResponse(request.url_for("home"), 303)
        if case is None:
            self.flash(request, "No case is due now. Callbacks and retries come back when "
                                "their time comes.")
            return RedirectResponse(request.url_for("home"), 303)
        self._attempt_started(request, case.id)
        return RedirectResponse(request.url_for("case", case_id=case.id), 303)

    async def case_page(self, request: Request) -> Response:
        interviewer = await self._interviewer(request)
        case = await self._case(request, interviewer)
        return await self._show_case(request, interviewer, case)

    async def _show_case(self, request: Request, interviewer: Interviewer, case: Case, *,
                         status: int = 200, error: str | None = None,
                         end_error: str | None = None,
                         values: Mapping[str, Any] | None = None,
                         end_values: Mapping[str, str] | None = None) -> Response:
        step = (await run_in_threadpool(self.store.load, case.session_id)
                if case.session_id else None)
        attempts, notes, contacts = await run_in_threadpool(self._history, case)
        prompt = step.prompt if step else None
        return self.render(
            request, "console/case.html", status=status, interviewer=interviewer, case=case,
            mine=case.claimed_by == interviewer.id and case.state == "open", step=step,
            prompt=prompt, values=values if values is not None else (
                values_from_answer(prompt) if prompt else {}),
            error=error, error_field=None, end_error=end_error,
            end_values=end_values or {}, attempts=attempts,
            notes=notes, contacts=contacts, max_attempts=self.settings.max_attempts,
            interview=_interview_state(step), question_label=_question_label,
            now=self.queue.now())

    def _history(self, case: Case) -> tuple[Any, Any, Any]:
        return (self.queue.attempts(case.id), self.queue.notes(case.id),
                [c for c in self.queue.contacts(case.respondent_id) if c[1] != "phone"])

    async def start(self, request: Request) -> Response:
        interviewer = await self._interviewer(request)
        case = await self._held(request, interviewer)
        await self.posted(request)
        if case.session_id is None:
            await run_in_threadpool(self._start_interview, case)
        return RedirectResponse(request.url_for("case", case_id=case.id), 303)

    def _start_interview(self, case: Case) -> None:
        """Start the case's interview: stored with the case in one transaction, unless a
        request sent at the same time (a double click) started it first."""
        script = self.store.script(case.script_version)

        def attach(connection: Any, started: Any, _conversation: Any) -> None:
            if not self.queue.attach_session(case.id, started.session_id, connection):
                raise _StartedAlready  # the session is not stored

        with contextlib.suppress(_StartedAlready):
            self.store.start_session(script, case.respondent_id, program=case.program_id,
                                     channel="phone", within=attach)

    async def answer(self, request: Request) -> Response:
        interviewer = await self._interviewer(request)
        case = await self._held(request, interviewer)
        form = await self.posted(request)
        if case.session_id is None:
            return RedirectResponse(request.url_for("case", case_id=case.id), 303)
        step = await run_in_threadpool(self.store.load, case.session_id)
        shown = str(form.get("version", "")).strip()
        if shown and shown != str(step.version):  # sent twice, or from an older page
            self.flash(request, ANSWERED)  # (the first time recorded its note)
            return RedirectResponse(request.url_for("case", case_id=case.id), 303)
        prompt = step.prompt
        note = str(form.get("note", ""))
        if prompt is None:
            await run_in_threadpool(self.queue.add_note, case.id, interviewer.id, note)
            return RedirectResponse(request.url_for("case", case_id=case.id), 303)
        answer_form: AnswerForm = {key: form.getlist(key) for key in form}
        try:
            reply = _reply(prompt, answer_form)
            applied = await run_in_threadpool(self.store.apply, case.session_id, reply,
                                              expected_version=step.version)
        except (AnswerError, NavigationError) as problem:
            await run_in_threadpool(self.queue.add_note, case.id, interviewer.id, note,
                                    prompt.key)  # the note is kept, though the answer is not
            message = problem.message if isinstance(problem, NavigationError) else str(problem)
            return await self._show_case(request, interviewer, case, status=400,
                                         error=message, values=answer_form)
        except ConflictError:  # another request answered the screen meanwhile
            self.flash(request, ANSWERED)
            return RedirectResponse(request.url_for("case", case_id=case.id), 303)
        if applied.replayed:  # the same form, sent twice at once: recorded once, with its note
            self.flash(request, ANSWERED)
        else:
            await run_in_threadpool(self.queue.add_note, case.id, interviewer.id, note,
                                    prompt.key)
        try:
            await run_in_threadpool(self.queue.keep, case.id, interviewer.id)
        except CaseTaken as taken:
            self.flash(request, str(taken))
            return RedirectResponse(request.url_for("home"), 303)
        return RedirectResponse(request.url_for("case", case_id=case.id), 303)

    async def end(self, request: Request) -> Response:
        interviewer = await self._interviewer(request)
        case = await self._case(request, interviewer)
        form = await self.posted(request)
        if case.state == "open" and case.claimed_by not in (None, interviewer.id):
            raise HTTPException(409, NOT_YOURS)
        if case.claimed_by != interviewer.id or case.state != "open":
            self.flash(request, "This call was already recorded.")
            return RedirectResponse(request.url_for("home"), 303)
        key = str(form.get("disposition", ""))
        step = (await run_in_threadpool(self.store.load, case.session_id)
                if case.session_id else None)
        try:
            callback_at = _callback_time(str(form.get("callback_at", "")), case.time_zone)
            started = request.session.get("attempts", {}).get(case.id)
            recorded = await run_in_threadpool(
                lambda: self.queue.record(
                    case.id, interviewer.id, key,
                    started_at=(datetime.fromtimestamp(started, UTC) if started
                                else self.queue.now()),
                    callback_at=callback_at, note=str(form.get("note", "")) or None,
                    interview=_interview_state(step),
                    answered_share=step.prompt.progress if step and step.prompt else 1.0))
        except CaseTaken as taken:
            self.flash(request, str(taken))
            return RedirectResponse(request.url_for("home"), 303)
        except (QueueError, ValueError) as problem:
            return await self._show_case(  # what was chosen and typed stays
                request, interviewer, case, status=400, end_error=str(problem),
                end_values={name: str(form.get(name, ""))
                            for name in ("disposition", "callback_at", "note")})
        self._attempt_over(request, case.id)
        chosen = disposition(key)  # `key` may be an AAPOR code, as `record` allows
        if self.hook is not None:
            details = MappingProxyType({
                "case": case.id, "code": recorded.last_code, "interviewer": interviewer.id,
                "callback_at": utc(callback_at) if callback_at else None,
                "final": recorded.state == "closed"})
            await run_in_threadpool(self.hook.dialogkit_on_disposition,
                                    session_id=case.session_id or "",
                                    disposition=chosen.key, details=details)
        label = chosen.label
        self.flash(request, f"Call with {case.name or case.respondent_id} recorded: {label} "
                            f"({recorded.last_code}).")
        return RedirectResponse(request.url_for("home"), 303)

    async def release(self, request: Request) -> Response:
        interviewer = await self._interviewer(request)
        case = await self._held(request, interviewer)
        await self.posted(request)
        await run_in_threadpool(self.queue.release, case.id, interviewer.id)
        self._attempt_over(request, case.id)
        self.flash(request, f"{case.name or case.respondent_id} went back to the queue.")
        return RedirectResponse(request.url_for("home"), 303)

    async def rates(self, request: Request) -> Response:
        interviewer = await self._interviewer(request)
        reports = []
        for program in interviewer.programs:
            report = await run_in_threadpool(rates_from_store, self.store.engine, program,
                                             self.settings.eligibility)
            reports.append((program, report))
        return self.render(request, "console/rates.html", interviewer=interviewer,
                           reports=reports)

    # -- helpers -------------------------------------------------------------------------
    async def _interviewer(self, request: Request) -> Interviewer:
        interviewer = await self.signed_in(request)
        if interviewer is None:
            raise HTTPException(401, "Please sign in.")
        return interviewer

    async def _case(self, request: Request, interviewer: Interviewer) -> Case:
        """The case in the path, if it belongs to one of the interviewer's programs."""
        try:
            case = await run_in_threadpool(self.queue.case, request.path_params["case_id"])
        except QueueError:
            raise HTTPException(404, "There is no such case.") from None
        if case.program_id not in interviewer.programs:
            raise HTTPException(404, "There is no such case.")
        return case

    async def _held(self, request: Request, interviewer: Interviewer) -> Case:
        case = await self._case(request, interviewer)
        if case.claimed_by != interviewer.id or case.state != "open":
            raise HTTPException(409, NOT_YOURS)
        return case

    def _attempt_started(self, request: Request, case_id: str) -> None:
        attempts = dict(request.session.get("attempts", {}))
        attempts.setdefault(case_id, self.queue.now().timestamp())  # the queue's clock
        request.session["attempts"] = attempts

    def _attempt_over(self, request: Request, case_id: str) -> None:
        attempts = dict(request.session.get("attempts", {}))
        attempts.pop(case_id, None)
        request.session["attempts"] = attempts

    async def problem(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 401:
            return RedirectResponse(request.url_for("sign_in"), 303)
        return self.render(request, "console/message.html", status=error.status_code,
                           heading="That did not work", text=error.detail)


def _reply(prompt: Prompt, form: AnswerForm) -> Reply:
    action = (form.get("action") or ["next"])[0]
    if action in INTERVIEWER_CODES:
        return Reply(action="decline", reason=INTERVIEWER_CODES[action])
    return reply_from_form(prompt, form)


def _interview_state(step: Step | None) -> str | None:
    if step is None:
        return None
    return "finished" if step.status != "active" else "started"


def _question_label(prompt: Prompt) -> str:
    return {"probe": "Probe", "statement": "Read out"}.get(prompt.kind, "Question")


def _local_time(moment: datetime, zone: str, with_date: bool = True) -> str:
    local = utc(moment).astimezone(ZoneInfo(zone))
    return local.strftime("%a %d %b %H:%M" if with_date else "%H:%M")


def _callback_time(text: str, zone: str) -> datetime | None:
    """A ``datetime-local`` field's value, read in the respondent's time zone."""
    if not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("Give the callback time as a date and a time, like "
                         "2026-11-24 15:30.") from None
    return moment.replace(tzinfo=ZoneInfo(zone))


def create_console(store: Store, settings: PhoneSettings | None = None, *,
                   secret_key: str | None = None, https_only: bool = False,
                   hook: Any = None, clock: Callable[[], datetime] | None = None,
                   interviewers: Interviewers | None = None,
                   sign_in_limit: str = SIGN_IN_LIMIT) -> Starlette:
    """The interviewer console as an ASGI application over `store`.

    `secret_key` signs the browser-session cookie (None: ``DIALOGKIT_SECRET_KEY``, else a
    random key per process). `hook` is the plugin system's hook relay, to call
    ``dialogkit_on_disposition`` after every call. `clock` replaces the queue's clock (tests).
    """
    settings = settings or PhoneSettings()
    console = Console(store, settings, interviewers=interviewers, hook=hook,
                      queue=CallQueue(store, settings, clock=clock),
                      sign_in_limit=sign_in_limit)
    routes = [
        Route("/", console.home, name="home"),
        Route("/sign-in", console.sign_in_page, name="sign_in", methods=["GET"]),
        Route("/sign-in", console.sign_in, name="sign_in_post", methods=["POST"]),
        Route("/sign-out", console.sign_out, name="sign_out", methods=["POST"]),
        Route("/next", console.next_case, name="next", methods=["POST"]),
        Route("/case/{case_id}", console.case_page, name="case", methods=["GET"]),
        Route("/case/{case_id}/start", console.start, name="start", methods=["POST"]),
        Route("/case/{case_id}/answer", console.answer, name="answer", methods=["POST"]),
        Route("/case/{case_id}/end", console.end, name="end", methods=["POST"]),
        Route("/case/{case_id}/release", console.release, name="release", methods=["POST"]),
        Route("/rates", console.rates, name="rates"),
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static"),
        Mount("/form-static", app=StaticFiles(directory=WEB_FORM / "static"),
              name="form_static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SignedCookieSession,
                   secret_key=secret_key or os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32),
                   cookie=COOKIE, max_age=12 * 3600, same_site="strict",
                   https_only=https_only),
    ]
    handlers = {code: console.problem for code in (401, 403, 404, 405, 409)}
    app = ConsoleApp(routes=routes, middleware=middleware,
                     exception_handlers=handlers)  # type: ignore[arg-type]
    app.state.console = console
    return app


def console_app(context: WebAppContext) -> Starlette:
    """The console for `dialogkit serve`: the project's ``[phone]`` settings and store."""
    try:
        settings = load_settings(context.project_dir)
    except PhoneSettingsError as error:
        raise ValueError(str(error)) from None
    return create_console(context.store, settings, hook=context.hook)
