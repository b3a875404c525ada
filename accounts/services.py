import csv
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import legal
from .models import Consent, Invitation, StakeholderGroup, User, invitation_language_default
from .rules import CONSULTATION_ADMINS, MODERATORS

DEMO_ADMIN_EMAIL = "admin@example.org"


def session_clear_expired() -> None:
    """Delete expired sessions (the session engine knows how)."""
    engine = import_string(settings.SESSION_ENGINE + ".SessionStore")
    engine.clear_expired()


@transaction.atomic
def user_signup_complete(*, user: User, data: dict[str, Any], language: str | None = None) -> User:
    """Store the sign-up form's profile fields, the interface language the person signed up
    in and the consents given with it; accept the invitation they signed up through, if any."""
    for name in ("display_name", "organisation", "job_title", "stakeholder_group"):
        setattr(user, name, data.get(name) or getattr(user, name))
    if language in User.Language.values:
        user.language = language
    user.speaks_for_organisation = bool(data.get("speaks_for_organisation"))
    user.save()
    if data.get("invitation"):
        invitation_accept(invitation=data["invitation"], user=user)
    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(
                user=user,
                document=Consent.Document.TERMS,
                version=legal.TERMS_VERSION,
                accepted_at=now,
            ),
            Consent(
                user=user,
                document=Consent.Document.PRIVACY,
                version=legal.PRIVACY_VERSION,
                accepted_at=now,
            ),
        ],
        ignore_conflicts=True,
    )
    return user


