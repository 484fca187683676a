"""Engine throughput: answers per second through `Conversation.answer`.

Usage::

    python bench/bench_engine.py            # full run (about a minute)
    python bench/bench_engine.py --quick    # smoke run (a few seconds)

A script of N questions is generated from a seed (a plain document, structured with
`dialogkit.converter.structure_document` and compiled with `dialogkit.script.compile_script`):
a mix of nps, rating, single_choice, text, yes_no and number questions; about a third are
conditional on an earlier answer or on a calculation, about a quarter substitute an earlier
answer or the respondent's first name into their text, about a tenth are followed by one or
two probes. A valid answer for every prompt (probe answers included) is computed up front.

Each timed run starts a conversation and feeds it every precomputed answer until it ends. The
same runs are made, in the same process and interleaved with the engine's, by a minimal
hand-written loop that does the same dict work in plain Python (check the value, store it,
evaluate the next questions' conditions as lambdas, format texts with `str.format`, step
through probes). Before timing, both are run once and must ask the same prompts with the same
texts and end with the same answers and probe answers.

Figures are the best of several repeats; the cyclic garbage collector is paused while a batch
is timed (pass --gc to keep it running). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from timing import Samples, time_batch

from dialogkit.converter import structure_document
from dialogkit.engine import Conversation, Respondent
from dialogkit.script import Script, compile_script

SEED = 20240611
ATTRIBUTES = {"first_name": "Ann", "plan": "pro"}
TYPES = ("nps", "rating", "single_choice", "text", "yes_no", "number")
TYPE_WEIGHTS = (3, 3, 3, 2, 2, 2)
SUBSTITUTABLE = ("nps", "rating", "single_choice", "text", "number")
CONDITIONABLE = ("nps", "rating", "single_choice", "yes_no", "number")
NUMERIC = ("nps", "rating", "number")
STOP_PHRASES = frozenset(("don't know", "dont know", "not sure", "no idea", "nothing", "no"))
MIN_LENGTH = 2
TOPICS = (
    "the onboarding", "the mobile app", "our support team", "the monthly invoice",
    "the reporting screens", "the price", "the integrations", "the documentation",
    "the setup wizard", "the search", "the notifications", "the data export",
)
REASONS = (
    "It took us three weeks to get the team set up",
    "The export never includes the columns we need",
    "Support answered within the hour every time",
    "We could not find the settings for reminders",
    "Our finance team reads it every month",
)

Condition = Callable[[dict[str, Any]], bool]


# --------------------------------------------------------------------------- the script


@dataclass
class ProbeSpec:
    depth: int
    when: str | None = None  # engine expression over `answer`
    when_fn: Callable[[Any], bool] | None = None  # the same, in Python
    wording: list[str] | None = None  # None: the standard why-ladder
    formats: list[str] = field(default_factory=list)  # str.format forms, filled after compiling


@dataclass
class QuestionSpec:
    """One generated question, in both forms: the script's and the baseline's."""

    id: str
    type: str
    text: str  # script text, with {answers.x} / {respondent.first_name}
    format: str  # the same text for str.format(a=answers, r=attributes)
    answer: Any  # the planned answer
    when: str | None = None
    cond: Condition | None = None
    params: dict[str, Any] = field(default_factory=dict)
    probe: ProbeSpec | None = None
    probe_answers: list[str] = field(default_factory=list)


def _cmp(key: str, op: str, limit: Any) -> Condition:
    """`answers.KEY OP LIMIT` with the engine's null rule (an ordering with null is false)."""
    if op == ">=":
        def cond(a: dict[str, Any]) -> bool:
            v = a.get(key)
            return v is not None and v >= limit
    else:
        def cond(a: dict[str, Any]) -> bool:
            v = a.get(key)
            return v is not None and v <= limit
    return cond


def _calc_detractor(a: dict[str, Any]) -> bool:
    v = a.get("q0")
    return v is not None and v <= 6


