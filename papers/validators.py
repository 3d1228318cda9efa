"""Model-field validators: the pipeline's identifier rules and the abstract's shape, as Django
ValidationErrors, so every ModelForm (the admin's included) refuses what the database would."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from papers.pubmed.identifiers import doi_problem, pmid_problem

ABSTRACT_SHAPE = (
    'an abstract is a list of sections, each {"label": "...", "nlm_category": "...", '
    '"text": "..."} with text in every section'
)
ABSTRACT_KEYS = ("label", "nlm_category", "text")


def validate_pmid(value: object) -> None:
    if problem := pmid_problem(value):
        raise ValidationError(problem, code="invalid_pmid")


def validate_doi(value: object) -> None:
    if value in (None, ""):
        return
    if problem := doi_problem(value):
        raise ValidationError(problem, code="invalid_doi")


def abstract_problem(value: object) -> str | None:
    """Return why ``value`` is not an abstract as Paper.abstract stores it, or None."""
    if not isinstance(value, list):
        return f"not a list: {ABSTRACT_SHAPE}"
    for number, section in enumerate(value, start=1):
        if not isinstance(section, dict):
            return f"section {number} is not an object: {ABSTRACT_SHAPE}"
        unknown = sorted(set(section) - set(ABSTRACT_KEYS))
        if unknown:
            return f"section {number} has unknown keys {', '.join(unknown)}: {ABSTRACT_SHAPE}"
        if not all(isinstance(section.get(key, ""), str) for key in ABSTRACT_KEYS):
            return f"section {number} holds something other than text: {ABSTRACT_SHAPE}"
        if not section.get("text", "").strip():
            return f"section {number} has no text: {ABSTRACT_SHAPE}"
    return None


def validate_abstract(value: object) -> None:
    if problem := abstract_problem(value):
        raise ValidationError(problem, code="invalid_abstract")


def abstract_sections(value: object) -> list[dict[str, str]]:
    """Return the readable sections of a stored abstract, whatever shape it has.

    Readers (pages, exports, quotes) go through this so a row written around validation (raw
    SQL, an old admin save) shows what it can instead of answering 500: a bare string becomes
    one section, sections that are not objects or hold no text are skipped.
    """
    if isinstance(value, str):
        return [{"label": "", "nlm_category": "", "text": value}] if value.strip() else []
    if not isinstance(value, list):
        return []
    sections = []
    for section in value:
        if isinstance(section, str):
            section = {"text": section}
        if not isinstance(section, dict) or not isinstance(section.get("text"), str):
            continue
        if section["text"].strip():
            sections.append(
                {
                    "label": str(section.get("label") or ""),
                    "nlm_category": str(section.get("nlm_category") or ""),
                    "text": section["text"],
                }
            )
    return sections
