"""Fixtures: one app per test process, a fresh database per test, clients, and factories
for users and articles."""

import itertools
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask, g, request_started
from sqlalchemy import create_engine, event, text

from reviewapp import create_app
from reviewapp.domain import part_chains
from reviewapp.domain.content import import_article
from reviewapp.domain.declarations import declare, keeps_declaration
from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.domain.users import create_user
from reviewapp.domain.versions import latest_version, submit_version
from reviewapp.extensions import db
from reviewapp.models import Article, Section, User, Version
from reviewapp.rules.declarations import InterestKind
from reviewapp.rules.states import Action, Audience, Role
from reviewapp.text.content_files import ArticleFiles, SectionText
from reviewapp.web import change_signal as change_signals
from reviewapp.web import page_cache

TEST_PASSWORD = "correct horse battery"
NO_POSTGRES = "PostgreSQL not configured: set POSTGRES_URL or TEST_DATABASE_URL"


def postgres_url() -> str | None:
    """Return the PostgreSQL server for tests that need one, even during the SQLite run."""
    for name in ("POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return None


def pytest_configure(config) -> None:
    """Give each parallel worker (pytest-xdist) a PostgreSQL database of its own.

    Every test truncates the database when it ends; two workers sharing one would empty
    each other's tables mid-test.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not worker or not url.startswith("postgresql"):
        return
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{own}"'))
    admin.dispose()
    os.environ["TEST_DATABASE_URL"] = f"{base}/{own}"


@contextmanager
def scratch_postgres_database(label: str) -> Iterator[str]:
    """Create an empty PostgreSQL database for one test and drop it afterwards."""
    admin = create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    name = f"reviewapp_{label}_{os.getpid()}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield postgres_url().rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def require(flag: str, reason: str) -> None:
    """Skip with `reason`, or fail when the environment variable `flag` demands the check."""
    if os.environ.get(flag) == "1":
        pytest.fail(f"{reason} ({flag}=1 requires it)")
    pytest.skip(reason)


def _fresh_globals(sender: Flask, **extra) -> None:
    # The test keeps one app context open, which each request reuses; in production every
    # request has its own, so nothing it leaves in `g` (the signed-in user, the API actor)
    # may reach the next request.
    for name in list(g):
        g.pop(name)


@pytest.fixture(scope="session")
def built_app(tmp_path_factory) -> Iterator[Flask]:
    """Build the app once per test process (each pytest-xdist worker has its own).

    Building it costs more than most tests: the routes, the OpenAPI document, and then every
    template and SQL statement compiled again on first use. One app keeps all of that warm;
    `app` below gives each test a fresh database and the configuration it started with.
    """
    settings = {
        "CONFIG": "testing",
        "SERVER_NAME": "reviewapp.test",
        "AUDIT_SIGNING_KEY_FILE": str(tmp_path_factory.mktemp("keys") / "unused.pem"),
    }
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        # A test's database is thrown away: waiting for each commit to reach the disk buys
        # nothing, and the suite commits thousands of times.
        settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "connect_args": {"options": "-c synchronous_commit=off"}
        }
    app = create_app(settings)
    request_started.connect(_fresh_globals, app)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # A server database outlives the run: rebuild it once so it matches these models.
            db.drop_all()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(built_app: Flask, tmp_path) -> Iterator[Flask]:
    app = built_app
    config, extensions = dict(app.config), dict(app.extensions)
    # Checkpoints are signed with a key of the test's own, never instance/'s.
    app.config["AUDIT_SIGNING_KEY_FILE"] = str(tmp_path / "audit-signing-key.pem")
    # What a test leaves in the page cache or the change signal must not answer the next.
    page_cache.init_app(app)
    change_signals.init_app(app)
    try:
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            _empty_database()
    finally:
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)


def _empty_database() -> None:
    if db.engine.dialect.name != "postgresql":
        # Closing the one connection to the in-memory database throws it away whole, with
        # whatever a test added (Alembic's revision stamp); the statement cache stays.
        db.engine.dispose()
        return
    with db.engine.begin() as connection:
        sequences = connection.scalars(
            text("SELECT quote_ident(sequence_name) FROM information_schema.sequences")
        ).all()
        # The trail's own triggers refuse deleting, for everyone but a superuser who turns
        # triggers off for this transaction, as only a test may. DELETE, not TRUNCATE: on
        # tables this small it is many times faster.
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [
            f'DELETE FROM "{table.name}"'  # noqa: S608 (the model's own table names)
            for table in reversed(db.metadata.sorted_tables)
        ]
        # A test that stamps Alembic's revision must not make later ones look migrated.
        statements.append("DROP TABLE IF EXISTS alembic_version")
        if sequences:
            # Ids start at 1 again, as in a new database.
            statements.append("SELECT " + ", ".join(f"setval('{s}', 1, false)" for s in sequences))
        connection.exec_driver_sql("; ".join(statements))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_emails = itertools.count(1)


def declare_no_interests(user: User) -> User:
    """Give an editor or board member a current declaration of no interests, as every one
    needs to approve or sign; other accounts are left as they are."""
    if keeps_declaration(user):
        declare(None, user, kind=InterestKind.NONE.value)
    return user


@pytest.fixture
def make_user(app) -> Callable[..., User]:
    """Create an account; editors and board members have declared no interests unless
    `declared=False`."""

    def make(
        *roles: Role, name: str | None = None, email: str | None = None, declared: bool = True
    ) -> User:
        number = next(_emails)
        user = create_user(
            None,
            email=email or f"user{number}@example.org",
            name=name or f"Dr Test {number}",
            credentials="MD",
            roles=list(roles) or [Role.CONTRIBUTOR],
            password=TEST_PASSWORD,
            confirm_dual_review=True,
        )
        if declared:
            declare_no_interests(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def contributor(make_user) -> User:
    return make_user(Role.CONTRIBUTOR, name="Camille Writer")


@pytest.fixture
def editor(make_user) -> User:
    return make_user(Role.EDITOR, name="Dr Eve Editor")


def article_files(
    slug: str = "test-article",
    *,
    sections: int = 3,
    policy: str = "approved-only",
    patient: bool = False,
    body: Callable[[int], str] | None = None,
    references: int = 2,
) -> ArticleFiles:
    """Build article files in memory: a summary plus `sections` sections citing references."""

    def default_body(index: int) -> str:
        return f"Texte de la section {index} [@ref-{index % references}]."

    body = body or default_body
    clinician = [SectionText("summary", 1, "Réponse", "Résumé [@ref-0].", 1)]
    clinician += [
        SectionText(f"s{index}", 2, f"Section {index}", body(index), 1)
        for index in range(1, sections + 1)
    ]
    files = ArticleFiles(
        slug=slug,
        meta={
            "title": "Quelle est la question ?",
            "language": "fr",
            "publication": policy,
            "required_signoffs": 1,
            "review_interval_months": 12,
        },
        authors=[{"name": "Dr Author", "credentials": "MD", "disclosures": "None declared"}],
        references=[
            {
                "key": f"ref-{index}",
                "kind": "article",
                "title": f"Reference title {index}",
                "authors": "Smith J",
                "year": 2020 + index,
                "doi": f"10.1000/test.{index}",
            }
            for index in range(references)
        ],
    )
    files.wording[Audience.CLINICIAN] = clinician
    if patient:
        files.wording[Audience.PATIENT] = [
            SectionText(s.key, s.level, f"{s.heading} (patient)", f"Mots simples {s.key}.", 1)
            for s in clinician
        ]
    return files


@pytest.fixture
def board_members(make_user) -> list[User]:
    return [
        make_user(Role.BOARD, name="Pr Ada Board"),
        make_user(Role.BOARD, name="Dr Ben Board"),
    ]


@pytest.fixture
def make_article(contributor, editor, board_members) -> Callable[..., Article]:
    """Import an article and approve the listed (section key, audience) chains: an editor's
    approval, then as many board sign-offs as the article requires."""

    def make(
        *,
        approve: tuple[tuple[str, Audience], ...] | str = (),
        under_review: tuple[tuple[str, Audience], ...] = (),
        parts_approved: bool = True,
        **options,
    ) -> Article:
        files = article_files(**options)
        report = import_article(contributor, files)
        article = db.session.scalar(db.select(Article).where(Article.slug == files.slug))
        if parts_approved:
            for version in report.versions:
                if not version.is_wording:
                    approve_fully(editor, board_members, version)
        sections = {
            s.key: s
            for s in db.session.scalars(db.select(Section).where(Section.article_id == article.id))
        }
        if approve == "all":
            approve = tuple(
                (text.key, audience) for audience, texts in files.wording.items() for text in texts
            )
        for key, audience in (*approve, *under_review):
            version = latest_version(sections[key], audience)
            transition(editor, version, Action.START_REVIEW)
            if (key, audience) in approve:
                transition(editor, version, Action.APPROVE)
                for member in board_members[: article.required_signoffs]:
                    sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
        db.session.commit()
        return article

    return make


def approve_fully(editor: User, board: list[User], version: Version) -> Version:
    """Take a version from Submitted to Approved: start review, approve, and the quorum signs."""
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    for member in board[: part_chains.required_signoffs(version)]:
        sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
    return version


def publish_parts(versions: list[Version]) -> None:
    """Approve the part versions of an import with reviewers of their own, for apps built
    outside the fixtures (their own accounts: the test's people stay independent)."""
    editor = declare_no_interests(
        create_user(
            None,
            email="parts.editor@example.org",
            name="Dr Parts Editor",
            credentials="MD",
            roles=[Role.EDITOR],
            password=TEST_PASSWORD,
        )
    )
    board = [
        declare_no_interests(
            create_user(
                None,
                email=f"parts.board{index}@example.org",
                name=f"Dr Parts Board {index}",
                credentials="MD",
                roles=[Role.BOARD],
                password=TEST_PASSWORD,
            )
        )
        for index in (1, 2)
    ]
    for version in versions:
        if not version.is_wording:
            approve_fully(editor, board, version)


def next_version(
    author: User, section: Section, audience: Audience, addition: str = " Mise à jour."
):
    """Submit the chain's next version: its newest wording with `addition` appended."""
    previous = latest_version(section, audience)
    return submit_version(
        author,
        section,
        audience,
        heading=previous.heading,
        body=previous.body + addition,
        base_version_id=previous.id,
        change_summary="Mise à jour.",
    )


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, url: str = "/sign-in") -> str:
    """Return the CSRF token a page carries for this client's session."""
    html = client.get(url).text
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


@pytest.fixture
def login(client):
    """Sign `user` in through the sign-in form; return the response."""

    def sign_in(user: User, password: str = TEST_PASSWORD):
        token = csrf_token(client, "/sign-in")
        return client.post(
            "/sign-in", data={"email": user.email, "password": password, "csrf_token": token}
        )

    return sign_in


@pytest.fixture
def post_form(client):
    """POST a form the way a browser does: with the CSRF token from `page` (default: the url)."""

    def post(url: str, data: dict | None = None, page: str | None = None, **kwargs):
        token = csrf_token(client, page or url)
        return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)

    return post


@pytest.fixture
def api_token(app) -> Callable[[User], str]:
    """Issue an API token for a user and return the secret."""
    from reviewapp.domain.tokens import issue_token

    def issue(user: User) -> str:
        _, secret = issue_token(None, user, "test")
        db.session.commit()
        return secret

    return issue


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        # Opening a transaction (SQLite's BEGIN, see models/connections.py) reads nothing.
        if statement not in ("BEGIN", "BEGIN IMMEDIATE"):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


class ManualSignal:
    """A change signal the test moves by hand, standing in for NOTIFY or SQLite's counter."""

    kind = "manual"

    def __init__(self) -> None:
        self.moves = 0
        self.known = True

    def token(self):
        return self.moves if self.known else None

    def move(self) -> None:
        self.moves += 1


@pytest.fixture
def change_signal(app) -> ManualSignal:
    """Replace the app's change signal with one that moves only when the test says so."""
    signal = ManualSignal()
    app.extensions["change_signal"] = signal
    return signal
