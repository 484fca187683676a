"""Web form throughput: answers posted over HTTP to the served web form, against a bare
Starlette endpoint that stores the same answer row.

Usage::

    python bench/bench_web.py            # full run (about 35 seconds)
    python bench/bench_web.py --quick    # smoke run (about 15 seconds)

Both applications are served for real, each by uvicorn in a subprocess of its own on
127.0.0.1 (a free port), with the same uvicorn settings (HTTP implementation and event loop
included: httptools and uvloop only if both are installed, for both sides alike; `--threads N`
caps the worker threads of both). The load comes from this process: a closed loop of
`--connections` keep-alive HTTP/1.1 connections (32 by default) written on raw asyncio
streams, each posting an answer as soon as the response to the previous one has arrived. Both
servers get the same client in the same run: after a warm-up of each, they take turns under
load, `--rounds` turns each (5, or 3 with --quick; who goes first alternates), `--seconds` in
all per side (10, or 3 with --quick), so that a slow spell of the machine hits both.

Our side is `dialogkit_web_form.create_app` over a store on SQLite (WAL, synchronous=NORMAL,
the default). Every connection is one respondent at a time, on a session of a 20-question
script of text questions: the sessions are started (`Store.start_session`) and opened the way
a browser opens them (``GET /r/{token}``, which grants the session to a signed cookie, then
``GET /s/{id}?begin=1``, which gives the CSRF token) before the timed window, so the window
holds only answers: ``POST /s/{id}`` with ``csrf``, ``version``, ``submission``,
``action=next`` and ``answer``. The version is the one the page would carry: it goes up by one
with every accepted answer. When a session is finished the connection goes on with the next
prepared one (should they run out, it opens one itself; those page loads are counted apart).

The baseline is a bare Starlette POST endpoint: it parses the same form body and inserts the
same row our store writes into its ``answers`` table (session id, key, question id, value as
JSON, probes, answered_at) into an SQLite database of its own with the same settings (WAL,
synchronous=NORMAL, ``BEGIN IMMEDIATE`` and a commit per request, on the event loop), and
answers 303 with the page's address, as ours does. It does no session cookie, CSRF check,
version check, engine step or event log.

Every response must be a 303 to the session's page (ours answers a stale version with a 303
to ``?notice=moved``, which counts as an error), within 10 seconds; afterwards each database
must hold one answer row per accepted post. Any error makes the run fail (exit status 1,
"ok": false). Latencies are per request, from writing it to having read the whole response.
Each server's CPU time (all its threads, from /proc) is reported per request: both sides are
bound by one interpreter lock each, so their rates follow it. The last line printed is one JSON
object with "ratio" (our rate / the baseline's, over all turns; "ratio_median" is the median
of the turns' ratios) and "p99_ms" (ours).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import math
import os
import platform
import re
import secrets
import select
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from timing import time_batch

QUESTIONS = 20
CONNECTIONS = 32
HOST = "127.0.0.1"
COOKIE = "dialogkit"  # dialogkit_web_form.app.SESSION_COOKIE
ANSWER = "Month-end export to our accounting system takes far too long; we redo it by hand."
TARGET_RATIO = 0.5
TARGET_P99_MS = 100.0
SERVER_START_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0  # seconds; a request still unanswered then is an error
PREPARE_LIMIT = 120.0  # seconds to open the sessions before a window
PHASE_GRACE = 60.0  # seconds a window may overrun (requests in flight) before it fails

ANSWERS_TABLE = """
CREATE TABLE IF NOT EXISTS answers (
    session_id VARCHAR(32) NOT NULL,
    "key" VARCHAR(300) NOT NULL,
    question_id VARCHAR(100) NOT NULL,
    value TEXT,
    other TEXT,
    declined VARCHAR(30),
    probes TEXT NOT NULL,
    answered_at DATETIME NOT NULL,
    PRIMARY KEY (session_id, "key")
)
"""
INSERT_ANSWER = (
    'INSERT INTO answers (session_id, "key", question_id, value, other, declined, probes, '
    "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, \"key\") DO UPDATE "
    "SET question_id = excluded.question_id, value = excluded.value, other = excluded.other, "
    "declined = excluded.declined, probes = excluded.probes, answered_at = excluded.answered_at"
)


# --------------------------------------------------------------------------- the servers


def script_text() -> str:
    """The benchmark script: `QUESTIONS` required text questions, as JSON text."""
    nodes = [{"id": f"q{i:02d}", "type": "text",
              "text": f"Question {i}: what got in the way of your work this month?"}
             for i in range(1, QUESTIONS + 1)]
    return json.dumps({
        "dialogkit": 1, "id": "bench-web", "title": "Web form benchmark",
        "purpose": "Measure how fast the web form takes answers.", "estimated_minutes": 10,
        "nodes": nodes,
    }, indent=1)


def ours_app(database: Path) -> Any:
    """The web form over a store on `database`."""
    from dialogkit.store import open_store
    from dialogkit_web_form import app as web_form

    store = open_store(f"sqlite:///{database}", database.parent, sqlite_synchronous="NORMAL")
    return web_form.create_app(store, secret_key=secrets.token_urlsafe(32))


def baseline_app(database: Path) -> Any:
    """A bare Starlette endpoint: parse the form, insert the answer row, redirect."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route

    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(ANSWERS_TABLE)

    async def submit(request: Request) -> Response:
        form = await request.form()
        session_id = request.path_params["session_id"]
        version, answer = form.get("version"), form.get("answer")
        if not isinstance(version, str) or not version.isdigit() or not isinstance(answer, str):
            return PlainTextResponse("bad form", 422)
        key = f"q{int(version):02d}"
        at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(INSERT_ANSWER, (session_id, key, key, json.dumps(answer), None,
                                               None, "[]", at))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return RedirectResponse(f"/s/{session_id}", 303)

    async def page(request: Request) -> Response:
        return PlainTextResponse("page")

    return Starlette(routes=[
        Route("/s/{session_id}", page, name="page", methods=["GET"]),
        Route("/s/{session_id}", submit, name="submit", methods=["POST"]),
    ])


