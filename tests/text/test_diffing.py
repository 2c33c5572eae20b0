"""Diffs: lines first, words within rewritten lines, moves found, rendered escaped."""

import re

import pytest
from flask import render_template_string

from reviewapp.text.diffing import (
    DELETE,
    EQUAL,
    INSERT,
    MOVED,
    REPLACE,
    LineCounts,
    compare,
    fold,
    line_counts,
    line_diff,
    three_way,
    words_within,
)


def ops(old: str, new: str) -> list[tuple[str, str]]:
    return [(line.op, line.text) for line in line_diff(old, new)]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("a\nb", "a\nb", [(EQUAL, "a"), (EQUAL, "b")], id="identical"),
        pytest.param("", "Une ligne.", [(INSERT, "Une ligne.")], id="from nothing"),
        pytest.param("Une ligne.", "", [(DELETE, "Une ligne.")], id="to nothing"),
        pytest.param(
            "Premier.\nÀ retirer absolument.\nDernier.",
            "Premier.\nDernier.",
            [(EQUAL, "Premier."), (DELETE, "À retirer absolument."), (EQUAL, "Dernier.")],
            id="a removed line is a removed line",
        ),
        pytest.param(
            "Premier.\nDernier.",
            "Premier.\nNouveau paragraphe sans rapport.\nDernier.",
            [
                (EQUAL, "Premier."),
                (INSERT, "Nouveau paragraphe sans rapport."),
                (EQUAL, "Dernier."),
            ],
            id="an added line",
        ),
        pytest.param(
            "Alpha est là.\nBêta est ici.\nGamma reste.",
            "Bêta est ici.\nGamma reste.\nAlpha est là.",
            [
                (MOVED, "Alpha est là."),
                (EQUAL, "Bêta est ici."),
                (EQUAL, "Gamma reste."),
                (MOVED, "Alpha est là."),
            ],
            id="a moved line is moved, not deleted and inserted",
        ),
        pytest.param(
            "La décision est tracée.",
            "La décision après information est tracée.",
            [(REPLACE, "La décision après information est tracée.")],
            id="a rewritten line is one pair",
        ),
        pytest.param(
            "Le patient reçoit une information loyale.\n\nFin.",
            "Tout autre chose ici, vraiment.\n\nFin.",
            [
                (DELETE, "Le patient reçoit une information loyale."),
                (INSERT, "Tout autre chose ici, vraiment."),
                (EQUAL, ""),
                (EQUAL, "Fin."),
            ],
            id="unlike lines are not paired into word soup",
        ),
        pytest.param(
            "a\r\nb\r\n", "a\nb", [(EQUAL, "a"), (EQUAL, "b")], id="line endings do not count"
        ),
        pytest.param(
            "x\n\ny",
            "y\n\nx",
            [(MOVED, "y"), (INSERT, ""), (EQUAL, "x"), (DELETE, ""), (MOVED, "y")],
            id="blank lines never count as moved",
        ),
    ],
)
def test_line_diff(old, new, expected):
    assert ops(old, new) == expected


def test_moved_lines_say_where_they_went_and_came_from():
    lines = line_diff("Alpha.\nBêta.\nGamma.", "Bêta.\nGamma.\nAlpha.")
    away, here = lines[0], lines[-1]
    assert (away.old_number, away.moved_to, away.new_number) == (1, 3, None)
    assert (here.new_number, here.moved_from, here.old_number) == (3, 1, None)
    assert line_counts(lines) == LineCounts(moved=1)


@pytest.mark.parametrize(
    ("old", "new", "marked"),
    [
        pytest.param(
            "La décision est tracée.",
            "La décision après information est tracée.",
            [(INSERT, "après information")],
            id="inserted words, their spaces unmarked",
        ),
        pytest.param(
            "Le médecin prévient l'équipe.",
            "Le médecin informe l'équipe.",
            [(DELETE, "prévient"), (INSERT, "informe")],
            id="accented word replaced",
        ),
        pytest.param(
            "un deux trois quatre cinq",
            "un DEUX TROIS quatre cinq",
            [(DELETE, "deux trois"), (INSERT, "DEUX TROIS")],
            id="neighbouring changes read as one",
        ),
        pytest.param(
            "Il faut retirer cette phrase inutile. Et garder celle-ci.",
            "Il faut garder celle-ci.",
            [(DELETE, "retirer cette phrase inutile. Et")],
            id="deleted words",
        ),
        pytest.param("a  b", "a b", [(DELETE, "  "), (INSERT, " ")], id="whitespace stays visible"),
    ],
)
def test_words_within_a_rewritten_line(old, new, marked):
    (line,) = line_diff(old, new)
    assert line.op == REPLACE
    assert line.words == words_within(old, new)
    assert [(c.op, c.text) for c in line.words if c.op != EQUAL and not c.quiet] == marked
    # Each side reads back exactly: whitespace kept, nothing doubled.
    assert "".join(c.text for c in line.old_words) == old
    assert "".join(c.text for c in line.new_words) == new


def test_counts_and_identical():
    changed = compare("Titre", "un\ndeux\ntrois", "Titre", "un\ndeux bis\nquatre\ntrois")
    assert changed.counts == LineCounts(added=1, changed=1)
    assert not changed.heading_changed
    assert not changed.identical
    same = compare("Titre", "un", "Titre", "un")
    assert same.identical
    assert compare("Titre", "un", "Titre neuf", "un").heading_changed


