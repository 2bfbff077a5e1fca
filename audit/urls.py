from django.urls import include, path
from rest_framework.routers import SimpleRouter

from audit import api

router = SimpleRouter(trailing_slash=True)
router.register("audit/events", api.AuditEventViewSet, basename="audit-event")
router.register("audit/sinks", api.AuditSinkViewSet, basename="audit-sink")

urlpatterns = [
    path("", include(router.urls)),
    path(
        "audit/retention/",
        api.AuditRetentionViewSet.as_view({"get": "show", "patch": "change"}),
        name="audit-retention",
    ),
]
