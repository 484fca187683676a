"""AAPOR outcome rates of phone fieldwork: the formulas, reading the dispositions from the
store and from a CSV file, and `dialogkit rates`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from dialogkit.cli import main
from dialogkit.store import open_store, tables
from dialogkit_phone_script.dispositions import BY_CODE, DISPOSITIONS, GROUPS, NOT_ATTEMPTED
from dialogkit_phone_script.rates import Counts, checked_e, estimate_e, response_rates
from dialogkit_phone_script.rates_file import FieldworkFileError, rates_from_file
from dialogkit_phone_script.rates_report import build_report, decimal, percent
from dialogkit_phone_script.rates_store import UnknownCodes, UnknownProgram, rates_from_store

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)

# -- the disposition catalog ------------------------------------------------------------------


def aapor_group(code: str) -> str:
    """The group AAPOR's telephone codes put a code in, from its leading digits."""
    if code.startswith("1."):
        return {"1.1": "I", "1.2": "P"}[code]
    if code.startswith("2."):
        return {"1": "R", "2": "NC", "3": "O"}[code[2]]
    if code.startswith("3."):
        return "UH" if code[2] == "1" else "UO"
    assert code.startswith("4.")
    return "NE"


@pytest.mark.parametrize("found", [NOT_ATTEMPTED, *DISPOSITIONS], ids=lambda d: d.key)
def test_each_disposition_is_in_the_group_of_its_aapor_code(found: Any) -> None:
    assert found.group == aapor_group(found.code)


# -- the formulas -----------------------------------------------------------------------------

FIELDWORK = Counts(I=400, P=50, R=200, NC=150, O=20, UH=300, UO=80, NE=100)


def test_a_worked_example_gives_every_rate_exactly() -> None:
    rates = response_rates(FIELDWORK, Fraction(3, 5))

    every = (400 + 50) + (200 + 150 + 20) + (300 + 80)  # all cases but the not eligible: 1200
    estimated = (400 + 50) + (200 + 150 + 20) + Fraction(3, 5) * (300 + 80)  # 820 + 228
    eligible = (400 + 50) + (200 + 150 + 20)  # 820
    reached = (400 + 50) + 200 + 20  # 670
    assert (every, estimated, eligible, reached) == (1200, 1048, 820, 670)
    assert attrs.asdict(rates) == {
        "rr1": Fraction(400, 1200), "rr2": Fraction(450, 1200),
        "rr3": Fraction(400, 1048), "rr4": Fraction(450, 1048),
        "rr5": Fraction(400, 820), "rr6": Fraction(450, 820),
        "coop1": Fraction(400, 670), "coop2": Fraction(450, 670),
        "coop3": Fraction(400, 450 + 200), "coop4": Fraction(450, 450 + 200),
        "ref1": Fraction(200, 1200), "ref2": Fraction(200, 1048), "ref3": Fraction(200, 820),
        "con1": Fraction(670, 1200), "con2": Fraction(670, 1048), "con3": Fraction(670, 820),
    }
    assert (rates.rr1, rates.rr3, rates.coop3, rates.con2) == (
        Fraction(1, 3), Fraction(50, 131), Fraction(8, 13), Fraction(335, 524))


def test_e_is_estimated_as_the_eligible_share_of_resolved_cases() -> None:
    assert estimate_e(FIELDWORK) == Fraction(820, 820 + 100) == Fraction(41, 46)
    assert estimate_e(Counts(UH=5, UO=2)) is None
    assert estimate_e(Counts(NE=3)) == 0


def test_a_float_e_is_the_decimal_it_prints_as() -> None:
    assert response_rates(FIELDWORK, 0.6) == response_rates(FIELDWORK, Fraction(3, 5))
    assert checked_e(1) == 1


@pytest.mark.parametrize("e", [-0.01, 1.01, float("nan"), float("inf"), True, "0.5"])
def test_e_outside_0_to_1_is_refused(e: Any) -> None:
    with pytest.raises(ValueError, match="must be a number from 0 to 1"):
        response_rates(FIELDWORK, e)


