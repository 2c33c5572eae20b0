"""Read JSON request bodies and query values, refusing malformed ones with 400."""

from collections.abc import Mapping
from typing import Any

from flask import abort, request

# Primary keys are 32-bit on PostgreSQL; larger numbers cannot name a row.
MAX_ID = 2**31 - 1

_JSON_NAMES = {str: "a string", int: "an integer", type(None): "null"}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return _JSON_NAMES.get(type(value), "a value")


def _check(name: str, value: Any, kinds: tuple[type, ...], max_length: int | None) -> Any:
    if isinstance(value, bool) or not isinstance(value, kinds):
        expected = " or ".join(_JSON_NAMES[kind] for kind in kinds)
        abort(400, f"'{name}' must be {expected}, not {_json_type(value)}.")
    if isinstance(value, str):
        # PostgreSQL cannot store NUL, and lone surrogates cannot be encoded at all.
        if "\x00" in value:
            abort(400, f"'{name}' must not contain NUL characters.")
        try:
            value.encode()
        except UnicodeEncodeError:
            abort(400, f"'{name}' is not valid Unicode text.")
        if max_length is not None and len(value) > max_length:
            abort(400, f"'{name}' is longer than {max_length} characters.")
    if isinstance(value, int) and not 0 <= value <= MAX_ID:
        abort(400, f"'{name}' must be between 0 and {MAX_ID}.")
    return value


def json_object(
    required: Mapping[str, tuple[type, ...]],
    optional: Mapping[str, tuple[tuple[type, ...], Any]] | None = None,
    max_lengths: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Return the body's fields checked against `required` and `optional` (kinds, default)."""
    optional, max_lengths = optional or {}, max_lengths or {}
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        abort(400, "The request body must be a JSON object.")
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        allowed = ", ".join(f"'{name}'" for name in (*required, *optional))
        abort(400, f"Unknown field '{unknown[0]}': the fields are {allowed}.")
    missing = [name for name in required if name not in data]
    if missing:
        abort(400, f"The field '{missing[0]}' is required.")
    values = {
        name: _check(name, data[name], kinds, max_lengths.get(name))
        for name, kinds in required.items()
    }
    for name, (kinds, default) in optional.items():
        found = name in data
        values[name] = _check(name, data[name], kinds, max_lengths.get(name)) if found else default
    return values


def query_id(
    name: str, minimum: int = 1, what: str = "a version id (a positive integer)"
) -> int | None:
    """Return the query parameter `name` as a whole number, None if absent, or refuse it (400)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not minimum <= int(raw) <= MAX_ID:
        abort(400, f"'{name}' must be {what}, not {raw!r}.")
    return int(raw)
