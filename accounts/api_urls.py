from rest_framework.routers import SimpleRouter

from accounts import api

router = SimpleRouter(trailing_slash=True)
router.register("members", api.MemberMfaViewSet, basename="member-mfa")

urlpatterns = router.urls
