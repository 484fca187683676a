"""Reading replies: the person's new words, routing tokens, threading and auto-replies."""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogkit_email.replies import (
    is_automatic,
    referenced_ids,
    reply_text,
    reply_tokens,
    sender_address,
)

DATA = Path(__file__).parent / "data" / "email"


def load(name: str) -> EmailMessage:
    data = (DATA / name).read_bytes()
    return email.message_from_bytes(data, policy=email.policy.default)  # type: ignore[return-value]


def parse(text: str) -> EmailMessage:
    return email.message_from_bytes(text.encode(), policy=email.policy.default)  # type: ignore[return-value]


def html_only(message: EmailMessage) -> EmailMessage:
    """The same message with only its HTML alternative."""
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    only = EmailMessage()
    only["From"] = message["From"]
    only.set_content(html.get_content(), subtype="html")
    return only


# -- what the person wrote ---------------------------------------------------------------------

EXPECTED = {
    "gmail_top_posted.eml": "The onboarding was slow because nobody showed us the import tool – "
    "we found it after two weeks.",
    "outlook_reply.eml": "7 - the reports are good, but exporting them is painful.",
    "apple_mail_reply.eml": "Mostly the price. We are a team of three and the per-seat plan got "
    "too expensive once we added the second workspace.",
    "html_only_reply.eml": "A calendar view, please. Right now we copy every deadline into Google "
    "Calendar by hand.\n\nAlso: dark mode would be nice – but that’s less important.",
    "signature_dashdash.eml": "8",
    "sent_from_iphone.eml": "Nine. Would be ten if the app didn't log me out every day.",
    "german_reply.eml": "Die Einrichtung hat zu lange gedauert. Wir mussten alle Kunden\n"
    "händisch übertragen, weil der Import unsere Umlaute zerschossen hat.",
    "french_reply.eml": "Trop cher pour une petite équipe comme la nôtre.",
    "spanish_reply.eml": "Demasiado caro para nosotros.",
    "forwarded.eml": "Forwarding this to you from my private address: we picked Acme because "
    "our\nold tool had no API and Acme's webhooks let us automate invoicing.",
    "bottom_posted_inline.eml": "9\n\nThe sync just works, and support answered within an hour "
    "when it\ndidn't.",
    "latin1_quoted_printable.eml": "Die Einführung war mühsam: Schulungsunterlagen gab es nur "
    "auf Englisch,\nund die Größe der Exportdateien war auf 5 MB begrenzt.",
}