class ThreadCap:
    """ASGI wrapper that caps the worker threads Starlette hands blocking work to (anyio's
    default limiter, 40 threads unless capped), set on its first call."""

    def __init__(self, app: Any, threads: int) -> None:
        self.app, self.threads, self.done = app, threads, False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.done:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
            self.done = True
        await self.app(scope, receive, send)


def serve(kind: str, database: Path, http: str, loop: str, threads: int | None) -> None:
    """Run in a server subprocess: listen on a free port, print it, serve until stopped."""
    import uvicorn

    app = ours_app(database) if kind == "ours" else baseline_app(database)
    if threads:
        app = ThreadCap(app, threads)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(2048)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(app, http=http, loop=loop, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def server_settings() -> tuple[str, str]:
    """uvicorn's HTTP implementation and event loop, the same for both servers."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return http, loop


class Server:
    """A server subprocess (this file with --serve)."""

    def __init__(self, kind: str, database: Path, http: str, loop: str,
                 threads: int | None) -> None:
        self.kind = kind
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve", kind,
             "--database", str(database), "--http", http, "--loop", loop,
             *(["--threads", str(threads)] if threads else [])],
            stdout=subprocess.PIPE, text=True)
        self.port = 0
        self.accepted = 0  # answers it accepted, warm-up included: the rows to find later

    def wait_ready(self) -> None:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], SERVER_START_TIMEOUT)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the {self.kind} server did not start (exit status "
                               f"{self.process.poll()})")
        self.port = int(line.split()[1])

    def cpu_seconds(self) -> float | None:
        """The server process's CPU time so far (all threads), if /proc tells."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --------------------------------------------------------------------------- the client


class HttpError(Exception):
    """A response the benchmark did not expect."""


class Connection:
    """One keep-alive HTTP/1.1 connection, one request at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.host = f"{HOST}:{port}"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.visitor: Visitor | None = None  # the respondent this connection is answering as

    async def open(self) -> None:
        """(Re)connect: the server closes connections left idle for a few seconds."""
        self.close()
        self.reader, self.writer = await asyncio.open_connection(HOST, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, method: str, target: str, cookie: str | None = None,
                      body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
        """Send one request; the status, the headers (names in lower case) and the body."""
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}\r\n"
        if cookie:
            head += f"Cookie: {cookie}\r\n"
        if method == "POST":
            head += ("Content-Type: application/x-www-form-urlencoded\r\n"
                     f"Content-Length: {len(body)}\r\n")
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                self.writer.write(head.encode("latin-1") + b"\r\n" + body)
                await self.writer.drain()
                block = await self.reader.readuntil(b"\r\n\r\n")
                lines = block.decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                if "transfer-encoding" in headers:
                    raise HttpError("chunked responses are not expected")
                length = int(headers.get("content-length", "0"))
                content = await self.reader.readexactly(length) if length else b""
        except TimeoutError:
            self.close()
            shown = re.sub(r"/r/[^?]*", "/r/…", target)  # no resume tokens in the output
            raise HttpError(f"{method} {shown}: no response within {REQUEST_TIMEOUT:g} s"
                            ) from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, HttpError):
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, content


@dataclass
class Visitor:
    """A respondent on one session: the browser cookie, the CSRF token, the page's version."""

    session_id: str
    cookie: str
    csrf: str
    version: int = 1


@dataclass
class Window:
    """What one stretch of load gave: POST latencies (seconds) and what went wrong."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    page_loads: int = 0
    elapsed: float = 0.0
    server_cpu: float | None = None
    client_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def add(self, other: Window) -> None:
        """Take in a further stretch of the same side."""
        self.latencies += other.latencies
        self.errors += other.errors
        self.page_loads += other.page_loads
        self.elapsed += other.elapsed
        self.client_cpu += other.client_cpu
        if self.server_cpu is not None and other.server_cpu is not None:
            self.server_cpu += other.server_cpu
        else:
            self.server_cpu = None

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


def _cookie(headers: dict[str, str]) -> str | None:
    value = headers.get("set-cookie", "")
    return value.split(";", 1)[0] if value.startswith(f"{COOKIE}=") else None


_HIDDEN = re.compile(r'name="(csrf|version)" value="([^"]*)"')


class Side:
    """One server under load: what a connection posts, and what it must get back."""

    title: str

    def __init__(self, server: Server) -> None:
        self.server = server
        self.port = server.port
        self.cookie_length = 0

    def page(self, session_id: str) -> str:
        return f"/s/{session_id}"

    async def visitor(self, connection: Connection, window: Window) -> Visitor:
        raise NotImplementedError

    async def post(self, connection: Connection, visitor: Visitor, window: Window) -> bool:
        """Answer the visitor's current question; False when it did not go through."""
        body = urlencode({"csrf": visitor.csrf, "version": visitor.version,
                          "submission": secrets.token_urlsafe(12), "action": "next",
                          "answer": ANSWER}).encode()
        target = f"/s/{visitor.session_id}"
        started = time.perf_counter()
        try:
            status, headers, _ = await connection.request("POST", target, visitor.cookie, body)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                HttpError) as error:
            window.errors.append(f"{type(error).__name__}: {error}")
            return False
        window.latencies.append(time.perf_counter() - started)
        location = headers.get("location")
        if status != 303 or location != self.page(visitor.session_id):
            window.errors.append(f"POST {target} (version {visitor.version}): {status} "
                                 f"{location or ''}".rstrip())
            return False
        self.server.accepted += 1
        return True

    async def run(self, connections: Sequence[Connection], seconds: float, window: Window
                  ) -> None:
        """Post answers on every connection until `seconds` have passed."""
        async def drive(connection: Connection) -> None:
            while time.perf_counter() < stop:
                visitor = connection.visitor
                if visitor is None or visitor.version > QUESTIONS:
                    try:
                        visitor = connection.visitor = await self.visitor(connection, window)
                    except (HttpError, OSError, asyncio.IncompleteReadError) as error:
                        window.errors.append(f"opening a session: {error}")
                        return
                if await self.post(connection, visitor, window):
                    visitor.version += 1
                else:
                    connection.visitor = None  # out of step with the server: take a fresh one

        await asyncio.gather(*(connection.open() for connection in connections))
        cpu, client_cpu = self.server.cpu_seconds(), time.process_time()
        started = time.perf_counter()
        stop = started + seconds
        await asyncio.gather(*(drive(connection) for connection in connections))
        window.elapsed = time.perf_counter() - started
        window.client_cpu = time.process_time() - client_cpu
        after = self.server.cpu_seconds()
        window.server_cpu = None if cpu is None or after is None else after - cpu


