"""The parts of a page besides wording through the JSON API: front matter, review settings,
outline, references and site texts are proposed, listed, reviewed and signed like wording."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Reference, Signoff, Version
from reviewapp.rules.states import Action, Role
from tests.conftest import TEST_PASSWORD

API = "/api/v1"
SLUG = "test-article"
SIGNATURE = {"password": TEST_PASSWORD, "meaning": "Approved for publication"}


class Api:
    """A client that calls the API with one account's bearer token."""

    def __init__(self, client, secret: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    def get(self, path: str):
        return self.client.get(API + path, headers=self.headers)

    def post(self, path: str, json=None):
        return self.client.post(API + path, json=json, headers=self.headers)

    def chain(self, path: str) -> list[dict]:
        response = self.get(path)
        assert response.status_code == 200, response.json
        return response.json["versions"]

    def newest_id(self, path: str) -> int | None:
        versions = self.chain(path)
        return versions[0]["id"] if versions else None

    def act(self, version_id: int, action: Action, comment: str = ""):
        return self.post(
            f"/versions/{version_id}/transitions", {"action": str(action), "comment": comment}
        )


@dataclass(frozen=True)
class Part:
    """One kind of part: where its chain is, values a new version sets, and how readers see it."""

    name: str
    kind: str
    path: str
    label: str
    values: dict[str, Any]
    # What the reviewed values look like once approved, read from the API's article.
    shown: Callable[[dict], Any] = field(compare=False)
    expected: Any = None
    first: bool = False  # the chain has no version before this one

    def body(self, base_version_id: int | None, **changes: Any) -> dict[str, Any]:
        return {
            **self.values,
            "base_version_id": base_version_id,
            "change_summary": "Mise à jour.",
            "provenance": "human",
            **changes,
        }


def _reference(article: dict, key: str) -> dict | None:
    return next((r for r in article["references"] if r["key"] == key), None)


REFERENCE_VALUES = {
    "kind": "guideline",
    "title": "Recommandations révisées",
    "authors": "HAS",
    "year": 2024,
    "publisher": "Haute Autorité de santé",
    "url": "https://www.has-sante.fr/reco",
    "doi": "",
    "pmid": "",
    "accessed": "2024-05-01",
    "note": "",
}

PARTS = [
    Part(
        "front_matter",
        "front_matter",
        f"/articles/{SLUG}/front-matter/versions",
        "Front matter",
        {
            "title": "Quelle est la nouvelle question ?",
            "title_language": "",
            "language": "fr",
            "specialty": "oncology",
            "authors": [{"name": "Dr Nouvelle", "credentials": "PhD", "disclosures": "Aucun"}],
        },
        shown=lambda a: (a["title"], a["authors"], a["front_matter_reviewed"]),
        expected=(
            "Quelle est la nouvelle question ?",
            [{"name": "Dr Nouvelle", "credentials": "PhD", "disclosures": "Aucun"}],
            True,
        ),
    ),
    Part(
        "settings",
        "settings",
        f"/articles/{SLUG}/settings/versions",
        "Review settings",
        {
            "publication": "pending-with-caution",
            "required_signoffs": 2,
            "review_interval_months": 6,
        },
        shown=lambda a: (a["publication"], a["required_signoffs"], a["review_interval_months"]),
        expected=("pending-with-caution", 2, 6),
    ),
    Part(
        "outline",
        "outline",
        f"/articles/{SLUG}/outline/versions",
        "Outline",
        {
            "sections": [
                {"key": "summary", "level": 1},
                {"key": "s2", "level": 2},
                {"key": "s1", "level": 3},
            ],
            "retired": ["s3"],
        },
        shown=lambda a: [(s["key"], s["level"], s["in_outline"]) for s in a["sections"]],
        expected=[("summary", 1, True), ("s2", 2, True), ("s1", 3, True), ("s3", 2, False)],
    ),
    Part(
        "reference",
        "reference",
        f"/articles/{SLUG}/references/ref-1/versions",
        "Reference ref-1",
        REFERENCE_VALUES,
        shown=lambda a: (_reference(a, "ref-1")["title"], _reference(a, "ref-1")["reviewed"]),
        expected=("Recommandations révisées", True),
    ),
    Part(
        "new_reference",
        "reference",
        f"/articles/{SLUG}/references/has-2024/versions",
        "Reference has-2024",
        REFERENCE_VALUES,
        shown=lambda a: (_reference(a, "has-2024") or {}).get("reviewed"),
        expected=True,
        first=True,
    ),
    Part(
        "site_text",
        "site_text",
        "/site-texts/editorial_policy/versions",
        "Site text: editorial policy",
        {"text": "Notre politique éditoriale, revue par le comité."},
        shown=None,
        first=True,
    ),
]
BY_NAME = {part.name: part for part in PARTS}
NAMES = [part.name for part in PARTS]


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
def board(as_user, make_user) -> list[Api]:
    """Board members of their own, so that any quorum can be reached through the API."""
    return [as_user(make_user(Role.BOARD)) for _ in range(3)]


def base_of(api: Api, part: Part) -> int | None:
    # A reference the article lacks has no chain yet: its listing is a 404.
    return None if part.first else api.newest_id(part.path)


def submit(api: Api, part: Part, **changes: Any):
    base = changes.pop("base_version_id", base_of(api, part))
    return api.post(part.path, part.body(base, **changes))


def versions_of(part: Part) -> int:
    return db.session.scalar(select(func.count(Version.id)).where(Version.kind == part.kind))


def refusals(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.outcome == "refused", AuditEvent.action == action)
        )
    )


