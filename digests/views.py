"""The unsubscribe link of the digests (no login) and the on-site notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from notifications import services as notifications
from notifications.models import Notification

from . import services
from .tokens import user_from_unsubscribe_token

NOTIFICATIONS_PER_PAGE = 30


# The one-click unsubscribe (RFC 8058) is a POST from the mail client, without a CSRF token:
# the signed token in the address is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET: a page asking to confirm (mail scanners follow links: a GET changes nothing);
    POST: digests off — from that page's button or from the mail client's one-click."""
    person = user_from_unsubscribe_token(token)
    if person is None:
        return render(request, "digests/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.digest_unsubscribe(user=person)
        return render(request, "digests/unsubscribe.html", {"person": person, "done": True})
    return render(request, "digests/unsubscribe.html", {"person": person})


@login_required
def notification_list(request):
    """The person's notifications, newest first; the unread ones marked."""
    page = Paginator(
        Notification.objects.filter(user=request.user).select_related(
            "recommendation__consultation"
        ),
        NOTIFICATIONS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    unread = notifications.unread_refresh(request.user)
    return render(
        request,
        "digests/notifications.html",
        {"page": page, "unread": unread, "unread_notifications_count": unread},
    )


@login_required
@require_POST
def notification_mark_read(request):
    """Mark one notification read (`pk`), or all of them."""
    pk = request.POST.get("pk")
    if pk is not None and not pk.isdigit():
        messages.error(request, _("That is not one of your notifications."))
        return redirect("digests:notifications")
    marked = notifications.mark_read(user=request.user, pks=[int(pk)] if pk else None)
    if pk is None:
        messages.success(request, _("All your notifications are marked read."))
    elif not marked:
        messages.info(request, _("That notification was already read."))
    return redirect("digests:notifications")
