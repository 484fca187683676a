"""The [email] settings: defaults, secrets from the environment, and every problem at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogkit_email.settings import EmailSettingsError, load_settings


def write(folder: Path, text: str) -> Path:
    (folder / "dialogkit.toml").write_text(text, encoding="utf-8")
    return folder


def test_a_project_without_settings_uses_the_outbox_and_a_local_maildir(tmp_path: Path
                                                                        ) -> None:
    settings = load_settings(tmp_path, environ={})
    assert settings.transport == "outbox"
    assert settings.outbox == tmp_path / "outbox"
    assert settings.maildir == tmp_path / "inbox"
    assert settings.imap is None
    assert settings.web_url == "http://127.0.0.1:8000"


def test_replies_are_plus_addressed_to_the_reply_address(tmp_path: Path) -> None:
    write(tmp_path, '[email]\nfrom = "Acme <team@acme.example>"\n'
                    'reply_to = "answers@replies.acme.example"\n')
    settings = load_settings(tmp_path, environ={})
    assert settings.sender.display_name == "Acme"
    assert settings.reply_address("tok") == "answers+tok@replies.acme.example"


def test_smtp_credentials_come_from_the_environment_and_are_never_shown(tmp_path: Path
                                                                        ) -> None:
    write(tmp_path, '[email]\ntransport = "smtp"\n[email.smtp]\nhost = "mail.example"\n'
                    'security = "tls"\n')
    settings = load_settings(tmp_path, environ={"DIALOGKIT_SMTP_USERNAME": "ann",
                                                "DIALOGKIT_SMTP_PASSWORD": "hunter2-secret"})
    assert settings.smtp.port == 465
    assert (settings.smtp.username, settings.smtp.password) == ("ann", "hunter2-secret")
    assert "hunter2-secret" not in repr(settings)


def test_every_problem_is_listed_with_the_file_and_the_key(tmp_path: Path) -> None:
    write(tmp_path, '[email]\nfrom = "not an address"\ntransport = "pigeon"\n'
                    'rate = "fast"\ncolour = "blue"\n[email.smtp]\nport = 70000\n')
    with pytest.raises(EmailSettingsError) as raised:
        load_settings(tmp_path, environ={})
    lines = str(raised.value).splitlines()
    config = str(tmp_path / "dialogkit.toml")
    assert all(line.startswith(config) for line in lines)
    text = str(raised.value)
    for fragment in ("[email] transport", "[email] rate", "'colour' was unexpected",
                     "[email.smtp] port", "[email] from: 'not an address' is not an email"):
        assert fragment in text
    assert "'fast' is not valid: At most this many messages" in text
    assert len(lines) == 5


def test_an_unreadable_sender_address_is_named(tmp_path: Path) -> None:
    write(tmp_path, '[email]\nfrom = "not an address"\n')
    with pytest.raises(EmailSettingsError, match=r"\[email\] from: 'not an address' is not an "
                                                 "email address"):
        load_settings(tmp_path, environ={})
