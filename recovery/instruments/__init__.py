"""Outcome questionnaires as data: the FHIR Questionnaires in this folder, and a clinic's drop-ins.

Each `*.json` here is one instrument Recovery ships (its text may be shipped: see README.md,
"Outcome questionnaires"). A clinic that holds a licence for an instrument whose scoring Recovery
ships but whose text it may not (ODI, EQ-5D-5L) puts that Questionnaire in
`instance/instruments/`. Both are read once at start-up (`load`): a file that does not parse, or
names an instrument Recovery cannot score, stops start-up with one line naming the file, so a
questionnaire is never half-shown or scored by the wrong rule.
"""

import json
from pathlib import Path

from flask import current_app

from ..config import ConfigError
from .definitions import DefinitionError, Instrument, parse
from .scoring import SCORING

SHIPPED = Path(__file__).parent
DROP_INS = "instruments"  # the folder under the instance folder


def read(path: Path) -> Instrument:
    """One Questionnaire file as an Instrument Recovery can score, or ConfigError naming the file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"instrument definition {path}: cannot be read as JSON ({error}).") from None
    try:
        instrument = parse(data, str(path))
        scoring = SCORING.get(instrument.key)
        if scoring is None:
            raise DefinitionError(f"names instrument {instrument.key!r}, which Recovery cannot score "
                                  f"(it scores {', '.join(sorted(SCORING))})")
        scoring.fits(instrument)
    except DefinitionError as error:
        raise ConfigError(f"instrument definition {path}: {error}.") from None
    return instrument


def load(instance_path: str) -> dict[str, Instrument]:
    """Every instrument Recovery can ask, by key: the shipped ones and the clinic's drop-ins."""
    paths = sorted(SHIPPED.glob("*.json"))
    drop_ins = Path(instance_path) / DROP_INS
    if drop_ins.is_dir():
        paths += sorted(drop_ins.glob("*.json"))
    found: dict[str, Instrument] = {}
    for path in paths:
        instrument = read(path)
        if instrument.key in found:
            raise ConfigError(f"instrument definition {path}: defines {instrument.key!r} again "
                              f"(already in {found[instrument.key].path}); keep one.")
        found[instrument.key] = instrument
    return found


def init_app(app) -> None:
    """Read the definitions once, at start-up, before any page can ask for one."""
    app.extensions["instruments"] = load(app.instance_path)


def catalogue() -> dict[str, Instrument]:
    """The running app's instruments, by key."""
    return current_app.extensions["instruments"]