def test_a_rate_with_a_zero_denominator_is_none() -> None:
    assert set(attrs.asdict(response_rates(Counts(), 1)).values()) == {None}
    assert set(attrs.asdict(response_rates(Counts(NE=4), 0.5)).values()) == {None}
    unknown_only = response_rates(Counts(UH=3, UO=1), 0)
    assert (unknown_only.rr1, unknown_only.ref1, unknown_only.con1) == (0, 0, 0)
    assert (unknown_only.rr3, unknown_only.rr5, unknown_only.coop1) == (None, None, None)
    refusals_only = response_rates(Counts(R=2), 1)
    assert (refusals_only.coop1, refusals_only.coop3, refusals_only.ref3) == (0, 0, 1)


def test_without_e_the_rates_that_need_it_are_none() -> None:
    rates = response_rates(FIELDWORK, None)
    assert (rates.rr3, rates.rr4, rates.ref2, rates.con2) == (None, None, None, None)
    assert rates.rr1 == Fraction(1, 3)


def test_counts_come_from_codes_and_keys() -> None:
    counts = Counts.from_dispositions(["1.1", "complete", "2.112", "callback", "3.11",
                                       "wrong_number", "4.20"])
    assert counts == Counts(I=2, R=1, NC=1, UH=1, UO=1, NE=1)
    with pytest.raises(KeyError, match=r"unknown disposition '9\.9'"):
        Counts.from_dispositions(["1.1", "9.9"])
    with pytest.raises(ValueError, match="'NC' must be >= 0"):
        Counts(NC=-1)


counts_strategy = st.builds(Counts, **{group: st.integers(0, 5_000) for group in GROUPS})
shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)


def ordered(*rates: Fraction | None) -> bool:
    present = [rate for rate in rates if rate is not None]
    return present == sorted(present)


@given(counts_strategy, shares)
def test_rates_are_shares_and_ordered_as_their_definitions_say(c: Counts, e: Fraction) -> None:
    r = response_rates(c, e)
    assert all(0 <= rate <= 1 for rate in attrs.astuple(r) if rate is not None)
    assert ordered(r.rr1, r.rr3, r.rr5) and ordered(r.rr2, r.rr4, r.rr6)
    assert ordered(r.rr1, r.rr2, r.rr4) and ordered(r.rr3, r.rr4, r.rr6)
    assert ordered(r.rr5, r.rr6) and ordered(r.rr5, r.coop1) and ordered(r.rr6, r.coop2)
    assert ordered(r.coop1, r.coop2, r.coop4) and ordered(r.coop1, r.coop3, r.coop4)
    assert ordered(r.ref1, r.ref2, r.ref3) and ordered(r.con1, r.con2, r.con3)


@given(counts_strategy, shares)
def test_rates_are_none_exactly_when_their_denominator_is_zero(c: Counts, e: Fraction) -> None:
    r = response_rates(c, e)
    every = c.I + c.P + c.R + c.NC + c.O + c.UH + c.UO
    estimated = c.I + c.P + c.R + c.NC + c.O + e * (c.UH + c.UO)
    eligible = c.I + c.P + c.R + c.NC + c.O
    for rates, denominator in [((r.rr1, r.rr2, r.ref1, r.con1), every),
                               ((r.rr3, r.rr4, r.ref2, r.con2), estimated),
                               ((r.rr5, r.rr6, r.ref3, r.con3), eligible),
                               ((r.coop1, r.coop2), c.I + c.P + c.R + c.O),
                               ((r.coop3, r.coop4), c.I + c.P + c.R)]:
        assert all((rate is None) == (denominator == 0) for rate in rates)
    if every:  # each case is an interview, a refusal, or another non-response
        assert r.rr2 + r.ref1 + Fraction(c.NC + c.O + c.UH + c.UO, every) == 1


@given(counts_strategy)
def test_e_1_counts_every_unknown_case_and_e_0_none(c: Counts) -> None:
    one, zero = response_rates(c, 1), response_rates(c, 0)
    assert (one.rr3, one.rr4, one.ref2, one.con2) == (one.rr1, one.rr2, one.ref1, one.con1)
    assert (zero.rr3, zero.rr4, zero.ref2, zero.con2) == (
        zero.rr5, zero.rr6, zero.ref3, zero.con3)


