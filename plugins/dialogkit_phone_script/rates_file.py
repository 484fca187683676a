"""The response rates of fieldwork recorded in a CSV file: one row per case.

The header row names the columns, in any order: ``disposition`` (required: the case's AAPOR
code, like 2.112, or a key, like refusal), ``case`` (optional: its id, each case once) and
``segment`` (optional: one segment, or several separated by ``;``). Other columns are
ignored. Every problem in the file is reported at once, each with its line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

from dialogkit_phone_script.dispositions import BY_CODE, BY_KEY, DISPOSITIONS, Disposition
from dialogkit_phone_script.rates_report import CODES, RatesReport, Tally

__all__ = ["FieldworkFileError", "rates_from_file"]

REQUIRED = "disposition"


class FieldworkFileError(ValueError):
    """The file can't be read, or some of its rows can't be counted."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def rates_from_file(path: Path, e: Fraction | float | None) -> RatesReport:
    """The rates of the cases in the CSV file, overall and by segment, at `e` (estimated
    from all cases when None). Raises FieldworkFileError listing every problem."""
    tally = Tally()
    problems: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as lines:
            for found, segments in _cases(lines, f"{path}:", problems):
                tally.add(found.group, segments)
    except UnicodeDecodeError:
        problems.append(f"{path}: the file is not UTF-8 text; save it as UTF-8 (in Excel: "
                        "'CSV UTF-8')")
    except (OSError, csv.Error) as error:
        problems.append(f"{path}: cannot read the file: {error}")
    if problems:
        raise FieldworkFileError(problems)
    return tally.report(e)


def _cases(lines: Iterable[str], where: str,
           problems: list[str]) -> Iterator[tuple[Disposition, list[str]]]:
    """Each row's disposition and segments, until a row has a problem: from then on, every
    problem is added to `problems` and nothing more is yielded."""
    reader = csv.reader(lines)
    header = [name.strip().lower() for name in next(reader, [])]
    if not any(header):
        problems.append(f"{where} the file has no header row")
        return
    columns = {name: header.index(name) for name in (REQUIRED, "case", "segment")
               if name in header}
    problems += [f"{where}1: the column '{name}' appears twice" for name in columns
                 if header.count(name) > 1]
    if REQUIRED not in columns:
        named = ", ".join(name for name in header if name)
        problems.append(f"{where}1: no '{REQUIRED}' column (the header names: {named})")
    if problems:
        return
    first_seen: dict[str, int] = {}
    unknown = False
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        at = f"{where}{line}:"
        if any(cell.strip() for cell in row[len(header):]):
            problems.append(f"{at} {len(row)} cells, but the header has {len(header)}")
            continue
        cells = {name: row[index].strip() if index < len(row) else ""
                 for name, index in columns.items()}
        found = _disposition(cells[REQUIRED])
        if not cells[REQUIRED]:
            problems.append(f"{at} the disposition is empty")
        elif found is None:
            problems.append(f"{at} unknown disposition '{cells[REQUIRED]}'")
            unknown = True
        if "case" in columns:
            case = cells["case"]
            if not case:
                problems.append(f"{at} the case is empty")
            elif case in first_seen:
                problems.append(f"{at} case '{case}' is listed again (first on line "
                                f"{first_seen[case]})")
            else:
                first_seen[case] = line
        if found is not None and not problems:
            segments = cells.get("segment", "").split(";")
            yield found, list(dict.fromkeys(s.strip() for s in segments if s.strip()))
    if unknown:
        problems.append(_known_dispositions())


def _disposition(text: str) -> Disposition | None:
    """The disposition of a key or an AAPOR code; a code may have lost its trailing zeros
    to a spreadsheet (4.2 for 4.20)."""
    return (BY_KEY.get(text.lower()) or BY_CODE.get(text)
            or _BY_SHORT_CODE.get(_without_trailing_zeros(text)))


def _without_trailing_zeros(code: str) -> str:
    return code.rstrip("0") if "." in code else code


_BY_SHORT_CODE = {_without_trailing_zeros(code): found for code, found in BY_CODE.items()}


def _known_dispositions() -> str:
    codes = ", ".join(code for group_codes in CODES.values() for code in group_codes)
    keys = ", ".join(d.key for d in DISPOSITIONS)
    return f"the dispositions are AAPOR codes ({codes}) or keys ({keys})"