# Submitting


@pytest.mark.parametrize("name", NAMES)
def test_submit_answers_201_with_the_version_of_its_kind(writer, make_article, name):
    make_article()
    part = BY_NAME[name]
    base = base_of(writer, part)
    response = submit(writer, part)
    assert response.status_code == 201, response.json
    version = response.json
    assert response.headers["Location"] == f"/api/v1/versions/{version['id']}"
    assert version["kind"] == part.kind
    assert version["part"] == part.label
    assert version["state"] == "submitted"
    assert version["number"] == (1 if part.first else 2)
    assert version["parent_id"] == base
    assert version["section"] is None
    assert version["audience"] is None
    assert version["citations"] == []
    assert version["article"] == (None if part.kind == "site_text" else SLUG)
    assert version["author"]["name"] == "Camille Writer, MD"
    assert version["change_summary"] == "Mise à jour."
    # `values` is the payload the version sets, with the place it belongs to where it has one.
    if part.kind == "reference":
        key = part.label.removeprefix("Reference ")
        assert version["reference"] == key
        assert version["values"] == {"key": key, **REFERENCE_VALUES}
    elif part.kind == "site_text":
        assert version["site_text"] == "editorial_policy"
        assert version["values"] == {"key": "editorial_policy", **part.values}
    else:
        assert (version["reference"], version["site_text"]) == (None, None)
        assert version["values"] == part.values
    # The listing gives the newest first, so a client knows its next base.
    listed = writer.chain(part.path)
    assert [v["id"] for v in listed] == ([version["id"], base] if base else [version["id"]])
    assert listed[0]["values"] == version["values"]


def test_a_version_of_a_part_reads_like_wording(writer, reviewer, make_article):
    make_article()
    part = BY_NAME["front_matter"]
    first = writer.newest_id(part.path)
    second = submit(writer, part).json["id"]
    shown = reviewer.get(f"/versions/{second}").json
    assert shown["heading"] == "Front matter"
    assert "Title (the clinical question): Quelle est la nouvelle question ?" in shown["body"]
    assert "Author 1: Dr Nouvelle" in shown["body"]
    assert shown["allowed_actions"] == ["start_review"]
    assert shown["history"] == []

    diff = reviewer.get(f"/versions/{second}/diff").json
    assert diff["from"] == {"id": first, "kind": "front_matter", "number": 1, "state": "approved"}
    assert {"op": "insert", "text": "nouvelle "} in diff["body"]["changes"]

    commented = reviewer.post(f"/versions/{second}/comments", {"body": "Source du titre ?"})
    assert commented.status_code == 201
    assert [c["body"] for c in reviewer.get(f"/versions/{second}/comments").json["comments"]] == [
        "Source du titre ?"
    ]


