"""The one place responses tells people anything: the notification outbox's function is
called here only (so that it can be repointed when notifications move to an app of their own).

A notice is a decision on the person's contribution: it follows their `notify_decisions`
preference for the e-mail, and the digest lists it with the decisions."""

from collections.abc import Sequence

from django.conf import settings
from django.utils import formats, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from consultation.notices import notify_reworded
from notifications.models import Notification
from notifications.services import notify_many

from .models import Response, ResponseCitation


def _named(citation: ResponseCitation) -> str:
    """One cited contribution, as the notice names it."""
    if citation.comment_id:
        return _("your comment of %(date)s: “%(excerpt)s”") % {
            "date": formats.date_format(citation.comment.created_at, "j F Y"),
            "excerpt": Truncator(citation.comment.body).chars(100),
        }
    return _("your amendment “%(excerpt)s”") % {
        "excerpt": Truncator(citation.amendment.title).chars(100)
    }


def _message(response: Response, citations: Sequence[ResponseCitation]) -> str:
    recommendation = response.recommendation
    return _(
        "The organisers' response to %(reference)s “%(title)s” (%(status)s) cites "
        "%(contributions)s."
    ) % {
        "reference": recommendation.reference,
        "title": recommendation.title,
        "status": response.status.name,
        "contributions": "; ".join(_named(c) for c in citations),
    }


def tell_cited_authors(*, response: Response, citations: Sequence[ResponseCitation]) -> int:
    """One notice (and, if they want it, one e-mail) to each author of cited contributions,
    naming them and the response, in the author's language; the caller makes sure each
    citation is told of once."""
    url = f"{response.recommendation.get_absolute_url()}#response"
    by_author: dict[int, list[ResponseCitation]] = {}
    for citation in citations:
        by_author.setdefault(citation.contribution.author_id, []).append(citation)
    rows = []
    for author_id, theirs in by_author.items():
        author = theirs[0].contribution.author
        with translation.override(author.language or settings.LANGUAGE_CODE):
            message = _message(response, theirs)
        rows.append(
            Notification(
                user_id=author_id,
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
