"""The signed-in person: their profile, preferences and notifications."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import selectors as account_selectors
from accounts import services as account_services
from notifications import services as notifications
from notifications.models import Notification

from .. import selectors
from ..permissions import IsAuthenticated
from ..serializers import (
    MarkedSerializer,
    MarkReadSerializer,
    NotificationQuerySerializer,
    NotificationSerializer,
    PreferencesSerializer,
    ProfileSerializer,
)


class _OwnAccount(generics.GenericAPIView):
    permission_classes = [IsAuthenticated]
    service = None

    def get_object(self):
        return self.request.user

    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(request.user).data)

    def put(self, request, *args, **kwargs):
        serializer = self.get_serializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = type(self).service(user=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(user).data)

    def patch(self, request, *args, **kwargs):
        return self.put(request, *args, **kwargs)


@extend_schema(tags=["me"])
class MeView(_OwnAccount):
    """Your stakeholder profile, as the profile page edits it. Changing the declaration of
    interests re-dates it."""

    serializer_class = ProfileSerializer
    service = staticmethod(account_services.profile_update)


@extend_schema(tags=["me"])
class PreferencesView(_OwnAccount):
    """Your preferences: language, digest, which e-mails you get, pillars of interest."""

    serializer_class = PreferencesSerializer
    service = staticmethod(account_services.preferences_update)


@extend_schema(tags=["me"])
class DataExportView(generics.GenericAPIView):
    """Everything the platform holds about you (your profile, preferences, consents and
    every contribution): the same document as “Download my data” in your account."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, *args, **kwargs):
        response = Response(account_selectors.user_data_export(user=request.user))
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(tags=["me"])
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notifications, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Notification.objects.none()
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        notifications = selectors.notification_list(user=self.request.user)
        if self.action == "list":
            query = NotificationQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            if query.validated_data.get("unread"):
                notifications = notifications.filter(read_at=None)
        return notifications

    @extend_schema(parameters=[NotificationQuerySerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=MarkedSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        """Mark this notification read."""
        if not self.get_queryset().filter(pk=self.kwargs["pk"]).exists():
            raise Http404("No such notification.")
        marked = notifications.mark_read(user=request.user, pks=[self.kwargs["pk"]])
        return Response({"marked": marked})

    @extend_schema(
        request=MarkReadSerializer,
        responses=MarkedSerializer,
        operation_id="notifications_read_all",
    )
    @action(detail=False, methods=["post"], url_path="read", url_name="read-all")
    def read_all(self, request, *args, **kwargs):
        """Mark the given notifications read, or all of them."""
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications.mark_read(user=request.user, pks=data.validated_data["ids"])
        return Response({"marked": marked})
