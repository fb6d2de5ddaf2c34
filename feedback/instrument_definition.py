"""Parse and validate a survey instrument definition (a JSON document); no Django import.

The format can express licensed instruments (item count, scale, reverse items, max_missing) so a
clinic holding a licence can load one; we ship only our own wording. Every problem is reported
with the path of the offending value, e.g. ``items[3].scale: unknown scale 'agree7'``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback.dimension_kinds import (
    DimensionKind,
    FollowUpRule,
    follow_up_rule_parse,
    positive_answers_parse,
)

_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Who answers an instrument: patients (kiosk, invitations, the dashboard) or staff (the
# wellbeing pulse only). A staff instrument is never offered to patients, nor rolled up with them.
AUDIENCES = ("patients", "staff")


class InstrumentDefinitionError(ValueError):
    """A definition that cannot be used; the message lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Invalid instrument definition:\n- " + "\n- ".join(problems))


@dataclass(frozen=True)
class Scale:
    id: str
    min: int
    max: int
    # {language: {value: label}}; every value in min..max has a label in every language.
    labels: dict[str, dict[int, str]]
    na_label: dict[str, str]

    @property
    def values(self) -> range:
        return range(self.min, self.max + 1)


@dataclass(frozen=True)
class Item:
    id: str
    dimension: str
    scale: Scale
    text: dict[str, str]
    reverse: bool = False
    allow_na: bool = False
    required: bool = True


@dataclass(frozen=True)
class Dimension:
    id: str
    label: dict[str, str]
    max_missing: int
    kind: DimensionKind = DimensionKind.LIKERT
    follow_up: FollowUpRule | None = None
    # PERCENT_POSITIVE: the answers (as given on the item's scale) that count as positive.
    positive: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_mean_scored(self) -> bool:
        """Shown as a mean 0-100 score: tiles, trends, the funnel plot, the heatmap."""
        return self.kind == DimensionKind.LIKERT

    @property
    def is_recommend(self) -> bool:
        """Likelihood to recommend: shown as an NPS and a promoter/detractor distribution."""
        return self.kind == DimensionKind.NPS

    @property
    def is_percent_positive(self) -> bool:
        return self.kind == DimensionKind.PERCENT_POSITIVE


