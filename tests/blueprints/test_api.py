"""The JSON API under /api/v1, through HTTP, for each role."""

import re

import pytest
from sqlalchemy import func, select

from reviewapp.domain import part_chains
from reviewapp.domain.signoffs import MEANINGS, sign_version
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Reference, Version
from reviewapp.rules.states import REVIEW_ACTIONS, Action, Audience, Role, State, transition_for
from tests.conftest import TEST_PASSWORD

C, P = Audience.CLINICIAN, Audience.PATIENT
API = "/api/v1"
PAGE = "/articles/test-article/clinician"


class Api:
    """A client that calls the API with one account's bearer token."""

    def __init__(self, client, secret: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str, **kwargs):
        return self.client.get(API + path, headers=self.headers, **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(API + path, json=json, headers=self.headers, **kwargs)

    def chain(self, key: str = "s1", audience: Audience = C) -> list[dict]:
        response = self.get(f"/articles/test-article/sections/{key}/{audience}/versions")
        assert response.status_code == 200, response.json
        return response.json["versions"]

    def newest_id(self, key: str = "s1", audience: Audience = C) -> int | None:
        versions = self.chain(key, audience)
        return versions[0]["id"] if versions else None

    def submit(self, key: str = "s1", audience: Audience = C, **fields):
        body = {
            "heading": f"Section {key[1:]}",
            "body": "Nouveau texte [@ref-1].",
            "provenance": "human",
            "change_summary": "Mise à jour des données.",
            "public_note": "Données mises à jour.",
            **fields,
        }
        if "base_version" not in fields:
            body["base_version"] = self.newest_id(key, audience)
        return self.post(f"/articles/test-article/sections/{key}/{audience}/versions", body)

    def act(self, version_id: int, action: Action | str, comment: str = ""):
        return self.post(
            f"/versions/{version_id}/transitions", {"action": str(action), "comment": comment}
        )

    def state(self, version_id: int) -> str:
        return self.get(f"/versions/{version_id}").json["state"]


@pytest.fixture
def as_user(client, api_token):
    def make(user) -> Api:
        return Api(client, api_token(user))

    return make


@pytest.fixture
def writer(as_user, contributor) -> Api:
    return as_user(contributor)


@pytest.fixture
def reviewer(as_user, editor) -> Api:
    return as_user(editor)


@pytest.fixture
def sign_off(make_user):
    """Add the board signatures an approval waits for (the API does not sign)."""
    board = []

    def sign(version_id: int) -> None:
        version = db.session.get(Version, version_id)
        if version.workflow_state is not State.AWAITING_SIGNOFF:
            return
        required = part_chains.required_signoffs(version)
        while len(board) < required:
            board.append(make_user(Role.BOARD))
        for member in board[:required]:
            sign_version(member, version, password=TEST_PASSWORD, meaning=MEANINGS[0])
        db.session.commit()

    return sign


def done_events() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.outcome == "done"))


def refusals(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.outcome == "refused", AuditEvent.action == action)
        )
    )


def public_section(html: str, key: str) -> str:
    """Return the HTML of one section of the public page, or '' if it is not shown."""
    match = re.search(rf'<section class="section[^"]*" id="section-{key}".*?</section>', html, re.S)
    return match.group(0) if match else ""


# Reading


def test_list_articles(reviewer, make_article):
    make_article()
    make_article(slug="autre")
    response = reviewer.get("/articles")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert [a["slug"] for a in response.json["articles"]] == ["autre", "test-article"]
    assert response.json["articles"][1] == {
        "slug": "test-article",
        "title": "Quelle est la question ?",
        "language": "fr",
        "publication": "approved-only",
        "url": "/api/v1/articles/test-article",
    }


