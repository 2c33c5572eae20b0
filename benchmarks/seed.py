"""Large articles with deep history, built quickly for benchmarks.

Run as `.venv/bin/python benchmarks/seed.py --sections N --versions M --events K` against the
database the app is configured for (DATABASE_URL), or import `seed_article` / `seed_events`.
"""

import random
import time
from datetime import timedelta
from types import SimpleNamespace

import click
from sqlalchemy import func, insert, select, text, update

from reviewapp.domain.audit import event_hash, index_subjects
from reviewapp.domain.declarations import declare, keeps_declaration
from reviewapp.domain.users import create_user
from reviewapp.extensions import db
from reviewapp.models import (
    Article,
    ArticleAuthor,
    AuditEvent,
    Reference,
    Section,
    Signoff,
    User,
    Version,
    VersionCitation,
    VersionTransition,
)
from reviewapp.models.audit import GENESIS_HASH
from reviewapp.models.version import article_chain, wording_chain
from reviewapp.rules import parts
from reviewapp.rules.clock import utcnow
from reviewapp.rules.declarations import InterestKind
from reviewapp.rules.hashing import content_hash
from reviewapp.rules.states import Action, Audience, Kind, PublicationPolicy, Role, State
from reviewapp.text import markdown

PASSWORD = "benchmark-password"  # noqa: S105 - throwaway accounts for local benchmarks
PARAGRAPHS = [
    "Le traitement repose sur une approche multimodale [@ref-{a}], adaptée au type histologique "
    "et à l'état général du patient [@ref-{b}; @ref-{c}].",
    "- Évaluer la réponse après 2 à 3 mois [@ref-{a}]\n- Surveiller la fonction hépatique\n"
    "- Adapter la dose selon la tolérance [@ref-{b}]",
    "| Situation | Conduite |\n|---|---|\n"
    "| PS 0-1 | Doublet [@ref-{c}] |\n| PS ≥2 | Monothérapie |",
]


def _accounts() -> dict[str, User]:
    people = {}
    for key, roles in (
        ("contributor", [Role.CONTRIBUTOR]),
        ("editor", [Role.EDITOR]),
        ("board1", [Role.BOARD]),
        ("board2", [Role.BOARD]),
    ):
        email = f"bench-{key}@example.org"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                None, email=email, name=f"Bench {key}", password=PASSWORD, roles=roles
            )
            # The approvals and signatures seeded below are the kind a declaration allows,
            # and the pages that list them link each name to it.
            if keeps_declaration(user):
                declare(None, user, kind=InterestKind.NONE.value)
        people[key] = user
    return people


def _body(rng: random.Random, references: int, section: int, number: int) -> str:
    parts = [
        rng.choice(PARAGRAPHS).format(
            a=rng.randrange(references), b=rng.randrange(references), c=rng.randrange(references)
        )
        for _ in range(3)
    ]
    return f"Section {section}, révision {number}.\n\n" + "\n\n".join(parts)


