"""Waiting work is the newest version of a chain in an open state: a version with changes
requested stops waiting once its author submits the next one, and every page that lists or
counts waiting work reads it through its own index, whatever the history."""

import re

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm import aliased

from benchmarks.seed import PASSWORD as BENCH_PASSWORD
from benchmarks.seed import seed, seed_catalogue
from reviewapp.domain import part_chains
from reviewapp.domain.engine import transition
from reviewapp.domain.parts import submit_part
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Section, User, Version
from reviewapp.rules.states import Action, Audience, Role, State

C = Audience.CLINICIAN


def section(key: str = "s1") -> Section:
    return db.session.scalar(select(Section).where(Section.key == key))


def cards(page: str) -> list[str]:
    """Return the text of each version card of the queue's main list."""
    start = page.index('id="queue-heading"')
    main = page[start : page.find("</section>", start)]
    return re.findall(r'<li class="queue-card[^"]*">(.*?)</li>', main, re.S)


def successors_out_of_step() -> list:
    """Return the versions whose successor is not the next version of their chain."""
    later = aliased(Version)
    following = (
        select(later.id)
        .where(later.chain == Version.chain, later.number > Version.number)
        .order_by(later.number)
        .limit(1)
        .scalar_subquery()
    )
    return db.session.execute(
        select(Version.chain, Version.number, Version.successor_id, following).where(
            Version.successor_id.is_distinct_from(following)
        )
    ).all()


def test_changes_requested_wait_on_the_author_only_until_the_next_version(
    client, login, make_article, contributor, editor
):
    make_article()
    first = latest_version(section(), C)
    transition(editor, first, Action.START_REVIEW)
    transition(editor, first, Action.REQUEST_CHANGES, "Citer la source.")
    db.session.commit()
    login(editor)
    asked = client.get("/review/?state=changes_requested").text
    assert len(cards(asked)) == 1
    assert "Changes requested" in cards(asked)[0]
    login(contributor)
    own = client.get("/review/").text
    assert 'Your versions with changes requested <span class="count">(1)</span>' in own

    second = submit_version(
        contributor,
        section(),
        C,
        heading="Section 1",
        body="Texte révisé [@ref-1].",
        base_version_id=first.id,
    )
    db.session.commit()
    db.session.expire_all()
    # The old version keeps its state, its record; it names what answered it.
    answered = db.session.get(Version, first.id)
    assert answered.workflow_state is State.CHANGES_REQUESTED
    assert answered.successor_id == second.id
    assert db.session.get(Version, second.id).successor_id is None
    own = client.get("/review/").text
    assert 'Your versions with changes requested <span class="count">(0)</span>' in own
    login(editor)
    assert (
        "Nothing waits that matches these filters."
        in client.get("/review/?state=changes_requested").text
    )
    waiting = client.get("/review/?kind=wording&audience=clinician").text
    assert "Showing 1 to 4 of 4" in waiting  # s1's second version, the summary, s2 and s3
    assert "(s1)</span>, version 2" in cards(waiting)[-1]
    assert successors_out_of_step() == []


def test_every_kind_of_part_names_its_successor(app, contributor, editor):
    part = part_chains.site_text_part("editorial_policy")
    first = submit_part(
        contributor, part, {"key": "editorial_policy", "text": "Politique."}, base_version_id=None
    )
    transition(editor, first, Action.START_REVIEW)
    transition(editor, first, Action.REQUEST_CHANGES, "Plus court.")
    second = submit_part(
        contributor,
        part,
        {"key": "editorial_policy", "text": "Politique brève."},
        base_version_id=first.id,
        change_summary="Raccourcie.",
    )
    # A pending one is superseded and names its successor too.
    third = submit_part(
        contributor,
        part,
        {"key": "editorial_policy", "text": "Politique très brève."},
        base_version_id=second.id,
        change_summary="Encore.",
    )
    db.session.commit()
    assert (first.successor_id, second.successor_id, third.successor_id) == (
        second.id,
        third.id,
        None,
    )
    assert second.workflow_state is State.SUPERSEDED
    assert successors_out_of_step() == []


def test_seeded_benchmark_data_names_successors_as_the_domain_does(app):
    seed_catalogue(3, 5, batch=3)
    seed(sections=2, versions=3)
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).where(Version.successor_id.is_not(None)))
    assert successors_out_of_step() == []


# --- the waiting index answers every page that reads waiting work -----------------------------

WAITING_INDEX = "ix_version_waiting"
EDITOR_PAGES = [
    "/review/",
    "/review/?page=2",
    "/review/?sort=newest",
    "/review/?state=changes_requested",
    "/review/?state=awaiting_signoff&kind=wording&audience=clinician",
    "/review/?assignee=unassigned",
    "/review/?overdue=y",
    "/review/?article=cat-1",
]


def _statements_reading_waiting_work(client, url: str) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        if "successor_id IS NULL AND version.state IN (" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return seen


def _forced_through_the_waiting_index(statement: str) -> str:
    # The waiting condition follows the version table it is asked of: SQLite refuses the
    # query ("no query solution") when the index's condition cannot answer it.
    forced, found = re.subn(
        r"FROM version\s+WHERE version\.successor_id IS NULL AND version\.state IN \(",
        f"FROM version INDEXED BY {WAITING_INDEX} "
        "WHERE version.successor_id IS NULL AND version.state IN (",
        statement,
    )
    assert found, statement
    return forced


@pytest.mark.parametrize(("who", "urls"), [("editor", EDITOR_PAGES), ("board1", ["/board/"])])
def test_pages_of_waiting_work_can_read_it_from_its_index_alone(app, client, login, who, urls):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's INDEXED BY proves the partial index answers the query")
    seed_catalogue(20, 4, batch=20)
    db.session.commit()
    login(
        db.session.scalar(select(User).where(User.email == f"bench-{who}@example.org")),
        BENCH_PASSWORD,
    )
    connection = db.session.connection()
    for url in urls:
        statements = _statements_reading_waiting_work(client, url)
        assert statements, url
        for statement, parameters in statements:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + _forced_through_the_waiting_index(statement), parameters
            ).all()
            assert any(WAITING_INDEX in row[-1] for row in plan), (url, plan)
    # The index holds waiting work alone: 20 articles × 4 waiting versions.
    held = connection.execute(
        text(
            "SELECT count(*) FROM version INDEXED BY ix_version_waiting "
            "WHERE successor_id IS NULL AND "
            "state IN ('submitted', 'under_review', 'changes_requested', 'awaiting_signoff')"
        )
    ).scalar()
    assert held == 80


def test_board_home_lists_and_counts_by_what_the_member_may_do(
    client, login, make_article, make_user, editor, board_members
):
    make_article()
    versions = [latest_version(section(key), C) for key in ("s1", "s2", "s3")]
    reviewer = make_user(Role.EDITOR, Role.BOARD, name="Dr Both Roles")
    for version in versions:
        transition(reviewer if version is versions[0] else editor, version, Action.START_REVIEW)
        transition(reviewer if version is versions[0] else editor, version, Action.APPROVE)
    db.session.commit()
    login(reviewer)
    page = client.get("/board/").text
    assert "Needs your signature (2)" in page
    assert "Awaiting other members: you may not sign these (1)" in page
    assert "You reviewed it as an editor or commented during its review." in page
    # The header counts by the same rule as the page's first list.
    assert re.search(r'Board <span class="nav-count">2<', page)
    assert re.search(r'Board <span class="nav-count">2<', client.get("/review/").text)