def test_article_shows_published_and_newest_version_per_chain(writer, reviewer, make_article):
    make_article(approve=(("summary", C), ("s1", C)), under_review=(("s2", C),), patient=True)
    writer.submit("s1")
    reference = db.session.scalar(select(Reference).where(Reference.key == "ref-1"))
    reference.year = None
    db.session.commit()

    article = reviewer.get("/articles/test-article").json
    assert article["required_signoffs"] == 1
    assert article["authors"] == [
        {"name": "Dr Author", "credentials": "MD", "disclosures": "None declared"}
    ]
    assert [(r["key"], r["incomplete"], r["missing"]) for r in article["references"]] == [
        ("ref-0", False, []),
        ("ref-1", True, ["year"]),
    ]
    sections = {s["key"]: s["audiences"] for s in article["sections"]}
    assert list(sections) == ["summary", "s1", "s2", "s3"]

    def short(entry: dict | None) -> tuple | None:
        return (entry["number"], entry["state"]) if entry else None

    def status(key: str, audience: Audience) -> tuple:
        chain = sections[key][audience]
        return short(chain["published"]), short(chain["newest"])

    assert status("summary", C) == ((1, "approved"), (1, "approved"))
    assert status("s1", C) == ((1, "approved"), (2, "submitted"))
    assert status("s2", C) == (None, (1, "under_review"))
    assert status("s3", C) == (None, (1, "submitted"))
    assert status("s1", P) == (None, (1, "submitted"))
    assert sections["s1"]["clinician"]["newest"]["id"] == writer.newest_id("s1")


def test_article_query_count_does_not_grow_with_sections(reviewer, make_article, count_queries):
    make_article(slug="small", sections=3, approve="all")
    make_article(slug="large", sections=40, approve="all")
    reviewer.get("/articles")  # a token's first use of the minute also stores that use
    counts = []
    for slug in ("small", "large"):
        db.session.expire_all()
        with count_queries() as counter:
            response = reviewer.get(f"/articles/{slug}")
        assert response.status_code == 200
        counts.append(counter.count)
    assert len(response.json["sections"]) == 41
    assert counts[0] == counts[1]
    assert counts[0] <= 8


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/articles/nope", "There is no article 'nope'."),
        ("/articles/nope/sections/s1/clinician/versions", "There is no article 'nope'."),
        (
            "/articles/test-article/sections/zz/clinician/versions",
            "The article 'test-article' has no section 'zz'.",
        ),
        (
            "/articles/test-article/sections/s1/robot/versions",
            "There is no audience 'robot': use 'clinician' or 'patient'.",
        ),
        ("/versions/999", "There is no version 999."),
        ("/versions/999/comments", "There is no version 999."),
        ("/versions/99999999999", "There is no version 99999999999."),
        ("/articles/a%00b", "There is nothing at this address."),
    ],
)
def test_missing_things_are_404_in_json(reviewer, make_article, path, message):
    make_article()
    response = reviewer.get(path)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert message in response.json["error"]["message"]


