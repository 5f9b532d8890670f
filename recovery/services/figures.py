"""The pages' figures: which check-ins, days, markers and expected band each chart shows, in words
of the reader's language. charts.py draws them; this module only gathers and labels.

Days count from the procedure's calendar day in the patient's own zone (day 0), the same
arithmetic as the cohort statistics, so a patient's dots line up with the cohort's band.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .. import bands, charts, svg_chart
from ..charts import DayPoint, Marker
from ..models import recovery_day
from .alerts import FLAG_SHORT_LABELS
from .cohort import expected_band_for

PROCEDURE_WORDS = {"vertebroplasty": _l("vertebroplasty"), "kyphoplasty": _l("kyphoplasty")}
MARKER_LABELS = {"check_72h": _l("72-hour check"), "follow_up": _l("Follow-up")}


def chart_text() -> dict:
    """Every word the charts show, in the current locale (charts.py falls back to English)."""
    return {
        "pain_now": _("Pain now"), "worst_pain": _("Worst pain (last 24 h)"),
        "baseline": _("Before the procedure"), "band": _("Expected recovery"), "walking": _("Walking"),
        "red_flag": _("Red flag"), "pain_axis": _("Pain (0-10)"), "day_axis": _("Days since the procedure"),
        "walking_levels": (_("Bed or chair"), _("Steps with help"), _("Indoors, aid"), _("Indoors"),
                           _("Outdoors")),
        "median": _("median"), "iqr": _("middle half (IQR)"), "patients": _("patients"),
        "your_pain": _("Your pain"), "your_day_axis": _("Days since your procedure"),
        "no_pain": _("0 no pain"), "worst": _("10 worst"),
        "day_pain": _("Day %(day)s: pain %(pain)s", day="%(day)s", pain="%(pain)s"),  # filled in per point
        "vertebroplasty": _("Vertebroplasty"), "kyphoplasty": _("Kyphoplasty"),
        "too_few": _("too few to draw"),
        "week_tick": _("%(n)s wk", n="%(n)s"),  # filled in per tick
    }


def responsive(figure: dict) -> dict:
    """The figure with plotly's responsive config, so it follows its box on a phone."""
    return {**figure, "config": {**figure.get("config", {}), "responsive": True}}


def day_points(checkins, procedure, tz_name: str) -> list[DayPoint]:
    """The procedure's own check-ins as chart points, oldest first; red flags in a few words."""
    own = sorted((c for c in checkins if c.procedure_id == procedure.id), key=lambda c: c.local_date)
    return [
        DayPoint(recovery_day(procedure.performed_at, c.local_date, tz_name), c.pain_now, c.worst_pain,
                 c.walking_level, tuple(str(FLAG_SHORT_LABELS[f]) for f in c.red_flags))
        for c in own
    ]


def markers(appointments, procedure, tz_name: str) -> list[Marker]:
    """The 72-hour check and each follow-up of the procedure (not cancelled ones), on their day."""
    return [
        Marker(recovery_day(procedure.performed_at, a.scheduled_for, tz_name), str(MARKER_LABELS[a.kind]),
               a.kind)
        for a in sorted(appointments, key=lambda a: a.scheduled_for)
        if a.procedure_id == procedure.id and a.kind in MARKER_LABELS and a.status != "cancelled"
    ]


def band_caption(source: str, procedure_type: str) -> str:
    """Where the shaded band comes from, for the caption under a chart."""
    kind = PROCEDURE_WORDS.get(procedure_type, procedure_type)
    if source == "cohort":
        return _("Shaded: the expected recovery, the middle half (25th to 75th percentile) of pain among "
                 "this clinic's %(kind)s patients on each day shown.", kind=kind)
    if source == "mixed":
        return _("Shaded: the expected recovery, the middle half (25th to 75th percentile) of pain among "
                 "this clinic's %(kind)s patients where at least %(n)s of them checked in; elsewhere the "
                 "clinic's documented default band.", kind=kind, n=bands.MIN_PATIENTS)
    return _("Shaded: the expected recovery, the clinic's documented default band (from published "
             "results: pain typically falls from about 8 to 3-4 within the first week). Fewer than "
             "%(n)s of this clinic's %(kind)s patients checked in on those days, too few for a band of "
             "their own.", kind=kind, n=bands.MIN_PATIENTS)


@dataclass(frozen=True)
class Chart:
    """A figure for a page and the words that say where its band comes from."""

    figure: dict
    band_caption: str


def patient_chart(record) -> Chart | None:
    """The clinician's chart of one patient's current procedure (None without a procedure)."""
    procedure, tz = record.procedure, record.patient.timezone
    if procedure is None:
        return None
    band = expected_band_for(procedure.type)
    figure = charts.patient_figure(
        day_points(record.checkins, procedure, tz), procedure.baseline_pain,
        markers(record.appointments, procedure, tz), band, chart_text(),
    )
    return Chart(responsive(figure), band_caption(band.source, procedure.type))


@dataclass(frozen=True)
class ProgressChart:
    """The patient's own chart: server-drawn SVG (no JavaScript), its points for the table under
    it, and the words that say what the shading is."""

    svg: Markup
    points: tuple[DayPoint, ...]
    band_caption: str


def progress_chart(patient, procedure, checkins) -> ProgressChart:
    """The patient's own simple chart: their pain, where they began, the expected band."""
    band = expected_band_for(procedure.type)
    points = day_points(checkins, procedure, patient.timezone)
    svg = svg_chart.progress_svg(points, procedure.baseline_pain, band, chart_text(),
                                 title=_("Chart of your pain each day since your procedure."))
    caption = _("The green shading shows how pain usually goes in the weeks after a %(kind)s. "
                "Everyone recovers at their own pace.",
                kind=PROCEDURE_WORDS.get(procedure.type, procedure.type))
    return ProgressChart(svg, tuple(points), caption)


def cohort_chart(stats) -> dict:
    """Median pain and its interquartile band by bucket, one series per procedure type."""
    return responsive(charts.cohort_figure(stats.series, chart_text()))
