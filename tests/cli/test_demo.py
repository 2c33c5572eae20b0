"""`flask demo`: accounts and the seed article in every workflow state, safe to repeat."""

from sqlalchemy import func, select

from reviewapp.extensions import db
from reviewapp.models import User, Version
from reviewapp.rules.states import State


def test_demo_loads_every_state_and_can_run_again(runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "editor@example.org" in first.output
    assert "editor-demo-2026" in first.output
    states = {
        (audience, state): count
        for audience, state, count in db.session.execute(
            select(Version.audience, Version.state, func.count()).group_by(
                Version.audience, Version.state
            )
        )
    }
    for audience in ("clinician", "patient"):
        for state in (State.APPROVED, State.UNDER_REVIEW, State.SUBMITTED):
            assert states.get((audience, state.value), 0) > 0, (audience, state)
    assert states[("clinician", State.AWAITING_SIGNOFF.value)] == 1
    total = sum(states.values())

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    assert "(exists)" in second.output
    assert db.session.scalar(select(func.count(Version.id))) == total
    assert db.session.scalar(select(func.count(User.id))) == 6

    page = client.get("/articles/necrotic-metastatic-tumor/clinician")
    assert page.status_code == 200
    assert "Traitement des Tumeurs Nécrosantes Métastatiques" in page.text
    assert "En attente de relecture humaine" in page.text
    patient = client.get("/articles/necrotic-metastatic-tumor/patient")
    assert "Les premiers examens" in patient.text
    assert "Affiché dans le texte destiné aux professionnels de santé" in patient.text
