"""Email campaign throughput: personalized invitations sent over SMTP by the email channel,
against a plain smtplib loop sending the same messages.

Usage::

    python bench/bench_email.py            # full run: 2,000 messages, 3 rounds each side
    python bench/bench_email.py --quick    # smoke run: 300 messages, 1 round each side

Both sides send to the same kind of SMTP server: a minimal aiosmtpd sink on 127.0.0.1 (a free
port) in a subprocess of its own, as a real mail server would be, started afresh for every
round. It accepts every message and keeps its bytes, which the benchmark checks after the
round.

Ours is the whole campaign as ``dialogkit invite SCRIPT`` runs it (the same library calls as
`dialogkit_email.commands.invite`, in this process, plugins loaded beforehand): read the
project's email settings, load the script (the ``nps_checkin`` example), open the project's
store (SQLite, the embedded default, in a fresh temporary folder holding the imported
respondents), choose the respondents, and for each one start a session and queue its
personalized invitation in one transaction (`Outgoing.invite`, answer by the web form); then
open the SMTP transport and send the queue exactly once (`deliver`: queued → sending → sent,
each move its own transaction), and close the store. The rate limit is set to 100000/second,
so it never waits. The timed window starts before the settings are read and ends when the
store is closed; "queue" is the part before the transport opens, "send" the rest.

The baseline is `smtplib.SMTP` over one connection (opened and closed inside the timed
window), calling `sendmail` for every message with the same envelope sender. Its messages are
already rendered: the exact bytes an untimed warm-up campaign (run with the ``dialogkit
invite`` command itself, in this process) delivered to its sink, one per respondent.

The sides take turns (baseline, ours, baseline, ours, ...), each round on a fresh sink and,
for ours, a fresh project. After every round the sink must hold exactly one message per
respondent, each to one recipient, from the expected sender; ours must also have written
distinct Message-IDs, To headers matching the recipients, a personal link in each text part,
and leave every message *sent* in the store; the baseline's messages must arrive byte for
byte as sent. Anything else stops the benchmark with an error (exit status 1).

The last line printed is one JSON object with "ratio" (the median of our rates divided by the
median of the baseline's) and the medians of each side.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import email.policy
import json
import os
import pickle
import platform
import pstats
import re
import shutil
import smtplib
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

HOST = "127.0.0.1"
SENDER = "Northwind Customer Team <listening@northwind.example>"
ENVELOPE_SENDER = "listening@northwind.example"
WEB_URL = "https://survey.northwind.example"
RATE = "100000/second"
SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "nps_checkin" / "script.yaml"
TARGET_RATIO = 0.5
WARM_UP = 50
TO = re.compile(rb"^To: .*$", re.MULTILINE)
MESSAGE_ID = re.compile(rb"^Message-ID: <[^>\r\n]+>", re.MULTILINE)
LINK = re.compile(re.escape(f"{WEB_URL}/r/".encode()) + rb"[A-Za-z0-9_-]{20,}")

Received = tuple[str, tuple[str, ...], bytes]
"""What the sink kept of a message: envelope sender, recipients, the bytes (unstuffed)."""


# --------------------------------------------------------------------------- the sink


def serve_sink() -> int:
    """Run the SMTP sink (in the subprocess): print ``READY port``, then answer commands
    read from stdin (``dump PATH``: pickle the messages kept so far to PATH) until EOF."""
    from aiosmtpd.smtp import SMTP

    kept: list[Received] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            kept.append((envelope.mail_from or "", tuple(envelope.rcpt_tos),
                         bytes(envelope.original_content)))
            return "250 2.0.0 OK: queued"

    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind((HOST, 0))
    handler = Handler()
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="sink.bench", loop=loop), sock=listener))

    def commands() -> None:
        for line in sys.stdin:
            verb, _, argument = line.strip().partition(" ")
            if verb == "dump":
                Path(argument).write_bytes(pickle.dumps(list(kept)))
                print(f"DUMPED {len(kept)}", flush=True)
        loop.call_soon_threadsafe(loop.stop)

    print(f"READY {listener.getsockname()[1]}", flush=True)
    threading.Thread(target=commands, daemon=True).start()
    try:
        loop.run_forever()
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    return 0


class Sink:
    """The sink subprocess, from the benchmark's side; a context manager."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-sink"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.port = int(self._reply("READY"))

    def _reply(self, word: str) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "" when the sink died
        if not line.startswith(word):
            self.close()
            raise RuntimeError(f"the SMTP sink did not answer {word} (got {line!r})")
        return line.split()[1]

    def cpu_s(self) -> float | None:
        """CPU seconds the sink has used so far (from /proc; None where there is none)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def received(self, folder: Path) -> list[Received]:
        """Every message the sink accepted, in arrival order."""
        assert self.process.stdin is not None
        path = folder / "sink.pickle"
        self.process.stdin.write(f"dump {path}\n")
        self.process.stdin.flush()
        self._reply("DUMPED")
        kept = cast(list[Received], pickle.loads(path.read_bytes()))
        path.unlink()
        return kept

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --------------------------------------------------------------------------- the project


def people(count: int) -> list[tuple[str, str, str, str]]:
    """The respondents: (id, name, email, first name), the same for every project."""
    firsts = ["Ada", "Bo", "Chidi", "Dana", "Emil", "Fatima", "Gus", "Hana", "Ivo", "Jun"]
    lasts = ["Li", "Meyer", "Okafor", "Novak", "Silva", "Tanaka", "Weber", "Young"]
    rows = []
    for n in range(count):
        first, last = firsts[n % len(firsts)], lasts[n // len(firsts) % len(lasts)]
        rows.append((f"r-{n:05d}", f"{first} {last}", f"{first.lower()}.{last.lower()}.{n}"
                     "@example.com", first))
    return rows


def make_project(folder: Path, port: int, count: int) -> Path:
    """A project folder: the script, email settings sending to `port`, and `count`
    respondents imported into its store."""
    from dialogkit.store import open_store
    from dialogkit.store.importing import import_respondents

    folder.mkdir(parents=True)
    shutil.copy(SCRIPT, folder / "script.yaml")
    (folder / "dialogkit.toml").write_text(
        f'[email]\nfrom = "{SENDER}"\nweb_url = "{WEB_URL}"\ntransport = "smtp"\n'
        f'rate = "{RATE}"\n\n[email.smtp]\nhost = "{HOST}"\nport = {port}\n'
        'security = "none"\n', encoding="utf-8")
    lines = ["id,name,email,segments,attr.first_name"]
    lines += [f"{i},{name},{address},customers,{first}" for i, name, address, first
              in people(count)]
    (folder / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = open_store(None, folder)
    try:
        import_respondents(store.engine, folder / "people.csv")
    finally:
        store.close()
    return folder


# --------------------------------------------------------------------------- the two sides


@dataclass
class Campaign:
    """One run of ours: seconds spent queuing and sending, and what `deliver` reported."""

    queue_s: float
    send_s: float
    sent: int
    failed: int
    cpu_s: float = 0.0
    """CPU time of this process over the campaign."""
    sink_cpu_s: float | None = None

    @property
    def total_s(self) -> float:
        return self.queue_s + self.send_s


def run_campaign(project: Path, system: Any) -> Campaign:
    """`dialogkit invite SCRIPT` for everyone, by the library calls the command makes."""
    from dialogkit.followups import probes_from_plugins
    from dialogkit.loader import load_script
    from dialogkit.store import open_store
    from dialogkit.store.respondents import read_candidates
    from dialogkit_email.delivery import StopFlag, deliver
    from dialogkit_email.outgoing import CHANNEL, Outgoing
    from dialogkit_email.selection import select
    from dialogkit_email.settings import load_settings
    from dialogkit_email.transport import open_transport

    cpu = time.process_time()
    started = time.perf_counter()
    settings = load_settings(project)
    script = load_script(project / "script.yaml", question_types=system.registry.question_types)
    store = open_store(None, project, question_types=system.registry.question_types,
                       follow_up=probes_from_plugins(system.manager))
    try:
        outgoing = Outgoing(store, settings)
        selection = select(read_candidates(store.engine),
                           suppressed=outgoing.messages.suppressed(CHANNEL))
        program = script.id
        already = outgoing.messages.existing_keys(
            outgoing.invitation_key(program, c.id) for c in selection.chosen)
        for candidate in selection.chosen:
            if outgoing.invitation_key(program, candidate.id) not in already:
                outgoing.invite(script, candidate, program=program, by_reply=False)
        queued = time.perf_counter()
        transport = open_transport(settings)
        try:
            report = deliver(outgoing.messages, transport, settings, stop=StopFlag())
        finally:
            transport.close()
    finally:
        store.close()
    done = time.perf_counter()
    return Campaign(queue_s=queued - started, send_s=done - queued, sent=report.sent,
                    failed=report.failed + report.deferred + report.skipped,
                    cpu_s=time.process_time() - cpu)


def run_baseline(port: int, messages: Sequence[tuple[str, bytes]], helo: str) -> float:
    """Seconds for plain smtplib to send `messages` (recipient, bytes) over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP(HOST, port, local_hostname=helo) as client:
        for recipient, data in messages:
            refused = client.sendmail(ENVELOPE_SENDER, [recipient], data)
            if refused:
                raise RuntimeError(f"baseline: the sink refused {refused}")
    return time.perf_counter() - started


