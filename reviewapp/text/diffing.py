"""Differences between two texts: line by line first, then word by word inside changed lines.

`line_diff(old, new)` answers with one `DiffLine` per line shown. A line deleted in one place
and inserted unchanged in another is "moved" (shown at both places), never a delete plus an
insert. Lines that changed are paired by likeness, and each pair carries its word changes.
`three_way(base, theirs, yours)` lines up two texts that both grew from one base.
Everything here is plain text: templates/_diff.html renders it, escaping every piece.
"""

import difflib
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field

_TOKENS = re.compile(r"\s+|[^\s]+")
# Inside a rewritten line punctuation is a token of its own: "tracée<ins> après</ins>."
_FINE_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
_LINE_BREAKS = re.compile(r"\r\n|\r")

EQUAL, INSERT, DELETE, REPLACE, MOVED = "equal", "insert", "delete", "replace", "moved"

# Below this likeness (0 to 1, on words) a deleted and an inserted line are two changes, not
# one line rewritten: pairing them would show word soup.
PAIRING_CUTOFF = 0.5
# Pairing compares every deleted line of a block with every inserted one: past this many
# comparisons, only lines in the same position are compared.
PAIRING_BUDGET = 1_600


@dataclass(frozen=True)
class Change:
    op: str  # "equal", "insert" or "delete"
    text: str
    # Whitespace at the edge of a change belongs to one side only but is not worth a mark:
    # "décision <ins>après information</ins> est" needs one inserted space nobody should see.
    quiet: bool = False


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison, numbered in the old text, the new text, or both.

    `op` is "equal", "insert", "delete", "replace" (`words` holds the changes inside the
    line) or "moved": the line left `old_number` for `moved_to` in the new text, or arrived
    at `new_number` from `moved_from` in the old one.
    """

    op: str
    old: str | None = None
    new: str | None = None
    old_number: int | None = None
    new_number: int | None = None
    words: tuple[Change, ...] = ()
    moved_from: int | None = None
    moved_to: int | None = None

    @property
    def text(self) -> str:
        return self.new if self.new is not None else (self.old or "")

    @property
    def blank(self) -> bool:
        """Whether the line is empty: a blank line only separates paragraphs."""
        return not self.text.strip()

    @property
    def old_words(self) -> tuple[Change, ...]:
        """The old side of a replaced line: equal and deleted words."""
        return tuple(change for change in self.words if change.op != INSERT)

    @property
    def new_words(self) -> tuple[Change, ...]:
        """The new side of a replaced line: equal and inserted words."""
        return tuple(change for change in self.words if change.op != DELETE)


@dataclass(frozen=True)
class LineCounts:
    added: int = 0
    removed: int = 0
    changed: int = 0
    moved: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.moved)


def split_lines(text: str) -> list[str]:
    """Return the lines of `text`, whatever its line endings, without them."""
    if not text:
        return []
    return _LINE_BREAKS.sub("\n", text).removesuffix("\n").split("\n")


def word_diff(old: str, new: str, tokens: re.Pattern = _TOKENS) -> list[Change]:
    """Return the changes that turn `old` into `new`, word by word (whitespace kept)."""
    a, b = tokens.findall(old), tokens.findall(new)
    changes: list[Change] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.append(Change(EQUAL, "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            changes.append(Change(DELETE, "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            changes.append(Change(INSERT, "".join(b[j1:j2])))
    return changes


def words_within(old: str, new: str) -> tuple[Change, ...]:
    """Return the word changes inside one rewritten line: neighbouring changes read as one,
    and the spaces at a change's edges are `quiet`, so that marks cover words only."""
    pieces: list[Change] = []
    for change in _regroup(word_diff(old, new, _FINE_TOKENS)):
        core = change.text.strip()
        if change.op == EQUAL or not core:  # a change of whitespace alone stays marked
            pieces.append(change)
            continue
        start = change.text.index(core[0])
        lead, trail = change.text[:start], change.text[start + len(core) :]
        if lead:
            pieces.append(Change(change.op, lead, quiet=True))
        pieces.append(Change(change.op, core))
        if trail:
            pieces.append(Change(change.op, trail, quiet=True))
    return tuple(pieces)


