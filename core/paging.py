"""A page of a list the database has already cut: its rows and the total counted apart."""

from django.core.paginator import Page, Paginator


class _Counted(list):
    """What a Paginator needs of a list it never holds: its length."""

    def __init__(self, total: int):
        super().__init__()
        self.total = total

    def count(self) -> int:
        return self.total


def paginator(total: int, per_page: int) -> Paginator:
    return Paginator(_Counted(total), per_page)


def page_number(page, total: int, per_page: int) -> int:
    """Paginator.get_page's reading of a page number: not a number, the first; too far, the
    last."""
    try:
        number = int(page)
    except (TypeError, ValueError):
        return 1
    last = max(1, -(-total // per_page))
    return min(max(number, 1), last) if total else 1


def counted_page(rows: list, *, number: int, total: int, per_page: int) -> Page:
    """The page `number` holding `rows` of `total` (the caller's query cut them)."""
    return Page(rows, number, paginator(total, per_page))
