"""The baseline: what a team would write first with plain DRF over the same tables.

No tenancy, roles or policies: a ModelSerializer, ListAPIView and RetrieveAPIView, page
number pagination and DRF's SearchFilter. Mounted beside the real API only in the
benchmark's settings (bench.settings), never in the product.
"""

from django.urls import include, path
from rest_framework import filters, generics, pagination, serializers
from rest_framework.permissions import AllowAny

from digests.models import Digest
from tenants.context import platform_scope


class NoTenancy:
    """The baseline knows nothing of tenants; on PostgreSQL the runtime role still sits
    behind row-level security, so its queries run with the policy opened."""

    def dispatch(self, request, *args, **kwargs):
        with platform_scope():
            return super().dispatch(request, *args, **kwargs)


class BaselineDigestSerializer(serializers.ModelSerializer):
    class Meta:
        model = Digest
        fields = [
            "id",
            "slug",
            "title",
            "publisher",
            "published_on",
            "summary",
            "key_points",
            "sections",
            "topics",
            "language",
            "status",
            "truncated",
            "source_publisher",
            "source_title",
            "source_url",
            "updated_at",
        ]


class Page(pagination.PageNumberPagination):
    page_size = 50


class BaselineList(NoTenancy, generics.ListAPIView):
    serializer_class = BaselineDigestSerializer
    pagination_class = Page
    permission_classes = [AllowAny]
    authentication_classes = []
    filter_backends = [filters.SearchFilter]
    search_fields = ["title", "summary", "search_text"]

    def get_queryset(self):
        return Digest._base_manager.filter(tenant__slug=self.kwargs["tenant"]).order_by(
            "-published_on", "-id"
        )


class BaselineDetail(NoTenancy, generics.RetrieveAPIView):
    serializer_class = BaselineDigestSerializer
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_queryset(self):
        return Digest._base_manager.all()


urlpatterns = [
    path("baseline/<slug:tenant>/digests/", BaselineList.as_view()),
    path("baseline/digests/<int:pk>/", BaselineDetail.as_view()),
    path("", include("config.urls")),
]
