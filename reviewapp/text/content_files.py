"""Read and write articles as files: `<slug>/article.toml`, `clinician.md`, `patient.md`.

Reading validates everything before anything is imported, and names the file and line of
the first problem.
"""

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from reviewapp.models.section import SUMMARY_KEY
from reviewapp.rules.links import web_address_problem
from reviewapp.rules.parts import REFERENCE_KINDS
from reviewapp.rules.specialties import names_problem
from reviewapp.rules.states import Audience, PublicationPolicy
from reviewapp.text import markdown

ARTICLE_FILE = "article.toml"
WORDING_FILES = {Audience.CLINICIAN: "clinician.md", Audience.PATIENT: "patient.md"}
_HEADING = re.compile(r"^(#{1,3})[ \t]+(.+?)(?:[ \t]+\{#([A-Za-z0-9][A-Za-z0-9_-]*)\})?[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ContentError(Exception):
    """A content file that cannot be imported; the message names the file and line."""


@dataclass
class SectionText:
    key: str
    level: int
    heading: str
    body: str
    line: int  # first line of the body in its file, 1-based


@dataclass
class ArticleFiles:
    slug: str
    meta: dict[str, Any]
    authors: list[dict[str, str]]
    references: list[dict[str, Any]]
    wording: dict[Audience, list[SectionText]] = field(default_factory=dict)


def slugify(text: str) -> str:
    """Return an ASCII key made from heading text."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def parse_wording(text: str, filename: str) -> list[SectionText]:
    """Split a Markdown file into the summary and its `##`/`###` sections."""
    sections: list[SectionText] = []
    seen: dict[str, int] = {}
    summary_heading = ""
    current_key, current_level, current_heading = SUMMARY_KEY, 1, ""
    body_lines: list[str] = []
    body_start = 1
    in_fence: str | None = None

    def close() -> None:
        body = "\n".join(body_lines).strip("\n")
        if current_key == SUMMARY_KEY and not body and not summary_heading:
            return
        sections.append(SectionText(current_key, current_level, current_heading, body, body_start))

    for number, line in enumerate(text.splitlines(), start=1):
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(1)[0]
            in_fence = None if in_fence == marker else (in_fence or marker)
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            body_lines.append(line)
            continue
        level = len(match.group(1))
        heading = match.group(2).strip()
        if level == 1:
            if sections or current_key != SUMMARY_KEY or any(row.strip() for row in body_lines):
                raise ContentError(
                    f"{filename}, line {number}: a '# ' heading may only open the file "
                    "(it is the answer's own heading); use '## ' or '### ' for sections."
                )
            summary_heading = current_heading = heading
            body_lines, body_start = [], number + 1
            continue
        key = match.group(3) or slugify(heading)
        if key == SUMMARY_KEY:
            raise ContentError(f"{filename}, line {number}: the key 'summary' is reserved.")
        if key in seen:
            raise ContentError(
                f"{filename}, line {number}: duplicate section key '{key}' "
                f"(first used on line {seen[key]})."
            )
        seen[key] = number
        close()
        current_key, current_level, current_heading = key, level, heading
        body_lines, body_start = [], number + 1
    close()
    # Leading blank lines were stripped from the body; keep line numbers pointing at the file.
    for section in sections:
        section.line += _leading_blank_lines(text, section.line)
    return sections


def _leading_blank_lines(text: str, first_line: int) -> int:
    lines = text.splitlines()[first_line - 1 :]
    count = 0
    for line in lines:
        if line.strip():
            break
        count += 1
    return count


def _require(meta: dict[str, Any], name: str, kind: type, filename: str) -> Any:
    value = meta.get(name)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise ContentError(f"{filename}: '{name}' is required and must be a {kind.__name__}.")
    return value


def _check_file(folder: Path, filename: str) -> None:
    """Refuse a file that links out of its article folder, or that is not a regular file."""
    path = folder / filename
    where = f"{folder.name}/{filename}"
    if path.is_symlink():
        # An import must not read, and submit as wording, a file nobody meant to publish
        # (another folder's secrets, /etc/passwd) through a link planted in a content tree.
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # dangling, or a loop
            raise ContentError(f"{where}: a symbolic link that leads nowhere.") from None
        if not target.is_relative_to(folder.resolve()):
            raise ContentError(
                f"{where}: a symbolic link leading outside the article folder (to {target}); "
                "copy the file into the folder instead."
            )
    if path.exists() and not path.is_file():
        raise ContentError(f"{where}: not a regular file.")


def read_article(folder: Path) -> ArticleFiles:
    """Read and validate one article folder, or raise ContentError naming file and line."""
    slug = folder.name
    if not _SLUG.match(slug):
        raise ContentError(
            f"{folder}: the folder name is the slug; use lowercase letters, digits, hyphens."
        )
    toml_path = folder / ARTICLE_FILE
    label = f"{slug}/{ARTICLE_FILE}"
    _check_file(folder, ARTICLE_FILE)
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError(f"{label}: missing.") from None
    except tomllib.TOMLDecodeError as error:
        raise ContentError(f"{label}: invalid TOML: {error}") from None

    _require(meta, "title", str, label)
    _require(meta, "language", str, label)
    policy = meta.setdefault("publication", PublicationPolicy.APPROVED_ONLY.value)
    if policy not in {p.value for p in PublicationPolicy}:
        raise ContentError(
            f"{label}: publication must be 'approved-only' or 'pending-with-caution', "
            f"not {policy!r}."
        )
    if not isinstance(meta.get("specialty", ""), str):
        raise ContentError(f'{label}: specialty must be a string, such as "oncology".')
    if problem := names_problem(meta.get("specialty", "")):
        raise ContentError(f"{label}: specialty: {problem}")
    for name, default in (("required_signoffs", 1), ("review_interval_months", 12)):
        value = meta.setdefault(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ContentError(f"{label}: {name} must be a whole number of at least 1.")

    authors = meta.pop("authors", [])
    for index, author in enumerate(authors, start=1):
        _require(author, "name", str, f"{label} [[authors]] #{index}")
    references = meta.pop("references", [])
    keys: set[str] = set()
    for index, reference in enumerate(references, start=1):
        where = f"{label} [[references]] #{index}"
        key = _require(reference, "key", str, where)
        if not re.fullmatch(markdown.KEY_PATTERN, key):
            raise ContentError(f"{where}: key {key!r} may use letters, digits and _ . : - only.")
        if key in keys:
            raise ContentError(f"{where}: duplicate reference key '{key}'.")
        keys.add(key)
        if reference.get("kind", "") not in REFERENCE_KINDS:
            raise ContentError(f"{where}: kind must be one of {', '.join(REFERENCE_KINDS)}.")
        if "year" in reference and not isinstance(reference["year"], int):
            raise ContentError(f"{where}: year must be a number.")
        url = reference.get("url", "")
        if url != "" and (problem := web_address_problem(url)):
            raise ContentError(f"{where} (key '{key}'): {problem}")

    article = ArticleFiles(slug=slug, meta=meta, authors=authors, references=references)
    for audience, filename in WORDING_FILES.items():
        path = folder / filename
        _check_file(folder, filename)
        if not path.exists():
            if audience is Audience.CLINICIAN:
                raise ContentError(f"{slug}/{filename}: missing.")
            continue
        sections = parse_wording(path.read_text(encoding="utf-8"), f"{slug}/{filename}")
        for section in sections:
            rendered = markdown.render(section.body)
            for use in rendered.citations:
                if use.key not in keys:
                    raise ContentError(
                        f"{slug}/{filename}, line {section.line + use.line - 1}: "
                        f"unknown citation key '{use.key}'."
                    )
        article.wording[audience] = sections

    clinician = {s.key: s for s in article.wording[Audience.CLINICIAN]}
    for section in article.wording.get(Audience.PATIENT, []):
        if section.key not in clinician:
            raise ContentError(
                f"{slug}/patient.md, line {section.line - 1}: section '{section.key}' "
                "is not in clinician.md."
            )
        if section.level != clinician[section.key].level:
            raise ContentError(
                f"{slug}/patient.md, line {section.line - 1}: section '{section.key}' has heading "
                f"level {section.level} but level {clinician[section.key].level} in clinician.md."
            )
    return article


def article_folders(path: Path) -> list[Path]:
    """Return the article folders at `path`: the folder itself, or each folder under it."""
    if (path / ARTICLE_FILE).exists():
        return [path]
    if not path.is_dir():
        raise ContentError(f"{path}: not a folder.")
    folders = sorted(child for child in path.iterdir() if (child / ARTICLE_FILE).exists())
    if not folders:
        raise ContentError(f"{path}: no article folders (none holds {ARTICLE_FILE}).")
    return folders


def format_wording(sections: list[SectionText]) -> str:
    """Write sections back as one Markdown file in the import layout."""
    parts: list[str] = []
    for section in sections:
        if section.key == SUMMARY_KEY:
            if section.heading:
                parts.append(f"# {section.heading}")
        else:
            parts.append(f"{'#' * section.level} {section.heading} {{#{section.key}}}")
        if section.body:
            parts.append(section.body)
    return "\n\n".join(parts) + "\n"


def write_article(folder: Path, article: ArticleFiles) -> None:
    """Write one article folder."""
    folder.mkdir(parents=True, exist_ok=True)
    document = dict(article.meta)
    document["authors"] = article.authors
    document["references"] = article.references
    (folder / ARTICLE_FILE).write_text(tomli_w.dumps(document), encoding="utf-8")
    for audience, filename in WORDING_FILES.items():
        sections = article.wording.get(audience)
        path = folder / filename
        if sections:
            path.write_text(format_wording(sections), encoding="utf-8")
        elif path.exists():
            path.unlink()