def _same_organisation(a: str, b: str) -> bool:
    """Spaces aside, the same name: re-typing it is no change of organisation."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any], acting_user: User | None = None) -> User:
    """Update the stakeholder profile. Changing the declaration of interests re-dates it.

    A verified affiliation is the verification of one organisation: changing the
    organisation withdraws it, on the audit log, in this transaction (an admin verifies the
    new one). Positions taken on behalf of the old organisation keep its name (history).
    `acting_user`: the admin editing the profile in the Django admin; None when the person
    edits their own (the log then names the system, not them)."""
    # Imported here: moderation builds on accounts, not the other way round.
    from moderation.models import ModerationAction
    from moderation.services import audit_log_write

    # The stored organisation and verification, read locked: the web form has already
    # written the new values onto `user` (a ModelForm's validation does), and an admin
    # verifying the person at this moment waits for this change, or this one sees theirs.
    stored = (
        User.objects.select_for_update()
        .values("organisation", "affiliation_verified_at")
        .get(pk=user.pk)
    )
    interests = data.get("interests", user.interests).strip()
    if interests != user.interests or user.interests_declared_at is None:
        user.interests_declared_at = timezone.now()
    user.interests = interests
    changed = ["interests", "interests_declared_at"]
    for name in (
        "display_name",
        "organisation",
        "job_title",
        "stakeholder_group",
        "speaks_for_organisation",
        "transparency_register_id",
    ):
        if name in data:
            setattr(user, name, data[name])
            changed.append(name)
    withdrawn = stored["affiliation_verified_at"] is not None and not _same_organisation(
        stored["organisation"], user.organisation
    )
    if withdrawn:
        user.affiliation_verified_at = None
        user.affiliation_verified_by = None
        changed += ["affiliation_verified_at", "affiliation_verified_by"]
    user.full_clean(exclude=["password"])
    # Only the profile's fields: a stale instance must not write back an older verification
    # or suspension over what an admin or a moderator has just decided.
    user.save(update_fields=changed)
    if withdrawn:
        audit_log_write(
            # Nobody decided it: the change of organisation did (the log's "system"), unless
            # an admin changed it for the person.
            acting_user=acting_user,
            action=ModerationAction.Action.REVOKE_AFFILIATION,
            subject_user=user,
            content_label=stored["organisation"],
            # Written as the log's own labels are (in English), with both names as typed.
            reason=f"Organisation changed from {stored['organisation']} to "
            f"{user.organisation or '(none)'}",
            state_before="verified",
            state_after="unverified",
        )
    return user


@transaction.atomic
def preferences_update(*, user: User, data: dict[str, Any]) -> User:
    for name in (
        "language",
        "digest_frequency",
        "notify_replies",
        "notify_decisions",
        "notify_appeals",
        "notify_wording_changes",
    ):
        if name in data:
            setattr(user, name, data[name])
    user.save()
    if "pillars_of_interest" in data:
        user.pillars_of_interest.set(data["pillars_of_interest"])
    return user


@transaction.atomic
def affiliation_verify(
    *, user: User, acting_user: User, verified: bool = True, reason: str = ""
) -> User:
    """A consultation admin verifies that a person speaks for their organisation (or withdraws
    the verification), on the audit log in the same transaction. Verifying a verified
    affiliation, or withdrawing an unverified one, changes nothing and logs nothing."""
    # Imported here: moderation builds on accounts, not the other way round.
    from moderation.models import ModerationAction
    from moderation.services import audit_log_write

    if not acting_user.has_perm("accounts.verify_affiliation"):
        raise PermissionDenied(_("Only consultation admins verify affiliations."))
    # Read locked: two admins acting at once must not both log the same change. The caller's
    # instance is the one changed, as before.
    locked = User.objects.select_for_update().get(pk=user.pk)
    if verified and locked.deleted_at:
        raise ValidationError(_("This account is closed: there is no affiliation to verify."))
    before = "verified" if locked.affiliation_verified_at else "unverified"
    after = "verified" if verified else "unverified"
    if before == after:
        return user
    user.affiliation_verified_at = timezone.now() if verified else None
    user.affiliation_verified_by = acting_user if verified else None
    user.save(update_fields=["affiliation_verified_at", "affiliation_verified_by"])
    actions = ModerationAction.Action
    audit_log_write(
        acting_user=acting_user,
        action=actions.VERIFY_AFFILIATION if verified else actions.REVOKE_AFFILIATION,
        subject_user=user,
        content_label=locked.organisation,
        reason=(reason or "").strip(),
        state_before=before,
        state_after=after,
    )
    return user


# -- Invitations ----------------------------------------------------------------------------

INVITATION_COLUMNS = ("email", "name", "organisation", "stakeholder_group", "language")
# Other spellings a spreadsheet may use for the same columns.
INVITATION_COLUMN_ALIASES = {
    "e-mail": "email",
    "email address": "email",
    "e-mail address": "email",
    "organization": "organisation",
    "group": "stakeholder_group",
    "stakeholder group": "stakeholder_group",
    "lang": "language",
}
INVITATION_IMPORT_MAX_ROWS = 1_000


def _require_inviter(acting_user: User) -> None:
    if not acting_user.is_active or not acting_user.has_perm("accounts.invite"):
        raise PermissionDenied(_("Only consultation admins may invite people."))


def _invitation_refusal(email: str) -> str | None:
    """Why this address may not be invited now; None when it may."""
    if (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    ):
        return _("%(email)s already has an account.") % {"email": email}
    pending = Invitation.objects.filter(email__iexact=email, accepted_at__isnull=True).first()
    if pending:
        return _("%(email)s already has a pending invitation (of %(date)s).") % {
            "email": email,
            "date": formats.date_format(pending.created_at, "d F Y"),
        }
    return None


@transaction.atomic
def invitation_create(
    *,
    acting_user: User,
    email: str,
    name: str = "",
    organisation: str = "",
    stakeholder_group: StakeholderGroup | None = None,
    consultation=None,
    language: str | None = None,
) -> Invitation:
    """Invite a person to sign up; the e-mail goes out once the transaction commits, in
    `language` (one of settings.LANGUAGES; by default the inviting admin's current one)."""
    from .emails import send_invitation

    _require_inviter(acting_user)
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("The e-mail address is missing.")})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("“%(email)s” is not a valid e-mail address.") % {"email": email}}
        ) from None
    language = language or invitation_language_default()
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _unknown_language(language)})
    refusal = _invitation_refusal(email)
    if refusal:
        raise ValidationError({"email": refusal})
    invitation = Invitation(
        email=email,
        name=(name or "").strip(),
        organisation=(organisation or "").strip(),
        stakeholder_group=stakeholder_group,
        consultation=consultation,
        invited_by=acting_user,
        language=language,
        token=secrets.token_urlsafe(32),
    )
    invitation.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        # Another admin invited the same address a moment ago.
        raise ValidationError(
            {"email": _("%(email)s already has a pending invitation.") % {"email": email}}
        ) from None
    transaction.on_commit(lambda: send_invitation(invitation))
    return invitation