# Words from each message's quoted history, signature or forwarded part.
LEAKS = {
    "gmail_top_posted.eml": ["wrote", "harder than you expected", "Acme Research"],
    "outlook_reply.eml": ["From:", "Sent:", "scale from 0 to 10", "Jonas", "*"],
    "apple_mail_reply.eml": ["wrote", "cancelled", "Lea"],
    "html_only_reply.eml": ["wrote", "build one thing", "Björn"],
    "signature_dashdash.eml": ["Anna", "Nordlicht", "+49", "colleague"],
    "sent_from_iphone.eml": ["iPhone", "wrote", "colleague"],
    "german_reply.eml": ["Grüße", "Jürgen", "iPhone", "schrieb", "Hallo"],
    "french_reply.eml": ["iPhone", "écrit", "Bonjour", "résilié"],
    "spanish_reply.eml": ["iPhone", "escribió", "Hola", "suscripción"],
    "forwarded.eml": ["Forwarded", "From:", "Hi Priya", "choose Acme"],
    "bottom_posted_inline.eml": ["wrote", "How likely", "Why that score", "Weber", "Söhne"],
    "latin1_quoted_printable.eml": ["Grüßen", "Sabine", "Ursprüngliche", "Von:", "Hallo"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reply_text_is_exactly_the_new_words(name: str) -> None:
    assert reply_text(load(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_nothing_from_history_or_signature_leaks_in(name: str) -> None:
    text = reply_text(load(name))
    for leak in LEAKS[name]:
        assert leak not in text


@pytest.mark.parametrize("name", ["gmail_top_posted.eml", "outlook_reply.eml"])
def test_the_html_alternative_gives_the_same_answer(name: str) -> None:
    message = load(name)
    assert reply_text(html_only(message)) == EXPECTED[name]


def test_outlook_html_history_after_divrplyfwdmsg_is_dropped() -> None:
    text = reply_text(html_only(load("outlook_reply.eml")))
    assert "Hello Jonas" not in text
    assert "Sent:" not in text


def test_html_numbers_and_dashes_are_not_markdown_escaped() -> None:
    message = EmailMessage()
    message.set_content("<p>9. It was fine</p><p>- but slow</p><p>+ cheap</p>", subtype="html")
    assert reply_text(message) == "9. It was fine\n\n- but slow\n\n+ cheap"


def test_a_reply_that_only_quotes_has_no_new_words() -> None:
    message = parse(
        "From: a@example.org\nContent-Type: text/plain\n\n"
        "On Mon, 23 Nov 2026 at 10:00, Acme <replies@acme.example> wrote:\n"
        "> How likely are you to recommend us?\n"
    )
    assert reply_text(message) == ""


def test_an_empty_message_has_no_new_words() -> None:
    assert reply_text(parse("From: a@example.org\n\n")) == ""


def test_hyphen_lists_are_kept() -> None:
    message = parse(
        "From: a@example.org\nContent-Type: text/plain\n\n"
        "Three things:\n- the price\n- the import\n- the app\n\nBest regards,\nAnna\n"
    )
    assert reply_text(message) == "Three things:\n- the price\n- the import\n- the app"


def test_begin_forwarded_message_keeps_only_the_words_above() -> None:
    message = parse(
        "From: a@example.org\nContent-Type: text/plain\n\n"
        "Here is my answer: 10.\n\nBegin forwarded message:\n\n"
        "From: Acme Research <replies@acme.example>\nSubject: Quick question\n\n"
        "How likely are you to recommend us?\n"
    )
    assert reply_text(message) == "Here is my answer: 10."


def test_get_outlook_for_ios_is_a_signature() -> None:
    message = parse(
        "From: a@example.org\nContent-Type: text/plain\n\n"
        "Six.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n"
        "________________________________\nFrom: Acme\nSent: Monday\nTo: me\nSubject: Hi\n\nQ?\n"
    )
    assert reply_text(message) == "Six."


def test_a_reply_that_is_only_thanks_is_kept() -> None:
    assert reply_text(parse("From: a@example.org\n\nThanks!\n")) == "Thanks!"


# Any text written above any quoted history is exactly what comes back.

WORDS = [
    "the",
    "onboarding",
    "was",
    "slow",
    "because",
    "import",
    "9",
    "10",
    "0",
    "Größe",
    "équipe",
    "lento",
    "precio",
    "naïve",
    "日本語",
    "🙂",
    "don't",
    "(really)",
    "-",
    "50%",
    "a/b",
    "why?",
    "yes.",
    "no,",
    "e-mail",
    "x@y.example",
    "https://acme.example/a?b=c",
]
ATTRIBUTIONS = [
    "On Mon, 23 Nov 2026 at 10:00, Acme Research <replies@acme.example> wrote:",
    "On 23 Nov 2026, at 10:00, Acme Research <replies@acme.example> wrote:",
    "Am Mo., 23. Nov. 2026 um 10:00 Uhr schrieb Acme Research <replies@acme.example>:",
    "Le lun. 23 nov. 2026 à 10:00, Acme Research <replies@acme.example> a écrit :",
    "El lun, 23 nov 2026 a las 10:00, Acme Research (<replies@acme.example>) escribió:",
    "-----Original Message-----",
]
SIGNATURES = [
    "",
    "\n-- \nAnna Berg\nAcme Customer",
    "\nSent from my iPhone",
    "\nVon meinem iPhone gesendet",
    "\nEnvoyé de mon iPhone",
    "\nEnviado desde mi iPhone",
    "\nThanks,\nAnna",
]

lines = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)
paragraphs = st.lists(lines, min_size=1, max_size=3).map("\n".join)
top_texts = st.lists(paragraphs, min_size=1, max_size=3).map("\n\n".join)
histories = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")) | st.just("\n"), max_size=300
)


@settings(max_examples=150, deadline=None)
@given(
    top=top_texts,
    signature=st.sampled_from(SIGNATURES),
    attribution=st.sampled_from(ATTRIBUTIONS),
    history=histories,
)
def test_top_posted_text_over_any_quoted_history_comes_back_exactly(
    top: str, signature: str, attribution: str, history: str
) -> None:
    quoted = "\n".join(("> " + line).rstrip() for line in history.split("\n"))
    message = EmailMessage()
    message["From"] = "Anna Berg <anna@example.org>"
    message["Subject"] = "Re: Quick question"
    message.set_content(f"{top}\n{signature}\n\n{attribution}\n\n{quoted}\n")
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert reply_text(parsed) == top  # type: ignore[arg-type]


# -- routing and threading ---------------------------------------------------------------------


def test_reply_tokens_from_the_recipient_headers() -> None:
    assert reply_tokens(load("gmail_top_posted.eml"), "replies", "acme.example") == [
        "Q2xkT3Bfc2Vzc2lvbl8x"
    ]


def test_reply_tokens_ignore_other_addresses_and_short_tokens() -> None:
    message = parse(
        "From: a@example.org\n"
        "To: replies+short@acme.example, noreplies+ABCDEFGHIJKLMNOPQR@acme.example,\n"
        " replies+ABCDEFGHIJKLMNOPQR@acme.example.evil, other+ABCDEFGHIJKLMNOPQR@acme.example\n"
        'Cc: "Acme" <REPLIES+Zm9vYmFyYmF6cXV4MTIz@Acme.Example>\n'
        "X-Original-To: replies+second_token-0123456789@acme.example\n"
        "Envelope-To: replies+Zm9vYmFyYmF6cXV4MTIz@acme.example\n\n"
    )
    assert reply_tokens(message, "replies", "acme.example") == [
        "Zm9vYmFyYmF6cXV4MTIz",
        "second_token-0123456789",
    ]


tokens = st.from_regex(r"[A-Za-z0-9_-]{16,40}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(
    to=st.lists(tokens, max_size=4),
    delivered=st.lists(tokens, max_size=3),
    local_part=st.sampled_from(["replies", "Replies", "REPLIES"]),
    domain=st.sampled_from(["acme.example", "ACME.example", "Acme.Example"]),
)
def test_reply_tokens_round_trip(
    to: list[str], delivered: list[str], local_part: str, domain: str
) -> None:
    recipients = ", ".join(f'"Acme {i}" <{local_part}+{t}@{domain}>' for i, t in enumerate(to))
    headers = [f"To: {recipients or 'undisclosed-recipients:;'}"]
    headers += [f"Delivered-To: {local_part}+{t}@{domain}" for t in delivered]
    message = parse("From: a@example.org\n" + "\n".join(headers) + "\n\nHi\n")
    expected = list(dict.fromkeys(to + delivered))
    assert reply_tokens(message, "replies", "acme.example") == expected


def test_referenced_ids_in_order_without_duplicates() -> None:
    message = parse(
        "From: a@example.org\n"
        "In-Reply-To: <3@acme.example>\n"
        "References: <1@acme.example>\n <2@acme.example> <3@acme.example>\n\n"
    )
    assert referenced_ids(message) == ["<3@acme.example>", "<1@acme.example>", "<2@acme.example>"]


def test_referenced_ids_of_a_real_reply_and_of_a_fresh_message() -> None:
    assert referenced_ids(load("outlook_reply.eml")) == ["<20261123080000.77.invite@acme.example>"]
    assert referenced_ids(load("forwarded.eml")) == []


def test_sender_address_is_lower_cased() -> None:
    assert sender_address(load("gmail_top_posted.eml")) == "anna.berg@gmail.com"
    assert sender_address(load("latin1_quoted_printable.eml")) == "s.koehler@stadtwerke.example"
    assert sender_address(parse("Subject: no sender\n\n")) is None


# -- automatic messages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "out_of_office.eml",
        "dsn_postfix_user_unknown.eml",
        "dsn_delayed.eml",
        "dsn_two_recipients.eml",
        "dsn_rfc822_headers.eml",
    ],
)
def test_auto_replies_and_bounces_are_automatic(name: str) -> None:
    assert is_automatic(load(name))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_people_are_not_automatic(name: str) -> None:
    assert not is_automatic(load(name))


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated; owner-email=it@example.org",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "Precedence: bulk",
        "Precedence: auto_reply",
        "X-Auto-Response-Suppress: DR, OOF",
        "Subject: Out of Office: Quick question",
        "Subject: Automatic reply: Quick question",
        "Subject: Abwesenheitsnotiz: Kurze Frage",
        "Subject: Réponse automatique : Question rapide",
        "Subject: Respuesta automática: Pregunta rápida",
        "From: MAILER-DAEMON@mx.example.org",
    ],
)
def test_auto_reply_signals(header: str) -> None:
    assert is_automatic(parse(f"{header}\nFrom: a@example.org\n\nI am away.\n"))