def test_version_shows_its_wording_provenance_and_callers_actions(writer, reviewer, make_article):
    make_article(body=lambda index: f"Texte [@ref-1] puis [@ref-0; @ref-1] ({index}).")
    version_id = writer.newest_id("s1")
    as_editor = reviewer.get(f"/versions/{version_id}").json
    assert as_editor["section"] == "s1"
    assert as_editor["article"] == "test-article"
    assert as_editor["audience"] == "clinician"
    assert as_editor["number"] == 1
    assert as_editor["heading"] == "Section 1"
    assert as_editor["body"] == "Texte [@ref-1] puis [@ref-0; @ref-1] (1)."
    assert as_editor["citations"] == ["ref-1", "ref-0"]
    # Numbered for this version alone: ref-1 is cited first, so it is 1.
    assert re.findall(r'<a href="#ref-([^"]+)">(\d)</a>', as_editor["html"]) == [
        ("ref-1", "1"),
        ("ref-0", "2"),
        ("ref-1", "1"),
    ]
    assert as_editor["state"] == "submitted"
    assert as_editor["state_label"] == "Submitted"
    assert as_editor["author"] == {"id": writer_id(as_editor), "name": "Camille Writer, MD"}
    assert as_editor["provenance"] == "human"
    assert as_editor["drafted_by_tool"] is False
    assert re.fullmatch(r"[0-9a-f]{64}", as_editor["content_hash"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", as_editor["created_at"])
    assert as_editor["approved_at"] is None
    assert as_editor["allowed_actions"] == ["start_review"]
    assert as_editor["can_comment"] is True
    assert as_editor["history"] == []
    as_author = writer.get(f"/versions/{version_id}").json
    assert as_author["allowed_actions"] == []
    assert as_author["can_comment"] is True


def writer_id(version: dict) -> int:
    return version["author"]["id"]


def test_versions_are_listed_newest_first(writer, make_article):
    make_article(approve="all")
    writer.submit("s1")
    writer.submit("s1", body="Encore [@ref-0].")
    versions = writer.chain("s1")
    assert [(v["number"], v["state"]) for v in versions] == [
        (3, "submitted"),
        (2, "superseded"),
        (1, "approved"),
    ]
    assert versions[0]["parent_id"] == versions[1]["id"]
    assert versions[0]["change_summary"] == "Mise à jour des données."


# Submitting


def test_submit_answers_201_with_location(writer, make_article):
    make_article(approve="all")
    response = writer.submit("s1")
    assert response.status_code == 201, response.json
    version = response.json
    assert response.headers["Location"] == f"/api/v1/versions/{version['id']}"
    assert version["number"] == 2
    assert version["state"] == "submitted"
    assert version["citations"] == ["ref-1"]
    assert version["history"] == []
    assert writer.get(f"/versions/{version['id']}").json["body"] == "Nouveau texte [@ref-1]."


def test_first_patient_version_starts_a_chain_and_records_its_source(writer, make_article):
    make_article(approve="all")
    clinician_id = writer.newest_id("s1", C)
    response = writer.submit("s1", P, heading="En bref", body="Mots simples.", base_version=None)
    assert response.status_code == 201, response.json
    assert response.json["number"] == 1
    assert response.json["parent_id"] is None
    assert response.json["source_clinician_id"] == clinician_id


def test_tool_provenance_is_never_taken_for_a_person(writer, reviewer, make_article):
    make_article(approve="all")
    response = writer.submit("s1", provenance="tool:drafter 1.2")
    assert response.status_code == 201
    shown = reviewer.get(f"/versions/{response.json['id']}").json
    assert shown["provenance"] == "tool:drafter 1.2"
    assert shown["drafted_by_tool"] is True
    assert shown["provenance_label"] == "Drafted by software (drafter 1.2)"
    listed = reviewer.chain("s1")
    assert [v["drafted_by_tool"] for v in listed] == [True, False]


@pytest.mark.parametrize("provenance", ["robot", "tool:", "tool:   ", ""])
def test_bad_provenance_is_refused(writer, make_article, provenance):
    make_article(approve="all")
    response = writer.submit("s1", provenance=provenance)
    assert response.status_code == 422
    assert (
        "Provenance must be 'human' or 'tool:<name and version>'"
        in (response.json["error"]["message"])
    )


def test_stale_base_is_refused_with_the_current_version(writer, make_article, as_user, make_user):
    make_article(approve="all")
    first_base = writer.newest_id("s1")
    other = as_user(make_user(Role.CONTRIBUTOR))
    newer = other.submit("s1", base_version=first_base)
    assert newer.status_code == 201
    response = writer.submit("s1", base_version=first_base, body="Mon texte [@ref-0].")
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "stale_version"
    assert error["current_version_id"] == newer.json["id"]
    assert "Someone submitted version 2" in error["message"]
    assert [v["number"] for v in writer.chain("s1")] == [2, 1]
    assert refusals("version.submit")[0].actor_label.startswith("Camille Writer")
    retried = writer.submit("s1", base_version=error["current_version_id"], body="Mon texte.")
    assert retried.status_code == 201


def test_stale_base_for_a_chain_without_versions(writer, make_article):
    make_article(approve="all")
    response = writer.submit("s1", P, base_version=writer.newest_id("s1", C))
    assert response.status_code == 409
    assert response.json["error"]["current_version_id"] is None


@pytest.mark.parametrize("pending", [State.SUBMITTED, State.UNDER_REVIEW])
def test_new_submission_supersedes_a_pending_one(writer, reviewer, make_article, pending):
    make_article(approve="all")
    waiting = writer.submit("s1").json["id"]
    if pending is State.UNDER_REVIEW:
        assert reviewer.act(waiting, Action.START_REVIEW).status_code == 200
    newer = writer.submit("s1", body="Encore mieux [@ref-0].").json
    superseded = reviewer.get(f"/versions/{waiting}").json
    assert superseded["state"] == "superseded"
    assert superseded["allowed_actions"] == []
    assert superseded["history"][-1]["action"] == "supersede"
    assert newer["parent_id"] == waiting
    assert reviewer.act(waiting, Action.APPROVE).status_code == 409


def test_unknown_citation_key_is_refused_by_name(writer, make_article):
    make_article(approve="all")
    response = writer.submit("s1", body="Voir [@ref-0].\n\nEt [@nowhere-2024].")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert "Unknown citation key 'nowhere-2024'" in response.json["error"]["message"]
    assert response.json["error"]["field"] == "body"
    assert len(writer.chain("s1")) == 1


def test_change_summary_is_required_once_approved(writer, make_article):
    make_article(approve=(("s1", C),))
    response = writer.submit("s1", change_summary="")
    assert response.status_code == 422
    assert "change summary" in response.json["error"]["message"]
    assert response.json["error"]["field"] == "change_summary"
    # A chain never approved needs no reason yet.
    assert writer.submit("s2", change_summary="  ").status_code == 201


def test_only_contributors_submit(reviewer, make_article):
    make_article(approve="all")
    response = reviewer.submit("s1")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "permission_denied"
    assert refusals("version.submit")


@pytest.mark.parametrize("payload", ["not json", "null", '{"heading": ', "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_400(writer, payload):
    # The body is read before anything is loaded, so no article is needed.
    url = f"{API}/articles/test-article/sections/s1/clinician/versions"
    response = writer.client.post(url, data=payload, headers=writer.headers)
    assert response.status_code == 400
    assert response.json["error"] == {
        "code": "bad_request",
        "message": "The request body must be a JSON object.",
    }


VALID = {"heading": "H", "body": "B", "base_version": None, "provenance": "human"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"provenance": None}, "provenance", "Field may not be null."),
        ({"heading": 3}, "heading", "Not a valid string."),
        ({"base_version": "12"}, "base_version", "Not a valid integer."),
        ({"base_version": True}, "base_version", "Not a valid integer."),
        ({"base_version": 1.5}, "base_version", "Not a valid integer."),
        ({"base_version": -1}, "base_version", "Must be greater than or equal to 1"),
        ({"base_version": 2**31}, "base_version", "less than or equal to 2147483647"),
        ({"x": 1}, "x", "Unknown field."),
        ({"body": "a\x00b"}, "body", "Must not contain NUL characters."),
        ({"body": ["B"]}, "body", "Not a valid string."),
        ({"change_summary": None}, "change_summary", "Field may not be null."),
        ({"provenance": "robot"}, "provenance", "Provenance must be 'human' or 'tool:<name"),
    ],
)
def test_a_schema_invalid_field_is_422_naming_it(writer, changes, field, message):
    url = f"{API}/articles/test-article/sections/s1/clinician/versions"
    response = writer.client.post(url, json={**VALID, **changes}, headers=writer.headers)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert error["message"].startswith(f"'{field}': ")
    assert message in error["message"]


def test_a_missing_field_is_422_naming_it(writer):
    url = f"{API}/articles/test-article/sections/s1/clinician/versions"
    body = {name: value for name, value in VALID.items() if name != "provenance"}
    response = writer.client.post(url, json=body, headers=writer.headers)
    assert response.status_code == 422
    assert response.json["error"]["field"] == "provenance"
    assert "Missing data for required field." in response.json["error"]["message"]


def test_lone_surrogate_is_422(writer):
    body = b'{"heading": "H", "body": "\\ud800", "base_version": null, "provenance": "human"}'
    response = writer.client.post(
        f"{API}/articles/test-article/sections/s1/clinician/versions",
        data=body,
        headers={**writer.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "body"
    assert "'body': Is not valid Unicode text." in response.json["error"]["message"]


# The workflow


def test_whole_workflow_through_the_api_reaches_the_public_page(
    writer, reviewer, client, make_article, sign_off
):
    make_article(approve="all")
    assert "Texte de la section 1" in client.get(PAGE).text

    submitted = writer.submit("s1", body="Wording révisé [@ref-1].")
    assert submitted.status_code == 201
    version_id = submitted.json["id"]
    assert reviewer.get(f"/versions/{version_id}").json["allowed_actions"] == ["start_review"]
    assert "Wording révisé" not in client.get(PAGE).text

    started = reviewer.act(version_id, Action.START_REVIEW)
    assert started.status_code == 200
    assert started.json["state"] == "under_review"
    assert started.json["allowed_actions"] == ["request_changes", "reject", "approve"]
    html = client.get(PAGE).text
    assert "Wording révisé" not in html
    assert "Texte de la section 1" in public_section(html, "s1")

    approved = reviewer.act(version_id, Action.APPROVE)
    assert approved.status_code == 200
    assert approved.json["state"] in ("approved", "awaiting_signoff")
    assert [step["action"] for step in approved.json["history"]][:2] == [
        "start_review",
        "approve",
    ]
    assert approved.json["history"][1]["actor"]["name"] == "Dr Eve Editor, MD"
    if approved.json["state"] == "awaiting_signoff":
        assert "Wording révisé" not in client.get(PAGE).text
        sign_off(version_id)
    final = reviewer.get(f"/versions/{version_id}").json
    assert final["state"] == "approved"
    assert final["approved_at"] is not None
    html = client.get(PAGE).text
    assert "Wording révisé" in public_section(html, "s1")
    assert "Texte de la section 1" not in html
    assert "Pending human review" not in html
    status = reviewer.get("/articles/test-article").json["sections"][1]["audiences"]["clinician"]
    assert status["published"]["id"] == status["newest"]["id"] == version_id


def test_pending_wording_is_never_shown_as_approved(
    writer, reviewer, client, make_article, sign_off
):
    make_article(approve=(("summary", C), ("s1", C)), policy="pending-with-caution")
    version_id = writer.submit("s2", body="Brouillon prudent [@ref-0].").json["id"]
    for step in (None, Action.START_REVIEW):
        if step:
            assert reviewer.act(version_id, step).status_code == 200
        section = public_section(client.get(PAGE).text, "s2")
        assert "Brouillon prudent" in section
        assert 'class="section pending"' in section
        assert "En attente de relecture humaine" in section
    assert reviewer.act(version_id, Action.APPROVE).status_code == 200
    sign_off(version_id)
    section = public_section(client.get(PAGE).text, "s2")
    assert "Brouillon prudent" in section
    assert 'class="section pending"' not in section


def test_approved_only_keeps_the_approved_wording_while_a_new_one_waits(
    writer, reviewer, client, make_article
):
    make_article(approve="all")
    version_id = writer.submit("s1", body="Pas encore relu.").json["id"]
    reviewer.act(version_id, Action.START_REVIEW)
    reviewer.act(version_id, Action.REJECT, "Non étayé.")
    html = client.get(PAGE).text
    assert "Pas encore relu" not in html
    assert "Texte de la section 1" in public_section(html, "s1")


def test_nobody_approves_their_own_version(as_user, make_user, reviewer, make_article):
    make_article(approve="all")
    both = make_user(Role.CONTRIBUTOR, Role.EDITOR, name="Dr Both")
    author = as_user(both)
    version_id = author.submit("s1").json["id"]
    assert author.get(f"/versions/{version_id}").json["allowed_actions"] == []
    refused = author.act(version_id, Action.START_REVIEW)
    assert refused.status_code == 403
    assert reviewer.act(version_id, Action.START_REVIEW).status_code == 200

    before = done_events()
    response = author.act(version_id, Action.APPROVE)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "permission_denied"
    assert (
        "Nobody reviews, approves or signs a version they authored."
        in (response.json["error"]["message"])
    )
    assert reviewer.state(version_id) == "under_review"
    assert done_events() == before
    (event,) = refusals("version.approve")
    assert event.actor_id == both.id
    assert event.outcome == "refused"
    assert event.target_id == version_id


def put_in(state: State, writer: Api, reviewer: Api, sign_off) -> int:
    """Drive the s1 clinician chain to a version in `state` through the API; return its id."""
    version_id = writer.newest_id("s1")
    if state is State.SUPERSEDED:
        assert writer.submit("s1", change_summary="").status_code == 201
        return version_id
    if state is not State.SUBMITTED:
        assert reviewer.act(version_id, Action.START_REVIEW).status_code == 200
    follow_up = {
        State.CHANGES_REQUESTED: Action.REQUEST_CHANGES,
        State.REJECTED: Action.REJECT,
        State.APPROVED: Action.APPROVE,
        State.AWAITING_SIGNOFF: Action.APPROVE,
        State.WITHDRAWN: Action.APPROVE,
    }
    if state in follow_up:
        assert reviewer.act(version_id, follow_up[state], "Raison.").status_code == 200
    if state in (State.APPROVED, State.WITHDRAWN):
        sign_off(version_id)
    if state is State.WITHDRAWN:
        withdrawn = reviewer.post(f"/versions/{version_id}/withdrawal", {"reason": "Retirée."})
        assert withdrawn.status_code == 201, withdrawn.json
    if state is State.AWAITING_SIGNOFF and reviewer.state(version_id) == "approved":
        pytest.skip("an editor's approval publishes at once: there is no sign-off step yet")
    assert reviewer.state(version_id) == state.value
    return version_id


@pytest.mark.parametrize("state", list(State))
def test_forbidden_transitions_are_409_and_change_nothing(
    writer, reviewer, make_article, state, sign_off
):
    make_article()
    version_id = put_in(state, writer, reviewer, sign_off)
    forbidden = [action for action in REVIEW_ACTIONS if transition_for(state, action) is None]
    assert forbidden
    before = reviewer.get(f"/versions/{version_id}").json
    events = done_events()
    for action in forbidden:
        response = reviewer.act(version_id, action, "Raison.")
        assert response.status_code == 409, (state, action)
        assert response.json["error"]["code"] == "transition_not_allowed"
        assert f"is {state.label}" in response.json["error"]["message"]
    assert reviewer.get(f"/versions/{version_id}").json == before
    assert done_events() == events
    assert len(refusals(f"version.{forbidden[0]}")) == 1


@pytest.mark.parametrize(
    ("role", "state", "action"),
    [
        (Role.CONTRIBUTOR, State.SUBMITTED, Action.START_REVIEW),
        (Role.CONTRIBUTOR, State.UNDER_REVIEW, Action.APPROVE),
        (Role.BOARD, State.UNDER_REVIEW, Action.APPROVE),
        (Role.BOARD, State.UNDER_REVIEW, Action.REJECT),
        (Role.ADMIN, State.UNDER_REVIEW, Action.REQUEST_CHANGES),
    ],
)
def test_wrong_role_is_403_and_changes_nothing(
    writer, reviewer, as_user, make_user, make_article, role, state, action, sign_off
):
    make_article()
    version_id = put_in(state, writer, reviewer, sign_off)
    other = as_user(make_user(role))
    events = done_events()
    response = other.act(version_id, action, "Raison.")
    assert response.status_code == 403
    assert (
        f"Only a medical editor can {action.value.replace('_', ' ')}"
        in (response.json["error"]["message"])
    )
    assert reviewer.state(version_id) == state.value
    assert done_events() == events


@pytest.mark.parametrize("action", [Action.REQUEST_CHANGES, Action.REJECT])
def test_request_changes_and_reject_need_a_comment(
    writer, reviewer, make_article, action, sign_off
):
    make_article()
    version_id = put_in(State.UNDER_REVIEW, writer, reviewer, sign_off)
    refused = reviewer.act(version_id, action, "  ")
    assert refused.status_code == 422
    assert "a comment is required" in refused.json["error"]["message"]
    assert refused.json["error"]["field"] == "comment"
    done = reviewer.act(version_id, action, "Les doses manquent.")
    assert done.status_code == 200
    assert done.json["history"][-1]["comment"] == "Les doses manquent."


def test_author_answers_requested_changes_with_a_child_version(
    writer, reviewer, make_article, sign_off
):
    make_article()
    version_id = put_in(State.CHANGES_REQUESTED, writer, reviewer, sign_off)
    child = writer.submit("s1", base_version=version_id, change_summary="")
    assert child.status_code == 201
    assert child.json["parent_id"] == version_id
    assert writer.state(version_id) == "changes_requested"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"action": "publish"},
            "action",
            "Must be one of: start_review, request_changes, reject, approve, open_re_review, "
            "send_for_revision.",
        ),
        # Signing and objecting have operations of their own, with a password or a reason.
        ({"action": "sign"}, "action", "Must be one of: start_review"),
        ({"action": "object", "comment": "Non."}, "action", "Must be one of: start_review"),
        ({"comment": "x"}, "action", "Missing data for required field."),
        ({"action": "approve", "comment": 3}, "comment", "Not a valid string."),
    ],
)
def test_malformed_transitions_are_422(writer, reviewer, make_article, payload, field, message):
    make_article()
    version_id = writer.newest_id("s1")
    response = reviewer.post(f"/versions/{version_id}/transitions", payload)
    assert response.status_code == 422
    assert response.json["error"]["field"] == field
    assert message in response.json["error"]["message"]
    assert reviewer.state(version_id) == "submitted"


