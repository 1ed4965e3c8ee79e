"""Pagination that never counts the table.

``Paginator`` counts every matching row to number the pages; on a school's whole history that
is a full scan for each page view. Fetching one row more than the page holds tells us whether
there is a next page, which is all a "Newer / Older" pager needs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

# No list reaches this page: a larger number is not a page of ours, and its offset would pass
# PostgreSQL's bigint.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Window:
    items: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1


def page_number(raw: Any) -> int:
    """The page asked for; anything that is not a positive whole number means the first.

    A number past ``MAX_PAGE`` is answered 404.
    """
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return 1
    if number > MAX_PAGE:
        raise Http404("No such page")
    return number if number >= 1 else 1


def window(
    queryset: QuerySet[Any],
    number: int,
    per_page: int,
    decorate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None,
) -> Window:
    """One page of an ordered queryset, in one query, with no COUNT.

    ``decorate`` adds annotations to the page's rows only: the page is chosen in a subquery
    first, so costly per-row subqueries never run over the rest of the table.
    """
    start = (number - 1) * per_page
    page = queryset[start : start + per_page + 1]
    if decorate is not None:
        chosen = queryset.model.objects.filter(pk__in=page.values("pk"))
        page = decorate(chosen).order_by(*queryset.query.order_by)
    rows = list(page)
    return Window(items=rows[:per_page], number=number, has_next=len(rows) > per_page)
