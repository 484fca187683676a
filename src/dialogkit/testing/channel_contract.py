"""A contract test suite that proves a channel adapter works with dialogkit.

A channel (see :mod:`dialogkit.channels`) only translates: ``render(prompt)`` turns a `Prompt`
into text for its medium, ``parse(prompt, reply)`` turns what the person sent back into a
`Reply`. This module checks both halves against :data:`dialogkit.testing.scripts.CONTRACT_SCRIPT`,
a script with every built-in question type, whose respondent's name is hostile text (markup,
quotes and a terminal escape sequence).

Usage: subclass :class:`ChannelContract` in a test module (named ``Test...`` so pytest collects
it), override the ``channel`` fixture and :meth:`~ChannelContract.reply_for`, and say which
replies mean "back", "decline" and "stop" on your channel::

    import pytest
    from dialogkit.testing.channel_contract import Answer, ChannelContract, registration_test

    from dialogkit_sms.adapter import SmsChannel


    class TestSmsChannel(ChannelContract):
        back_reply = "BACK"
        decline_reply = "SKIP"
        stop_reply = "STOP"

        @pytest.fixture
        def channel(self):
            return SmsChannel({})

        def reply_for(self, prompt, answer: Answer) -> str:
            ...  # the text a person would send to give `answer.value`


    def test_registered():
        registration_test(None, "sms")  # None: load the installed entry points

What the suite checks (one test each, most of them once per prompt of the script):

- the adapter satisfies the `ChannelAdapter` protocol and has a non-empty ``name``;
- ``render`` returns non-empty text showing the question text and help, every option label of
  choice questions and the end labels of scales (see :meth:`~ChannelContract.visible_text`);
- text that came from the respondent (an attribute substituted into a text, an answer echoed
  back by a confirmation or a probe) is escaped for the medium
  (see :meth:`~ChannelContract.escape_check`);
- ``parse(prompt, reply_for(prompt, answer))`` gives a `Reply` the engine accepts and records
  as ``answer``, and a whole conversation driven only through ``render``, ``parse`` and
  :func:`~dialogkit.channels.apply_reply` completes with every expected answer recorded;
- nonsense replies to number, scale, date, yes/no and choice questions raise
  :class:`~dialogkit.answers.AnswerError` with a message, or give a `Reply` the engine rejects
  with one; any other exception fails;
- ``back_reply``, ``decline_reply`` and ``stop_reply`` parse to those actions wherever they are
  possible (each test is skipped, saying why, while its attribute is None).

:func:`registration_test` checks that a plugin registers the channel by name and that the
registered factory builds a conforming adapter.

This module imports pytest; import it from tests only.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import jsonschema
import pytest

from dialogkit.answers import AnswerError
from dialogkit.channels import ChannelAdapter, Reply, apply_reply
from dialogkit.engine import Conversation, Prompt, Respondent
from dialogkit.plugin_types import Channel
from dialogkit.plugins import load_plugins
from dialogkit.script import Script
from dialogkit.testing.scripts import (
    CONTRACT_RESPONDENT,
    CONTRACT_SCRIPT,
    HOSTILE_TEXT,
    script_from_dict,
)

__all__ = [
    "CONTRACT_ANSWERS",
    "Answer",
    "ChannelContract",
    "contract_conversation",
    "contract_prompts",
    "contract_script",
    "registration_test",
    "step_id",
]

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters (terminal escapes and the like); tab, line feed and CR are allowed."""
_ESCAPE_SEQUENCES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


@attrs.frozen
class Answer:
    """What the engine should record for one prompt: ``value`` and, for "other", its text.

    Values by prompt type: ``statement``: None (any reply that continues);
    ``text`` and probes: str; ``single_choice``: an option value (``"other"`` comes with
    ``other``); ``multiple_choice``: a list of option values; ``rating``, ``nps``: int;
    ``yes_no``, ``confirm``: bool; ``number``: int or float; ``date``: an ISO date string
    (``YYYY-MM-DD``); ``referral``: a dict of some of the prompt's ``fields``.
    """

    value: Any
    other: str | None = None


