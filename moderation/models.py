"""Moderation: each consultation's policy, people's flags, moderators' decisions (the
append-only audit log), authors' appeals and the reasons moderators pick from.

The moderated contributions are consultation's Comment, Amendment and Position (its reason);
their `moderation_state` lives on them. Flags, actions and appeals point at one of the three
through three nullable foreign keys (exactly one set), which keeps the queue's queries plain
joins.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from consultation.models import Amendment, Comment, Position, ReportReason
from recommendations.models import Consultation

KINDS = {"comment": Comment, "amendment": Amendment, "position": Position}
# The kinds' names as people read them, and their plurals (the filters' options).
KIND_NAMES = {
    "comment": pgettext_lazy("moderated contribution", "comment"),
    "amendment": pgettext_lazy("moderated contribution", "amendment"),
    "position": pgettext_lazy("moderated contribution", "position"),
}
KIND_PLURALS = {
    "comment": pgettext_lazy("moderated contributions", "Comments"),
    "amendment": pgettext_lazy("moderated contributions", "Amendments"),
    "position": pgettext_lazy("moderated contributions", "Positions"),
}
# A contribution's moderation state in a sentence (the log keeps the codes). The log's rows
# on administrative actions keep other states: an amendment's status (open, then accepted or
# rejected), a person's affiliation (unverified or verified) and, on lifting a suspension,
# the person's account (suspended, then active).
STATE_WORDS = {
    "pending": pgettext_lazy("moderation state", "pending"),
    "published": pgettext_lazy("moderation state", "published"),
    "hidden": pgettext_lazy("moderation state", "hidden"),
    "rejected": pgettext_lazy("moderation state", "rejected"),
    "reported": pgettext_lazy("moderation state", "reported"),
    "open": pgettext_lazy("moderation state", "open"),
    "accepted": pgettext_lazy("moderation state", "accepted"),
    "unverified": pgettext_lazy("moderation state", "unverified"),
    "verified": pgettext_lazy("moderation state", "verified"),
    "suspended": pgettext_lazy("moderation state", "suspended"),
    "active": pgettext_lazy("moderation state", "active"),
}


def kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


def state_word(state: str) -> str:
    return str(STATE_WORDS.get(state, state))


def label_lower(label) -> str:
    """A choice's label inside a sentence: lower case, except in German, whose nouns keep
    their capital."""
    text = str(label)
    return text if (get_language() or "").startswith("de") else text.lower()


def kind_of(content) -> str:
    return type(content).__name__.lower()


def _one_content(prefix: str) -> models.CheckConstraint:
    """Exactly one of comment, amendment and position."""
    one = (
        models.Q(comment__isnull=False, amendment__isnull=True, position__isnull=True)
        | models.Q(comment__isnull=True, amendment__isnull=False, position__isnull=True)
        | models.Q(comment__isnull=True, amendment__isnull=True, position__isnull=False)
    )
    return models.CheckConstraint(condition=one, name=f"{prefix}_one_content")


class ContentMixin:
    """For a model pointing at one moderated contribution by `comment`, `amendment` or
    `position` (exactly one set)."""

    @property
    def content(self):
        return self.comment or self.amendment or self.position

    @property
    def content_kind(self) -> str:
        for kind in KINDS:
            if getattr(self, f"{kind}_id"):
                return kind
        return ""

    @property
    def content_id(self) -> int | None:
        return self.comment_id or self.amendment_id or self.position_id


class ModerationPolicy(models.Model):
    """How one consultation's contributions are moderated. Without one: after publication,
    hidden after three flags."""

    class Mode(models.TextChoices):
        POST = "post", _("After publication (flags bring contributions to the queue)")
        PRE_ALL = "pre_all", _("Before publication, every contribution")
        PRE_FIRST_N = "pre_first_n", _("Before publication, each person's first contributions")

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="moderation_policy"
    )
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.POST)
    first_n = models.PositiveSmallIntegerField(
        _("first contributions moderated"),
        default=3,
        help_text=_(
            "With “each person's first contributions”: how many of a person's "
            "contributions a moderator approves before theirs publish at once."
        ),
    )
    flag_threshold = models.PositiveSmallIntegerField(
        default=3,
        help_text=_(
            "A contribution flagged by this many different people is hidden until a "
            "moderator reviews it."
        ),
    )
    review_terms = models.TextField(
        blank=True,
        help_text=_(
            "One word or phrase a line: a contribution containing one (in any case) "
            "waits for a moderator whatever the mode."
        ),
    )

    class Meta:
        verbose_name_plural = _("moderation policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(flag_threshold__gte=1), name="flag_threshold_at_least_1"
            ),
        ]

    def __str__(self):
        return f"Moderation of {self.consultation}"

    @property
    def terms(self) -> list[str]:
        return [t.strip().casefold() for t in self.review_terms.splitlines() if t.strip()]


class Flag(ContentMixin, models.Model):
    """A person reports a contribution to the moderators."""

    Reason = ReportReason  # one list: the placeholder of a hidden comment names them too

    class Resolution(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    text = models.TextField(blank=True, max_length=1_000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            _one_content("flag"),
            models.UniqueConstraint(fields=["flagger", "comment"], name="flag_comment_once"),
            models.UniqueConstraint(fields=["flagger", "amendment"], name="flag_amendment_once"),
            models.UniqueConstraint(fields=["flagger", "position"], name="flag_position_once"),
            models.CheckConstraint(
                condition=~models.Q(reason="other") | ~models.Q(text=""),
                name="flag_text_for_other",
            ),
        ]
        indexes = [
            models.Index(fields=["comment", "resolved_at"]),
            models.Index(fields=["amendment", "resolved_at"]),
            models.Index(fields=["position", "resolved_at"]),
            # The queue is driven by the open reports: small partial indexes, one per kind.
            *(
                models.Index(
                    fields=[kind],
                    condition=models.Q(resolved_at__isnull=True, **{f"{kind}__isnull": False}),
                    name=f"flag_open_{kind}",
                )
                for kind in ("comment", "amendment", "position")
            ),
        ]

    def __str__(self):
        return f"Flag by {self.flagger_id} on {self.content_kind} {self.content_id}"


class ReasonTemplate(models.Model):
    """A reason moderators pick instead of writing one (editable in the admin)."""

    title = models.CharField(max_length=120)
    text = models.TextField(max_length=2_000, help_text=_("What the author reads."))
    actions = models.JSONField(
        default=list,
        blank=True,
        help_text=_('The actions it fits, e.g. ["reject", "hide"]; empty for every action.'),
    )
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The moderation log is append-only.")

    def delete(self):
        raise TypeError("The moderation log is append-only.")


class ModerationAction(ContentMixin, models.Model):
    """One row of the audit log: who did what to which contribution or person, why, and the
    contribution's state before and after. Written in the transaction of the change itself;
    never changed or deleted. A null actor is the system (e.g. hiding after flags)."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        HIDE = "hide", _("Hidden")
        RESTORE = "restore", _("Restored")
        DISMISS_FLAGS = "dismiss_flags", _("Flags dismissed")
        WARN = "warn", _("Author warned")
        SUSPEND = "suspend", _("Author suspended")
        FLAG = "flag", _("Flagged")
        AUTO_HIDE = "auto_hide", _("Hidden after flags")
        APPEAL = "appeal", _("Appealed")
        UPHOLD = "uphold", _("Appeal rejected: decision upheld")
        OVERTURN = "overturn", _("Appeal upheld: decision overturned")
        # A moderator ends a suspension early (not on appeal): the person is told, and there
        # is nothing to appeal, so it is no decision of DECISIONS.
        LIFT_SUSPENSION = "lift_suspension", _("Suspension lifted")
        # Administrative actions, on the record like the moderators' decisions but neither
        # appealed here nor told of by the moderation notices (the caller tells the person).
        ACCEPT_AMENDMENT = "accept_amendment", _("Amendment accepted")
        REJECT_AMENDMENT = "reject_amendment", _("Amendment rejected")
        VERIFY_AFFILIATION = "verify_affiliation", _("Affiliation verified")
        REVOKE_AFFILIATION = "revoke_affiliation", _("Affiliation verification withdrawn")
        # The consultation team's responses (responses/services.py).
        RESPONSE_SAVE = "response_save", _("Response drafted")
        RESPONSE_REVIEW = "response_review", _("Response reviewed")
        RESPONSE_PUBLISH = "response_publish", _("Response published")
        RESPONSE_CORRECT = "response_correct", _("Published response corrected")
        IMPLEMENTATION_UPDATE = "implementation_update", _("Implementation update added")

    # The decisions an author is told of, and may appeal once (unless taken on appeal).
    DECISIONS = (Action.REJECT, Action.HIDE, Action.WARN, Action.SUSPEND)
    # Rows on a person's affiliation: about the person, no contribution; `content_label`
    # keeps the organisation as it was when the row was written.
    AFFILIATION_ACTIONS = (Action.VERIFY_AFFILIATION, Action.REVOKE_AFFILIATION)
    RESPONSE_ACTIONS = (
        Action.RESPONSE_SAVE,
        Action.RESPONSE_REVIEW,
        Action.RESPONSE_PUBLISH,
        Action.RESPONSE_CORRECT,
        Action.IMPLEMENTATION_UPDATE,
    )
    # Rows that record no moderation of the contribution itself.
    ADMINISTRATIVE_ACTIONS = (
        Action.ACCEPT_AMENDMENT,
        Action.REJECT_AMENDMENT,
        *AFFILIATION_ACTIONS,
        *RESPONSE_ACTIONS,
    )

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # accounts are closed, never deleted: the log keeps names
        related_name="moderation_actions",
    )
    action = models.CharField(max_length=30, choices=Action.choices, db_index=True)
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.ForeignKey(
        Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the row is about, kept when the contribution itself is gone.
    content_label = models.CharField(max_length=100, blank=True)
    consultation = models.ForeignKey(
        Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="moderation_actions_about",
        help_text=_("The contribution's author, or the person warned or suspended."),
    )
    reason = models.TextField(blank=True)
    state_before = models.CharField(max_length=10, blank=True)
    state_after = models.CharField(max_length=10, blank=True)
    suspended_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("The suspension's end: the one imposed, or (lifted) the one lifted."),
    )
    appeal = models.ForeignKey(
        "Appeal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text=_("The appeal this row files or decides: a decision on appeal is final."),
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["comment", "-created_at"]),
            models.Index(fields=["amendment", "-created_at"]),
            models.Index(fields=["position", "-created_at"]),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.content_label or self.subject_user_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise TypeError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The moderation log is append-only.")

    @property
    def actor_name(self) -> str:
        return self.actor.public_name if self.actor_id else str(_("The system"))

    @property
    def content_words(self) -> str:
        """ "comment #12 on P1-R1" in the active language; once the contribution is gone, the
        label stored with the row (in the site's language). A row on a person's affiliation:
        "affiliation with <the organisation it named then>"."""
        if self.action in self.AFFILIATION_ACTIONS:
            if not self.content_label:
                return str(_("affiliation"))
            return _("affiliation with %(organisation)s") % {"organisation": self.content_label}
        content = self.content
        if content is None:
            return self.content_label
        return _("%(kind)s #%(pk)s on %(reference)s") % {
            "kind": kind_name(kind_of(content)),
            "pk": content.pk,
            "reference": content.recommendation.reference,
        }

    @property
    def is_decision(self) -> bool:
        return self.action in self.DECISIONS and self.actor_id is not None

    @property
    def is_appealable(self) -> bool:
        """A moderator's decision, not taken on appeal (those are final)."""
        return self.is_decision and self.appeal_id is None


class Appeal(models.Model):
    """The author asks for one decision to be looked at again, once. A moderator other than
    the one who decided takes it; their decision is final."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Decision upheld")
        OVERTURNED = "overturned", _("Decision overturned")

    decision = models.OneToOneField(
        ModerationAction, on_delete=models.PROTECT, related_name="appeal_of"
    )
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals"
    )
    text = models.TextField(max_length=3_000)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Appeal {self.pk} of decision {self.decision_id}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN
