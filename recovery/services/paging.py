"""Paging for the long lists (clinician patients, triage, follow-up worklist, outbox): the page a
URL asks for, and how many pages a total makes. Each list keeps its own page size."""

from .validate import Fields

MAX_PAGE = 100_000  # a page number beyond any list, refused as malformed


def page_count(total: int, size: int) -> int:
    """Pages needed for `total` rows, `size` a page; an empty list still has its first page."""
    return max(1, -(-total // size))


def parse_page(data, name: str = "page") -> int:
    """The page the URL asks for in parameter `name` (1 when it names none); ValidationError
    when it is not a whole number from 1 to MAX_PAGE."""
    fields = Fields(data)
    page = fields.integer(name, 1, MAX_PAGE, required=False)
    fields.done()
    return page or 1
