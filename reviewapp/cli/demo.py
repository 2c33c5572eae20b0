"""Demo accounts and the seed article with sections in every workflow state."""

from dataclasses import dataclass, replace
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from reviewapp.domain import declarations, part_chains
from reviewapp.domain.content import import_article
from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.users import create_user
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, Section, User, Version
from reviewapp.rules.declarations import InterestKind, Standing, StatementKind
from reviewapp.rules.states import Action, Audience, Role
from reviewapp.text.content_files import ArticleFiles, ContentError, article_folders, read_article

SEED_SLUG = "necrotic-metastatic-tumor"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    credentials: str
    roles: tuple[Role, ...]
    password: str


DEMO_ACCOUNTS = (
    DemoAccount(
        "contributor@example.org",
        "Camille Laurent",
        "Medical writer",
        (Role.CONTRIBUTOR,),
        "contributor-demo-2026",
    ),
    DemoAccount(
        "editor@example.org",
        "Dr Hélène Moreau",
        "MD, medical oncologist",
        (Role.EDITOR,),
        "editor-demo-2026",
    ),
    DemoAccount(
        "editor2@example.org",
        "Dr Marc Dubois",
        "MD, radiation oncologist",
        (Role.EDITOR,),
        "editor2-demo-2026",
    ),
    DemoAccount(
        "board@example.org",
        "Pr Anne Lefèvre",
        "MD, PhD, thoracic oncology",
        (Role.BOARD,),
        "board-demo-2026",
    ),
    DemoAccount(
        "board2@example.org",
        "Dr Youssef Benali",
        "MD, surgical oncology",
        (Role.BOARD,),
        "board2-demo-2026",
    ),
    DemoAccount("admin@example.org", "Site Administrator", "", (Role.ADMIN,), "admin-demo-2026"),
)

# What each demo editor and board member declared: none of their interests is in the seed's
# specialty (oncology), so they approve and sign it as before; were one to declare one, each
# wording they sign would carry the justification below, shown next to their signature.
DEMO_DECLARATIONS = {
    "editor@example.org": (InterestKind.NONE, "", ()),
    "editor2@example.org": (
        InterestKind.FINANCIAL,
        "Honoraires de conférence d'un fabricant d'accélérateurs de radiothérapie (2025).",
        ("radiation-oncology",),
    ),
    "board@example.org": (InterestKind.NONE, "", ()),
    "board2@example.org": (
        InterestKind.NON_FINANCIAL,
        "Membre du groupe de travail d'une société savante de chirurgie, qui prépare des "
        "recommandations sur la chirurgie ambulatoire (depuis 2024).",
        ("surgery",),
    ),
}
DEMO_JUSTIFICATION = (
    "Le groupe de travail n'a rien publié sur ce sujet ; cette section reprend la "
    "recommandation citée sans la modifier."
)

# Where each section of the seed article is left, per audience.
DEMO_PLAN = {
    Audience.CLINICIAN: {
        "approved": [
            "summary",
            "evaluation-initiale",
            "strategie-therapeutique",
            "cbnpc",
            "cancers-colorectaux",
        ],
        # Approved by an editor, with one of the two board signatures required.
        "awaiting_signoff": ["tumeurs-necrosantes"],
        "under_review": ["metastases-cerebrales", "sarcomes"],
    },
    Audience.PATIENT: {
        "approved": ["summary", "evaluation-initiale"],
        "awaiting_signoff": [],
        "under_review": ["strategie-therapeutique"],
    },
}


@dataclass(frozen=True)
class DemoRevision:
    """A section the seed shows revised once: approved first without `added`, then with it."""

    audience: Audience
    key: str
    added: str  # text of the files' wording that the first approved version lacked
    change_summary: str  # the staff's reason
    public_note: str  # what readers of the changelog are told


# The files hold the revised wording, so that loading the demo again changes nothing.
DEMO_REVISIONS = (
    DemoRevision(
        Audience.CLINICIAN,
        "evaluation-initiale",
        "\n- TEP-scanner pour évaluation précise des métastases et ganglions médiastinaux "
        "[@guideline-overview]",
        "TEP-scanner ajouté au bilan à la demande de l'éditrice, d'après la recommandation.",
        "Le TEP-scanner est ajouté au bilan initial, pour localiser précisément les "
        "métastases et les ganglions du médiastin.",
    ),
    DemoRevision(
        Audience.CLINICIAN,
        "cancers-colorectaux",
        " (5-8 semaines si bevacizumab)",
        "Délai bevacizumab oublié en v1, signalé par Dr Dubois en relecture.",
        "Précision du délai avant la chirurgie après un traitement par bevacizumab : "
        "5 à 8 semaines.",
    ),
    DemoRevision(
        Audience.PATIENT,
        "evaluation-initiale",
        "\n- un TEP-scanner. Il repère bien les métastases et les ganglions situés au milieu "
        "de la poitrine.",
        "Alignement sur la version clinicien (TEP-scanner).",
        "Un examen est ajouté à la liste du bilan : le TEP-scanner, qui aide à repérer les "
        "métastases.",
    ),
)


def _before_revisions(files: ArticleFiles) -> ArticleFiles:
    """Return the files as they were before the demo's revisions: their first wording."""
    wording = {audience: list(texts) for audience, texts in files.wording.items()}
    for revision in DEMO_REVISIONS:
        texts = wording.get(revision.audience, [])
        for index, text in enumerate(texts):
            if text.key == revision.key and revision.added in text.body:
                texts[index] = replace(text, body=text.body.replace(revision.added, "", 1))
    return replace(files, wording=wording)


