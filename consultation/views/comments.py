"""Comments: on a recommendation or on one of its amendments, in threads; replies, edits
(earlier texts kept for moderators), removal (a tombstone keeps the replies in place), a
permalink page per comment, sorting and pages of threads.

Every write answers htmx with the comments section re-rendered (the comment in view) and a
plain form post with a redirect to the comment. A text refused for a reason the person can
fix (empty, too long, too fast) comes back in its form with the message, never lost.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.throttling import mark_throttled

from .. import selectors, services
from ..models import Amendment, Comment, ModerationState
from ..ratelimits import over_limit, too_fast
from ..rules import COMMENT_EDIT_REFUSED, HIDDEN_NO_REPLIES, dialogue_refusal
from ..visibility import visible_comments
from .base import error_text, load_recommendation, refuse

SIGN_IN = gettext_lazy("Sign in to take part. Reading is open to everyone.")


# -- Loading --------------------------------------------------------------------------------


def _load_amendment(request, recommendation, pk: int) -> Amendment:
    amendment = (
        Amendment.objects.visible_to(request.user)
        .filter(recommendation=recommendation, pk=pk)
        .first()
    )
    if amendment is None:
        raise Http404("No such amendment.")
    amendment.recommendation = recommendation  # loaded and checked for visibility already
    return amendment


def _load_comment(request, recommendation, pk: int) -> Comment:
    """The comment with its author, or 404 if it is not in this recommendation's dialogue or
    the person may not see it (consultation.visibility: a hidden one is there, as a
    placeholder; a pending one only for its author and moderators)."""
    comment = (
        visible_comments(request.user)
        .select_related(*selectors.AUTHOR_FIELDS)
        .filter(recommendation=recommendation, pk=pk)
        .first()
    )
    if comment is None:
        raise Http404("No such comment.")
    comment.recommendation = recommendation  # the rules read its consultation: no new query
    return comment


def _amendment_of(request, recommendation, comment: Comment) -> Amendment | None:
    if not comment.amendment_id:
        return None
    return _load_amendment(request, recommendation, comment.amendment_id)


# -- Addresses ------------------------------------------------------------------------------


def _discussion_url(recommendation, amendment) -> str:
    """The page the comments are on: the recommendation's, or the amendment's."""
    if amendment is None:
        return recommendation.get_absolute_url()
    return reverse(
        "consultation:amendment",
        args=[recommendation.consultation.slug, recommendation.reference, amendment.pk],
    )


def _query(order: str, page, after=None) -> str:
    params = {}
    if order != "oldest":
        params["order"] = order
    if page and str(page) != "1":
        params["page"] = page
        if after:
            params["after"] = after
    return f"?{urlencode(params)}" if params else ""


def _view_state(data) -> tuple[str, str]:
    """The order and page of threads the person was looking at (kept across a write)."""
    order = data.get("order", "oldest")
    return (order if order in selectors.COMMENT_ORDERS else "oldest"), data.get("page") or "1"


# -- Rendering ------------------------------------------------------------------------------


def _section(
    request,
    recommendation,
    amendment,
    *,
    order,
    page,
    status=200,
    open_form=None,
    notice="",
    show: int | None = None,
    after=None,
):
    """The comments section as the page shows it, for htmx to swap in place."""
    context = {
        "consultation": recommendation.consultation,
        "recommendation": recommendation,
        "amendment": amendment,
        **selectors.comment_section(
            recommendation=recommendation,
            amendment=amendment,
            order=order,
            page=page,
            viewer=request.user,
            after=after,
        ),
        "refusal": dialogue_refusal(request.user, recommendation),
        "can_view_revisions": selectors.can_view_comment_revisions(request.user),
        "open_form": open_form or {},
        "comment_notice": notice,
    }
    response = render(request, "consultation/_comments.html", context, status=status)
    if show is not None:
        response["HX-Reswap"] = f"outerHTML show:#comment-{show}:top"
    return response


def _thread_page(request, recommendation, comment, *, open_form=None, status=200):
    """The permalink page: the comment's whole thread, the comment anchored."""
    amendment = _amendment_of(request, recommendation, comment)
    root = selectors.comment_thread_of(
        comment=comment, recommendation=recommendation, viewer=request.user
    )
    page = selectors.comment_thread_page_number(comment=comment, viewer=request.user)
    return render(
        request,
        "consultation/comment_detail.html",
        {
            "consultation": recommendation.consultation,
            "recommendation": recommendation,
            "amendment": amendment,
            "comment": comment,
            "root": root,
            "back_url": _discussion_url(recommendation, amendment)
            + _query("oldest", page)
            + f"#comment-{root.pk}",
            "refusal": dialogue_refusal(request.user, recommendation),
            "can_view_revisions": selectors.can_view_comment_revisions(request.user),
            "open_form": open_form or {},
            "thread_page": True,  # its forms post plainly and come back here
        },
        status=status,
    )


