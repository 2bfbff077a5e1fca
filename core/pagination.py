from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination, serializers
from rest_framework.exceptions import NotFound

from core.params import whole_number


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors, `page_size` capped at API_MAX_PAGE_SIZE.

    Newest first by id, unless the view orders otherwise through `cursor_ordering()`
    (digests order by date, or by relevance when searching).

    A cursor the client altered is a 400 naming `cursor`, on every list: one that does
    not decode, and one that decodes to a position the ordering field cannot hold (text
    where a date or a number belongs, a NUL character), which would otherwise fail in
    the database.
    """

    page_size = settings.API_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    ordering = "-id"
    invalid_cursor_message = "Not a cursor this list gave out; start again without it."
    EXAMPLE_LIST = "https://digests.example.com/api/v1/tenants/acme/digests/"

    def get_page_size(self, request):
        """The asked-for size, capped; a value that is not a positive number is a 400."""
        size = whole_number(
            request.query_params, self.page_size_query_param, self.page_size, low=1, high=None
        )
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

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        # DRF's examples name an /accounts/ list, and one of them has a stray quote.
        for name, cursor in (("next", "cD0yMDI1LTExLTAz"), ("previous", "cj0xJnA9MjAyNS0xMS0xMA")):
            answer["properties"][name]["example"] = f"{self.EXAMPLE_LIST}?cursor={cursor}"
        return answer

    def get_ordering(self, request, queryset, view):
        chooser = getattr(view, "cursor_ordering", None)
        if chooser is not None:
            return tuple(chooser())
        return super().get_ordering(request, queryset, view)

    def paginate_queryset(self, queryset, request, view=None):
        self._unordered = queryset  # what decode_cursor checks a position against
        try:
            return super().paginate_queryset(queryset, request, view)
        finally:
            del self._unordered

    def decode_cursor(self, request):
        """The cursor, or None; a 400 naming `cursor` for one this list could not have
        given out. DRF answers 404 for the first kind and fails in the database on the
        second."""
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid() from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        """Build the filter the paginator will apply to the position, so a value its
        field refuses is a 400 here rather than a 500 later."""
        if "\x00" in position:  # PostgreSQL text cannot hold NUL: it would fail on send
            raise self._invalid()
        field = self.ordering[0].lstrip("-")
        try:
            self._unordered.filter(**{f"{field}__gt": position})
        except (ValueError, TypeError, OverflowError, DjangoValidationError):
            raise self._invalid() from None

    def _invalid(self) -> serializers.ValidationError:
        return serializers.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