CONTRACT_ANSWERS: Mapping[str, Answer] = {
    "welcome": Answer(None),
    "found_us": Answer("other", "A podcast"),
    "features": Answer(["reports", "exports"]),
    "usage": Answer(4),
    "recommend": Answer(9),
    "job": Answer("Product manager"),
    "job/probe1": Answer("Planning the roadmap"),
    "job_confirm": Answer(True),
    "team_size": Answer(12),
    "started": Answer("2021-06-15"),
    "renew": Answer(True),
    "refer": Answer({"name": "Ada Lovelace", "email": "ada@example.com"}),
    "comments": Answer("Keep the reports simple."),
    "goodbye": Answer(None),
}
"""The answer the suite gives at each step of the contract script, by :func:`step_id`."""

# Rendering is checked on a run where the respondent's own answer is hostile too, so that the
# confirmation and the probe echo it back.
_RENDER_ANSWERS: Mapping[str, Answer] = {**CONTRACT_ANSWERS, "job": Answer(HOSTILE_TEXT)}

_GARBAGE_TYPES = frozenset(
    {"single_choice", "multiple_choice", "rating", "nps", "number", "date", "yes_no", "confirm"}
)


def step_id(prompt: Prompt) -> str:
    """The prompt's key, with ``/probeN`` appended for the N-th probe of a question."""
    return f"{prompt.key}/probe{prompt.probe_level}" if prompt.kind == "probe" else prompt.key


@functools.cache
def contract_script() -> Script:
    """:data:`~dialogkit.testing.scripts.CONTRACT_SCRIPT`, compiled (once)."""
    return script_from_dict(CONTRACT_SCRIPT)


def _give(conversation: Conversation, answer: Answer) -> None:
    conversation.answer(answer.value, other=answer.other)


def contract_conversation(
    until: str | None = None,
    *,
    channel: str = "contract",
    answers: Mapping[str, Answer] = CONTRACT_ANSWERS,
) -> Conversation:
    """A conversation on the contract script, answered with ``answers`` up to step ``until``.

    The respondent's ``name`` is :data:`~dialogkit.testing.scripts.HOSTILE_TEXT`. Without
    ``until`` the conversation is returned at its first prompt.
    """
    conversation, _ = Conversation.start(
        contract_script(), Respondent(id="contract", attributes=dict(CONTRACT_RESPONDENT)),
        channel=channel,
    )
    while until is not None and (prompt := conversation.prompt) is not None:
        if step_id(prompt) == until:
            return conversation
        _give(conversation, answers[step_id(prompt)])
    if until is not None:
        raise LookupError(f"the contract script has no step {until!r}")
    return conversation


def contract_prompts(answers: Mapping[str, Answer] = _RENDER_ANSWERS) -> dict[str, Prompt]:
    """Every prompt of one run through the contract script, by :func:`step_id`.

    By default the respondent's job title is hostile text too, so that the confirmation and the
    probe that echo it back show what the respondent typed.
    """
    conversation = contract_conversation()
    prompts: dict[str, Prompt] = {}
    while (prompt := conversation.prompt) is not None:
        prompts[step_id(prompt)] = prompt
        _give(conversation, answers[step_id(prompt)])
    return prompts


def _shows_hostile(prompt: Prompt) -> bool:
    texts = [prompt.text, prompt.help, prompt.section_title, prompt.low_label, prompt.high_label]
    texts += [option.label for option in prompt.options]
    return any(text and HOSTILE_TEXT in text for text in texts)


_PROMPTS = contract_prompts()
_ALL = list(_PROMPTS)
_CHOICES = [s for s, p in _PROMPTS.items() if p.options]
_SCALES = [s for s, p in _PROMPTS.items() if p.low_label or p.high_label]
_HOSTILE = [s for s, p in _PROMPTS.items() if _shows_hostile(p)]
_GARBAGE = [s for s, p in _PROMPTS.items() if p.kind != "probe" and p.type in _GARBAGE_TYPES]
_BACK = [s for s, p in _PROMPTS.items() if p.can_go_back]
_DECLINE = [s for s, p in _PROMPTS.items() if p.can_decline]


def _normalized(text: str) -> str:
    return " ".join(CONTROL_CHARACTERS.sub("", text).split())


def _expected_forms(text: str) -> set[str]:
    """``text`` as a channel may show it: control characters, or whole escape sequences, gone."""
    return {_normalized(text), _normalized(_ESCAPE_SEQUENCES.sub("", text))}


