"""The organisers' answer to each recommendation and what followed it.

A Response is the current state of the answer; each save of it is also a ResponseRevision
(never changed afterwards), so that a correction to a published response is on the record and
shown on the page. Citations link the response to the comments and amendments it answers.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consultation.models import Amendment, Comment
from recommendations.models import Consultation, Recommendation, RecommendationVersion

# The four statuses every consultation starts with; a consultation may add its own.
DEFAULT_STATUSES = [
    ("adopted", _("Adopted")),
    ("adopted-with-changes", _("Adopted with changes")),
    ("under-consideration", _("Under consideration")),
    ("not-taken-up", _("Not taken up")),
]
_DEFAULT_LABELS = dict(DEFAULT_STATUSES)


class ResponseStatus(models.Model):
    """What the organisers did with a recommendation (the four defaults, or the
    consultation's own)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="response_statuses"
    )
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["consultation", "position", "code"]
        verbose_name_plural = _("response statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "code"], name="response_status_code_unique"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The label in the reader's language: the defaults are translated, a consultation's
        own status reads as its organisers wrote it."""
        default = _DEFAULT_LABELS.get(self.code)
        return gettext(default) if default is not None else self.label


class Response(models.Model):
    """The consultation team's answer to one recommendation."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REVIEWED = "reviewed", _("Reviewed, awaiting publication")
        PUBLISHED = "published", _("Published")

    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, related_name="response"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    status = models.ForeignKey(ResponseStatus, on_delete=models.PROTECT, related_name="responses")
    text = models.TextField(max_length=20_000, help_text=_("Markdown: the reasons."))
    text_html = models.TextField(help_text=_("The text rendered and sanitised."))
    # The wording the response gives the recommendation; it becomes the recommendation's next
    # version when the response is published (blank: the wording stays as it is).
    proposed_title = models.CharField(max_length=300, blank=True)
    proposed_body = models.TextField(blank=True)
    version = models.ForeignKey(
        RecommendationVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The wording as it stood when the response was published."),
    )
    # The position breakdown when the response was last saved: {"totals": {...}, "groups": {...}}.
    breakdown = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    publish_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    sample = models.BooleanField(
        default=False, help_text=_("Demo data: labelled as a sample wherever it is shown.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recommendation__pillar__position", "recommendation__position"]
        indexes = [models.Index(fields=["state", "publish_at"])]
        # The consultation team's permission (the "Consultation team" group has it).
        permissions = [("respond", _("Can write, review and publish responses"))]

    def __str__(self):
        return f"Response to {self.recommendation_id}"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class ResponseCitation(models.Model):
    """A comment or an amendment the response answers; its author is told once."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="citations")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(comment__isnull=True) ^ models.Q(amendment__isnull=True),
                name="citation_of_one_contribution",
            ),
            models.UniqueConstraint(fields=["response", "comment"], name="cite_comment_once"),
            models.UniqueConstraint(fields=["response", "amendment"], name="cite_amendment_once"),
        ]

    def __str__(self):
        return f"Citation {self.pk} in response {self.response_id}"

    @property
    def contribution(self):
        return self.comment if self.comment_id else self.amendment


class ResponseRevision(models.Model):
    """One saved state of a response, kept for ever: the record of every change."""

    class Kind(models.TextChoices):
        DRAFT = "draft", _("Draft saved")
        REVIEW = "review", _("Reviewed")
        PUBLICATION = "publication", _("Published")
        CORRECTION = "correction", _("Correction")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.ForeignKey(ResponseStatus, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    proposed_title = models.CharField(max_length=300, blank=True)
    proposed_body = models.TextField(blank=True)
    comment_ids = models.JSONField(default=list)
    amendment_ids = models.JSONField(default=list)
    note = models.CharField(max_length=500, blank=True, help_text=_("Why it was corrected."))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["response", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["response", "number"], name="response_revision_unique"),
        ]

    def __str__(self):
        return f"Response {self.response_id} r{self.number}"


class ImplementationUpdate(models.Model):
    """A dated step in putting a recommendation into practice (the timeline)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        STALLED = "stalled", _("Stalled")
        DISCONTINUED = "discontinued", _("Discontinued")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="implementation_updates"
    )
    date = models.DateField()
    status = models.CharField(max_length=15, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Per cent done, if it can be said.")
    )
    text = models.TextField(max_length=5_000)
    text_html = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recommendation", "-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__isnull=True) | models.Q(progress__lte=100),
                name="implementation_progress_percent",
            ),
        ]

    def __str__(self):
        return f"Update {self.date} on {self.recommendation_id}"
