"""Reading inbound email: the new words of a reply, its routing tokens and whether it is automatic.

Quoted history is recognised with the attribution and header patterns of ``mail-parser-reply``
(English, German, French, Spanish) plus a few of our own; the splitting itself is done here, so
that top-posted, bottom-posted (inline) and forwarded replies are all handled. HTML-only
messages are converted to text with ``html2text`` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import NamedTuple

import html2text
from mailparser_reply.constants import GENERIC_MAIL_SEPARATOR, MAIL_LANGUAGES
from mailparser_reply.parser import EmailMessage as ParsedBody

LANGUAGES = ("en", "de", "fr", "es")
TOKEN_PATTERN = r"[A-Za-z0-9_-]{16,}"
TOKEN_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")

_FLAGS = re.MULTILINE | re.IGNORECASE
_MAX_ATTRIBUTION_LENGTH = 300
_MAX_ATTRIBUTION_LINES = 40

# Markers the library misses: its Spanish "escribió" pattern can never match, and it knows no
# forward markers. Everything from a "cut" marker on is history, quoted or not.
_EXTRA_ATTRIBUTIONS = (r"^El\s[^\n]*(?:\n[^\n]*)?\sescribi[óo]\s?:[ \t]*$",)
_CUT_MARKERS = (
    GENERIC_MAIL_SEPARATOR,
    r"^-{2,}\s*(?:Forwarded message|Original Message|Weitergeleitete Nachricht|"
    r"Ursprüngliche Nachricht|Message transféré|Message d'origine|Mensaje reenviado|"
    r"Mensaje original)\s*-{2,}[ \t]*$",
    r"^(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|"
    r"Début du message réexpédié|Inicio del mensaje reenviado)\s?:[ \t]*$",
    r"^_{20,}[ \t]*$",
)
# Signatures cut from their first line to the end, before the library's own signature rules.
_SIGNATURE_STARTS = re.compile(
    r"^(?=.{0,60}$)(?:--|-- |"
    r"Sent from (?:my|Mail|Yahoo Mail|Outlook)\b.*|Get Outlook for \w+.*|"
    r"Von meinem \S+(?: \S+)? gesendet|Gesendet von \S+.*|Outlook für \w+ beziehen|"
    r"Envoyé de mon \S+(?: \S+)?|Envoyé depuis \S+.*|Télécharger Outlook pour \w+|"
    r"Enviado desde mi \S+.*|Obtener Outlook para \w+)[ \t]*$",
    _FLAGS,
)
# Closing words alone on a line (the library only knows a few, and matches them as prefixes).
_SIGN_OFFS = re.compile(
    r"^(?:cheers|thanks(?: again| a lot)?|thank you|many thanks|(?:best|kind|warm)(?: regards)?|"
    r"regards|all the best|best wishes|"
    r"(?:liebe|viele|beste|herzliche) grüße|grüße|gruß|lg|vg|mfg|mit freundlichen grüßen|"
    r"cordialement|bien cordialement|bien à vous|amicalement|merci(?: beaucoup)?|"
    r"(?:un )?saludos?|atentamente|un abrazo|gracias)[ \t]*[,.!]*[ \t]*$",
    _FLAGS,
)
# Where Outlook's HTML starts the quoted history (it never quotes with <blockquote>).
_HTML_HISTORY = re.compile(
    r"<(?:div|hr|span)\b[^>]*\bid=[\"']?(?:divRplyFwdMsg|appendonsend|stopSpelling)\b",
    re.IGNORECASE,
)
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_RULE_LINE = re.compile(r"^[ \t]*(?:\* ?){3,}[ \t]*$|^[ \t]*(?:- ?){3,}[ \t]*$")
_MESSAGE_ID = re.compile(r"<([^<>]+)>")
_CHARSET_ALIASES = {
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
}
_INVISIBLES = str.maketrans(
    {"\xa0": " ", "\u202f": " ", "\u2007": " ", "\u200b": None, "\ufeff": None}
)

_AUTO_SUBJECT = re.compile(
    r"^\W*(?:out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|"
    r"abwesenheit\w*|automatische antwort|abwesend|"
    r"r[ée]ponse automatique|absen(?:ce|t)e? du bureau|"
    r"respuesta autom[áa]tica|fuera de (?:la )?oficina|ausente)\b",
    re.IGNORECASE,
)
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_DAEMON_SENDERS = frozenset({"mailer-daemon", "postmaster"})


class _Marker(NamedTuple):
    start: int
    end: int
    cut: bool


def _compile_markers() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    wrote = [MAIL_LANGUAGES[lang]["wrote_header"] for lang in LANGUAGES]
    headers = [MAIL_LANGUAGES[lang]["from_header"] for lang in LANGUAGES]
    attributions = [re.compile(p, _FLAGS) for p in (*wrote, *_EXTRA_ATTRIBUTIONS)]
    cuts = [re.compile(p, _FLAGS) for p in (*headers, *_CUT_MARKERS)]
    return attributions, cuts


_ATTRIBUTIONS, _CUTS = _compile_markers()


def reply_text(message: EmailMessage) -> str:
    """The new words the person wrote: no quoted history, attribution lines or signatures."""
    body = _body_text(message)
    return _without_name_line(extract_reply(body), _sender_name(message)) if body else ""


def extract_reply(text: str) -> str:
    """The new words in a plain-text email body (see `reply_text`)."""
    text = _normalise(text)
    markers = _markers(text)
    first = markers[0].start if markers else len(text)
    candidate = _unquoted(text[:first])
    if markers and not candidate.strip():  # nothing above the history: answered inline?
        candidate = _unquoted(_inline_answer(text, markers))
    return _tidy(_strip_signature(candidate))


def reply_tokens(message: Message, local_part: str, domain: str) -> list[str]:
    """Tokens of plus-addressed recipients ``local_part+TOKEN@domain``, in order, unique."""
    address = re.compile(
        rf"(?<![\w.+-]){re.escape(local_part)}\+({TOKEN_PATTERN})@{re.escape(domain)}(?![\w.-])",
        re.IGNORECASE,
    )
    found = (
        match.group(1)
        for name in TOKEN_HEADERS
        for value in _header_values(message, name)
        for match in address.finditer(value)
    )
    return _unique(found)


def referenced_ids(message: Message) -> list[str]:
    """Message-IDs in In-Reply-To then References, as ``<id>``, in order, unique."""
    found = (
        "<" + re.sub(r"\s+", "", match.group(1)) + ">"
        for name in ("In-Reply-To", "References")
        for value in _header_values(message, name)
        for match in _MESSAGE_ID.finditer(value)
    )
    return _unique(found)


def is_automatic(message: Message) -> bool:
    """True for auto-replies (RFC 3834 and common conventions), bounces and other reports.

    Bounces count as automatic so that callers route them to `bounces.parse_bounce` instead.
    """
    return _auto_headers(message) or _auto_subject(message) or _is_bounce(message)


def sender_address(message: Message) -> str | None:
    """The From address, lower-cased; None without one."""
    for _name, address in getaddresses(_header_values(message, "From")):
        if "@" in address:
            return address.strip().lower()
    return None


# -- message bodies ----------------------------------------------------------------------------


def _body_text(message: EmailMessage) -> str:
    """The text/plain body, else the text/html body converted to text."""
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        text = _decoded(plain)
        if _is_flowed(plain):
            text = _unflow(text, delsp=_param(plain, "delsp") == "yes")
        if text.strip():
            return text
    html = message.get_body(preferencelist=("html",))
    return _html_text(_decoded(html)) if html is not None else ""


def _decoded(part: Message) -> str:
    """A text part's content, decoded from its transfer encoding and charset.

    Text that isn't valid in its declared charset (or declares none) is read as UTF-8, else
    Windows-1252, else Latin-1; Latin-1 is read as Windows-1252, as mail clients mean it.
    """
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return ""
    declared = part.get_content_charset() or "utf-8"
    for charset in (_CHARSET_ALIASES.get(declared, declared), "utf-8", "cp1252"):
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("latin-1")


def _param(part: Message, name: str) -> str:
    return str(part.get_param(name, "", header="content-type")).lower()


def _is_flowed(part: Message) -> bool:
    return _param(part, "format") == "flowed"


def _unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 soft line breaks (lines ending in a space) of a format=flowed body."""
    lines: list[tuple[int, str]] = []
    joining = False
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        if joining and lines and depth == lines[-1][0]:
            lines[-1] = (depth, lines[-1][1] + content)
        else:
            lines.append((depth, content))
        joining = content.endswith(" ") and content != "-- "
        if joining and delsp:
            lines[-1] = (depth, lines[-1][1][:-1])
    return "\n".join(">" * depth + (" " if depth else "") + content for depth, content in lines)


