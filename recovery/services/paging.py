"""Paging for the long lists (clinician patients, triage, follow-up worklist, outbox): the page a
URL asks for, and how many pages a total makes. Each list keeps its own page size."""

from .validate import Fields

MAX_PAGE = 100_000  # a page number beyond any list, refused as malformed


def page_count(total: int, size: int) -> int:
    """Pages needed for `total` rows, `size` a page; an empty list still has its first page."""
    return max(1, -(-total // size))


class Paged:
    """What a page of a list knows from its number (`page`), the list's length (`total`) and
    its page size (`page_size`, read when asked, so a test can shrink it): how many pages
    there are, and whether it is past the last one (the page then says so, linking the last)."""

    page: int
    total: int
    page_size: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.page_size)

    @property
    def past_end(self) -> bool:
        return self.page > self.pages


def parse_page(data, name: str = "page") -> int:
    """The page the URL asks for in parameter `name` (1 when it names none); ValidationError
    when it is not a whole number from 1 to MAX_PAGE."""
    fields = Fields(data)
    page = fields.integer(name, 1, MAX_PAGE, required=False)
    fields.done()
    return page or 1