@given(counts_strategy, shares, shares)
def test_a_larger_e_never_raises_rr3(c: Counts, e1: Fraction, e2: Fraction) -> None:
    low, high = sorted((e1, e2))
    assert ordered(response_rates(c, high).rr3, response_rates(c, low).rr3)


@given(counts_strategy)
def test_the_estimated_e_is_a_share(c: Counts) -> None:
    e = estimate_e(c)
    assert (e is None) == (c.I + c.P + c.R + c.NC + c.O + c.NE == 0)
    assert e is None or 0 <= e <= 1


# -- the report -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (Fraction(1, 3), "33.3%"), (Fraction(1, 8), "12.5%"), (Fraction(1, 16), "6.3%"),
    (Fraction(1), "100.0%"), (Fraction(0), "0.0%"), (None, "n/a")])
def test_percentages_round_half_up_to_one_decimal(value: Fraction | None, text: str) -> None:
    assert percent(value) == text


def test_the_report_says_how_e_was_chosen() -> None:
    assert build_report(FIELDWORK, {}, 0.8).e_text() == "e = 0.80 (given)"
    assert build_report(FIELDWORK, {}, None).e_text() == (
        "e = 0.89 (estimated: eligible share of resolved cases)")
    assert build_report(Counts(UH=1), {}, None).e_text() == (
        "e = n/a (estimated: eligible share of resolved cases, and no case is resolved yet)")
    assert decimal(Fraction(5, 6), 2) == "0.83"


def test_report_rows_list_groups_with_codes_and_rates_in_aapor_order() -> None:
    report = build_report(FIELDWORK, {"smb": Counts(I=1), "emea": Counts(R=1)}, 0.6)
    rows = report.overall.count_rows()
    assert [(r.group, r.count) for r in rows] == [
        ("I", 400), ("P", 50), ("R", 200), ("NC", 150), ("O", 20), ("UH", 300), ("UO", 80),
        ("NE", 100)]
    assert rows[2].codes == ("2.111", "2.112", "2.12")
    assert rows[5].codes == ("3.11", "3.12", "3.13", "3.14", "3.16")
    assert [r.name for r in report.overall.rate_rows()][::4] == ["RR1", "RR5", "COOP3", "REF3"]
    assert report.overall.rate_rows()[0].value == Fraction(1, 3)
    assert [s.name for s in report.segments] == ["emea", "smb"]  # e is the overall one
    assert report.segments[1].rates.rr1 == 1 and report.e == Fraction(3, 5)


# -- a fieldwork file -------------------------------------------------------------------------

SMALL = """\
case,disposition,segment
c1,complete,smb
c2,1.1,enterprise
c3,partial,smb
c4,refusal,smb; emea
c5,2.21,enterprise
c6,no_answer,
c7,4.30,emea
c8,wrong_number,smb
"""


