"""Response headers, session and audience cookies, and CSRF on every form post."""

import re

import pytest
from flask import g
from sqlalchemy import func, select

from reviewapp import create_app
from reviewapp.domain.checkpoints import create_key_file
from reviewapp.domain.content import import_article
from reviewapp.domain.users import create_user
from reviewapp.extensions import db
from reviewapp.rules.states import Role
from tests.blueprints.test_authorization import ROUTES, build_world, url
from tests.conftest import TEST_PASSWORD, article_files, publish_parts

SAFE_REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
# A <script> without src whose type is JavaScript (no type at all means JavaScript).
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/(?:ld\+)?json\")[^>]*>", re.I
)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def policy(response) -> dict[str, list[str]]:
    """Return the Content-Security-Policy as {directive: [sources]}."""
    header = response.headers.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name.lower()] = sources
    return directives


def assert_hardened(response) -> None:
    """Check the headers every answer carries: page, API, error or redirect."""
    csp = policy(response)
    assert "'self'" in csp["script-src"]
    for directive in ("script-src", "script-src-elem", "script-src-attr", "default-src"):
        assert "'unsafe-inline'" not in csp.get(directive, []), directive
        assert "'unsafe-eval'" not in csp.get(directive, []), directive
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in SAFE_REFERRER_POLICIES


@pytest.fixture
def signed_in(client, login, make_user):
    def sign_in(*roles: Role):
        assert login(make_user(*roles)).status_code == 302
        return client

    return sign_in


PAGES = [
    pytest.param("/", (), 200, id="index"),
    pytest.param("/articles/test-article/clinician", (), 200, id="article"),
    pytest.param("/articles/test-article/patient", (), 200, id="article-patient"),
    pytest.param("/editorial-policy", (), 200, id="policy"),
    pytest.param("/sign-in", (), 200, id="sign-in"),
    pytest.param("/review/", (Role.EDITOR,), 200, id="queue"),
    pytest.param(
        "/review/articles/test-article/sections/s1/clinician/edit",
        (Role.CONTRIBUTOR,),
        200,
        id="edit-with-script",
    ),
    pytest.param("/board/", (Role.BOARD,), 200, id="board"),
    pytest.param("/admin/users", (Role.ADMIN,), 200, id="admin"),
    pytest.param("/no-such-page", (), 404, id="not-found"),
    pytest.param("/admin/users", (Role.CONTRIBUTOR,), 403, id="forbidden"),
    pytest.param("/review/", (), 302, id="sign-in-redirect"),
]


@pytest.mark.parametrize(("path", "roles", "status"), PAGES)
def test_pages_are_locked_down(make_article, signed_in, client, path, roles, status):
    make_article(approve="all", sections=1)
    if roles:
        signed_in(*roles)
    response = client.get(path)
    assert response.status_code == status
    assert_hardened(response)
    # The policy forbids inline scripts, so a page must not need any to work.
    assert not INLINE_SCRIPT.search(response.text)
    assert not INLINE_HANDLER.search(response.text)


@pytest.mark.parametrize(
    ("path", "token", "status"),
    [
        pytest.param("/api/v1/articles", True, 200, id="answer"),
        pytest.param("/api/v1/articles", False, 401, id="no-token"),
        pytest.param("/api/v1/versions/999", True, 404, id="not-found"),
        pytest.param("/api/v1/openapi.json", False, 200, id="openapi"),
    ],
)
def test_api_answers_are_locked_down(client, make_user, api_token, path, token, status):
    headers = {"Authorization": f"Bearer {api_token(make_user(Role.EDITOR))}"} if token else {}
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert_hardened(response)


def cookies(response) -> dict[str, dict]:
    """Return the cookies a response sets: {name: {secure, httponly, samesite}}."""
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair, *attributes = (part.strip() for part in header.split(";"))
        names = {a.partition("=")[0].lower(): a.partition("=")[2] for a in attributes}
        found[pair.partition("=")[0]] = {
            "secure": "secure" in names,
            "httponly": "httponly" in names,
            "samesite": names.get("samesite"),
        }
    return found


@pytest.fixture
def production(tmp_path, monkeypatch):
    """An app under the production configuration on a SQLite file, with an editor and an article."""
    database = f"sqlite:///{tmp_path / 'production.db'}"
    monkeypatch.setenv("SECRET_KEY", "a production secret for this test only")
    monkeypatch.setenv("DATABASE_URL", database)
    # Production signs checkpoints with a key it was given, never one it makes itself.
    key_file = tmp_path / "audit-signing-key.pem"
    create_key_file(key_file)
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(key_file))
    # config.py reads the environment when it is imported, so name the database here too:
    # otherwise the production app would open the development file under instance/.
    app = create_app({"CONFIG": "production", "SQLALCHEMY_DATABASE_URI": database})
    assert not app.testing
    assert not app.debug
    with app.app_context():
        db.create_all()
        editor = create_user(
            None,
            email="prod.editor@example.org",
            name="Dr Prod",
            credentials="MD",
            roles=[Role.EDITOR, Role.CONTRIBUTOR],
            password=TEST_PASSWORD,
        )
        publish_parts(import_article(editor, article_files()).versions)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


HTTPS = "https://reviewapp.example"


def test_production_cookies_are_secure_httponly_and_samesite(production):
    client = production.test_client()
    form = client.get("/sign-in", base_url=HTTPS)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text).group(1)
    response = client.post(
        "/sign-in",
        base_url=HTTPS,
        # Over HTTPS Flask-WTF also checks that the form came from this site.
        headers={"Referer": f"{HTTPS}/sign-in"},
        data={"email": "prod.editor@example.org", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.text
    session = cookies(response)[production.config["SESSION_COOKIE_NAME"]]
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert client.get("/review/", base_url=HTTPS).status_code == 200

    chosen = client.get("/articles/test-article/choose/patient", base_url=HTTPS)
    assert chosen.status_code == 303
    assert cookies(chosen)["audience"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_audience_cookie_is_httponly_and_samesite_in_development(client, make_article):
    make_article(approve="all")
    response = client.get("/articles/test-article/choose/patient")
    audience = cookies(response)["audience"]
    assert audience["httponly"]
    assert audience["samesite"] == "Lax"


# Form posts: every POST route outside the token-authenticated API.


def form_posts(app) -> list[str]:
    """Return the endpoints that take a form post; the API is exempt (bearer tokens only)."""
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.endpoint.startswith("api.")
    )


def row_counts() -> dict[str, int]:
    """Return how many rows each table holds."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("token", [None, "forged"])
def test_form_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    app, client, login, make_user, make_article, contributor, editor, token
):
    world = build_world(make_article, make_user, contributor, editor)
    # Allowed everywhere, and the author of nothing: only the missing token can refuse it.
    everything = make_user(*Role, name="Dr Every Role")
    assert login(everything).status_code == 302
    bodies = {"auth.sign_in": lambda w: {"email": everything.email, "password": TEST_PASSWORD}}
    for endpoint in form_posts(app):
        before = row_counts()
        body = (bodies.get(endpoint) or ROUTES[endpoint][1])(world)
        if token:
            body["csrf_token"] = token
        g.pop("_login_user", None)
        response = client.post(url(endpoint, world), data=body)
        assert response.status_code == 400, endpoint
        assert "CSRF token" in response.text, endpoint
        assert_hardened(response)
        assert row_counts() == before, endpoint
    # Still signed in: signing out without a token did not sign out.
    g.pop("_login_user", None)
    assert client.get("/review/").status_code == 200
