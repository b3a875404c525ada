"""Who may do what with API tokens; the token page and the services ask the same rule."""

import rules


@rules.predicate
def is_token_owner(user, token) -> bool:
    return token is not None and user.is_authenticated and token.user_id == user.pk


rules.add_perm("api.revoke_token", is_token_owner)
