"""Moderation pages. Thin: the forms check the input, the services the rules and the state.

Everything under /moderation/ asks moderators for two-factor authentication first
(accounts.middleware); the pages for everyone else (reporting a contribution, seeing a
decision about oneself and appealing it) are open to any signed-in person they concern.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core import spreadsheets
from core.forms import add_service_errors

from . import log as audit_log
from . import notices, selectors, services
from .forms import (
    ACTION_LABELS,
    AppealDecisionForm,
    AppealForm,
    BulkForm,
    DecisionForm,
    FlagForm,
    LiftSuspensionForm,
    parse_item,
)
from .models import KIND_PLURALS, KINDS, ModerationAction, kind_name, label_lower
from .templatetags.moderation import discussion_url

Action = ModerationAction.Action


def _require(request, perm: str, obj=None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied(_("Only moderators may see this page."))


def _errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _short_label(action: str) -> str:
    """An action's label up to its colon: "Approve: publish it" -> "Approve"."""
    return str(ACTION_LABELS[action]).split(":")[0].strip()


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# -- The queue ------------------------------------------------------------------------------


@login_required
def queue(request):
    _require(request, "moderation.view_queue")
    consultations = list(selectors.queue_consultations())
    filters = selectors.QueueFilters.from_params(request.GET, consultations)
    page = selectors.queue_page(filters=filters, page=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/queue.html",
        {
            "page": page,
            "filters": filters,
            "consultations": consultations,
            "states": selectors.QUEUE_STATES,
            "kinds": KIND_PLURALS,
            "sorts": selectors.QUEUE_SORTS,
            "query": query.urlencode(),
            "bulk_form": BulkForm(),
        },
    )


