"""DRF permissions that ask the apps' rules (consultation/rules.py, accounts/rules.py): the
API refuses what the pages refuse, in the same words. The services ask the rules again."""

from rest_framework import permissions

from accounts.rules import TWO_FACTOR_NEEDED, two_factor_missing
from consultation.rules import dialogue_refusal


class CanContribute(permissions.BasePermission):
    """The view's `contribute_actions` need the right to contribute to its recommendation."""

    code = "contribution_refused"

    def has_permission(self, request, view):
        if view.action not in getattr(view, "contribute_actions", ()):
            return True
        refusal = dialogue_refusal(request.user, view.recommendation)
        if refusal:
            self.message = refusal
            return False
        return True


class TwoFactorForRoles(permissions.BasePermission):
    """The view's `two_factor_actions` (deciding on an amendment) need a moderator or
    administrator to have set up two-factor authentication, as the moderation endpoints do;
    asked before the object's rules, so the refusal says what to do."""

    message = TWO_FACTOR_NEEDED

    def has_permission(self, request, view):
        if view.action not in getattr(view, "two_factor_actions", ()):
            return True
        return not two_factor_missing(request.user)


class ObjectRules(permissions.BasePermission):
    """The view's `object_rules` map an action to (rule, message): the rule is asked of the
    object the action is on."""

    def has_object_permission(self, request, view, obj):
        rule = getattr(view, "object_rules", {}).get(view.action)
        if rule is None:
            return True
        name, message = rule
        if request.user.has_perm(name, obj):
            return True
        self.message = message
        return False


class IsAuthenticated(permissions.IsAuthenticated):
    message = "Sign in, or send a personal API token, to use this."
