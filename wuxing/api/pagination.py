"""Page-number pagination with bounded parameters.

django-ninja's PageNumberPagination accepts any ``page`` ≥ 1, and the offset it computes from
``page=99999999999999999999`` overflows the database's OFFSET (a 500). Here ``page`` and ``page_size``
have upper bounds in the schema (an out-of-range value is a 422 with a Chinese message, like any other
invalid parameter), and a page past the last one is an empty list without asking the database for it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 100


class BoundedPages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，从 1 开始（最大 {MAX_PAGE}）")
        page_size: int | None = Field(
            None, ge=1, le=MAX_PAGE_SIZE, description=f"每页条数（默认 50，最大 {MAX_PAGE_SIZE}）"
        )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_page_size=MAX_PAGE_SIZE, **kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        count = self._items_count(queryset)
        items = queryset[offset : offset + page_size] if offset < count else []
        return {self.items_attribute: items, "count": count}