def test_wording_says_what_does_not_apply_to_it(writer, make_article):
    make_article()
    version_id = writer.newest_id(f"/articles/{SLUG}/sections/s1/clinician/versions")
    version = writer.get(f"/versions/{version_id}").json
    assert version["kind"] == "wording"
    assert version["part"] == "s1 (clinician wording)"
    assert (version["section"], version["audience"]) == ("s1", "clinician")
    assert version["values"] is None
    assert version["reference"] is None
    assert version["site_text"] is None


@pytest.mark.parametrize("name", [part.name for part in PARTS if not part.first])
def test_stale_base_is_409_with_the_current_version(writer, as_user, make_user, make_article, name):
    make_article()
    part = BY_NAME[name]
    base = base_of(writer, part)
    newer = submit(as_user(make_user(Role.CONTRIBUTOR)), part, base_version_id=base)
    assert newer.status_code == 201, newer.json
    before = versions_of(part)
    response = submit(writer, part, base_version_id=base, change_summary="Moi aussi.")
    assert response.status_code == 409
    error = response.json["error"]
    assert error["code"] == "stale_version"
    assert error["current_version_id"] == newer.json["id"]
    assert "Someone submitted version 2" in error["message"]
    assert versions_of(part) == before
    assert refusals("version.submit")


@pytest.mark.parametrize("name", ["new_reference", "site_text"])
def test_a_base_for_a_chain_without_versions_is_stale(writer, make_article, name):
    make_article()
    part = BY_NAME[name]
    response = submit(writer, part, base_version_id=1)
    assert response.status_code == 409
    assert response.json["error"]["current_version_id"] is None
    assert db.session.scalar(select(Reference).where(Reference.key == "has-2024")) is None


BAD_VALUES = [
    # Refused by the schema: the type, a choice, a range, a missing or unknown field.
    ("front_matter", {"language": None}, "language", "Field may not be null."),
    ("front_matter", {"authors": [{"name": "X"}]}, "authors.0.credentials", "Missing data"),
    ("front_matter", {"authors": ["X"]}, "authors.0", "Invalid input type."),
    ("front_matter", {"title_language": "x" * 36}, "title_language", "Longer than 35"),
    ("front_matter", {"subtitle": "?"}, "subtitle", "Unknown field."),
    ("settings", {"required_signoffs": 0}, "required_signoffs", "greater than or equal to 1"),
    ("settings", {"required_signoffs": "2"}, "required_signoffs", "Not a valid integer."),
    ("settings", {"publication": "open"}, "publication", "Must be one of"),
    ("outline", {"sections": [{"key": "summary", "level": 4}]}, "sections.0.level", "one of"),
    ("reference", {"kind": "blog"}, "kind", "Must be one of"),
    ("reference", {"url": "javascript:alert(1)"}, "url", "web address starting with http"),
    ("reference", {"pmid": "1" * 21}, "pmid", "Longer than 20"),
    ("site_text", {"text": "a\x00b"}, "text", "Must not contain NUL characters."),
    ("site_text", {"base_version_id": "1"}, "base_version_id", "Not a valid integer."),
    # Refused by the domain's rules of the content.
    ("front_matter", {"title": "  "}, "title", "The title (the clinical question) is required."),
    (
        "front_matter",
        {"authors": [{"name": "", "credentials": "", "disclosures": ""}]},
        "authors",
        "Author 1 needs a name.",
    ),
    ("settings", {"change_summary": ""}, "change_summary", "say what changed and why"),
    ("outline", {"sections": [{"key": "s1", "level": 2}]}, "sections", "starts with the answer"),
    ("outline", {"retired": []}, "sections", "leaves out s3"),
    ("outline", {"retired": ["s3", "zz"]}, "sections", "Cannot retire zz"),
    ("reference", {"year": 99}, "year", "four-digit number"),
    ("site_text", {"text": "   "}, "text", "The text is empty."),
]


