"""Content import refuses what the files must not carry: foreign links and non-web addresses."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from reviewapp.domain.content import import_article
from reviewapp.domain.errors import ValidationError
from reviewapp.extensions import db
from reviewapp.models import Article, Reference
from reviewapp.rules.links import is_web_address
from tests.conftest import article_files

SEED = Path(__file__).resolve().parents[2] / "content" / "necrotic-metastatic-tumor"
SLUG = SEED.name
TOML = f"{SLUG}/article.toml"


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the seed article, inside a content tree with a secret file beside it."""
    target = tmp_path / "content" / SLUG
    shutil.copytree(SEED, target)
    (tmp_path / "secret.md").write_text("## Secret {#secret}\n\nNot for readers.\n")
    return target


def with_reference_url(folder: Path, url: str) -> None:
    with (folder / "article.toml").open("a", encoding="utf-8") as toml:
        toml.write(f'\n[[references]]\nkey = "online"\nkind = "web"\ntitle = "T"\nurl = "{url}"\n')


def import_folder(runner, folder: Path, email: str):
    return runner.invoke(args=["content", "import", str(folder), "--as", email])


def articles() -> int:
    return db.session.scalar(select(func.count(Article.id)))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("javascript:alert(1)", "'javascript:alert(1)'"),
        ("JAVASCRIPT:alert(1)", "'JAVASCRIPT:alert(1)'"),
        (" https://example.org", "' https://example.org'"),
        ("data:text/html,x", "'data:text/html,x'"),
        ("https:example.org", "'https:example.org'"),
        ("//example.org/x", "'//example.org/x'"),
        ("ftp://example.org/x", "'ftp://example.org/x'"),
        ("https://exa\\u0009mple.org", "'https://exa\\tmple.org'"),
    ],
)
def test_import_refuses_a_reference_url_that_is_not_http_naming_key_and_file(
    runner, contributor, folder, url, shown
):
    with_reference_url(folder, url)
    result = import_folder(runner, folder, contributor.email)
    assert result.exit_code == 1
    assert (
        f"Nothing imported. {TOML} [[references]] #3 (key 'online'): url must be a web address "
        f"starting with http:// or https://, not {shown}."
    ) in result.output
    assert articles() == 0


@pytest.mark.parametrize(
    "url", ["https://example.org", "HTTP://example.org/a?b=c#d", "https://例え.jp/パス"]
)
def test_import_keeps_a_web_reference_url(runner, contributor, folder, url):
    with_reference_url(folder, url)
    result = import_folder(runner, folder, contributor.email)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Reference.url).where(Reference.key == "online")) == url


def test_the_domain_refuses_a_non_web_url_however_the_files_were_built(contributor):
    files = article_files()
    files.references[0]["url"] = "javascript:alert(1)"
    with pytest.raises(ValidationError, match="Reference 'ref-0' of test-article: url must be"):
        import_article(contributor, files)


@pytest.mark.parametrize("name", ["article.toml", "clinician.md", "patient.md"])
def test_import_refuses_a_file_linking_out_of_the_article_folder(runner, contributor, folder, name):
    outside = folder.parent.parent / "secret.md"
    if name == "article.toml":
        outside = folder.parent.parent / "other.toml"
        shutil.copy(folder / name, outside)
    (folder / name).unlink()
    (folder / name).symlink_to(outside)
    result = import_folder(runner, folder, contributor.email)
    assert result.exit_code == 1
    assert (
        f"Nothing imported. {SLUG}/{name}: a symbolic link leading outside the article folder "
        f"(to {outside.resolve()}); copy the file into the folder instead."
    ) in result.output
    assert articles() == 0


def test_import_follows_a_link_that_stays_in_the_article_folder(runner, contributor, folder):
    shutil.move(folder / "patient.md", folder / "patient-wording.md")
    (folder / "patient.md").symlink_to("patient-wording.md")
    result = import_folder(runner, folder, contributor.email)
    assert result.exit_code == 0, result.output
    assert articles() == 1


def test_import_refuses_a_link_that_leads_nowhere(runner, contributor, folder):
    (folder / "patient.md").unlink()
    (folder / "patient.md").symlink_to(folder / "gone.md")
    result = import_folder(runner, folder, contributor.email)
    assert result.exit_code == 1
    assert f"{SLUG}/patient.md: a symbolic link that leads nowhere." in result.output


def test_import_refuses_a_folder_where_a_file_belongs(runner, contributor, folder):
    (folder / "patient.md").unlink()
    (folder / "patient.md").mkdir()
    result = import_folder(runner, folder, contributor.email)
    assert result.exit_code == 1
    assert f"{SLUG}/patient.md: not a regular file." in result.output


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org", True),
        ("http://x", True),
        ("https://", False),
        ("https://example.org/a b", False),
        ("https://example.org/\x00", False),
        ("java\nscript:alert(1)", False),
        ("", False),
    ],
)
def test_is_web_address(url, expected):
    assert is_web_address(url) is expected