def _regroup(pieces: list[Change]) -> list[Change]:
    """Join changes separated by nothing but spaces into one deletion and one insertion:
    "<del>a</del><ins>b</ins> <del>c</del><ins>d</ins>" reads as "<del>a c</del><ins>b d</ins>"."""
    grouped: list[Change] = []
    index = 0
    while index < len(pieces):
        if pieces[index].op == EQUAL:
            grouped.append(pieces[index])
            index += 1
            continue
        deleted, inserted, end = [], [], index
        while end < len(pieces):
            piece = pieces[end]
            if piece.op == DELETE:
                deleted.append(piece.text)
            elif piece.op == INSERT:
                inserted.append(piece.text)
            elif (
                not piece.text.strip()
                and end + 1 < len(pieces)
                and pieces[end + 1].op != EQUAL
                and deleted
                and inserted
            ):
                deleted.append(piece.text)
                inserted.append(piece.text)
            else:
                break
            end += 1
        if deleted:
            grouped.append(Change(DELETE, "".join(deleted)))
        if inserted:
            grouped.append(Change(INSERT, "".join(inserted)))
        index = end
    return grouped


def _words(line: str) -> list[str]:
    return [token for token in _FINE_TOKENS.findall(line) if not token.isspace()]


def _likeness_table(old_lines: dict[int, str], new_lines: dict[int, str]):
    """Return the likeness (0 to 1, on words) of every old line with every new line, each
    line cut into words once and each new line's index built once."""
    old_words = {i: _words(line) for i, line in old_lines.items()}
    table: dict[tuple[int, int], float] = {}
    matcher = difflib.SequenceMatcher(autojunk=False)
    for j, line in new_lines.items():
        matcher.set_seq2(_words(line))
        for i, words in old_words.items():
            matcher.set_seq1(words)
            # The quick upper bounds first: most pairs of a rewrite are nothing alike.
            table[i, j] = (
                matcher.ratio()
                if words
                and matcher.b
                and matcher.real_quick_ratio() >= PAIRING_CUTOFF
                and matcher.quick_ratio() >= PAIRING_CUTOFF
                else 0.0
            )
    return table


