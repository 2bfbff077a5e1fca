from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from licensing import api

router = SimpleRouter(trailing_slash=True)
router.register("licensing/rights-holders", api.RightsHolderViewSet, basename="rights-holder")
router.register("licensing/sources", api.SourceViewSet, basename="source")
router.register("licensing/licenses", api.LicenseViewSet, basename="license")
router.register("licensing/evidence", api.EvidenceViewSet, basename="evidence")
router.register("licensing/reports", api.ComplianceReportViewSet, basename="compliance-report")

digest_sources = api.DigestSourcesViewSet.as_view({"get": "retrieve", "put": "update"})

urlpatterns = [
    path("", include(router.urls)),
    re_path(r"^digests/(?P<pk>[0-9]+)/sources/$", digest_sources, name="digest-sources"),
]
