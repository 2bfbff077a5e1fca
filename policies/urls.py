from django.urls import include, path
from rest_framework.routers import SimpleRouter

from policies import api

router = SimpleRouter(trailing_slash=True)
router.register("policies/insight", api.PolicyInsightViewSet, basename="policy-insight")
router.register("policies", api.PolicyViewSet, basename="policy")

urlpatterns = [path("", include(router.urls))]
