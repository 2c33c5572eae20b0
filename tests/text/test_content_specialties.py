"""An article's specialties come from the site's list: the seed is an oncology article,
content files and proposals naming anything else are refused where they say it."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from reviewapp.domain import part_chains
from reviewapp.domain.content import import_article
from reviewapp.domain.errors import ValidationError
from reviewapp.domain.parts import submit_part
from reviewapp.extensions import db
from reviewapp.models import Article
from reviewapp.rules import parts as part_rules
from reviewapp.rules.specialties import codes_in
from reviewapp.text.content_files import ContentError, read_article
from tests.conftest import article_files

SEED = Path(__file__).resolve().parents[2] / "content" / "necrotic-metastatic-tumor"


def test_the_seed_article_is_an_oncology_article(runner, contributor):
    files = read_article(SEED)
    assert codes_in(files.meta["specialty"]) == {"oncology"}
    result = runner.invoke(args=["content", "import", str(SEED), "--as", contributor.email])
    assert result.exit_code == 0, result.output
    article = db.session.scalar(select(Article))
    newest = part_chains.front_matter_part(article).newest()
    assert part_chains.payload_of(newest)["specialty"] == "oncology"
    assert "Specialty: oncology" in newest.body


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('specialty = "astrologie"', "Not in the site's list of specialties: 'astrologie'"),
        ("specialty = 3", "specialty must be a string"),
    ],
)
def test_content_files_naming_an_unknown_specialty_are_refused(tmp_path, line, message):
    folder = tmp_path / SEED.name
    shutil.copytree(SEED, folder)
    toml = folder / "article.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('specialty = "oncology"', line),
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match=message) as refused:
        read_article(folder)
    assert f"{SEED.name}/article.toml" in str(refused.value)


def test_a_proposal_naming_an_unknown_specialty_is_refused_on_its_field(contributor):
    import_article(contributor, article_files())
    db.session.commit()
    article = db.session.scalar(select(Article))
    part = part_chains.front_matter_part(article)
    newest = part.newest()
    values = part_chains.payload_of(newest) | {"specialty": "oncologie, astrologie"}
    with pytest.raises(ValidationError, match="'astrologie'") as refused:
        submit_part(contributor, part, values, base_version_id=newest.id, change_summary="")
    assert refused.value.field == "specialty"
    db.session.rollback()
    assert part.newest().id == newest.id  # nothing was proposed


def test_front_matter_keeps_its_fields_so_stored_hashes_still_verify():
    # The specialty rule reads the existing `specialty` value: no key was added, so every
    # front matter version signed before it hashes as it did.
    payload = part_rules.front_matter(title="Q ?", language="fr", specialty="oncology")
    assert set(payload) == {"title", "title_language", "language", "specialty", "authors"}
