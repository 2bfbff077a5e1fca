"""Liveness and readiness probes for load balancers and orchestrators."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from core.problems import problem_response


# Probes run outside ATOMIC_REQUESTS: opening the request transaction would itself need
# the database and turn "unavailable" into a 500.
@transaction.non_atomic_requests
@csrf_exempt
@never_cache
@require_safe
def healthz(request):
    """The process is up; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@transaction.non_atomic_requests
@csrf_exempt
@never_cache
@require_safe
def readyz(request):
    """Ready to serve: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        connection.close_if_unusable_or_obsolete()
        return problem_response(503, "database_unavailable", "The database is not reachable.")
    return JsonResponse({"status": "ready", "database": "ok"})
