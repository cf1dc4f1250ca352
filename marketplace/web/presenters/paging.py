"""Next and previous links of a search result, shared by the search page, the map and the API.

A link changes only the paging parameters of the current query: a page number while numbers
reach (the first pages, up to the bounded count), a keyset cursor (`after`, `before`) beyond,
so a deep page costs what the first one costs. The links themselves are built by the caller
(`url_with` on pages, `url_for` in the API) from these parameter changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.services.listings.search import Page

Changes = dict[str, str | int | None]
CLEARED: Changes = {"page": None, "after": None, "before": None}


@dataclass(frozen=True)
class PageLinks:
    prev: Changes | None
    next: Changes | None
    first: Changes


def _next(page: Page) -> Changes | None:
    if page.next_cursor is not None:
        return {**CLEARED, "after": page.next_cursor.encode()}
    if page.has_next:
        return {**CLEARED, "page": page.page + 1}
    return None


def _prev(page: Page) -> Changes | None:
    if not page.has_prev:
        return None
    target = page.page - 1
    if target == 1:
        return dict(CLEARED)
    if target <= page.pages or page.prev_cursor is None:
        return {**CLEARED, "page": min(target, page.pages)}
    return {**CLEARED, "before": page.prev_cursor.encode()}


def page_links(page: Page) -> PageLinks:
    """The parameter changes for the previous, next and first page (None: there is none)."""
    return PageLinks(prev=_prev(page), next=_next(page), first=dict(CLEARED))
