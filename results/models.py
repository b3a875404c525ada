"""Stored runs of the opinion groups (results/opinions/): pages, the API and the exports read
the latest run and never compute."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recommendations.models import Consultation, Pillar


class OpinionRun(models.Model):
    """One computation of a consultation's opinion groups, with its inputs and its result."""

    class Trigger(models.TextChoices):
        POSITIONS_CHANGED = "positions_changed", _("Positions changed")
        HOURLY = "hourly", _("Hourly")
        MANUAL = "manual", _("Manual")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="opinion_runs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    # What the run read: it is not run again while this stays the same (matrix.fingerprint).
    fingerprint = models.CharField(max_length=100)
    parameters = models.JSONField(default=dict)
    participants = models.PositiveIntegerField(default=0)
    excluded_participants = models.PositiveIntegerField(
        default=0, help_text=_("Participants left out for taking too few positions.")
    )
    positions = models.PositiveIntegerField(default=0)
    recommendations = models.PositiveIntegerField(default=0)
    k = models.PositiveSmallIntegerField(null=True, blank=True)
    silhouette = models.FloatField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    # Groups, consensus, divisiveness, the map's anonymous points (results/opinions/store.py).
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["consultation", "-created_at"])]

    def __str__(self):
        return f"Opinion groups of {self.consultation_id} at {self.created_at:%Y-%m-%d %H:%M}"


class OpinionMembership(models.Model):
    """Which opinion group a person falls in, by the latest run: shown to them only."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opinion_memberships"
    )
    run = models.ForeignKey(OpinionRun, on_delete=models.CASCADE, related_name="memberships")
    label = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"], name="one_opinion_group_per_consultation"
            )
        ]

    def __str__(self):
        return f"{self.user_id} in group {self.label} of {self.consultation_id}"


class ReportExport(models.Model):
    """The report as PDF, made by the worker (results.jobs.report_pdf_build) and downloaded
    when ready: laying out a report takes longer than a request may. The PDF is kept in the
    row (a few hundred kilobytes), so that web and worker need no shared disk."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Being made")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    pillar = models.ForeignKey(Pillar, null=True, blank=True, on_delete=models.CASCADE)
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done."))
    pdf = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["consultation", "pillar", "language", "-created_at"])]

    def __str__(self):
        return f"Report PDF {self.pk} of {self.consultation_id}: {self.status}"

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)