@pytest.mark.parametrize(
    ("name", "changes", "field", "message"),
    BAD_VALUES,
    ids=[f"{name}-{field}-{index}" for index, (name, _, field, _) in enumerate(BAD_VALUES)],
)
def test_bad_values_are_422_naming_the_field(writer, make_article, name, changes, field, message):
    make_article()
    part = BY_NAME[name]
    before = versions_of(part)
    response = submit(writer, part, **changes)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert message in error["message"]
    assert versions_of(part) == before


def test_a_proposal_identical_to_the_newest_is_422(writer, make_article):
    make_article()
    part = BY_NAME["settings"]
    same = {"publication": "approved-only", "required_signoffs": 1, "review_interval_months": 12}
    response = submit(writer, part, **same)
    assert response.status_code == 422
    assert "identical to version 1" in response.json["error"]["message"]


@pytest.mark.parametrize("key", ["bad key!", "k" * 101])
def test_a_new_reference_key_that_cannot_be_a_key_is_422(writer, make_article, key):
    make_article()
    part = BY_NAME["new_reference"]
    response = writer.post(f"/articles/{SLUG}/references/{key}/versions", part.body(None))
    assert response.status_code == 422
    assert response.json["error"]["field"] == "key"
    assert db.session.scalar(select(func.count(Reference.id))) == 2


@pytest.mark.parametrize("name", NAMES)
def test_an_account_that_cannot_propose_is_403(as_user, make_user, make_article, name):
    make_article()
    reader = as_user(make_user(Role.BOARD))
    part = BY_NAME[name]
    before = versions_of(part)
    response = submit(reader, part)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "permission_denied"
    assert versions_of(part) == before
    assert db.session.scalar(select(func.count(Reference.id))) == 2
    assert refusals("version.submit")


@pytest.mark.parametrize(
    ("method", "path", "name", "message"),
    [
        ("GET", "/articles/nope/front-matter/versions", "front_matter", "no article 'nope'."),
        ("POST", "/articles/nope/front-matter/versions", "front_matter", "no article 'nope'."),
        ("POST", "/articles/nope/settings/versions", "settings", "no article 'nope'."),
        ("GET", "/articles/nope/outline/versions", "outline", "no article 'nope'."),
        ("POST", "/articles/nope/outline/versions", "outline", "no article 'nope'."),
        ("POST", "/articles/nope/references/ref-1/versions", "reference", "no article 'nope'."),
        (
            "GET",
            f"/articles/{SLUG}/references/zz/versions",
            "reference",
            "The article 'test-article' has no reference 'zz'.",
        ),
        ("GET", "/site-texts/footer/versions", "site_text", "Unknown site text 'footer'"),
        ("POST", "/site-texts/footer/versions", "site_text", "Unknown site text 'footer'"),
        ("POST", "/site-texts/disclaimer.robot/versions", "site_text", "Unknown site text"),
        ("GET", "/articles/nope/pending", None, "There is no article 'nope'."),
    ],
)
def test_unknown_articles_references_and_site_texts_are_404(
    writer, make_article, method, path, name, message
):
    make_article()
    body = BY_NAME[name].body(None) if method == "POST" else None
    response = writer.client.open(API + path, method=method, json=body, headers=writer.headers)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert message in response.json["error"]["message"]


def test_a_site_text_per_language_is_a_chain_of_its_own(writer, make_article):
    make_article()
    path = "/site-texts/disclaimer.patient.fr/versions"
    response = writer.post(path, BY_NAME["site_text"].body(None, text="Avertissement."))
    assert response.status_code == 201, response.json
    assert response.json["part"] == "Site text: patient disclaimer (fr)"
    assert writer.chain("/site-texts/disclaimer.patient/versions") == []
    assert [v["id"] for v in writer.chain(path)] == [response.json["id"]]


# What the article shows while a part waits