def _same(recorded: Any, expected: Any) -> bool:
    if isinstance(recorded, list) and isinstance(expected, list):
        return sorted(recorded) == sorted(expected)
    return bool(recorded == expected)


def _describe(prompt: Prompt) -> str:
    return f"prompt {step_id(prompt)!r} ({prompt.kind}, type {prompt.type})"


class ChannelContract:
    """Subclass as ``Test<YourChannel>``; see the module docstring.

    Override the ``channel`` fixture and :meth:`reply_for`; set :attr:`back_reply`,
    :attr:`decline_reply` and :attr:`stop_reply`; override :meth:`visible_text`,
    :meth:`escape_check`, :attr:`plain_text` or :attr:`garbage_replies` where your medium
    needs it.
    """

    back_reply: str | None = None
    """A reply meaning "go back to the previous question"; None skips that test."""
    decline_reply: str | None = None
    """A reply declining a question that may be declined; None skips that test."""
    stop_reply: str | None = None
    """A reply meaning "stop for now"; None skips that test."""
    plain_text: bool | None = None
    """True: the medium has no markup. None: use the adapter's ``plain_text`` attribute."""
    garbage_replies: tuple[str, ...] = ("banana", "99999999", "?!", "")
    """Replies that answer no number, scale, date, yes/no or choice question."""

    # -- to override -----------------------------------------------------------------------

    @pytest.fixture
    def channel(self) -> ChannelAdapter:
        """The adapter under test. Override this fixture."""
        pytest.fail(
            f"{type(self).__name__} must override the `channel` fixture to return the channel "
            "adapter under test",
            pytrace=False,
        )

    def reply_for(self, prompt: Prompt, answer: Answer) -> str:
        """The reply a person sends on your channel to give ``answer`` to ``prompt``. Override.

        ``answer.value`` is in the engine's terms (see :class:`Answer`); e.g. for a choice
        question, find the option with that value in ``prompt.options`` and reply with what your
        channel lets people send for it.
        """
        pytest.fail(
            f"{type(self).__name__} must override reply_for(prompt, answer) to return a reply in "
            f"the channel's own format (here for {_describe(prompt)}, answer {answer.value!r})",
            pytrace=False,
        )

    def visible_text(self, rendered: str) -> str:
        """What a person perceives of ``rendered``, as plain text.

        The default decodes HTML entities and drops control characters; whitespace does not
        matter (it is collapsed before comparing). Override it for other formats (e.g. to
        drop markup or segment markers).
        """
        return html.unescape(CONTROL_CHARACTERS.sub("", rendered))

    def escape_check(self, rendered: str, raw: str, *, plain_text: bool) -> bool:
        """True when ``rendered`` shows the respondent-supplied ``raw`` text safely.

        The default: for a plain-text medium, ``rendered`` has no control characters (tab,
        line feed and carriage return aside); for a medium with markup, neither ``raw`` nor
        any ``<tag>`` in it appears verbatim.
        """
        if plain_text:
            return CONTROL_CHARACTERS.search(rendered) is None
        fragments = [
            raw,
            CONTROL_CHARACTERS.sub("", raw),
            CONTROL_CHARACTERS.sub("", _ESCAPE_SEQUENCES.sub("", raw)),
            *re.findall(r"<[^<>]*>", raw),
        ]
        return not any(fragment in rendered for fragment in fragments)

    # -- helpers ---------------------------------------------------------------------------

    def _is_plain_text(self, channel: ChannelAdapter) -> bool:
        if self.plain_text is not None:
            return self.plain_text
        return bool(getattr(channel, "plain_text", False))

    def _render(self, channel: ChannelAdapter, prompt: Prompt) -> str:
        try:
            rendered = channel.render(prompt)
        except Exception as exc:
            raise AssertionError(
                f"render raised {type(exc).__name__}: {exc} for {_describe(prompt)}"
            ) from exc
        assert isinstance(rendered, str), (
            f"render must return str, got {type(rendered).__name__} for {_describe(prompt)}"
        )
        return rendered

    def _assert_shows(self, rendered: str, text: str, what: str, prompt: Prompt) -> None:
        visible = _normalized(self.visible_text(rendered))
        assert any(form in visible for form in _expected_forms(text)), (
            f"the rendering of {_describe(prompt)} does not show its {what} {text!r}; "
            f"visible text: {visible!r} (override visible_text if your format needs decoding)"
        )

    def _parse(self, channel: ChannelAdapter, prompt: Prompt, reply: str) -> Reply:
        try:
            parsed = channel.parse(prompt, reply)
        except AnswerError:
            raise
        except Exception as exc:
            raise AssertionError(
                f"parse raised {type(exc).__name__}: {exc} for reply {reply!r} to "
                f"{_describe(prompt)}; it may only raise dialogkit.answers.AnswerError"
            ) from exc
        assert isinstance(parsed, Reply), (
            f"parse must return a dialogkit.channels.Reply, got {parsed!r} for reply {reply!r} "
            f"to {_describe(prompt)}"
        )
        return parsed

    def _conversation(self, channel: ChannelAdapter, step: str) -> Conversation:
        return contract_conversation(step, channel=getattr(channel, "name", "contract"))

    # -- the adapter -----------------------------------------------------------------------

    def test_satisfies_protocol(self, channel: ChannelAdapter) -> None:
        assert isinstance(channel, ChannelAdapter), (
            f"{channel!r} does not satisfy dialogkit.channels.ChannelAdapter: it needs a `name` "
            "attribute and `render(prompt)` and `parse(prompt, reply)` methods"
        )
        assert isinstance(channel.name, str) and channel.name.strip(), (
            f"the adapter's `name` must be a non-empty str, got {channel.name!r}"
        )

    # -- rendering -------------------------------------------------------------------------

    @pytest.mark.parametrize("step", _ALL)
    def test_render_shows_text(self, channel: ChannelAdapter, step: str) -> None:
        prompt = _PROMPTS[step]
        rendered = self._render(channel, prompt)
        assert rendered.strip(), f"render returned blank text for {_describe(prompt)}"
        self._assert_shows(rendered, prompt.text, "text", prompt)
        if prompt.help:
            self._assert_shows(rendered, prompt.help, "help", prompt)

    @pytest.mark.parametrize("step", _CHOICES)
    def test_render_shows_options(self, channel: ChannelAdapter, step: str) -> None:
        prompt = _PROMPTS[step]
        rendered = self._render(channel, prompt)
        for option in prompt.options:
            self._assert_shows(rendered, option.label, "option label", prompt)

    @pytest.mark.parametrize("step", _SCALES)
    def test_render_shows_scale_labels(self, channel: ChannelAdapter, step: str) -> None:
        prompt = _PROMPTS[step]
        rendered = self._render(channel, prompt)
        for label in (prompt.low_label, prompt.high_label):
            if label:
                self._assert_shows(rendered, label, "scale label", prompt)

    @pytest.mark.parametrize("step", _HOSTILE)
    def test_render_escapes_respondent_text(self, channel: ChannelAdapter, step: str) -> None:
        prompt = _PROMPTS[step]
        rendered = self._render(channel, prompt)
        plain = self._is_plain_text(channel)
        medium = "plain-text (control characters must be removed)" if plain else "markup"
        assert self.escape_check(rendered, HOSTILE_TEXT, plain_text=plain), (
            f"the rendering of {_describe(prompt)} shows respondent-supplied text unescaped "
            f"for a {medium} medium: {rendered!r}"
        )

    # -- parsing ---------------------------------------------------------------------------

    @pytest.mark.parametrize("step", _ALL)
    def test_reply_is_accepted(self, channel: ChannelAdapter, step: str) -> None:
        conversation = self._conversation(channel, step)
        prompt = conversation.prompt
        assert prompt is not None
        answer = CONTRACT_ANSWERS[step]
        reply_text = self.reply_for(prompt, answer)
        reply = self._parse(channel, prompt, reply_text)
        assert reply.action == "answer", (
            f"parse read reply {reply_text!r} to {_describe(prompt)} as {reply!r}, not an answer"
        )
        try:
            apply_reply(conversation, reply)
        except Exception as exc:
            raise AssertionError(
                f"the engine rejected {reply!r}, parsed from {reply_text!r} for "
                f"{_describe(prompt)}: {type(exc).__name__}: {exc}"
            ) from exc
        state = conversation.state
        if prompt.kind == "probe":
            recorded = state.probes.get(prompt.key, [])[prompt.probe_level - 1 :][:1]
            assert recorded == [answer.value], (
                f"probe answer recorded as {recorded!r}, expected {answer.value!r} "
                f"(reply {reply_text!r})"
            )
        elif prompt.kind != "statement":
            recorded = state.answers.get(prompt.key)
            assert _same(recorded, answer.value), (
                f"{_describe(prompt)}: reply {reply_text!r} parsed to {reply!r} was recorded as "
                f"{recorded!r}, expected {answer.value!r}"
            )
            assert state.other.get(prompt.key) == answer.other, (
                f"{_describe(prompt)}: 'other' text recorded as {state.other.get(prompt.key)!r}, "
                f"expected {answer.other!r} (reply {reply_text!r})"
            )

    def test_whole_conversation(self, channel: ChannelAdapter) -> None:
        conversation = contract_conversation(channel=getattr(channel, "name", "contract"))
        seen: list[str] = []
        while (prompt := conversation.prompt) is not None:
            step = step_id(prompt)
            assert len(seen) <= 2 * len(CONTRACT_ANSWERS), f"no end in sight after {seen}"
            seen.append(step)
            self._render(channel, prompt)
            reply_text = self.reply_for(prompt, CONTRACT_ANSWERS[step])
            reply = self._parse(channel, prompt, reply_text)
            try:
                apply_reply(conversation, reply)
            except Exception as exc:
                raise AssertionError(
                    f"after {seen[:-1]}, the engine rejected {reply!r} parsed from "
                    f"{reply_text!r} for {_describe(prompt)}: {type(exc).__name__}: {exc}"
                ) from exc
        state = conversation.state
        assert state.status == "completed", f"the conversation ended as {state.status!r}"
        assert seen == _ALL, f"the prompts went {seen}, expected {_ALL}"
        expected = {
            step: answer.value
            for step, answer in CONTRACT_ANSWERS.items()
            if "/" not in step and _PROMPTS[step].kind != "statement"
        }
        wrong = {
            key: (state.answers.get(key), value)
            for key, value in expected.items()
            if not _same(state.answers.get(key), value)
        }
        assert not wrong, f"answers recorded wrongly (recorded, expected): {wrong}"
        others = {k: a.other for k, a in CONTRACT_ANSWERS.items() if a.other is not None}
        assert state.other == others, f"'other' texts recorded as {state.other}"
        assert state.probes == {"job": [CONTRACT_ANSWERS["job/probe1"].value]}, (
            f"probe answers recorded as {state.probes}"
        )
        assert [r["name"] for r in state.referrals] == [CONTRACT_ANSWERS["refer"].value["name"]]

    @pytest.mark.parametrize("step", _GARBAGE)
    def test_garbage_is_rejected(self, channel: ChannelAdapter, step: str) -> None:
        for garbage in self.garbage_replies:
            conversation = self._conversation(channel, step)
            prompt = conversation.prompt
            assert prompt is not None
            try:
                reply = self._parse(channel, prompt, garbage)
            except AnswerError as error:
                assert str(error).strip(), (
                    f"AnswerError for reply {garbage!r} to {_describe(prompt)} has no message "
                    "for the respondent"
                )
                continue
            assert reply.action == "answer", (
                f"parse read the nonsense reply {garbage!r} to {_describe(prompt)} as {reply!r}"
            )
            try:
                apply_reply(conversation, reply)
            except AnswerError as error:
                assert str(error).strip(), f"empty AnswerError for reply {garbage!r}"
                continue
            except Exception as exc:
                raise AssertionError(
                    f"the nonsense reply {garbage!r} to {_describe(prompt)} parsed to {reply!r}, "
                    f"which the engine refused with {type(exc).__name__}: {exc}; parse should "
                    "raise AnswerError with a message instead"
                ) from exc
            raise AssertionError(
                f"the nonsense reply {garbage!r} to {_describe(prompt)} was accepted as "
                f"{reply!r}"
            )

    # -- navigation ------------------------------------------------------------------------

    def _navigate(
        self,
        channel: ChannelAdapter,
        step: str,
        attribute: str,
        action: str,
        check: Callable[[Conversation, Prompt], str | None],
    ) -> None:
        text = getattr(self, attribute)
        if text is None:
            pytest.skip(f"{type(self).__name__}.{attribute} is None: set it to the reply that "
                        f"means {action!r} on this channel")
        conversation = self._conversation(channel, step)
        prompt = conversation.prompt
        assert prompt is not None
        reply = self._parse(channel, prompt, text)
        assert reply.action == action, (
            f"{attribute} {text!r} to {_describe(prompt)} parsed to {reply!r}, expected action "
            f"{action!r}"
        )
        try:
            apply_reply(conversation, reply)
        except Exception as exc:
            raise AssertionError(
                f"the engine refused {reply!r}, parsed from {attribute} {text!r} for "
                f"{_describe(prompt)}: {type(exc).__name__}: {exc}"
            ) from exc
        problem = check(conversation, prompt)
        assert problem is None, problem

    @pytest.mark.parametrize("step", _BACK)
    def test_back(self, channel: ChannelAdapter, step: str) -> None:
        previous = _ALL[_ALL.index(step) - 1]

        def went_back(conversation: Conversation, _prompt: Prompt) -> str | None:
            now = conversation.prompt
            if now is not None and step_id(now) == previous:
                return None
            return f"going back from {step!r} arrived at {now and step_id(now)!r}"

        self._navigate(channel, step, "back_reply", "back", went_back)

    @pytest.mark.parametrize("step", _DECLINE)
    def test_decline(self, channel: ChannelAdapter, step: str) -> None:
        def declined(conversation: Conversation, prompt: Prompt) -> str | None:
            now = conversation.prompt
            if now is not None and step_id(now) == step:
                return f"declining {step!r} did not move on"
            if prompt.kind != "probe" and prompt.key not in conversation.state.declined:
                return f"declining {step!r} was not recorded"
            return None

        self._navigate(channel, step, "decline_reply", "decline", declined)

    @pytest.mark.parametrize("step", _ALL)
    def test_stop(self, channel: ChannelAdapter, step: str) -> None:
        def stayed(conversation: Conversation, prompt: Prompt) -> str | None:
            return None if conversation.prompt == prompt else "stopping changed the conversation"

        self._navigate(channel, step, "stop_reply", "stop", stayed)


