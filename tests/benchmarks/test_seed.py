"""Benchmark seeding builds consistent data: the page renders, the chain verifies."""

import re

import click
import pytest
from sqlalchemy import func, select

from benchmarks.seed import seed
from reviewapp.domain.audit import verify_chain
from reviewapp.extensions import db
from reviewapp.models import AuditEvent, Section, Version


def test_bench_seed_builds_a_consistent_article(app, client):
    lines = seed(sections=4, versions=3, events=250)
    assert lines[0].startswith("bench-4-3: 4 sections × 3 versions")
    assert db.session.scalar(select(func.count(Version.id)).where(Version.kind == "wording")) == 12
    newest = db.session.scalars(select(Section.published_clinician_id)).all()
    numbers = db.session.scalars(select(Version.number).where(Version.id.in_(newest))).all()
    assert numbers == [3, 3, 3, 3]
    checked, broken = verify_chain()
    assert broken is None
    assert checked == db.session.scalar(select(func.count(AuditEvent.id)))
    page = client.get("/articles/bench-4-3/clinician")
    assert page.status_code == 200
    assert "Section 3, révision 3." in page.text
    # The signer's name links to the declaration the seed gave them.
    signed_by = r'Signé par <a href="/people/\d+/declaration\?lang=fr">Bench board1<'
    assert re.search(signed_by, page.text)
    with pytest.raises(click.ClickException, match="exists already"):
        seed(sections=4, versions=3)
