"""Hostile input gets a 4xx that says what is wrong, never a 500, on SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from reviewapp.domain.versions import latest_version
from reviewapp.extensions import db
from reviewapp.models import Article, Comment, Reference, Section, Signoff, User, Version
from reviewapp.rules.limits import BODY, CHANGE_SUMMARY, HEADING, MAX_ID, PUBLIC_NOTE
from reviewapp.rules.states import Audience, Role
from tests.conftest import csrf_token

C = Audience.CLINICIAN
ARTICLE = "/articles/test-article"
ARTICLE_PAGE = ARTICLE + "/clinician"
API = "/api/v1"
# Just past a 32-bit id column, just past a 64-bit integer, and just below one.
OUT_OF_RANGE = [MAX_ID + 1, 2**63, -(2**63) - 1]
# What a string part of an address holds when the test fills in a route with an int id.
STRING_ARGUMENTS = {"audience": "clinician"}


@pytest.fixture
def everyone(make_user, login) -> User:
    """Sign in an account holding every role, so only the id decides the answer."""
    user = make_user(Role.CONTRIBUTOR, Role.EDITOR, Role.BOARD, Role.ADMIN, name="Dr All Roles")
    login(user)
    return user


def s1() -> Section:
    return db.session.scalar(select(Section).where(Section.key == "s1"))


def html_rules_with_int_ids(app) -> list[tuple[str, str, dict]]:
    """Return (method, rule, arguments) of every page route taking an int id, ids set to 0."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or not any(
            isinstance(converter, IntegerConverter) for converter in rule._converters.values()
        ):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.endpoint, rule.arguments))
    return found


# --- ids beyond the column range -------------------------------------------------------


@pytest.mark.parametrize("big", [MAX_ID + 1, 2**63])
def test_every_page_with_an_int_id_answers_404_beyond_the_id_range(
    app, client, everyone, make_article, big
):
    from flask import url_for

    make_article()
    routes = html_rules_with_int_ids(app)
    assert len(routes) >= 12  # board, review, admin: a rename must not empty this test
    token = csrf_token(client, "/board/")
    for method, endpoint, arguments in routes:
        with app.test_request_context():
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
            values = {
                name: big
                if isinstance(rule._converters[name], IntegerConverter)
                else STRING_ARGUMENTS[name]
                for name in arguments
            }
            url = url_for(endpoint, **values)
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 404, (method, url, response.status_code)
        assert "There is no " in response.text, url
        assert f" {big}." in response.text, url


@pytest.mark.parametrize("big", OUT_OF_RANGE)
@pytest.mark.parametrize("side", ["from", "to"])
def test_diff_with_an_id_beyond_the_range_is_404(client, everyone, make_article, big, side):
    make_article()
    version_id = latest_version(s1(), C).id
    ids = {"from": version_id, "to": version_id} | {side: big}
    response = client.get(f"/board/diff?from={ids['from']}&to={ids['to']}")
    assert response.status_code == 404
    assert f"There is no version {big}." in response.text


def test_diff_with_an_id_that_is_not_a_number_is_400_naming_it(client, everyone, make_article):
    make_article()
    version_id = latest_version(s1(), C).id
    response = client.get(f"/board/diff?from={version_id}&to=seven")
    assert response.status_code == 400
    assert "?to= must be the number of a version, not &#39;seven&#39;." in response.text


@pytest.mark.parametrize("big", OUT_OF_RANGE)
def test_audit_page_before_an_id_beyond_the_range_is_400_saying_the_range(
    client, everyone, make_article, big
):
    make_article()
    response = client.get(f"/board/audit?before={big}")
    assert response.status_code == 400
    assert f"Use an event number from 1 to {MAX_ID:,}." in response.text
    assert client.get(f"/board/audit/export.csv?before={big}").status_code == 400


def test_audit_page_before_an_id_in_range_still_pages(client, everyone, make_article):
    make_article()
    response = client.get(f"/board/audit?before={MAX_ID}")
    assert response.status_code == 200
    assert "version.submit" in response.text


@pytest.mark.parametrize("base", ["1" * 5000, str(2**63), str(MAX_ID + 1)])
def test_an_edit_form_naming_a_base_version_beyond_the_range_is_refused(
    client, contributor, login, make_article, post_form, base
):
    make_article()
    login(contributor)
    before = db.session.scalar(select(func.count(Version.id)))
    url = "/review/articles/test-article/sections/s1/clinician/edit"
    response = post_form(
        url, {"heading": "S", "body": "x", "base_version": base, "intent": "submit"}
    )
    assert response.status_code == 422
    assert "Reload the page: the version it refers to is not valid." in response.text
    assert db.session.scalar(select(func.count(Version.id))) == before