def seed_article(
    slug: str, sections: int, versions: int, references: int = 20, seed: int = 1
) -> Article:
    """Create an article whose every section has `versions` approved clinician versions."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    people = _accounts()
    now = utcnow()
    start = now - timedelta(days=versions + 1)
    article = Article(
        slug=slug,
        title=f"Benchmark article with {sections} sections",
        language="fr",
        publication=PublicationPolicy.APPROVED_ONLY.value,
        required_signoffs=2,
        review_interval_months=12,
        public_revision=1,
    )
    db.session.add(article)
    db.session.flush()
    reference_ids = db.session.scalars(
        insert(Reference).returning(Reference.id, sort_by_parameter_order=True),
        [
            {
                "article_id": article.id,
                "key": f"ref-{index}",
                "position": index,
                "kind": "article",
                "title": f"Référence {index}",
                "authors": "Auteur A, Auteur B",
                "year": 2000 + index % 25,
                "doi": f"10.1000/bench.{index}",
            }
            for index in range(references)
        ],
    ).all()
    section_ids = db.session.scalars(
        insert(Section).returning(Section.id, sort_by_parameter_order=True),
        [
            {"article_id": article.id, "key": f"s{index}", "level": 2, "position": index}
            for index in range(sections)
        ],
    ).all()
    _seed_front_matter(article, people, start)
    with click.progressbar(section_ids, label=f"Sections of {slug}") as bar:
        for index, section_id in enumerate(bar):
            _seed_chain(rng, article, section_id, index, versions, reference_ids, people, start)
    return article


def _seed_front_matter(article: Article, people: dict[str, User], at) -> None:
    """Give the article approved front matter: without it, nothing of it is public."""
    payload = parts.front_matter(
        title=article.title,
        language=article.language,
        authors=[{"name": "Dr Bench", "credentials": "MD", "disclosures": "None"}],
    )
    version_id = db.session.scalar(
        insert(Version).returning(Version.id),
        {
            "kind": Kind.FRONT_MATTER.value,
            "chain": article_chain(Kind.FRONT_MATTER, article.id),
            "article_id": article.id,
            "audience": "",
            "number": 1,
            "heading": "Front matter",
            "body": parts.readable(Kind.FRONT_MATTER, payload),
            "body_html": "",
            "payload": parts.canonical(payload),
            "author_id": people["contributor"].id,
            "provenance": "human",
            "change_summary": "",
            "content_hash": parts.part_hash(Kind.FRONT_MATTER, article.slug, payload),
            "state": State.APPROVED.value,
            "created_at": at,
            "state_changed_at": at,
            "approved_at": at,
        },
    )
    article.front_matter_version_id = version_id
    article.authors = [ArticleAuthor(position=0, **payload["authors"][0])]
    db.session.flush()


def _seed_chain(rng, article, section_id, index, versions, reference_ids, people, start) -> None:
    rows, cited = [], []
    for number in range(1, versions + 1):
        body = _body(rng, len(reference_ids), index, number)
        rendered = markdown.render(body)
        at = start + timedelta(days=number)
        rows.append(
            {
                "kind": Kind.WORDING.value,
                "chain": wording_chain(section_id, Audience.CLINICIAN.value),
                "article_id": article.id,
                "section_id": section_id,
                "audience": Audience.CLINICIAN.value,
                "number": number,
                "heading": f"Section {index}",
                "body": body,
                "body_html": rendered.html,
                "author_id": people["contributor"].id,
                "provenance": "tool:bench-generator 1.0" if number % 3 == 0 else "human",
                "change_summary": "" if number == 1 else f"Révision {number}.",
                "content_hash": content_hash(
                    article_slug=article.slug,
                    section_key=f"s{index}",
                    audience=Audience.CLINICIAN.value,
                    heading=f"Section {index}",
                    body=body,
                ),
                "state": State.APPROVED.value,
                "created_at": at,
                "state_changed_at": at,
                "approved_at": at,
            }
        )
        cited.append([int(key.split("-")[1]) for key in rendered.cited_keys])
    ids = db.session.scalars(
        insert(Version).returning(Version.id, sort_by_parameter_order=True), rows
    ).all()
    if len(ids) > 1:
        db.session.execute(
            update(Version),
            [
                {"id": child, "parent_id": parent}
                for parent, child in zip(ids, ids[1:], strict=False)
            ],
        )
        # Each version names the next, as the domain sets it when it submits one.
        db.session.execute(
            update(Version),
            [
                {"id": parent, "successor_id": child}
                for parent, child in zip(ids, ids[1:], strict=False)
            ],
        )
    db.session.execute(
        insert(VersionCitation),
        [
            {"version_id": version_id, "reference_id": reference_ids[ref], "position": position}
            for version_id, refs in zip(ids, cited, strict=True)
            for position, ref in enumerate(refs)
        ],
    )
    db.session.execute(
        insert(VersionTransition),
        [
            {
                "version_id": version_id,
                "actor_id": people["editor"].id,
                "action": Action.APPROVE.value,
                "from_state": State.UNDER_REVIEW.value,
                "to_state": State.AWAITING_SIGNOFF.value,
                "comment": "",
                "created_at": row["approved_at"],
            }
            for version_id, row in zip(ids, rows, strict=True)
        ],
    )
    db.session.execute(
        insert(Signoff),
        [
            {
                "version_id": version_id,
                "signer_id": people[board].id,
                "printed_name": people[board].printed_name,
                "role": "Medical Advisory Board member",
                "meaning": "Approved for publication",
                "content_hash": row["content_hash"],
                "signed_at": row["approved_at"],
            }
            for version_id, row in zip(ids, rows, strict=True)
            for board in ("board1", "board2")
        ],
    )
    db.session.execute(update(Section), [{"id": section_id, "published_clinician_id": ids[-1]}])


def seed_events(count: int, batch_size: int = 10_000) -> float:
    """Append `count` chained audit events; return the seconds it took."""
    started = time.perf_counter()
    previous = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    previous = previous or GENESIS_HASH
    at = utcnow() - timedelta(seconds=count)
    actions = ("version.submit", "version.start_review", "version.approve", "auth.sign_in")
    first_new = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    with click.progressbar(length=count, label="Audit events") as bar:
        done = 0
        while done < count:
            rows = []
            for offset in range(min(batch_size, count - done)):
                number = done + offset
                event = SimpleNamespace(
                    occurred_at=at + timedelta(seconds=number),
                    actor_id=None,
                    actor_label="bench generator",
                    action=actions[number % len(actions)],
                    outcome="done",
                    target_type="version",
                    target_id=number,
                    article_id=None,
                    before="{}",
                    after=f'{{"n":{number}}}',
                    message="",
                    prev_hash=previous,
                )
                event.hash = event_hash(event)
                previous = event.hash
                rows.append(vars(event))
            db.session.execute(insert(AuditEvent), rows)
            db.session.commit()
            done += len(rows)
            bar.update(len(rows))
    # Those naming a version that exists are tied to it, as `audit.record` ties its own.
    index_subjects(first_new)
    db.session.commit()
    return time.perf_counter() - started


# Work waiting in a catalogue: the second version of the first sections of each article.
PENDING_STATES = (
    State.SUBMITTED,
    State.UNDER_REVIEW,
    State.AWAITING_SIGNOFF,
    State.CHANGES_REQUESTED,
)


def seed_catalogue(
    articles: int, sections: int, *, batch: int = 100, prefix: str = "cat", seed: int = 1
) -> dict[str, int]:
    """Create `articles` articles of `sections` approved clinician sections each, with work
    waiting in every state, in bulk inserts (a few statements per batch of articles).

    Each article's first sections get a second version: submitted (nobody holds it), under
    review (held by the editor), awaiting sign-off and changes requested; every third
    article's waiting work is overdue. Each waiting version has its submission on the audit
    trail, tied to its article.
    """
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    people = _accounts()
    db.session.flush()
    now = utcnow()
    approved_at = now - timedelta(days=30)
    made = {"articles": 0, "versions": 0, "pending": 0, "events": 0}
    previous = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    previous = previous or GENESIS_HASH
    with click.progressbar(range(0, articles, batch), label="Articles") as bar:
        for start in bar:
            numbers = range(start, min(start + batch, articles))
            previous = _seed_batch(
                rng, numbers, sections, people, prefix, now, approved_at, previous, made
            )
            db.session.commit()
    return made


def _seed_batch(rng, numbers, sections, people, prefix, now, approved_at, previous, made) -> str:
    article_ids = db.session.scalars(
        insert(Article).returning(Article.id, sort_by_parameter_order=True),
        [
            {
                "slug": f"{prefix}-{number}",
                "title": f"Question {number} du catalogue ?",
                "language": "fr",
                "specialty": "",
                "publication": PublicationPolicy.APPROVED_ONLY.value,
                "required_signoffs": 2,
                "review_interval_months": 12,
                "public_revision": 1,
                "created_at": approved_at,
            }
            for number in numbers
        ],
    ).all()
    slugs = {
        article_id: f"{prefix}-{number}"
        for article_id, number in zip(article_ids, numbers, strict=True)
    }
    references = 5
    reference_rows = [
        {
            "article_id": article_id,
            "key": f"ref-{index}",
            "position": index,
            "kind": "article",
            "title": f"Référence {index}",
            "authors": "Auteur A",
            "year": 2020,
        }
        for article_id in article_ids
        for index in range(references)
    ]
    reference_ids = db.session.scalars(
        insert(Reference).returning(Reference.id, sort_by_parameter_order=True), reference_rows
    ).all()
    refs = {
        (row["article_id"], row["position"]): ref_id
        for row, ref_id in zip(reference_rows, reference_ids, strict=True)
    }
    section_rows = [
        {"article_id": article_id, "key": f"s{index}", "level": 2, "position": index}
        for article_id in article_ids
        for index in range(sections)
    ]
    section_ids = db.session.scalars(
        insert(Section).returning(Section.id, sort_by_parameter_order=True), section_rows
    ).all()
    front = []
    for article_id in article_ids:
        payload = parts.front_matter(
            title=f"Question {article_id}",
            language="fr",
            authors=[{"name": "Dr Bench", "credentials": "MD", "disclosures": "None"}],
        )
        front.append(
            {
                "kind": Kind.FRONT_MATTER.value,
                "chain": article_chain(Kind.FRONT_MATTER, article_id),
                "article_id": article_id,
                "audience": "",
                "number": 1,
                "heading": "Front matter",
                "body": parts.readable(Kind.FRONT_MATTER, payload),
                "body_html": "",
                "payload": parts.canonical(payload),
                "author_id": people["contributor"].id,
                "provenance": "human",
                "change_summary": "",
                "content_hash": parts.part_hash(Kind.FRONT_MATTER, slugs[article_id], payload),
                "state": State.APPROVED.value,
                "created_at": approved_at,
                "state_changed_at": approved_at,
                "approved_at": approved_at,
            }
        )
    front_ids = db.session.scalars(
        insert(Version).returning(Version.id, sort_by_parameter_order=True), front
    ).all()
    db.session.execute(
        update(Article),
        [
            {
                "id": article_id,
                "front_matter_version_id": version_id,
                "title": f"Question {article_id}",
            }
            for article_id, version_id in zip(article_ids, front_ids, strict=True)
        ],
    )
    wording, pending, cited = [], [], []
    for row, section_id in zip(section_rows, section_ids, strict=True):
        article_id, index = row["article_id"], row["position"]
        for number in (1, 2) if index < len(PENDING_STATES) else (1,):
            a, b = rng.randrange(references), rng.randrange(references)
            body = f"Section {index}, révision {number} [@ref-{a}]. Suite [@ref-{b}]."
            rendered = markdown.render(body)
            waiting = PENDING_STATES[index] if number == 2 else State.APPROVED
            overdue = article_id % 3 == 0
            at = (
                now - timedelta(days=20 if overdue else 1, minutes=index)
                if number == 2
                else approved_at
            )
            due = None
            if number == 2 and waiting is not State.CHANGES_REQUESTED:
                due = at + timedelta(days=parts.DEFAULT_DAYS_TO_FIRST_REVIEW)
            values = {
                "kind": Kind.WORDING.value,
                "chain": wording_chain(section_id, Audience.CLINICIAN.value),
                "article_id": article_id,
                "section_id": section_id,
                "audience": Audience.CLINICIAN.value,
                "number": number,
                "heading": f"Section {index}",
                "body": body,
                "body_html": rendered.html,
                "author_id": people["contributor"].id,
                "provenance": "human",
                "change_summary": "" if number == 1 else "Mise à jour.",
                "content_hash": content_hash(
                    article_slug=slugs[article_id],
                    section_key=f"s{index}",
                    audience=Audience.CLINICIAN.value,
                    heading=f"Section {index}",
                    body=body,
                ),
                "state": waiting.value,
                "created_at": at,
                "state_changed_at": at,
                "approved_at": at if waiting is State.APPROVED else None,
                "assignee_id": people["editor"].id if waiting is State.UNDER_REVIEW else None,
                "assigned_at": at if waiting is State.UNDER_REVIEW else None,
                "due_at": due,
            }
            (wording if number == 1 else pending).append(values)
            cited.append(
                (values, [refs[(article_id, int(k.split("-")[1]))] for k in rendered.cited_keys])
            )
    ids = db.session.scalars(
        insert(Version).returning(Version.id, sort_by_parameter_order=True), wording + pending
    ).all()
    by_row = {
        id(values): version_id for values, version_id in zip(wording + pending, ids, strict=True)
    }
    db.session.execute(
        insert(VersionCitation),
        [
            {"version_id": by_row[id(values)], "reference_id": ref, "position": position}
            for values, found in cited
            for position, ref in enumerate(dict.fromkeys(found))
        ],
    )
    published = [by_row[id(values)] for values in wording]
    db.session.execute(
        insert(Signoff),
        [
            {
                "version_id": version_id,
                "signer_id": people[board].id,
                "printed_name": people[board].printed_name,
                "role": "Medical Advisory Board member",
                "meaning": "Approved for publication",
                "content_hash": values["content_hash"],
                "signed_at": approved_at,
            }
            for values, version_id in zip(wording, published, strict=True)
            for board in ("board1", "board2")
        ],
    )
    db.session.execute(
        update(Section),
        [
            {"id": values["section_id"], "published_clinician_id": version_id}
            for values, version_id in zip(wording, published, strict=True)
        ],
    )
    parents = {(values["section_id"]): by_row[id(values)] for values in wording}
    db.session.execute(
        update(Version),
        [
            {"id": by_row[id(values)], "parent_id": parents[values["section_id"]]}
            for values in pending
        ],
    )
    # Each version names the next, as the domain sets it when it submits one.
    db.session.execute(
        update(Version),
        [
            {"id": parents[values["section_id"]], "successor_id": by_row[id(values)]}
            for values in pending
        ],
    )
    steps = []
    for values in pending:
        version_id, at = by_row[id(values)], values["created_at"]
        state = State(values["state"])
        path = {
            State.UNDER_REVIEW: [(Action.START_REVIEW, State.SUBMITTED, State.UNDER_REVIEW)],
            State.AWAITING_SIGNOFF: [
                (Action.START_REVIEW, State.SUBMITTED, State.UNDER_REVIEW),
                (Action.APPROVE, State.UNDER_REVIEW, State.AWAITING_SIGNOFF),
            ],
            State.CHANGES_REQUESTED: [
                (Action.START_REVIEW, State.SUBMITTED, State.UNDER_REVIEW),
                (Action.REQUEST_CHANGES, State.UNDER_REVIEW, State.CHANGES_REQUESTED),
            ],
        }.get(state, [])
        steps += [
            {
                "version_id": version_id,
                "actor_id": people["editor"].id,
                "action": action.value,
                "from_state": source.value,
                "to_state": target.value,
                "comment": "Préciser." if action is Action.REQUEST_CHANGES else "",
                "created_at": at,
            }
            for action, source, target in path
        ]
    if steps:
        db.session.execute(insert(VersionTransition), steps)
    events = []
    for values in pending:
        event = SimpleNamespace(
            occurred_at=values["created_at"],
            actor_id=people["contributor"].id,
            actor_label=f"{people['contributor'].name} <{people['contributor'].email}>",
            action="version.submit",
            outcome="done",
            target_type="version",
            target_id=by_row[id(values)],
            article_id=values["article_id"],
            before="{}",
            after=f'{{"number":2,"section":"{values["heading"]}"}}',
            message="",
            prev_hash=previous,
        )
        event.hash = event_hash(event)
        previous = event.hash
        events.append(vars(event))
    if events:
        first_new = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        db.session.execute(insert(AuditEvent), events)
        # Bulk-inserted events are tied to their versions as `audit.record` ties its own.
        index_subjects(first_new)
    made["articles"] += len(article_ids)
    made["versions"] += len(ids) + len(front_ids)
    made["pending"] += len(pending)
    made["events"] += len(events)
    return previous


def seed(sections: int, versions: int, events: int = 0, slug: str | None = None) -> list[str]:
    """Build a large article with deep history, and optionally many audit events; say what."""
    slug = slug or f"bench-{sections}-{versions}"
    if db.session.scalar(select(Article.id).where(Article.slug == slug)):
        raise click.ClickException(f"{slug} exists already; pick another --slug.")
    started = time.perf_counter()
    seed_article(slug, sections, versions)
    db.session.commit()
    lines = [
        f"{slug}: {sections} sections × {versions} versions in "
        f"{time.perf_counter() - started:.1f} s"
    ]
    if events:
        lines.append(f"{events} audit events in {seed_events(events):.1f} s")
    refresh_planner_statistics()
    total = db.session.scalar(select(func.count(AuditEvent.id)))
    lines.append(f"Audit trail: {total} events.")
    return lines


def refresh_planner_statistics() -> None:
    """Run ANALYZE after a bulk load, as the database's own maintenance soon would.

    Without statistics PostgreSQL takes the freshly filled tables for small ones and scans
    them instead of using their indexes, which would measure a state production never stays in.
    Its autovacuum also vacuums freshly inserted tables (PostgreSQL 13 and later), which marks
    their pages all-visible: until then no index-only scan can skip the table.
    """
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # VACUUM runs outside any transaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        return
    db.session.execute(text("ANALYZE"))
    db.session.commit()


@click.command()
@click.option("--sections", default=50, show_default=True, help="Sections per article.")
@click.option("--versions", default=10, show_default=True, help="Approved versions per section.")
@click.option("--events", default=0, show_default=True, help="Extra audit events to append.")
@click.option("--slug", default=None, help="Article slug (default bench-<sections>-<versions>).")
def main(sections: int, versions: int, events: int, slug: str | None) -> None:
    """Seed the database the app is configured for (DATABASE_URL) for a benchmark."""
    from reviewapp import create_app

    with create_app().app_context():
        for line in seed(sections, versions, events, slug):
            click.echo(line)


if __name__ == "__main__":
    main()
