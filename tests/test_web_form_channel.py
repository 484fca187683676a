"""The web channel adapter against the channel contract suite, and its form reading."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup

from dialogkit.answers import AnswerError
from dialogkit.engine import Prompt, PromptOption
from dialogkit.testing.channel_contract import Answer, ChannelContract, registration_test
from dialogkit_web_form import WebFormChannel


def form_body(prompt: Prompt, answer: Answer) -> str:
    """The form a browser would post to give `answer`."""
    value = answer.value
    fields: list[tuple[str, str]] = [("action", "next")]
    if prompt.kind == "statement":
        return urlencode(fields)
    if prompt.kind != "probe" and prompt.type == "referral":
        fields += [(f"referral-{name}", text) for name, text in value.items()]
    elif isinstance(value, bool):
        fields.append(("answer", "yes" if value else "no"))
    elif isinstance(value, list):
        fields += [("answer", item) for item in value]
    else:
        fields.append(("answer", str(value)))
    if answer.other:
        fields.append(("other", answer.other))
    return urlencode(fields)


class TestWebFormContract(ChannelContract):
    back_reply = "action=back"
    decline_reply = "action=decline"
    stop_reply = "action=save"

    @pytest.fixture
    def channel(self) -> WebFormChannel:
        return WebFormChannel({})

    def reply_for(self, prompt: Prompt, answer: Answer) -> str:
        return form_body(prompt, answer)

    def visible_text(self, rendered: str) -> str:
        return BeautifulSoup(rendered, "html.parser").get_text(" ")


def test_registered() -> None:
    registration_test(None, "web")


def choice_prompt(**fields: object) -> Prompt:
    options = (PromptOption(value="a", label="Apples"), PromptOption(value="b", label="Pears"),
               PromptOption(value="other", label="Other", is_other=True))
    return Prompt(kind="question", key="fruit", node_id="fruit", type="multiple_choice",
                  text="Which fruit?", options=options, **fields)


def test_several_picks_and_other_words_are_read() -> None:
    reply = WebFormChannel().parse(choice_prompt(), "answer=a&answer=other&other=+Figs+")
    assert reply.value == ["a", "other"]
    assert reply.other == "Figs"


def test_an_unknown_button_is_an_answer_error() -> None:
    with pytest.raises(AnswerError, match="buttons"):
        WebFormChannel().parse(choice_prompt(), "action=delete")


def test_earlier_picks_are_checked_when_shown_again() -> None:
    html = WebFormChannel().render(choice_prompt(current=["b", "other"], current_other="Figs"))
    soup = BeautifulSoup(html, "html.parser")
    checked = [box["value"] for box in soup.select("input[type=checkbox]")
               if box.has_attr("checked")]
    assert checked == ["b", "other"]
    assert soup.find(id="other")["value"] == "Figs"


def test_numbers_are_shown_again_the_way_the_language_writes_them() -> None:
    prompt = Prompt(kind="question", key="n", node_id="n", type="number", text="How much?",
                    current=1250.5)
    german = BeautifulSoup(WebFormChannel({"language": "de"}).render(prompt), "html.parser")
    english = BeautifulSoup(WebFormChannel().render(prompt), "html.parser")
    assert german.find(id="answer")["value"] == "1250,5"
    assert english.find(id="answer")["value"] == "1250.5"


def test_typed_line_breaks_are_stored_as_line_feeds() -> None:
    prompt = Prompt(kind="question", key="t", node_id="t", type="text", text="Tell us", long=True)
    assert WebFormChannel().parse(prompt, "answer=first%0D%0Asecond%0Dthird").value == (
        "first\nsecond\nthird")
