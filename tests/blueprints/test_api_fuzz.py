"""Schemathesis over the whole OpenAPI document, in process: no 5xx, nothing undocumented.

Each operation is fuzzed twice (schema-valid and schema-invalid requests) with a bearer token
whose account holds every editorial role, so most requests get past authorization. Half of
the cases aim at rows that exist (the article, its sections, versions in each state, a
comment); the rest use whatever the generator draws. Hypothesis is derandomized, so a run is
the same on every machine.
"""

import itertools
import re
from dataclasses import dataclass

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reviewapp import create_app
from reviewapp.domain.comments import add_comment
from reviewapp.domain.engine import transition
from reviewapp.domain.signoffs import MEANINGS
from reviewapp.domain.versions import latest_version
from reviewapp.domain.withdrawals import withdraw
from reviewapp.extensions import db
from reviewapp.models import Article, Section, Version
from reviewapp.rules.limits import MAX_ID
from reviewapp.rules.states import Action, Audience, Role
from tests.conftest import TEST_PASSWORD, next_version

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 30
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # Requests are slow next to pure functions, and generated bodies are large by design.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DOCUMENT_URL = "/api/v1/openapi.json"


def _operation_ids() -> tuple[str, ...]:
    """Return every operation of the generated document, from an app of its own."""
    document = create_app("testing").test_client().get(DOCUMENT_URL).json
    return tuple(
        operation["operationId"]
        for path in document["paths"].values()
        for method, operation in path.items()
        if method != "parameters"
    )


OPERATIONS = _operation_ids()
# The schema itself takes nothing that could be made invalid.
NOTHING_TO_NEGATE = frozenset({"openapi"})


def fuzz_cases() -> list:
    return [
        pytest.param(operation_id, mode, id=f"{operation_id}-{mode.value}")
        for operation_id in OPERATIONS
        for mode in (POSITIVE, NEGATIVE)
        if not (mode is NEGATIVE and operation_id in NOTHING_TO_NEGATE)
    ]


@pytest.fixture(scope="module")
def api_schema() -> schemathesis.BaseSchema:
    """Load the document once, from an app of its own: it does not depend on any data."""
    return schemathesis.openapi.from_wsgi(DOCUMENT_URL, create_app("testing"))


@dataclass
class Target:
    app: Flask
    headers: dict[str, str]
    # Path parameter values that name existing rows, by parameter name.
    known: dict[str, list]


@pytest.fixture
def target(app, make_article, make_user, contributor, editor, api_token) -> Target:
    make_article(approve="all", patient=True, sections=2)
    sections = {s.key: s for s in db.session.scalars(db.select(Section))}
    # Beside the approved versions: one Submitted, one Under Review with a comment,
    # one Awaiting sign-off.
    submitted = next_version(contributor, sections["s1"], Audience.CLINICIAN)
    reviewed = next_version(contributor, sections["s2"], Audience.CLINICIAN)
    transition(editor, reviewed, Action.START_REVIEW)
    comment = add_comment(editor, reviewed, "Source, please.")
    awaiting = next_version(contributor, sections["summary"], Audience.PATIENT)
    transition(editor, awaiting, Action.START_REVIEW)
    transition(editor, awaiting, Action.APPROVE)
    approved = latest_version(sections["s1"], Audience.PATIENT)
    withdrawn = db.session.get(Version, sections["s2"].published_patient_id)
    withdrawal = withdraw(editor, withdrawn, reason="Retirée par prudence.")
    db.session.commit()

    everyone = make_user(Role.CONTRIBUTOR, Role.EDITOR, Role.BOARD, name="Dr All Roles")
    slug = db.session.scalar(db.select(Article.slug))
    return Target(
        app=app,
        headers={"Authorization": f"Bearer {api_token(everyone)}"},
        known={
            "slug": [slug],
            "key": sorted(sections),
            "audience": [audience.value for audience in Audience],
            "version_id": [v.id for v in (submitted, reviewed, awaiting, approved)],
            "comment_id": [comment.id],
            "withdrawal_id": [withdrawal.id],
        },
    )


def _cases(target: Target, operation, mode: GenerationMode) -> st.SearchStrategy:
    """Return generated cases, half of them aimed at rows that exist."""
    names = re.findall(r"\{(\w+)\}", operation.path)
    generated = operation.as_strategy(generation_mode=mode)
    if not names:
        return generated
    aimed = [
        operation.as_strategy(
            generation_mode=mode, path_parameters=dict(zip(names, values, strict=True))
        )
        for values in itertools.product(*(target.known[name] for name in names))
    ]
    return st.one_of(generated, st.one_of(aimed))


@pytest.mark.parametrize(("operation_id", "mode"), fuzz_cases())
def test_operation_conforms_to_its_documentation(api_schema, target, operation_id, mode):
    operation = api_schema.find_operation_by_id(operation_id)

    @FUZZ_SETTINGS
    @given(case=_cases(target, operation, mode))
    def run(case):
        response = case.call(app=target.app, headers=target.headers)
        case.validate_response(
            response, checks=CHECKS, headers=target.headers, transport_kwargs={"app": target.app}
        )

    run()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("comments", {"body": "Source ?"}, id="comments"),
        pytest.param(
            "signoffs", {"password": TEST_PASSWORD, "meaning": MEANINGS[0]}, id="signoffs"
        ),
    ],
)
def test_out_of_range_version_id_is_not_found_for_every_method(
    client, make_user, api_token, path, body
):
    headers = {"Authorization": f"Bearer {api_token(make_user(Role.EDITOR, Role.BOARD))}"}
    url = f"/api/v1/versions/{MAX_ID + 1}/{path}"
    assert client.get(url, headers=headers).status_code == 404
    assert client.post(url, json=body, headers=headers).status_code == 404