def _calc_total(a: dict[str, Any]) -> Any:
    x, y = a.get("q0"), a.get("q2")
    return None if x is None or y is None else x + y


CALCULATIONS = {"detractor": "answers.q0 <= 6", "total": "answers.q0 + answers.q2"}


def _condition(rng: random.Random, specs: list[QuestionSpec]) -> tuple[str, Condition]:
    """A condition on an earlier answer or a calculation, true for the planned answers about
    85% of the time (so most questions are asked)."""
    holds = rng.random() < 0.85
    if rng.random() < 0.2:  # on a calculation
        if rng.random() < 0.5:
            if holds:  # q0 is planned as 8: not a detractor
                return "not calc.detractor", lambda a: not _calc_detractor(a)
            return "calc.detractor", _calc_detractor
        total = specs[0].answer + specs[2].answer
        limit = total - rng.randint(0, 3) if holds else total + 1

        def on_total(a: dict[str, Any]) -> bool:
            t = _calc_total(a)
            return t is not None and t >= limit

        return f"calc.total >= {limit}", on_total
    earlier = [s for s in specs if s.type in CONDITIONABLE]
    target = rng.choice(earlier)
    key, value = target.id, target.answer
    if target.type in NUMERIC:
        if rng.random() < 0.5:
            limit = value - rng.randint(0, 2) if holds else value + 1
            return f"answers.{key} >= {limit}", _cmp(key, ">=", limit)
        limit = value + rng.randint(0, 2) if holds else value - 1
        return f"answers.{key} <= {limit}", _cmp(key, "<=", limit)
    if target.type == "yes_no":
        if value == holds:
            return f"answers.{key}", lambda a: bool(a.get(key))
        return f"not answers.{key}", lambda a: not a.get(key)
    options = target.params["options"]
    if holds:
        if rng.random() < 0.5:
            return f"answers.{key} == '{value}'", lambda a: a.get(key) == value
        picks = sorted({value, rng.choice(options)})
        listed = ", ".join(f"'{p}'" for p in picks)
        picked = tuple(picks)
        return f"answers.{key} in [{listed}]", lambda a: a.get(key) in picked
    wrong = next(o for o in options if o != value)
    return f"answers.{key} == '{wrong}'", lambda a: a.get(key) == wrong


def _question(rng: random.Random, index: int, kind: str) -> QuestionSpec:
    topic = rng.choice(TOPICS)
    key = f"q{index}"
    if kind == "nps":
        text = f"How likely are you to recommend {topic} to a colleague?"
        spec = QuestionSpec(key, kind, text, text, rng.choice((3, 5, 7, 8, 9, 9, 10, 10)))
    elif kind == "rating":
        points = rng.choice((5, 7, 10))
        text = f"How would you rate {topic}, from 1 to {points}?"
        spec = QuestionSpec(key, kind, text, text, rng.randint(max(1, points - 4), points),
                            params={"points": points})
    elif kind == "single_choice":
        options = [f"opt_{c}" for c in "abcde"[: rng.randint(3, 5)]]
        text = f"Which of these best describes how you use {topic}?"
        spec = QuestionSpec(key, kind, text, text, rng.choice(options),
                            params={"options": options})
    elif kind == "text":
        text = f"What would you change about {topic}?"
        spec = QuestionSpec(key, kind, text, text, f"{rng.choice(REASONS)} ({index})",
                            params={"max_length": 500})
    elif kind == "yes_no":
        text = f"Have you used {topic} in the last month?"
        spec = QuestionSpec(key, kind, text, text, rng.random() < 0.7)
    else:
        text = f"How many minutes a week do you spend in {topic}?"
        spec = QuestionSpec(key, kind, text, text, rng.randint(0, 300),
                            params={"min": 0, "max": 1000, "integer": True})
    return spec