def registration_test(
    plugin: object | None, name: str, *, config: Mapping[str, Any] | None = None
) -> ChannelAdapter:
    """Check that ``plugin`` registers a channel called ``name``; return the adapter it builds.

    ``plugin`` (a module or an object with hook implementations) is loaded on its own with
    :func:`~dialogkit.plugins.load_plugins`; with ``plugin=None`` the installed ``dialogkit``
    entry points are loaded instead, which proves the plugin is declared correctly. The channel's
    factory is called with ``config`` (default ``{}``, checked against the channel's
    ``config_schema`` first), and the adapter it returns must satisfy the protocol, carry the
    registered name and render every prompt of the contract script. Raises AssertionError.
    """
    if plugin is None:
        system = load_plugins()
    else:
        system = load_plugins(entry_points=False, extra=[(name, plugin)])
    channels = system.registry.channels
    if name not in channels:
        problems = "; ".join(str(p) for p in system.problems) or "none"
        raise AssertionError(
            f"no channel named {name!r} is registered (registered: "
            f"{', '.join(sorted(channels)) or 'none'}; plugin problems: {problems})"
        )
    if plugin is not None and system.registry.provider("channel", name) != name:
        raise AssertionError(f"channel {name!r} was not registered by the plugin under test")
    record = channels[name]
    assert isinstance(record, Channel)
    settings = dict(config or {})
    if record.config_schema is not None:
        errors = [e.message for e in jsonschema.Draft202012Validator(
            record.config_schema).iter_errors(settings)]
        if errors:
            raise AssertionError(f"config {settings!r} is invalid for {name!r}: {errors}")
    adapter = record.factory(settings)
    if not isinstance(adapter, ChannelAdapter):
        raise AssertionError(
            f"the factory of channel {name!r} built {adapter!r}, which does not satisfy "
            "dialogkit.channels.ChannelAdapter (name, render, parse)"
        )
    if adapter.name != name:
        raise AssertionError(
            f"the adapter built for channel {name!r} is named {adapter.name!r}"
        )
    for prompt in _PROMPTS.values():
        rendered = adapter.render(prompt)
        if not isinstance(rendered, str) or not rendered.strip():
            raise AssertionError(
                f"the adapter for {name!r} rendered {_describe(prompt)} as {rendered!r}"
            )
    return adapter