class Ours(Side):
    """The web form: sessions started in the store, opened as a browser opens them."""

    title = "web form"

    def __init__(self, server: Server, database: Path) -> None:
        super().__init__(server)
        from dialogkit.loader import load_script_text
        from dialogkit.store import open_store

        self.store = open_store(f"sqlite:///{database}", database.parent,
                                sqlite_synchronous="NORMAL")
        self.script = load_script_text(script_text(), "<bench-web>")
        self.tokens: deque[str] = deque()
        self.prepared: deque[Visitor] = deque()
        self.refill = False  # start sessions on demand (warm-up only: it blocks the client)

    def start(self, count: int) -> None:
        """Start `count` sessions (their tokens wait to be opened)."""
        for _ in range(count):
            self.tokens.append(self.store.start_session(self.script, None,
                                                        channel="web").token)

    async def open_session(self, connection: Connection, token: str) -> Visitor:
        """Open a respondent's link with a new browser: two page loads."""
        status, headers, _ = await connection.request("GET", f"/r/{token}")
        cookie, location = _cookie(headers), headers.get("location", "")
        if status != 303 or cookie is None or "/s/" not in location:
            raise HttpError(f"GET /r/…: {status} {location}")
        session_id = location.rsplit("/s/", 1)[1]
        status, headers, content = await connection.request(
            "GET", f"/s/{session_id}?begin=1", cookie)
        fields = dict(_HIDDEN.findall(content.decode()))
        cookie = _cookie(headers) or cookie  # the CSRF token went into the cookie
        if status != 200 or "csrf" not in fields or fields.get("version") != "1":
            raise HttpError(f"GET /s/{session_id}?begin=1: {status} (no question form)")
        self.cookie_length = max(self.cookie_length, len(cookie))
        return Visitor(session_id, cookie, fields["csrf"])

    async def prepare(self, connections: Sequence[Connection], errors: list[str]) -> None:
        """Open every waiting link, on all connections at once."""
        async def work(connection: Connection) -> None:
            await connection.open()
            while self.tokens and not errors:
                try:
                    self.prepared.append(await self.open_session(connection,
                                                                 self.tokens.popleft()))
                except (HttpError, OSError, asyncio.IncompleteReadError) as error:
                    errors.append(f"opening a session: {type(error).__name__}: {error}")

        await asyncio.gather(*(work(connection) for connection in connections))

    async def visitor(self, connection: Connection, window: Window) -> Visitor:
        if self.prepared:
            return self.prepared.popleft()
        if not self.tokens and self.refill:
            self.start(1)
        if not self.tokens:
            raise HttpError("no session left to open (start more)")
        window.page_loads += 2
        return await self.open_session(connection, self.tokens.popleft())

    def close(self) -> None:
        self.store.close()


