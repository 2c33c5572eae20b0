"""Shared steps of the declarations-of-interests tests: an article in a specialty, and a
member who declared an interest in it."""

from sqlalchemy import select

from reviewapp.domain import declarations
from reviewapp.domain.content import import_article
from reviewapp.domain.engine import transition
from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import Article, Section, User, Version
from reviewapp.rules.states import Action, Audience, Role
from tests.conftest import approve_fully, article_files


def oncology_awaiting_signoff(
    contributor: User, editor: User, board_members: list[User]
) -> Version:
    """Import an oncology article, approve its parts, and send its summary to the board."""
    files = article_files(slug="oncologie")
    files.meta["specialty"] = "Oncologie, palliative-care"
    report = import_article(contributor, files)
    for version in report.versions:
        if not version.is_wording:
            approve_fully(editor, board_members, version)
    article = db.session.scalar(select(Article).where(Article.slug == "oncologie"))
    summary = db.session.scalar(
        select(Section).where(Section.article_id == article.id, Section.key == "summary")
    )
    version = latest_version(summary, Audience.CLINICIAN)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    return version


def interested(make_user, *, kind="financial", codes=("oncology",), role=Role.BOARD) -> User:
    """Create an editor or board member who declared an interest in `codes`."""
    person = make_user(role, declared=False)
    declarations.declare(
        person,
        person,
        kind=kind,
        text="Honoraires de conseil d'un fabricant de sels de platine (2025).",
        specialty_codes=list(codes),
    )
    db.session.commit()
    return person
