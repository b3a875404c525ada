"""Writes of the digests: the fan-out of a period's digests into batches, each batch's claims
and sends, the unsubscribe, and the clean-up of old records.

Exactly once: a digest is sent only by the run that inserted its DigestRecord (the unique
constraint on person, frequency and period decides between two runs; a batch inserts its
people's records in one statement that skips the conflicts, then reads back the ones that
carry its token) and is marked sent once the SMTP server has accepted it. A run that finds
the record leaves the person alone — unless the record is a stale claim (its worker died
between claim and send, or it was released after a temporary failure), which one later run
takes over by a conditional update. Claims are leases (leases.py): renewed while the batch
runs, handed to a new batch by the sweep once a dead worker's have run out. Each digest is
marked sent as soon as the server has accepted it (DIGEST_MARK_EVERY = 1, the default): the
one window left is between that acceptance and the mark, so a worker killed exactly there
sends that one digest again when its lease runs out, under the same Message-ID (emails.py),
by which mail stores and clients recognise the copy. That mark is the one write per person
exactly-once costs; a site that prefers fewer writes sets DIGEST_MARK_EVERY (and
DIGEST_MARK_SECONDS) higher and widens the window to that many messages.
"""

import logging
import smtplib
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from notifications import emails as mail
from notifications.delivery import SEND_ERRORS, error_text, is_permanent, max_attempts
from notifications.models import NotificationEmail

from . import emails, leases, selectors
from .models import DigestRecord
from .periods import FREQUENCIES, Period, period_due, period_starting

logger = logging.getLogger(__name__)

SEND_HOUR = 7  # digests go out at 07:00 (the beat schedules say so; the catch-up waits for it)


def batch_size() -> int:
    return getattr(settings, "DIGEST_BATCH_SIZE", 500)


def mark_every() -> int:
    """Messages sent before their marks are written at the latest (one UPDATE for them).

    1 by default: exactly once matters more than the write per message (README)."""
    return getattr(settings, "DIGEST_MARK_EVERY", 1)


def mark_seconds() -> float:
    """Seconds after which the sent messages' marks are written, however few they are."""
    return getattr(settings, "DIGEST_MARK_SECONDS", 0.5)


class DigestsDeferred(smtplib.SMTPException):
    """Some of a batch's digests met a temporary failure: they were released, and the batch
    is to run again (the task retries it with backoff; the sent ones are not sent again)."""


@dataclass
class BatchReport:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    taken: list[int] = field(default_factory=list)  # someone else has it, or had it

    def as_dict(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.__dict__.items()}


# -- Claims ----------------------------------------------------------------------------------


