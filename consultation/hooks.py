"""The dialogue's part in writes made below it (recommendations.hooks), registered in
ConsultationConfig.ready()."""

from digests import notifications

from .services import recommendation_wording_change


def wording_changed(*, recommendation, title, body, author, reason):
    """Any rewording of a recommendation, from below (an import, the admin): what accepting
    an amendment does to the wording, and the outdated amendments' authors told."""
    version, outdated = recommendation_wording_change(
        recommendation=recommendation, title=title, body=body, author=author, reason=reason
    )
    if outdated:
        notifications.notify_reworded(recommendation=recommendation, outdated=outdated)
    return version