# Comments


def test_comments_are_listed_and_block_approval_until_resolved(
    writer, reviewer, make_article, sign_off
):
    make_article()
    version_id = put_in(State.UNDER_REVIEW, writer, reviewer, sign_off)
    assert reviewer.get(f"/versions/{version_id}/comments").json == {"comments": []}

    created = reviewer.post(f"/versions/{version_id}/comments", {"body": "Source de la dose ?"})
    assert created.status_code == 201
    assert created.headers["Location"] == f"/api/v1/versions/{version_id}/comments"
    comment = created.json
    assert comment["author"]["name"] == "Dr Eve Editor, MD"
    assert comment["resolved"] is False
    answer = writer.post(f"/versions/{version_id}/comments", {"body": "Voir ref-1."})
    assert answer.status_code == 201

    listed = writer.get(f"/versions/{version_id}/comments").json["comments"]
    assert [c["body"] for c in listed] == ["Source de la dose ?", "Voir ref-1."]

    refused = reviewer.act(version_id, Action.APPROVE)
    assert refused.status_code == 409
    assert "2 comments are still unresolved" in refused.json["error"]["message"]
    assert reviewer.state(version_id) == "under_review"

    for item in listed:
        resolved = reviewer.post(f"/comments/{item['id']}/resolve")
        assert resolved.status_code == 200
        assert resolved.json["resolved"] is True
        assert resolved.json["resolved_by"]["name"] == "Dr Eve Editor, MD"
    assert reviewer.post(f"/comments/{comment['id']}/resolve").status_code == 409
    assert reviewer.act(version_id, Action.APPROVE).status_code == 200


