"""What the board reads before signing: the chain's whole conversation, the references that
changed since the published wording, and the board's home split by what each member can do."""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from reviewapp.domain import part_chains, signatures
from reviewapp.extensions import db
from reviewapp.models import Article, Signoff, User, Version
from reviewapp.readmodels.history import TimelineEntry
from reviewapp.readmodels.review_queue import awaiting_signoff, without_texts
from reviewapp.rules.states import Action

# What a trace row says happened, in the past tense. Signatures and objections have rows of
# their own, with more to say: their trace rows are not repeated.
DECISIONS = {
    Action.START_REVIEW.value: "Started the review",
    Action.REQUEST_CHANGES.value: "Requested changes",
    Action.REJECT.value: "Rejected",
    Action.APPROVE.value: "Approved (editor)",
    Action.QUORUM.value: "Board quorum reached: approved",
    Action.SUPERSEDE.value: "Superseded by a newer version",
}
OWN_ROWS = {Action.SIGN.value, Action.OBJECT.value}


@dataclass(frozen=True)
class Said:
    """One thing said or decided about a version of the chain."""

    at: datetime
    kind: str  # "comment", "decision", "signature" or "objection"
    who: str
    version: Version
    what: str  # the decision, or the signature's meaning
    text: str = ""  # the comment, the decision's comment, the objection's reason
    resolved: bool = False


def conversation(entries: list[TimelineEntry]) -> list[Said]:
    """Return every comment, decision, signature and objection of a chain, oldest first."""
    said: list[Said] = []
    for entry in entries:
        version = entry.version
        for step in entry.transitions:
            if step.action in OWN_ROWS:
                continue
            what = DECISIONS.get(step.action, step.action.replace("_", " ").capitalize())
            who = step.actor.printed_name
            said.append(Said(step.created_at, "decision", who, version, what, step.comment))
        for comment in entry.comments:
            said.append(
                Said(
                    comment.created_at,
                    "comment",
                    comment.author.printed_name,
                    version,
                    "Comment",
                    comment.body,
                    resolved=comment.resolved_at is not None,
                )
            )
        for signoff in entry.signoffs:
            said.append(
                Said(signoff.signed_at, "signature", signoff.printed_name, version, signoff.meaning)
            )
        for objection in entry.objections:
            said.append(
                Said(
                    objection.objected_at,
                    "objection",
                    objection.printed_name,
                    version,
                    "Objected",
                    objection.reason,
                )
            )
    order = {"decision": 0, "comment": 1, "signature": 2, "objection": 3}
    return sorted(said, key=lambda item: (item.at, item.version.number, order[item.kind]))


@dataclass(frozen=True)
class CitedVersion:
    version_id: int | None
    number: int | None
    approved: bool


@dataclass(frozen=True)
class ReferenceChange:
    """A reference whose cited version differs from the one the published wording binds."""

    key: str
    change: str  # "changed", "added" or "removed"
    before: CitedVersion | None
    now: CitedVersion | None


def reference_changes(
    version: Version, published: Version | None, published_signoffs: list[Signoff]
) -> list[ReferenceChange]:
    """Compare the references this wording cites, as its signature would bind them now, with
    those the published wording's newest signature bound (or merely cited, unsigned)."""
    now = {cited["key"]: cited for cited in part_chains.cited_reference_versions(version)}
    if published is None or published.id == version.id:
        return []
    signed = [signoff for signoff in published_signoffs if signoff.cited_references]
    if signed:
        newest = max(signed, key=lambda signoff: (signoff.signed_at, signoff.id))
        before = {cited["key"]: cited for cited in json.loads(newest.cited_references)}
    else:
        before = {c.reference.key: {"key": c.reference.key} for c in published.citations}
    numbers = _numbers(
        [c["version_id"] for c in before.values() if c.get("version_id") and "number" not in c]
    )

    def shown(cited: dict[str, Any]) -> CitedVersion:
        version_id = cited.get("version_id")
        number = cited.get("number", numbers.get(version_id))
        return CitedVersion(version_id, number, bool(cited.get("approved", version_id)))

    changes = []
    for key, cited in now.items():
        if key not in before:
            changes.append(ReferenceChange(key, "added", None, shown(cited)))
        elif "version_id" in before[key] and before[key]["version_id"] != cited["version_id"]:
            changes.append(ReferenceChange(key, "changed", shown(before[key]), shown(cited)))
    changes += [
        ReferenceChange(key, "removed", shown(cited), None)
        for key, cited in before.items()
        if key not in now
    ]
    return changes