def write(tmp_path: Path, text: str, name: str = "fieldwork.csv",
          encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_file_is_counted_by_group_and_segment(tmp_path: Path) -> None:
    report = rates_from_file(write(tmp_path, SMALL), 0.5)
    assert report.overall.counts == Counts(I=2, P=1, R=1, NC=1, UH=1, UO=1, NE=1)
    assert {s.name: s.counts for s in report.segments} == {
        "emea": Counts(R=1, NE=1), "enterprise": Counts(I=1, NC=1),
        "smb": Counts(I=1, P=1, R=1, UO=1)}
    assert report.open_cases is None


def test_a_file_needs_only_a_disposition_column(tmp_path: Path) -> None:
    text = "\ufeffNotes, Disposition \r\nx,4.2\r\n\r\n,3.9\r\ny,Refusal,\r\n"
    report = rates_from_file(write(tmp_path, text), None)
    assert report.overall.counts == Counts(R=1, UO=1, NE=1)  # 4.20 and 3.90 from a spreadsheet
    assert report.segments == ()


def test_every_problem_in_a_file_is_listed_with_its_line(tmp_path: Path) -> None:
    text = ("case,disposition,segment\n"
            "c1,1.1,smb\n"
            "c2,9.9\n"
            "c3,,smb\n"
            ",refusal\n"
            "c1,busy\n"
            "c4,1.1,smb,extra\n")
    path = write(tmp_path, text)
    with pytest.raises(FieldworkFileError) as caught:
        rates_from_file(path, None)
    assert caught.value.problems[:-1] == [
        f"{path}:3: unknown disposition '9.9'",
        f"{path}:4: the disposition is empty",
        f"{path}:5: the case is empty",
        f"{path}:6: case 'c1' is listed again (first on line 2)",
        f"{path}:7: 4 cells, but the header has 3",
    ]
    assert caught.value.problems[-1].startswith(
        "the dispositions are AAPOR codes (1.1, 1.2, 2.111, 2.112, 2.12, 2.21,")


@pytest.mark.parametrize(("text", "problems"), [
    ("", [": the file has no header row"]),
    ("case,code\nc1,1.1\n", [":1: no 'disposition' column (the header names: case, code)"]),
    ("disposition,Disposition\n1.1,1.1\n", [":1: the column 'disposition' appears twice"]),
])
def test_a_file_without_its_columns_says_so(tmp_path: Path, text: str,
                                            problems: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FieldworkFileError) as caught:
        rates_from_file(path, None)
    assert caught.value.problems == [f"{path}{problem}" for problem in problems]


def test_a_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, "disposition,segment\n1.1,Zürich\n", encoding="latin-1")
    with pytest.raises(FieldworkFileError, match="the file is not UTF-8 text"):
        rates_from_file(path, None)


# -- the store --------------------------------------------------------------------------------

CASES = [  # respondent, segments, state, last code, final code
    ("r1", ["smb"], "closed", "1.1", "1.1"),
    ("r2", ["smb", "emea", "smb"], "closed", "2.112", "2.112"),
    ("r3", ["enterprise"], "open", "3.13", None),
    ("r4", [], "open", None, None),
    ("r5", ["enterprise"], "closed", "4.30", "4.30"),
    ("r6", ["smb"], "open", "2.221", None),
    ("r7", ["emea"], "closed", "3.13", "1.2"),
]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """A migrated store with program p1's calls in `CASES` and p2's one case; p3 has none."""
    store = open_store(database_url)
    for program in ("p1", "p2", "p3"):
        store.add_program(program)
    with store.engine.begin() as connection:
        connection.execute(tables.script_versions.insert().values(
            version="v1", script_id="s", title="S", source="", file="s.yaml", created_at=NOW))
        connection.execute(tables.respondents.insert(), [
            {"id": respondent, "segments": segments, "attributes": {}, "consent": True,
             "opted_out": False, "created_at": NOW}
            for respondent, segments, *_ in CASES])
        connection.execute(tables.call_cases.insert(), [
            case_row(f"p1-{respondent}", "p1", respondent, state, last, final)
            for respondent, _, state, last, final in CASES])
        connection.execute(tables.call_cases.insert().values(
            case_row("p2-r1", "p2", "r1", "closed", "2.112", "2.112")))
    yield store.engine
    store.close()


def case_row(case_id: str, program: str, respondent: str, state: str, last: str | None,
             final: str | None) -> dict[str, Any]:
    return {"id": case_id, "program_id": program, "respondent_id": respondent,
            "script_version": "v1", "time_zone": "Europe/Berlin", "state": state,
            "appointment": False, "next_call_at": NOW, "attempts": 0 if last is None else 1,
            "last_code": last, "final_code": final, "created_at": NOW, "updated_at": NOW}


def test_cases_count_by_final_else_last_code_else_not_attempted(engine: sa.Engine) -> None:
    report = rates_from_store(engine, "p1", None)
    assert report.overall.counts == Counts(I=1, P=1, R=1, NC=1, UH=2, NE=1)
    assert report.open_cases == 3
    assert report.e == Fraction(4, 4 + 1) and report.e_source == "estimated"
    assert report.overall.rates.rr1 == Fraction(1, 6)


