"""`dialogkit phone-script`: the interviewer's printed script of a dialogkit script.

The flagship's every branch is checked word for word, with where the guide says to go
otherwise; every script in examples/ and tests/ renders in both formats without raw
expression syntax; script texts are escaped in HTML and Markdown; and the command loads,
fails and writes like the other commands.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result
from markupsafe import escape as html_escape

from dialogkit.cli import main
from dialogkit.loader import load_script, load_script_text
from dialogkit.plugin_types import QuestionType
from dialogkit.script import Script
from dialogkit.testing.scripts import CONTRACT_SCRIPT
from dialogkit_phone_script.guide import PdfError, build_guide, render_html, render_markdown
from dialogkit_phone_script.guide import pdf as guide_pdf
from dialogkit_phone_script.guide.markdown import escape as md_escape
from dialogkit_phone_script.guide.parts import Guide, Question, Section, Statement
from dialogkit_phone_script.guide.timing import Timing, about, weight
from dialogkit_phone_script.guide.wording import FillIn, flatten

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "examples" / "customer_diplomacy" / "script.yaml"
SCRIPT_FILES = sorted([
    *ROOT.glob("examples/*/script.yaml"),
    *ROOT.glob("tests/data/scripts/*.yaml"),
    *ROOT.glob("tests/data/scripts/*.json"),
])
BROKEN = ROOT / "tests" / "data" / "scripts" / "broken" / "many_problems.yaml"

RAW = re.compile(
    r"\b(?:answers|calc|respondent)\.\w|==|!=|<=|>=|\b(?:null|true|false)\b|\{[a-z_'\"]"
    r"|\b(?:len|lower|upper|min|max|abs|round|int|float|str)\("
)
"""Expression syntax that must never reach the printed script."""

FLAGSHIP_ROUTING = {
    "refer": ("ASK Q2 ONLY IF Q1 = 'No' or no answer; OTHERWISE GO TO SECTION "
              "'Your first order' (Q3)",),
    "first_purchase": ("ASK THIS SECTION ONLY IF the respondent is in the segment 'first_time' "
                       "(from the sample); OTHERWISE GO TO SECTION 'Why you stay' (Q7)",),
    "compare": (
        "ASK THIS SECTION ONLY IF 'None — we only looked at you' (4) is not chosen at Q4; "
        "OTHERWISE GO TO Q6",
        "REPEAT THIS SECTION FOR EACH option chosen at Q4 (FOR 'OTHER', USE THE RESPONDENT'S "
        "WORDS); [current shop] BELOW IS THE ONE BEING ASKED ABOUT; IF THERE ARE NONE, GO TO Q6",
    ),
    "staying": ("ASK THIS SECTION ONLY IF the respondent is in the segment 'loyal' (from the "
                "sample); OTHERWISE GO TO SECTION 'Why you left' (Q10)",),
    "leaving": ("ASK THIS SECTION ONLY IF the respondent is in the segment 'lost' (from the "
                "sample); OTHERWISE GO TO Q13",),
    "fix_first": ("ASK Q14 ONLY IF Q13 has an answer AND Q13 ≤ 6; OTHERWISE GO TO Q15",),
}
"""Every node of the flagship that may be skipped: its condition and where to go otherwise."""

FLAGSHIP_AFTER = {
    "refer": ("AFTER RECORDING THE REFERRAL: END OF INTERVIEW",),
    "compare": ("END OF REPEAT: GO BACK TO THE START OF THIS SECTION FOR THE NEXT shop; AFTER "
                "THE LAST ONE, GO TO Q6",),
    **{confirm: (f"IF 'No': GO BACK TO {target} TO CORRECT THE ANSWER, THEN CONTINUE FROM "
                 f"{target} AGAIN (ANSWERS ALREADY GIVEN ARE KEPT)",)
       for confirm, target in (("confirm_convinced", "Q3"), ("confirm_keeps_you", "Q7"),
                               ("confirm_one_thing", "Q10"))},
}
FLAGSHIP_PROBE_CONDITION = "PROBE ONLY IF Q13 ≤ 8"
FLAGSHIP_CLOSING = FillIn(
    "IF Q15 = 'Yes': 'Within four weeks we will write to tell you what we are changing because "
    "of it.' OTHERWISE: 'We will not contact you about it.'")


def items(guide: Guide) -> Iterator[Question | Statement | Section]:
    """Every item of the guide, depth first."""
    stack = list(reversed(guide.parts))
    while stack:
        item = stack.pop()
        if item.kind != "run":
            yield item
        stack.extend(reversed(getattr(item, "items", ())))


def by_id(guide: Guide) -> dict[str, Question | Statement | Section]:
    return {item.node_id: item for item in items(guide)}


@pytest.fixture(scope="module")
def flagship() -> Script:
    return load_script(FLAGSHIP)


@pytest.fixture(scope="module")
def flagship_guide(flagship: Script) -> Guide:
    return build_guide(flagship)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["phone-script", *args])


# -- the flagship's branches ------------------------------------------------------------------


def test_every_flagship_branch_is_worded_with_where_to_go_otherwise(
        flagship_guide: Guide) -> None:
    routing = {item.node_id: item.routing for item in items(flagship_guide) if item.routing}
    assert routing == FLAGSHIP_ROUTING


def test_referrals_and_read_back_checks_say_where_they_lead(flagship_guide: Guide) -> None:
    after = {item.node_id: item.after for item in items(flagship_guide)
             if getattr(item, "after", ())}
    assert after == FLAGSHIP_AFTER


def test_the_probe_condition_and_the_closing_are_in_words(flagship_guide: Guide) -> None:
    conditions = {item.node_id: item.probing.condition for item in items(flagship_guide)
                  if isinstance(item, Question) and item.probing is not None}
    assert conditions == {"convinced": None, "keeps_you": None, "one_thing": None,
                          "recommend": FLAGSHIP_PROBE_CONDITION}
    assert flagship_guide.closing is not None and FLAGSHIP_CLOSING in flagship_guide.closing


def flagship_lines() -> list[str]:
    return [*(line for lines in FLAGSHIP_ROUTING.values() for line in lines),
            *(line for lines in FLAGSHIP_AFTER.values() for line in lines),
            FLAGSHIP_PROBE_CONDITION]


def test_both_formats_print_every_flagship_branch(flagship_guide: Guide) -> None:
    markdown, page = render_markdown(flagship_guide), render_html(flagship_guide)
    for line in flagship_lines():
        assert md_escape(line) in markdown
        assert str(html_escape(line)) in page
    assert f"*\\[{md_escape(FLAGSHIP_CLOSING.words)}\\]*" in markdown
    assert f'<span class="fill">[{html_escape(FLAGSHIP_CLOSING.words)}]</span>' in page


def test_the_docs_excerpts_are_the_flagships_real_output(flagship_guide: Guide) -> None:
    doc = (ROOT / "docs" / "phone-script.md").read_text(encoding="utf-8")
    excerpts = re.findall(r"```markdown\n(.*?)```", doc, re.DOTALL)
    assert len(excerpts) == 3
    markdown = render_markdown(flagship_guide)
    for excerpt in excerpts:
        assert excerpt in markdown


def test_questions_are_numbered_in_script_order(flagship: Script,
                                                flagship_guide: Guide) -> None:
    numbered = [(item.number, item.node_id) for item in items(flagship_guide)
                if isinstance(item, Question)]
    asked = [node.id for node in flagship.nodes() if node.is_question]
    assert numbered == [(f"Q{n}", node_id) for n, node_id in enumerate(asked, start=1)]
    assert numbered[0] == ("Q1", "involved") and numbered[-1] == ("Q15", "hear_back")
    assert [item.node_id for item in items(flagship_guide) if isinstance(item, Statement)] == [
        "welcome", "thanks"]


def test_texts_are_read_aloud_with_fill_ins(flagship_guide: Guide) -> None:
    nodes = by_id(flagship_guide)
    assert flatten(nodes["welcome"].text) == (
        "Hello [respondent's first name], and thank you for giving us a few minutes.")
    assert flatten(nodes["keeps_you"].text) == (
        "You have been with us for [respondent's years] years. What keeps you coming back?")
    assert flatten(nodes["confirm_convinced"].text) == (
        "So what I heard is: [read back the answer to Q3]. Did I get that right?")
    assert flatten(nodes["shop_better"].text) == (
        "What, if anything, did [current shop] do better than us?")


def test_answers_have_codes(flagship_guide: Guide) -> None:
    nodes = by_id(flagship_guide)

    def codes(node_id: str) -> list[tuple[str, str, str]]:
        return [(a.code, flatten(a.label), a.note) for a in nodes[node_id].answers]

    dk_ref = [("98", "DON'T KNOW", "DO NOT READ"), ("99", "REFUSED", "DO NOT READ")]
    assert codes("involved") == [("1", "Yes", ""), ("2", "No", ""), *dk_ref]
    assert codes("considered") == [
        ("1", "Trailhead Supply", ""), ("2", "Summit & Co", ""),
        ("3", "A big online marketplace", ""),
        ("4", "None — we only looked at you", "EXCLUSIVE: CODE ONLY ON ITS OWN"),
        ("96", "Somewhere else (please say where)", "SPECIFY: RECORD THE RESPONDENT'S WORDS"),
        *dk_ref]
    assert nodes["considered"].instructions == (
        "READ OUT THE OPTIONS; CODE ALL THAT APPLY",
        "ROTATE/RANDOMIZE THE ORDER OF OPTIONS 1, 2 AND 3 (THE CONSOLE SHOWS THE ORDER FOR EACH "
        "RESPONDENT); 4 AND 96 KEEP THEIR PLACES")
    assert codes("recommend") == [("0", "Not at all likely", ""), ("1–9", "", ""),
                                  ("10", "Extremely likely", ""), *dk_ref]
    assert codes("at_risk") == [("97", "Prefer not to say", "MAY BE OFFERED"), *dk_ref]
    assert codes("refer") == dk_ref
    assert nodes["refer"].instructions == (
        "RECORD THE PERSON TO ASK INSTEAD: NAME (REQUIRED), EMAIL, ROLE",)
    assert nodes["convinced"].instructions == (
        "OPEN-ENDED: DO NOT READ OUT ANY ANSWERS; RECORD VERBATIM; A LONG ANSWER IS WELCOME, "
        "LET THE RESPONDENT TALK",)


def test_probes_are_listed_under_their_question(flagship_guide: Guide) -> None:
    nodes = by_id(flagship_guide)
    recommend, convinced = nodes["recommend"].probing, nodes["convinced"].probing
    assert recommend.depth == 2
    assert [flatten(w) for w in recommend.wordings] == [
        "What is the main reason for your score of [read back the answer to Q13]?",
        "Why is that important to you?"]
    assert [flatten(w) for w in convinced.wordings] == [  # the standard why-ladder
        "Why is that important to you?", "And why does that matter to you?",
        "What would that make possible for you?"]
    assert convinced.stop == (
        "AT MOST 3; STOP PROBING AFTER AN EMPTY ANSWER, AN ANSWER SHORTER THAN 2 CHARACTERS OR A "
        "STANDARD NON-ANSWER (LISTED UNDER 'HOW TO READ THIS SCRIPT'); DO NOT PROBE AT ALL WHEN "
        "THE ANSWER TO Q3 IS LIKE THAT; NO PROBES AFTER DON'T KNOW OR REFUSED")
    assert "don't know" in flagship_guide.non_answers


def test_time_estimates_split_the_total_by_weight(flagship: Script,
                                                  flagship_guide: Guide) -> None:
    timing = Timing(flagship)
    assert sum(timing.minutes([node]) for node in flagship.root) == pytest.approx(6)
    assert [part.minutes for part in flagship_guide.parts] == [
        "under 1 min", "about 1.5 min", "about 1.5 min", "about 1.5 min", "about 1 min"]
    assert flagship_guide.minutes == "about 6 min"
    nodes = flagship.by_id
    assert weight(nodes["convinced"]) > weight(nodes["fix_first"]) > weight(nodes["involved"])
    assert weight(nodes["first_purchase"]) == sum(
        weight(child) for child in nodes["first_purchase"].children)
    assert [about(m) for m in (0.2, 0.75, 1.2, 1.3, 6)] == [
        "under 1 min", "about 1 min", "about 1 min", "about 1.5 min", "about 6 min"]


# -- other scripts ------------------------------------------------------------------------------


def test_every_kind_of_routing_in_all_types() -> None:
    guide = build_guide(load_script(ROOT / "tests" / "data" / "scripts" / "all_types.yaml"))
    nodes = by_id(guide)
    assert nodes["intro"].routing == (  # its `when: "true"` adds no condition
        "READ THIS ONLY IF the respondent's role (from the sample) is 'buyer' or 'User' AND the "
        "respondent is in the segment 'smb' (from the sample); OTHERWISE GO TO Q1",)
    assert nodes["favourite"].routing == (
        "ASK Q4 ONLY IF at least one option is chosen at Q3; OTHERWISE GO TO Q5",)
    assert nodes["favourite"].instructions[0] == (
        "READ OUT ONLY THE OPTIONS CHOSEN AT Q3, WITH THEIR CODES FROM Q3; CODE ONE ONLY")
    assert nodes["per_feature"].routing == (
        "ASK THIS SECTION ONLY IF the number of options chosen at Q3 > 0; OTHERWISE GO TO END OF "
        "INTERVIEW",
        "REPEAT THIS SECTION FOR EACH option chosen at Q3 (FOR 'OTHER', USE THE RESPONDENT'S "
        "WORDS); [current feature] BELOW IS THE ONE BEING ASKED ABOUT; IF THERE ARE NONE, GO TO "
        "END OF INTERVIEW",
        "ASK THE PARTS OF THIS SECTION IN RANDOM ORDER (THE CONSOLE SHOWS THE ORDER FOR EACH "
        "RESPONDENT)")
    assert nodes["who"].after == ()  # a referral with `end: false` goes on
    assert nodes["seats"].instructions == ("RECORD A WHOLE NUMBER (seats), FROM 1 TO 10000",)
    assert nodes["started"].instructions == (
        "RECORD A DATE AS YEAR-MONTH-DAY (YYYY-MM-DD), FROM 2020-01-01 TO 2030-12-31",)
    assert nodes["features"].instructions == (
        "READ OUT THE OPTIONS; CODE ALL THAT APPLY (AT LEAST 1, AT MOST 2)",)
    assert nodes["story"].instructions[-1] == "NOT REQUIRED: THE RESPONDENT MAY SKIP THIS QUESTION"
    assert flatten(nodes["story"].help) == "A few sentences are enough."
    assert flatten(nodes["intro"].text) == (
        "Hello [respondent's first name]! Literal braces: { and }.")


def test_roles_are_named_by_their_label_in_the_guide_language() -> None:
    script = load_script(ROOT / "examples" / "account_review" / "script.yaml")
    german = by_id(build_guide(script, "de"))
    assert german["outcomes"].routing == (
        "ASK THIS SECTION ONLY IF the respondent's role (from the sample) is 'Entscheider'; "
        "OTHERWISE GO TO SECTION 'Ihre tägliche Arbeit' (Q4)",)
    assert flatten(german["goals"].text) == (
        "Welche Ziele sind Ihrer Organisation dieses Jahr am wichtigsten?")
    assert german["progress"].probing.condition == "PROBE ONLY IF Q2 ≤ 3"


def test_a_plugin_question_type_is_described_by_its_summary() -> None:
    stars = QuestionType(name="stars", summary="Star rating", schema={"type": "object"},
                         normalize=max)
    script = load_script_text(
        "dialogkit: 1\nid: stars\ntitle: Stars\npurpose: Stars.\nestimated_minutes: 1\n"
        "nodes:\n  - {id: rate, type: stars, text: How many stars?}\n", "stars.yaml",
        question_types={"stars": stars})
    guide = build_guide(script, question_types={"stars": stars})
    assert by_id(guide)["rate"].instructions == (
        "RECORD THE ANSWER (A 'stars' QUESTION: Star rating)",)


def all_scripts() -> list[tuple[str, Script]]:
    scripts = [(str(path.relative_to(ROOT)), load_script(path)) for path in SCRIPT_FILES]
    contract = load_script_text(json.dumps(CONTRACT_SCRIPT), "contract.json")
    return [*scripts, ("dialogkit.testing: CONTRACT_SCRIPT", contract)]


@pytest.mark.parametrize(("name", "script"), all_scripts(), ids=lambda value: (
    value if isinstance(value, str) else ""))
def test_every_script_renders_without_raw_syntax(name: str, script: Script) -> None:
    assert {"examples/customer_diplomacy/script.yaml", "examples/nps_checkin/script.yaml",
            "examples/account_review/script.yaml"} <= {
        str(path.relative_to(ROOT)) for path in SCRIPT_FILES}
    for language in script.document.languages:
        guide = build_guide(script, language)
        markdown = render_markdown(guide)
        soup = BeautifulSoup(render_html(guide), "html.parser")
        for style in soup.find_all("style"):
            style.decompose()
        for text in (markdown, soup.get_text(" ")):
            leak = RAW.search(text)
            assert leak is None, f"{name} ({language}): {text[leak.start() - 60:leak.end() + 60]}"
        assert markdown.startswith("# Interviewer's script: ")
        assert len(soup.select(".question")) == script.question_count


# -- escaping -----------------------------------------------------------------------------------

HOSTILE = """
dialogkit: 1
id: hostile
title: "<script>alert('title')</script> *bold* [link](http://example.com)"
purpose: |-
  # Not a heading

  - not a list | pipe & <b>bold</b> &amp; `code` ~~gone~~ $x$ \\\\ end
