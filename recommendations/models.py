from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SeedImport(models.Model):
    """One seed file as an import read it: the provenance of what it created or changed."""

    file_name = models.CharField(max_length=255)
    content_hash = models.CharField(max_length=64, help_text=_("SHA-256 of the file's bytes."))
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.file_name} ({self.content_hash[:12]}, {self.imported_at:%Y-%m-%d %H:%M})"


class TextSource(models.TextChoices):
    """Whose words a title is: the source document's, verbatim, or ours (marked as such)."""

    SOURCE = "source", _("The source document's words")
    EDITORIAL = "editorial", _("Editorial")


class Imported(models.Model):
    """What every imported record keeps of its import: the file it last came from, and the
    digest of the record as that file gave it (a re-import compares digests, not wordings,
    so what changed here since is never mistaken for a change in the source)."""

    imported_from = models.ForeignKey(
        SeedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True


class Consultation(Imported):
    """One consultation: a document whose recommendations stakeholders discuss."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=300)
    organiser = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("Who convened the consultation, e.g. Johnson & Johnson."),
    )
    summary = models.TextField(blank=True)
    source_document = models.CharField(max_length=500, blank=True)
    notes = models.TextField(
        blank=True, help_text=_("The source's footnotes to the summary, as it writes them.")
    )
    # The consultation's own words for its kinds of recommendation and its headings (from
    # its seed file): [{"code": ..., "label": ...}] and {"pillar_summary": ..., ...}.
    source_kinds = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_at", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__isnull=True)
                | models.Q(opens_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recommendations:consultation", args=[self.slug])

    def source_label(self, code: str) -> str:
        """The label of a kind of recommendation, as the consultation's file names it."""
        for kind in self.source_kinds or []:
            if kind.get("code") == code:
                return kind.get("label") or code
        return gettext("Recommendation")

    def label(self, name: str) -> str:
        """A heading of the consultation's own, or the neutral default."""
        defaults = {"pillar_summary": gettext("Summary"), "rationale": gettext("Rationale")}
        return (self.labels or {}).get(name) or defaults[name]

    @property
    def pillar_summary_heading(self) -> str:
        return self.label("pillar_summary")

    @property
    def rationale_heading(self) -> str:
        return self.label("rationale")

    @property
    def is_open(self) -> bool:
        """Open for contributions: in the open state and within its dates."""
        if self.state != self.State.OPEN:
            return False
        now = timezone.now()
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )


class Pillar(Imported):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="pillars")
    code = models.CharField(
        max_length=20, help_text=_("Stable code within the consultation, e.g. P1.")
    )
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    title_source = models.CharField(
        max_length=10, choices=TextSource.choices, default=TextSource.SOURCE
    )
    heading = models.CharField(max_length=300, blank=True, help_text=_("The source's heading."))
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["consultation", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "code"], name="pillar_code_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("recommendations:pillar", args=[self.consultation.slug, self.code])


class Advocate(models.Model):
    """Who advocated a recommendation or raised a challenge in the source document."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Challenge(Imported):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="challenges"
    )
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="challenges")
    code = models.CharField(max_length=20, help_text=_("Stable code, e.g. P1-C1."))
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
    title_source = models.CharField(
        max_length=10, choices=TextSource.choices, default=TextSource.SOURCE
    )
    body = models.TextField(blank=True)
    advocates = models.ManyToManyField(
        Advocate, through="ChallengeAdvocate", related_name="challenges", blank=True
    )
    source_section = models.CharField(max_length=300, blank=True)
    source_passage = models.TextField(blank=True)

    class Meta:
        ordering = ["consultation", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "code"], name="challenge_code_unique"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("recommendations:challenge", args=[self.consultation.slug, self.code])


class Recommendation(Imported):
    class Status(models.TextChoices):
        OPEN = "open", _("Open for discussion")
        UNDER_REVIEW = "under_review", _("Under review")
        ADOPTED = "adopted", _("Adopted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="recommendations"
    )
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="recommendations")
    reference = models.CharField(max_length=20, help_text=_("Stable reference, e.g. P2-R4."))
    position = models.PositiveIntegerField(default=0)
    # The current wording; every wording, this one included, is also a RecommendationVersion.
    title = models.CharField(max_length=300)
    title_source = models.CharField(
        max_length=10, choices=TextSource.choices, default=TextSource.SOURCE
    )
    body = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    # A kind of recommendation the consultation's file defines (Consultation.source_kinds).
    source = models.CharField(max_length=40, blank=True)
    advocates = models.ManyToManyField(
        Advocate, through="RecommendationAdvocate", related_name="recommendations", blank=True
    )
    challenges = models.ManyToManyField(Challenge, related_name="recommendations", blank=True)
    source_section = models.CharField(max_length=300, blank=True)
    source_passage = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["consultation", "pillar__position", "position", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "reference"], name="recommendation_reference_unique"
            ),
        ]
        indexes = [models.Index(fields=["consultation", "position"])]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def get_absolute_url(self):
        return reverse("recommendations:detail", args=[self.consultation.slug, self.reference])

    def get_source_display_for(self, consultation: Consultation) -> str:
        return consultation.source_label(self.source)


class RecommendationAdvocate(models.Model):
    """An attribution, in the order the source names the advocates."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE)
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)
    as_written = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("How the source names them, e.g. “government officials”."),
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "advocate"], name="recommendation_advocate_unique"
            ),
        ]

    def __str__(self):
        return f"{self.advocate} on {self.recommendation}"

    @property
    def label(self) -> str:
        return self.as_written or self.advocate.name


class ChallengeAdvocate(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE)
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)
    as_written = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("How the source names them, e.g. “government officials”."),
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "advocate"], name="challenge_advocate_unique"
            ),
        ]

    def __str__(self):
        return f"{self.advocate} on {self.challenge}"

    @property
    def label(self) -> str:
        return self.as_written or self.advocate.name


class RecommendationVersion(models.Model):
    """One wording of a recommendation. Version 1 is the imported text; amendments add more."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    # Set when an import wrote this wording (the first, or a change of the source's text).
    seed_import = models.ForeignKey(
        SeedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recommendation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "number"], name="recommendation_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.recommendation.reference} v{self.number}"
