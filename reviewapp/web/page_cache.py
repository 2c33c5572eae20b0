"""Rendered public pages kept in this process, keyed by what they depend on.

The key holds the article's public revision, which every change readers can see bumps in
the database, so an approval invalidates the cached page on every worker at once.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """Return the cached page for `key`, rendering and keeping it on a miss."""
        with self._lock:
            page = self._entries.get(key)
            if page is not None:
                self._entries.move_to_end(key)
                return page
        page = render()
        with self._lock:
            self._entries[key] = page
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return page

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def page_cache(app: Flask) -> PageCache:
    return app.extensions["page_cache"]


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_ENTRIES"])
