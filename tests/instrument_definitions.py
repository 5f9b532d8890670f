"""Questionnaire definitions built in the tests, with placeholder item text.

ODI 2.1a and EQ-5D-5L are licensed, so Recovery ships neither text; their scoring is tested
against these stand-ins, which have the instruments' shape (sections, options and points) and
none of their words. A clinic's licensed drop-in has the same shape with the real text.
"""

import copy

ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def _choice(link_id: str, points: range) -> dict:
    return {"linkId": link_id, "type": "choice", "required": False, "text": f"Placeholder section {link_id}",
            "answerOption": [{"valueCoding": {"system": "urn:test:placeholder", "code": f"{link_id}-{p}",
                                              "display": f"Placeholder answer worth {p}"},
                              "extension": [{"url": ORDINAL, "valueDecimal": p}]} for p in points]}


def questionnaire(key: str, items: list, **fields) -> dict:
    return {"resourceType": "Questionnaire", "status": "active", "url": f"urn:test:questionnaire:{key}",
            "identifier": [{"system": "urn:recovery:instrument", "value": key}],
            "version": "test", "title": f"Placeholder {key}", "language": "en",
            "description": "Built in the tests: placeholder text only.",
            "copyright": "Placeholder: no licensed text.", "item": items, **fields}


def odi() -> dict:
    """Ten sections (linkIds s1..s10), six answers each scoring 0-5 (codes "s1-0" ... "s1-5")."""
    return questionnaire("odi", [_choice(f"s{n}", range(6)) for n in range(1, 11)])


def eq5d5l() -> dict:
    """Five dimensions (d1..d5, levels 1-5: codes "d1-1" ... "d1-5") and the EQ VAS (vas, 0-100)."""
    dimensions = [{**_choice(f"d{n}", range(1, 6)), "required": True} for n in range(1, 6)]
    vas = {"linkId": "vas", "type": "integer", "required": True, "text": "Placeholder scale 0-100",
           "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                         {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 100}]}
    return questionnaire("eq5d5l", dimensions + [vas])


def changed(definition: dict, change) -> dict:
    """A deep copy of `definition` with `change(copy)` applied."""
    made = copy.deepcopy(definition)
    change(made)
    return made
