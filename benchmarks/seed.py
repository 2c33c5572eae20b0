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

from reviewapp.domain.audit import event_hash
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
        people[key] = user or create_user(
            None, email=email, name=f"Bench {key}", password=PASSWORD, roles=roles
        )
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
    return time.perf_counter() - started


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
    """
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
