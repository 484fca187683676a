"""Call dispositions: how each call attempt ended, coded after the AAPOR Standard Definitions
(final disposition codes for telephone surveys).

Each disposition has the AAPOR code, the group the response-rate formulas count it in, and
what it means for the case: ``final`` ones close it; the others leave it in the queue, to be
called again after ``retry_after`` or at the callback time the interviewer agreed with the
respondent (``needs_callback``). When a case runs out of attempts, its last code becomes its
final one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Literal

from attrs import frozen

__all__ = [
    "BY_CODE",
    "BY_KEY",
    "DISPOSITIONS",
    "GROUPS",
    "NOT_ATTEMPTED",
    "Disposition",
    "Group",
    "disposition",
]

Group = Literal["I", "P", "R", "NC", "O", "UH", "UO", "NE"]
"""Where the response-rate formulas count a case: complete interviews (I), partial interviews
(P), refusals and break-offs (R), non-contacts (NC), other eligible non-interviews (O),
unknown eligibility: unknown if a household/line of the respondent (UH) or other (UO), and not
eligible (NE)."""

GROUPS: Mapping[Group, str] = MappingProxyType({
    "I": "complete interviews",
    "P": "partial interviews",
    "R": "refusals and break-offs",
    "NC": "non-contacts",
    "O": "other eligible non-interviews",
    "UH": "unknown eligibility: unknown if the number reaches the respondent",
    "UO": "unknown eligibility: other",
    "NE": "not eligible",
})

Interview = Literal["finished", "started"] | None


@frozen(kw_only=True)
class Disposition:
    """One way a call attempt can end."""

    key: str
    """The name the console and the commands use (``no_answer``)."""
    code: str
    """The AAPOR code (``3.13``)."""
    label: str
    group: Group
    final: bool
    """Closes the case: it is not called again."""
    needs_callback: bool = False
    """A callback time agreed with the respondent must be given."""
    retry_after: timedelta | None = None
    """For codes that are not final and need no agreed time: when to try again."""
    interview: Interview = None
    """``finished``: only after the interview ended; ``started``: only once it began."""


DISPOSITIONS: tuple[Disposition, ...] = (
    Disposition(key="complete", code="1.1", label="Complete interview", group="I", final=True,
                interview="finished"),
    Disposition(key="partial_callback", code="1.2",
                label="Interview stopped part-way: call back to finish", group="P", final=False,
                needs_callback=True, interview="started"),
    Disposition(key="partial", code="1.2",
                label="Partial interview: stopped after enough answers to count, will not "
                      "continue",
                group="P", final=True, interview="started"),
    Disposition(key="break_off", code="2.12",
                label="Break-off: the respondent ended the interview before enough answers "
                      "to count as a partial, and will not continue",
                group="R", final=True, interview="started"),
    Disposition(key="refusal", code="2.112", label="Refusal by the respondent", group="R",
                final=True),
    Disposition(key="gatekeeper_refusal", code="2.111",
                label="Refusal by someone else for the respondent (e.g. an assistant)",
                group="R", final=True),
    Disposition(key="callback", code="2.21",
                label="Callback: the respondent asked to be called at another time",
                group="NC", final=False, needs_callback=True),
    Disposition(key="respondent_unavailable", code="2.21",
                label="Respondent not available now (no time agreed)", group="NC",
                final=False, retry_after=timedelta(hours=4)),
    Disposition(key="voicemail_message_left", code="2.221",
                label="The respondent's voicemail: message left", group="NC", final=False,
                retry_after=timedelta(days=1)),
    Disposition(key="voicemail_no_message", code="2.222",
                label="The respondent's voicemail: no message left", group="NC", final=False,
                retry_after=timedelta(hours=4)),
    Disposition(key="deceased", code="2.31", label="Respondent deceased", group="O",
                final=True),
    Disposition(key="unable", code="2.32",
                label="Respondent physically or mentally unable to take part", group="O",
                final=True),
    Disposition(key="language", code="2.33", label="Language barrier", group="O", final=True),
    Disposition(key="busy", code="3.12", label="Busy", group="UH", final=False,
                retry_after=timedelta(minutes=15)),
    Disposition(key="no_answer", code="3.13", label="No answer", group="UH", final=False,
                retry_after=timedelta(hours=2)),
    Disposition(key="unknown_machine", code="3.14",
                label="Answering machine: not known to be the respondent's", group="UH",
                final=False, retry_after=timedelta(hours=4)),
    Disposition(key="technical_problem", code="3.16", label="Technical problem on the line",
                group="UH", final=False, retry_after=timedelta(hours=1)),
    Disposition(key="wrong_number", code="3.90",
                label="Wrong number: the number does not reach the respondent (whether they "
                      "are eligible stays unknown)",
                group="UO", final=True),
    Disposition(key="fax_line", code="4.20", label="Fax or data line", group="NE", final=True),
    Disposition(key="disconnected", code="4.30", label="Number not in service (disconnected)",
                group="NE", final=True),
    Disposition(key="not_eligible", code="4.70",
                label="Not eligible (e.g. no longer a customer or no longer with the account)",
                group="NE", final=True),
)

NOT_ATTEMPTED = Disposition(key="not_attempted", code="3.11", label="Not attempted",
                            group="UH", final=False)
"""What a case that was never called counts as."""

BY_KEY: Mapping[str, Disposition] = MappingProxyType({d.key: d for d in DISPOSITIONS})
BY_CODE: Mapping[str, Disposition] = MappingProxyType(
    {d.code: d for d in reversed((NOT_ATTEMPTED, *DISPOSITIONS))})
"""Code → disposition; where two keys share a code (1.2, 2.21), the first listed."""


def disposition(key_or_code: str) -> Disposition:
    """The disposition named by its key (``no_answer``) or its AAPOR code (``3.13``)."""
    found = BY_KEY.get(key_or_code) or BY_CODE.get(key_or_code)
    if found is None:
        known = ", ".join(d.key for d in DISPOSITIONS)
        raise KeyError(f"unknown disposition {key_or_code!r}; use one of: {known}")
    return found
