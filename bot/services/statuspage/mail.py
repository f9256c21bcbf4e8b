"""Sending status emails through the SMTP relay of ``SMTP_URL`` (standard library only).

``smtp://user:pass@host:587?starttls=true`` upgrades a plain connection with STARTTLS;
``smtps://user:pass@host:465`` speaks TLS from the start; ``smtp://host:25`` neither (a
relay on the same network). Failures speak the jobs' failure protocol: a refused address
or bad credentials are permanent, a busy or unreachable server is transient.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from bot.jobs.failures import JobFailure

_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str
    password: str
    tls: str  # none | starttls | ssl
    timeout: float = 15.0


class MailError(JobFailure):
    def __init__(self, what: str, *, permanent: bool, detail: str = "") -> None:
        super().__init__(f"Email {what} failed{f': {detail}' if detail else ''}")
        self.permanent = permanent


class RecipientRefused(MailError):
    """The relay refused this one address for good; the others still get theirs."""


def parse_smtp_url(url: str) -> SmtpConfig:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("should look like smtp://user:password@mail.example.com:587?starttls=true")
    query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    tls = "ssl" if parts.scheme == "smtps" else "none"
    if parts.scheme == "smtp" and query.get("starttls", "") in _TRUE:
        tls = "starttls"
    try:
        port = parts.port or (465 if tls == "ssl" else 587 if tls == "starttls" else 25)
    except ValueError as exc:
        raise ValueError("the port is not a number") from exc
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        tls=tls,
    )


class Mailer:
    """One connection to the relay, reused for every message of a job."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        config = self.config
        try:
            if config.tls == "ssl":
                context = ssl.create_default_context()
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=config.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
                if config.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError("login", permanent=True, detail=_reason(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError("connect", permanent=False, detail=_reason(exc)) from exc
        self._smtp = smtp
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        assert self._smtp is not None, "use Mailer as a context manager"
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            kind = RecipientRefused if permanent else MailError
            raise kind("delivery", permanent=permanent, detail=_reason(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:  # this message is refused for good, not the relay down
                raise RecipientRefused("delivery", permanent=True, detail=_reason(exc)) from exc
            raise MailError("delivery", permanent=False, detail=_reason(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError("delivery", permanent=False, detail=_reason(exc)) from exc
        if refused:
            raise RecipientRefused("delivery", permanent=True, detail="recipient refused")


def _reason(exc: BaseException) -> str:
    """A short reason without the credentials or the full server banner."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(c) for c, _ in exc.recipients.values()})
        return f"refused ({', '.join(codes)})"
    return f"SMTP {code}" if code else type(exc).__name__