def _html_text(html: str) -> str:
    """Plain text of an HTML body; Outlook's history is cut off, blockquotes become ``>``."""
    match = _HTML_HISTORY.search(html)
    if match:
        html = html[: match.start()]
    converter = html2text.HTML2Text(bodywidth=0)
    converter.unicode_snob = True
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    text = _MARKDOWN_ESCAPE.sub(r"\1", converter.handle(html))
    lines = text.split("\n")
    while lines and (not lines[-1].strip() or _RULE_LINE.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


# -- reply extraction --------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_INVISIBLES)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _markers(text: str) -> list[_Marker]:
    """Unquoted attribution lines and history markers, in order of position."""
    found = [
        _Marker(match.start(), match.end(), cut)
        for patterns, haystack, cut in (
            (_ATTRIBUTIONS, _attribution_candidates(text), False),
            (_CUTS, text, True),
        )
        for pattern in patterns
        for match in pattern.finditer(haystack)
        if match.group().strip() and not match.group().lstrip().startswith(">")
    ]
    return sorted(found)


def _attribution_candidates(text: str) -> str:
    """`text` with every line blanked that can't be (part of) an attribution line.

    The library's attribution patterns take quadratic time on long lines, so they only see
    short unquoted lines ending in a colon (or wrapped onto one), and only the first few.
    """
    lines = text.split("\n")
    ends = [_could_attribute(line) and line.rstrip().endswith(":") for line in lines]
    kept = 0
    out: list[str] = []
    for index, line in enumerate(lines):
        candidate = _could_attribute(line) and (ends[index] or any(ends[index + 1 : index + 2]))
        kept += candidate
        out.append(line if candidate and kept <= _MAX_ATTRIBUTION_LINES else " " * len(line))
    return "\n".join(out)


def _could_attribute(line: str) -> bool:
    return len(line) <= _MAX_ATTRIBUTION_LENGTH and not line.lstrip().startswith(">")


def _inline_answer(text: str, markers: Iterable[_Marker]) -> str:
    """A bottom-posted reply: attribution lines removed, everything from a cut marker on."""
    kept: list[str] = []
    position = 0
    for marker in markers:
        if marker.start < position:
            continue
        kept.append(text[position : marker.start])
        position = marker.end
        if marker.cut:
            return "".join(kept)
    kept.append(text[position:])
    return "".join(kept)


def _unquoted(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if not line.lstrip().startswith(">"))


def _strip_signature(text: str) -> str:
    """Cut at a signature delimiter, a mobile "Sent from" line or a sign-off."""
    for pattern in (_SIGNATURE_STARTS, _SIGN_OFFS):
        match = pattern.search(text)
        if match and (pattern is _SIGNATURE_STARTS or text[: match.start()].strip()):
            text = text[: match.start()]
    parsed = ParsedBody(text + "\n", languages=list(LANGUAGES), keep_hyphen_lists=True)
    match = parsed.SIGNATURE_REGEX.search(parsed.text)
    return parsed.text[: match.start()] if match else parsed.text


def _without_name_line(text: str, name: str) -> str:
    """Drop a last paragraph that is just (part of) the sender's name, like "Anna" or "- Jonas"."""
    head, _, last = text.rpartition("\n\n")
    words = re.findall(r"\w+", last.casefold())
    names = set(re.findall(r"\w+", name.casefold()))
    if head and "\n" not in last and words and set(words) <= names:
        return head.rstrip()
    return text


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# -- headers -----------------------------------------------------------------------------------


def _header_values(message: Message, name: str) -> list[str]:
    return [str(value) for value in message.get_all(name, [])]


def _sender_name(message: Message) -> str:
    names = (name for name, _address in getaddresses(_header_values(message, "From")))
    return next((name for name in names if name), "")


def _header(message: Message, name: str) -> str:
    value = message.get(name)
    return str(value).strip() if value is not None else ""


def _unique(items: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _auto_headers(message: Message) -> bool:
    submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    suppress_value = _header(message, "X-Auto-Response-Suppress")
    suppress = {part.strip().lower() for part in suppress_value.split(",")}
    return (
        submitted not in ("", "no")
        or bool(_header(message, "X-Autoreply") or _header(message, "X-Autorespond"))
        or _header(message, "Precedence").lower() in _AUTO_PRECEDENCE
        or bool(suppress & {"all", "oof"})
    )


def _auto_subject(message: Message) -> bool:
    return bool(_AUTO_SUBJECT.match(_header(message, "Subject")))


def _is_bounce(message: Message) -> bool:
    sender = sender_address(message) or ""
    return (
        sender.partition("@")[0] in _DAEMON_SENDERS
        or message.get_content_type() == "multipart/report"
        or _header(message, "Return-Path") == "<>"
        or bool(_header(message, "X-Failed-Recipients"))
    )
