"""How sending fails: what a task retries (with backoff) and what counts as final. Shared by
the outbox's e-mails and the digests (each claims with a lease of its own)."""

import random
import smtplib

from django.conf import settings

# What a task retries (with backoff): the mail server's and the network's temporary failures.
SEND_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def max_attempts() -> int:
    """Sends of one message before a temporary failure counts as final (a task's retries
    plus its first run)."""
    return getattr(settings, "DIGEST_MAX_ATTEMPTS", 5)


def is_permanent(exc: BaseException) -> bool:
    """A failure that retrying will not cure: the address refused, a 5xx answer, or a bug.
    An authentication failure is the server's configuration: it is retried."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return not isinstance(exc, SEND_ERRORS)


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def backoff(retries: int) -> float:
    """Seconds before the next try: 30 s doubled each time, at most 30 minutes, with jitter."""
    return min(30 * 2**retries, 30 * 60) * random.uniform(0.5, 1)
