from django.conf import settings
from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors, `page_size` capped at API_MAX_PAGE_SIZE.

    Newest first by id, unless the view orders otherwise through `cursor_ordering()`
    (digests order by date, or by relevance when searching).
    """

    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_ordering(self, request, queryset, view):
        chooser = getattr(view, "cursor_ordering", None)
        if chooser is not None:
            return tuple(chooser())
        return super().get_ordering(request, queryset, view)
