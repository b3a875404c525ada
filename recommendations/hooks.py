"""What the apps above add to the catalogue's pages, registered in their AppConfig.ready():
the recommendation page shows the dialogue (consultation) without recommendations importing
it."""

from core.hooks import Extension

# (recommendation, user, params) -> the template context the page adds.
recommendation_page = Extension("recommendations.recommendation_page")