# --------------------------------------------------------------------------- checks


class BenchError(Exception):
    """What was sent or stored is not what it should be."""


def check_envelopes(label: str, received: Sequence[Received], addresses: Sequence[str]) -> None:
    """Exactly one message per address, each to one recipient, from the expected sender."""
    problems = []
    if len(received) != len(addresses):
        problems.append(f"{len(received)} messages arrived, not {len(addresses)}")
    if any(len(recipients) != 1 for _, recipients, _ in received):
        problems.append("a message had more or fewer than one recipient")
    if any(sender != ENVELOPE_SENDER for sender, _, _ in received):
        problems.append("a message came from another envelope sender")
    counts = collections.Counter(r for _, recipients, _ in received for r in recipients)
    if counts != collections.Counter(addresses):
        twice = sum(1 for n in counts.values() if n > 1)
        missing = len(set(addresses) - set(counts))
        problems.append(f"recipients differ: {missing} missing, {twice} received more than once")
    if problems:
        raise BenchError(f"{label}: " + "; ".join(problems))


def check_invitations(received: Sequence[Received], first_names: dict[str, str]) -> None:
    """Our messages: each To header names its recipient, each has a Message-ID, a greeting
    and a personal link of its own (looked for in the bytes; every 100th message is also
    parsed and its text part read)."""
    ids, links = set(), set()
    parser = BytesParser(policy=email.policy.default)
    for number, (_, (recipient,), raw) in enumerate(received):
        head = raw[:raw.find(b"\r\n\r\n")]
        message_id = MESSAGE_ID.search(head)
        link = LINK.search(raw)
        if (f"<{recipient}>".encode() not in TO.search(head).group(0)  # type: ignore[union-attr]
                or message_id is None or link is None
                or f"Hello {first_names[recipient]},".encode() not in raw):
            raise BenchError(f"ours: the message to {recipient} lacks its To, Message-ID, "
                             "greeting or link")
        ids.add(message_id.group(0))
        links.add(link.group(0))
        if number % 100 == 0:
            parsed = cast(EmailMessage, parser.parsebytes(raw))
            body = parsed.get_body(("plain",))
            if body is None or link.group(0).decode() not in body.get_content():
                raise BenchError(f"ours: the text part to {recipient} lacks its link")
    if len(ids) != len(received) or len(links) != len(received):
        raise BenchError(f"ours: {len(ids)} Message-IDs and {len(links)} links for "
                         f"{len(received)} messages")


