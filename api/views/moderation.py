"""Moderation through the API: report a contribution, the moderators' queue, their decisions,
lifting a suspension, appeals and the audit log. Reads go through moderation.selectors, writes
through moderation.services (which ask moderation/rules.py and write the log in the same
transaction). Moderators act only once they have two-factor authentication, as on the pages.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.rules import two_factor_missing
from moderation import log, selectors, services
from moderation.models import KINDS, Appeal, ModerationAction

from ..pagination import SelectorPagePagination
from ..permissions import TWO_FACTOR_NEEDED, IsAuthenticated
from ..serializers import (
    AppealCreateSerializer,
    AppealDecisionSerializer,
    AppealSerializer,
    DecisionCreateSerializer,
    FlagCreateSerializer,
    FlagSerializer,
    LogQuerySerializer,
    ModerationActionSerializer,
    QueueItemSerializer,
    QueueQuerySerializer,
    SuspensionLiftSerializer,
)
from .base import page_response

Action = ModerationAction.Action


class Moderates(permissions.BasePermission):
    """The view's `moderation_rule` (e.g. moderation.view_queue), and, for a person with a
    role, two-factor authentication: the rule the /moderation/ pages follow."""

    message = "Only moderators may do this."

    def has_permission(self, request, view):
        user = request.user
        if not user.has_perm(view.moderation_rule):
            return False
        if two_factor_missing(user):
            self.message = TWO_FACTOR_NEEDED
            return False
        return True


def _valid(serializer_class, data):
    # A query string as a plain dict: an empty `?consultation=` is then refused as blank,
    # not taken for a missing parameter (as DRF reads an HTML form's empty fields).
    serializer = serializer_class(data=data.dict() if hasattr(data, "dict") else data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _no_such(field: str, message: str) -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code="does_not_exist")]})


def _consultation(slug):
    if not slug:
        return None
    consultation = selectors.queue_consultations().filter(slug=slug).first()
    if consultation is None:
        raise _no_such("consultation", "No such consultation.")
    return consultation


@extend_schema(tags=["moderation"])
class FlagCreateView(GenericAPIView):
    """Report someone else's published contribution to the moderators."""

    permission_classes = [IsAuthenticated]
    serializer_class = FlagCreateSerializer

    @extend_schema(request=FlagCreateSerializer, responses={201: FlagSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(FlagCreateSerializer, request.data)
        kind, pk = data["kind"], data["id"]
        # Only what the person can read may be reported; the rest does not exist for them.
        # (A field of the body at fault: 400, as for a reply's `parent`.)
        if not KINDS[kind].objects.visible_to(request.user).filter(pk=pk).exists():
            raise _no_such("id", "No such contribution.")
        content = selectors.content_get(kind=kind, pk=pk)
        flag = services.flag_create(
            acting_user=request.user, content=content, reason=data["reason"], text=data["text"]
        )
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["moderation"])
class QueueView(GenericAPIView):
    """Contributions awaiting moderation or reported, and open appeals (25 a page, as the
    queue page, or `page_size`), with their open reports and their authors' histories."""

    permission_classes = [IsAuthenticated, Moderates]
    moderation_rule = "moderation.view_queue"
    pagination_class = SelectorPagePagination
    serializer_class = QueueItemSerializer
    queryset = ModerationAction.objects.none()  # for the schema: the selector reads

    @extend_schema(parameters=[QueueQuerySerializer], responses=QueueItemSerializer(many=True))
    def get(self, request, *args, **kwargs):
        query = _valid(QueueQuerySerializer, request.query_params)
        filters = selectors.QueueFilters(
            state=query.get("state", ""),
            kind=query.get("kind", ""),
            consultation=_consultation(query.get("consultation")),
            sort=query["sort"],
        )
        page = selectors.queue_page(
            filters=filters,
            page=query.get("page", 1),
            per_page=query.get("page_size", selectors.QUEUE_PAGE_SIZE),
        )
        return page_response(request, page, QueueItemSerializer(page.object_list, many=True).data)


@extend_schema(tags=["moderation"])
class DecisionCreateView(GenericAPIView):
    """Decide on a contribution (approve, reject, hide, restore, dismiss its reports) or on
    its author (warn, suspend). Written to the audit log; the author is told."""

    may_conflict = True  # another moderator may have decided first: 409 (api.schema)
    permission_classes = [IsAuthenticated, Moderates]
    moderation_rule = "moderation.view_queue"
    serializer_class = DecisionCreateSerializer

    @extend_schema(request=DecisionCreateSerializer, responses={201: ModerationActionSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(DecisionCreateSerializer, request.data)
        try:
            content = selectors.content_get(kind=data["kind"], pk=data["id"])
        except Http404:
            raise _no_such("id", "No such contribution.") from None
        action = data["action"]
        if action == Action.WARN:
            row = services.author_warn(
                acting_user=request.user, content=content, reason=data["reason"]
            )
        elif action == Action.SUSPEND:
            row = services.author_suspend(
                acting_user=request.user,
                content=content,
                reason=data["reason"],
                until=data["until"],
                for_good=data["for_good"],
            )
        else:
            if "expected_state" not in data:
                raise ValidationError(
                    {"expected_state": "Give the state you saw the contribution in."}
                )
            row = services.content_decide(
                acting_user=request.user,
                content=content,
                action=action,
                reason=data["reason"],
                expected_state=data["expected_state"],
            )
        return Response(ModerationActionSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["moderation"])
class SuspensionLiftView(GenericAPIView):
    """Lift a person's suspension (until a date or for good) before it ends: they may
    contribute again. Not one's own. Written to the audit log; the person is told. A person
    not suspended is a 400; one whose suspension someone else lifted first, a 409."""

    may_conflict = True  # another moderator may have lifted it first: 409 (api.schema)
    permission_classes = [IsAuthenticated, Moderates]
    moderation_rule = "moderation.view_queue"
    serializer_class = SuspensionLiftSerializer

    @extend_schema(request=SuspensionLiftSerializer, responses={201: ModerationActionSerializer})
    def post(self, request, pk, *args, **kwargs):
        data = _valid(SuspensionLiftSerializer, request.data)
        person = selectors.person_get(pk=pk)
        row = services.suspension_lift(acting_user=request.user, user=person, reason=data["reason"])
        return Response(ModerationActionSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["moderation"])
class LogView(GenericAPIView):
    """The audit log, newest first (50 a page, or `page_size`): every report, decision and
    appeal, and the decisions on amendments and affiliations."""

    permission_classes = [IsAuthenticated, Moderates]
    moderation_rule = "moderation.view_log"
    pagination_class = SelectorPagePagination
    serializer_class = ModerationActionSerializer
    queryset = ModerationAction.objects.none()  # for the schema: the selector reads

    @extend_schema(parameters=[LogQuerySerializer], responses=ModerationActionSerializer(many=True))
    def get(self, request, *args, **kwargs):
        query = _valid(LogQuerySerializer, request.query_params)
        filters = log.LogFilters(
            action=query.get("action", ""),
            kind=query.get("kind", ""),
            consultation=_consultation(query.get("consultation")),
            actor=query.get("actor", ""),
            since=query["since"].isoformat() if query.get("since") else "",
            until=query["until"].isoformat() if query.get("until") else "",
        )
        page = log.log_page(
            filters=filters,
            page=query.get("page", 1),
            per_page=query.get("page_size", log.LOG_PAGE_SIZE),
        )
        data = ModerationActionSerializer(page.object_list, many=True).data
        return page_response(request, page, data)


@extend_schema(tags=["moderation"])
class AppealCreateView(GenericAPIView):
    """Appeal a moderator's decision about you, once."""

    permission_classes = [IsAuthenticated]
    serializer_class = AppealCreateSerializer

    @extend_schema(request=AppealCreateSerializer, responses={201: AppealSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(AppealCreateSerializer, request.data)
        try:
            decision = selectors.decision_get(pk=data["decision"])
        except Http404:
            decision = None
        # Others' decisions do not exist for them.
        if decision is None or not request.user.has_perm("moderation.view_decision", decision):
            raise _no_such("decision", "No such decision.")
        appeal = services.appeal_create(
            acting_user=request.user, decision=decision, text=data["text"]
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["moderation"])
class AppealDecideView(GenericAPIView):
    """Hear an appeal (a moderator other than the one who decided): final."""

    may_conflict = True  # another moderator may have decided first: 409 (api.schema)
    permission_classes = [IsAuthenticated, Moderates]
    moderation_rule = "moderation.view_queue"
    serializer_class = AppealDecisionSerializer
    queryset = Appeal.objects.none()

    @extend_schema(request=AppealDecisionSerializer, responses=ModerationActionSerializer)
    def post(self, request, pk, *args, **kwargs):
        data = _valid(AppealDecisionSerializer, request.data)
        appeal = selectors.appeal_get(pk=pk)
        row = services.appeal_decide(
            acting_user=request.user,
            appeal=appeal,
            outcome=data["outcome"],
            reason=data["reason"],
        )
        return Response(ModerationActionSerializer(row).data)
