"""The dialogue around a recommendation: comments, positions, amendments and follows."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.rules import CONSULTATION_ADMINS, MODERATORS
from recommendations.models import Consultation, Recommendation, RecommendationVersion


class ModerationState(models.TextChoices):
    """Where a contribution stands with the moderators (moderation/ decides the changes)."""

    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")
    REJECTED = "rejected", _("Rejected")


class ReportReason(models.TextChoices):
    """Why a contribution is reported (moderation's Flag.Reason) and, for a hidden comment,
    the category its placeholder names."""

    SPAM = "spam", _("Spam or advertising")
    OFFENSIVE = "offensive", _("Offensive or abusive")
    OFF_TOPIC = "off_topic", _("Off topic")
    PERSONAL_DATA = "personal_data", _("Personal data of someone")
    UNDECLARED_CONFLICT = "undeclared_conflict", _("Undeclared conflict of interest")
    OTHER = "other", _("Something else (say what)")


def moderator_exists(user) -> models.Exists:
    """Whether the (signed-in) user moderates, inside the query that asks it."""
    return models.Exists(
        Group.objects.filter(user=user.pk, name__in=[MODERATORS, CONSULTATION_ADMINS])
    )


class ModeratedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What this person may read: the published, their own, and everything for a
        moderator (answered inside the query: no query of its own). Comments are read through
        consultation.visibility, which adds the placeholders of hidden ones."""
        published = models.Q(moderation_state=ModerationState.PUBLISHED)
        if user is None or not user.is_authenticated:
            return self.filter(published)
        if user.is_superuser:
            return self
        return self.filter(published | models.Q(author=user.pk) | moderator_exists(user))


def pending_index(name: str) -> models.Index:
    """The moderation queue's way in to what awaits a moderator, oldest first: a partial index
    of the few pending rows, not a scan of every published one."""
    return models.Index(
        fields=["created_at"],
        condition=models.Q(moderation_state=ModerationState.PENDING),
        name=f"{name}_pending",
    )


def moderation_state_field():
    return models.CharField(
        max_length=10,
        choices=ModerationState.choices,
        default=ModerationState.PUBLISHED,
        db_index=True,
    )


class Contribution(models.Model):
    """What a person contributes to the dialogue (a comment, an amendment, a position's
    reason): where it stands with the moderators, and the one rule of who may read it
    (`Model.objects.visible_to(viewer)`), shared by the pages, the API, the digests and the
    exports."""

    moderation_state = moderation_state_field()

    objects = ModeratedQuerySet.as_manager()

    class Meta:
        abstract = True


class Follow(models.Model):
    """A person follows a recommendation: its activity reaches their digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "recommendation"], name="follow_once"),
        ]

    def __str__(self):
        return f"{self.user_id} follows {self.recommendation_id}"


class Amendment(Contribution):
    """Proposed new wording for a recommendation, written on one version of it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        OUTDATED = "outdated", _("Outdated")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="amendments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="amendments"
    )
    base_version = models.ForeignKey(
        RecommendationVersion,
        on_delete=models.PROTECT,
        related_name="amendments",
        help_text=_("The wording this amendment was written on; its diff is against it."),
    )
    title = models.CharField(_("proposed title"), max_length=300)
    body = models.TextField(_("proposed text"), max_length=10_000)
    justification = models.TextField(max_length=5_000)
    evidence_links = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    resulting_version = models.OneToOneField(
        RecommendationVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="from_amendment",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recommendation", "status"]), pending_index("amendment")]

    def __str__(self):
        return f"Amendment {self.pk} to {self.recommendation_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class AmendmentEndorsement(models.Model):
    amendment = models.ForeignKey(Amendment, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["amendment", "user"], name="amendment_endorse_once"),
        ]

    def __str__(self):
        return f"{self.user_id} endorses amendment {self.amendment_id}"


class Position(Contribution):
    """A stakeholder's one position on a recommendation, on the wording they saw."""

    class Stance(models.TextChoices):
        ENDORSE = "endorse", _("Endorse")
        RESERVATIONS = "reservations", _("Endorse with reservations")
        OPPOSE = "oppose", _("Oppose")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="positions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="positions"
    )
    stance = models.CharField(max_length=12, choices=Stance.choices)
    reason = models.TextField(blank=True, max_length=3_000)
    version = models.ForeignKey(
        RecommendationVersion,
        on_delete=models.PROTECT,
        related_name="positions",
        help_text=_("The wording the position was taken on."),
    )
    on_behalf_of_organisation = models.BooleanField(default=False)
    # The organisation as it was when the position was taken on its behalf.
    organisation = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Moderation is of the reason: a position without one is published at once.

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            pending_index("position"),
            # A page of a recommendation's positions, newest first: the index's order, LIMIT.
            models.Index(fields=["recommendation", "-updated_at", "-id"], name="position_newest"),
            # The report's representative reasons (results.selectors._reasons): the best of a
            # recommendation's reasons of a stance first, read until one of the group's.
            models.Index(
                fields=[
                    "recommendation",
                    "stance",
                    "-on_behalf_of_organisation",
                    "-updated_at",
                    "-id",
                ],
                condition=models.Q(moderation_state=ModerationState.PUBLISHED)
                & ~models.Q(reason=""),
                include=["author"],  # whose group the read checks: no visit to the table
                name="position_best_reason",
            ),
        ]
        constraints = [
            # One position per person and recommendation, whatever the clicks.
            models.UniqueConstraint(fields=["recommendation", "author"], name="one_position_each"),
            models.CheckConstraint(
                condition=models.Q(stance="endorse") | ~models.Q(reason=""),
                name="position_reason_unless_endorse",
            ),
        ]

    def __str__(self):
        return f"{self.author_id} {self.stance} {self.recommendation_id}"