def _revise(
    article: Article,
    files: ArticleFiles,
    contributor: User,
    editors: list[User],
    board: list[User],
) -> None:
    """Submit the files' wording of each revised section, with its notes, and approve it."""
    sections = {
        section.key: section
        for section in db.session.scalars(select(Section).where(Section.article_id == article.id))
    }
    for index, revision in enumerate(DEMO_REVISIONS):
        text = next(
            (t for t in files.wording.get(revision.audience, []) if t.key == revision.key), None
        )
        section = sections.get(revision.key)
        previous = latest_version(section, revision.audience) if section else None
        if text is None or previous is None or previous.body == text.body.strip():
            continue  # the files changed since this demo was written: nothing to revise
        version = submit_version(
            contributor,
            section,
            revision.audience,
            heading=text.heading,
            body=text.body,
            base_version_id=previous.id,
            change_summary=revision.change_summary,
            public_note=revision.public_note,
        )
        editor = editors[index % len(editors)]
        transition(editor, version, Action.START_REVIEW)
        transition(editor, version, Action.APPROVE)
        for member in board[: article.required_signoffs]:
            _sign(member, version, MEANINGS[0])


def _account(spec: DemoAccount) -> tuple[User, bool]:
    existing = db.session.scalar(select(User).where(User.email == spec.email))
    if existing is not None:
        return existing, False
    user = create_user(
        None,
        email=spec.email,
        name=spec.name,
        credentials=spec.credentials,
        roles=list(spec.roles),
        password=spec.password,
    )
    return user, True


def _approve_parts(versions: list[Version], editors: list[User], board: list[User]) -> None:
    """Approve the seed's front matter, settings, outline and references, as the board would."""
    for index, version in enumerate(v for v in versions if not v.is_wording):
        editor = editors[index % len(editors)]
        transition(editor, version, Action.START_REVIEW)
        transition(editor, version, Action.APPROVE)
        for member in board[: part_chains.required_signoffs(version)]:
            _sign(member, version, MEANINGS[0])


def _walk_workflow(article: Article, editors: list[User], board: list[User]) -> None:
    sections = {
        section.key: section
        for section in db.session.scalars(select(Section).where(Section.article_id == article.id))
    }
    for audience, plan in DEMO_PLAN.items():
        keys = plan["approved"] + plan["awaiting_signoff"] + plan["under_review"]
        for index, key in enumerate(keys):
            section = sections.get(key)
            version = latest_version(section, audience) if section else None
            if version is None:
                continue
            editor = editors[index % len(editors)]
            transition(editor, version, Action.START_REVIEW)
            if key in plan["under_review"]:
                continue
            transition(editor, version, Action.APPROVE)
            signers = board if key in plan["approved"] else board[:1]
            for member in signers[: article.required_signoffs]:
                _sign(member, version, MEANINGS[index % len(MEANINGS)])


def _sign(member: User, version: Version, meaning: str) -> None:
    """Sign as a demo board member, with their justification where their interest needs one."""
    if declarations.conflicts(member, version) and not declarations.statement_of(member, version):
        declarations.record_statement(
            member, version, kind=StatementKind.JUSTIFICATION.value, text=DEMO_JUSTIFICATION
        )
    sign_version(member, version, password=_password(member.email), meaning=meaning)


def _declare(accounts: list[User]) -> None:
    """Give each demo editor and board member their declaration, unless one is in force."""
    for user in accounts:
        spec = DEMO_DECLARATIONS.get(user.email)
        standing = declarations.standing_of(user).standing
        if spec is None or standing in (Standing.CURRENT, Standing.DUE):
            continue
        kind, text, codes = spec
        declarations.declare(None, user, kind=kind.value, text=text, specialty_codes=codes)


def _password(email: str) -> str:
    return next(spec.password for spec in DEMO_ACCOUNTS if spec.email == email)


def load_demo(content_dir: Path) -> str:
    """Create what is missing of the demo and return what to tell the person running it."""
    accounts = {spec.email: _account(spec) for spec in DEMO_ACCOUNTS}
    contributor = accounts["contributor@example.org"][0]
    editors = [accounts["editor@example.org"][0], accounts["editor2@example.org"][0]]
    board = [accounts["board@example.org"][0], accounts["board2@example.org"][0]]
    _declare([*editors, *board])
    lines = []
    for folder in article_folders(content_dir):
        files = read_article(folder)
        had_article = db.session.scalar(select(Article.id).where(Article.slug == files.slug))
        seeding = had_article is None and files.slug == SEED_SLUG
        report = import_article(contributor, _before_revisions(files) if seeding else files)
        if seeding:
            article = db.session.scalar(select(Article).where(Article.slug == files.slug))
            _approve_parts(report.versions, editors, board)
            _walk_workflow(article, editors, board)
            _revise(article, files, contributor, editors, board)
            lines.append(f"Imported {files.slug} and walked it through the workflow.")
        elif report.changed_anything:
            lines.append(f"Updated {files.slug} from {folder}.")
        else:
            lines.append(f"{files.slug} is already loaded.")
    lines.append("")
    lines.append("Demo accounts (email / password / roles):")
    for spec in DEMO_ACCOUNTS:
        created = "created" if accounts[spec.email][1] else "exists"
        roles = ", ".join(role.value for role in spec.roles)
        lines.append(f"  {spec.email:26} {spec.password:24} {roles} ({created})")
    return "\n".join(lines)


@click.command("demo")
def demo_command() -> None:
    """Create demo accounts and the seed article in every workflow state (safe to repeat)."""
    content_dir = Path(current_app.config["CONTENT_DIR"])
    try:
        summary = load_demo(content_dir)
    except ContentError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(summary)
