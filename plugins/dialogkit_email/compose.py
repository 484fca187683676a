"""Writing messages: Jinja2 templates into multipart emails (plain text and HTML).

Each kind of message (invitation, reminder, question, thanks, resume) has three templates:
``KIND.subject.txt``, ``KIND.txt`` and ``KIND.html``. A program overrides any of them by
putting a file of the same name in its templates folder (``[email] templates``); a file
``KIND.LANG.txt`` (e.g. ``invitation.de.txt``) is used for sessions in that language. The
HTML templates escape everything they are given; the text ones don't need to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import jinja2
from attrs import frozen

from dialogkit_email.settings import EmailSettings
from dialogkit_email.words import base_language, translator

Kind = Literal["invitation", "reminder", "question", "thanks", "resume"]


class TemplateProblem(Exception):
    """A template that can't be rendered; the message names the file."""


@frozen
class Recipient:
    """Who a message goes to, as its templates see them."""

    address: str
    name: str | None = None
    first_name: str | None = None
    id: str | None = None
    attributes: Mapping[str, Any] = {}


@frozen
class Envelope:
    """What goes around the words: addresses, threading, and the links' tokens."""

    message_id: str
    opt_out_url: str
    reply_token: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = ()


class Composer:
    """Renders the email channel's templates into messages."""

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings
        loaders: list[jinja2.BaseLoader] = []
        if settings.templates is not None:
            loaders.append(jinja2.FileSystemLoader(Path(settings.templates)))
        loaders.append(jinja2.PackageLoader("dialogkit_email", "templates"))
        self.environment = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",),
                                                default_for_string=False),
            keep_trailing_newline=True, trim_blocks=False)

    def new_message_id(self) -> str:
        """A fresh Message-ID in the sender's domain."""
        return make_msgid(domain=self.settings.sender.domain)

    def _render(self, kind: str, extension: str, language: str,
                values: Mapping[str, Any]) -> str:
        names = [f"{kind}.{language}.{extension}", f"{kind}.{extension}"]
        try:
            template = self.environment.select_template(names)
        except jinja2.TemplateSyntaxError as error:
            raise TemplateProblem(f"email template {error.filename or error.name}, line "
                                  f"{error.lineno}: {error.message}") from None
        try:
            return template.render(values)
        except jinja2.TemplateError as error:
            raise TemplateProblem(f"email template {template.filename or template.name}: "
                                  f"{error}") from None

    def compose(self, kind: Kind, recipient: Recipient, envelope: Envelope, *,
                language: str | None, context: Mapping[str, Any], now: datetime
                ) -> EmailMessage:
        """A message of `kind` to `recipient`, from the templates and `context`."""
        lang = base_language(language)
        reply_address = (self.settings.reply_address(envelope.reply_token)
                         if envelope.reply_token else None)
        values = {
            "t": translator(language), "language": lang, "respondent": recipient,
            "sender": self.settings.sender.display_name or self.settings.sender.addr_spec,
            "opt_out_url": envelope.opt_out_url, "reply_address": reply_address,
            **context,
        }
        subject = " ".join(self._render(kind, "subject.txt", lang, values).split())
        values["subject"] = subject
        values["mailto"] = lambda answer: _mailto(reply_address, subject, answer)
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = Address(display_name=" ".join((recipient.name or "").split()),
                                addr_spec=recipient.address)
        message["Subject"] = subject
        message["Date"] = format_datetime(now)
        message["Message-ID"] = envelope.message_id
        if reply_address:
            message["Reply-To"] = reply_address
        if envelope.in_reply_to:
            message["In-Reply-To"] = envelope.in_reply_to
        if envelope.references:
            message["References"] = " ".join(envelope.references)
        message["List-Unsubscribe"] = f"<{envelope.opt_out_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(self._render(kind, "txt", lang, values))
        message.add_alternative(self._render(kind, "html", lang, values), subtype="html")
        return message


def _mailto(address: str | None, subject: str, answer: Any) -> str:
    """A link that opens a reply already saying `answer` (empty without a reply address)."""
    if not address:
        return ""
    return (f"mailto:{address}?subject={quote('Re: ' + subject)}"
            f"&body={quote(str(answer))}")
