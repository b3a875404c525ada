"""The synopsis as a download: printable HTML, PDF (xhtml2pdf, as the results report) and
JSON in the schema of synopsis.schema.json (published at /api/schema/ too, as the API's
synopsis operation)."""

from pathlib import Path

from django.template.loader import render_to_string

from core import pdf

from .synopsis import Synopsis

SCHEMA_PATH = Path(__file__).resolve().parent / "synopsis.schema.json"


def _iso(value):
    return value.isoformat() if value else None


def _citation(citation) -> dict:
    contribution = citation.contribution
    published = contribution.moderation_state == "published"
    if citation.comment_id:
        text = contribution.body if published and contribution.deleted_at is None else None
    else:
        text = contribution.title if published else None
    return {
        "kind": "comment" if citation.comment_id else "amendment",
        "id": contribution.pk,
        "author": contribution.author.public_name if published else None,
        "text": text,  # None when moderators hid it since: counted, never shown
    }


def synopsis_json(synopsis: Synopsis) -> dict:
    consultation = synopsis.consultation
    return {
        "schema": "synopsis/1",
        "consultation": {
            "slug": consultation.slug,
            "title": consultation.title,
            "organiser": consultation.organiser,
            "state": consultation.state,
        },
        "generated_at": _iso(synopsis.generated_at),
        "groups": synopsis.groups,
        "participation": [
            {"week": week.isoformat(), "by_group": counts}
            for week, counts in synopsis.participation
        ],
        "pillars": [
            {
                "code": pillar.code,
                "title": pillar.title,
                "recommendations": [_entry(entry) for entry in entries],
            }
            for pillar, entries in synopsis.pillars
        ],
        "methodology": {
            key: _iso(value) if hasattr(value, "isoformat") else value
            for key, value in synopsis.methodology.items()
        },
    }


def _entry(entry) -> dict:
    r, response = entry.recommendation, entry.response
    return {
        "reference": r.reference,
        "original": {"title": entry.original_title, "body": entry.original_body},
        "final": {"title": r.title, "body": r.body},
        "changed": entry.changed,
        "positions": {"totals": entry.totals, "by_group": entry.groups},
        "cited": [_citation(c) for c in entry.cited],
        "response": None
        if response is None
        else {
            "status": response.status.code,
            "status_label": response.status.name,
            "text": response.text,
            "published_at": _iso(response.published_at),
            "corrected_at": _iso(response.corrected_at),
            "revision": response.revision,
            "sample": response.sample,
        },
    }


def synopsis_html(synopsis: Synopsis, *, request=None, for_pdf: bool = False) -> str:
    return render_to_string(
        "responses/synopsis.html",
        {"synopsis": synopsis, "consultation": synopsis.consultation, "for_pdf": for_pdf},
        request=request,
    )


def synopsis_pdf(synopsis: Synopsis) -> bytes:
    """The synopsis laid out as PDF (core.pdf)."""
    return pdf.html_to_pdf(synopsis_html(synopsis, for_pdf=True))