class Baseline(Side):
    """The bare endpoint: a new session id every `QUESTIONS` answers, no pages to open."""

    title = "bare endpoint"

    def __init__(self, server: Server, cookie_length: int) -> None:
        super().__init__(server)
        self.cookie_length = cookie_length

    async def visitor(self, connection: Connection, window: Window) -> Visitor:
        # a cookie and a CSRF field as long as ours, so that both get the same requests
        filler = "x" * max(0, self.cookie_length - len(COOKIE) - 1)
        return Visitor(uuid.uuid4().hex, f"{COOKIE}={filler}", secrets.token_urlsafe(32))


def count_rows(database: Path) -> int:
    connection = sqlite3.connect(database)
    try:
        return int(connection.execute("SELECT count(*) FROM answers").fetchone()[0])
    finally:
        connection.close()


# --------------------------------------------------------------------------- main


def drive_load(ours: Ours, baseline_server: Server, count: int, warm_up: float,
               seconds: float, rounds: int, keep_gc: bool
               ) -> tuple[Window, Window, list[float], list[str]]:
    """Warm both sides up, prepare our sessions, then time the sides in turns, `rounds` of
    `seconds / rounds` each; the timed windows (ours, the baseline's), the ratio of each
    round, and the errors met outside the windows."""
    errors: list[str] = []
    ours_window, base_window = Window(server_cpu=0.0), Window(server_cpu=0.0)
    ratios: list[float] = []
    loop = asyncio.new_event_loop()

    def run(coroutine: Any, what: str, limit: float) -> None:
        try:
            loop.run_until_complete(asyncio.wait_for(coroutine, limit))
        except TimeoutError:
            errors.append(f"{what}: not done within {limit:g} s")

    ours_connections = [Connection(ours.port) for _ in range(count)]
    base_connections: list[Connection] = []
    try:
        ours.start(3 * count)
        run(ours.prepare(ours_connections, errors), "opening sessions", PREPARE_LIMIT)
        if errors:
            return ours_window, base_window, ratios, errors
        baseline = Baseline(baseline_server, ours.cookie_length)
        base_connections = [Connection(baseline.port) for _ in range(count)]
        sides = ((ours, ours_connections), (baseline, base_connections))
        warm = {ours: Window(), baseline: Window()}
        ours.refill = True
        for side, connections in sides:
            run(side.run(connections, warm_up, warm[side]), f"{side.title} warm-up",
                warm_up + PHASE_GRACE)
        ours.refill = False
        errors.extend(f"{side.title} warm-up: {e}" for side, w in warm.items() for e in w.errors)
        # enough open sessions for the timed window at half again the warm-up's rate, and a
        # spare link per connection
        needed = math.ceil(warm[ours].rate * seconds * 1.5 / QUESTIONS) + count
        ours.start(max(0, needed - len(ours.prepared)))
        run(ours.prepare(ours_connections, errors), "opening sessions", PREPARE_LIMIT)
        ours.start(count)
        if errors:
            return ours_window, base_window, ratios, errors
        totals = {ours: ours_window, baseline: base_window}
        for turn in range(rounds):  # ours first, then the baseline first, and so on
            windows: dict[Side, Window] = {}
            for side, connections in sides if turn % 2 == 0 else sides[::-1]:
                window = windows[side] = Window()
                time_batch(partial(run, side.run(connections, seconds / rounds, window),
                                   side.title, seconds / rounds + PHASE_GRACE), 1, keep_gc)
                totals[side].add(window)
            if windows[baseline].rate:
                ratios.append(windows[ours].rate / windows[baseline].rate)
        return ours_window, base_window, ratios, errors
    finally:
        for connection in (*ours_connections, *base_connections):
            connection.close()
        loop.close()