def digest_claim(*, user_id: int, period: Period, token: str) -> DigestRecord | None:
    """Insert the person's record for the period (one query): ours. If it exists, take it
    over only if it is a stale or released claim; otherwise None — someone else has it."""
    now = timezone.now()
    key = {"user_id": user_id, "frequency": period.frequency, "period_start": period.start_date}
    connection = transaction.get_connection()
    try:
        # In autocommit (a worker) the insert is its own transaction; inside one (a test,
        # a caller's atomic block) a savepoint keeps a conflict from breaking it.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            return DigestRecord.objects.create(
                **key,
                status=DigestRecord.Status.CLAIMED,
                claimed_at=now,
                claimed_by=token,
                attempts=1,
            )
    except IntegrityError:
        pass
    taken = (
        DigestRecord.objects.filter(**key)
        .filter(leases.expired())
        .update(claimed_at=now, claimed_by=token, attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    return DigestRecord.objects.get(**key)


def digests_claim(
    *, user_ids: Sequence[int], period: Period, token: str
) -> dict[int, DigestRecord]:
    """Claim these people's digests for the period at once, in three queries whatever their
    number (digest_claim's for each of them): insert a record for each, skipping those that
    exist (the unique constraint; ON CONFLICT DO NOTHING); take over the stale or released
    claims among those; read back the records that carry this run's token: ours, by person.
    The others are someone else's."""
    if not user_ids:
        return {}
    now = timezone.now()
    DigestRecord.objects.bulk_create(
        [
            DigestRecord(
                user_id=user_id,
                frequency=period.frequency,
                period_start=period.start_date,
                status=DigestRecord.Status.CLAIMED,
                claimed_at=now,
                claimed_by=token,
                attempts=1,
                created_at=now,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )
    theirs = DigestRecord.objects.filter(
        user_id__in=user_ids, frequency=period.frequency, period_start=period.start_date
    )
    theirs.filter(leases.expired()).exclude(claimed_by=token).update(
        claimed_at=now, claimed_by=token, attempts=F("attempts") + 1
    )
    ours = theirs.filter(claimed_by=token, status=DigestRecord.Status.CLAIMED).only(
        "pk", "user_id", "attempts", "claimed_by"
    )
    return {record.user_id: record for record in ours}


def _mark(record: DigestRecord, token: str, **fields) -> None:
    DigestRecord.objects.filter(pk=record.pk, claimed_by=token).update(**fields)


class _SentMarks:
    """The records of digests the server has accepted, marked sent together (one UPDATE):
    when DIGEST_MARK_EVERY are waiting, when DIGEST_MARK_SECONDS have passed since the last
    marks, and at the end (flush). It also renews the batch's leases (leases.py): every third
    of a lease, one UPDATE moves the claim time of the batch's unsent claims to now."""

    def __init__(self, token: str, held: Sequence[int] = ()):
        self.token = token
        self.held = list(held)  # the batch's records (pks): their leases are renewed
        self.waiting: list[int] = []
        self.every, self.seconds = mark_every(), mark_seconds()
        self.since = self.renewed = time.monotonic()
        self.renew_every = leases.renew_every()

    def add(self, record: DigestRecord) -> None:
        self.waiting.append(record.pk)
        if len(self.waiting) >= self.every or time.monotonic() - self.since >= self.seconds:
            self.flush()

    def renew(self) -> None:
        """Before each message: the leases of the claims still unsent, if due."""
        if self.held and time.monotonic() - self.renewed >= self.renew_every:
            self.flush()
            DigestRecord.objects.filter(
                pk__in=self.held, claimed_by=self.token, status=DigestRecord.Status.CLAIMED
            ).exclude(claimed_at=None).update(claimed_at=timezone.now())
            self.renewed = time.monotonic()

    def flush(self) -> None:
        if self.waiting:
            _mark_sent(self.waiting, self.token)
            self.waiting = []
        self.since = time.monotonic()


def _mark_sent(pks: list[int], token: str) -> None:
    """One UPDATE, written in SQL: the ORM's update() cost more CPU than the rest of a
    message's handling but its rendering (bench/digests.py measured it)."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(DigestRecord._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ids = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, error = '' "  # noqa: S608 - no input
            f"WHERE claimed_by = %s AND id IN ({ids})",
            [DigestRecord.Status.SENT.value, now, token, *pks],
        )


@contextmanager
def _marks_without_waiting_for_the_disk():
    """PostgreSQL: the batch's marks and lease renewals commit without waiting for the WAL's
    flush to disk (synchronous_commit off, for this connection while the batch sends; the
    claims before are committed as usual). Each mark would otherwise wait for a disk flush;
    what it risks is a database crash losing the last fraction of a second of marks: those
    digests' claims then run out and they are sent again, under the same Message-ID (README,
    "Exactly once")."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _record_skipped(*, user_ids: Sequence[int], period: Period) -> None:
    """Nothing new for these people: a skipped record each (two queries), no e-mail."""
    if not user_ids:
        return
    now = timezone.now()
    DigestRecord.objects.bulk_create(
        [
            DigestRecord(
                user_id=user_id,
                frequency=period.frequency,
                period_start=period.start_date,
                status=DigestRecord.Status.SKIPPED,
                claimed_at=now,
            )
            for user_id in user_ids
        ],
        ignore_conflicts=True,
    )
    # A stale claim left by a dead worker settles as skipped too.
    DigestRecord.objects.filter(
        user_id__in=user_ids, frequency=period.frequency, period_start=period.start_date
    ).filter(leases.expired()).update(status=DigestRecord.Status.SKIPPED, claimed_at=now)


# -- Batches ---------------------------------------------------------------------------------


def digest_send_batch(
    *, frequency: str, period_start: date, user_ids: Sequence[int], raise_deferred: bool = True
) -> BatchReport:
    """Send the period's digest to each of these people who is due one.

    Queries, whatever the number of people: 1 the people (reloaded, still subscribed), 2 their
    settled records, 11 for the digests' content (selectors.digests_build), 2 for the skipped,
    3 the claims (digests_claim; SQLite's insert takes one statement per 99 people), then
    1 mark per DIGEST_MARK_EVERY digests sent or DIGEST_MARK_SECONDS, and 1 per failure.
    Raises DigestsDeferred, after the whole batch, if some digests met a temporary
    failure (they are released for the retry)."""
    period = period_starting(frequency, period_start)
    report = BatchReport()
    people = selectors.batch_people(frequency=frequency, user_ids=user_ids)
    settled = set(
        selectors.settled_records(period=period)
        .filter(user_id__in=[p.pk for p in people])
        .values_list("user_id", flat=True)
    )
    report.taken += sorted(settled)
    digests = selectors.digests_build(
        people=[p for p in people if p.pk not in settled], period=period
    )
    empty = [pk for pk, digest in digests.items() if digest.is_empty]
    _record_skipped(user_ids=empty, period=period)
    report.skipped += empty

    token = uuid.uuid4().hex
    due = [d for d in digests.values() if not d.is_empty]
    records = digests_claim(user_ids=[d.user.pk for d in due], period=period, token=token)
    report.taken += [d.user.pk for d in due if d.user.pk not in records]
    if records:
        with _marks_without_waiting_for_the_disk():
            _send_all([d for d in due if d.user.pk in records], records, token, report)
    logger.info("digests %s %s: %s", frequency, period_start, report.as_dict())
    if report.deferred and raise_deferred:
        raise DigestsDeferred(
            f"{len(report.deferred)} digest(s) met a temporary failure; the batch is retried."
        )
    return report


def _send_all(due: list, records: dict, token: str, report: BatchReport) -> None:
    """Each claimed digest handed to the mail server (one connection for the batch) and
    marked sent; the leases of those still to send renewed as it goes."""
    marks = _SentMarks(token, held=[record.pk for record in records.values()])
    connection = None
    try:
        for digest in due:
            record = records[digest.user.pk]
            marks.renew()
            if connection is None:
                connection = mail.connection()
                connection.open()
            try:
                emails.send_digest(digest=digest, connection=connection)
            except SoftTimeLimitExceeded:
                raise  # the claim stays: its lease runs out and a later batch takes it over
            except Exception as exc:
                _failed(record, token, exc, report)
                if isinstance(exc, SEND_ERRORS):
                    # The connection may be broken: open a fresh one for the next person.
                    connection.close()
                    connection = None
                continue
            marks.add(record)
            report.sent.append(digest.user.pk)
    finally:
        try:
            marks.flush()  # also when interrupted (the soft time limit): those were sent
        finally:
            if connection is not None:
                connection.close()


def _failed(record: DigestRecord, token: str, exc: Exception, report: BatchReport) -> None:
    error = error_text(exc)
    if is_permanent(exc) or record.attempts >= max_attempts():
        logger.warning("digest %s failed for good: %s", record.pk, error)
        _mark(record, token, status=DigestRecord.Status.FAILED, error=error)
        report.failed.append(record.user_id)
    else:
        # Released (no claim time): the batch's retry, or a later run, takes it over.
        _mark(record, token, claimed_at=None, error=error)
        report.deferred.append(record.user_id)


def digest_fan_out(
    *,
    frequency: str,
    period_start: date | None = None,
    run_batch: Callable[[str, str, list[int]], object],
    user_email: str | None = None,
) -> int:
    """Split the period's due subscribers into batches (one query per batch, by id) and hand
    each to `run_batch` (the tasks queue a batch task: tasks.queue_batch). Idempotent: run
    twice, or after a run that died, it hands out only the people still due. Returns the
    people handed out."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"Unknown digest frequency: {frequency!r} (daily or weekly).")
    period = (
        period_due(frequency) if period_start is None else period_starting(frequency, period_start)
    )
    after, handed = 0, 0
    while ids := selectors.due_subscriber_ids(
        period=period, after=after, limit=batch_size(), user_email=user_email
    ):
        run_batch(frequency, period.start_date.isoformat(), ids)
        after, handed = ids[-1], handed + len(ids)
    return handed


def digest_reclaim(
    *, run_batch: Callable[[str, str, list[int]], object], limit: int = 50_000
) -> int:
    """Hand the people whose claims' leases ran out (their worker died: leases.py) to new
    batches, by period. One query (the partial index on claimed claims), then one hand-off
    per batch. A batch handed twice (a sweep while the first still waits in the queue) is
    harmless: the first to run takes the claims over, the other finds them held."""
    rows = (
        DigestRecord.objects.filter(leases.expired())
        .exclude(claimed_at=None)  # released ones: their batch's retry is on its way
        .order_by("frequency", "period_start", "user_id")
        .values_list("frequency", "period_start", "user_id")[:limit]
    )
    by_period: dict[tuple[str, date], list[int]] = {}
    for frequency, start, user_id in rows:
        by_period.setdefault((frequency, start), []).append(user_id)
    size = batch_size()
    for (frequency, start), ids in by_period.items():
        for i in range(0, len(ids), size):
            run_batch(frequency, start.isoformat(), ids[i : i + size])
    return sum(len(ids) for ids in by_period.values())


def digest_catch_up(
    *, run_batch: Callable[[str, str, list[int]], object], now: datetime | None = None
) -> dict[str, int]:
    """Send what a run missed (a worker down at 07:00, a batch lost with its worker): each
    frequency whose send is due today, from 07:00, for the period it sends."""
    now = timezone.localtime(now or timezone.now())
    handed = {}
    if now.hour < SEND_HOUR:
        return handed
    for frequency in FREQUENCIES:
        period = period_due(frequency, now)
        if period.end.date() == now.date():  # a weekly digest is due on Monday only
            handed[frequency] = digest_fan_out(
                frequency=frequency, period_start=period.start_date, run_batch=run_batch
            )
    return handed


def digest_records_clean_up(*, now: datetime | None = None) -> dict[str, int]:
    """Forget digest records and notification e-mail records older than the retention."""
    now = now or timezone.now()
    keep = timedelta(days=getattr(settings, "DIGEST_RECORD_RETENTION_DAYS", 90))
    digests, _ = DigestRecord.objects.filter(
        period_start__lt=timezone.localdate(now) - keep
    ).delete()
    mails, _ = NotificationEmail.objects.filter(created_at__lt=now - keep).delete()
    return {"digest_records": digests, "notification_emails": mails}


@transaction.atomic
def digest_unsubscribe(*, user: User) -> User:
    """Digests off (the one-click unsubscribe and its confirmation page)."""
    user.digest_frequency = User.DigestFrequency.OFF
    user.save(update_fields=["digest_frequency"])
    return user
