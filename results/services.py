"""Writes of the results: the report's PDF, made by the worker."""

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation

from core import pdf
from recommendations.models import Consultation, Pillar

from . import exports, selectors
from .models import ReportExport

REUSE_FOR = dt.timedelta(minutes=10)  # a PDF asked for again within this is the same one


@transaction.atomic
def report_export_request(
    *, consultation: Consultation, pillar: Pillar | None, language: str
) -> tuple[ReportExport, bool]:
    """The PDF of the report, in `language`: the one being made or made in the last few
    minutes, else a new one to make. Returns it and whether it is new (to queue)."""
    recent = (
        ReportExport.objects.filter(
            consultation=consultation,
            pillar=pillar,
            language=language,
            created_at__gte=timezone.now() - REUSE_FOR,
        )
        .exclude(status=ReportExport.Status.FAILED)
        .first()
    )
    if recent is not None:
        return recent, False
    return ReportExport.objects.create(
        consultation=consultation, pillar=pillar, language=language
    ), True


def _progress(export_id: int, **fields) -> None:
    ReportExport.objects.filter(pk=export_id).update(**fields)


def report_export_build(*, export_id: int) -> ReportExport | None:
    """Make the PDF, saying how far it has got at each stage (the page shows it). None if the
    row is gone (deleted with the account of someone it quotes: results.privacy)."""
    export = (
        ReportExport.objects.select_related("consultation", "pillar").filter(pk=export_id).first()
    )
    if export is None:
        return None
    if export.status == ReportExport.Status.READY:
        return export
    _progress(export_id, status=ReportExport.Status.RUNNING, progress=5)
    try:
        with translation.override(export.language):
            report = selectors.consultation_report(
                consultation=export.consultation, pillar=export.pillar
            )
            _progress(export_id, progress=30)
            html = exports.report_html(report, for_pdf=True)
            _progress(export_id, progress=50)
            content = pdf.html_to_pdf(html)
    except pdf.PdfError as error:
        _progress(
            export_id,
            status=ReportExport.Status.FAILED,
            error=str(error),
            finished_at=timezone.now(),
        )
    else:
        _progress(
            export_id,
            status=ReportExport.Status.READY,
            progress=100,
            pdf=content,
            finished_at=timezone.now(),
        )
    return ReportExport.objects.filter(pk=export_id).first()
