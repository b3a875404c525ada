"""What the apps above add to the accounts' pages, registered in their AppConfig.ready(): a
person's public page lists their contributions (consultation) without accounts importing
the dialogue."""

from core.hooks import Extension, Port

# (person, viewer, page) -> the template context the page adds.
person_page = Extension("accounts.person_page")

# (user=, before_group_id=) -> None: a person's stakeholder group changed (their profile, an
# admin, the deletion of their account), in the change's transaction; the dialogue's
# summaries count their positions by group (consultation registers it).
stakeholder_group_changed = Port(
    "accounts.hooks.stakeholder_group_changed",
    "stakeholder_group_changed(*, user, before_group_id) -> None",
)
