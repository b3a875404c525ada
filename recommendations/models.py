from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Consultation(models.Model):
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

    @property
    def is_open(self) -> bool:
        """Open for contributions: in the open state and within its dates."""
        if self.state != self.State.OPEN:
            return False
        now = timezone.now()
        return (self.opens_at is None or self.opens_at <= now) and (
            self.closes_at is None or now < self.closes_at
        )


class Pillar(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="pillars")
    code = models.CharField(
        max_length=20, help_text=_("Stable code within the consultation, e.g. P1.")
    )
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
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


class Challenge(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="challenges"
    )
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="challenges")
    code = models.CharField(max_length=20, help_text=_("Stable code, e.g. P1-C1."))
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300)
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


class Recommendation(models.Model):
    class Source(models.TextChoices):
        PANEL = "panel", _("Panel recommendation")
        ORGANISER = "organiser", _("Organiser's recommendation following the event")

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
    body = models.TextField(blank=True)
    rationale = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PANEL)
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
        if self.source == self.Source.ORGANISER and consultation.organiser:
            return gettext("%(organiser)s's recommendation following the event") % {
                "organiser": consultation.organiser
            }
        return self.get_source_display()


class RecommendationAdvocate(models.Model):
    """An attribution, in the order the source names the advocates."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE)
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "advocate"], name="recommendation_advocate_unique"
            ),
        ]

    def __str__(self):
        return f"{self.advocate} on {self.recommendation}"


class ChallengeAdvocate(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE)
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "advocate"], name="challenge_advocate_unique"
            ),
        ]

    def __str__(self):
        return f"{self.advocate} on {self.challenge}"


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
