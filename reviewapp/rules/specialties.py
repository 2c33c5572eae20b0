"""The site's fixed list of medical specialties: what an article belongs to, and what a
declared interest concerns. Pure: no Flask, no database.

An article's front matter names its specialties in its `specialty` value, separated by
commas ("oncology, palliative-care"); each is a code of this list or one of its labels in
English or French, in any case ("Oncologie"), so that values written before the list
existed keep their meaning. A declaration names codes.
"""

import re
import unicodedata
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Specialty:
    code: str
    en: str
    fr: str

    def label(self, language: str = "en") -> str:
        """Return the specialty's name in `language` (French or English)."""
        return self.fr if language == "fr" else self.en


_LIST = (
    Specialty("anaesthesiology", "Anaesthesiology", "Anesthésiologie"),
    Specialty("cardiology", "Cardiology", "Cardiologie"),
    Specialty("dermatology", "Dermatology", "Dermatologie"),
    Specialty("emergency-medicine", "Emergency medicine", "Médecine d'urgence"),
    Specialty("endocrinology", "Endocrinology", "Endocrinologie"),
    Specialty("gastroenterology", "Gastroenterology", "Gastro-entérologie"),
    Specialty("general-practice", "General practice", "Médecine générale"),
    Specialty("geriatrics", "Geriatrics", "Gériatrie"),
    Specialty("haematology", "Haematology", "Hématologie"),
    Specialty("infectious-diseases", "Infectious diseases", "Maladies infectieuses"),
    Specialty("nephrology", "Nephrology", "Néphrologie"),
    Specialty("neurology", "Neurology", "Neurologie"),
    Specialty("obstetrics-gynaecology", "Obstetrics and gynaecology", "Gynécologie-obstétrique"),
    Specialty("oncology", "Oncology", "Oncologie"),
    Specialty("ophthalmology", "Ophthalmology", "Ophtalmologie"),
    Specialty("paediatrics", "Paediatrics", "Pédiatrie"),
    Specialty("palliative-care", "Palliative care", "Soins palliatifs"),
    Specialty("pharmacology", "Clinical pharmacology", "Pharmacologie clinique"),
    Specialty("psychiatry", "Psychiatry", "Psychiatrie"),
    Specialty("radiation-oncology", "Radiation oncology", "Radiothérapie"),
    Specialty("radiology", "Radiology", "Radiologie"),
    Specialty("respiratory-medicine", "Respiratory medicine", "Pneumologie"),
    Specialty("rheumatology", "Rheumatology", "Rhumatologie"),
    Specialty("surgery", "Surgery", "Chirurgie"),
    Specialty("urology", "Urology", "Urologie"),
)

SPECIALTIES = MappingProxyType({specialty.code: specialty for specialty in _LIST})
CODES = tuple(SPECIALTIES)

_SEPARATORS = re.compile(r"[,;]")


def _folded(name: str) -> str:
    """Return a name without case, accents or spacing differences, to compare names."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_'’-]+", " ", plain.casefold()).strip()


_BY_NAME = MappingProxyType(
    {
        _folded(name): specialty.code
        for specialty in _LIST
        for name in (specialty.code, specialty.en, specialty.fr)
    }
)


def code_of(name: str) -> str | None:
    """Return the code a specialty's code or label names, or None when the list has none."""
    return _BY_NAME.get(_folded(name))


def read_names(value: str) -> tuple[list[str], list[str]]:
    """Return (the codes `value` names, in order and once each; the names the list lacks)."""
    codes: list[str] = []
    unknown: list[str] = []
    for name in (part.strip() for part in _SEPARATORS.split(value or "")):
        if not name:
            continue
        code = code_of(name)
        if code is None:
            unknown.append(name)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def codes_in(value: str) -> frozenset[str]:
    """Return the specialties an article's `specialty` value names (unknown names: none)."""
    return frozenset(read_names(value)[0])


def names_problem(value: str) -> str | None:
    """Return why `value` names something outside the list, or None."""
    _, unknown = read_names(value)
    if not unknown:
        return None
    names = ", ".join(f"'{name}'" for name in unknown)
    return (
        f"Not in the site's list of specialties: {names}. Use codes such as "
        f"{', '.join(CODES[:3])}…, separated by commas (every code: {', '.join(CODES)})."
    )


def label(code: str, language: str = "en") -> str:
    """Return the name of the specialty `code` in `language`, or the code if it is unknown."""
    specialty = SPECIALTIES.get(code)
    return specialty.label(language) if specialty else code


def labels(codes, language: str = "en") -> str:
    """Return the names of `codes`, joined for a sentence."""
    return ", ".join(label(code, language) for code in codes)
