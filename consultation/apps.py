from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    """The dialogue around the recommendations: comments, positions, amendments, follows."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "consultation"
    verbose_name = _("Dialogue")

    def ready(self):
        from accounts.hooks import person_page, stakeholder_group_changed
        from core import versioning
        from recommendations.hooks import recommendation_moved, recommendation_page

        from . import (
            receivers,  # noqa: F401 - the dialogue follows the catalogue's new wording
            selectors,
        )
        from .models import (
            Amendment,
            AmendmentEndorsement,
            Comment,
            CommentRevision,
            Position,
            RecommendationCount,
            StanceCount,
            WeekCount,
        )
        from .services import summaries

        # The dialogue on the recommendation's page, a person's contributions on theirs.
        recommendation_page.register(selectors.recommendation_dialogue)
        person_page.register(selectors.person_page)
        # Positions are counted by their author's group: a change of group moves them.
        stakeholder_group_changed.register(summaries.stakeholder_group_moved)

        # The dialogue on each recommendation is a scope of the public content of its own
        # (core.versioning): the fragments of its page are keyed by its version.
        versioning.register(self)
        versioning.register(
            Comment,
            Position,
            Amendment,
            StanceCount,
            RecommendationCount,
            WeekCount,
            scopes=lambda row: [selectors.dialogue_scope(row.recommendation_id)],
        )
        versioning.register(
            AmendmentEndorsement,
            scopes=lambda row: [selectors.dialogue_scope(row.amendment.recommendation_id)],
        )
        versioning.register(
            CommentRevision,
            scopes=lambda row: [selectors.dialogue_scope(row.comment.recommendation_id)],
        )
        # Participation is counted by pillar too: a recommendation's move moves its share.
        recommendation_moved.register(summaries.recommendation_moved)
