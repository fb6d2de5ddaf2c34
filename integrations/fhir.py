"""FHIR R4 resources built as plain dicts from an instrument definition and stored answers; no
Django import (tests validate the output with fhir.resources' R4B models).

Answer options are Codings of one code system per scale, each carrying its value as the
ordinalValue extension; every other language's wording rides on ``_text`` / ``_display`` as
translation extensions. "Does not apply" is the data-absent-reason code ``not-applicable``.
Responses carry no subject: the portal knows no patient.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from feedback.instrument_definition import InstrumentDefinition, Item, Scale
from feedback.texts import FALLBACK_LANGUAGE, text_in

FHIR_JSON = "application/fhir+json"
ORDINAL_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION_URL = "http://hl7.org/fhir/StructureDefinition/translation"
DATA_ABSENT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
NOT_APPLICABLE = "not-applicable"
SCALE_SYSTEM = "urn:compassion-portal:scale:"
DIMENSION_SYSTEM = "urn:compassion-portal:dimension"
CLINIC_TAG_SYSTEM = "urn:compassion-portal:clinic"


def _translations(texts: Mapping[str, str], base_language: str) -> dict[str, Any] | None:
    """The ``_element`` holding every language other than the base one, or None."""
    extensions = [
        {
            "url": TRANSLATION_URL,
            "extension": [
                {"url": "lang", "valueCode": language},
                {"url": "content", "valueString": text},
            ],
        }
        for language, text in sorted(texts.items())
        if language != base_language and text
    ]
    return {"extension": extensions} if extensions else None


def _with_text(target: dict, key: str, texts: Mapping[str, str], language: str) -> dict:
    target[key] = text_in(texts, language)
    if (translated := _translations(texts, language)) is not None:
        target["_" + key] = translated
    return target


def scale_system(scale: Scale) -> str:
    return SCALE_SYSTEM + scale.id


def answer_coding(scale: Scale, value: int, language: str, *, translations: bool) -> dict:
    """The Coding of one answer on ``scale``, its value as the ordinalValue extension."""
    labels = {lang: by_value.get(value, "") for lang, by_value in scale.labels.items()}
    coding = {
        "extension": [{"url": ORDINAL_VALUE_URL, "valueDecimal": value}],
        "system": scale_system(scale),
        "code": str(value),
    }
    if translations:
        return _with_text(coding, "display", labels, language)
    coding["display"] = text_in(labels, language)
    return coding


def not_applicable_coding(scale: Scale, language: str, *, translations: bool) -> dict:
    coding = {"system": DATA_ABSENT_REASON_SYSTEM, "code": NOT_APPLICABLE}
    if translations:
        return _with_text(coding, "display", scale.na_label, language)
    coding["display"] = text_in(scale.na_label, language)
    return coding


def _computable_name(slug: str) -> str:
    """Questionnaire.name must look like a programming identifier (FHIR invariant cnl-0)."""
    name = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", slug) if part)
    return name if name[:1].isalpha() else "Q" + name


def _questionnaire_item(item: Item, definition: InstrumentDefinition, language: str) -> dict:
    options = [
        {"valueCoding": answer_coding(item.scale, value, language, translations=True)}
        for value in item.scale.values
    ]
    if item.allow_na:
        options.append(
            {"valueCoding": not_applicable_coding(item.scale, language, translations=True)}
        )
    dimension = definition.dimension(item.dimension)
    entry: dict[str, Any] = {"linkId": item.id}
    entry["code"] = [
        {
            "system": DIMENSION_SYSTEM,
            "code": dimension.id,
            "display": text_in(dimension.label, language),
        }
    ]
    _with_text(entry, "text", item.text, language)
    entry.update(type="choice", required=item.required, answerOption=options)
    return entry


def questionnaire(definition: InstrumentDefinition, *, url: str) -> dict:
    """The instrument version as a Questionnaire (the free-text comment is left out: it is
    never exported, see questionnaire_response)."""
    language = FALLBACK_LANGUAGE
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": definition.slug,
        "language": language,
        "url": url,
        "version": str(definition.version),
        "name": _computable_name(definition.slug),
    }
    _with_text(resource, "title", definition.name, language)
    resource.update(
        status="active",
        subjectType=["Patient"],
        item=[_questionnaire_item(item, definition, language) for item in definition.items],
    )
    return resource


@dataclass(frozen=True)
class StoredResponse:
    """What the export needs of one stored response (read by the selector)."""

    id: int
    authored: dt.datetime
    language: str
    clinic_slug: str
    answers: Mapping[str, int]


def questionnaire_response(
    stored: StoredResponse, *, definition: InstrumentDefinition, questionnaire_url: str
) -> dict:
    """One response as a completed QuestionnaireResponse, with no subject or author.

    A required item offering "does not apply" that has no stored value was answered "does not
    apply" (the form accepts nothing else), so it becomes data-absent-reason not-applicable.
    An optional item with no value may just have been skipped: it is left out, as FHIR expects
    for an unanswered question. The comment is never exported (free text may name anyone).
    """
    items = []
    for item in definition.items:
        value = stored.answers.get(item.id)
        if value is not None:
            coding = answer_coding(item.scale, value, stored.language, translations=False)
        elif item.allow_na and item.required:
            coding = not_applicable_coding(item.scale, stored.language, translations=False)
        else:
            continue
        items.append(
            {
                "linkId": item.id,
                "text": text_in(item.text, stored.language),
                "answer": [{"valueCoding": coding}],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(stored.id),
        "meta": {"tag": [{"system": CLINIC_TAG_SYSTEM, "code": stored.clinic_slug}]},
        "language": stored.language,
        "questionnaire": f"{questionnaire_url}|{definition.version}",
        "status": "completed",
        "authored": stored.authored.isoformat(),
        "item": items,
    }


def searchset_bundle(
    *, resources: Sequence[dict], base_url: str, self_url: str, next_url: str | None, total: int
) -> dict:
    """A searchset Bundle of ``resources``, with a next link while more pages remain."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base_url}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }


def operation_outcome(*, code: str, diagnostics: str) -> dict:
    """A FHIR error body (code from the IssueType value set, e.g. invalid, forbidden)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }
