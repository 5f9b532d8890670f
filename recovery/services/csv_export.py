"""CSV export of the cohort: one row per check-in with its procedure, safe to open in a spreadsheet.

- Rows: every check-in, with the procedure it was recorded against (type, levels, date, cause,
  baseline) and days since that procedure (the check-in's local date minus the procedure's
  calendar day in the patient's zone, as on the charts). The cohort page's filters apply to
  that procedure; the patient's record number identifies the row, names and birth dates stay out.
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
from sqlalchemy import select

from ..extensions import db
from ..models import RED_FLAGS, CheckIn, Patient, Procedure, procedure_day, recovery_day
from .cohort import CohortFilters, filtered
from .responder import is_responder

BOM = "\ufeff"
CHECKIN_COLUMNS = ("id", "local_date", "pain_now", "worst_pain", "walking_level", "minutes_upright",
                   "medication", "sleep_disturbed", *RED_FLAGS, "is_72h_check", "entered_by_id", "note")
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A piece of a cell that a semicolon- or line-splitting reader sees as a cell of its own, and
# that starts (after spaces or the quotes of CSV quoting) with one of DANGEROUS_STARTS.
_DANGEROUS_PIECE = re.compile(r"(?<=[;\n\r])(?=[ \"]*[=+\-@\t\r])")
CHUNK_ROWS = 500
COLUMNS = (
    "record_number", "procedure_type", "levels", "procedure_date", "fracture_cause", "baseline_pain",
    "checkin_date", "days_since_procedure", "pain_now", "worst_pain", "pain_change", "responder",
    "walking_level", "minutes_upright", "medication", "sleep_disturbed", "red_flags",
    "is_72h_check", "entered_by_staff", "note",
)


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
         walking, upright, medication, sleep, *flags, is_72h, entered_by, note) in db.session.execute(
            _statement(filters, zone)):
        first = procedure_days.get(procedure_id)
        if first is None:
            first = procedure_days[procedure_id] = procedure_day(performed_at, tz)
        red = ";".join(name for name, on in zip(RED_FLAGS, flags, strict=True) if on)
        rows.append(ExportRow((
            record, kind, levels, first, cause, baseline, day, recovery_day(performed_at, day, tz), pain,
            worst, pain - baseline, is_responder(baseline, pain), walking, upright, medication, sleep, red,
            is_72h, entered_by is not None, note,
        )))
    return rows


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
