"""The generated OpenAPI document is valid, matches the routes, and real answers match it."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_schema_validator import validate as validate_instance
from openapi_spec_validator import validate as validate_document

from reviewapp.blueprints.api import schemas
from reviewapp.blueprints.api.schemas import PROVENANCE_PATTERN
from reviewapp.domain.errors import ValidationError
from reviewapp.domain.signoffs import MEANINGS
from reviewapp.domain.versions import validate_provenance
from reviewapp.rules import limits
from reviewapp.rules.declarations import DECLARATION_TEXT, STATEMENT_TEXT
from reviewapp.rules.parts import VALUE_LIMITS
from reviewapp.rules.states import Audience, Role
from tests.conftest import TEST_PASSWORD

API = "/api/v1"
FLASK_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
TEMPLATE_PARAMETER = re.compile(r"\{([^{}]+)\}")
METHODS = {"get", "post", "put", "patch", "delete"}
ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def doc(client) -> dict:
    return client.get(f"{API}/openapi.json").json


def operations(doc: dict):
    """Yield (path, method, operation) for every operation in the document."""
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_document_is_served_as_json_without_a_token(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["openapi"] == "3.1.0"
    assert response.json["security"] == [{"bearer": []}]
    assert response.json["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from 'flask users token EMAIL'.",
    }


def test_document_is_valid_openapi(doc):
    validate_document(doc)


def test_every_route_is_documented_and_every_documented_path_is_routed(app, doc):
    routed = {
        (FLASK_PARAMETER.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, method, _ in operations(doc)}
    assert routed - documented == set(), "routes missing from the document"
    assert documented - routed == set(), "documented operations without a route"
    assert len(routed) >= 15


def test_every_operation_names_its_parameters_errors_and_security(doc):
    operation_ids = []
    for path, method, operation in operations(doc):
        operation_ids.append(operation["operationId"])
        parameters = doc["paths"][path].get("parameters", []) + operation.get("parameters", [])
        in_path = {p["name"] for p in parameters if p["in"] == "path"}
        assert in_path == set(TEMPLATE_PARAMETER.findall(path)), (path, method)
        responses = operation["responses"]
        if path == f"{API}/openapi.json":
            assert operation["security"] == []
            continue
        assert "security" not in operation  # the document-wide bearer requirement holds
        assert "WWW-Authenticate" in responses["401"]["headers"], (path, method)
        if method == "post":
            assert {"403", "404"} <= set(responses), (path, method)
        if "requestBody" in operation or "parameters" in operation:
            assert "422" in responses, (path, method)
        if "requestBody" in operation:
            assert "400" in responses, (path, method)
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            name = body["$ref"].removeprefix("#/components/schemas/")
            assert doc["components"]["schemas"][name]["additionalProperties"] is False
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"] == ERROR
            elif status == "201":
                assert "Location" in response["headers"], (path, method)
    assert len(operation_ids) == len(set(operation_ids))


# (request schema, field) → the domain limit its maxLength must show.
DOCUMENTED_LIMITS = {
    ("NewVersion", "heading"): limits.HEADING,
    ("NewVersion", "body"): limits.BODY,
    ("NewVersion", "change_summary"): limits.CHANGE_SUMMARY,
    ("NewVersion", "public_note"): limits.PUBLIC_NOTE,
    ("NewVersion", "provenance"): limits.PROVENANCE,
    ("NewComment", "body"): limits.COMMENT,
    ("NewTransition", "comment"): limits.TRANSITION_COMMENT,
    ("NewObjection", "reason"): limits.OBJECTION_REASON,
    ("NewSignoff", "password"): limits.PASSWORD,
    ("NewSignoff", "meaning"): limits.MEANING,
    ("NewWithdrawal", "reason"): limits.WITHDRAWAL_REASON,
    ("NewRetraction", "reason"): limits.WITHDRAWAL_REASON,
    ("NewCountersignature", "password"): limits.PASSWORD,
    ("NewAuthor", "name"): limits.PERSON_NAME,
    ("NewAuthor", "credentials"): limits.CREDENTIALS,
    ("NewAuthor", "disclosures"): schemas.AUTHOR_DISCLOSURES,
    ("NewFrontMatterVersion", "title"): VALUE_LIMITS["title"],
    ("NewFrontMatterVersion", "title_language"): schemas.TITLE_LANGUAGE,
    ("NewFrontMatterVersion", "language"): schemas.LANGUAGE,
    ("NewFrontMatterVersion", "specialty"): schemas.SPECIALTY,
    ("NewOutlineEntry", "key"): schemas.SECTION_KEY,
    ("NewReferenceVersion", "title"): VALUE_LIMITS["title"],
    ("NewReferenceVersion", "authors"): VALUE_LIMITS["authors"],
    ("NewReferenceVersion", "publisher"): VALUE_LIMITS["publisher"],
    ("NewReferenceVersion", "url"): VALUE_LIMITS["url"],
    ("NewReferenceVersion", "doi"): schemas.DOI,
    ("NewReferenceVersion", "pmid"): schemas.PMID,
    ("NewReferenceVersion", "accessed"): schemas.ACCESSED,
    ("NewReferenceVersion", "note"): VALUE_LIMITS["note"],
    ("NewSiteTextVersion", "text"): VALUE_LIMITS["text"],
    ("NewDeclaration", "text"): DECLARATION_TEXT,
    ("NewInterestStatement", "text"): STATEMENT_TEXT,
    **{
        (f"New{kind}Version", field): limit
        for kind in ("FrontMatter", "Settings", "Outline", "Reference", "SiteText")
        for field, limit in (
            ("change_summary", limits.CHANGE_SUMMARY),
            ("provenance", limits.PROVENANCE),
        )
    },
}


def test_every_text_field_shows_its_domain_limit(doc):
    shown = {
        (name, field): schema.get("maxLength")
        for name, component in doc["components"]["schemas"].items()
        if name.startswith("New")
        for field, schema in component["properties"].items()
        # Free text must show a limit; a choice among values (the action) needs none.
        if schema.get("type") == "string" and ("maxLength" in schema or "enum" not in schema)
    }
    assert shown == DOCUMENTED_LIMITS


@given(
    st.one_of(
        st.text(),
        st.builds(
            "".join,
            st.lists(
                st.sampled_from(["human", "tool:", "tool", ":", " ", "\t", "\n", "\u2003", "x"]),
                max_size=6,
            ),
        ),
    )
)
def test_the_documented_provenance_pattern_is_what_the_domain_accepts(value):
    try:
        validate_provenance(value)
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert (re.match(PROVENANCE_PATTERN, value) is not None) == accepted


class Recorder:
    """Call the API and check each answer against the generated schema for its status."""

    def __init__(self, client, doc: dict) -> None:
        self.client = client
        self.doc = doc
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, secret: str | None, method: str, template: str, json=None, **values):
        url = API + TEMPLATE_PARAMETER.sub(lambda m: str(values[m.group(1)]), template)
        url += values.get("query", "")
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        response = self.client.open(url, method=method, json=json, headers=headers)
        status = str(response.status_code)
        operation = self.doc["paths"][API + template][method.lower()]
        assert status in operation["responses"], f"{method} {template} answered {status}"
        answer = operation["responses"][status]
        schema = answer["content"]["application/json"]["schema"]
        validate_instance(
            response.json,
            {**schema, "components": self.doc["components"]},
            cls=OAS31Validator,
            format_checker=oas31_format_checker,
        )
        for header in answer.get("headers", {}):
            assert header in response.headers, (method, template, status, header)
        self.seen.add((template, method, status))
        return response


def test_answers_match_the_document(
    client, doc, make_article, make_user, api_token, contributor, editor
):
    make_article(approve=(("summary", Audience.CLINICIAN), ("s1", Audience.CLINICIAN)))
    writer, reviewer = api_token(contributor), api_token(editor)
    board = api_token(make_user(Role.BOARD))
    call = Recorder(client, doc)
    chain = "/articles/{slug}/sections/{key}/{audience}/versions"
    where = {"slug": "test-article", "key": "s1", "audience": "clinician"}
    draft = {"heading": "Section 1", "body": "Neuf [@ref-1].", "provenance": "tool:drafter 1.2"}

    call(writer, "GET", "/articles")
    call(None, "GET", "/articles")
    call(writer, "GET", "/articles/{slug}", slug="test-article")
    call(writer, "GET", "/articles/{slug}", slug="missing")
    base = call(writer, "GET", chain, **where).json["versions"][0]["id"]
    call(writer, "GET", chain, **{**where, "audience": "patient"})
    call(writer, "GET", chain, **{**where, "key": "missing"})

    call(writer, "POST", chain, json={**draft, "base_version": base}, **where)  # 422: no summary
    call(writer, "POST", chain, json={"heading": 1}, **where)  # 422: a mistyped field
    call(writer, "POST", chain, json=[draft], **where)  # 400: not an object
    call(reviewer, "POST", chain, json={**draft, "base_version": base}, **where)
    new = call(
        writer,
        "POST",
        chain,
        json={**draft, "base_version": base, "change_summary": "Neuf.", "public_note": "Neuf."},
        **where,
    ).json["id"]
    stale = {**draft, "base_version": base, "change_summary": "x"}
    assert call(writer, "POST", chain, json=stale, **where).json["error"]["current_version_id"]
    call(writer, "POST", chain, json={**draft, "base_version": new}, **{**where, "key": "nope"})

    call(reviewer, "GET", "/versions/{version_id}", version_id=new)
    call(reviewer, "GET", "/versions/{version_id}", version_id=99999)
    call(reviewer, "GET", "/versions/{version_id}/diff", version_id=new)
    call(reviewer, "GET", "/versions/{version_id}/diff", version_id=base)
    call(reviewer, "GET", "/versions/{version_id}/diff", version_id=new, query="?against=77777")
    call(reviewer, "GET", "/versions/{version_id}/diff", version_id=new, query="?against=x")

    transitions = "/versions/{version_id}/transitions"
    call(reviewer, "POST", transitions, json={"action": "approve"}, version_id=new)  # 409
    call(board, "POST", transitions, json={"action": "start_review"}, version_id=new)  # 403
    call(reviewer, "POST", transitions, json={"action": "publish"}, version_id=new)  # 422
    call(reviewer, "POST", transitions, json={"action": "start_review"}, version_id=new)
    call(reviewer, "POST", transitions, json={"action": "reject"}, version_id=new)  # 422
    call(reviewer, "POST", transitions, json={"action": "start_review"}, version_id=99999)

    comments = "/versions/{version_id}/comments"
    comment = call(reviewer, "POST", comments, json={"body": "Dose ?"}, version_id=new).json["id"]
    call(reviewer, "POST", comments, json={"body": " "}, version_id=new)  # 422
    call(api_token(make_user()), "POST", comments, json={"body": "Moi"}, version_id=new)  # 403
    call(reviewer, "POST", comments, json=[], version_id=new)  # 400
    call(writer, "GET", comments, version_id=new)
    resolve_url = "/comments/{comment_id}/resolve"
    call(writer, "POST", resolve_url, comment_id=comment)  # 403: neither editor nor its author
    call(reviewer, "POST", resolve_url, comment_id=comment)
    call(reviewer, "POST", resolve_url, comment_id=comment)  # 409
    call(reviewer, "POST", resolve_url, comment_id=99999)
    call(reviewer, "POST", transitions, json={"action": "approve"}, version_id=new)
    call(None, "POST", transitions, json={"action": "approve"}, version_id=new)

    signoffs, objections = "/versions/{version_id}/signoffs", "/versions/{version_id}/objections"
    call(board, "POST", objections, json={"reason": " "}, version_id=new)  # 422
    signature = {"password": TEST_PASSWORD, "meaning": MEANINGS[0]}
    call(board, "POST", signoffs, json=signature, version_id=new)
    call(board, "POST", signoffs, json=signature, version_id=new)  # 409: signed already
    call(board, "GET", signoffs, version_id=new)
    call(board, "POST", objections, json={"reason": "Trop tard."}, version_id=new)  # 409
    call(board, "GET", "/audit", query="?limit=3")
    call(board, "GET", "/audit", query="?limit=0")  # 422
    call(reviewer, "GET", "/audit")  # 403

    statuses = {status for _, _, status in call.seen}
    assert statuses == {"200", "201", "400", "401", "403", "404", "409", "422"}


PART_BODIES = {
    "/articles/{slug}/front-matter/versions": {
        "title": "Nouvelle question ?",
        "title_language": "",
        "language": "fr",
        "specialty": "",
        "authors": [{"name": "Dr A", "credentials": "MD", "disclosures": "Aucun"}],
    },
    "/articles/{slug}/settings/versions": {
        "publication": "pending-with-caution",
        "required_signoffs": 1,
        "review_interval_months": 6,
    },
    "/articles/{slug}/outline/versions": {
        "sections": [{"key": "summary", "level": 1}, {"key": "s1", "level": 2}],
        "retired": ["s2", "s3"],
    },
    "/articles/{slug}/references/{key}/versions": {
        "kind": "web",
        "title": "Site",
        "authors": "",
        "year": None,
        "publisher": "",
        "url": "https://example.org/",
        "doi": "",
        "pmid": "",
        "accessed": "",
        "note": "",
    },
    "/site-texts/{key}/versions": {"text": "Avertissement révisé."},
}


def test_part_answers_match_the_document(
    client, doc, make_article, make_user, api_token, contributor, editor
):
    make_article()
    writer, reviewer = api_token(contributor), api_token(editor)
    board = api_token(make_user(Role.BOARD))
    call = Recorder(client, doc)
    where = {"slug": "test-article", "key": "ref-1"}
    meta = {"change_summary": "Révision.", "provenance": "human"}
    submitted = []
    for template, values in PART_BODIES.items():
        place = {**where, "key": "disclaimer.patient"} if "site-texts" in template else where
        listed = call(writer, "GET", template, **place).json["versions"]
        base = listed[0]["id"] if listed else None
        body = {**values, **meta, "base_version_id": base}
        call(writer, "POST", template, json={**body, "x": 1}, **place)  # 422
        call(writer, "POST", template, json=[body], **place)  # 400
        call(board, "POST", template, json=body, **place)  # 403
        submitted.append(call(writer, "POST", template, json=body, **place).json["id"])
        call(writer, "POST", template, json=body, **place)  # 409: stale
        missing = {**place, "slug": "nope"} if "slug" in template else {"key": "footer"}
        call(writer, "GET", template, **missing)
        call(writer, "POST", template, json=body, **missing)
    call(writer, "GET", "/articles/{slug}/references/{key}/versions", slug="test-article", key="zz")

    call(reviewer, "GET", "/articles/{slug}/pending", slug="test-article")
    call(reviewer, "GET", "/articles/{slug}/pending", slug="nope")
    call(reviewer, "GET", "/site-texts/pending")
    for version_id in submitted:
        call(reviewer, "GET", "/versions/{version_id}", version_id=version_id)
        call(reviewer, "GET", "/versions/{version_id}/diff", version_id=version_id)
        call(reviewer, "GET", "/versions/{version_id}/signoffs", version_id=version_id)
    site_text = submitted[-1]
    for action in ("start_review", "approve"):
        transitions = "/versions/{version_id}/transitions"
        call(reviewer, "POST", transitions, json={"action": action}, version_id=site_text)
    signature = {"password": TEST_PASSWORD, "meaning": MEANINGS[0]}
    call(board, "POST", "/versions/{version_id}/signoffs", json=signature, version_id=site_text)
    call(board, "GET", "/articles/{slug}", slug="test-article")

    statuses = {status for _, _, status in call.seen}
    assert statuses == {"200", "201", "400", "403", "404", "409", "422"}
