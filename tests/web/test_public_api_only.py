"""The readers' path and the web plumbing use only the public APIs of their frameworks.

Private names of Flask, Werkzeug or SQLAlchemy (a proxy's underscore methods, the
session's `"_flashes"` key) change in any release without notice. The public page once
used them to save microseconds; this scan keeps them out, next to the behavioural tests of
the page in tests/blueprints/test_public_page.py.
"""

import ast
from pathlib import Path

import pytest

import reviewapp

PACKAGE = Path(reviewapp.__file__).parent
GUARDED = sorted(
    [*(PACKAGE / "blueprints" / "public").glob("*.py"), *(PACKAGE / "web").glob("*.py")]
)
FRAMEWORKS = {"flask", "flask_login", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "werkzeug"}
# Keys Flask and Flask-Login keep in the session for themselves.
FRAMEWORK_SESSION_KEYS = {"_flashes", "_permanent", "_user_id", "_fresh", "_id", "_remember"}
NAME_LOOKUPS = {"getattr", "hasattr", "setattr", "delattr"}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """Return each private name of another object, module or framework used in `source`.

    A class's own internals (`self._lock`, `cls._lock`) are its business and allowed.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and is_private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                found.append(f"line {node.lineno}: attribute .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            names = [alias.name for alias in node.names]
            if parts[0] in FRAMEWORKS and any(map(is_private, [*parts, *names])):
                found.append(f"line {node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] in FRAMEWORKS and any(map(is_private, parts)):
                    found.append(f"line {node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Constant) and node.value in FRAMEWORK_SESSION_KEYS:
            found.append(f"line {node.lineno}: framework session key {node.value!r}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in NAME_LOOKUPS
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and is_private(node.args[1].value)
        ):
            found.append(f"line {node.lineno}: {node.func.id}(..., {node.args[1].value!r})")
    return found


def test_the_scan_covers_the_public_blueprint_and_web():
    names = {path.relative_to(PACKAGE).as_posix() for path in GUARDED}
    assert {"blueprints/public/views.py", "web/page_cache.py", "web/change_signal.py"} <= names
    assert "web/security.py" in names


@pytest.mark.parametrize("path", GUARDED, ids=lambda path: path.relative_to(PACKAGE).as_posix())
def test_module_uses_no_private_framework_names(path):
    assert private_uses(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "request._load_form_data()",
        "app = current_app._got_first_request",
        "request.environ['werkzeug.request']._cached_json",
        "from flask.globals import _cv_request",
        "from werkzeug._internal import _to_str",
        "import werkzeug._internal",
        "session.get('_flashes')",
        "'_user_id' in session",
        "getattr(request, '_parsed_content_type')",
    ],
)
def test_the_scan_finds_private_names(source):
    assert private_uses(source)


@pytest.mark.parametrize(
    "source",
    [
        "self._lock.acquire()",
        "cls._lock.acquire()",
        "request.args.get('audience')",
        "request.cookies.get('audience')",
        "request.if_none_match.contains(etag)",
        "from werkzeug.http import parse_etags",
        "type(error).__name__",
    ],
)
def test_the_scan_allows_public_names_and_a_class_own_internals(source):
    assert private_uses(source) == []