estimated_minutes: 2
closing: "</body></html> {'<i>yes</i>' if answers.pick == 'x' else '*no*'}"
nodes:
  - id: pick
    type: single_choice
    text: "Pick <img src=x onerror=alert(1)> **now** _please_"
    interviewer: "<script>alert('note')</script> 1. first"
    options:
      - {value: x, label: "<script>alert('option')</script>"}
      - {value: y, label: "1. Ordered | cell"}
  - id: sec
    type: section
    title: "<h1>Section</h1>"
    when: "answers.pick == 'x'"
    nodes:
      - {id: why, type: text, text: "Why {'<b>yes</b>' if answers.pick == 'x' else '#no'}?"}
"""


@pytest.fixture(scope="module")
def hostile() -> Guide:
    return build_guide(load_script_text(HOSTILE, "hostile.yaml"))


def test_html_escapes_everything_from_the_script(hostile: Guide) -> None:
    soup = BeautifulSoup(render_html(hostile), "html.parser")
    assert soup.find("script") is None and soup.find("img") is None
    assert soup.find("b") is None and soup.find("i") is None
    assert [h1.get_text() for h1 in soup.find_all("h1")] == [
        "<script>alert('title')</script> *bold* [link](http://example.com)"]
    text = soup.get_text(" ")
    for written in ("Pick <img src=x onerror=alert(1)> **now** _please_",
                    "<script>alert('note')</script> 1. first", "<h1>Section</h1>",
                    "<script>alert('option')</script>", "</body></html>",
                    "ASK THIS SECTION ONLY IF Q1 = '<script>alert('option')</script>' (1); "
                    "OTHERWISE GO TO END OF INTERVIEW",
                    "[IF Q1 = '<script>alert('option')</script>' (1): '<b>yes</b>' OTHERWISE: "
                    "'#no']"):
        assert written in text
    assert soup.find("title").get_text().startswith("Interviewer's script: <script>")


def test_markdown_escapes_everything_from_the_script(hostile: Guide) -> None:
    markdown = render_markdown(hostile)
    assert re.search(r"(?<!\\)<", markdown) is None  # no tag, no autolink
    assert "# Interviewer's script: \\<script>alert('title')\\</script> \\*bold\\* " \
           "\\[link\\](http://example.com)" in markdown
    assert "\n\\# Not a heading\n" in markdown
    assert ("\n\\- not a list \\| pipe & \\<b>bold\\</b> \\&amp; \\`code\\` \\~\\~gone\\~\\~ "
            "\\$x\\$ \\\\\\\\ end\n") in markdown
    assert "| 2 | 1\\. Ordered \\| cell |  |" in markdown
    assert "Pick \\<img src=x onerror=alert(1)> \\*\\*now\\*\\* \\_please\\_" in markdown
    assert "*\\<script>alert('note')\\</script> 1. first*" in markdown


@pytest.mark.parametrize(("text", "escaped"), [
    ("plain text, 'quotes' & more", "plain text, 'quotes' & more"),
    ("a *b* _c_ `d` [e] <f> |g| ~h~ $i$ \\j", "a \\*b\\* \\_c\\_ \\`d\\` \\[e\\] \\<f> \\|g\\| "
                                              "\\~h\\~ \\$i\\$ \\\\j"),
    ("&amp; &#38; & x", "\\&amp; \\&#38; & x"),
    ("# heading", "\\# heading"),
    ("- item", "\\- item"),
    ("> quote", "\\> quote"),
    ("12. item", "12\\. item"),
    ("two\nlines", "two lines"),
])
def test_markdown_escape(text: str, escaped: str) -> None:
    assert md_escape(text) == escaped


# -- the command --------------------------------------------------------------------------------


def test_the_command_prints_html_by_default() -> None:
    result = invoke(str(FLAGSHIP))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert str(html_escape(FLAGSHIP_ROUTING["refer"][0])) in result.stdout
    assert "phone-script" in CliRunner().invoke(main, ["--help"]).output


def test_the_command_writes_markdown_to_a_file(flagship_guide: Guide, tmp_path: Path) -> None:
    target = tmp_path / "guide.md"
    result = invoke(str(FLAGSHIP), "--format", "md", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"wrote {target}" in result.stderr
    assert target.read_text(encoding="utf-8") == render_markdown(flagship_guide)


def test_the_command_writes_html_to_a_file(flagship_guide: Guide, tmp_path: Path) -> None:
    target = tmp_path / "guide.html"
    result = invoke(str(FLAGSHIP), "-o", str(target), "--format", "html")
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == render_html(flagship_guide)


def test_an_unwritable_output_exits_1(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "guide.md"
    result = invoke(str(FLAGSHIP), "--format", "md", "-o", str(target))
    assert result.exit_code == 1
    assert f"Error: cannot write {target}: No such file or directory" in result.stderr


def test_the_command_renders_in_another_language() -> None:
    script = ROOT / "examples" / "account_review" / "script.yaml"
    result = invoke(str(script), "--format", "md", "--language", "de")
    assert result.exit_code == 0, result.output
    assert "Welche Ziele sind Ihrer Organisation dieses Jahr am wichtigsten?" in result.stdout
    assert "language `de`" in result.stdout


def test_an_unknown_language_is_a_usage_error() -> None:
    result = invoke(str(FLAGSHIP), "--language", "fr")
    assert result.exit_code == 2
    assert "Invalid value for '--language': the script has no texts in 'fr'; its languages " \
           "are en" in result.stderr
    assert result.stdout == ""


def test_a_broken_script_prints_its_problems_and_exits_1() -> None:
    result = invoke(str(BROKEN), "--format", "md")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) > 5
    assert all(re.match(rf"{re.escape(str(BROKEN))}:\d+:\d+: ", line) for line in lines)
    assert f"{BROKEN}:1:12: dialogkit: 'dialogkit' must be 1 (got 2)" in lines


def test_a_missing_file_exits_1(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert "nope.yaml:1:1: cannot read the file" in result.stderr


def test_pdf_without_chromium_names_what_is_missing(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALOGKIT_CHROMIUM", str(tmp_path / "no-chromium"))
    target = tmp_path / "guide.pdf"
    result = invoke(str(FLAGSHIP), "--format", "pdf", "-o", str(target))
    assert result.exit_code == 1
    assert f"DIALOGKIT_CHROMIUM is '{tmp_path / 'no-chromium'}', which is not a program" in (
        result.stderr)
    assert not target.exists()


def test_chromium_is_found_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guide_pdf, "DEFAULT_CHROMIUM", tmp_path / "usr-bin-chromium")
    with pytest.raises(PdfError, match=r"no Chromium found .*apt-get install chromium.*"
                                       r"DIALOGKIT_CHROMIUM"):
        guide_pdf.find_chromium({"PATH": str(tmp_path)})
    on_path = tmp_path / "chromium"
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    assert guide_pdf.find_chromium({"PATH": str(tmp_path)}) == on_path
    configured = tmp_path / "my-chromium"
    configured.write_text("#!/bin/sh\n")
    configured.chmod(0o755)
    assert guide_pdf.find_chromium({"PATH": "", "DIALOGKIT_CHROMIUM": str(configured)}) == (
        configured)


def test_a_failing_chromium_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(PdfError, match=r"could not print the guide \(exit status 3\): "
                                       r"cannot open display"):
        guide_pdf.render_pdf("<p>x</p>", tmp_path / "out.pdf", chromium=broken)
    assert not (tmp_path / "out.pdf").exists()
