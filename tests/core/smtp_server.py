"""A real SMTP server for the digest tests (aiosmtpd on 127.0.0.1), keeping what it received.

Addresses whose local part starts with ``refuse`` are refused at RCPT TO (550), as a real
server refuses an unknown mailbox.
"""

from __future__ import annotations

import email
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler: every accepted message, parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address.split("@")[0].startswith("refuse"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed, raw))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for ``localhost`` and its key, written in ``directory`` (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _authenticator(user: str, password: str):  # noqa: ANN202
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def smtp_server(tls: Path | None = None, login: tuple[str, str] | None = None,
                implicit_tls: bool = False) -> Iterator[tuple[Inbox, int]]:
    """Start the server; yield its inbox and port; stop it.

    With ``tls`` (a folder for the certificate), the server offers STARTTLS on ``localhost``,
    or, with ``implicit_tls``, speaks TLS from the first byte (smtps://, as on port 465);
    with ``login`` it also requires that user and password (over TLS only).
    """
    inbox = Inbox()
    port = free_port()
    params: dict = {}
    if tls is not None:
        cert, key = self_signed(tls)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        if implicit_tls:
            params.update(ssl_context=context)
        else:
            params.update(tls_context=context, require_starttls=True)
    if login is not None:
        # aiosmtpd counts only STARTTLS as TLS; an implicit-TLS connection is TLS from the start
        params.update(authenticator=_authenticator(*login), auth_required=True,
                      auth_require_tls=not implicit_tls)
    controller = Controller(inbox, hostname="localhost" if tls else "127.0.0.1", port=port, **params)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
