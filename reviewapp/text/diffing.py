"""Word-level differences between two texts."""

import difflib
import re
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Change:
    op: str  # "equal", "insert" or "delete"
    text: str


def word_diff(old: str, new: str) -> list[Change]:
    """Return the changes that turn `old` into `new`, word by word (whitespace kept)."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.append(Change("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            changes.append(Change("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            changes.append(Change("insert", "".join(b[j1:j2])))
    return changes


def inline_html(changes: list[Change]) -> Markup:
    """Render changes inline with <del> and <ins>."""
    parts = []
    for change in changes:
        text = escape(change.text)
        if change.op == "insert":
            parts.append(f"<ins>{text}</ins>")
        elif change.op == "delete":
            parts.append(f"<del>{text}</del>")
        else:
            parts.append(text)
    return Markup("".join(parts))  # noqa: S704 - every piece escaped above


def side_by_side_html(changes: list[Change]) -> tuple[Markup, Markup]:
    """Render the old text with deletions and the new text with insertions."""
    old = [c for c in changes if c.op != "insert"]
    new = [c for c in changes if c.op != "delete"]
    return inline_html(old), inline_html(new)


def summary(changes: list[Change]) -> dict[str, int]:
    """Count the words inserted and deleted."""
    counts = {"inserted_words": 0, "deleted_words": 0}
    for change in changes:
        words = len(change.text.split())
        if change.op == "insert":
            counts["inserted_words"] += words
        elif change.op == "delete":
            counts["deleted_words"] += words
    return counts