def _form_again(request, recommendation, amendment, *, open_form, status, target=None):
    """A submission refused for a reason the person can fix: its form again, with the text
    and the message (htmx: in the section; without JavaScript: on a page of its own)."""
    order, page = _view_state(request.POST)
    if request.htmx:
        return _section(
            request,
            recommendation,
            amendment,
            order=order,
            page=page,
            status=status,
            open_form=open_form,
        )
    if target is not None:
        return _thread_page(request, recommendation, target, open_form=open_form, status=status)
    return render(
        request,
        "consultation/comment_form_page.html",
        {
            "consultation": recommendation.consultation,
            "recommendation": recommendation,
            "amendment": amendment,
            "action": request.path,
            "open_form": open_form,
            "comment_order": order,
        },
        status=status,
    )


def _done(request, recommendation, amendment, comment, *, message: str):
    """After a write: htmx gets the section at the page showing the comment; a plain form
    goes to the comment (on its permalink page when it was posted from there)."""
    order, _page = _view_state(request.POST)
    page = selectors.comment_thread_page_number(comment=comment, order=order, viewer=request.user)
    if request.htmx:
        return _section(
            request,
            recommendation,
            amendment,
            order=order,
            page=page,
            notice=message,
            show=comment.pk,
        )
    messages.success(request, message)
    anchor = f"#comment-{comment.pk}"
    if request.POST.get("from") == "thread":
        return redirect(comment.get_absolute_url() + anchor)
    return redirect(_discussion_url(recommendation, amendment) + _query(order, page) + anchor)


def _refused(request, recommendation, amendment, message: str, *, status: int = 403):
    return refuse(
        request,
        message,
        status=status,
        back=_discussion_url(recommendation, amendment) + "#comments",
    )


# -- The section: reading and posting -------------------------------------------------------


@require_http_methods(["GET", "POST"])
def comments(request, slug, reference, pk=None):
    """GET: the section in another order or page (htmx; otherwise the page itself).
    POST: a new top-level comment on the recommendation, or on its amendment `pk`."""
    recommendation = load_recommendation(request, slug, reference)
    amendment = _load_amendment(request, recommendation, pk) if pk is not None else None
    if request.method == "GET":
        order, page = _view_state(request.GET)
        after = request.GET.get("after")
        if request.htmx:
            return _section(request, recommendation, amendment, order=order, page=page, after=after)
        url = _discussion_url(recommendation, amendment) + _query(order, page, after) + "#comments"
        return redirect(url)
    if not request.user.is_authenticated:
        if request.htmx:
            return _refused(request, recommendation, amendment, SIGN_IN)
        return redirect_to_login(_discussion_url(recommendation, amendment) + "#comments")
    return _post(request, recommendation, amendment)


def _post(request, recommendation, amendment, parent: Comment | None = None):
    body = request.POST.get("body", "")
    open_form = {"key": f"reply-{parent.pk}" if parent else "comment", "body": body}
    refusal = dialogue_refusal(request.user, recommendation)
    if refusal:
        return _refused(request, recommendation, amendment, refusal)
    if wait := over_limit(request, "comment"):
        response = _form_again(
            request,
            recommendation,
            amendment,
            open_form={**open_form, "error": too_fast(wait)},
            status=429,
            target=parent,
        )
        return mark_throttled(response, wait)
    try:
        comment = services.comment_create(
            author=request.user,
            recommendation=recommendation,
            body=body,
            parent=parent,
            amendment=amendment,
        )
    except services.ContributionRefused as exc:
        return _refused(request, recommendation, amendment, str(exc))
    except ValidationError as exc:
        return _form_again(
            request,
            recommendation,
            amendment,
            open_form={**open_form, "error": error_text(exc)},
            status=422,
            target=parent,
        )
    comment.recommendation = recommendation
    if comment.moderation_state == ModerationState.PENDING:
        message = _("Your comment awaits moderation: others read it once a moderator approves it.")
    else:
        message = _("Your reply is published.") if parent else _("Your comment is published.")
    return _done(request, recommendation, amendment, comment, message=message)


# -- One comment ----------------------------------------------------------------------------


@require_GET
def comment_detail(request, slug, reference, pk):
    recommendation = load_recommendation(request, slug, reference)
    return _thread_page(request, recommendation, _load_comment(request, recommendation, pk))