def test_a_case_counts_once_in_each_segment_of_its_respondent(engine: sa.Engine) -> None:
    report = rates_from_store(engine, "p1", 0.5)
    assert {s.name: s.counts for s in report.segments} == {
        "emea": Counts(P=1, R=1), "enterprise": Counts(UH=1, NE=1),
        "smb": Counts(I=1, R=1, NC=1)}
    enterprise = report.segments[1]
    assert enterprise.rates.rr3 == 0 and enterprise.rates.rr5 is None  # e = 0.5 for all


def test_a_program_without_cases_has_no_rates_and_an_unknown_one_is_an_error(
        engine: sa.Engine) -> None:
    report = rates_from_store(engine, "p3", None)
    assert report.overall.counts == Counts() and report.segments == ()
    assert report.e is None and report.overall.rates.rr1 is None
    with pytest.raises(UnknownProgram):
        rates_from_store(engine, "nope", None)


def test_a_code_the_catalog_does_not_know_is_an_error(engine: sa.Engine) -> None:
    with engine.begin() as connection:
        connection.execute(tables.call_cases.update().where(
            tables.call_cases.c.id == "p1-r5").values(final_code="4.99"))
    with pytest.raises(UnknownCodes, match=r"codes the phone channel does not know: "
                                           r"4\.99 \(1 case\(s\)\)"):
        rates_from_store(engine, "p1", None)


# -- the command ------------------------------------------------------------------------------

SMALL_TEXT = """\
{path}: 8 cases
e = 0.50 (given)

Cases by disposition group (AAPOR codes):
  I   2  complete interviews (1.1)
  P   1  partial interviews (1.2)
  R   1  refusals and break-offs (2.111, 2.112, 2.12)
  NC  1  non-contacts (2.21, 2.221, 2.222)
  O   0  other eligible non-interviews (2.31, 2.32, 2.33)
  UH  1  unknown eligibility: unknown if the number reaches the respondent \
(3.11, 3.12, 3.13, 3.14, 3.16)
  UO  1  unknown eligibility: other (3.90)
  NE  1  not eligible (4.20, 4.30, 4.70)

Rates:
  RR1    28.6%  complete interviews / all cases but the not eligible
  RR2    42.9%  complete and partial interviews / all cases but the not eligible
  RR3    33.3%  complete interviews / known eligible + e × unknown
  RR4    50.0%  complete and partial interviews / known eligible + e × unknown
  RR5    40.0%  complete interviews / known eligible
  RR6    60.0%  complete and partial interviews / known eligible
  COOP1  50.0%  complete interviews / eligible cases reached
  COOP2  75.0%  complete and partial interviews / eligible cases reached
  COOP3  50.0%  complete interviews / cases reached and able to take part
  COOP4  75.0%  complete and partial interviews / cases reached and able to take part
  REF1   14.3%  refusals and break-offs / all cases but the not eligible
  REF2   16.7%  refusals and break-offs / known eligible + e × unknown
  REF3   20.0%  refusals and break-offs / known eligible
  CON1   57.1%  eligible cases reached / all cases but the not eligible
  CON2   66.7%  eligible cases reached / known eligible + e × unknown
  CON3   80.0%  eligible cases reached / known eligible
"""


def rates_command(*args: str) -> Result:
    return CliRunner().invoke(main, ["rates", *args])


def test_the_command_prints_counts_with_codes_and_each_rate(tmp_path: Path) -> None:
    # I=2 P=1 R=1 NC=1 O=0 UH=1 UO=1 NE=1, e=1/2: RR1 = 2/7, RR3 = 2/(5 + 1), CON1 = 4/7...
    path = write(tmp_path, SMALL)
    result = rates_command("--file", str(path), "--e", "0.5")
    assert result.exit_code == 0, result.output
    assert result.stdout == SMALL_TEXT.format(path=path)


def test_by_segment_adds_a_section_per_segment(tmp_path: Path) -> None:
    result = rates_command("--file", str(write(tmp_path, SMALL)), "--by-segment")
    assert result.exit_code == 0, result.output
    assert "e = 0.83 (estimated: eligible share of resolved cases)" in result.stdout
    titles = [line for line in result.stdout.splitlines() if line.startswith("Segment ")]
    assert titles == ["Segment emea: 2 cases", "Segment enterprise: 2 cases",
                      "Segment smb: 4 cases"]
    emea = result.stdout.split("Segment emea")[1].split("Segment enterprise")[0]
    assert "  COOP1   0.0%  " in emea and "  NE  1  not eligible" in emea


