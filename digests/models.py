"""What the digests remember: one record per person and period (the exactly-once guard),
and the history of recommendations' statuses (which the
digests report and nothing else records)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import DeliveryStatus
from recommendations.models import Recommendation


class DigestRecord(models.Model):
    """One person's digest for one period. The unique constraint makes it exactly once: a run
    inserts the row (claims it) before sending; whoever fails to insert leaves it alone,
    unless the claim is stale (its worker died between claim and send)."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    Status = DeliveryStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_records"
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    period_start = models.DateField(help_text=_("The first day of the period the digest covers."))
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.CLAIMED
    )
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty: released after a temporary failure, to retry.")
    )
    claimed_by = models.CharField(
        max_length=32, blank=True, help_text=_("The run that claimed it.")
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_start", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_start"], name="digest_once_per_period"
            ),
        ]
        # No index led by the period: each batch's reads of its people's records (their
        # settled records, the claims' take-over) go through the unique constraint's index,
        # by person. One on (frequency, period_start, status) drew PostgreSQL's planner — whose
        # statistics never know the day's new period_start — into reading all of the
        # period's records for each batch: a cost that grew as the run went on (README).
        indexes = [
            models.Index(fields=["created_at"]),
            # The sweep for expired leases (leases.py) reads the claims only: few at any time.
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status="claimed"),
                name="digest_claims_by_lease",
            ),
        ]

    def __str__(self):
        return f"{self.get_frequency_display()} digest of {self.period_start} for {self.user_id}"


class RecommendationStatusChange(models.Model):
    """A recommendation moved from one status to another (recorded by digests.signals)."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="status_changes"
    )
    old_status = models.CharField(max_length=20, choices=Recommendation.Status.choices)
    new_status = models.CharField(max_length=20, choices=Recommendation.Status.choices)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.recommendation_id}: {self.old_status} → {self.new_status}"