def _probe(rng: random.Random, spec: QuestionSpec) -> None:
    depth = rng.choice((1, 2))
    probe = ProbeSpec(depth)
    if spec.type in NUMERIC and rng.random() < 0.5:
        probe.when = "answer <= 6"
        probe.when_fn = lambda v: v is not None and v <= 6
    if rng.random() < 0.5:
        says = "{answer}" if spec.type != "yes_no" else "that"
        probe.wording = [f"You said {says}. What is the main reason?",
                         "Why is that important to you?"][:depth]
    spec.probe = probe
    answers = [f"Because of {rng.choice(TOPICS)}, level {level}" for level in (1, 2)]
    if depth == 2 and rng.random() < 0.2:
        answers[0] = "don't know"  # a stop phrase: the second probe is not asked
    spec.probe_answers = answers[:depth]


def generate(n: int, seed: int = SEED) -> tuple[dict[str, Any], list[QuestionSpec]]:
    """A script document of `n` questions (n >= 3) and the specs it was made from."""
    rng = random.Random(f"{seed}:{n}")
    specs: list[QuestionSpec] = []
    always: list[QuestionSpec] = []  # unconditional questions, whose answers texts may show
    for i in range(n):
        kind = ("nps", "yes_no", "rating")[i] if i < 3 else rng.choices(TYPES, TYPE_WEIGHTS)[0]
        spec = _question(rng, i, kind)
        if i == 0:
            spec.answer = 8
        if i >= 3 and rng.random() < 1 / 3:
            spec.when, spec.cond = _condition(rng, specs)
        if i >= 3 and rng.random() < 1 / 4:
            shown = [s for s in always if s.type in SUBSTITUTABLE]
            choice = rng.random()
            if choice < 0.4 or not shown:
                spec.text = "{respondent.first_name}, " + spec.text[0].lower() + spec.text[1:]
                spec.format = "{r[first_name]}, " + spec.format[0].lower() + spec.format[1:]
            else:
                earlier = rng.choice(shown).id
                spec.text = f'You answered "{{answers.{earlier}}}" before. {spec.text}'
                spec.format = f'You answered "{{a[{earlier}]}}" before. {spec.format}'
                if choice > 0.8:
                    spec.text += " Thanks, {respondent.first_name}."
                    spec.format += " Thanks, {r[first_name]}."
        if i >= 1 and rng.random() < 1 / 10:
            _probe(rng, spec)
        specs.append(spec)
        if spec.when is None:
            always.append(spec)
    nodes = []
    for spec in specs:
        node: dict[str, Any] = {"id": spec.id, "type": spec.type, "text": spec.text,
                                **spec.params}
        if spec.when is not None:
            node["when"] = spec.when
        if spec.probe is not None:
            probes: dict[str, Any] = {"depth": spec.probe.depth,
                                      "stop": {"phrases": sorted(STOP_PHRASES),
                                               "min_length": MIN_LENGTH}}
            if spec.probe.when is not None:
                probes["when"] = spec.probe.when
            if spec.probe.wording is not None:
                probes["wording"] = spec.probe.wording
            node["probes"] = probes
        nodes.append(node)
    document = {
        "dialogkit": 1, "id": f"bench-{n}", "title": "Engine benchmark",
        "purpose": "Measure how fast the engine applies answers.", "estimated_minutes": 10,
        "calculations": dict(CALCULATIONS), "nodes": nodes,
    }
    return document, specs


def build(n: int) -> tuple[Script, list[QuestionSpec], float]:
    """Generate, structure and compile a script of `n` questions; also the compile time."""
    document, specs = generate(n)
    started = time.perf_counter()
    script = compile_script(structure_document(document), file=f"<bench-{n}>")
    elapsed = time.perf_counter() - started
    for spec in specs:  # the probe texts, as the baseline formats them
        if spec.probe is not None:
            wordings = script.by_id[spec.id].probe.wordings
            if spec.probe.wording is None:  # standard texts: take them from the script
                texts = [w.render({}, "en").replace("{", "{{").replace("}", "}}")
                         for w in wordings]
            else:
                texts = list(spec.probe.wording)
            spec.probe.formats = texts
    return script, specs, elapsed


