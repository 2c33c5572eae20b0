"""Markdown for section wording: the one place that turns text into HTML.

Raw HTML is off and links are limited to safe schemes. Citations `[@key]` / `[@a; @b]`
render as placeholders that the page assembler numbers by first appearance across the
whole page, so numbering never needs the Markdown again.
"""

import re
from dataclasses import dataclass, field
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markupsafe import Markup

KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"
_CITATION = re.compile(rf"\[(@{KEY_PATTERN}(?:\s*;\s*@{KEY_PATTERN})*)\]")
_HEADING_ID = re.compile(r"\s*\{#([A-Za-z0-9][A-Za-z0-9_-]*)\}\s*$")
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):")
# Only our renderer can produce this tag: raw HTML in the source is escaped.
_PLACEHOLDER = re.compile(r'<sup class="citation" data-cite="([^"]+)"></sup>')


@dataclass(frozen=True)
class CitationUse:
    key: str
    line: int  # 1-based, relative to the rendered text


@dataclass
class Rendered:
    html: str
    citations: list[CitationUse] = field(default_factory=list)

    @property
    def cited_keys(self) -> list[str]:
        """Return the cited keys in order of first appearance, each once."""
        return list(dict.fromkeys(use.key for use in self.citations))


def _is_safe_link(url: str) -> bool:
    scheme = _SCHEME.match(url)
    if scheme is None:
        return True  # relative link or fragment
    return url.strip().lower().startswith(_SAFE_SCHEMES)


def _citation_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[":
        return False
    match = _CITATION.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        # "patient [@x]." reads "patient¹." in print: the space before a citation goes.
        state.pending = state.pending.rstrip(" ")
        token = state.push("citation", "sup", 0)
        token.meta = {"keys": [part.strip()[1:] for part in match.group(1).split(";")]}
    state.pos = match.end()
    return True


def _render_citation(self, tokens, idx, options, env) -> str:
    return f'<sup class="citation" data-cite="{";".join(tokens[idx].meta["keys"])}"></sup>'


def _collect_citations(state: StateCore) -> None:
    """Record each citation with its source line (the block's line plus line breaks before it)."""
    uses: list[CitationUse] = state.env.setdefault("citations", [])
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] + 1 if token.map else 1
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "citation":
                uses.extend(CitationUse(key, line) for key in child.meta["keys"])


def _heading_ids(state: StateCore) -> None:
    """Turn a trailing `{#key}` on a heading into its id."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        last = inline.children[-1] if inline.children else None
        if last is None or last.type != "text":
            continue
        match = _HEADING_ID.search(last.content)
        if match:
            token.attrSet("id", match.group(1))
            last.content = last.content[: match.start()]
            inline.content = _HEADING_ID.sub("", inline.content)


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _is_safe_link
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.core.ruler.push("citation_lines", _collect_citations)
    md.core.ruler.push("heading_ids", _heading_ids)
    md.add_render_rule("citation", _render_citation)
    return md


_MARKDOWN = _build()


def render(text: str) -> Rendered:
    """Render Markdown to HTML with citation placeholders, and list the citations used."""
    env: dict = {}
    html = _MARKDOWN.render(text, env)
    return Rendered(html=html, citations=env.get("citations", []))


class CitationNumbering:
    """Number citations by first appearance across one page (Vancouver style)."""

    def __init__(self, anchor_prefix: str = "ref-") -> None:
        self.numbers: dict[str, int] = {}
        self.anchor_prefix = anchor_prefix

    def number(self, key: str) -> int:
        return self.numbers.setdefault(key, len(self.numbers) + 1)

    def _link(self, key: str) -> str:
        number = self.number(key)
        return f'<a href="#{self.anchor_prefix}{escape(key)}">{number}</a>'

    def apply(self, stored_html: str) -> Markup:
        """Replace the placeholders in stored HTML with numbered links to the reference list."""

        def replace(match: re.Match[str]) -> str:
            links = ",".join(self._link(key) for key in match.group(1).split(";"))
            return f'<sup class="citation">{links}</sup>'

        return Markup(_PLACEHOLDER.sub(replace, stored_html))  # noqa: S704 - our own renderer's output


def plain_text(html: str) -> str:
    """Return the text of stored HTML without tags or citation placeholders (for readability)."""
    return re.sub(r"<[^>]+>", " ", _PLACEHOLDER.sub("", html))