def test_long_unchanged_runs_are_folded_but_kept():
    old = "\n".join(f"Ligne {n}." for n in range(1, 21))
    new = old.replace("Ligne 10.", "Ligne dix, réécrite.")
    lines = line_diff(old, new)
    stretches = fold(lines, context=2)
    assert [s.folded for s in stretches] == [True, False, True]
    assert sum(len(s.lines) for s in stretches) == len(lines)
    shown = stretches[1].lines
    assert [line.op for line in shown] == [EQUAL, EQUAL, REPLACE, EQUAL, EQUAL]


def test_three_way_lines_up_base_theirs_and_yours():
    base = "Intro.\nLa décision est tracée.\nMilieu.\nFin."
    theirs = "Intro.\nLa décision est tracée après information.\nMilieu.\nFin."
    yours = "Intro.\nLa décision est tracée.\nMilieu.\nFin, avec vos préférences."
    rows = three_way(base, theirs, yours)
    assert [row.who for row in rows] == ["nobody", "theirs", "nobody", "yours"]
    theirs_row = rows[1]
    assert theirs_row.base == ("La décision est tracée.",)
    (changed,) = theirs_row.theirs
    assert changed.op == REPLACE
    assert (INSERT, "après information") in [(c.op, c.text) for c in changed.words]
    assert [line.op for line in theirs_row.yours] == [EQUAL]
    assert rows[3].yours[0].new == "Fin, avec vos préférences."


def test_three_way_marks_the_same_change_on_both_sides():
    rows = three_way("a\nb", "a\nB changé", "a\nB changé")
    assert rows[-1].who == "both"
    assert rows[-1].same


def test_three_way_from_nothing_and_appended_lines():
    rows = three_way("", "Leur texte.", "Votre texte.")
    assert [row.who for row in rows] == ["both"]
    assert not rows[0].same
    tail = three_way("a", "a\nb", "a")
    assert [row.who for row in tail] == ["nobody", "theirs"]


def render(template: str, **context) -> str:
    return render_template_string('{% from "_diff.html" import ' + template, **context)


def test_rendering_escapes_every_piece_and_labels_changes(app):
    changes = compare(
        "<b>Titre</b>",
        "Le <script>alert(1)</script> reste.\nÀ supprimer & vite.",
        "<b>Titre</b> & co",
        "Le <script>alert(2)</script> reste.",
    )
    with app.test_request_context():
        html = render("show_diff %}{{ show_diff(d, lang='fr') }}", d=changes)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;Titre&lt;/b&gt;" in html
    assert "À supprimer &amp; vite." in html
    assert '<span class="visually-hidden">Removed line: </span>' in html
    assert '<span class="visually-hidden">[added: </span>' in html
    assert 'lang="fr"' in html


def test_rendering_adds_no_line_break_inside_a_line(app):
    # The old output put the template's own newlines inside <pre>: false line breaks.
    changes = compare("", "Une phrase modifiée ici.\nSuite.", "", "Une phrase changée ici.\nSuite.")
    with app.test_request_context():
        html = render("show_diff %}{{ show_diff(d) }}", d=changes)
    texts = re.findall(r'<span class="diff-text">(.*?)</span></div>', html, flags=re.S)
    assert texts, html
    assert all("\n" not in text for text in texts)
    marked = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    assert "Une phrase <del>modifiée</del> ici." in marked
    assert "Une phrase <ins>changée</ins> ici." in marked


def test_rendering_keeps_whitespace_and_shows_moves(app):
    changes = compare("", "  indenté\nAlpha.\nBêta.", "", "Bêta.\n  indenté\nAlpha.")
    with app.test_request_context():
        html = render("show_diff %}{{ show_diff(d) }}", d=changes)
        side = render("show_diff %}{{ show_diff(d, layout='side') }}", d=changes)
    assert '<span class="diff-text">  indenté</span>' in html
    assert "Moved here from line 3" in html
    assert "Moved from here to line 1" in html
    assert 'class="diff-view diff-side"' in side
    assert "Moved here from line 3" in side


def test_three_way_renders_three_labelled_columns(app):
    rows = three_way("a\nb <i>", "a\nb <i> theirs", "a\nb <i> yours")
    with app.test_request_context():
        html = render(
            "three_way %}{{ three_way(rows, base_title='Base', theirs_title='V2', "
            "yours_title='Yours') }}",
            rows=rows,
        )
    assert "<i>" not in html
    assert html.count('class="three-way-cell"') == 3
    assert "V2: changed" in html
    assert "Yours: changed" in html
    assert "Same in all three" in html


def test_a_huge_rewrite_pairs_by_position_and_only_alike_lines():
    old = "\n".join(f"Ancienne ligne numéro {n} du texte." for n in range(60))
    new = "\n".join(
        f"Ancienne ligne numéro {n} du texte revu." if n % 2 else f"Tout autre chose {n}."
        for n in range(60)
    )
    lines = line_diff(old, new)
    assert line_counts(lines) == LineCounts(added=30, removed=30, changed=30)
