from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# A suspension "for good" (moderation's) ends on the latest date the field holds.
SUSPENDED_FOR_GOOD = datetime(9999, 12, 31, tzinfo=UTC)


def suspended_for_good(until: datetime | None) -> bool:
    return until is not None and until >= SUSPENDED_FOR_GOOD


# Stored nowhere: translated where it is shown (User.public_name).
PSEUDONYM = gettext_noop("Former participant")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


# The names migration 0004 seeds the groups with, marked for translation. A group an admin
# adds or renames shows as they wrote it.
SEEDED_GROUP_NAMES = frozenset(
    {
        gettext_noop("Industry (pharma)"),
        gettext_noop("Industry (biotech/SME)"),
        gettext_noop("Academia and research"),
        gettext_noop("Hospital and healthcare professionals"),
        gettext_noop("Patient organisation"),
        gettext_noop("Payer or insurer"),
        gettext_noop("Government or regulator"),
        gettext_noop("Policymaker"),
        gettext_noop("Citizen or other"),
    }
)
NO_GROUP = gettext_noop("No group given")


def stakeholder_group_label(name: str | None) -> str:
    """A stakeholder group's name as a reader sees it, in the active language: the one place
    that decides it, for the pages, the API, the exports' headers and the e-mails. `name` is
    the stored name (None: the person gave no group)."""
    if not name:
        return gettext(NO_GROUP)
    return gettext(name) if name in SEEDED_GROUP_NAMES else name


# For what is built once and rendered later in each reader's language (the digests).
stakeholder_group_label_lazy = lazy(stakeholder_group_label, str)


class StakeholderGroup(models.Model):
    """The kind of stakeholder a person speaks as; admin-editable, seeded by a migration."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return stakeholder_group_label(self.name)


transparency_register_validator = RegexValidator(
    r"^\d{9,12}-\d{2}$",
    _(
        "An EU Transparency Register number has 9 to 12 digits, a hyphen and 2 digits, "
        "e.g. 123456789012-34."
    ),
)


class User(AbstractUser):
    """A person with a login. The e-mail address is the login; there is no username."""

    class Language(models.TextChoices):
        EN = "en", "English"
        NL = "nl", "Nederlands"
        FR = "fr", "Français"
        DE = "de", "Deutsch"

    class DigestFrequency(models.TextChoices):
        OFF = "off", _("Off")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)

    # The stakeholder profile: public wherever the person's contributions appear.
    display_name = models.CharField(max_length=150, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(pgettext_lazy("job title", "position"), max_length=200, blank=True)
    stakeholder_group = models.ForeignKey(
        StakeholderGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    speaks_for_organisation = models.BooleanField(
        _("speaks on behalf of the organisation"), default=False
    )
    transparency_register_id = models.CharField(
        _("EU Transparency Register number"),
        max_length=20,
        blank=True,
        validators=[transparency_register_validator],
    )
    interests = models.TextField(
        _("declaration of interests"),
        blank=True,
        help_text=_(
            "Funding, employment, shares or other interests in the subject; “none” is an answer."
        ),
    )
    interests_declared_at = models.DateTimeField(null=True, blank=True)
    affiliation_verified_at = models.DateTimeField(null=True, blank=True)
    affiliation_verified_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suspended_until = models.DateTimeField(
        null=True, blank=True, help_text=_("A suspended person reads but cannot contribute.")
    )
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set when the person deleted their account.")
    )

    # Preferences.
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.EN)
    digest_frequency = models.CharField(
        max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY
    )
    notify_replies = models.BooleanField(_("replies to my comments"), default=True)
    notify_decisions = models.BooleanField(_("decisions on my contributions"), default=True)
    notify_appeals = models.BooleanField(_("outcomes of my appeals"), default=True)
    notify_wording_changes = models.BooleanField(
        _("new wording of recommendations I took a position on"), default=True
    )
    pillars_of_interest = models.ManyToManyField(
        "recommendations.Pillar", blank=True, related_name="interested_users"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            # Addresses that differ only by case are the same mailbox: one account for both.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.public_name

    def get_full_name(self):
        return self.public_name

    def get_short_name(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        if self.deleted_at:
            return gettext(PSEUDONYM)
        return self.display_name or gettext("Unnamed participant")

    @property
    def is_affiliation_verified(self) -> bool:
        return self.affiliation_verified_at is not None and not self.deleted_at

    @property
    def has_declared_interests(self) -> bool:
        return self.interests_declared_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class Consent(models.Model):
    """A person's acceptance of a version of a legal text, recorded at sign-up and after."""

    class Document(models.TextChoices):
        TERMS = "terms", _("Terms of participation")
        PRIVACY = "privacy", _("Privacy notice")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    document = models.CharField(max_length=20, choices=Document.choices)
    version = models.CharField(max_length=20)
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "document", "-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "document", "version"], name="consent_once_per_version"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} accepted {self.document} {self.version}"


def invitation_language_default() -> str:
    """The language active now: in a request, the inviting admin's interface language."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


class Invitation(models.Model):
    """A consultation admin's invitation to sign up, sent by e-mail with a link holding the token.

    The token pre-fills the sign-up form; the invitation is accepted when the person signs up
    through it. A pending invitation is one not accepted yet.
    """

    email = models.EmailField(_("e-mail address"))
    name = models.CharField(max_length=150, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    stakeholder_group = models.ForeignKey(
        StakeholderGroup,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
    )
    consultation = models.ForeignKey(
        "recommendations.Consultation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations",
        help_text=_("The consultation the person is invited to, if one."),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    # The invitee's language, which may not be the admin's: a Belgian invitee may read Dutch,
    # French or German only.
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default=invitation_language_default,
        help_text=_("The language of the e-mail and of the sign-up form it links to."),
    )
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_accepted",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One pending invitation per address, whatever the case of its letters.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True),
                name="invitation_pending_once",
            ),
        ]

    def __str__(self):
        return f"Invitation to {self.email}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        return "sent" if self.sent_at else "not sent yet"