class Comment(Contribution):
    """A comment on a recommendation or on one of its amendments, in threads.

    `root` is the thread's top-level comment (null for a top-level comment itself): a page
    of threads loads all their replies in one query, however deep they nest.
    """

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="comments"
    )
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="thread_replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    body = models.TextField(max_length=10_000)
    body_html = models.TextField(
        help_text=_("The body rendered and sanitised, kept to serve fast.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Why the moderators hid it, as its placeholder says (moderation sets it on hiding).
    hidden_reason = models.CharField(max_length=20, choices=ReportReason.choices, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["recommendation", "amendment", "root", "created_at"]),
            # A page of a recommendation's threads in the order read (oldest first, or
            # backwards newest first): the index's order with LIMIT, no sort of all of them.
            # Partial: PostgreSQL orders by the columns after equalities, not after IS NULLs.
            models.Index(
                fields=["recommendation", "created_at", "id"],
                condition=models.Q(amendment=None, root=None),
                name="comment_threads",
            ),
            models.Index(fields=["root", "created_at"]),
            pending_index("comment"),
        ]

    def __str__(self):
        return f"Comment {self.pk}"

    def get_absolute_url(self):
        return f"{self.recommendation.get_absolute_url()}comments/{self.pk}/"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class CommentRevision(models.Model):
    """An earlier text of an edited comment, kept for moderators."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "-created_at"]

    def __str__(self):
        return f"Revision of comment {self.comment_id}"


# -- Summaries: counts kept up to date by consultation.services.summaries in the transaction of
# each write that changes them, so that pages, the API and the exports read a few rows whatever
# the number of positions. `manage.py summaries_rebuild` recomputes them from scratch.


class StanceCount(models.Model):
    """Counted positions (consultation.counting) per recommendation, wording version,
    stakeholder group of their author and stance. `group_key` is the group's id, 0 for none:
    a plain integer, as a NULL in a unique key would never conflict (the upserts need it)."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(RecommendationVersion, on_delete=models.CASCADE, related_name="+")
    group_key = models.BigIntegerField()
    stance = models.CharField(max_length=12, choices=Position.Stance.choices)
    count = models.IntegerField(default=0)
    # Of them, those with a reason: the report quotes a reason of the stances most given one.
    reasons = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "version", "group_key", "stance"],
                name="stance_count_key",
            ),
        ]

    def __str__(self):
        return f"{self.recommendation_id} v{self.version_id} g{self.group_key} {self.stance}"


class RecommendationCount(models.Model):
    """A recommendation's counted positions (and of them endorsing ones), comments and
    amendments."""

    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, primary_key=True, related_name="counts"
    )
    positions = models.IntegerField(default=0)
    endorsements = models.IntegerField(default=0)
    comments = models.IntegerField(default=0)
    amendments = models.IntegerField(default=0)

    def __str__(self):
        return f"Counts of {self.recommendation_id}"


class WeekCount(models.Model):
    """Counted positions and comments on a recommendation by the week they were made in
    (the week of `created_at`, Monday, in the site's time zone)."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    positions = models.IntegerField(default=0)
    comments = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recommendation", "week"], name="week_count_key"),
        ]

    def __str__(self):
        return f"{self.recommendation_id} week of {self.week}"


class ThreadCount(models.Model):
    """A thread's counted replies (consultation.counting), and whether its top-level comment
    counts itself (`shown`, 0 or 1): the report quotes the threads most replied to, read from
    the index in that order (thread_most_replied). `created_at` is the top-level comment's,
    the order among equals."""

    root = models.OneToOneField(
        Comment, on_delete=models.CASCADE, primary_key=True, related_name="thread_count"
    )
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    shown = models.IntegerField(default=0)
    replies = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["recommendation", "-replies", "created_at", "root"],
                condition=models.Q(shown__gt=0),
                name="thread_most_replied",
            ),
        ]

    def __str__(self):
        return f"Thread {self.root_id}: {self.replies} replies"


class ContributorCount(models.Model):
    """A person's counted positions and comments in a consultation (`pillar_key` 0) or one of
    its pillars, under the stakeholder group they are counted in (`group_key`, 0 for none):
    a participant of the group while above zero (GroupCount.participants follows)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    pillar_key = models.BigIntegerField()
    group_key = models.BigIntegerField()
    person_key = models.BigIntegerField()  # the person's id; a plain integer, as never joined
    contributions = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "pillar_key", "group_key", "person_key"],
                name="contributor_count_key",
            ),
        ]

    def __str__(self):
        return f"{self.person_key} in {self.consultation_id}/{self.pillar_key}"


class GroupCount(models.Model):
    """Participation by stakeholder group (`group_key`, 0 for none) in a consultation
    (`pillar_key` 0) or one of its pillars: the people with counted positions or comments
    (their ContributorCount above zero), the positions and the comments."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="+")
    pillar_key = models.BigIntegerField()
    group_key = models.BigIntegerField()
    participants = models.IntegerField(default=0)
    positions = models.IntegerField(default=0)
    comments = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "pillar_key", "group_key"], name="group_count_key"
            ),
        ]

    def __str__(self):
        return f"Group {self.group_key} in {self.consultation_id}/{self.pillar_key}"
