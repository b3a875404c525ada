"""The one place responses tells people anything: the notification outbox's function is
called here only (so that it can be repointed when notifications move to an app of their own).

A notice is a decision on the person's contribution: it follows their `notify_decisions`
preference for the e-mail, and the digest lists it with the decisions."""

from collections.abc import Sequence

from django.conf import settings
from django.utils import formats, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from consultation.models import Notification
from digests.notifications import notify_many, notify_reworded

from .models import Response, ResponseCitation


def _message(response: Response, citation: ResponseCitation) -> str:
    recommendation = response.recommendation
    words = {
        "reference": recommendation.reference,
        "title": recommendation.title,
        "status": response.status.name,
    }
    if citation.comment_id:
        words["excerpt"] = Truncator(citation.comment.body).chars(120)
        words["date"] = formats.date_format(citation.comment.created_at, "j F Y")
        return (
            _(
                "The organisers' response to %(reference)s “%(title)s” (%(status)s) cites your "
                "comment of %(date)s: “%(excerpt)s”"
            )
            % words
        )
    words["excerpt"] = Truncator(citation.amendment.title).chars(120)
    return (
        _(
            "The organisers' response to %(reference)s “%(title)s” (%(status)s) cites your "
            "amendment “%(excerpt)s”"
        )
        % words
    )


def tell_cited_authors(*, response: Response, citations: Sequence[ResponseCitation]) -> int:
    """A notice (and, if they want it, an e-mail) to the author of each cited contribution,
    written in their language; the caller makes sure each citation is told of once."""
    url = f"{response.recommendation.get_absolute_url()}#response"
    rows = []
    for citation in citations:
        author = citation.contribution.author
        with translation.override(author.language or settings.LANGUAGE_CODE):
            message = _message(response, citation)
        rows.append(
            Notification(
                user_id=author.pk,
                kind=Notification.Kind.DECISION,
                recommendation_id=response.recommendation_id,
                message=Truncator(message).chars(500),
                url=url,
            )
        )
    if rows:
        notify_many(rows)
    return len(rows)


def tell_outdated(*, recommendation, outdated) -> None:
    """The response gave new wording: the authors of the amendments it made outdated are
    told, as after an administrator's rewording."""
    if outdated:
        notify_reworded(recommendation=recommendation, outdated=outdated)
