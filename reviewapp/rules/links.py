"""Which addresses a reference may link to: web pages, and nothing a browser would run."""

import re

WEB_SCHEMES = ("http", "https")
# A scheme, a host, and no space or control character anywhere: browsers drop those from a
# URL before reading its scheme, so " javascript:" or "java\tscript:" would still run.
_WEB_ADDRESS = re.compile(r"https?://[^\x00-\x20\x7f/?#]+[^\x00-\x20\x7f]*", re.IGNORECASE)


def is_web_address(url: str) -> bool:
    """Return whether `url` is an absolute http or https address, safe to link to."""
    return _WEB_ADDRESS.fullmatch(url) is not None


def web_address_problem(url: object) -> str | None:
    """Return why `url` cannot be a reference's address, or None when it can."""
    if not isinstance(url, str) or not is_web_address(url):
        return f"url must be a web address starting with http:// or https://, not {url!r}."
    return None