@login_required
@require_POST
def bulk(request):
    """One action on every ticked item, each in its own transaction: the ones someone else
    decided meanwhile are reported and left as they are."""
    _require(request, "moderation.view_queue")
    back = _safe_next(request, reverse("moderation:queue"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    action = form.cleaned_data["action"]
    reason = form.composed_reason
    done, problems = 0, []
    for value in form.cleaned_data["items"]:
        kind, pk, expected = parse_item(value)
        item = _("%(kind)s #%(pk)s") % {"kind": kind_name(kind), "pk": pk}
        try:
            content = selectors.content_get(kind=kind, pk=pk)
            services.content_decide(
                acting_user=request.user,
                content=content,
                action=action,
                reason=reason,
                expected_state=expected,
            )
        except Http404:
            problems.append(_("%(item)s: it no longer exists.") % {"item": item})
        except services.AlreadyDecided as exc:
            problems.append(_("%(item)s: %(problem)s") % {"item": item, "problem": exc})
        except PermissionDenied as exc:
            problems.append(_("%(item)s: %(problem)s") % {"item": item, "problem": exc})
        except ValidationError as exc:
            problems.append(
                _("%(item)s: %(problem)s") % {"item": item, "problem": _errors_text(exc)}
            )
        else:
            done += 1
    if done:
        messages.success(
            request,
            ngettext(
                "%(action)s: done for %(count)d item.",
                "%(action)s: done for %(count)d items.",
                done,
            )
            % {"action": _short_label(action), "count": done},
        )
    for problem in problems:
        messages.warning(request, problem)
    return redirect(back)


# -- One item -------------------------------------------------------------------------------


def _item_page(request, kind, content, *, form=None, status=200):
    context = selectors.item_context(kind=kind, content=content)
    return render(
        request,
        "moderation/item.html",
        {
            "item": context,
            "content": content,
            "kind": kind,
            "recommendation": content.recommendation,
            "form": form or DecisionForm(initial={"expected_state": content.moderation_state}),
            "action_labels": ACTION_LABELS,
            "can_decide": request.user.has_perm("moderation.decide", content),
            "templates": selectors.reason_templates(),
        },
        status=status,
    )


@login_required
def item(request, kind, pk):
    _require(request, "moderation.view_queue")
    content = selectors.content_get(kind=kind, pk=pk)
    return _item_page(request, kind, content)


@login_required
@require_POST
def decide(request, kind, pk):
    _require(request, "moderation.view_queue")
    content = selectors.content_get(kind=kind, pk=pk)
    here = reverse("moderation:item", args=[kind, pk])
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _item_page(request, kind, content, form=form, status=422)
    action = form.cleaned_data["action"]
    reason = form.composed_reason
    try:
        if action == Action.WARN:
            services.author_warn(acting_user=request.user, content=content, reason=reason)
            done = _("The author is warned.")
        elif action == Action.SUSPEND:
            row = services.author_suspend(
                acting_user=request.user,
                content=content,
                reason=reason,
                until=form.until_datetime,
                for_good=form.cleaned_data["for_good"],
            )
            done = _("The author is %(suspension)s.") % {
                "suspension": notices.suspension_words(row.suspended_until)
            }
        else:
            services.content_decide(
                acting_user=request.user,
                content=content,
                action=action,
                reason=reason,
                expected_state=form.cleaned_data["expected_state"],
            )
            content.refresh_from_db(fields=["moderation_state"])
            done = _("%(action)s: done. This %(kind)s is now %(state)s.") % {
                "action": _short_label(action),
                "kind": kind_name(kind),
                "state": label_lower(content.get_moderation_state_display()),
            }
    except services.AlreadyDecided as exc:
        messages.warning(request, str(exc))
        return redirect(here)
    except services.ModerationRefused as exc:
        form.add_error(None, str(exc))
        return _item_page(request, kind, content, form=form, status=403)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _item_page(request, kind, content, form=form, status=422)
    messages.success(request, done)
    return redirect(_safe_next(request, here))


# -- A person's suspension ------------------------------------------------------------------


def _lift_page(request, person, *, form=None, status=200):
    return render(
        request,
        "moderation/lift_suspension.html",
        {
            "person": person,
            "suspension": notices.suspension_words(person.suspended_until)
            if person.is_suspended
            else "",
            "last_suspension": selectors.last_suspension(person),
            "form": form or LiftSuspensionForm(),
            "can_lift": request.user.has_perm("moderation.lift_suspension", person),
            "templates": selectors.reason_templates(Action.LIFT_SUSPENSION),
            "next": _safe_next(request, ""),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def lift_suspension(request, pk):
    """A person's suspension, and the form lifting it (the queue and the item pages link here
    from the author's name)."""
    _require(request, "moderation.view_queue")
    person = selectors.person_get(pk=pk)
    if request.method == "GET":
        return _lift_page(request, person)
    form = LiftSuspensionForm(request.POST)
    if not form.is_valid():
        return _lift_page(request, person, form=form, status=422)
    try:
        services.suspension_lift(acting_user=request.user, user=person, reason=form.composed_reason)
    except services.AlreadyDecided as exc:
        form.add_error(None, str(exc))
        person.refresh_from_db(fields=["suspended_until"])  # as the other moderator left it
        return _lift_page(request, person, form=form, status=409)
    except services.ModerationRefused as exc:
        form.add_error(None, str(exc))
        return _lift_page(request, person, form=form, status=403)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _lift_page(request, person, form=form, status=422)
    messages.success(
        request,
        _("The suspension of %(name)s is lifted: they may contribute again.")
        % {"name": person.public_name},
    )
    here = reverse("moderation:lift_suspension", args=[pk])
    return redirect(_safe_next(request, here))


# -- Appeals --------------------------------------------------------------------------------


def _appeal_page(request, appeal, *, form=None, status=200):
    decision = appeal.decision
    return render(
        request,
        "moderation/appeal.html",
        {
            "appeal": appeal,
            "decision": decision,
            "content": decision.content,
            "form": form or AppealDecisionForm(),
            "can_decide": request.user.has_perm("moderation.decide_appeal", appeal),
            "templates": selectors.reason_templates(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def appeal(request, pk):
    _require(request, "moderation.view_queue")
    appeal = selectors.appeal_get(pk=pk)
    if request.method == "GET":
        return _appeal_page(request, appeal)
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        return _appeal_page(request, appeal, form=form, status=422)
    try:
        row = services.appeal_decide(
            acting_user=request.user,
            appeal=appeal,
            outcome=form.cleaned_data["outcome"],
            reason=form.composed_reason,
        )
    except services.AlreadyDecided as exc:
        messages.warning(request, str(exc))
        return redirect("moderation:appeal", pk=pk)
    except services.ModerationRefused as exc:
        form.add_error(None, str(exc))
        return _appeal_page(request, appeal, form=form, status=403)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _appeal_page(request, appeal, form=form, status=422)
    messages.success(
        request,
        _("Appeal decided: %(outcome)s. It is final.")
        % {"outcome": label_lower(row.get_action_display())},
    )
    return redirect("moderation:queue")


# -- For authors: a decision about them, and their appeal -----------------------------------


def _decision_page(request, decision, *, form=None, status=200):
    appeal = selectors.decision_appeal(decision)
    return render(
        request,
        "moderation/decision.html",
        {
            "decision": decision,
            "content": decision.content,
            "appeal": appeal,
            "can_appeal": appeal is None and request.user.has_perm("moderation.appeal", decision),
            "form": form or AppealForm(),
            "suspension": notices.suspension_words(decision.suspended_until)
            if decision.suspended_until
            else "",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def decision(request, pk):
    decision = selectors.decision_get(pk=pk)
    if not request.user.has_perm("moderation.view_decision", decision):
        raise Http404("No such decision.")  # others do not learn that it exists
    if request.method == "GET":
        return _decision_page(request, decision)
    form = AppealForm(request.POST)
    if not form.is_valid():
        return _decision_page(request, decision, form=form, status=422)
    try:
        services.appeal_create(
            acting_user=request.user, decision=decision, text=form.cleaned_data["text"]
        )
    except services.ModerationRefused as exc:
        form.add_error(None, str(exc))
        return _decision_page(request, decision, form=form, status=403)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _decision_page(request, decision, form=form, status=422)
    messages.success(
        request,
        _(
            "Your appeal is sent. Another moderator will look at the decision again; you will "
            "hear of the outcome."
        ),
    )
    return redirect("moderation:decision", pk=pk)


# -- Reporting ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request, kind, pk):
    content = selectors.content_get(kind=kind, pk=pk)
    # Only what the person can read may be reported; the rest does not exist for them.
    if not KINDS[kind].objects.visible_to(request.user).filter(pk=pk).exists():
        raise Http404("No such contribution.")
    refusal = services.flag_refusal(request.user, content)
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST" and refusal is None:
        if form.is_valid():
            try:
                services.flag_create(
                    acting_user=request.user,
                    content=content,
                    reason=form.cleaned_data["reason"],
                    text=form.cleaned_data["text"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            except services.ModerationRefused as exc:
                refusal = str(exc)
            else:
                messages.success(
                    request,
                    _("Thank you: your report is with the moderators, who will look at it."),
                )
                return redirect(discussion_url(content))
        status = 422
    if refusal:
        status = 403
    return render(
        request,
        "moderation/report.html",
        {"content": content, "kind": kind, "form": form, "refusal": refusal},
        status=status,
    )


# -- The log --------------------------------------------------------------------------------


@login_required
def log(request):
    _require(request, "moderation.view_log")
    consultations = list(selectors.queue_consultations())
    filters = audit_log.LogFilters.from_params(request.GET, consultations)
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(
            spreadsheets.stream(audit_log.log_csv(filters=filters)),
            content_type="text/csv; charset=utf-8",
        )
        name = f"moderation-log-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "moderation/log.html",
        {
            "page": audit_log.log_page(filters=filters, page=request.GET.get("page")),
            "filters": filters,
            "consultations": consultations,
            "actions": Action.choices,
            "kinds": KIND_PLURALS,
            "actors": audit_log.log_actors(),
            "query": query.urlencode(),
        },
    )