# --- NUL characters --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/articles/%00", "The address contains a NUL character (in &#39;slug&#39;)."),
        ("/articles/a%00b/changelog", "The address contains a NUL character (in &#39;slug&#39;)."),
        (
            ARTICLE + "?audience=%00",
            "The query parameter &#39;audience&#39; contains a NUL character.",
        ),
        ("/?x%00y=1", "The query parameter &#39;x\\0y&#39; contains a NUL character."),
        (
            "/review/articles/test-article/sections/s%001/clinician/edit",
            "The address contains a NUL character (in &#39;key&#39;).",
        ),
    ],
)
def test_nul_in_the_address_is_400_naming_the_part(client, make_article, url, message):
    make_article(approve="all")
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.text


def test_nul_in_the_sign_in_form_is_400_naming_the_field(client, make_user):
    user = make_user(Role.EDITOR)
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": user.email + "\x00", "password": "x", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "The field &#39;email&#39; contains a NUL character" in response.text


def test_nul_in_a_comment_is_400_and_stores_nothing(client, everyone, make_article, post_form):
    make_article()
    version = latest_version(s1(), C)
    page = f"/review/versions/{version.id}"
    response = post_form(f"{page}/comments", {"body": "Voir\x00 la dose."}, page=page)
    assert response.status_code == 400
    assert "The field &#39;body&#39; contains a NUL character" in response.text
    assert "go back, remove it and send the form again" in response.text
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_nul_in_an_objection_is_400_and_stores_nothing(
    client, make_user, login, make_article, editor, post_form
):
    from reviewapp.domain.engine import transition
    from reviewapp.rules.states import Action

    make_article()
    version = latest_version(s1(), C)
    transition(editor, version, Action.START_REVIEW)
    transition(editor, version, Action.APPROVE)
    db.session.commit()
    login(make_user(Role.BOARD))
    page = f"/board/versions/{version.id}"
    response = post_form(f"{page}/object", {"reason": "Dose\x00 fausse."}, page=page)
    assert response.status_code == 400
    assert "The field &#39;reason&#39; contains a NUL character" in response.text
    db.session.expire_all()
    assert db.session.get(Version, version.id).state == "awaiting_signoff"
    assert (
        db.session.scalar(select(func.count(Signoff.id)).where(Signoff.version_id == version.id))
        == 0
    )


def test_nul_in_the_edit_form_is_400_and_makes_no_version(
    client, contributor, login, make_article, post_form
):
    make_article()
    login(contributor)
    before = db.session.scalar(select(func.count(Version.id)))
    url = "/review/articles/test-article/sections/s1/clinician/edit"
    response = post_form(
        url,
        {
            "heading": "Section 1",
            "body": "Texte\x00 [@ref-1].",
            "base_version": str(latest_version(s1(), C).id),
            "intent": "submit",
        },
    )
    assert response.status_code == 400
    assert "The field &#39;body&#39; contains a NUL character" in response.text
    assert db.session.scalar(select(func.count(Version.id))) == before


# --- as_of out of range ----------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_as_of_beyond_the_range_of_dates_in_utc_is_400(
    client, make_article, make_user, login, as_of
):
    make_article(approve="all")
    login(make_user(Role.BOARD))
    response = client.get(ARTICLE_PAGE, query_string={"as_of": as_of})
    assert response.status_code == 400
    assert (
        f"as_of must fall within the years 1 to 9999 in UTC, not &#39;{as_of}&#39;."
        in response.text
    )


@pytest.mark.parametrize(
    "as_of",
    ["0001-01-01T00:00:00Z", "0001-01-01", "9999-12-31T23:59:59Z", "9999-12-31T09:00-14:00"],
)
def test_as_of_at_the_ends_of_the_range_shows_the_page(
    client, make_article, make_user, login, as_of
):
    make_article(approve="all")
    login(make_user(Role.BOARD))
    response = client.get(ARTICLE_PAGE, query_string={"as_of": as_of})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


# --- JSON bodies -----------------------------------------------------------------------


@pytest.fixture
def writer(client, contributor, api_token, make_article) -> dict[str, str]:
    make_article()
    return {"Authorization": f"Bearer {api_token(contributor)}"}