@dataclass
class InvitationImport:
    """What an import did: the invitations created (and sent), and each problem by line."""

    created: list[Invitation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __str__(self):
        created, errors = len(self.created), len(self.errors)
        sent = ngettext("%(count)d invitation sent", "%(count)d invitations sent", created) % {
            "count": created
        }
        if not errors:
            return sent
        problems = ngettext("%(count)d problem", "%(count)d problems", errors) % {"count": errors}
        return f"{sent}, {problems}"


def _group_lookup() -> dict[str, StakeholderGroup]:
    lookup = {}
    for group in StakeholderGroup.objects.all():
        lookup[group.name.strip().lower()] = group
        lookup[group.slug.lower()] = group
    return lookup


def _fold(text: str) -> str:
    """Lower case without accents: a spreadsheet may write "Francais" or "FRANÇAIS"."""
    text = unicodedata.normalize("NFKD", " ".join(text.lower().split()))
    return "".join(c for c in text if not unicodedata.combining(c))


def _language_lookup() -> dict[str, str]:
    """Each language's code and its own name ("nl", "Nederlands"), folded, to its code."""
    lookup = {}
    for code, name in settings.LANGUAGES:
        lookup[_fold(code)] = code
        lookup[_fold(name)] = code
    return lookup


def invitation_language_parse(value: str) -> str | None:
    """The language code a CSV cell names (a code, a regional code such as "nl-BE", or the
    language's own name, in any case); None when it names none of settings.LANGUAGES."""
    folded = _fold(value)
    lookup = _language_lookup()
    if folded in lookup:
        return lookup[folded]
    if re.fullmatch(r"[a-z]{2}[-_][a-z]{2}", folded):
        return lookup.get(folded[:2])
    return None


def _unknown_language(value: str) -> str:
    return _("unknown language “%(value)s”; use one of %(languages)s.") % {
        "value": value,
        "languages": ", ".join(f"{code} ({name})" for code, name in settings.LANGUAGES),
    }


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _line_error(line: int, problem: str) -> str:
    """A problem of the import, as the report lists it: "line N: <problem>"."""
    return _("line %(line)d: %(problem)s") % {"line": line, "problem": problem}


@transaction.atomic
def invitations_import_csv(
    *, acting_user: User, file_text: str, consultation=None, language: str | None = None
) -> InvitationImport:
    """Invite everyone listed in a CSV file (columns email, name, organisation,
    stakeholder_group: a slug or a name, and optionally language: a code or the language's
    name; a row without one is in `language`, by default the inviting admin's current one).
    Each bad row is reported as "line N: <problem>"; the good rows are still created and sent.
    A header that cannot be read stops the import.
    """
    _require_inviter(acting_user)
    report = InvitationImport()
    reader = csv.reader(io.StringIO(file_text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
    except csv.Error as exc:
        report.errors.append(
            _line_error(
                reader.line_num, _("the file is not valid CSV (%(error)s).") % {"error": exc}
            )
        )
        return report
    if header is None:
        report.errors.append(
            _line_error(
                1,
                _("the file is empty; its first line names the columns: %(columns)s.")
                % {"columns": ", ".join(INVITATION_COLUMNS)},
            )
        )
        return report
    header_line = reader.line_num
    columns = []
    for cell in header:
        name = " ".join(cell.strip().lower().replace("_", " ").split())
        columns.append(INVITATION_COLUMN_ALIASES.get(name, name.replace(" ", "_")))
    unknown = [c for c in columns if c not in INVITATION_COLUMNS]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    problems = []
    if unknown:
        problems.append(
            _("unknown column(s) %(columns)s") % {"columns": ", ".join(f"“{c}”" for c in unknown)}
        )
    if duplicated:
        problems.append(_("repeated column(s) %(columns)s") % {"columns": ", ".join(duplicated)})
    if "email" not in columns:
        problems.append(_("no “email” column"))
    if problems:
        report.errors.append(
            _line_error(
                header_line,
                _(
                    "%(problems)s. The columns are %(columns)s (the first line names them); "
                    "nothing was imported."
                )
                % {"problems": "; ".join(problems), "columns": ", ".join(INVITATION_COLUMNS)},
            )
        )
        return report

    groups = _group_lookup()
    seen: dict[str, int] = {}
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader, None)
        except csv.Error as exc:
            report.errors.append(
                _line_error(
                    line,
                    _(
                        "the file is not valid CSV from here on (%(error)s); "
                        "the lines after it were not read."
                    )
                    % {"error": exc},
                )
            )
            break
        if values is None:
            break
        if not any(value.strip() for value in values):
            continue
        rows += 1
        if rows > INVITATION_IMPORT_MAX_ROWS:
            report.errors.append(
                _line_error(
                    line,
                    _(
                        "a file holds at most %(max)s invitations; "
                        "this line and the ones after it were not imported."
                    )
                    % {"max": f"{INVITATION_IMPORT_MAX_ROWS:,}"},
                )
            )
            break
        if len(values) != len(columns):
            report.errors.append(
                _line_error(
                    line,
                    _(
                        "%(values)d values where the header names %(columns)d columns "
                        "(a comma in a value needs quotes)."
                    )
                    % {"values": len(values), "columns": len(columns)},
                )
            )
            continue
        row = {column: value.strip() for column, value in zip(columns, values, strict=True)}
        email = row.get("email", "").lower()
        group_name = row.get("stakeholder_group", "")
        group = None
        if group_name:
            group = groups.get(" ".join(group_name.lower().split()))
            if group is None:
                report.errors.append(
                    _line_error(
                        line,
                        _("unknown stakeholder group “%(name)s”; use one of %(groups)s.")
                        % {
                            "name": group_name,
                            "groups": ", ".join(sorted({g.slug for g in groups.values()})),
                        },
                    )
                )
                continue
        language_cell = row.get("language", "")
        row_language = language
        if language_cell:
            row_language = invitation_language_parse(language_cell)
            if row_language is None:
                report.errors.append(_line_error(line, _unknown_language(language_cell)))
                continue
        if email and email in seen:
            report.errors.append(
                _line_error(
                    line,
                    _("%(email)s is already on line %(line)d.")
                    % {"email": email, "line": seen[email]},
                )
            )
            continue
        try:
            invitation = invitation_create(
                acting_user=acting_user,
                email=email,
                name=row.get("name", ""),
                organisation=row.get("organisation", ""),
                stakeholder_group=group,
                consultation=consultation,
                language=row_language,
            )
        except ValidationError as exc:
            report.errors.append(_line_error(line, _error_text(exc)))
            continue
        seen[email] = line
        report.created.append(invitation)
    return report


def invitation_get_pending(token: str) -> Invitation | None:
    """The pending invitation with this token, or None (unknown, malformed or accepted)."""
    if not token or len(token) > 64:
        return None
    return (
        Invitation.objects.select_related("stakeholder_group")
        .filter(token=token, accepted_at__isnull=True)
        .first()
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Invitation | None:
    """Mark the invitation accepted by the person who signed up through it (once)."""
    now = timezone.now()
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=now, accepted_user=user
    )
    if not updated:
        return None
    invitation.accepted_at, invitation.accepted_user = now, user
    return invitation


# -- Privacy rights ---------------------------------------------------------------------------


def sessions_end(*, user: User) -> int:
    """End every session of the person, wherever it was opened; returns how many.

    Database-backed engines (db, cached_db) are searched; with other engines the sessions
    die anyway once the password has changed (the session's auth hash no longer matches).
    """
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    if not hasattr(store, "get_model_class"):
        return 0
    ended = 0
    model = store.get_model_class()
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def account_delete(*, user: User) -> User:
    """Delete a person's account at their request.

    Their personal data goes; their published contributions (comments, amendments and, unless
    DELETED_ACCOUNTS_KEEP_POSITIONS is False, positions) stay, under "Former participant".
    """
    from allauth.mfa.models import Authenticator

    from consultation.models import Follow, Notification, Position

    user = User.objects.select_for_update().get(pk=user.pk)
    old_addresses = [
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    ]

    # The person's own lists and settings: no one else sees them.
    Follow.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    if not settings.DELETED_ACCOUNTS_KEEP_POSITIONS:
        Position.objects.filter(author=user).delete()
    # Invitations name the person: the one they accepted and any to their addresses.
    email_q = Q()
    for address in old_addresses:
        email_q |= Q(email__iexact=address)
    Invitation.objects.filter(Q(accepted_user=user) | email_q).delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if apps.is_installed("api"):
        apps.get_model("api", "ApiToken").objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()
    user.pillars_of_interest.clear()
    user.groups.clear()
    user.user_permissions.clear()

    now = timezone.now()
    user.email = f"deleted-{user.pk}-{secrets.token_hex(4)}@deleted.invalid"
    user.set_unusable_password()
    for name in ("display_name", "organisation", "job_title", "transparency_register_id"):
        setattr(user, name, "")
    user.interests = ""
    user.interests_declared_at = None
    user.stakeholder_group = None
    user.speaks_for_organisation = False
    user.affiliation_verified_at = None
    user.affiliation_verified_by = None
    user.digest_frequency = User.DigestFrequency.OFF
    user.notify_replies = user.notify_decisions = False
    user.notify_appeals = user.notify_wording_changes = False
    user.is_active = user.is_staff = user.is_superuser = False
    user.deleted_at = now
    user.save()
    sessions_end(user=user)
    return user


def _demo_user(email: str, password: str, **fields) -> User:
    user, _ = User.objects.update_or_create(email=email, defaults=fields)
    user.set_password(password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _demo_totp(user: User, secret: str) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    TOTP.activate(user, secret)


def demo_users_exist() -> bool:
    return User.objects.filter(email=DEMO_ADMIN_EMAIL).exists()


@transaction.atomic
def demo_users_ensure(*, password: str, totp_secret: str) -> list[tuple[str, str, str]]:
    """Create (or reset) the demo accounts with this install's password and TOTP secret
    (random, made by the create_demo_users command); returns (role, e-mail, password) rows.
    Never with the production settings (DEMO_USERS_ALLOWED)."""
    if not settings.DEMO_USERS_ALLOWED:
        raise PermissionDenied("Demo logins are never created with the production settings.")
    now = timezone.now()
    rows = []
    profile = {"interests": "None (demo account).", "interests_declared_at": now}
    admin = _demo_user(
        DEMO_ADMIN_EMAIL,
        password,
        display_name="Demo administrator",
        organisation="Consultation secretariat",
        is_staff=True,
        is_superuser=True,
        **profile,
    )
    admin.groups.add(Group.objects.get(name=CONSULTATION_ADMINS))
    _demo_totp(admin, totp_secret)
    rows.append(("consultation admin", admin.email, password))
    moderator = _demo_user(
        "moderator@example.org",
        password,
        display_name="Demo moderator",
        organisation="Consultation secretariat",
        is_staff=True,
        **profile,
    )
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    _demo_totp(moderator, totp_secret)
    rows.append(("moderator", moderator.email, password))
    for group in StakeholderGroup.objects.all():
        person = _demo_user(
            f"{group.slug}@example.org",
            password,
            display_name=f"Demo {group.name.lower()}",
            organisation=f"Demo organisation ({group.name})",
            stakeholder_group=group,
            **profile,
        )
        rows.append((f"stakeholder: {group.name}", person.email, password))
    return rows