def _stops(text: str) -> bool:
    return len(text) < MIN_LENGTH or text.lower() in STOP_PHRASES


def plan(specs: Sequence[QuestionSpec]) -> list[Any]:
    """The answers to give, prompt by prompt (probe answers included), for one full run."""
    answers: dict[str, Any] = {}
    values: list[Any] = []
    for spec in specs:
        if spec.cond is not None and not spec.cond(answers):
            continue
        answers[spec.id] = spec.answer
        values.append(spec.answer)
        probe = spec.probe
        if probe is None or (probe.when_fn is not None and not probe.when_fn(spec.answer)):
            continue
        if spec.type == "text" and _stops(spec.answer):
            continue
        for text in spec.probe_answers:
            values.append(text)
            if _stops(text):
                break
    return values


def describe(specs: Sequence[QuestionSpec], values: Sequence[Any]) -> str:
    """A one-line summary of a generated script and its run."""
    conditional = sum(s.when is not None for s in specs)
    on_calc = sum(s.when is not None and "calc." in s.when for s in specs)
    substituted = sum("{" in s.text for s in specs)
    probed = sum(s.probe is not None for s in specs)
    answers: dict[str, Any] = {}
    asked = 0
    for spec in specs:
        if spec.cond is None or spec.cond(answers):
            answers[spec.id] = spec.answer
            asked += 1
    return (f"{len(specs)} questions: {conditional} conditional ({on_calc} on a calculation), "
            f"{substituted} with substitutions, {probed} with probes; a run asks {asked} "
            f"questions and {len(values) - asked} probes")


# --------------------------------------------------------------------------- the engine


RESPONDENT = Respondent(id="r-1", attributes=dict(ATTRIBUTES))


def run_engine(script: Script, values: Sequence[Any]) -> Conversation:
    """One full run: start a conversation and answer every prompt."""
    conversation, _ = Conversation.start(script, RESPONDENT, seed=1)
    answer = conversation.answer
    for value in values:
        answer(value)
    if not conversation.finished:
        raise RuntimeError("the engine expected more answers than were planned")
    return conversation


# --------------------------------------------------------------------------- the baseline


class BaselineQuestion:
    __slots__ = ("check", "cond", "depth", "format", "is_text", "key", "probe_when", "wordings")

    def __init__(self, spec: QuestionSpec) -> None:
        self.key = spec.id
        self.check = _checker(spec)
        self.cond = spec.cond
        self.format = spec.format
        self.is_text = spec.type == "text"
        probe = spec.probe
        self.depth = probe.depth if probe is not None else 0
        self.probe_when = probe.when_fn if probe is not None else None
        self.wordings = tuple(probe.formats) if probe is not None else ()


