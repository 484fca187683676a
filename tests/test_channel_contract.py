"""The channel contract suite catches broken adapters, and `registration_test` broken plugins.

Each case writes a test module subclassing `ChannelContract` for a deliberately broken adapter,
runs it with pytester and checks which contract tests fail (or are skipped), and why.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from dialogkit import hookimpl
from dialogkit.plugin_types import Channel
from dialogkit.testing.channel_contract import registration_test
from dialogkit.testing.scripts import CONTRACT_SCRIPT, HOSTILE_TEXT, script_from_dict
from dialogkit_console.adapter import ConsoleChannel

pytest_plugins = ["pytester"]

HEADER = '''
import html

import pytest

from dialogkit.answers import AnswerError
from dialogkit.channels import Reply
from dialogkit.testing.channel_contract import ChannelContract
from dialogkit_console.adapter import ConsoleChannel


def console_reply(prompt, answer):
    return ConsoleChannel().format_reply(prompt, answer.value, answer.other)


class ConsoleContract(ChannelContract):
    back_reply = "/back"
    decline_reply = "/pass"
    stop_reply = "/stop"
    plain_text = True
    adapter = ConsoleChannel

    @pytest.fixture
    def channel(self):
        return self.adapter()

    def reply_for(self, prompt, answer):
        return console_reply(prompt, answer)
'''

HTML_CONTRACT = '''
class Html(ConsoleChannel):
    name = "html"

    def render(self, prompt):
        e = lambda text: {escape}
        items = "".join(f"<li>{{e(o.label)}}</li>" for o in prompt.options)
        scale = f"<p>{{e(prompt.low_label)}} to {{e(prompt.high_label)}}</p>"
        return (f"<h2>{{e(prompt.section_title)}}</h2><p>{{e(prompt.text)}}</p>"
                f"<p>{{e(prompt.help)}}</p><ul>{{items}}</ul>{{scale}}")


class TestHtml(ConsoleContract):
    plain_text = False
    adapter = Html
'''


class Outcomes:
    """Outcome of every contract test in a pytester run, by test name (with its parameters)."""

    def __init__(self, reports: list[Any]) -> None:
        self.outcome: dict[str, str] = {}
        self.text: dict[str, str] = {}
        for report in reports:
            name = report.nodeid.split("::")[-1]
            if report.when == "call" or report.outcome != "passed":
                self.outcome[name] = report.outcome
                self.text[name] = str(report.longrepr or "")

    def named(self, outcome: str) -> set[str]:
        return {name for name, got in self.outcome.items() if got == outcome}

    @property
    def failed(self) -> set[str]:
        return self.named("failed")


def run_contract(pytester: pytest.Pytester, body: str) -> Outcomes:
    pytester.makepyfile(test_contract=HEADER + textwrap.dedent(body))
    recorder = pytester.inline_run("-p", "no:cacheprovider")
    return Outcomes(recorder.getreports("pytest_runtest_logreport"))


def test_a_conforming_adapter_passes(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, "class TestConsole(ConsoleContract):\n    pass\n")
    assert len(outcomes.outcome) > 50
    assert outcomes.named("passed") == set(outcomes.outcome)


def test_an_adapter_with_markup_that_escapes_passes(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, HTML_CONTRACT.format(escape='html.escape(text or "")'))
    assert outcomes.failed == set()


def test_markup_left_unescaped_fails(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, HTML_CONTRACT.format(escape='text or ""'))
    assert outcomes.failed == {
        f"test_render_escapes_respondent_text[{step}]"
        for step in ("welcome", "found_us", "job", "job/probe1", "job_confirm", "team_size",
                     "started")
    }
    assert "unescaped for a markup medium" in outcomes.text[
        "test_render_escapes_respondent_text[welcome]"]


def test_control_characters_left_in_plain_text_fail(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Raw(ConsoleChannel):
            def render(self, prompt):
                labels = [o.label for o in prompt.options]
                scale = [prompt.low_label or "", prompt.high_label or ""]
                return "\\n".join([prompt.section_title or "", prompt.text, prompt.help or "",
                                   *labels, *scale])

        class TestRaw(ConsoleContract):
            adapter = Raw
    ''')
    escapes = {name for name in outcomes.failed if "escapes" in name}
    assert escapes and escapes == outcomes.failed
    assert "control characters must be removed" in outcomes.text[sorted(escapes)[0]]


def test_plain_text_can_be_declared_by_the_adapter(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Html(ConsoleChannel):
            plain_text = False

        class TestHtml(ConsoleContract):
            plain_text = None
            adapter = Html
    ''')
    # The console shows "<script>" as it is: fine in a terminal, not where markup is read.
    assert outcomes.failed and all("escapes" in name for name in outcomes.failed)


def test_empty_rendering_fails(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Empty(ConsoleChannel):
            def render(self, prompt):
                return ""

        class TestEmpty(ConsoleContract):
            adapter = Empty
    ''')
    failed = outcomes.failed
    assert "test_render_shows_text[welcome]" in failed
    assert "test_render_shows_options[features]" in failed
    assert "test_render_shows_scale_labels[usage]" in failed
    assert "render returned blank text" in outcomes.text["test_render_shows_text[renew]"]


def test_missing_option_labels_fail(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class NoOptions(ConsoleChannel):
            def render(self, prompt):
                return super().render(prompt).replace("Exports", "")

        class TestNoOptions(ConsoleContract):
            adapter = NoOptions
    ''')
    assert outcomes.failed == {"test_render_shows_options[features]"}
    assert "option label 'Exports'" in outcomes.text["test_render_shows_options[features]"]


def test_parse_raising_another_exception_fails(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Strict(ConsoleChannel):
            def parse(self, prompt, reply):
                if prompt.type in ("number", "rating", "nps") and not reply.startswith("/"):
                    return Reply(value={str(n): n for n in range(10001)}[reply.strip()])
                return super().parse(prompt, reply)

        class TestStrict(ConsoleContract):
            adapter = Strict
    ''')
    expected = {f"test_garbage_is_rejected[{s}]" for s in ("usage", "recommend", "team_size")}
    assert outcomes.failed == expected
    for name in expected:
        assert "parse raised KeyError" in outcomes.text[name]
        assert "may only raise dialogkit.answers.AnswerError" in outcomes.text[name]


def test_garbage_taken_as_an_answer_fails(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Lenient(ConsoleChannel):
            def parse(self, prompt, reply):
                if prompt.type == "nps" and not reply.strip().isdigit() and reply[:1] != "/":
                    return Reply(value=5)
                return super().parse(prompt, reply)

        class TestLenient(ConsoleContract):
            adapter = Lenient
    ''')
    assert outcomes.failed == {"test_garbage_is_rejected[recommend]"}
    assert "was accepted as" in outcomes.text["test_garbage_is_rejected[recommend]"]


def test_garbage_read_as_a_command_fails(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Declining(ConsoleChannel):
            def parse(self, prompt, reply):
                if prompt.type == "date" and reply.strip() == "?!":
                    return Reply(action="decline")
                return super().parse(prompt, reply)

        class TestDeclining(ConsoleContract):
            adapter = Declining
    ''')
    assert outcomes.failed == {"test_garbage_is_rejected[started]"}


def test_answers_parsed_wrongly_fail(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Forgetful(ConsoleChannel):
            def parse(self, prompt, reply):
                parsed = super().parse(prompt, reply)
                if parsed.action == "answer" and isinstance(parsed.value, list):
                    return Reply(value=parsed.value[:1], other=parsed.other)
                return parsed

        class TestForgetful(ConsoleContract):
            adapter = Forgetful
    ''')
    assert outcomes.failed == {"test_reply_is_accepted[features]", "test_whole_conversation"}
    assert "was recorded as ['reports'], expected ['reports', 'exports']" in outcomes.text[
        "test_reply_is_accepted[features]"]
    assert "answers recorded wrongly" in outcomes.text["test_whole_conversation"]


def test_lost_other_text_fails(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class NoOther(ConsoleChannel):
            def parse(self, prompt, reply):
                parsed = super().parse(prompt, reply)
                return Reply(value=parsed.value) if parsed.other else parsed

        class TestNoOther(ConsoleContract):
            adapter = NoOther
    ''')
    assert outcomes.failed == {"test_reply_is_accepted[found_us]", "test_whole_conversation"}
    assert "engine rejected" in outcomes.text["test_whole_conversation"]


def test_a_nameless_adapter_fails(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class Nameless:
            def __init__(self):
                self.console = ConsoleChannel()
                self.render, self.parse = self.console.render, self.console.parse

        class TestNameless(ConsoleContract):
            adapter = Nameless
    ''')
    assert outcomes.failed == {"test_satisfies_protocol"}
    assert "does not satisfy" in outcomes.text["test_satisfies_protocol"]


def test_navigation_replies_must_parse_to_their_action(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class NoBack(ConsoleChannel):
            def parse(self, prompt, reply):
                if reply == "/back":
                    return Reply(value=reply)
                return super().parse(prompt, reply)

        class TestNoBack(ConsoleContract):
            adapter = NoBack
    ''')
    assert outcomes.failed and all(name.startswith("test_back[") for name in outcomes.failed)
    assert "expected action 'back'" in outcomes.text["test_back[renew]"]


def test_navigation_tests_are_skipped_without_replies(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class TestQuiet(ConsoleContract):
            back_reply = decline_reply = stop_reply = None
    ''')
    skipped = outcomes.named("skipped")
    assert {name.split("[")[0] for name in skipped} == {"test_back", "test_decline", "test_stop"}
    assert "back_reply is None" in outcomes.text["test_back[renew]"]
    assert outcomes.failed == set()


def test_a_missing_channel_fixture_says_what_to_do(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, "class TestNothing(ChannelContract):\n    pass\n")
    assert outcomes.named("passed") == set()
    assert "TestNothing must override the `channel` fixture" in outcomes.text[
        "test_satisfies_protocol"]


def test_a_missing_reply_for_says_what_to_do(pytester: pytest.Pytester) -> None:
    outcomes = run_contract(pytester, '''
        class TestNoReplies(ChannelContract):
            @pytest.fixture
            def channel(self):
                return ConsoleChannel()
    ''')
    assert "must override reply_for(prompt, answer)" in outcomes.text["test_whole_conversation"]
    assert "test_render_shows_text[welcome]" in outcomes.named("passed")


# -- registration_test ---------------------------------------------------------------------


def channels_plugin(*records: Channel) -> object:
    class Plugin:
        @hookimpl
        def dialogkit_channels(self) -> Iterator[Channel]:
            yield from records

    return Plugin()


class Mute:
    name = "mute"

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config


def test_registration_of_a_conforming_channel() -> None:
    plugin = channels_plugin(Channel(name="console", summary="x", factory=ConsoleChannel))
    assert isinstance(registration_test(plugin, "console"), ConsoleChannel)


def test_registration_of_an_unknown_name_fails() -> None:
    plugin = channels_plugin(Channel(name="console", summary="x", factory=ConsoleChannel))
    with pytest.raises(AssertionError, match=r"no channel named 'sms' .*registered: console"):
        registration_test(plugin, "sms")


def test_registration_of_a_broken_plugin_reports_its_problem() -> None:
    class Broken:
        @hookimpl
        def dialogkit_channels(self) -> Iterator[Channel]:
            raise RuntimeError("no modem")

    with pytest.warns(UserWarning), pytest.raises(AssertionError, match="no modem"):
        registration_test(Broken(), "sms")


def test_registration_of_a_non_adapter_fails() -> None:
    plugin = channels_plugin(Channel(name="mute", summary="x", factory=Mute))
    with pytest.raises(AssertionError, match="does not satisfy"):
        registration_test(plugin, "mute")


def test_registration_with_a_mismatched_name_fails() -> None:
    plugin = channels_plugin(Channel(name="terminal", summary="x", factory=ConsoleChannel))
    with pytest.raises(AssertionError, match="is named 'console'"):
        registration_test(plugin, "terminal")


def test_registration_checks_config_against_the_schema() -> None:
    schema = {"type": "object", "properties": {"width": {"type": "integer"}},
              "additionalProperties": False}
    plugin = channels_plugin(
        Channel(name="console", summary="x", factory=ConsoleChannel, config_schema=schema)
    )
    assert registration_test(plugin, "console", config={"width": 80}).config == {"width": 80}
    with pytest.raises(AssertionError, match="invalid"):
        registration_test(plugin, "console", config={"width": "wide"})


def test_registration_fails_when_rendering_is_empty() -> None:
    class Blank(ConsoleChannel):
        def render(self, prompt: Any) -> str:
            return " "

    plugin = channels_plugin(Channel(name="console", summary="x", factory=Blank))
    with pytest.raises(AssertionError, match="rendered prompt 'welcome'"):
        registration_test(plugin, "console")


# -- the contract script -------------------------------------------------------------------


def test_contract_script_uses_every_built_in_type() -> None:
    script = script_from_dict(CONTRACT_SCRIPT)
    types = {node.type for node in script.nodes()}
    assert types == {
        "statement", "text", "single_choice", "multiple_choice", "rating", "nps", "yes_no",
        "number", "date", "confirm", "referral", "section",
    }
    assert len(script.version) == 64
    assert script_from_dict(CONTRACT_SCRIPT).version == script.version
    assert "\x1b" in HOSTILE_TEXT and "<script>" in HOSTILE_TEXT