def test_json_has_counts_rates_e_and_segments(tmp_path: Path) -> None:
    result = rates_command("--file", str(write(tmp_path, SMALL)), "--json", "--e", "0.5")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["counts"] == {"I": 2, "P": 1, "R": 1, "NC": 1, "O": 0, "UH": 1, "UO": 1,
                                  "NE": 1}
    assert document["rates"]["RR1"] == pytest.approx(2 / 7)
    assert list(document["rates"])[::4] == ["RR1", "RR5", "COOP3", "REF3"]
    assert (document["e"], document["e_source"], document["open_cases"]) == (0.5, "given", None)
    assert set(document["segments"]) == {"emea", "enterprise", "smb"}
    assert document["segments"]["emea"]["rates"]["RR5"] == 0
    assert document["segments"]["enterprise"]["counts"]["NC"] == 1


def test_a_zero_denominator_prints_n_a(tmp_path: Path) -> None:
    result = rates_command("--file", str(write(tmp_path, "disposition\nno_answer\n")))
    assert result.exit_code == 0, result.output
    assert "e = n/a (estimated: eligible share of resolved cases, and no case is resolved " \
           "yet)" in result.stdout
    assert "  RR1     0.0%  " in result.stdout
    assert "  RR3      n/a  " in result.stdout and "  COOP1    n/a  " in result.stdout
    json_rates = json.loads(rates_command("--file", str(tmp_path / "fieldwork.csv"),
                                          "--json").stdout)["rates"]
    assert (json_rates["RR1"], json_rates["RR3"]) == (0, None)


def test_a_broken_file_lists_its_problems_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, "case,disposition\nc1,maybe\nc2,\n")
    result = rates_command("--file", str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[:2] == [f"{path}:2: unknown disposition 'maybe'",
                                              f"{path}:3: the disposition is empty"]


@pytest.mark.parametrize(("args", "message"), [
    ((), "give a PROGRAM, or a fieldwork file with --file (not both)"),
    (("p1", "--file", "{file}"), "give a PROGRAM, or a fieldwork file with --file (not both)"),
    (("--file", "{file}", "--e", "1.5"), "1.5 is not in the range 0<=x<=1"),
    (("--file", "missing.csv"), "'missing.csv' does not exist"),
])
def test_wrong_arguments_are_usage_errors(tmp_path: Path, args: tuple[str, ...],
                                          message: str) -> None:
    file = str(write(tmp_path, SMALL))
    result = rates_command(*(arg.format(file=file) for arg in args))
    assert result.exit_code == 2
    assert message in result.stderr


def test_the_command_reads_a_program_from_the_store(engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    result = rates_command("p1", "--database-url", url, "--by-segment")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "Program p1: 7 cases (3 still being called: their last attempt counts for now)",
        "e = 0.80 (estimated: eligible share of resolved cases)"]
    assert "Segment smb: 3 cases" in lines
    document = json.loads(rates_command("p1", "--database-url", url, "--json").stdout)
    assert document["open_cases"] == 3 and document["counts"]["UH"] == 2
    assert set(document["segments"]) == {"emea", "enterprise", "smb"}


def test_an_unknown_program_exits_1(engine: sa.Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    result = rates_command("nope", "--database-url", url)
    assert result.exit_code == 1
    assert "Error: no program 'nope' in the store at " in result.stderr


def test_a_store_without_the_schema_says_to_upgrade_it(tmp_path: Path) -> None:
    result = rates_command("p1", "--project-dir", str(tmp_path))
    assert result.exit_code == 1
    assert "has no schema yet: run `dialogkit db upgrade`" in result.stderr


def test_every_code_in_the_store_catalog_is_readable_from_a_file(tmp_path: Path) -> None:
    text = "disposition\n" + "".join(f"{code}\n" for code in BY_CODE)
    report = rates_from_file(write(tmp_path, text), None)
    assert report.overall.counts.total == len(BY_CODE)