@dataclass(frozen=True)
class InstrumentDefinition:
    slug: str
    version: int
    name: dict[str, str]
    languages: tuple[str, ...]
    intro: dict[str, str]
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    comment_prompt: dict[str, str]
    comment_max_length: int
    # The dimension the dashboard's funnel plot compares first (a mean-scored one).
    headline_dimension: str = ""
    # Languages whose texts are a draft translation awaiting review; the survey says so.
    draft_languages: tuple[str, ...] = ()
    audience: str = "patients"

    @property
    def is_staff(self) -> bool:
        return self.audience == "staff"

    @property
    def mean_scored_dimensions(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.is_mean_scored)

    @property
    def recommend_dimensions(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.is_recommend)

    @property
    def percent_positive_dimensions(self) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.is_percent_positive)

    def dimension(self, dimension_id: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def items_of(self, dimension_id: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.dimension == dimension_id)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def load_definition_file(path: Path) -> InstrumentDefinition:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InstrumentDefinitionError(
            [f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from None
    return parse_definition(raw)


def parse_definition(raw: Any) -> InstrumentDefinition:
    """Build a definition from decoded JSON, or raise listing every problem found."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise InstrumentDefinitionError(["the definition must be a JSON object"])

    def need(obj: dict, key: str, kind: type | tuple[type, ...], where: str) -> Any:
        if key not in obj:
            problems.append(f"{where}{key}: missing")
            return None
        value = obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            problems.append(f"{where}{key}: must be {names}, got {type(value).__name__}")
            return None
        return value

    slug = need(raw, "slug", str, "")
    if slug is not None and not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", slug):
        problems.append(f"slug: must be lower-case words joined by '-', got {slug!r}")
    version = need(raw, "version", int, "")
    if version is not None and version < 1:
        problems.append("version: must be 1 or more")
    languages = need(raw, "languages", list, "") or []
    if not languages or not all(isinstance(lang, str) and lang for lang in languages):
        problems.append("languages: must list at least one language code")
        languages = [lang for lang in languages if isinstance(lang, str)]
    draft_languages = raw.get("draft_languages", [])
    if not isinstance(draft_languages, list) or not all(
        isinstance(lang, str) and lang in languages for lang in draft_languages
    ):
        problems.append("draft_languages: must list some of the definition's languages")
        draft_languages = []

    def texts(obj: Any, where: str) -> dict[str, str]:
        if not isinstance(obj, dict):
            problems.append(f"{where}: must be an object of texts per language")
            return {}
        for lang in languages:
            if not isinstance(obj.get(lang), str) or not obj[lang].strip():
                problems.append(f"{where}: no text for language '{lang}'")
        return {k: v for k, v in obj.items() if isinstance(v, str)}

    audience = raw.get("audience", "patients")
    if audience not in AUDIENCES:
        problems.append(f"audience: must be one of {', '.join(AUDIENCES)}, got {audience!r}")
        audience = "patients"
    name = texts(raw.get("name"), "name")
    intro = (
        texts(raw.get("intro", {lang: "" for lang in languages}), "intro") if "intro" in raw else {}
    )

    scales: dict[str, Scale] = {}
    for scale_id, spec in (need(raw, "scales", dict, "") or {}).items():
        where = f"scales.{scale_id}"
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be an object")
            continue
        lo, hi = spec.get("min"), spec.get("max")
        if not (isinstance(lo, int) and isinstance(hi, int)) or isinstance(lo, bool) or lo >= hi:
            problems.append(f"{where}: min and max must be whole numbers with min < max")
            continue
        labels: dict[str, dict[int, str]] = {}
        raw_labels = spec.get("labels")
        if not isinstance(raw_labels, dict):
            problems.append(f"{where}.labels: must be an object of labels per language")
            raw_labels = {}
        for lang in languages:
            per_value = raw_labels.get(lang)
            if not isinstance(per_value, dict):
                problems.append(f"{where}.labels: no labels for language '{lang}'")
                continue
            labels[lang] = {}
            for value in range(lo, hi + 1):
                label = per_value.get(str(value))
                if not isinstance(label, str) or not label.strip():
                    problems.append(f"{where}.labels.{lang}: no label for value {value}")
                else:
                    labels[lang][value] = label
        na_label = texts(
            spec.get("na_label", {lang: "Does not apply" for lang in languages}),
            f"{where}.na_label",
        )
        scales[scale_id] = Scale(scale_id, lo, hi, labels, na_label)

    dimensions: list[Dimension] = []
    for index, spec in enumerate(need(raw, "dimensions", list, "") or []):
        where = f"dimensions[{index}]"
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be an object")
            continue
        dim_id = spec.get("id")
        if not isinstance(dim_id, str) or not _ID.match(dim_id):
            problems.append(f"{where}.id: must be a short lower-case identifier, got {dim_id!r}")
            continue
        if any(d.id == dim_id for d in dimensions):
            problems.append(f"{where}.id: dimension '{dim_id}' is defined twice")
        max_missing = spec.get("max_missing", 0)
        if not isinstance(max_missing, int) or isinstance(max_missing, bool) or max_missing < 0:
            problems.append(f"{where}.max_missing: must be a whole number, 0 or more")
            max_missing = 0
        kind = spec.get("kind", DimensionKind.LIKERT)
        if not isinstance(kind, str) or kind not in DimensionKind:
            names = ", ".join(f"'{k}'" for k in DimensionKind)
            problems.append(f"{where}.kind: must be one of {names}, got {kind!r}")
            kind = DimensionKind.LIKERT
        kind = DimensionKind(kind)
        dimensions.append(
            Dimension(
                dim_id,
                texts(spec.get("label"), f"{where}.label"),
                max_missing,
                kind,
                follow_up=follow_up_rule_parse(
                    spec, dim_id=dim_id, kind=kind, where=where, problems=problems
                ),
                positive=positive_answers_parse(spec, kind=kind, where=where, problems=problems),
            )
        )

    items: list[Item] = []
    dimension_ids = {d.id for d in dimensions}
    for index, spec in enumerate(need(raw, "items", list, "") or []):
        where = f"items[{index}]"
        if not isinstance(spec, dict):
            problems.append(f"{where}: must be an object")
            continue
        item_id = spec.get("id")
        if not isinstance(item_id, str) or not _ID.match(item_id):
            problems.append(f"{where}.id: must be a short lower-case identifier, got {item_id!r}")
            continue
        if any(i.id == item_id for i in items):
            problems.append(f"{where}.id: item '{item_id}' is defined twice")
        dim = spec.get("dimension")
        if dim not in dimension_ids:
            problems.append(f"{where}.dimension: unknown dimension {dim!r}")
        scale = scales.get(spec.get("scale"))
        if scale is None:
            problems.append(f"{where}.scale: unknown scale {spec.get('scale')!r}")
            continue
        flags = {}
        for flag, default in (("reverse", False), ("allow_na", False), ("required", True)):
            value = spec.get(flag, default)
            if not isinstance(value, bool):
                problems.append(f"{where}.{flag}: must be true or false")
                value = default
            flags[flag] = value
        items.append(Item(item_id, dim, scale, texts(spec.get("text"), f"{where}.text"), **flags))

    for dim in dimensions:
        members = [i for i in items if i.dimension == dim.id]
        if not members:
            problems.append(f"dimensions: '{dim.id}' has no items")
        elif dim.max_missing >= len(members):
            problems.append(
                f"dimensions: '{dim.id}' allows {dim.max_missing} missing of {len(members)} items;"
                " at least one item must be answered"
            )
        if len({(i.scale.min, i.scale.max) for i in members}) > 1:
            problems.append(f"dimensions: '{dim.id}' mixes items on scales of different ranges")
        if dim.is_recommend and (
            len(members) != 1
            or members[0].scale.min != 0
            or members[0].scale.max != 10
            or members[0].reverse
        ):
            problems.append(
                f"dimensions: '{dim.id}' is an NPS dimension: one 0-10 item, not reversed"
            )
        if dim.is_percent_positive and members:
            if len(members) != 1 or members[0].reverse or not members[0].required:
                problems.append(
                    f"dimensions: '{dim.id}' is a percent-positive dimension: one required item,"
                    ' not reversed (offer "don\'t know" with allow_na)'
                )
            elif not dim.positive <= set(members[0].scale.values):
                problems.append(
                    f"dimensions: '{dim.id}' positive answers must lie on its item's scale"
                    f" ({members[0].scale.min} to {members[0].scale.max})"
                )

    mean_scored = [d.id for d in dimensions if d.is_mean_scored]
    headline = raw.get("headline_dimension", mean_scored[0] if mean_scored else "")
    if "headline_dimension" in raw and headline not in mean_scored:
        problems.append(f"headline_dimension: must be a likert dimension's id, got {headline!r}")

    comment = raw.get("comment", {})
    if not isinstance(comment, dict):
        problems.append("comment: must be an object")
        comment = {}
    comment_prompt = texts(comment.get("text"), "comment.text") if "text" in comment else {}
    comment_max_length = comment.get("max_length", 2000)
    if not isinstance(comment_max_length, int) or not 1 <= comment_max_length <= 20000:
        problems.append("comment.max_length: must be a whole number from 1 to 20000")
        comment_max_length = 2000

    if problems:
        raise InstrumentDefinitionError(problems)
    return InstrumentDefinition(
        slug=slug,
        version=version,
        name=name,
        languages=tuple(languages),
        intro=intro,
        dimensions=tuple(dimensions),
        items=tuple(items),
        comment_prompt=comment_prompt,
        comment_max_length=comment_max_length,
        headline_dimension=headline,
        draft_languages=tuple(draft_languages),
        audience=audience,
    )


def answers_problems(definition: InstrumentDefinition, answers: dict[str, Any]) -> dict[str, str]:
    """Problems with a set of answers, per item id ("" for the whole set); empty when valid.

    ``answers`` maps item id to an integer value, or to None for "does not apply".
    """
    problems: dict[str, str] = {}
    known = {item.id for item in definition.items}
    unknown = sorted(set(answers) - known)
    if unknown:
        problems[""] = f"unknown items: {', '.join(unknown)}"
    for item in definition.items:
        if item.id not in answers:
            if item.required:
                problems[item.id] = "missing"
            continue
        value = answers[item.id]
        if value is None:
            if not item.allow_na:
                problems[item.id] = "'does not apply' is not offered for this question"
        elif not isinstance(value, int) or isinstance(value, bool):
            problems[item.id] = "must be a whole number"
        elif not item.scale.min <= value <= item.scale.max:
            problems[item.id] = f"must be from {item.scale.min} to {item.scale.max}"
    return problems
