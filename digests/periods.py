"""The periods digests cover, in the site's time zone (Europe/Brussels).

A daily digest, sent at 07:00, covers the previous calendar day; a weekly digest, sent on
Monday at 07:00, covers the previous week, Monday to Sunday. Each period is named by its
first day (DigestRecord.period_start)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

DAILY, WEEKLY = "daily", "weekly"
FREQUENCIES = (DAILY, WEEKLY)


@dataclass(frozen=True)
class Period:
    frequency: str
    start_date: date
    start: datetime  # aware, local midnight
    end: datetime  # aware, exclusive: the next period's start (or now, for one in progress)

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.end - timedelta(microseconds=1)).date()


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _length(frequency: str) -> timedelta:
    if frequency not in FREQUENCIES:
        raise ValueError(f"Unknown digest frequency: {frequency!r} (daily or weekly).")
    return timedelta(days=1 if frequency == DAILY else 7)


def period_starting(frequency: str, start_date: date) -> Period:
    length = _length(frequency)
    if frequency == WEEKLY and start_date.weekday() != 0:
        raise ValueError(f"A weekly period starts on a Monday; {start_date} is not one.")
    return Period(frequency, start_date, _midnight(start_date), _midnight(start_date + length))


def current_start(frequency: str, now: datetime | None = None) -> date:
    """The first day of the period under way: today, or this week's Monday."""
    _length(frequency)
    today = timezone.localdate(now or timezone.now())
    return today if frequency == DAILY else today - timedelta(days=today.weekday())


def period_due(frequency: str, now: datetime | None = None) -> Period:
    """The last complete period: the one a run at `now` sends."""
    return period_starting(frequency, current_start(frequency, now) - _length(frequency))


def period_in_progress(frequency: str, now: datetime | None = None) -> Period:
    """The period under way, up to now: what the next digest holds so far (the preview)."""
    now = now or timezone.now()
    start_date = current_start(frequency, now)
    return Period(frequency, start_date, _midnight(start_date), now)