def test_the_article_keeps_the_approved_front_matter_while_a_new_one_waits(
    writer, reviewer, make_article
):
    make_article()
    assert submit(writer, BY_NAME["front_matter"]).status_code == 201
    assert submit(writer, BY_NAME["new_reference"]).status_code == 201
    article = reviewer.get(f"/articles/{SLUG}").json
    assert article["title"] == "Quelle est la question ?"
    assert article["authors"] == [
        {"name": "Dr Author", "credentials": "MD", "disclosures": "None declared"}
    ]
    assert article["front_matter_reviewed"] is True
    assert article["settings_reviewed"] is True
    assert article["outline_reviewed"] is True
    assert _reference(article, "ref-1")["reviewed"] is True
    # A reference never approved shows its proposal, said to be unreviewed.
    assert _reference(article, "has-2024")["reviewed"] is False


def test_an_article_whose_parts_were_never_approved_says_so(reviewer, make_article):
    make_article(parts_approved=False)
    article = reviewer.get(f"/articles/{SLUG}").json
    assert article["front_matter_reviewed"] is False
    assert article["settings_reviewed"] is False
    assert article["outline_reviewed"] is False
    assert {r["reviewed"] for r in article["references"]} == {False}


# Pending versions


def test_pending_lists_every_kind_and_site_texts_apart(writer, reviewer, make_article):
    make_article(approve="all")
    submitted = {name: submit(writer, BY_NAME[name]).json for name in NAMES}
    wording = writer.post(
        f"/articles/{SLUG}/sections/s1/clinician/versions",
        {
            "heading": "Section 1",
            "body": "Nouveau [@ref-0].",
            "base_version": writer.newest_id(f"/articles/{SLUG}/sections/s1/clinician/versions"),
            "provenance": "human",
            "change_summary": "Mise à jour.",
            "public_note": "Texte mis à jour.",
        },
    ).json
    assert reviewer.act(submitted["outline"]["id"], Action.START_REVIEW).status_code == 200
    assert reviewer.act(submitted["settings"]["id"], Action.START_REVIEW).status_code == 200
    assert reviewer.act(submitted["settings"]["id"], Action.REJECT, "Non.").status_code == 200

    response = reviewer.get(f"/articles/{SLUG}/pending")
    assert response.status_code == 200
    listed = response.json["versions"]
    assert [(v["kind"], v["part"], v["state"], v["number"]) for v in listed] == [
        ("front_matter", "Front matter", "submitted", 2),
        ("outline", "Outline", "under_review", 2),
        ("reference", "Reference ref-1", "submitted", 2),
        ("reference", "Reference has-2024", "submitted", 1),
        ("wording", "s1 (clinician wording)", "submitted", 2),
    ]
    assert listed[-1]["id"] == wording["id"]
    assert set(listed[0]) == {"id", "url", "kind", "part", "number", "state", "created_at"}
    assert listed[0]["url"] == f"/api/v1/versions/{listed[0]['id']}"

    site_texts = reviewer.get("/site-texts/pending").json["versions"]
    assert [(v["kind"], v["part"], v["id"]) for v in site_texts] == [
        ("site_text", "Site text: editorial policy", submitted["site_text"]["id"])
    ]


def test_pending_takes_a_fixed_number_of_queries(reviewer, make_article, count_queries):
    make_article(slug="small", sections=1, references=1, parts_approved=False)
    make_article(slug="large", sections=25, references=9, parts_approved=False)
    reviewer.get("/articles")  # a token's first use of the minute also stores that use
    counts, sizes = [], []
    for slug in ("small", "large"):
        db.session.expire_all()
        with count_queries() as counter:
            response = reviewer.get(f"/articles/{slug}/pending")
        assert response.status_code == 200
        counts.append(counter.count)
        sizes.append(len(response.json["versions"]))
    assert sizes == [3 + 1 + 2, 3 + 9 + 26]
    assert counts[0] == counts[1]
    assert counts[0] <= 6


def test_a_part_chain_listing_takes_a_fixed_number_of_queries(
    writer, reviewer, make_article, count_queries
):
    make_article()
    part = BY_NAME["reference"]
    path = part.path
    reviewer.get("/articles")  # a token's first use of the minute also stores that use
    counts = []
    for title in ("Un", "Deux", "Trois"):
        assert submit(writer, part, title=title).status_code == 201
        db.session.expire_all()
        with count_queries() as counter:
            assert reviewer.get(path).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[-1]
    assert counts[0] <= 10


