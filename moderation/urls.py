from django.urls import path

from . import views

app_name = "moderation"

KIND = "<str:kind>"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path(f"items/{KIND}/<int:pk>/", views.item, name="item"),
    path(f"items/{KIND}/<int:pk>/decide/", views.decide, name="decide"),
    path("people/<int:pk>/lift-suspension/", views.lift_suspension, name="lift_suspension"),
    path("appeals/<int:pk>/", views.appeal, name="appeal"),
    path("decisions/<int:pk>/", views.decision, name="decision"),
    path(f"report/{KIND}/<int:pk>/", views.report, name="report"),
    path("log/", views.log, name="log"),
]
