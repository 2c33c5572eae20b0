"""The Markdown module: safe HTML, heading ids, citations with their lines."""

import pytest

from reviewapp.text.markdown import CitationNumbering, plain_text, render


def test_raw_html_is_escaped():
    html = render('<script>alert("x")</script>\n\n<b onclick="x()">b</b>').html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<b " not in html


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://example.org/a", True),
        ("http://example.org", True),
        ("mailto:editor@example.org", True),
        ("/relative/page", True),
        ("#ref-1", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("vbscript:msgbox(1)", False),
        ("data:text/html,<b>x</b>", False),
        ("file:///etc/passwd", False),
    ],
)
def test_only_safe_link_schemes_become_links(link, kept):
    html = render(f"[text]({link})").html
    assert ("<a href=" in html) is kept


def test_heading_id_from_key_and_tables():
    html = render("#### Détail {#detail-cle}\n\n| a | b |\n|---|---|\n| 1 | 2 |").html
    assert '<h4 id="detail-cle">Détail</h4>' in html
    assert "<table>" in html
    assert "<td>2</td>" in html


def test_citations_are_collected_with_lines_in_order_of_first_use():
    rendered = render("Un [@b]\ndeux [@a; @b]\n\n- trois [@c]")
    assert [(use.key, use.line) for use in rendered.citations] == [
        ("b", 1),
        ("a", 2),
        ("b", 2),
        ("c", 4),
    ]
    assert rendered.cited_keys == ["b", "a", "c"]


def test_citation_syntax_inside_code_is_left_alone():
    rendered = render("`[@not-a-citation]`")
    assert rendered.citations == []
    assert "[@not-a-citation]" in rendered.html


def test_numbering_is_shared_across_fragments_and_keeps_numbers():
    numbering = CitationNumbering()
    first = numbering.apply(render("A [@x] B [@y]").html)
    second = numbering.apply(render("C [@y; @z]").html)
    assert '<a href="#ref-x">1</a>' in first
    assert '<a href="#ref-y">2</a>' in first
    assert '<sup class="citation"><a href="#ref-y">2</a>,<a href="#ref-z">3</a></sup>' in second


def test_typed_placeholder_text_is_not_a_citation():
    html = render('<sup class="citation" data-cite="x"></sup>').html
    numbered = CitationNumbering().apply(html)
    assert 'href="#ref-x"' not in numbered


def test_plain_text_drops_tags_and_placeholders():
    assert plain_text(render("**Gras** [@x] texte").html).split() == ["Gras", "texte"]


def test_no_space_is_left_before_a_citation():
    html = render("du patient [@x].").html
    assert 'patient<sup class="citation"' in html
