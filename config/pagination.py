from django.conf import settings
from rest_framework import pagination

from config.params import whole_number


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors, `page_size` capped at API_MAX_PAGE_SIZE.

    Newest first by id, unless the view orders otherwise through `cursor_ordering()`
    (digests order by date, or by relevance when searching).
    """

    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request):
        """The asked-for size, capped; a value that is not a positive number is a 400."""
        size = whole_number(request.query_params, self.page_size_query_param, self.page_size, low=1)
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Results per page, {self.page_size} by default; more than "
                    f"{self.max_page_size} gives {self.max_page_size}."
                )
        return parameters

    def get_ordering(self, request, queryset, view):
        chooser = getattr(view, "cursor_ordering", None)
        if chooser is not None:
            return tuple(chooser())
        return super().get_ordering(request, queryset, view)
