"""Digest claims are leases: a claim holds a person's digest for DIGEST_LEASE_SECONDS (five
minutes by default) from its last renewal. A live batch renews its unsent claims as it goes
(services._Progress), so a long batch keeps them; a worker that dies stops renewing, and
once the lease has run out the sweeper (tasks.reclaim_digests, every minute) hands those
people to another batch, which takes the claims over."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import DigestRecord


def lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "DIGEST_LEASE_SECONDS", 300))


def renew_every() -> float:
    """Seconds between a batch's renewals: a third of the lease, so that one slow message
    (an SMTP timeout) does not let a live claim expire."""
    return lease().total_seconds() / 3


def expired(now: datetime | None = None) -> Q:
    """Claims no run holds any more: their lease ran out, or they were released (no claim
    time) after a temporary failure."""
    cutoff = (now or timezone.now()) - lease()
    return Q(status=DigestRecord.Status.CLAIMED) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=cutoff)
    )
