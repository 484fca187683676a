"""A real IMAP server for tests: Dovecot on 127.0.0.1 with a throwaway config.

`imap_server()` writes a minimal config into a temporary folder of its own (a passwd-file with
one user, mail in a Maildir there, a `trustme` certificate, its log, its runtime and state
folders), starts ``dovecot -F -c CONF`` on two free ports (IMAP with STARTTLS, and IMAP over
TLS), waits until both answer, and stops it afterwards. Nothing system-wide is touched.
Written for Dovecot 2.3's config syntax (Debian 12's); 2.4 changed it and is refused.

Run as root (as CI does) the login and internal processes run as root and mail is stored as
`nobody`; run as anyone else everything runs as that user.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import trustme
from attrs import frozen

from dialogkit_email.settings import ImapSettings

USERNAME = "replies"
PASSWORD = "Tr0ub4dor&3-imap"


def dovecot_binary() -> str | None:
    """The ``dovecot`` program, if installed (Debian puts it in /usr/sbin)."""
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


def dovecot_version(binary: str) -> str:
    """Dovecot's version, like ``2.3.19.1``."""
    output = subprocess.run([binary, "--version"], capture_output=True, text=True,
                            check=True, timeout=10).stdout
    return output.split()[0]


@frozen
class ImapServer:
    """A running test server: where it listens and the one user's credentials."""

    host: str
    starttls_port: int
    tls_port: int
    ca_file: Path
    log_file: Path

    def settings(self, security: Literal["tls", "starttls"] = "tls", *,
                 folder: str = "INBOX", username: str = USERNAME,
                 password: str = PASSWORD) -> ImapSettings:
        """Settings for `ImapSource` to read this server's mailbox."""
        port = self.tls_port if security == "tls" else self.starttls_port
        return ImapSettings(host=self.host, port=port, security=security, username=username,
                            password=password, folder=folder, timeout=10.0,
                            ca_file=self.ca_file)

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4_SSL]:
        """A logged-in IMAP connection of the test user's, for putting mail in place."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        client = imaplib.IMAP4_SSL(self.host, self.tls_port, ssl_context=context, timeout=10)
        try:
            client.login(USERNAME, PASSWORD)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """Add a message to `folder` (created if missing) by IMAP APPEND; its UID."""
        with self.client() as client:
            client.create(folder)  # fails harmlessly when it exists
            kind, data = client.append(folder, None, None, raw)
            assert kind == "OK", data
            match = re.search(rb"APPENDUID \d+ (\d+)", data[-1] or b"")
            assert match, data
            return int(match[1])

    def log(self) -> str:
        """What the server has logged so far."""
        return self.log_file.read_text("utf-8", "replace") if self.log_file.exists() else ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int, tls: ssl.SSLContext | None = None) -> bool:
    """Whether an IMAP greeting comes from `port` (over TLS with a `tls` context)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            if tls is None:
                return connection.recv(64).startswith(b"* OK")
            with tls.wrap_socket(connection, server_hostname="127.0.0.1") as secure:
                return secure.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _config(root: Path, starttls_port: int, tls_port: int) -> str:
    if os.geteuid() == 0:
        # Dovecot runs neither its login processes nor mail access as root: `nobody` does.
        internal_user, login_user = "root", "nobody"
    else:
        internal_user = login_user = pwd.getpwuid(os.geteuid()).pw_name
    internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
    mail_user = pwd.getpwnam(login_user)
    return f"""\
# A throwaway Dovecot 2.3 for the tests (tests/imap_server.py).
protocols = imap
listen = 127.0.0.1
instance_name = dialogkit-test-{root.name}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
first_valid_gid = 0
ssl = yes
ssl_cert = <{root}/server.pem
ssl_key = <{root}/server.key
auth_mechanisms = plain
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No growing delays for logins after the wrong-password test.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@contextlib.contextmanager
def imap_server(start_timeout: float = 15.0) -> Iterator[ImapServer]:
    """Run Dovecot for the duration of the ``with`` block; `RuntimeError` if it won't start."""
    binary = dovecot_binary()
    if binary is None:
        raise RuntimeError("dovecot is not installed (Debian: apt-get install dovecot-imapd)")
    version = dovecot_version(binary)
    if not version.startswith("2.3."):
        raise RuntimeError(f"tests/imap_server.py writes Dovecot 2.3 config; this is {version}")
    root = Path(tempfile.mkdtemp(prefix="dialogkit-imap-"))
    # As root, the mail processes run as `nobody` and must be able to reach their home.
    root.chmod(0o755)
    process: subprocess.Popen[bytes] | None = None
    try:
        ca = trustme.CA()
        certificate = ca.issue_cert("127.0.0.1", "localhost")
        ca.cert_pem.write_to_path(root / "ca.pem")
        certificate.cert_chain_pems[0].write_to_path(root / "server.pem")
        certificate.private_key_pem.write_to_path(root / "server.key")
        tls = ssl.create_default_context(cafile=str(root / "ca.pem"))
        (root / "passwd").write_text(f"{USERNAME}:{{PLAIN}}{PASSWORD}\n")
        home = root / "home"
        home.mkdir()
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(home, nobody.pw_uid, nobody.pw_gid)
        for _ in range(3):  # a free port may be taken again before dovecot binds it
            starttls_port, tls_port = _free_port(), _free_port()
            config = root / "dovecot.conf"
            config.write_text(_config(root, starttls_port, tls_port))
            with (root / "stderr.log").open("ab") as errors:
                process = subprocess.Popen([binary, "-F", "-c", str(config)],
                                           stdin=subprocess.DEVNULL, stdout=errors,
                                           stderr=errors)
            deadline = time.monotonic() + start_timeout
            while process.poll() is None and time.monotonic() < deadline:
                if _answers(starttls_port) and _answers(tls_port, tls):
                    break
                if "Fatal:" in _said(root):
                    break
                time.sleep(0.05)
            if process.poll() is None and _answers(starttls_port) and _answers(tls_port, tls):
                break
            _stop(process)
            process = None
            said = _said(root)
            if "Address already in use" not in said:
                raise RuntimeError(f"dovecot did not start:\n{said}")
        if process is None:
            raise RuntimeError("dovecot did not start: no free port")
        yield ImapServer(host="127.0.0.1", starttls_port=starttls_port, tls_port=tls_port,
                         ca_file=root / "ca.pem", log_file=root / "dovecot.log")
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)


def _said(root: Path) -> str:
    """What dovecot has written to its stderr and its log."""
    return "".join(path.read_text("utf-8", "replace")
                   for path in (root / "stderr.log", root / "dovecot.log") if path.exists())


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
