"""Who may do what with responses. The pages, the API and the services ask these rules.

The consultation team is a role of its own: the "Consultation team" group (created by a data
migration) holds the permission responses.respond; superusers have it too. A response is
reviewed by a second member of the team, never by the one who last wrote it.
"""

import rules
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext as _

CONSULTATION_TEAM = "Consultation team"
RESPOND = "responses.respond"


@rules.predicate
def is_team_member(user) -> bool:
    """Has responses.respond (a superuser, or through a group or their own permissions):
    what has_perm answers, in one query instead of loading every permission of the person,
    kept on the user object for the rest of the request."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_responses_team"):
        app_label, codename = RESPOND.split(".")
        user._responses_team = Permission.objects.filter(
            Q(user=user.pk) | Q(group__user=user.pk),
            content_type__app_label=app_label,
            codename=codename,
        ).exists()
    return user._responses_team


@rules.predicate
def wrote_last(user, response) -> bool:
    return response is not None and response.drafted_by_id == user.pk


@rules.predicate
def is_draft(user, response) -> bool:
    return response is not None and response.state == "draft"


def response_refusal(user, response=None, *, action: str = "write") -> str | None:
    """Why this person may not write (or review) this response now; None when they may."""
    if not is_team_member(user):
        return _("Only the consultation team writes and publishes responses.")
    if action == "review":
        if response is None or not is_draft(user, response):
            return _("Only a draft response can be reviewed.")
        if wrote_last(user, response):
            return _("A second member of the team reviews a response: not the one who wrote it.")
    return None


rules.add_perm("responses.write_response", is_team_member)
rules.add_perm("responses.review_response", is_team_member & is_draft & ~wrote_last)
rules.add_perm("responses.add_update", is_team_member)
