"""A project folder for the email channel's tests: a script, settings, respondents, and ways
to read what was sent and to reply to it as a person would."""

from __future__ import annotations

import email
import email.policy
import shutil
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import cast

from click.testing import CliRunner, Result

from dialogkit.cli import main
from dialogkit.store import open_store
from dialogkit.store.importing import import_respondents
from dialogkit.store.store import Store
from dialogkit_email.inbound import deliver_to_maildir
from dialogkit_email.transport import read_outbox

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SENDER = "Northwind Customer Team <listening@northwind.example>"
REPLY_TO = "replies@northwind.example"


def make_project(folder: Path, *, script: str = "nps_checkin", smtp_port: int | None = None,
                 extra: str = "", people: Iterable[Sequence[str]] = ()) -> Path:
    """A project in `folder` with the example `script` and the given respondents
    (id, name, email, segments, first name); the outbox unless `smtp_port` is given."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(EXAMPLES / script / "script.yaml", folder / "script.yaml")
    transport = (f'transport = "smtp"\nretry_delay = 0.01\n[email.smtp]\nhost = "127.0.0.1"\n'
                 f'port = {smtp_port}\nsecurity = "none"\n' if smtp_port else "")
    (folder / "dialogkit.toml").write_text(
        f'[email]\nfrom = "{SENDER}"\nreply_to = "{REPLY_TO}"\n'
        f'web_url = "https://survey.northwind.example"\nrate = "10000/second"\n'
        f"{extra}\n{transport}", encoding="utf-8")
    rows = ["id,name,email,segments,attr.first_name"]
    rows += [",".join(person) for person in people]
    (folder / "people.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = open_store(None, folder)
    try:
        import_respondents(store.engine, folder / "people.csv")
    finally:
        store.close()
    return folder


def people(count: int, segment: str = "loyal") -> list[tuple[str, str, str, str, str]]:
    return [(f"p-{n:04d}", f"Person {n}", f"person{n}@example.com", segment, f"P{n}")
            for n in range(count)]


def run(*args: str) -> Result:
    """A dialogkit command, in this process."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def store_of(project: Path) -> Store:
    return open_store(None, project)


def parse(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))


def outbox_messages(project: Path) -> list[EmailMessage]:
    """What the outbox holds, oldest first."""
    return [parse(entry.file.read_bytes()) for entry in read_outbox(project / "outbox")]


def text_of(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return body.get_content()


def html_of(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return body.get_content()


def link_token(message: EmailMessage, path: str = "/r/") -> str:
    """The token of the first link to `path` in the text part."""
    text = text_of(message)
    start = text.index(f"https://survey.northwind.example{path}") + len(
        "https://survey.northwind.example") + len(path)
    return text[start:].split()[0]


def reply(to_message: EmailMessage, words: str, *, sender: str | None = None,
          shape: str = "top") -> EmailMessage:
    """A person's reply to `to_message`, shaped like a common mail client's."""
    answer = EmailMessage()
    address = sender or to_message["To"].addresses[0].addr_spec
    answer["From"] = address
    answer["To"] = str(to_message["Reply-To"] or to_message["From"])
    answer["Subject"] = f"Re: {to_message['Subject']}"
    answer["Message-ID"] = make_msgid(domain="example.com")
    answer["In-Reply-To"] = to_message["Message-ID"]
    answer["References"] = to_message["Message-ID"]
    quoted = "\n".join(f"> {line}" for line in text_of(to_message).splitlines())
    attribution = "On Mon, 23 Nov 2026 at 10:02, Northwind Customer Team " \
                  "<listening@northwind.example> wrote:"
    if shape == "top":
        answer.set_content(f"{words}\n\n{attribution}\n{quoted}\n")
    elif shape == "signature":
        answer.set_content(f"{words}\n\n-- \nBo Li\nHead of Ops, Acme\n\n{attribution}\n"
                           f"{quoted}\n")
    elif shape == "iphone":
        answer.set_content(f"{words}\n\nSent from my iPhone\n\n{attribution}\n{quoted}\n")
    elif shape == "html":
        answer.set_content(
            f'<html><body><div dir="ltr">{words}</div><br><div class="gmail_quote">'
            f'<div class="gmail_attr">{attribution}</div><blockquote class="gmail_quote">'
            f"{html_of(to_message)}</blockquote></div></body></html>", subtype="html")
    elif shape == "outlook":
        answer.set_content(f"{words}\n\n________________________________\nFrom: Northwind "
                           f"Customer Team <listening@northwind.example>\nSent: Monday, "
                           f"November 23, 2026 10:02 AM\nTo: {address}\nSubject: "
                           f"{to_message['Subject']}\n\n{text_of(to_message)}\n")
    else:
        raise ValueError(shape)
    return answer


def deliver(project: Path, message: EmailMessage | bytes) -> None:
    """Put a message in the project's inbox (the Maildir `dialogkit inbox` reads)."""
    deliver_to_maildir(project / "inbox", message if isinstance(message, bytes)
                       else bytes(message))