def check_store(project: Path, count: int) -> None:
    """Every invitation is *sent* in the store, none left queued, sending or failed."""
    from dialogkit.store import open_store
    from dialogkit.store.messages import Messages

    store = open_store(None, project)
    try:
        counts = Messages(store).counts(channel="email")
    finally:
        store.close()
    if counts != {"sent": count}:
        raise BenchError(f"ours: the store's messages are {counts}, not {{'sent': {count}}}")


# --------------------------------------------------------------------------- the rounds


@dataclass
class Results:
    ours: list[Campaign] = field(default_factory=list)
    baseline: list[Plain] = field(default_factory=list)


def check_campaign(label: str, project: Path, received: Sequence[Received],
                   count: int) -> None:
    """Everything a campaign of `count` invitations must have sent and stored."""
    everyone = people(count)
    check_envelopes(label, received, [address for _, _, address, _ in everyone])
    check_invitations(received, {address: first for _, _, address, first in everyone})
    check_store(project, count)


def warm_up(folder: Path, count: int) -> None:
    """Run a small campaign with the ``dialogkit invite`` command itself (untimed), checked
    as the timed ones are: the library calls timed below are the command's."""
    from click.testing import CliRunner

    from dialogkit.cli import main

    with Sink() as sink:
        project = make_project(folder / "warm-up", sink.port, count)
        result = CliRunner().invoke(main, ["invite", str(project / "script.yaml")])
        if result.exit_code != 0 or f"sent {count}" not in result.output:
            raise BenchError(f"warm-up: `dialogkit invite` ended with {result.exit_code}:\n"
                             f"{result.output}")
        received = sink.received(folder)
    check_campaign("warm-up", project, received, count)
    shutil.rmtree(project)