def test_auto_submitted_no_is_a_person() -> None:
    message = parse("From: a@example.org\nAuto-Submitted: no\nSubject: Re: Out of ideas\n\n9\n")
    assert not is_automatic(message)


def test_long_lines_do_not_make_parsing_slow() -> None:
    body = "On " + "and then " * 3000 + "\n\n" + ("On " + "word " * 60 + ":\n") * 2000
    message = EmailMessage()
    message.set_content(body)
    started = time.perf_counter()
    assert reply_text(message).startswith("On and then")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain", b"Caf\xc3\xa9 was slow.", "Café was slow."),
        ("text/plain; charset=iso-8859-1", b"\x93Slow\x94, sch\xf6n.", "“Slow”, schön."),
        ("text/plain; charset=utf-8", b"Gr\xfc\xdfe \x96 slow.", "Grüße – slow."),
        ("text/plain; charset=x-no-such-charset", b"d\xc3\xa9j\xc3\xa0 vu", "déjà vu"),
    ],
)
def test_undeclared_or_wrong_charsets_still_read(
    content_type: str, body: bytes, expected: str
) -> None:
    raw = f"From: a@example.org\nContent-Type: {content_type}\n".encode()
    raw += b"Content-Transfer-Encoding: 8bit\n\n" + body + b"\n"
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert reply_text(message) == expected  # type: ignore[arg-type]