@require_GET
def comment_replies(request, slug, reference, pk):
    """The next replies of thread `pk` after reply `?after=` ("show more replies"): htmx
    swaps them in place of the link; without JavaScript, a page of their own."""
    recommendation = load_recommendation(request, slug, reference)
    root = _load_comment(request, recommendation, pk)
    if root.root_id is not None:
        raise Http404("Not the first comment of a thread.")
    after = None
    if request.GET.get("after", "").isdigit():
        after = (
            visible_comments(request.user).filter(root=root, pk=int(request.GET["after"])).first()
        )
    replies, rest = selectors.thread_replies_after(root=root, after=after, viewer=request.user)
    context = {
        "consultation": recommendation.consultation,
        "recommendation": recommendation,
        "amendment": _amendment_of(request, recommendation, root),
        "root": root,
        "replies": replies,
        "rest": rest,
        "refusal": dialogue_refusal(request.user, recommendation),
        "can_view_revisions": selectors.can_view_comment_revisions(request.user),
        "open_form": {},
        "thread_page": True,
    }
    template = "consultation/_more_replies.html" if request.htmx else "consultation/replies.html"
    return render(request, template, context)


@login_required
@require_POST
def comment_reply(request, slug, reference, pk):
    recommendation = load_recommendation(request, slug, reference)
    parent = _load_comment(request, recommendation, pk)
    amendment = _amendment_of(request, recommendation, parent)
    if parent.is_deleted:
        return _refused(
            request,
            recommendation,
            amendment,
            _("That comment was removed: it takes no replies."),
            status=409,
        )
    if not parent.text_shown:  # the service refuses it too; say it as the removed one above
        return _refused(request, recommendation, amendment, HIDDEN_NO_REPLIES, status=409)
    return _post(request, recommendation, amendment, parent=parent)


@login_required
@require_POST
def comment_edit(request, slug, reference, pk):
    """The author changes the text; the earlier one is kept for moderators."""
    recommendation = load_recommendation(request, slug, reference)
    comment = _load_comment(request, recommendation, pk)
    amendment = _amendment_of(request, recommendation, comment)
    body = request.POST.get("body", "")
    open_form = {"key": f"edit-{comment.pk}", "body": body}
    refusal = dialogue_refusal(request.user, recommendation)
    if refusal or not request.user.has_perm("consultation.change_comment", comment):
        message = refusal or COMMENT_EDIT_REFUSED
        return _refused(request, recommendation, amendment, message)
    if wait := over_limit(request, "comment"):
        response = _form_again(
            request,
            recommendation,
            amendment,
            open_form={**open_form, "error": too_fast(wait)},
            status=429,
            target=comment,
        )
        return mark_throttled(response, wait)
    try:
        services.comment_edit(comment=comment, acting_user=request.user, body=body)
    except services.ContributionRefused as exc:
        return _refused(request, recommendation, amendment, str(exc))
    except ValidationError as exc:
        return _form_again(
            request,
            recommendation,
            amendment,
            open_form={**open_form, "error": error_text(exc)},
            status=422,
            target=comment,
        )
    return _done(request, recommendation, amendment, comment, message=_("Your comment is updated."))


@login_required
@require_POST
def comment_delete(request, slug, reference, pk):
    """The author removes the comment; a tombstone keeps its replies in place."""
    recommendation = load_recommendation(request, slug, reference)
    comment = _load_comment(request, recommendation, pk)
    amendment = _amendment_of(request, recommendation, comment)
    refusal = dialogue_refusal(request.user, recommendation)
    if refusal:  # say why first: the consultation closed, say, rather than "not yours"
        return _refused(request, recommendation, amendment, refusal)
    try:
        services.comment_delete(comment=comment, acting_user=request.user)
    except services.ContributionRefused as exc:
        return _refused(request, recommendation, amendment, str(exc))
    return _done(request, recommendation, amendment, comment, message=_("Your comment is removed."))


@login_required
@require_GET
def comment_revisions(request, slug, reference, pk):
    """The earlier texts of an edited or removed comment: for moderators only."""
    recommendation = load_recommendation(request, slug, reference)
    comment = _load_comment(request, recommendation, pk)
    if not request.user.has_perm("consultation.view_comment_revisions"):
        raise PermissionDenied(_("Only moderators can read the earlier texts of a comment."))
    return render(
        request,
        "consultation/comment_revisions.html",
        {
            "consultation": recommendation.consultation,
            "recommendation": recommendation,
            "comment": comment,
            "revisions": list(comment.revisions.order_by("-created_at", "-pk")),
        },
    )


def routes(prefix: str) -> list:
    one = f"{prefix}comments/<int:pk>/"
    return [
        path(f"{prefix}comments/", comments, name="comments"),
        path(f"{prefix}amendments/<int:pk>/comments/", comments, name="amendment_comments"),
        path(one, comment_detail, name="comment"),
        path(f"{one}replies/", comment_replies, name="comment_replies"),
        path(f"{one}reply/", comment_reply, name="comment_reply"),
        path(f"{one}edit/", comment_edit, name="comment_edit"),
        path(f"{one}delete/", comment_delete, name="comment_delete"),
        path(f"{one}revisions/", comment_revisions, name="comment_revisions"),
    ]