# The workflow, for every kind


def sign_until_approved(board: list[Api], version_id: int) -> tuple[int, dict]:
    """Sign through the API with as many board members as the version's quorum asks for;
    return that quorum and the signatures afterwards."""
    required = board[0].get(f"/versions/{version_id}/signoffs").json["required"]
    for member in board[:required]:
        answer = member.post(f"/versions/{version_id}/signoffs", SIGNATURE)
        assert answer.status_code == 201, answer.json
    return required, board[0].get(f"/versions/{version_id}/signoffs").json


@pytest.mark.parametrize("name", NAMES)
def test_each_kind_is_reviewed_signed_and_then_shown(
    writer, reviewer, board, client, make_article, name
):
    make_article()
    part = BY_NAME[name]
    version_id = submit(writer, part).json["id"]

    started = reviewer.act(version_id, Action.START_REVIEW)
    assert started.status_code == 200, started.json
    assert started.json["allowed_actions"] == ["request_changes", "reject", "approve"]
    approved = reviewer.act(version_id, Action.APPROVE)
    assert approved.status_code == 200, approved.json
    assert approved.json["state"] == "awaiting_signoff"
    if part.shown is not None:
        assert part.shown(reviewer.get(f"/articles/{SLUG}").json) != part.expected

    required, signed = sign_until_approved(board, version_id)
    # The article's quorum in force (one), or the site's own for a site text.
    assert required == (2 if part.kind == "site_text" else 1)
    assert signed["counted"] == required
    assert signed["state"] == "approved"
    final = reviewer.get(f"/versions/{version_id}").json
    assert final["state"] == "approved"
    assert final["approved_at"] is not None
    assert [step["action"] for step in final["history"]] == [
        "start_review",
        "approve",
        *["sign"] * required,
        "signoff_quorum",
    ]
    assert not [
        v
        for v in reviewer.get(f"/articles/{SLUG}/pending").json["versions"]
        if v["id"] == version_id
    ]
    if part.shown is not None:
        assert part.shown(reviewer.get(f"/articles/{SLUG}").json) == part.expected
    else:
        assert (
            "Notre politique éditoriale, revue par le comité."
            in client.get("/editorial-policy").text
        )


def test_a_site_text_waiting_for_review_is_not_shown(writer, reviewer, client, make_article):
    make_article()
    version_id = submit(writer, BY_NAME["site_text"]).json["id"]
    reviewer.act(version_id, Action.START_REVIEW)
    reviewer.act(version_id, Action.APPROVE)
    assert "revue par le comité" not in client.get("/editorial-policy").text


def test_an_editor_who_reviewed_a_part_cannot_sign_it(
    writer, reviewer, as_user, make_user, make_article
):
    make_article()
    both = as_user(make_user(Role.EDITOR, Role.BOARD, name="Dr Double"))
    version_id = submit(writer, BY_NAME["front_matter"]).json["id"]
    assert both.act(version_id, Action.START_REVIEW).status_code == 200
    assert reviewer.act(version_id, Action.APPROVE).status_code == 200

    response = both.post(f"/versions/{version_id}/signoffs", SIGNATURE)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "permission_denied"
    assert "You reviewed this version" in response.json["error"]["message"]
    signed = db.session.scalar(
        select(func.count(Signoff.id)).where(Signoff.version_id == version_id)
    )
    assert signed == 0
    assert refusals("signoff.sign")
    assert both.get(f"/versions/{version_id}").json["state"] == "awaiting_signoff"


def test_a_board_objection_sends_a_part_back(writer, reviewer, board, make_article):
    make_article()
    version_id = submit(writer, BY_NAME["reference"]).json["id"]
    reviewer.act(version_id, Action.START_REVIEW)
    reviewer.act(version_id, Action.APPROVE)
    response = board[0].post(f"/versions/{version_id}/objections", {"reason": "Mauvais DOI."})
    assert response.status_code == 200
    assert response.json["state"] == "changes_requested"
    article = reviewer.get(f"/articles/{SLUG}").json
    assert _reference(article, "ref-1")["title"] == "Reference title 1"