def _checker(spec: QuestionSpec) -> Callable[[Any], Any]:
    kind, params = spec.type, spec.params
    if kind in ("nps", "rating", "number"):
        low, high = {"nps": (0, 10), "rating": (1, params.get("points")),
                     "number": (params.get("min"), params.get("max"))}[kind]

        def check_number(value: Any) -> Any:
            if type(value) is not int or not low <= value <= high:
                raise ValueError(f"expected a whole number from {low} to {high}")
            return value

        return check_number
    if kind == "yes_no":
        def check_bool(value: Any) -> Any:
            if type(value) is not bool:
                raise ValueError("expected yes or no")
            return value

        return check_bool
    if kind == "single_choice":
        allowed = frozenset(params["options"])

        def check_choice(value: Any) -> Any:
            if value not in allowed:
                raise ValueError("expected one of the options")
            return value

        return check_choice
    limit = params.get("max_length")

    def check_text(value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("expected text")
        text = value.strip()
        if not text or (limit is not None and len(text) > limit):
            raise ValueError("expected a text of the right length")
        return text

    return check_text


def run_baseline(questions: Sequence[BaselineQuestion], values: Sequence[Any],
                 attributes: dict[str, Any]
                 ) -> tuple[dict[str, Any], dict[str, list[str]], list[tuple[Any, ...]]]:
    """The minimal hand-written engine: the same dict work, in plain Python."""
    answers: dict[str, Any] = {}
    probes: dict[str, list[str]] = {}
    events: list[tuple[Any, ...]] = []
    count = len(questions)
    pos = 0
    while pos < count and (cond := questions[pos].cond) is not None and not cond(answers):
        pos += 1
    if pos < count:
        first = questions[pos]
        events.append(("asked", first.key, first.format.format(a=answers, r=attributes)))
    level = 0
    for value in values:
        if pos >= count:
            raise RuntimeError("answer after the end")
        question = questions[pos]
        key = question.key
        if level:  # a probe answer
            if not isinstance(value, str) or not value.strip():
                raise ValueError("expected text")
            text = value.strip()
            probes[key].append(text)
            events.append(("probe_answered", key, level, text))
            if level < question.depth and not _stops(text):
                level += 1
                events.append(("probed", key, level,
                               question.wordings[level - 1].format(answer=answers[key])))
                continue
        else:
            stored = question.check(value)
            answers[key] = stored
            events.append(("answered", key, stored))
            if question.depth and not (question.is_text and _stops(stored)) and (
                question.probe_when is None or question.probe_when(stored)
            ):
                level = 1
                probes[key] = []
                events.append(("probed", key, 1, question.wordings[0].format(answer=stored)))
                continue
        level = 0
        pos += 1
        while pos < count and (cond := questions[pos].cond) is not None and not cond(answers):
            pos += 1
        if pos < count:
            nxt = questions[pos]
            events.append(("asked", nxt.key, nxt.format.format(a=answers, r=attributes)))
    if pos < count:
        raise RuntimeError("the baseline expected more answers than were planned")
    return answers, probes, events


# --------------------------------------------------------------------------- checking


def verify(script: Script, specs: Sequence[QuestionSpec], values: Sequence[Any]) -> None:
    """Both implementations must ask the same prompts, with the same texts, and end with the
    same answers and probe answers."""
    seen: list[tuple[Any, ...]] = []
    conversation, events = Conversation.start(script, RESPONDENT, seed=1)
    for value in [*values, None]:
        for event in events:
            if event.kind == "asked":
                seen.append(("asked", event.key, event.data["text"]))
            elif event.kind == "probed":
                seen.append(("probed", event.key, event.data["level"], event.data["text"]))
        if value is None:
            break
        events = conversation.answer(value)
    if not conversation.finished:
        raise RuntimeError("the engine did not finish")
    questions = [BaselineQuestion(s) for s in specs]
    answers, probes, base_events = run_baseline(questions, values, dict(ATTRIBUTES))
    expected = [e for e in base_events if e[0] in ("asked", "probed")]
    if seen != expected:
        for i, (got, want) in enumerate(zip(seen, expected, strict=False)):
            if got != want:
                raise AssertionError(f"prompt {i} differs:\n engine:   {got}\n baseline: {want}")
        raise AssertionError(f"{len(seen)} engine prompts, {len(expected)} baseline prompts")
    if conversation.state.answers != answers or conversation.state.probes != probes:
        raise AssertionError("the engine and the baseline stored different answers")


# --------------------------------------------------------------------------- timing


@dataclass(kw_only=True)
class Measure(Samples):
    questions: int
    answers_per_run: int
    fn: Callable[[], Any]
    runs: int = 1


def measure(measures: Sequence[Measure], seconds: float, repeats: int, keep_gc: bool) -> None:
    """Warm up, size each batch to take seconds/repeats, then time the batches interleaved
    (one batch of each measure per repeat) so drift in the machine's speed hits all alike."""
    for m in measures:
        m.fn()  # warm-up
        once = time_batch(m.fn, 1, keep_gc)
        m.runs = max(1, round(seconds / repeats / max(once, 1e-9)))
    for _ in range(repeats):
        for m in measures:
            elapsed = time_batch(m.fn, m.runs, keep_gc)
            m.samples.append(elapsed / (m.runs * m.answers_per_run))


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--seconds", type=float, default=None,
                        help="time spent measuring each case (default 8, or 1 with --quick)")
    parser.add_argument("--gc", action="store_true",
                        help="keep the cyclic garbage collector running while timing")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (1.0 if args.quick else 8.0)
    repeats = 5 if args.quick else 10

    sizes = (100, 200, 1000)
    cases: dict[int, tuple[Measure, Measure]] = {}
    compile_s: dict[int, float] = {}
    summaries: list[str] = []
    for n in sizes:
        script, specs, compile_s[n] = build(n)
        values = plan(specs)
        verify(script, specs, values)
        summaries.append(describe(specs, values))
        questions = [BaselineQuestion(s) for s in specs]
        attributes = dict(ATTRIBUTES)
        engine = Measure(label="engine", questions=n, answers_per_run=len(values),
                         fn=lambda script=script, values=values: run_engine(script, values))
        baseline = Measure(label="baseline", questions=n, answers_per_run=len(values),
                           fn=lambda q=questions, v=values, a=attributes: run_baseline(q, v, a))
        cases[n] = (engine, baseline)
    measure([m for pair in cases.values() for m in pair], seconds, repeats, args.gc)

    print(f"dialogkit engine benchmark — Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {'quick' if args.quick else 'full'} run, "
          f"best of {repeats} repeats, gc {'on' if args.gc else 'paused'} while timing")
    for summary in summaries:
        print(f"  {summary}")
    print()
    header = (f"{'questions':>9}  {'answers/run':>11}  {'compile ms':>10}  {'engine ans/s':>12}  "
              f"{'µs/answer':>9}  {'(median)':>8}  {'baseline ans/s':>14}  {'µs/answer':>9}  "
              f"{'ratio':>6}")
    print(header)
    print("-" * len(header))
    for n, (engine, baseline) in cases.items():
        print(f"{n:>9}  {engine.answers_per_run:>11}  {compile_s[n] * 1e3:>10.1f}  "
              f"{1 / engine.best:>12,.0f}  {engine.best * 1e6:>9.2f}  "
              f"{engine.median * 1e6:>8.2f}  {1 / baseline.best:>14,.0f}  "
              f"{baseline.best * 1e6:>9.2f}  {baseline.best / engine.best:>6.3f}")
    engine200, baseline200 = cases[200]
    ratio = baseline200.best / engine200.best
    us100, us200, us1000 = (cases[n][0].best * 1e6 for n in (100, 200, 1000))
    print()
    targets = (
        (f"engine within 10x of the hand-written loop (ratio {ratio:.3f} >= 0.1)", ratio >= 0.1),
        (f"flat cost: 1000-question figure <= 2x the 100-question one "
         f"({us1000:.2f} vs {us100:.2f} µs)", us1000 <= 2 * us100),
        (f"under 50 µs per answer at every size (max {max(us100, us200, us1000):.2f} µs)",
         max(us100, us200, us1000) < 50),
    )
    for text, met in targets:
        print(f"  [{'met' if met else 'MISSED'}] {text}")
    print(json.dumps({
        "bench": "engine",
        "ratio": round(ratio, 4),
        "answers_per_s": round(1 / engine200.best, 1),
        "baseline_answers_per_s": round(1 / baseline200.best, 1),
        "per_answer_us_100": round(us100, 3),
        "per_answer_us_1000": round(us1000, 3),
        "per_answer_us_200": round(us200, 3),
        "quick": args.quick,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
