"""How the apps above take part in the catalogue without recommendations importing them
(layers point down).

- `recommendation_page`: what they add to a recommendation's page, registered in their
  AppConfig.ready() (the dialogue: comments, positions, amendments).
- `wording_change`: new wording from below the dialogue (an administrator's rewording, a changed
  source text applied by an import) sends `recommendations.signals.wording_changed`, to which
  the dialogue reacts (recommendations/wording.py).
"""

from core.hooks import Extension, Port

from .wording import wording_change  # noqa: F401 - the seed importer's entry point

# (recommendation, user, params) -> the template context the page adds.
recommendation_page = Extension("recommendations.recommendation_page")

# (recommendation=, before_pillar_id=) -> None: a recommendation moved to another pillar (an
# administrator's edit), in the change's transaction; the dialogue's summaries count
# participation by pillar (consultation registers it).
recommendation_moved = Port(
    "recommendations.hooks.recommendation_moved",
    "recommendation_moved(*, recommendation, before_pillar_id) -> None",
)
