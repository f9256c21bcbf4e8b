"""An in-process SMTP relay (aiosmtpd) that keeps what it is sent, for tests and the demo.

Like a real relay it can insist on a login (``username``/``password``: AUTH PLAIN or
LOGIN before MAIL), refuse an address for good (``refuse``: 550 at RCPT) and be briefly
unavailable (``fail_next``: 451 at DATA). ``inbox(address)`` is what that address
received, as parsed messages.
"""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class FakeSmtp:
    def __init__(self, *, username: str = "", password: str = "") -> None:
        self.username = username
        self.password = password
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refused: set[str] = set()
        self._fail_next = 0
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    # -- what tests use ----------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._controller is not None, "the fake SMTP relay is not started"
        login = f"{self.username}:{self.password}@" if self.username else ""
        return f"smtp://{login}127.0.0.1:{self._controller.port}"

    def refuse(self, address: str) -> None:
        self.refused.add(address.lower())

    def fail_next(self, times: int = 1) -> None:
        """The next ``times`` messages are answered 451 (try again later)."""
        with self._lock:
            self._fail_next = times

    def inbox(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for rcpts, m in self.messages if address.lower() in rcpts]

    # -- the relay ---------------------------------------------------------------------

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            if self._fail_next > 0:
                self._fail_next -= 1
                return "451 4.3.0 Try again later"
            parsed = message_from_bytes(envelope.original_content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(([r.lower() for r in envelope.rcpt_tos], parsed))
        return "250 OK queued"

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> FakeSmtp:
        with socket.socket() as probe:  # a free port (aiosmtpd needs one before starting)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        auth: dict[str, Any] = {}
        if self.username:
            auth = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(self, hostname="127.0.0.1", port=port, **auth)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> FakeSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
