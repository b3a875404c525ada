from django.urls import path

from . import views

app_name = "results"

RESULTS = "consultations/<slug:slug>/results/"

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path(RESULTS, views.consultation_results, name="consultation"),
    path(f"{RESULTS}report.html", views.report_html, name="report_html"),
    path(f"{RESULTS}report.pdf", views.report_pdf, name="report_pdf"),
    path(f"{RESULTS}report-pdf/<int:pk>/", views.report_pdf_status, name="report_pdf_status"),
    path(
        f"{RESULTS}report-pdf/<int:pk>/report.pdf",
        views.report_pdf_download,
        name="report_pdf_download",
    ),
    path(f"{RESULTS}data.csv", views.report_csv, name="report_csv"),
    path(f"{RESULTS}opinion-groups/", views.opinion_groups, name="opinion_groups"),
    path(f"{RESULTS}opinion-groups/mine/", views.opinion_groups_mine, name="opinion_groups_mine"),
]
