"""Invitations: one by one, or from a CSV file; accepted at sign-up."""

import csv
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import notices
from ..models import Invitation, StakeholderGroup, User, invitation_language_default

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
    notices.invitation_send(invitation)
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
