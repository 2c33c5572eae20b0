"""The OpenAPI document matches the routes, and real answers match the document."""

import re
from datetime import datetime
from typing import Any

import pytest

from reviewapp.blueprints.api.openapi import document
from reviewapp.rules.states import Audience, Role

FLASK_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
TEMPLATE_PARAMETER = re.compile(r"\{([^{}]+)\}")
METHODS = {"get", "post", "put", "patch", "delete"}


def documented_operations(doc: dict) -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }


def routed_operations(app) -> set[tuple[str, str]]:
    prefix = document()["servers"][0]["url"]
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix + "/"):
            continue
        path = FLASK_PARAMETER.sub(r"{\1}", rule.rule.removeprefix(prefix))
        operations.update((path, method) for method in rule.methods - {"HEAD", "OPTIONS"})
    return operations


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


def check(doc: dict, schema: dict, value: Any, where: str = "$") -> None:
    """Fail unless `value` fits `schema`; objects may hold only documented properties."""
    schema = resolve(doc, schema)
    if value is None:
        assert schema.get("nullable"), f"{where} is null but not nullable"
        return
    kind = schema.get("type")
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    if kind == "object":
        assert isinstance(value, dict), f"{where} is not an object"
        properties = schema.get("properties", {})
        missing = set(schema.get("required", [])) - set(value)
        assert not missing, f"{where} lacks {sorted(missing)}"
        undocumented = set(value) - set(properties)
        assert not undocumented, f"{where} has undocumented {sorted(undocumented)}"
        for name, item in value.items():
            check(doc, properties[name], item, f"{where}.{name}")
    elif kind == "array":
        assert isinstance(value, list), f"{where} is not an array"
        for index, item in enumerate(value):
            check(doc, schema["items"], item, f"{where}[{index}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where} is not a string"
        if "pattern" in schema:
            assert re.search(schema["pattern"], value), f"{where} does not match its pattern"
        if schema.get("format") == "date-time":
            assert datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
    elif kind == "integer":
        assert isinstance(value, int), f"{where} is not an integer"
        assert not isinstance(value, bool), f"{where} is a boolean, not an integer"
        assert value >= schema.get("minimum", value), f"{where} below its minimum"
        assert value <= schema.get("maximum", value), f"{where} above its maximum"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where} is not a boolean"
    else:
        pytest.fail(f"{where}: schema without a type")


def test_document_is_served_as_json_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == document()
    assert response.json["openapi"] == "3.0.3"
    assert response.json["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from 'flask users token EMAIL'.",
    }


def test_every_route_is_documented_and_every_documented_path_is_routed(app):
    doc = document()
    routed, documented = routed_operations(app), documented_operations(doc)
    assert routed - documented == set(), "routes missing from the document"
    assert documented - routed == set(), "documented operations without a route"
    assert len(routed) >= 10


def test_every_operation_names_its_parameters_errors_and_security():
    doc = document()
    operation_ids = []
    for path, item in doc["paths"].items():
        for method, operation in ((m, o) for m, o in item.items() if m in METHODS):
            operation_ids.append(operation["operationId"])
            parameters = item.get("parameters", []) + operation.get("parameters", [])
            in_path = {p["name"] for p in parameters if p["in"] == "path"}
            assert in_path == set(TEMPLATE_PARAMETER.findall(path)), (path, method)
            statuses = set(operation["responses"])
            if path == "/openapi.json":
                assert operation["security"] == []
                continue
            assert "security" not in operation  # the document-wide bearer requirement holds
            assert "401" in statuses, (path, method)
            if method == "post":
                assert {"403", "404"} <= statuses, (path, method)
            if "requestBody" in operation:
                assert "400" in statuses, (path, method)
                schema = resolve(doc, operation["requestBody"]["content"]["application/json"])
                assert resolve(doc, schema["schema"])["additionalProperties"] is False
    assert len(operation_ids) == len(set(operation_ids))


def test_every_reference_resolves():
    doc = document()
    text = repr(doc)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in doc["components"]["schemas"], name


class Recorder:
    """Call the API and check each answer against the documented schema for its status."""

    def __init__(self, client, doc: dict) -> None:
        self.client = client
        self.doc = doc
        self.seen: set[tuple[str, str, str]] = set()

    def __call__(self, secret: str | None, method: str, template: str, json=None, **values):
        url = "/api/v1" + TEMPLATE_PARAMETER.sub(lambda m: str(values[m.group(1)]), template)
        if "query" in values:
            url += values["query"]
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        response = self.client.open(url, method=method, json=json, headers=headers)
        status = str(response.status_code)
        operation = self.doc["paths"][template][method.lower()]
        assert status in operation["responses"], f"{method} {template} answered {status}"
        answer = operation["responses"][status]
        check(self.doc, answer["content"]["application/json"]["schema"], response.json)
        for header in answer.get("headers", {}):
            assert header in response.headers, (method, template, status, header)
        self.seen.add((template, method, status))
        return response


def test_answers_match_the_document(
    client, make_article, make_user, api_token, contributor, editor
):
    make_article(approve=(("summary", Audience.CLINICIAN), ("s1", Audience.CLINICIAN)))
    writer, reviewer = api_token(contributor), api_token(editor)
    board = api_token(make_user(Role.BOARD))
    call = Recorder(client, document())
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
    call(writer, "POST", chain, json={"heading": 1}, **where)
    call(reviewer, "POST", chain, json={**draft, "base_version": base}, **where)
    new = call(
        writer,
        "POST",
        chain,
        json={**draft, "base_version": base, "change_summary": "Neuf."},
        **where,
    ).json["id"]
    call(
        writer, "POST", chain, json={**draft, "base_version": base, "change_summary": "x"}, **where
    )
    call(writer, "POST", chain, json={**draft, "base_version": new}, **{**where, "key": "nope"})

    call(reviewer, "GET", "/versions/{version_id}", version_id=new)
    call(reviewer, "GET", "/versions/{version_id}", version_id=99999)
    call(reviewer, "GET", "/versions/{version_id}/diff", version_id=new)
    call(reviewer, "GET", "/versions/{version_id}/diff", version_id=base)
    call(reviewer, "GET", "/versions/{version_id}/diff", version_id=new, query="?against=77777")

    transitions = "/versions/{version_id}/transitions"
    call(reviewer, "POST", transitions, json={"action": "approve"}, version_id=new)  # 409
    call(board, "POST", transitions, json={"action": "start_review"}, version_id=new)  # 403
    call(reviewer, "POST", transitions, json={"action": "publish"}, version_id=new)  # 400
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

    statuses = {status for _, _, status in call.seen}
    assert statuses == {"200", "201", "400", "401", "403", "404", "409", "422"}