def ours_round(folder: Path, name: str, count: int, system: Any
               ) -> tuple[Campaign, list[tuple[str, bytes]]]:
    """A timed campaign on a fresh project and sink, checked afterwards; returns it and what
    the sink received, as (recipient, bytes)."""
    with Sink() as sink:
        project = make_project(folder / name, sink.port, count)
        sink_cpu = sink.cpu_s()
        campaign = run_campaign(project, system)
        if sink_cpu is not None:
            campaign.sink_cpu_s = cast(float, sink.cpu_s()) - sink_cpu
        received = sink.received(folder)
    if campaign.sent != count or campaign.failed:
        raise BenchError(f"ours: deliver sent {campaign.sent} of {count}, "
                         f"{campaign.failed} not sent")
    check_campaign("ours", project, received, count)
    shutil.rmtree(project)
    return campaign, [(recipients[0], raw) for _, recipients, raw in received]


@dataclass
class Plain:
    """One run of the baseline: seconds, its CPU time, the sink's."""

    elapsed_s: float
    cpu_s: float
    sink_cpu_s: float | None


def baseline_round(folder: Path, messages: Sequence[tuple[str, bytes]], helo: str) -> Plain:
    """A timed baseline run on a fresh sink, checked afterwards."""
    with Sink() as sink:
        sink_cpu, cpu = sink.cpu_s(), time.process_time()
        elapsed = run_baseline(sink.port, messages, helo)
        cpu = time.process_time() - cpu
        sink_used = None if sink_cpu is None else cast(float, sink.cpu_s()) - sink_cpu
        received = sink.received(folder)
    check_envelopes("baseline", received, [recipient for recipient, _ in messages])
    sent = sorted(messages)
    if sorted((recipients[0], raw) for _, recipients, raw in received) != sent:
        raise BenchError("baseline: the messages did not arrive byte for byte as sent")
    return Plain(elapsed, cpu, sink_used)


def profile_round(folder: Path, count: int, system: Any, top: int) -> None:
    """Profile one more campaign of ours and print where its time goes."""
    profiler = cProfile.Profile()
    with Sink() as sink:
        project = make_project(folder / "profiled", sink.port, count)
        profiler.enable()
        run_campaign(project, system)
        profiler.disable()
    for order in ("tottime", "cumulative"):
        print(f"\nprofile of one campaign of ours, top {top} by {order}:")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.strip_dirs().sort_stats(order).print_stats(top)


# --------------------------------------------------------------------------- main


