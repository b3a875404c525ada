"""Who may do what in moderation. The services ask these before every write; the views ask
the same to show or hide forms.

Moderators (and consultation admins, and superusers) moderate; nobody moderates their own
contribution, hears the appeal of their own decision or lifts their own suspension. Anyone who
may contribute may flag someone else's published contribution; an author may appeal a decision
about them once.
"""

import rules

from accounts.rules import can_contribute, is_consultation_admin, is_moderator, is_self


@rules.predicate
def is_content_author(user, content) -> bool:
    return content is not None and user.is_authenticated and content.author_id == user.pk


@rules.predicate
def is_published(user, content) -> bool:
    return content is not None and content.moderation_state == "published"


@rules.predicate
def is_decision_subject(user, action) -> bool:
    return action is not None and user.is_authenticated and action.subject_user_id == user.pk


@rules.predicate
def is_appealable(user, action) -> bool:
    return action is not None and action.is_appealable


@rules.predicate
def appeal_is_open(user, appeal) -> bool:
    return appeal is not None and appeal.is_open


@rules.predicate
def took_the_decision(user, appeal) -> bool:
    return appeal is not None and appeal.decision.actor_id == user.pk


@rules.predicate
def is_appellant(user, appeal) -> bool:
    return appeal is not None and appeal.appellant_id == user.pk


rules.add_perm("moderation.view_queue", is_moderator)
rules.add_perm("moderation.view_log", is_moderator)
rules.add_perm("moderation.decide", is_moderator & ~is_content_author)
rules.add_perm("moderation.warn", is_moderator & ~is_content_author)
rules.add_perm("moderation.suspend", is_moderator & ~is_content_author)
# Asked of the suspended person: whoever may suspend them may lift it, but not for themself.
rules.add_perm("moderation.lift_suspension", is_moderator & ~is_self)
rules.add_perm(
    "moderation.decide_appeal",
    is_moderator & appeal_is_open & ~took_the_decision & ~is_appellant,
)
rules.add_perm("moderation.flag", can_contribute & ~is_content_author & is_published)
rules.add_perm("moderation.view_decision", is_decision_subject | is_moderator)
rules.add_perm("moderation.appeal", is_decision_subject & is_appealable)

# The admin: moderators keep the reason templates; consultation admins set the policies;
# the log is read-only for everyone (moderation/admin.py refuses every change).
rules.add_perm("moderation", is_moderator)
for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"moderation.{action}_reasontemplate", is_moderator)
for action in ("add", "change", "delete"):
    rules.add_perm(f"moderation.{action}_moderationpolicy", is_consultation_admin)
rules.add_perm("moderation.view_moderationpolicy", is_moderator)
rules.add_perm("moderation.view_moderationaction", is_moderator)
rules.add_perm("moderation.view_flag", is_moderator)
rules.add_perm("moderation.view_appeal", is_moderator)
