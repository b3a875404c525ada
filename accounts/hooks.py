"""What the apps above add to the accounts' pages, registered in their AppConfig.ready(): a
person's public page lists their contributions (consultation) without accounts importing
the dialogue."""

from core.hooks import Extension

# (person, viewer, page) -> the template context the page adds.
person_page = Extension("accounts.person_page")