def show(value: float | None, width: int) -> str:
    return f"{'' if value is None else f'{value:.2f}':>{width}}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--messages", type=int, default=None,
                        help="invitations per campaign (default 2000, or 300 with --quick)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="timed rounds per side (default 3, or 1 with --quick)")
    parser.add_argument("--profile", action="store_true",
                        help="afterwards, profile one more campaign and print the top costs")
    parser.add_argument("--serve-sink", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_sink:
        return serve_sink()
    count = args.messages or (300 if args.quick else 2000)
    rounds = args.rounds or (1 if args.quick else 3)

    from dialogkit.plugins import load_plugins

    system = load_plugins()
    helo = socket.getfqdn()
    results = Results()
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="dk-bench-email-") as temporary:
            folder = Path(temporary)
            warm_up(folder, min(count, WARM_UP))
            for number in range(rounds):
                campaign, messages = ours_round(folder, f"round-{number}", count, system)
                results.ours.append(campaign)
                results.baseline.append(baseline_round(folder, messages, helo))
            if args.profile:
                profile_round(folder, count, system, top=30)
    except BenchError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        print(json.dumps({"bench": "email", "ok": False, "error": str(error)}))
        return 1
    wall = time.perf_counter() - started

    ours_rates = [count / c.total_s for c in results.ours]
    base_rates = [count / p.elapsed_s for p in results.baseline]
    ours_rate, base_rate = statistics.median(ours_rates), statistics.median(base_rates)
    ratio = ours_rate / base_rate
    ratio_median = statistics.median(o / b for o, b in zip(ours_rates, base_rates, strict=True))

    def ms(values: Sequence[float | None]) -> float | None:
        """The median of per-campaign seconds, in ms per message (None if unknown)."""
        known = [v for v in values if v is not None]
        return round(statistics.median(known) / count * 1e3, 3) if known else None

    figures = {
        "ours_queue_ms": ms([c.queue_s for c in results.ours]),
        "ours_send_ms": ms([c.send_s for c in results.ours]),
        "ours_cpu_ms": ms([c.cpu_s for c in results.ours]),
        "ours_sink_cpu_ms": ms([c.sink_cpu_s for c in results.ours]),
        "baseline_ms": ms([p.elapsed_s for p in results.baseline]),
        "baseline_cpu_ms": ms([p.cpu_s for p in results.baseline]),
        "baseline_sink_cpu_ms": ms([p.sink_cpu_s for p in results.baseline]),
    }
    size = statistics.mean(len(raw) for _, raw in messages)

    print(f"dialogkit email benchmark — Python {platform.python_version()}, SQLite "
          f"{sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {'quick' if args.quick else 'full'} "
          f"run, {count} invitations, {rounds} round(s) per side, {wall:.0f} s in all")
    print(f"  messages of {size / 1024:.1f} KB on average; sink: aiosmtpd in a subprocess on "
          f"{HOST}\n")
    header = (f"{'round':>6}  {'ours msg/s':>10}  {'queue s':>7}  {'send s':>6}  "
              f"{'baseline msg/s':>14}  {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for number, (campaign, plain) in enumerate(zip(results.ours, results.baseline,
                                                   strict=True)):
        print(f"{number + 1:>6}  {count / campaign.total_s:>10,.0f}  {campaign.queue_s:>7.2f}  "
              f"{campaign.send_s:>6.2f}  {count / plain.elapsed_s:>14,.0f}  "
              f"{plain.elapsed_s / campaign.total_s:>6.3f}")
    queue_ms, send_ms = figures["ours_queue_ms"] or 0.0, figures["ours_send_ms"] or 0.0
    print(f"{'median':>6}  {ours_rate:>10,.0f}  {queue_ms * count / 1e3:>7.2f}  "
          f"{send_ms * count / 1e3:>6.2f}  {base_rate:>14,.0f}  {ratio:>6.3f}")
    print(f"\n  per message, ms (medians)        {'wall':>7}  {'our CPU':>7}  {'sink CPU':>8}")
    rows = [("ours: the whole campaign", queue_ms + send_ms, figures["ours_cpu_ms"],
             figures["ours_sink_cpu_ms"]),
            ("  queue (session, render, insert)", queue_ms, None, None),
            ("  send (SMTP, queued→sent)", send_ms, None, None),
            ("baseline: smtplib", figures["baseline_ms"], figures["baseline_cpu_ms"],
             figures["baseline_sink_cpu_ms"])]
    for label, wall_ms, cpu_ms, sink_ms in rows:
        print(f"  {label:<34}{show(wall_ms, 7)}  {show(cpu_ms, 7)}  {show(sink_ms, 8)}")
    met = ratio >= TARGET_RATIO
    print(f"  [{'met' if met else 'MISSED'}] the campaign at least half as fast as plain "
          f"smtplib sending the rendered messages (ratio {ratio:.3f} >= {TARGET_RATIO})")
    print(json.dumps({
        "bench": "email", "ok": True, "messages": count, "rounds": rounds,
        "ours_per_s": round(ours_rate, 1), "baseline_per_s": round(base_rate, 1),
        "ratio": round(ratio, 4), "ratio_median": round(ratio_median, 4),
        "ours_queue_s": round(statistics.median(c.queue_s for c in results.ours), 3),
        "ours_send_s": round(statistics.median(c.send_s for c in results.ours), 3),
        **figures, "message_bytes": round(size), "quick": args.quick,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
