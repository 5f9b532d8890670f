"""An outcome questionnaire as Recovery reads it from a FHIR R4 Questionnaire (SDC conventions).

The JSON file is the definition: its items, their answer options and the points each option
scores (the `ordinalValue` extension), which items are required, and the file's own record of
its source, version, language and terms of use. This module turns a file into an `Instrument`
and refuses, in one sentence, a file that is not a Questionnaire Recovery can show and score.
It imports nothing of Recovery, so the loader, the scoring and the services can all use it.
"""

from dataclasses import dataclass

from fhir.resources.R4B.questionnaire import Questionnaire
from pydantic import ValidationError

# The identifier system that names which instrument a Questionnaire is ("rmdq", "odi", ...):
# Recovery's scoring is looked up by this value, so a clinic's licensed drop-in says which
# instrument it is the same way. A URN: Recovery has no web address of its own to publish at.
INSTRUMENT_SYSTEM = "urn:recovery:instrument"
# FHIR core extensions (R4) Recovery reads: the points an answer option scores, and the bounds of
# a number item.
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
# The item types a patient's form can show: a statement to tick, one choice of several, a whole
# number (the EQ VAS), and text that asks nothing (instructions).
ITEM_TYPES = ("display", "boolean", "choice", "integer")


class DefinitionError(ValueError):
    """A Questionnaire file Recovery cannot use; the message says what is wrong, in one line."""


@dataclass(frozen=True)
class Option:
    """One answer a choice item offers: its stored code, its words and the points it scores."""

    code: str
    display: str
    points: int
    system: str | None = None  # the valueCoding's system in the file, for exports (FHIR)


@dataclass(frozen=True)
class Item:
    """One question (or a line of instructions, kind "display") of a questionnaire."""

    link_id: str
    kind: str
    text: str
    required: bool
    options: tuple[Option, ...] = ()
    min_value: int | None = None
    max_value: int | None = None

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Instrument:
    """A questionnaire Recovery can ask and score; `key` names its scoring function."""

    key: str
    url: str
    version: str
    title: str
    language: str
    source: str  # the Questionnaire's description: where the text comes from
    terms: str  # the Questionnaire's copyright: the terms of use relied on
    items: tuple[Item, ...]
    path: str  # the file it was read from, for error messages

    @property
    def questions(self) -> tuple[Item, ...]:
        """The items that take an answer (instructions left out), in the order shown."""
        return tuple(i for i in self.items if i.kind != "display")

    def item(self, link_id: str) -> Item | None:
        return next((i for i in self.questions if i.link_id == link_id), None)


def _extension(element, url: str):
    for extension in element.extension or ():
        if extension.url == url:
            return extension
    return None


def _first_error(error: ValidationError) -> str:
    """Pydantic's report is many lines; the first problem, with where it is, fits in one."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def parse(data, path: str) -> Instrument:
    """The Instrument a Questionnaire's JSON (already decoded) defines, or DefinitionError."""
    if not isinstance(data, dict) or data.get("resourceType") != "Questionnaire":
        raise DefinitionError("not a FHIR Questionnaire (resourceType must be \"Questionnaire\")")
    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as error:
        raise DefinitionError(f"not a valid FHIR R4 Questionnaire ({_first_error(error)})") from None
    keys = [i.value for i in questionnaire.identifier or () if i.system == INSTRUMENT_SYSTEM and i.value]
    if len(keys) != 1:
        raise DefinitionError(f"needs one identifier with system {INSTRUMENT_SYSTEM} naming the instrument")
    for field, says in (("url", "its canonical URL"), ("version", "its version"),
                        ("title", "its title"), ("language", "its language"),
                        ("description", "its source"), ("copyright", "the terms of use relied on")):
        if not (getattr(questionnaire, field) or "").strip():
            raise DefinitionError(f"has no {field} ({says})")
    if questionnaire.status not in ("draft", "active"):
        raise DefinitionError(f"has status {questionnaire.status!r}: only a draft or active one is asked")
    items = tuple(_item(raw) for raw in questionnaire.item or ())
    link_ids = [i.link_id for i in items]
    duplicates = sorted({link for link in link_ids if link_ids.count(link) > 1})
    if duplicates:
        raise DefinitionError(f"uses linkId {duplicates[0]!r} twice")
    if not any(i.kind != "display" for i in items):
        raise DefinitionError("asks nothing (no item takes an answer)")
    return Instrument(key=keys[0], url=questionnaire.url, version=questionnaire.version,
                      title=questionnaire.title, language=questionnaire.language,
                      source=questionnaire.description, terms=questionnaire.copyright,
                      items=items, path=path)


def _item(raw) -> Item:
    """One top-level item; groups and nested items are not shown by the patient's form."""
    where = f"item {raw.linkId!r}"
    if raw.type not in ITEM_TYPES:
        raise DefinitionError(f"{where} has type {raw.type!r}; Recovery shows {', '.join(ITEM_TYPES)}")
    if raw.item:
        raise DefinitionError(f"{where} has nested items, which Recovery does not show")
    if not (raw.text or "").strip():
        raise DefinitionError(f"{where} has no text")
    options = []
    if raw.type == "choice":
        for answer in raw.answerOption or ():
            coding = answer.valueCoding
            ordinal = _extension(answer, ORDINAL_VALUE)
            if coding is None or not coding.code or not coding.display:
                raise DefinitionError(f"{where}: each answerOption needs a valueCoding with code and display")
            value = ordinal.valueDecimal if ordinal is not None else None
            if value is None or value != int(value):
                raise DefinitionError(f"{where}: answer {coding.code!r} needs a whole-number {ORDINAL_VALUE}")
            options.append(Option(coding.code, coding.display, int(value), coding.system))
        codes = [o.code for o in options]
        if len(codes) < 2 or len(set(codes)) != len(codes):
            raise DefinitionError(f"{where} needs at least two answer options with distinct codes")
    bounds = {}
    if raw.type == "integer":
        for name, url in (("min_value", MIN_VALUE), ("max_value", MAX_VALUE)):
            extension = _extension(raw, url)
            if extension is None or extension.valueInteger is None:
                raise DefinitionError(f"{where} needs a {url} (valueInteger)")
            bounds[name] = extension.valueInteger
        if bounds["min_value"] > bounds["max_value"]:
            raise DefinitionError(f"{where}: minValue is above maxValue")
    return Item(link_id=raw.linkId, kind=raw.type, text=raw.text.strip(),
                required=bool(raw.required) and raw.type != "display", options=tuple(options), **bounds)