def line_diff(old: str, new: str) -> list[DiffLine]:
    """Compare two texts line by line, with moved lines found and rewritten lines paired."""
    a, b = split_lines(old), split_lines(new)
    blocks = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    moved_to, moved_from = _moves(a, b, blocks)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in blocks:
        if tag == "equal":
            lines.extend(
                DiffLine(EQUAL, a[i], b[j], i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        else:
            lines.extend(_changed_block(a, b, i1, i2, j1, j2, moved_to, moved_from))
    return lines


def _moves(a: list[str], b: list[str], blocks) -> tuple[dict[int, int], dict[int, int]]:
    """Pair each deleted line with an identical line inserted in another block."""
    inserted: dict[str, deque[tuple[int, int]]] = defaultdict(deque)
    for block, (tag, _, _, j1, j2) in enumerate(blocks):
        if tag in ("insert", "replace"):
            for j in range(j1, j2):
                if b[j].strip():  # blank lines come and go: their moves say nothing
                    inserted[b[j]].append((block, j))
    moved_to: dict[int, int] = {}
    for block, (tag, i1, i2, _, _) in enumerate(blocks):
        if tag not in ("delete", "replace"):
            continue
        for i in range(i1, i2):
            candidates = inserted.get(a[i])
            if not candidates:
                continue
            for place, (other_block, j) in enumerate(candidates):
                if other_block != block:
                    del candidates[place]
                    moved_to[i] = j
                    break
    return moved_to, {j: i for i, j in moved_to.items()}


def _changed_block(a, b, i1, i2, j1, j2, moved_to, moved_from) -> list[DiffLine]:
    if (i2 - i1) * (j2 - j1) > PAIRING_BUDGET:
        pairs = [
            (i, j)
            for i, j in zip(range(i1, i2), range(j1, j2), strict=False)
            if i not in moved_to
            and j not in moved_from
            and _likeness_table({i: a[i]}, {j: b[j]})[i, j] >= PAIRING_CUTOFF
        ]
    else:
        likeness = _likeness_table(
            {i: a[i] for i in range(i1, i2) if i not in moved_to},
            {j: b[j] for j in range(j1, j2) if j not in moved_from},
        )
        pairs = _pairs(likeness, i1, i2, j1, j2)
    lines: list[DiffLine] = []
    i, j = i1, j1
    for pi, pj in [*pairs, (i2, j2)]:
        lines.extend(_unpaired(a, b, range(i, pi), range(j, pj), moved_to, moved_from))
        if pi < i2:
            lines.append(
                DiffLine(REPLACE, a[pi], b[pj], pi + 1, pj + 1, words_within(a[pi], b[pj]))
            )
        i, j = pi + 1, pj + 1
    return lines


def _pairs(likeness: dict[tuple[int, int], float], i1, i2, j1, j2) -> list[tuple[int, int]]:
    """Pair the most alike deleted and inserted lines, in order (as difflib.Differ does);
    `likeness` holds every pair's, computed once (moved lines have none)."""
    best, best_ratio = None, 0.0
    for j in range(j1, j2):
        for i in range(i1, i2):
            ratio = likeness.get((i, j), 0.0)
            if ratio >= PAIRING_CUTOFF and ratio > best_ratio:
                best, best_ratio = (i, j), ratio
    if best is None:
        return []
    i, j = best
    return [
        *_pairs(likeness, i1, i, j1, j),
        best,
        *_pairs(likeness, i + 1, i2, j + 1, j2),
    ]


def _unpaired(a, b, old_range, new_range, moved_to, moved_from) -> list[DiffLine]:
    lines = [
        DiffLine(MOVED, old=a[i], old_number=i + 1, moved_to=moved_to[i] + 1)
        if i in moved_to
        else DiffLine(DELETE, old=a[i], old_number=i + 1)
        for i in old_range
    ]
    lines += [
        DiffLine(MOVED, new=b[j], new_number=j + 1, moved_from=moved_from[j] + 1)
        if j in moved_from
        else DiffLine(INSERT, new=b[j], new_number=j + 1)
        for j in new_range
    ]
    return lines


@dataclass(frozen=True)
class Stretch:
    """Lines shown together: a run of unchanged lines far from any change is `folded`."""

    lines: tuple[DiffLine, ...]
    folded: bool = False


def fold(lines: list[DiffLine], context: int = 2, at_least: int = 6) -> list[Stretch]:
    """Split lines into stretches, folding each run of `at_least` unchanged lines or more
    but the `context` lines next to a change, so that the changes stand out."""
    stretches: list[Stretch] = []
    run: list[DiffLine] = []

    def close_run(at_start: bool, at_end: bool) -> None:
        keep_before = 0 if at_start else context
        keep_after = 0 if at_end else context
        if len(run) - keep_before - keep_after >= at_least:
            if keep_before:
                _extend(stretches, run[:keep_before])
            stretches.append(Stretch(tuple(run[keep_before : len(run) - keep_after]), True))
            if keep_after:
                stretches.append(Stretch(tuple(run[len(run) - keep_after :])))
        elif run:
            _extend(stretches, run)
        run.clear()

    for line in lines:
        if line.op == EQUAL:
            run.append(line)
            continue
        close_run(at_start=not stretches, at_end=False)
        _extend(stretches, [line])
    close_run(at_start=not stretches, at_end=True)
    return stretches


def _extend(stretches: list[Stretch], lines: list[DiffLine]) -> None:
    if stretches and not stretches[-1].folded:
        stretches[-1] = Stretch(stretches[-1].lines + tuple(lines))
    else:
        stretches.append(Stretch(tuple(lines)))


def line_counts(lines: list[DiffLine]) -> LineCounts:
    """Count the lines added, removed, rewritten and moved (a move counts once); blank lines,
    which only separate paragraphs, are not counted."""
    ops = [
        line.op
        for line in lines
        if (line.op != MOVED or line.new_number is not None)
        and (line.op == REPLACE or line.text.strip())
    ]
    return LineCounts(
        added=ops.count(INSERT),
        removed=ops.count(DELETE),
        changed=ops.count(REPLACE),
        moved=ops.count(MOVED),
    )


@dataclass(frozen=True)
class ThreeWayRow:
    """A stretch of the base and what each side made of it.

    `who` says which side changed it: "nobody", "theirs", "yours", or "both" (the same
    change when `same`). `theirs` and `yours` compare the stretch of the base with each side.
    """

    who: str
    base: tuple[str, ...]
    theirs: tuple[DiffLine, ...] = ()
    yours: tuple[DiffLine, ...] = ()
    same: bool = False

    @property
    def blank(self) -> bool:
        """Whether nobody changed it and it holds only blank lines: nothing worth a row."""
        return self.who == "nobody" and not any(line.strip() for line in self.base)


def three_way(base: str, theirs: str, yours: str) -> list[ThreeWayRow]:
    """Line up two texts grown from one base: stretches all three share, then each stretch
    one side or both changed, side by side (the way diff3 splits its chunks)."""
    b, t, y = split_lines(base), split_lines(theirs), split_lines(yours)
    in_theirs, in_yours = _matched(b, t), _matched(b, y)
    rows: list[ThreeWayRow] = []
    i = jt = jy = 0
    while i < len(b) or jt < len(t) or jy < len(y):
        if i < len(b) and in_theirs.get(i) == jt and in_yours.get(i) == jy:
            start = i
            while i < len(b) and in_theirs.get(i) == jt and in_yours.get(i) == jy:
                i, jt, jy = i + 1, jt + 1, jy + 1
            rows.append(ThreeWayRow("nobody", tuple(b[start:i])))
            continue
        k = i
        while k < len(b) and not (
            k in in_theirs and k in in_yours and in_theirs[k] >= jt and in_yours[k] >= jy
        ):
            k += 1
        end_t = in_theirs[k] if k < len(b) else len(t)
        end_y = in_yours[k] if k < len(b) else len(y)
        rows.append(_chunk(b[i:k], t[jt:end_t], y[jy:end_y]))
        i, jt, jy = k, end_t, end_y
    return rows


def _matched(a: list[str], b: list[str]) -> dict[int, int]:
    """Map each line of `a` that `b` kept unchanged to its index in `b`."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return {
        block.a + offset: block.b + offset
        for block in matcher.get_matching_blocks()
        for offset in range(block.size)
    }


def _chunk(base: list[str], theirs: list[str], yours: list[str]) -> ThreeWayRow:
    text = "\n".join(base)
    they_changed, you_changed = theirs != base, yours != base
    who = (
        "both"
        if they_changed and you_changed
        else "theirs"
        if they_changed
        else "yours"
        if you_changed
        else "nobody"
    )
    return ThreeWayRow(
        who,
        tuple(base),
        tuple(line_diff(text, "\n".join(theirs))),
        tuple(line_diff(text, "\n".join(yours))),
        same=they_changed and theirs == yours,
    )


def summary(changes: list[Change]) -> dict[str, int]:
    """Count the words inserted and deleted."""
    counts = {"inserted_words": 0, "deleted_words": 0}
    for change in changes:
        words = len(change.text.split())
        if change.op == INSERT:
            counts["inserted_words"] += words
        elif change.op == DELETE:
            counts["deleted_words"] += words
    return counts


@dataclass(frozen=True)
class TextDiff:
    """A heading (one line, word by word) and a body (line by line) compared."""

    heading: tuple[Change, ...]
    lines: list[DiffLine]
    counts: LineCounts
    words: dict[str, int] = field(default_factory=dict)

    @property
    def heading_changed(self) -> bool:
        return any(change.op != EQUAL for change in self.heading)

    @property
    def identical(self) -> bool:
        return not self.heading_changed and not self.counts.any

    @property
    def stretches(self) -> list[Stretch]:
        return fold(self.lines)


def compare(old_heading: str, old_body: str, new_heading: str, new_body: str) -> TextDiff:
    """Compare a heading and body with another: what every diff on the site shows."""
    lines = line_diff(old_body, new_body)
    return TextDiff(
        heading=words_within(old_heading, new_heading),
        lines=lines,
        counts=line_counts(lines),
        words=summary(word_diff(old_body, new_body)),
    )
