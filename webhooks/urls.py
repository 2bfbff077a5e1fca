from django.urls import include, path
from rest_framework.routers import SimpleRouter

from webhooks import api

router = SimpleRouter(trailing_slash=True)
router.register("webhooks", api.WebhookViewSet, basename="webhook")
router.register("webhook-deliveries", api.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = [path("", include(router.urls))]
