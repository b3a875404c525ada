"""Amendments: propose new wording, read it as a word diff, endorse, update, decide, withdraw.

The services check every rule; these views only ask the same permissions to decide which
forms to show, and keep the person's text when a write is refused for a reason they can fix.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.middleware import two_factor_setup
from accounts.rules import two_factor_missing
from core.diffs import word_diff
from core.throttling import mark_throttled

from .. import selectors, services
from ..models import Amendment
from ..ratelimits import over_limit, too_fast
from ..rules import dialogue_refusal
from .base import error_text, load_recommendation, refuse

FIELDS = ("title", "body", "justification", "evidence_links")


# -- Helpers --------------------------------------------------------------------------------


def _current_version(recommendation):
    versions = list(recommendation.versions.all())  # prefetched, newest first
    return versions[0] if versions else None


def _load_amendment(recommendation, pk: int, viewer) -> Amendment:
    """The amendment with its counts (the list's selector), or 404 if it is not this
    recommendation's or the viewer may not read it (moderation)."""
    amendment = (
        selectors.amendment_list(recommendation=recommendation, viewer=viewer).filter(pk=pk).first()
    )
    if amendment is None:
        raise Http404("No such amendment.")
    # The rules read amendment.recommendation.consultation: use the ones already loaded
    # (and checked for visibility) rather than query them again.
    amendment.recommendation = recommendation
    return amendment


def _amendment_url(recommendation, amendment, anchor: str = "") -> str:
    url = reverse(
        "consultation:amendment",
        args=[recommendation.consultation.slug, recommendation.reference, amendment.pk],
    )
    return url + anchor


def _form_from(post) -> dict:
    """The submitted wording as typed, to show again if it is refused."""
    form = {name: post.get(name, "") for name in FIELDS}
    form["base"] = post.get("base", "")
    return form


def _wording(form: dict) -> dict:
    """The service's arguments: evidence links are typed one per line."""
    return {
        "title": form["title"],
        "body": form["body"],
        "justification": form["justification"],
        "evidence_links": form["evidence_links"].splitlines(),
    }


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    """The service's errors by form field; those about the whole wording under "form"
    (templates cannot read the "__all__" key)."""
    if not hasattr(exc, "error_dict"):
        return {"form": exc.messages}
    return {
        ("form" if name == NON_FIELD_ERRORS else name): errors
        for name, errors in exc.message_dict.items()
    }


def _moved_on(form: dict, current) -> dict | None:
    """Errors if the wording changed while the person was writing: the service would base
    the text on the new version, and its diff would then undo changes they never saw."""
    if current is None or form["base"] in ("", str(current.number)):
        return None  # no base given (not from our forms): nothing to compare
    form["base"] = current.number  # the next submission is on the new wording
    return {
        "form": [
            _(
                "The recommendation's wording changed while you were writing: it now reads as "
                "version %(number)s. Check your text against it, then submit again."
            )
            % {"number": current.number}
        ]
    }


def _diff(old, new) -> dict:
    return {"title": word_diff(old.title, new.title), "body": word_diff(old.body, new.body)}


# -- Proposing ------------------------------------------------------------------------------


def _propose_page(request, recommendation, current, *, form, errors=None, status=200):
    return render(
        request,
        "consultation/amendment_form.html",
        {
            "consultation": recommendation.consultation,
            "recommendation": recommendation,
            "current_version": current,
            "form": form,
            "errors": errors or {},
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def amendment_propose(request, slug, reference):
    recommendation = load_recommendation(request, slug, reference)
    back = recommendation.get_absolute_url() + "#amendments"
    refusal = dialogue_refusal(request.user, recommendation)
    if refusal:
        return refuse(request, refusal, status=403, back=back)
    current = _current_version(recommendation)
    if request.method == "GET":
        # Prefilled with the current wording: the person edits it rather than retypes it.
        form = {
            "title": current.title,
            "body": current.body,
            "justification": "",
            "evidence_links": "",
            "base": current.number,
        }
        return _propose_page(request, recommendation, current, form=form)

    form = _form_from(request.POST)
    if errors := _moved_on(form, current):
        return _propose_page(request, recommendation, current, form=form, errors=errors, status=409)
    if wait := over_limit(request, "amendment"):
        response = _propose_page(
            request, recommendation, current, form=form, errors={"form": [too_fast(wait)]}
        )
        return mark_throttled(response, wait)
    try:
        amendment = services.amendment_propose(
            author=request.user, recommendation=recommendation, **_wording(form)
        )
    except services.ContributionRefused as exc:
        return refuse(request, str(exc), status=403, back=back)
    except ValidationError as exc:
        return _propose_page(
            request, recommendation, current, form=form, errors=_errors(exc), status=422
        )
    if amendment.moderation_state == "pending":
        messages.success(
            request, _("Your amendment awaits moderation: others read it once approved.")
        )
    else:
        messages.success(request, _("Your amendment is published: others can now discuss it."))
    return redirect(_amendment_url(recommendation, amendment))


# -- The amendment's page -------------------------------------------------------------------


def _endorsement_context(request, amendment, participation, refusal) -> dict:
    endorsed = amendment.pk in participation.endorsed_amendments
    is_author = request.user.is_authenticated and amendment.author_id == request.user.pk
    return {
        "endorsed": endorsed,
        # Anyone who may contribute endorses an open amendment (not their own) and may take
        # an endorsement back while the consultation is open.
        "can_endorse": refusal is None and not is_author and (amendment.is_open or endorsed),
    }


def _amendment_page(
    request,
    recommendation,
    amendment,
    *,
    status=200,
    update_form=None,
    update_errors=None,
    decision=None,
):
    user = request.user
    versions = {v.pk: v for v in recommendation.versions.all()}
    current = _current_version(recommendation)
    base = amendment.base_version
    # Still in play but written on older wording: show the change against what the
    # recommendation says now, which is what accepting it would have to build on.
    behind = (
        amendment.status in (Amendment.Status.OPEN, Amendment.Status.OUTDATED)
        and current is not None
        and base.pk != current.pk
    )
    can_update = user.has_perm("consultation.update_amendment", amendment)
    if update_form is None and can_update:
        update_form = {
            "title": amendment.title,
            "body": amendment.body,
            "justification": amendment.justification,
            "evidence_links": "\n".join(amendment.evidence_links),
            "base": current.number,
        }
    participation = selectors.participation_of(user=user, recommendation=recommendation)
    refusal = dialogue_refusal(user, recommendation)
    context = {
        "consultation": recommendation.consultation,
        "recommendation": recommendation,
        "amendment": amendment,
        "current_version": current,
        "resulting_version": versions.get(amendment.resulting_version_id),
        "base_diff": _diff(base, amendment),
        "behind": behind,
        "current_diff": _diff(current, amendment) if behind else None,
        "can_update": can_update,
        "update_form": update_form,
        "update_errors": update_errors or {},
        "can_withdraw": user.has_perm("consultation.withdraw_amendment", amendment),
        "can_decide": user.has_perm("consultation.decide_amendment", amendment),
        "decision": decision or {},
        "refusal": refusal,
        "participation": participation,
        **_endorsement_context(request, amendment, participation, refusal),
        # What the comments section expects, as on the recommendation's page: the threads the
        # viewer may read (moderation), the orders, and whether they may read earlier texts.
        **selectors.comment_section(
            recommendation=recommendation,
            amendment=amendment,
            order=request.GET.get("order"),
            page=request.GET.get("page"),
            viewer=user,
        ),
        "can_view_revisions": selectors.can_view_comment_revisions(user),
    }
    return render(request, "consultation/amendment_detail.html", context, status=status)


def amendment_detail(request, slug, reference, pk):
    recommendation = load_recommendation(request, slug, reference)
    amendment = _load_amendment(recommendation, pk, request.user)
    return _amendment_page(request, recommendation, amendment)


# -- Writes on an amendment -----------------------------------------------------------------


@login_required
@require_POST
def amendment_update(request, slug, reference, pk):
    """The author revises their amendment; an outdated one is re-based on the new wording."""
    recommendation = load_recommendation(request, slug, reference)
    amendment = _load_amendment(recommendation, pk, request.user)
    back = _amendment_url(recommendation, amendment)
    form = _form_from(request.POST)

    def again(errors, status):
        return _amendment_page(
            request,
            recommendation,
            amendment,
            status=status,
            update_form=form,
            update_errors=errors,
        )

    if errors := _moved_on(form, _current_version(recommendation)):
        return again(errors, 409)
    if wait := over_limit(request, "amendment"):
        return mark_throttled(again({"form": [too_fast(wait)]}, 429), wait)
    try:
        services.amendment_update(amendment=amendment, acting_user=request.user, **_wording(form))
    except services.ContributionRefused as exc:
        return refuse(request, str(exc), status=403, back=back)
    except ValidationError as exc:
        return again(_errors(exc), 422)
    messages.success(request, _("Your amendment is updated: it is open on the current wording."))
    return redirect(back)


@login_required
@require_POST
def amendment_decide(request, slug, reference, pk):
    """A moderator or consultation admin accepts (with an optional note) or rejects (with a
    reason) an open amendment."""
    recommendation = load_recommendation(request, slug, reference)
    amendment = _load_amendment(recommendation, pk, request.user)
    if two_factor_missing(request.user):
        # Deciding changes the recommendation's wording: as for the moderation pages (and the
        # API's decisions), a moderator acts only with two-factor authentication set up.
        return two_factor_setup(request)
    back = _amendment_url(recommendation, amendment)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    if decision not in ("accept", "reject"):
        return refuse(
            request, _("Choose to accept or to reject the amendment."), status=400, back=back
        )
    try:
        if decision == "accept":
            amendment = services.amendment_accept(
                amendment=amendment, acting_user=request.user, reason=reason
            )
        else:
            services.amendment_reject(amendment=amendment, acting_user=request.user, reason=reason)
    except services.ContributionRefused as exc:
        return refuse(request, str(exc), status=403, back=back)
    except ValidationError as exc:
        return _amendment_page(
            request,
            recommendation,
            amendment,
            status=422,
            decision={"decision": decision, "reason": reason, "error": error_text(exc)},
        )
    if decision == "accept":
        messages.success(
            request,
            _("Amendment accepted: %(reference)s now reads as version %(number)s.")
            % {
                "reference": recommendation.reference,
                "number": amendment.resulting_version.number,
            },
        )
    else:
        messages.success(request, _("Amendment rejected; its author can read your reason."))
    return redirect(back)


@login_required
@require_POST
def amendment_withdraw(request, slug, reference, pk):
    recommendation = load_recommendation(request, slug, reference)
    amendment = _load_amendment(recommendation, pk, request.user)
    back = _amendment_url(recommendation, amendment)
    try:
        services.amendment_withdraw(amendment=amendment, acting_user=request.user)
    except services.ContributionRefused as exc:
        return refuse(request, str(exc), status=403, back=back)
    messages.success(request, _("You withdrew your amendment."))
    return redirect(back)


@login_required
@require_POST
def amendment_endorse(request, slug, reference, pk):
    """Endorse (endorse=1) or take the endorsement back (endorse=0). htmx swaps the button
    and count in place; without JavaScript the form posts and the page comes back."""
    recommendation = load_recommendation(request, slug, reference)
    amendment = _load_amendment(recommendation, pk, request.user)
    back = _amendment_url(recommendation, amendment, "#endorsements")
    try:
        services.amendment_endorse(
            amendment=amendment, user=request.user, endorse=request.POST.get("endorse") == "1"
        )
    except services.ContributionRefused as exc:
        return refuse(request, str(exc), status=403, back=back)
    except ValidationError as exc:
        return refuse(request, error_text(exc), status=422, back=back)
    if not request.htmx:
        return redirect(back)
    amendment = _load_amendment(recommendation, pk, request.user)  # the new count
    participation = selectors.participation_of(user=request.user, recommendation=recommendation)
    return render(
        request,
        "consultation/amendment_endorse.html",
        {
            "consultation": recommendation.consultation,
            "recommendation": recommendation,
            "amendment": amendment,
            **_endorsement_context(
                request, amendment, participation, dialogue_refusal(request.user, recommendation)
            ),
        },
    )


def routes(prefix: str) -> list:
    one = f"{prefix}amendments/<int:pk>/"
    return [
        path(f"{prefix}amendments/new/", amendment_propose, name="amendment_propose"),
        path(one, amendment_detail, name="amendment"),
        path(f"{one}update/", amendment_update, name="amendment_update"),
        path(f"{one}decide/", amendment_decide, name="amendment_decide"),
        path(f"{one}withdraw/", amendment_withdraw, name="amendment_withdraw"),
        path(f"{one}endorse/", amendment_endorse, name="amendment_endorse"),
    ]
