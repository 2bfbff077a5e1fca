"""A person's browser sessions (`/api/v1/me/sessions/`), and a member's second factor
as their admin resets it (`members/{id}/reset-mfa/`)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import mfa
from audit.signals import record_for_each_tenant
from sso import sessions
from sso.models import UserSession
from tenants.api_base import TenantScopedViewSet
from tenants.models import Membership, User


class SessionSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField(help_text="The session making this request.")
    method = serializers.SerializerMethodField(help_text="`password` or `sso`.")
    signed_in_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = UserSession
        fields = [
            "id",
            "current",
            "method",
            "user_agent",
            "address",
            "signed_in_at",
            "last_seen_at",
        ]

    def get_current(self, row: UserSession) -> bool:
        return row.session_key == self.context["session_key"]

    def get_method(self, row: UserSession) -> str:
        return "password" if row.backend in sessions.PASSWORD_BACKENDS else "sso"


def _person(request) -> User:
    if not isinstance(request.user, User):
        raise exceptions.PermissionDenied("Sessions belong to people; an API key has none.")
    return request.user


def _ended(request, person: User, count: int, which: str) -> None:
    if count:
        record_for_each_tenant(
            person, "auth.sessions_ended", changes={"sessions": [count, 0], "which": which}
        )


class MySessionsView(APIView):
    """Your browser sessions, newest first."""

    @extend_schema(
        operation_id="listMySessions",
        summary="List your sessions",
        responses={200: SessionSerializer(many=True)},
    )
    def get(self, request):
        person = _person(request)
        rows = sessions.live_sessions(person)
        context = {"session_key": request.session.session_key}
        return Response(SessionSerializer(rows, many=True, context=context).data)


class MySessionView(APIView):
    @extend_schema(
        operation_id="endMySession", summary="End one of your sessions", responses={204: None}
    )
    def delete(self, request, pk: int):
        """Sign that browser out at once (this one too, if it is the current session)."""
        person = _person(request)
        row = UserSession.objects.filter(user=person, pk=pk).first()
        if row is None:
            raise Http404
        sessions.end_session(row)
        _ended(request, person, 1, "one")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyOtherSessionsView(APIView):
    @extend_schema(
        operation_id="endMyOtherSessions",
        summary="End your other sessions",
        request=None,
        responses={
            200: inline_serializer(
                "OtherSessionsEnded", fields={"ended": serializers.IntegerField(min_value=0)}
            )
        },
    )
    def post(self, request):
        """Sign every other browser out at once; this one stays."""
        person = _person(request)
        ended = sessions.end_sessions(person, keep=request.session.session_key)
        _ended(request, person, ended, "others")
        return Response({"ended": ended})


class MemberMfaViewSet(TenantScopedViewSet):
    """A member's two-factor sign-in, as their admin sees it."""

    model = Membership
    permission_map = {"reset_mfa": "tenants.change_membership"}

    def narrow_queryset(self, queryset):
        return queryset.select_related("user", "role")

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("MfaReset", fields={"removed": serializers.BooleanField()})
        },
    )
    @action(detail=True, methods=["post"], url_path="reset-mfa")
    def reset_mfa(self, request, *args, **kwargs):
        """Remove the member's authenticator app and recovery codes (a lost phone): they
        sign in with their password alone, then set a new one up where a tenant requires
        it. `removed` is false when they had none."""
        removed = mfa.member_mfa_reset(actor=self.principal, membership=self.get_object())
        return Response({"removed": removed})
