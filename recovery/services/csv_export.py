"""CSV export of the cohort: one row per check-in with its procedure, safe to open in a spreadsheet.

- Rows: every check-in (an incomplete one, kept for its red flag, has `complete` no and empty
  cells for the answers not given: empty is "not answered", never "no"), with the procedure it
  was recorded against (type, levels, date, cause, baseline) and days since that procedure
  (the check-in's local date minus the procedure's calendar day in the patient's zone, as on
  the charts). The cohort page's filters apply to
  that procedure; the patient's record number identifies the row, names and birth dates stay out.
- Then one row per administered outcome questionnaire (issue 21), `row_kind` "questionnaire"
  (check-in rows say "checkin"), after every check-in row: the same procedure columns and
  days_since_procedure (of the answer's local date; negative at baseline), entered_by_staff, and
  the columns that only such rows fill: time_point (baseline, 72h, week1, month1, month3, month6,
  month12), instrument (rmdq, global_impression, odi, eq5d5l), instrument_version, answered_date
  (the latest answer's local date), score (empty when the answers cannot be scored), baseline_score
  (the same instrument's at baseline), score_change (score minus baseline_score) and
  meaningful_improvement (services/responder.meaningful_improvement: RMDQ 5 points and 30%, ODI 10
  points; empty for instruments without a rule). The check-in columns stay empty on these rows.
- UTF-8 with a byte-order mark: Excel, which most clinics open CSV files with, reads a file
  without one in the machine's legacy code page and garbles Spanish notes ("señora");
  Python's csv module reads it with encoding="utf-8-sig", LibreOffice and R ignore it.
- Formula injection (OWASP "CSV injection"): a text cell starting with =, +, -, @, tab or
  carriage return gets a leading apostrophe, so a spreadsheet shows it as text instead of
  running it. So does every piece of a text cell after a ";" or a line break (with any spaces
  or quotes before the character): a spreadsheet set to split on semicolons (the default in
  much of Europe and Latin America) reads "a;=cmd" as a cell "=cmd", and "a;'=cmd" as text.
  Numbers are written as numbers (a pain change of -2 stays -2, readable as a number by every
  reader, since no number can hide a formula); only free text can carry one, so a note "-2"
  becomes "'-2".
- One SELECT fetches the rows; the CSV text is then produced in chunks as the response streams.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    RED_FLAGS,
    CheckIn,
    Patient,
    Procedure,
    QuestionnaireResponse,
    procedure_day,
    recovery_day,
)
from .cohort import CohortFilters, filtered
from .responder import is_responder, meaningful_improvement

BOM = "\ufeff"
CHECKIN_COLUMNS = ("id", "local_date", "pain_now", "worst_pain", "walking_level", "minutes_upright",
                   "medication", "sleep_disturbed", *RED_FLAGS, "is_72h_check", "entered_by_id", "note",
                   "complete")
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A piece of a cell that a semicolon- or line-splitting reader sees as a cell of its own, and
# that starts (after spaces or the quotes of CSV quoting) with one of DANGEROUS_STARTS.
_DANGEROUS_PIECE = re.compile(r"(?<=[;\n\r])(?=[ \"]*[=+\-@\t\r])")
CHUNK_ROWS = 500
# The check-in cells between days_since_procedure and entered_by_staff (pain_now ... is_72h_check).
CHECKIN_ANSWER_CELLS = ("pain_now", "worst_pain", "pain_change", "responder", "walking_level",
                        "minutes_upright", "medication", "sleep_disturbed", "red_flags", "is_72h_check")
COLUMNS = (
    "record_number", "procedure_type", "levels", "procedure_date", "fracture_cause", "baseline_pain",
    "checkin_date", "days_since_procedure", "pain_now", "worst_pain", "pain_change", "responder",
    "walking_level", "minutes_upright", "medication", "sleep_disturbed", "red_flags",
    "is_72h_check", "entered_by_staff", "note", "complete",
    # Outcome questionnaires' rows (row_kind "questionnaire") fill these; check-in rows leave them empty.
    "row_kind", "time_point", "instrument", "instrument_version", "answered_date", "score", "baseline_score",
    "score_change", "meaningful_improvement",
)
NO_QUESTIONNAIRE = (None,) * 8  # a check-in row's cells after row_kind
_AFTER_DAYS = COLUMNS.index("days_since_procedure") + 1
assert COLUMNS[_AFTER_DAYS:COLUMNS.index("entered_by_staff")] == CHECKIN_ANSWER_CELLS, \
    "a questionnaire row leaves exactly the check-in answers empty"


@dataclass(frozen=True)
class ExportRow:
    """One check-in with its procedure, as plain values in COLUMNS order."""

    values: tuple


def neutralise(value):
    """A cell as written: numbers as they are, text that a spreadsheet would run as a formula
    prefixed with an apostrophe, None as an empty cell, booleans as yes/no, dates as ISO."""
    kind = type(value)  # exact types first: this runs for every cell of every row
    if kind is int or kind is float or kind is Decimal:
        return value
    if kind is str:
        return _text(value)
    if value is None:
        return ""
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return _text(str(value))


def _text(text: str) -> str:
    if ";" in text or "\n" in text or "\r" in text:
        text = _DANGEROUS_PIECE.sub("'", text)
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def _statement(filters: CohortFilters, clinic_tz: ZoneInfo):
    stmt = (
        # Plain columns, not CheckIn entities: building 20 000 ORM objects costs seconds.
        select(Patient.record_number, Patient.timezone, Procedure.id.label("procedure_id"), Procedure.type,
               Procedure.levels, Procedure.performed_at, Procedure.fracture_cause, Procedure.baseline_pain,
               *(getattr(CheckIn, name) for name in CHECKIN_COLUMNS))
        .join(Procedure, Procedure.id == CheckIn.procedure_id)
        .join(Patient, Patient.id == CheckIn.patient_id)
        .order_by(Patient.record_number, CheckIn.local_date, CheckIn.id)
    )
    return filtered(stmt, filters, clinic_tz)


def cohort_rows(filters: CohortFilters = CohortFilters()) -> list[ExportRow]:
    """Every check-in that matches the filters, oldest first per patient, in one statement."""
    zone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    procedure_days: dict[int, date] = {}
    rows = []
    for (record, tz, procedure_id, kind, levels, performed_at, cause, baseline, _id, day, pain, worst,
         walking, upright, medication, sleep, *flags, is_72h, entered_by, note, complete
         ) in db.session.execute(_statement(filters, zone)):
        first = procedure_days.get(procedure_id)
        if first is None:
            first = procedure_days[procedure_id] = procedure_day(performed_at, tz)
        red = ";".join(name for name, on in zip(RED_FLAGS, flags, strict=True) if on)
        change = pain - baseline if pain is not None and baseline is not None else None
        rows.append(ExportRow((  # an answer not given (None) is an empty cell, never "no"
            record, kind, levels, first, cause, baseline, day, recovery_day(performed_at, day, tz), pain,
            worst, change, is_responder(baseline, pain), walking, upright, medication, sleep, red,
            is_72h, entered_by is not None, note, complete, "checkin", *NO_QUESTIONNAIRE,
        )))
    rows.extend(questionnaire_rows(filters, zone))
    return rows


def _questionnaire_statement(filters: CohortFilters, clinic_tz: ZoneInfo):
    answer, base = aliased(QuestionnaireResponse), aliased(QuestionnaireResponse)
    stmt = (
        select(Patient.record_number, Patient.timezone, Procedure.type, Procedure.levels,
               Procedure.performed_at, Procedure.fracture_cause, Procedure.baseline_pain, answer.time_point,
               answer.instrument,
               answer.instrument_version, answer.updated_at, answer.score, base.score, answer.entered_by_id)
        .select_from(answer)
        .join(Procedure, Procedure.id == answer.procedure_id)
        .join(Patient, Patient.id == answer.patient_id)
        .outerjoin(base, and_(base.procedure_id == answer.procedure_id, base.instrument == answer.instrument,
                              base.time_point == "baseline"))
        .order_by(Patient.record_number, answer.updated_at, answer.id)
    )
    return filtered(stmt, filters, clinic_tz)


def questionnaire_rows(filters: CohortFilters, zone: ZoneInfo) -> list[ExportRow]:
    """One row per outcome questionnaire answered for a matching procedure, in one statement."""
    empty_checkin = (None,) * len(CHECKIN_ANSWER_CELLS)
    rows = []
    for (record, tz, kind, levels, performed_at, cause, baseline, point, instrument, version, updated_at,
         score, base_score, entered_by) in db.session.execute(_questionnaire_statement(filters, zone)):
        answered = updated_at.astimezone(ZoneInfo(tz)).date()
        after = point != "baseline" and score is not None and base_score is not None
        rows.append(ExportRow((
            record, kind, levels, procedure_day(performed_at, tz), cause, baseline, None,
            recovery_day(performed_at, answered, tz), *empty_checkin, entered_by is not None, None, None,
            "questionnaire", point, instrument, version, answered, _number(score),
            _number(base_score), _number(score - base_score) if after else None,
            meaningful_improvement(instrument, base_score, score) if after else None,
        )))
    return rows


def _number(value: float | None):
    """A score as a spreadsheet should read it: 9, not 9.0; 42.2 stays 42.2."""
    return int(value) if value is not None and float(value).is_integer() else value


def csv_chunks(rows: Iterable[ExportRow], chunk_rows: int = CHUNK_ROWS) -> Iterator[str]:
    """The CSV text (BOM, header, rows) in pieces of `chunk_rows` rows, for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows, start=1):
        writer.writerow([neutralise(v) for v in row.values])
        if n % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
