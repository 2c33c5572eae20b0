"""Refuse request text that no column can hold, before any view or query sees it."""

from collections.abc import Iterable

from flask import Flask, abort, request

NUL = "\x00"
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _shown(name: str) -> str:
    # The name itself may carry the NUL; the message must not.
    return name.replace(NUL, "\\0")


def _first_with_nul(pairs: Iterable[tuple[str, object]]) -> str | None:
    for name, value in pairs:
        if NUL in name or (isinstance(value, str) and NUL in value):
            return name
    return None


def refuse_nul() -> None:
    """Answer 400 naming the first address part, query parameter or form field holding NUL."""
    # PostgreSQL cannot store or even compare text holding NUL: the query would fail with a
    # 500 and a typed comment would be lost. The API refuses NUL in its own terms (404 for
    # the address, 422 for the body) and reads every body as JSON, so it is left to itself.
    if request.blueprint == "api":
        return
    name = _first_with_nul((request.view_args or {}).items())
    if name is not None:
        abort(400, f"The address contains a NUL character (in '{_shown(name)}').")
    # Every reader's request passes here: skip what it does not carry.
    name = _first_with_nul(request.args.items(multi=True)) if request.query_string else None
    if name is not None:
        abort(400, f"The query parameter '{_shown(name)}' contains a NUL character.")
    # Forms are read on the methods that submit them (Flask-WTF's rule), whatever the length.
    sends_form = request.method not in READING_METHODS
    name = _first_with_nul(request.form.items(multi=True)) if sends_form else None
    if name is not None:
        abort(
            400,
            f"The field '{_shown(name)}' contains a NUL character, which cannot be stored: "
            "go back, remove it and send the form again.",
        )


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)