CHAIN = f"{API}/articles/test-article/sections/s1/clinician/versions"


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"body": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"body": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001,
    ],
    ids=["array", "inside-an-object", "objects"],
)
def test_deeply_nested_json_is_400(client, writer, body):
    response = client.post(CHAIN, data=body, headers=writer, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["message"] == (
        "The request body is nested too deeply to be a body of this API."
    )


# --- one body size limit ---------------------------------------------------------------


def test_an_api_body_over_the_limit_is_413_as_json(app, client, writer):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps({"heading": "H", "body": "x" * limit})
    response = client.post(CHAIN, data=body, headers=writer, content_type="application/json")
    assert response.status_code == 413
    assert response.json == {
        "error": {
            "code": "request_entity_too_large",
            "message": "The request is larger than the 2 MiB this site accepts; nothing was saved.",
        }
    }


def test_a_form_over_the_limit_is_413_as_a_page(app, client):
    token = csrf_token(client, "/sign-in")
    padding = "x" * app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/sign-in", data={"email": "a@example.org", "password": padding, "csrf_token": token}
    )
    assert response.status_code == 413
    assert "The request is larger than the 2 MiB this site accepts" in response.text
    assert "<h1>Request refused</h1>" in response.text


# Four UTF-8 bytes each: the costliest character a person can type, once percent-encoded.
WIDEST = "\N{GRINNING FACE}"


def test_the_largest_legitimate_edit_form_fits_the_limit(
    client, contributor, login, make_article, post_form
):
    make_article()
    login(contributor)
    url = "/review/articles/test-article/sections/s1/clinician/edit"
    response = post_form(
        url,
        {
            "heading": WIDEST * HEADING,
            "body": WIDEST * BODY,
            "change_summary": WIDEST * CHANGE_SUMMARY,
            "public_note": WIDEST * PUBLIC_NOTE,
            "base_version": str(latest_version(s1(), C).id),
            "intent": "submit",
        },
    )
    assert response.status_code == 302, response.text[:500]
    db.session.expire_all()
    assert latest_version(s1(), C).body == WIDEST * BODY


def test_the_largest_legitimate_api_body_fits_the_limit(client, writer):
    body = {
        "heading": WIDEST * HEADING,
        "body": WIDEST * BODY,
        "change_summary": WIDEST * CHANGE_SUMMARY,
        "public_note": WIDEST * PUBLIC_NOTE,
        "provenance": "human",
        "base_version": latest_version(s1(), C).id,
    }
    # Every character as two \u escapes: the largest encoding of the largest version.
    data = json.dumps(body, ensure_ascii=True)
    response = client.post(CHAIN, data=data, headers=writer, content_type="application/json")
    assert response.status_code == 201, response.json


# --- reference links -------------------------------------------------------------------


HOSTILE_URLS = ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>"]


def store_reference_url(url: str) -> None:
    """Give an imported reference a URL behind the import's back, as an older row may hold."""
    reference = db.session.scalar(select(Reference).where(Reference.key == "ref-1"))
    reference.url = url
    db.session.scalar(select(Article)).mark_public_change()
    db.session.commit()


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_stored_non_web_reference_url_is_never_a_link(client, make_article, everyone, url):
    make_article(approve="all")
    store_reference_url(url)
    public = client.get(ARTICLE_PAGE).text
    review = client.get(f"/review/versions/{latest_version(s1(), C).id}").text
    for page in (public, review):
        assert "javascript:" not in page.lower()
        assert "data:text" not in page
    ld = public.split('<script type="application/ld+json">')[1].split("</script>")[0]
    citations = json.loads(ld)["citation"]
    assert all("url" not in citation for citation in citations)


def test_a_web_reference_url_is_a_link_on_every_page(client, make_article, everyone):
    make_article(approve="all")
    store_reference_url("https://example.org/guide?a=1&b=2")
    public = client.get(ARTICLE_PAGE).text
    review = client.get(f"/review/versions/{latest_version(s1(), C).id}").text
    for page, label in ((public, "Source en ligne"), (review, "Online source")):
        assert f'<a href="https://example.org/guide?a=1&amp;b=2">{label}</a>' in page
    ld = public.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert {"url": "https://example.org/guide?a=1&b=2"}.items() <= next(
        c for c in json.loads(ld)["citation"] if "url" in c
    ).items()
