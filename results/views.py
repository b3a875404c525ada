from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language

from recommendations.selectors import consultation_get_visible

from . import exports, jobs, selectors, services
from .charts import activity_chart, consensus_chart
from .forms import PillarFilterForm
from .models import ReportExport
from .opinions import selectors as opinion_selectors
from .opinions.charts import group_colour, opinion_map
from .search import clean_query, search


def search_page(request):
    query = clean_query(request.GET.get("q"))
    page = search(
        query=query,
        user=request.user,
        page=request.GET.get("page"),
        after=request.GET.get("after"),
    )
    return render(request, "results/search.html", {"q": query, "search_q": query, "page": page})


def _filtered(request, slug):
    """The consultation (404 to those who may not see it), its pillars and the filter form."""
    consultation = consultation_get_visible(user=request.user, slug=slug)
    pillars = list(consultation.pillars.order_by("position", "code"))
    form = PillarFilterForm(request.GET or None, pillars=pillars)
    return consultation, pillars, form


def consultation_results(request, slug):
    consultation, pillars, form = _filtered(request, slug)
    context = {"consultation": consultation, "form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "results/results.html", context, status=400)
    pillar = form.selected() if form.is_bound else None
    results = selectors.consultation_results(
        consultation=consultation, pillar=pillar, pillars=pillars
    )
    context.update(
        results=results,
        pillar=pillar,
        query=f"?pillar={pillar.code}" if pillar else "",
        consensus_chart=consensus_chart(results.recommendations),
        activity_chart=activity_chart(results.weeks),
    )
    return render(request, "results/results.html", context)


def _report(request, slug, read=selectors.consultation_report):
    """The report `read` makes (the printable report's, or the CSV's data), or the refusal of
    a bad filter."""
    consultation, pillars, form = _filtered(request, slug)
    if form.is_bound and not form.is_valid():
        return None, render(
            request,
            "results/results.html",
            {"consultation": consultation, "form": form},
            status=400,
        )
    pillar = form.selected() if form.is_bound else None
    return read(consultation=consultation, pillar=pillar), None


def _download(
    content, *, content_type: str, report, extension: str, inline: bool = False
) -> HttpResponse:
    """The download of `content`: bytes or text, or an iterator of its parts (streamed)."""
    consultation = report.results.consultation
    pillar = report.results.pillar
    name = slugify(f"{consultation.slug} results {pillar.code if pillar else ''}")
    if isinstance(content, str | bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    # The printable report opens in the browser (to read or print); data files download.
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{extension}"'
    return response


def report_html(request, slug):
    report, refusal = _report(request, slug)
    if refusal:
        return refusal
    return _download(
        exports.report_html(report, request=request),
        content_type="text/html; charset=utf-8",
        report=report,
        extension="html",
        inline=True,
    )


def report_pdf(request, slug):
    """The report as PDF: made by the worker (the same one for a few minutes), its page
    follows it until it can be downloaded."""
    consultation, _pillars, form = _filtered(request, slug)
    if form.is_bound and not form.is_valid():
        context = {"consultation": consultation, "form": form}
        return render(request, "results/results.html", context, status=400)
    export, new = services.report_export_request(
        consultation=consultation,
        pillar=form.selected() if form.is_bound else None,
        language=get_language(),
    )
    if new:
        jobs.report_pdf_build.delay_on_commit(export.pk)
    return redirect("results:report_pdf_status", slug=consultation.slug, pk=export.pk)


def _export(request, slug, pk) -> ReportExport:
    consultation = consultation_get_visible(user=request.user, slug=slug)
    return get_object_or_404(ReportExport.objects.defer("pdf"), consultation=consultation, pk=pk)


def report_pdf_status(request, slug, pk):
    """How far the PDF has got. With htmx the status part asks again every two seconds until
    the PDF is ready; without JavaScript the reader reloads the page."""
    export = _export(request, slug, pk)
    template = "results/_report_pdf_status.html" if request.htmx else "results/report_pdf.html"
    return render(request, template, {"consultation": export.consultation, "export": export})


def report_pdf_download(request, slug, pk):
    export = _export(request, slug, pk)
    if export.status != ReportExport.Status.READY:
        return redirect("results:report_pdf_status", slug=slug, pk=pk)
    content = ReportExport.objects.values_list("pdf", flat=True).get(pk=export.pk)
    name = slugify(f"{slug} results {export.pillar.code if export.pillar else ''}")
    response = HttpResponse(bytes(content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


def report_csv(request, slug):
    report, refusal = _report(request, slug, read=selectors.report_data)
    if refusal:
        return refusal
    opinions = opinion_selectors.opinion_groups_latest(consultation=report.results.consultation)
    return _download(
        exports.report_csv(report, opinions),
        content_type="text/csv; charset=utf-8",
        report=report,
        extension="csv",
    )


def opinion_groups(request, slug):
    """The opinion groups of the latest run: the map, a card per group, the lists."""
    consultation = consultation_get_visible(user=request.user, slug=slug)
    by = "declared" if request.GET.get("colour") == "declared" else "group"
    groups = opinion_selectors.opinion_groups_latest(consultation=consultation)
    context = {"consultation": consultation, "groups": groups, "by": by}
    if groups is not None:
        context["map"] = opinion_map(groups, by=by)
        context["colours"] = {g.label: group_colour(g.label) for g in groups.groups}
    return render(request, "results/opinion_groups.html", context)


@login_required
def opinion_groups_mine(request, slug):
    """The signed-in person's own opinion group: shown to them, and on no other page."""
    consultation = consultation_get_visible(user=request.user, slug=slug)
    groups = opinion_selectors.opinion_groups_latest(consultation=consultation)
    mine = opinion_selectors.opinion_group_of(user=request.user, groups=groups)
    context = {"consultation": consultation, "groups": groups, "group": mine}
    if mine is not None:
        context["colours"] = {mine.label: group_colour(mine.label)}
    return render(request, "results/opinion_group_mine.html", context)
