"""The dialogue on a recommendation: comments, positions and amendments. Reads go through
consultation.selectors, writes through consultation.services (which check the rules and
raise ValidationError / ContributionRefused, answered as 400 / 403 with their words)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from consultation import selectors, services
from consultation.models import Amendment, Comment, Position
from consultation.ratelimits import CONTRIBUTING_TOO_FAST, over_limit
from consultation.rules import (
    AMENDMENT_DECIDE_REFUSED,
    AMENDMENT_WITHDRAW_REFUSED,
    COMMENT_EDIT_REFUSED,
    COMMENT_REMOVE_REFUSED,
)
from consultation.visibility import visible_comments
from core.diffs import word_diff

from ..exceptions import Throttled
from ..pagination import SelectorPagePagination
from ..permissions import CanContribute, ObjectRules, TwoFactorForRoles
from ..serializers import (
    AmendmentDetailSerializer,
    AmendmentProposeSerializer,
    AmendmentSerializer,
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentSerializer,
    CommentThreadQuerySerializer,
    CommentThreadSerializer,
    DecisionSerializer,
    PageQuerySerializer,
    PositionBreakdownSerializer,
    PositionSerializer,
    PositionTakeSerializer,
    ReplyPageSerializer,
    ReplyQuerySerializer,
)
from .base import RecommendationScoped, is_schema_generation, page_response


def _rate_limit(request, kind: str) -> None:
    """The per-person limits of the pages (django-ratelimit), for the same contributions."""
    if wait := over_limit(request._request, kind):
        raise Throttled(wait, CONTRIBUTING_TOO_FAST)


def _input(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class DialogueViewSet(RecommendationScoped, viewsets.GenericViewSet):
    permission_classes = [
        *viewsets.GenericViewSet.permission_classes,
        CanContribute,
        TwoFactorForRoles,
        ObjectRules,
    ]
    lookup_value_regex = "[0-9]{1,18}"
    contribute_actions: tuple[str, ...] = ()
    two_factor_actions: tuple[str, ...] = ()
    object_rules: dict[str, tuple[str, str]] = {}


# -- Comments -------------------------------------------------------------------------------


@extend_schema(tags=["comments"])
class CommentViewSet(mixins.RetrieveModelMixin, DialogueViewSet):
    """Comments in threads. The list is a page of threads (20 a page, or `page_size`): each
    top-level comment with its first 20 replies (`parent` and `depth` place them), a batch as
    the recommendation page's "show more replies" reads them; `more_replies` says how many
    follow and `replies_next` where to read them. Removed comments stay as tombstones."""

    queryset = Comment.objects.none()
    serializer_class = CommentSerializer
    pagination_class = SelectorPagePagination
    contribute_actions = ("create",)
    object_rules = {
        "update": (
            "consultation.change_comment",
            COMMENT_EDIT_REFUSED,
        ),
        "partial_update": (
            "consultation.change_comment",
            COMMENT_EDIT_REFUSED,
        ),
        "destroy": (
            "consultation.delete_comment",
            COMMENT_REMOVE_REFUSED,
        ),
    }

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        # What the pages show this person (consultation.visibility): a hidden comment as a
        # placeholder, a pending one to its author and moderators only.
        return visible_comments(
            self.request.user, Comment.objects.filter(recommendation=self.recommendation)
        ).select_related(*selectors.AUTHOR_FIELDS)

    def get_object(self):
        comment = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if comment is None:
            raise Http404("No such comment on this recommendation.")
        comment.recommendation = (
            self.recommendation
        )  # its consultation is loaded: the rules read it
        self.check_object_permissions(self.request, comment)
        return comment

    def _amendment(self, pk) -> Amendment | None:
        if pk is None:
            return None
        amendment = (
            Amendment.objects.visible_to(self.request.user)
            .filter(recommendation=self.recommendation, pk=pk)
            .first()
        )
        if amendment is None:
            raise ValidationError(
                {"amendment": "No such amendment of this recommendation."}, code="does_not_exist"
            )
        return amendment

    @extend_schema(
        parameters=[CommentThreadQuerySerializer], responses=CommentThreadSerializer(many=True)
    )
    def list(self, request, *args, **kwargs):
        query = _input(CommentThreadQuerySerializer, request.query_params)
        amendment = None
        if "amendment" in query:
            amendment = (
                Amendment.objects.visible_to(request.user)
                .filter(recommendation=self.recommendation, pk=query["amendment"])
                .first()
            )
            if amendment is None:
                raise Http404("No such amendment of this recommendation.")
        page = selectors.comment_thread_page(
            recommendation=self.recommendation,
            amendment=amendment,
            order=query.get("order", "oldest"),
            page=query.get("page", 1),
            viewer=request.user,
            replies_per_thread=selectors.REPLIES_PER_BATCH,  # then .../{id}/replies/
            after=query.get("after"),
            per_page=query.get("page_size", selectors.THREADS_PER_PAGE),
        )
        data = CommentThreadSerializer(
            page.object_list, many=True, context=self.get_serializer_context()
        ).data
        response = page_response(request, page, data)
        # The next page is the threads after the last one here (keyset: no OFFSET).
        if response.data["next"]:
            next_url = replace_query_param(response.data["next"], "after", page.next_after)
            response.data["next"] = next_url
        if response.data["previous"]:
            response.data["previous"] = remove_query_param(response.data["previous"], "after")
        return response

    @extend_schema(
        parameters=[ReplyQuerySerializer],
        responses=ReplyPageSerializer,
        operation_id="consultations_recommendations_comments_replies_list",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def replies(self, request, *args, **kwargs):
        """The replies of a thread (`id`: its first comment) in reading order, 20 at a time
        (or `page_size`), after reply `after`: the thread's `replies_next` reads on from the
        replies the list showed. Keyset-paged, as the page's "show more replies": the
        thousandth reply costs what the first does."""
        query = _input(ReplyQuerySerializer, request.query_params)
        root = self.get_object()
        if root.root_id is not None:
            raise Http404("Not the first comment of a thread.")
        after = None
        if "after" in query:
            after = self.get_queryset().filter(root=root, pk=query["after"]).first()
            if after is None:
                raise ValidationError(
                    {"after": "No such reply in this thread."}, code="does_not_exist"
                )
        replies, rest = selectors.thread_replies_after(
            root=root,
            after=after,
            viewer=request.user,
            limit=query.get("page_size", selectors.REPLIES_PER_BATCH),
        )
        next_url = None
        if rest:
            next_url = replace_query_param(request.build_absolute_uri(), "after", replies[-1].pk)
        data = {
            "next": next_url,
            "more_replies": rest,
            "results": CommentSerializer(
                replies, many=True, context=self.get_serializer_context()
            ).data,
        }
        return Response(data)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def create(self, request, *args, **kwargs):
        data = _input(CommentCreateSerializer, request.data)
        parent = None
        if data.get("parent") is not None:
            parent = self.get_queryset().filter(pk=data["parent"]).first()
            if parent is None:
                raise ValidationError(
                    {"parent": "No such comment on this recommendation."}, code="does_not_exist"
                )
        _rate_limit(request, "comment")
        comment = services.comment_create(
            author=request.user,
            recommendation=self.recommendation,
            body=data["body"],
            parent=parent,
            amendment=self._amendment(data.get("amendment")),
        )
        comment = self.get_queryset().get(pk=comment.pk)
        return Response(self.get_serializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CommentEditSerializer, responses=CommentSerializer)
    def update(self, request, *args, **kwargs):
        comment = self.get_object()
        data = _input(CommentEditSerializer, request.data)
        comment = services.comment_edit(
            comment=comment, acting_user=request.user, body=data["body"]
        )
        return Response(self.get_serializer(comment).data)

    @extend_schema(request=CommentEditSerializer, responses=CommentSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        comment = self.get_object()
        services.comment_delete(comment=comment, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- Positions ------------------------------------------------------------------------------


@extend_schema(tags=["positions"])
class PositionViewSet(DialogueViewSet):
    """Positions (endorse, endorse with reservations, oppose) with their reasons, newest
    first (50 a page). One position per person: taking one again changes it."""

    queryset = Position.objects.none()
    serializer_class = PositionSerializer
    pagination_class = SelectorPagePagination
    contribute_actions = ("create", "mine_change", "mine_withdraw")

    @extend_schema(parameters=[PageQuerySerializer], responses=PositionSerializer(many=True))
    def list(self, request, *args, **kwargs):
        query = _input(PageQuerySerializer, request.query_params)
        page = selectors.position_page(
            recommendation=self.recommendation,
            page=query.get("page", 1),
            viewer=request.user,
            per_page=query.get("page_size", selectors.POSITIONS_PER_PAGE),
        )
        data = PositionSerializer(page.object_list, many=True).data
        return page_response(request, page, data)

    def _take(self, request):
        data = _input(PositionTakeSerializer, request.data)
        existed = Position.objects.filter(
            recommendation=self.recommendation, author=request.user
        ).exists()
        position = services.position_take(
            author=request.user, recommendation=self.recommendation, **data
        )
        position = Position.objects.select_related(*selectors.AUTHOR_FIELDS, "version").get(
            pk=position.pk
        )
        return Response(
            PositionSerializer(position).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=PositionTakeSerializer,
        responses={201: PositionSerializer, 200: PositionSerializer},
        description="Take a position (201), or change yours (200).",
    )
    def create(self, request, *args, **kwargs):
        return self._take(request)

    @extend_schema(responses=PositionSerializer, description="Your position here.")
    @action(detail=False, methods=["get"], url_path="mine", pagination_class=None)
    def mine(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            self.permission_denied(request)
        position = (
            Position.objects.filter(recommendation=self.recommendation, author=request.user)
            .select_related(*selectors.AUTHOR_FIELDS, "version")
            .first()
        )
        if position is None:
            raise Http404("You have taken no position on this recommendation.")
        return Response(PositionSerializer(position).data)

    @extend_schema(
        request=PositionTakeSerializer,
        responses={201: PositionSerializer, 200: PositionSerializer},
        description="Take a position (201), or change yours (200).",
    )
    @mine.mapping.put
    def mine_change(self, request, *args, **kwargs):
        return self._take(request)

    @extend_schema(responses={204: None}, description="Withdraw your position.")
    @mine.mapping.delete
    def mine_withdraw(self, request, *args, **kwargs):
        services.position_withdraw(author=request.user, recommendation=self.recommendation)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=PositionBreakdownSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def breakdown(self, request, *args, **kwargs):
        """Totals per stance, and per stakeholder group (as the recommendation page's chart)."""
        summary = selectors.position_summary(recommendation=self.recommendation)
        stances = Position.Stance.values
        data = {
            "totals": summary.totals,
            "total": summary.total,
            "groups": [
                {
                    "group": group.label,
                    "counts": {s: group.counts.get(s, 0) for s in stances},
                    "total": group.total,
                }
                for group in summary.groups
            ],
        }
        return Response(PositionBreakdownSerializer(data).data)


# -- Amendments -----------------------------------------------------------------------------


@extend_schema(tags=["amendments"])
class AmendmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DialogueViewSet):
    """Proposed new wordings. Authors propose and withdraw; moderators accept (the
    recommendation takes the wording as a new version) or reject with a reason."""

    queryset = Amendment.objects.none()
    contribute_actions = ("create",)
    # Deciding changes the recommendation's wording: moderators need two-factor
    # authentication, as for the moderation endpoints.
    two_factor_actions = ("accept", "reject")
    object_rules = {
        "withdraw": (
            "consultation.withdraw_amendment",
            AMENDMENT_WITHDRAW_REFUSED,
        ),
        "accept": (
            "consultation.decide_amendment",
            AMENDMENT_DECIDE_REFUSED,
        ),
        "reject": (
            "consultation.decide_amendment",
            AMENDMENT_DECIDE_REFUSED,
        ),
    }

    def get_serializer_class(self):
        if self.action == "list":
            return AmendmentSerializer
        return AmendmentDetailSerializer

    def get_queryset(self):
        if is_schema_generation(self):
            return self.queryset
        return selectors.amendment_list(
            recommendation=self.recommendation, viewer=self.request.user
        ).select_related("decided_by__stakeholder_group", "resulting_version")

    def get_object(self):
        amendment = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if amendment is None:
            raise Http404("No such amendment of this recommendation.")
        amendment.recommendation = self.recommendation  # the rules read its consultation
        self.check_object_permissions(self.request, amendment)
        return self._with_diff(amendment)

    def _with_diff(self, amendment: Amendment) -> Amendment:
        amendment.title_diff = word_diff(amendment.base_version.title, amendment.title)
        amendment.body_diff = word_diff(amendment.base_version.body, amendment.body)
        return amendment

    def _answer(self, amendment, *, status_code=status.HTTP_200_OK):
        """The amendment as the list's selector reads it (with its counts), after a write."""
        fresh = self._with_diff(self.get_queryset().get(pk=amendment.pk))
        return Response(AmendmentDetailSerializer(fresh).data, status=status_code)

    @extend_schema(request=AmendmentProposeSerializer, responses={201: AmendmentDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = _input(AmendmentProposeSerializer, request.data)
        _rate_limit(request, "amendment")
        amendment = services.amendment_propose(
            author=request.user, recommendation=self.recommendation, **data
        )
        return self._answer(amendment, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AmendmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        amendment = services.amendment_withdraw(
            amendment=self.get_object(), acting_user=request.user
        )
        return self._answer(amendment)

    @extend_schema(request=DecisionSerializer, responses=AmendmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        """Moderators: the recommendation takes this wording as its new version."""
        amendment = self.get_object()
        data = _input(DecisionSerializer, request.data)
        amendment = services.amendment_accept(
            amendment=amendment, acting_user=request.user, reason=data["reason"]
        )
        return self._answer(amendment)

    @extend_schema(request=DecisionSerializer, responses=AmendmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        """Moderators: reject it, saying why."""
        amendment = self.get_object()
        data = _input(DecisionSerializer, request.data)
        amendment = services.amendment_reject(
            amendment=amendment, acting_user=request.user, reason=data["reason"]
        )
        return self._answer(amendment)