def _numbers(version_ids: list[int]) -> dict[int, int]:
    if not version_ids:
        return {}
    rows = db.session.execute(select(Version.id, Version.number).where(Version.id.in_(version_ids)))
    return {row.id: row.number for row in rows}


@dataclass(frozen=True)
class Awaiting:
    version: Version
    article: Article | None
    required: int
    signatures: list[Signoff]
    why_not: str | None = None  # why this member may not sign it


# Each of the board home's lists shows the versions waiting longest; its heading counts all.
SHOWN_PER_LIST = 50


@dataclass(frozen=True)
class WaitingList:
    rows: list[Awaiting]
    total: int


@dataclass(frozen=True)
class BoardHome:
    needs_you: WaitingList
    signed_by_you: WaitingList
    not_yours: WaitingList


def board_home(member: User) -> BoardHome:
    """Split the versions awaiting sign-off by what `member` can do: each list's count and
    its oldest versions, in three queries whatever the catalogue holds."""
    # Each awaiting version is placed in one list, its signatures and review asked once, in
    # the order they wait (ix_version_waiting's); the database counts each list and keeps its
    # oldest, so only the rows shown leave it. "needs" is what the header counts
    # (review_queue.awaiting_signature_of).
    list_name = case(
        (signatures.signed_by(member.id), "signed"),
        (signatures.independent_of(member.id), "needs"),
        else_="not_yours",
    ).label("list_name")
    placed = (
        select(Version.id, list_name, Version.state_changed_at).where(awaiting_signoff()).subquery()
    )
    in_list = (placed.c.list_name,)
    ranked = select(
        placed.c.id,
        placed.c.list_name,
        func.row_number()
        .over(partition_by=in_list, order_by=(placed.c.state_changed_at, placed.c.id))
        .label("place"),
        func.count().over(partition_by=in_list).label("total"),
    ).subquery()
    totals: Counter[str] = Counter()
    oldest: dict[str, list[int]] = {name: [] for name in ("needs", "signed", "not_yours")}
    for version_id, name, total in db.session.execute(
        select(ranked.c.id, ranked.c.list_name, ranked.c.total)
        .where(ranked.c.place <= SHOWN_PER_LIST)
        .order_by(ranked.c.list_name, ranked.c.place)
    ):
        totals[name] = total
        oldest[name].append(version_id)
    shown_ids = [version_id for ids in oldest.values() for version_id in ids]
    loaded = {}
    if shown_ids:
        loaded = {
            version.id: (version, article)
            for version, article in db.session.execute(
                select(Version, Article)
                .outerjoin(Article, Article.id == Version.article_id)
                .where(Version.id.in_(shown_ids))
                # Wording names its section: loaded in the same query, not one query per row.
                .options(joinedload(Version.section), *without_texts())
            )
        }
    rows = {name: [loaded[version_id] for version_id in ids] for name, ids in oldest.items()}
    counted = signatures.counting_signoffs([v.id for found in rows.values() for v, _ in found])

    def waiting(name: str, total: int) -> WaitingList:
        shown = []
        for version, article in rows[name]:
            why = None
            if name == "not_yours":
                why = (
                    "You wrote it."
                    if version.author_id == member.id
                    else "You reviewed it as an editor or commented during its review."
                )
            required = part_chains.required_signoffs(version)
            shown.append(Awaiting(version, article, required, counted[version.id], why))
        return WaitingList(shown, total)

    return BoardHome(
        needs_you=waiting("needs", totals["needs"]),
        signed_by_you=waiting("signed", totals["signed"]),
        not_yours=waiting("not_yours", totals["not_yours"]),
    )