def _ms(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 2)


def _line(title: str, window: Window) -> str:
    done = len(window.latencies)
    server = (f"{window.server_cpu / done * 1e3:>8.2f}" if window.server_cpu is not None
              and done else f"{'?':>8}")
    client = f"{window.client_cpu / done * 1e6:>8.0f}" if done else f"{'?':>8}"
    return (f"{title:<14}  {done:>8,}  {window.rate:>8,.0f}  {window.percentile(50):>7.1f}  "
            f"{window.percentile(99):>7.1f}  {max(window.latencies, default=0) * 1e3:>7.1f}  "
            f"{server}  {client}  {len(window.errors):>6}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--seconds", type=float, default=None,
                        help="timed load on each side (default 10, or 3 with --quick)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="turns the timed load is split into, the sides taking turns "
                             "(default 5, or 3 with --quick)")
    parser.add_argument("--connections", type=int, default=CONNECTIONS,
                        help=f"concurrent keep-alive connections (default {CONNECTIONS})")
    parser.add_argument("--threads", type=int, default=None,
                        help="cap the worker threads of both servers (default: Starlette's "
                             "own, up to 40)")
    parser.add_argument("--gc", action="store_true",
                        help="keep the client's cyclic garbage collector running while timing")
    parser.add_argument("--serve", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--http", help=argparse.SUPPRESS)
    parser.add_argument("--loop", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.database, args.http, args.loop, args.threads)
        return 0
    seconds = args.seconds if args.seconds is not None else (3.0 if args.quick else 10.0)
    rounds = args.rounds or (3 if args.quick else 5)
    warm_up = 1.0 if args.quick else 2.0
    count = args.connections
    http, loop_name = server_settings()
    began = time.perf_counter()

    from dialogkit.store import open_store

    with tempfile.TemporaryDirectory(prefix="dk-bench-web-") as folder:
        ours_db, baseline_db = Path(folder) / "ours" / "dialogkit.db", Path(folder) / "bare.db"
        ours_db.parent.mkdir()
        open_store(f"sqlite:///{ours_db}", ours_db.parent).close()  # migrated before serving
        servers = [Server(kind, db, http, loop_name, args.threads)
                   for kind, db in (("ours", ours_db), ("baseline", baseline_db))]
        ours: Ours | None = None
        try:
            for server in servers:
                server.wait_ready()
            ours = Ours(servers[0], ours_db)
            w_ours, w_base, ratios, errors = drive_load(ours, servers[1], count, warm_up,
                                                        seconds, rounds, args.gc)
        finally:
            for server in servers:
                server.stop()
            if ours is not None:
                ours.close()
        if not errors:  # every accepted answer must be stored, once
            for title, accepted, db in (("web form", servers[0].accepted, ours_db),
                                        ("bare endpoint", servers[1].accepted, baseline_db)):
                if (stored := count_rows(db)) != accepted:
                    errors.append(f"{title}: {accepted} answers accepted, {stored} rows stored")
    errors = [*errors, *w_ours.errors, *w_base.errors]
    total = time.perf_counter() - began
    ratio = w_ours.rate / w_base.rate if w_base.rate else 0.0
    ratio_median = statistics.median(ratios) if ratios else 0.0
    p99 = w_ours.percentile(99)

    import starlette
    import uvicorn

    print(f"dialogkit web form benchmark — Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}, {os.cpu_count()} CPUs, uvicorn {uvicorn.__version__} "
          f"({http}, {loop_name}), Starlette {starlette.__version__}, "
          f"{'quick' if args.quick else 'full'} run")
    print(f"  {count} keep-alive connections, {warm_up:g} s of warm-up, then {seconds:g} s "
          f"timed per side in {rounds} turns; one POST = one answer, {QUESTIONS}-question "
          "text script; each server in a subprocess of its own, the client in this one"
          + (f"; server worker threads capped at {args.threads}" if args.threads else ""))
    if w_ours.page_loads:
        print(f"  the web form's side also loaded {w_ours.page_loads} pages in its window, to "
              "open sessions (not counted below)")
    print()
    header = (f"{'side':<14}  {'requests':>8}  {'req/s':>8}  {'p50 ms':>7}  {'p99 ms':>7}  "
              f"{'max ms':>7}  {'srv ms/r':>8}  {'cli µs/r':>8}  {'errors':>6}")
    print(header)
    print("-" * len(header))
    print(_line("web form", w_ours))
    print(_line("bare endpoint", w_base))
    print(f"\n  ratio (web form req/s / bare endpoint req/s): {ratio:.3f}; per turn "
          f"{' '.join(f'{r:.3f}' for r in ratios)} (median {ratio_median:.3f})")
    print("  srv ms/r: CPU time of the server process (all threads) per request; cli µs/r: "
          "the client's")
    if w_ours.latencies and w_base.latencies:
        print(f"  [{'met' if ratio >= TARGET_RATIO else 'MISSED'}] the web form takes answers "
              f"at least half as fast as the bare endpoint (ratio {ratio:.3f} >= "
              f"{TARGET_RATIO})")
        print(f"  [{'met' if p99 < TARGET_P99_MS else 'MISSED'}] its p99 latency is under "
              f"{TARGET_P99_MS:g} ms with {count} connections ({p99:.1f} ms)")
    print(f"  the run took {total:.0f} s")
    if errors:
        print(f"\n  FAILED: {len(errors)} errors; the first ones:")
        for error in errors[:5]:
            print(f"    {error}")
    print(json.dumps({
        "bench": "web", "ok": not errors,
        "ours_rps": round(w_ours.rate, 1), "baseline_rps": round(w_base.rate, 1),
        "ratio": round(ratio, 4), "ratio_median": round(ratio_median, 4),
        "p99_ms": _ms(p99), "p50_ms": _ms(w_ours.percentile(50)),
        "baseline_p99_ms": _ms(w_base.percentile(99)),
        "baseline_p50_ms": _ms(w_base.percentile(50)),
        "errors": len(errors), "connections": count, "seconds": seconds, "rounds": rounds,
        "threads": args.threads, "quick": args.quick,
    }))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
