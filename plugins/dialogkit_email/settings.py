"""The email channel's settings: the ``[email]`` tables of a project's ``dialogkit.toml``.

Everything has an embedded default, so a project with no ``[email]`` table at all sends to a
local outbox folder and reads replies from a local Maildir. The tables are checked against
``email-settings.schema.json`` (shipped beside this module); every problem is reported at once,
naming the file and the key. Secrets (SMTP and IMAP passwords) are best given in environment
variables; they are never printed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from email.headerregistry import Address
from email.utils import getaddresses
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import jsonschema
from attrs import field, frozen

from dialogkit.store.config import CONFIG_FILE, StoreConfigError, project_table

SMTP_USERNAME_ENV = "DIALOGKIT_SMTP_USERNAME"
SMTP_PASSWORD_ENV = "DIALOGKIT_SMTP_PASSWORD"
IMAP_USERNAME_ENV = "DIALOGKIT_IMAP_USERNAME"
IMAP_PASSWORD_ENV = "DIALOGKIT_IMAP_PASSWORD"

DEFAULT_FROM = "dialogkit <dialogkit@localhost>"
DEFAULT_WEB_URL = "http://127.0.0.1:8000"
Security = Literal["starttls", "tls", "none"]


class EmailSettingsError(ValueError):
    """The ``[email]`` settings can't be used; the message lists every problem."""


@frozen
class SmtpSettings:
    """Where and how to hand messages to a mail server."""

    host: str = "127.0.0.1"
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: Path | None = None
    """Extra certificate authorities to trust (a server with a private certificate)."""


@frozen
class ImapSettings:
    """An IMAP mailbox that replies and bounces arrive in."""

    host: str
    port: int = 993
    security: Literal["tls", "starttls"] = "tls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    folder: str = "INBOX"
    timeout: float = 30.0
    ca_file: Path | None = None


@frozen
class EmailSettings:
    """The email channel's settings for one project."""

    sender: Address
    reply_to: Address
    web_url: str
    transport: Literal["outbox", "smtp"] = "outbox"
    outbox: Path = Path("outbox")
    templates: Path | None = None
    rate: str = "20/second"
    max_attempts: int = 5
    retry_delay: float = 2.0
    smtp: SmtpSettings = SmtpSettings()
    remind_after_days: float = 3.0
    max_reminders: int = 2
    maildir: Path = Path("inbox")
    imap: ImapSettings | None = None

    def reply_address(self, token: str) -> str:
        """The address a reply to a message carrying `token` goes to: ``local+token@domain``."""
        return f"{self.reply_to.username}+{token}@{self.reply_to.domain}"


def _schema() -> Mapping[str, Any]:
    text = resources.files(__package__).joinpath("email-settings.schema.json").read_text("utf-8")
    return json.loads(text)


def _address(text: str, where: str, problems: list[str]) -> Address | None:
    parsed = getaddresses([text])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        problems.append(f"{where}: {text!r} is not an email address like "
                        "\"Acme Team <team@acme.example>\"")
        return None
    name, address = parsed[0]
    local, _, domain = address.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


def _path(folder: Path, value: str | None) -> Path | None:
    return None if value is None else (folder / value)


def _where(error: jsonschema.ValidationError) -> str:
    parts = [str(part) for part in error.absolute_path]
    tables = ["email", *[p for p in parts[:-1]]]
    key = parts[-1] if parts else None
    return f"[{'.'.join(tables)}]" + (f" {key}" if key else "")


def _message(error: jsonschema.ValidationError) -> str:
    """The schema's own description for a value of the wrong form, else jsonschema's words."""
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    if error.validator == "pattern" and description:
        return f"{error.instance!r} is not valid: {description}"
    return error.message


def load_settings(project_dir: str | os.PathLike[str] = ".",
                  environ: Mapping[str, str] | None = None) -> EmailSettings:
    """The project's email settings; raises `EmailSettingsError` listing every problem."""
    folder = Path(project_dir)
    environ = os.environ if environ is None else environ
    config_file = folder / CONFIG_FILE
    try:
        table = project_table(folder, "email")
    except StoreConfigError as error:
        raise EmailSettingsError(str(error)) from None
    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(table), key=lambda e: list(map(str, e.absolute_path)))
    problems = [f"{config_file}: {_where(error)}: {_message(error)}" for error in errors]
    wrong = {tuple(map(str, error.absolute_path)) for error in errors}
    sender = (_address(table.get("from", DEFAULT_FROM), f"{config_file}: [email] from",
                       problems) if ("from",) not in wrong else None)
    reply_to = sender
    if "reply_to" in table and ("reply_to",) not in wrong:
        reply_to = _address(table["reply_to"], f"{config_file}: [email] reply_to", problems)
    smtp_table = table.get("smtp", {})
    imap_table = table.get("inbound", {}).get("imap")
    if problems or sender is None or reply_to is None:
        raise EmailSettingsError("\n".join(problems))
    smtp = SmtpSettings(
        host=smtp_table.get("host", "127.0.0.1"),
        port=smtp_table.get("port", 465 if smtp_table.get("security") == "tls" else 587),
        security=smtp_table.get("security", "starttls"),
        username=environ.get(SMTP_USERNAME_ENV) or smtp_table.get("username"),
        password=environ.get(SMTP_PASSWORD_ENV) or smtp_table.get("password"),
        timeout=float(smtp_table.get("timeout", 30)),
        ca_file=_path(folder, smtp_table.get("ca_file")))
    imap = None
    if imap_table is not None:
        imap = ImapSettings(
            host=imap_table["host"],
            port=imap_table.get("port", 143 if imap_table.get("security") == "starttls"
                                else 993),
            security=imap_table.get("security", "tls"),
            username=environ.get(IMAP_USERNAME_ENV) or imap_table.get("username"),
            password=environ.get(IMAP_PASSWORD_ENV) or imap_table.get("password"),
            folder=imap_table.get("folder", "INBOX"),
            timeout=float(imap_table.get("timeout", 30)),
            ca_file=_path(folder, imap_table.get("ca_file")))
    reminders = table.get("reminders", {})
    inbound = table.get("inbound", {})
    return EmailSettings(
        sender=sender, reply_to=reply_to,
        web_url=table.get("web_url", DEFAULT_WEB_URL).rstrip("/"),
        transport=table.get("transport", "outbox"),
        outbox=folder / table.get("outbox", "outbox"),
        templates=_path(folder, table.get("templates")),
        rate=table.get("rate", "20/second"),
        max_attempts=table.get("max_attempts", 5),
        retry_delay=float(table.get("retry_delay", 2.0)),
        smtp=smtp,
        remind_after_days=float(reminders.get("after_days", 3)),
        max_reminders=reminders.get("max", 2),
        maildir=folder / inbound.get("maildir", "inbox"),
        imap=imap)