def test_comment_rules(writer, reviewer, as_user, make_user, make_article):
    make_article()
    version_id = writer.newest_id("s1")
    bystander = as_user(make_user(Role.CONTRIBUTOR))
    refused = bystander.post(f"/versions/{version_id}/comments", {"body": "Moi aussi."})
    assert refused.status_code == 403
    assert refusals("comment.create")
    assert reviewer.post(f"/versions/{version_id}/comments", {"body": "  "}).status_code == 422
    unknown = reviewer.post(f"/versions/{version_id}/comments", {"body": "Ok ?", "text": "x"})
    assert unknown.status_code == 422
    assert unknown.json["error"]["field"] == "text"
    comment_id = reviewer.post(f"/versions/{version_id}/comments", {"body": "Ok ?"}).json["id"]
    assert bystander.post(f"/comments/{comment_id}/resolve").status_code == 403
    assert reviewer.post("/comments/999/resolve").status_code == 404


# Differences


def test_diff_against_the_parent_and_another_version(writer, reviewer, make_article):
    make_article(approve="all")
    first = writer.newest_id("s1")
    second = writer.submit("s1", heading="Section un", body="Texte de la section 1 revu.").json
    response = reviewer.get(f"/versions/{second['id']}/diff")
    assert response.status_code == 200
    diff = response.json
    assert diff["from"] == {"id": first, "kind": "wording", "number": 1, "state": "approved"}
    assert diff["to"]["id"] == second["id"]
    assert {"op": "delete", "text": "1"} in diff["heading"]["changes"]
    assert {"op": "insert", "text": "un"} in diff["heading"]["changes"]
    assert diff["body"]["changes"] == [
        {"op": "equal", "text": "Texte de la section 1 "},
        {"op": "delete", "text": "[@ref-1]."},
        {"op": "insert", "text": "revu."},
    ]
    assert diff["body"]["summary"] == {"inserted_words": 1, "deleted_words": 1}
    assert diff["summary"] == {"inserted_words": 2, "deleted_words": 2}

    backwards = reviewer.get(f"/versions/{first}/diff?against={second['id']}").json
    assert backwards["summary"] == {"inserted_words": 2, "deleted_words": 2}
    assert backwards["from"]["id"] == second["id"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 400, "Version 1 has no parent: say which version with ?against=<id>."),
        ("?against=abc", 422, "'against': Not a valid integer."),
        ("?against=-3", 422, "'against': Must be greater than or equal to 1"),
        ("?against=99999999999", 422, "'against': Must be greater than or equal to 1"),
        ("?against=999", 404, "There is no version 999."),
    ],
)
def test_diff_refuses_what_it_cannot_compare(
    reviewer, writer, make_article, query, status, message
):
    make_article()
    response = reviewer.get(f"/versions/{writer.newest_id('s1')}/diff{query}")
    assert response.status_code == status
    assert message in response.json["error"]["message"]


def test_version_reads_take_a_fixed_number_of_queries(
    writer, reviewer, make_article, count_queries
):
    make_article(
        approve="all", body=lambda index: " ".join(f"[@ref-{i}]" for i in range(6)), references=6
    )
    for round_ in range(3):
        writer.submit("s1", body=f"Révision {round_} [@ref-0] [@ref-1] [@ref-2].")
    reviewer.get("/articles")  # a token's first use of the minute also stores that use
    db.session.expire_all()
    with count_queries() as counter:
        response = reviewer.get("/articles/test-article/sections/s1/clinician/versions")
    assert len(response.json["versions"]) == 4
    assert counter.count <= 8
    wording = select(func.count(Version.id)).where(Version.kind == "wording")
    assert db.session.scalar(wording) == 7
