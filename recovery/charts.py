"""Figures from plain data: plotly figures as JSON-ready dicts, with no request and no database.

The dicts are plotly.js's figure format (data traces and a layout), written directly: building
them through plotly's Python figure objects validated every property and cost about 70 ms for a
patient's chart (bench/NOTES.md); the browser's plotly.js is what draws and checks them.

A page puts a figure in `<script type="application/json" id="...">{{ figure|tojson }}</script>`
next to `<div data-chart="that id"></div>`; static/charts.js draws every such pair with the
plotly.min.js served from the installed package at /static/vendor/plotly.min.js (vendor.py),
so no inline script is needed.

The expected-recovery band and the minimum counts are statistics, in recovery/bands.py.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .bands import MIN_POINT_N, Band

COLOURS = {
    "pain_now": "#1f5fa8", "worst_pain": "#b34d00", "baseline": "#555555", "walking": "#6a3d9a",
    "red_flag": "#c00000", "marker": "#767676", "band": "rgba(46, 139, 87, 0.18)",
    "vertebroplasty": "#1f5fa8", "kyphoplasty": "#b34d00",
}
FILLS = {"vertebroplasty": "rgba(31, 95, 168, 0.15)", "kyphoplasty": "rgba(179, 77, 0, 0.15)"}
DEFAULT_TEXT = {
    "pain_now": "Pain now", "worst_pain": "Worst pain (last 24 h)", "baseline": "Before the procedure",
    "band": "Expected recovery", "walking": "Walking", "red_flag": "Red flag",
    "pain_axis": "Pain (0-10)", "day_axis": "Days since the procedure",
    "walking_levels": ("Bed or chair", "Steps with help", "Indoors, aid", "Indoors", "Outdoors"),
    "median": "median", "iqr": "middle half (IQR)", "patients": "patients",
    "your_pain": "Your pain", "your_day_axis": "Days since your procedure",
    "no_pain": "0 no pain", "worst": "10 worst", "day_pain": "Day %(day)s: pain %(pain)s",
    "too_few": "too few to draw", "week_tick": "%(n)s wk",
}


@dataclass(frozen=True)
class DayPoint:
    """One check-in on the patient's chart."""

    day: int  # days since the procedure; 0 is the procedure day
    pain_now: int | None  # None: not answered (an incomplete check-in kept for its red flag)
    worst_pain: int | None
    walking_level: int | None
    red_flags: tuple[str, ...] = ()  # short labels of the red flags reported that day


@dataclass(frozen=True)
class Marker:
    """A dated event drawn as a vertical line: the 72-hour check, a follow-up visit."""

    day: float
    label: str
    kind: str = "follow_up"


def _text(text: Mapping | None) -> dict:
    return {**DEFAULT_TEXT, **{k: v for k, v in (text or {}).items()}}


def _scatter(**properties) -> dict:
    """A scatter trace (lines and/or markers)."""
    return {"type": "scatter", **properties}


def _band_traces(band: Band, name: str, colour: str, **axes) -> list:
    edge = {"x": list(band.days), "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", **axes}
    return [
        _scatter(**edge, y=list(band.low), showlegend=False, name=f"{name} (low)"),
        _scatter(**edge, y=list(band.high), fill="tonexty", fillcolor=colour, name=name),
    ]


def _title(text) -> dict:
    return {"title": {"text": text}}


# Plotly's "none" template, as plotly's Python objects wrote it: no styling beyond plotly.js's own.
_NO_TEMPLATE = {"data": {"scatter": [{"type": "scatter"}]}}


def _layout(**extra) -> dict:
    return {
        "template": _NO_TEMPLATE, "autosize": True, "height": 440, "hovermode": "closest",
        "font": {"family": "system-ui, sans-serif", "size": 13},
        "margin": {"l": 56, "r": 16, "t": 32, "b": 48},
        "legend": {"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
        **extra,
    }


# The patient chart's two rows sharing the day axis: pain on top (70%), walking below (30%), with
# 7% of the height between them.
_GAP = 0.07
_WALKING_TOP = 0.3 * (1 - _GAP)
_PAIN_BOTTOM = _WALKING_TOP + _GAP


def patient_figure(points: Sequence[DayPoint], baseline: int | None, markers: Sequence[Marker] = (),
                   band: Band | None = None, text: Mapping | None = None) -> dict:
    """Pain now and worst pain by day with baseline, band, events and red flags; walking below."""
    t = _text(text)
    last = max([7, *(p.day for p in points), *(m.day for m in markers)])
    pain, walking = {"xaxis": "x", "yaxis": "y"}, {"xaxis": "x2", "yaxis": "y2"}
    data = _band_traces(band, t["band"], COLOURS["band"], **pain) if band is not None else []
    if baseline is not None:
        data.append(_scatter(x=[0, last], y=[baseline, baseline], mode="lines", name=t["baseline"],
                             line={"color": COLOURS["baseline"], "dash": "dash"}, **pain))
    for key, dash in (("pain_now", "solid"), ("worst_pain", "dot")):
        given = [p for p in points if getattr(p, key) is not None]  # an unanswered day is skipped
        data.append(_scatter(x=[p.day for p in given], y=[getattr(p, key) for p in given],
                             mode="lines+markers", name=t[key], line={"color": COLOURS[key], "dash": dash},
                             **pain))
    flagged = [p for p in points if p.red_flags]
    if flagged:
        data.append(_scatter(
            x=[p.day for p in flagged], y=[_flag_y(p) for p in flagged], mode="markers", name=t["red_flag"],
            marker={"symbol": "triangle-up", "size": 14, "color": COLOURS["red_flag"]},
            hovertext=["; ".join(p.red_flags) for p in flagged], hoverinfo="text+x", **pain,
        ))
    walked = [p for p in points if p.walking_level is not None]
    data.append(_scatter(x=[p.day for p in walked], y=[p.walking_level for p in walked],
                         mode="lines+markers", name=t["walking"],
                         line={"color": COLOURS["walking"], "shape": "hv"}, **walking))
    days = {"range": [-0.5, last + 0.5], "dtick": 7 if last > 21 else 1, "zeroline": False}
    layout = _layout(
        height=520,
        shapes=[_vline(m.day) for m in markers],
        annotations=[_event_label(m) for m in markers] + [_flag_label(p) for p in flagged],
        xaxis={"anchor": "y", "domain": [0.0, 1.0], "matches": "x2", "showticklabels": False, **days},
        yaxis={"anchor": "x", "domain": [_PAIN_BOTTOM, _PAIN_BOTTOM + 0.7 * (1 - _GAP)],
               **_title(t["pain_axis"]), "range": [-0.3, 10.3], "dtick": 2, "automargin": True},
        xaxis2={"anchor": "y2", "domain": [0.0, 1.0], **days, **_title(t["day_axis"])},
        yaxis2={"anchor": "x2", "domain": [0.0, _WALKING_TOP], **_title(t["walking"]), "range": [-0.3, 4.3],
                "tickvals": [0, 1, 2, 3, 4], "ticktext": list(t["walking_levels"]),
                "automargin": True},  # the walking words are wider than the left margin
    )
    return {"data": data, "layout": layout}


def _vline(day: float) -> dict:
    return {"type": "line", "xref": "x", "yref": "paper", "x0": day, "x1": day, "y0": 0, "y1": 1,
            "line": {"color": COLOURS["marker"], "width": 1, "dash": "dashdot"}}


def _event_label(marker: Marker) -> dict:
    return {"x": marker.day, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
            "text": str(marker.label), "showarrow": False, "font": {"size": 11}}


def stack_event_labels(annotations: Sequence[dict], x_range: Sequence[float], plot_px: float,
                       font_px: float) -> tuple[list[dict], int]:
    """The event labels along the top (72-hour check, follow-ups) placed in rows so that no two
    overlap on a chart `plot_px` wide, each label's width estimated at 0.62 em a character; a
    label goes up a row when it would touch one already in the row below. Returns the labels and
    the number of rows used (the top margin must hold them)."""
    low, high = x_range
    scale = plot_px / (high - low)
    rows: list[float] = []  # the right edge of the last label in each row, in px
    placed = []
    for label in sorted(annotations, key=lambda a: a["x"]):
        half = len(str(label["text"])) * font_px * 0.62 / 2 + 3
        centre = (label["x"] - low) * scale
        row = next((i for i, right in enumerate(rows) if centre - half > right), len(rows))
        if row == len(rows):
            rows.append(0.0)
        rows[row] = centre + half
        placed.append({**label, "font": {**label.get("font", {}), "size": font_px},
                       "yshift": row * (font_px + 3)})
    return placed, len(rows)


def _flag_y(point: DayPoint) -> int:
    """Where a red flag is drawn: on the day's pain, or at the top when pain was not answered."""
    return point.pain_now if point.pain_now is not None else 10


def _flag_label(point: DayPoint) -> dict:
    return {"x": point.day, "y": _flag_y(point), "xref": "x", "yref": "y", "ay": -32,
            "text": "<br>".join(str(f) for f in point.red_flags), "showarrow": True, "arrowhead": 2,
            "font": {"color": COLOURS["red_flag"], "size": 11}}


def cohort_figure(series: Iterable, text: Mapping | None = None) -> dict:
    """Median pain with its interquartile band per procedure type, at each bucket's day since the
    procedure on a proportional axis (n in the hover). A point resting on fewer than MIN_POINT_N
    patients is left out of the line and the band (a gap), drawn apart as a hollow marker."""
    t = _text(text)
    data = []
    ticks: dict[int, str] = {}
    for s in series:
        name = str(t.get(s.name) or getattr(s, "label", s.name))  # text may name the types
        colour = COLOURS.get(s.name, "#333333")
        x = [p.day for p in s.points]
        ticks.update((p.day, _tick(p.day, t)) for p in s.points)
        drawn = [p if p.n >= MIN_POINT_N else None for p in s.points]
        edge = {"x": x, "mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "legendgroup": s.name,
                "showlegend": False, "connectgaps": False}
        data.append(_scatter(**edge, y=[p and p.q1 for p in drawn], name=f"{name} Q1"))
        data.append(_scatter(**edge, y=[p and p.q3 for p in drawn], name=f"{name} {t['iqr']}",
                             fill="tonexty", fillcolor=FILLS.get(s.name, "rgba(0,0,0,0.1)")))
        data.append(_scatter(
            x=x, y=[p and p.median for p in drawn], mode="lines+markers", name=f"{name} ({t['median']})",
            legendgroup=s.name, line={"color": colour}, connectgaps=False,
            customdata=[[p.n, p.q1, p.q3, str(p.label)] for p in s.points],
            hovertemplate=(f"{name}<br>%{{customdata[3]}}: {t['median']} %{{y}}<br>"
                           "IQR %{customdata[1]}-%{customdata[2]}<br>"
                           f"n = %{{customdata[0]}} {t['patients']}<extra></extra>"),
        ))
        few = [p for p in s.points if 0 < p.n < MIN_POINT_N]
        if few:
            data.append(_scatter(
                x=[p.day for p in few], y=[p.median for p in few], mode="markers", legendgroup=s.name,
                name=f"{name}: {t['too_few']}", marker={"color": colour, "symbol": "circle-open", "size": 9},
                customdata=[[p.n, str(p.label)] for p in few],
                hovertemplate=(f"{name}<br>%{{customdata[1]}}: {t['median']} %{{y}}<br>"
                               f"n = %{{customdata[0]}} {t['patients']} ({t['too_few']})<extra></extra>"),
            ))
    days = sorted(ticks)
    layout = _layout(
        xaxis={**_title(t["day_axis"]), "type": "linear", "range": [-1, max(days, default=84) + 2],
               "tickmode": "array", "tickvals": days, "ticktext": [ticks[d] for d in days],
               "zeroline": False},
        yaxis={**_title(t["pain_axis"]), "range": [-0.3, 10.3], "dtick": 2},
    )
    return {"data": data, "layout": layout}


def _tick(day: int, t: Mapping) -> str:
    """An axis tick: the day number up to day 3, then weeks ("1 wk")."""
    return str(day) if day < 7 else t["week_tick"] % {"n": day // 7}


def patient_progress_figure(points: Sequence[DayPoint], baseline: int | None = None,
                            band: Band | None = None, text: Mapping | None = None) -> dict:
    """The patient's own, simple chart: their pain each day, the expected band, where they began."""
    t = _text(text)
    points = [p for p in points if p.pain_now is not None]  # a day without a pain answer is no point
    last = max([7, *(p.day for p in points)])
    data = _band_traces(band, t["band"], COLOURS["band"]) if band is not None else []
    if baseline is not None:
        data.append(_scatter(x=[0, last], y=[baseline, baseline], mode="lines", name=t["baseline"],
                             line={"color": COLOURS["baseline"], "dash": "dash"}))
    data.append(_scatter(x=[p.day for p in points], y=[p.pain_now for p in points], mode="lines+markers",
                         name=t["your_pain"], line={"color": COLOURS["pain_now"], "width": 3},
                         marker={"size": 10}))
    # Room under the axis title for the legend, which wraps to two lines on a phone.
    layout = _layout(
        height=360, dragmode=False, margin={"l": 72, "r": 16, "t": 24, "b": 96},
        legend={"orientation": "h", "x": 0, "y": -0.3, "yanchor": "top"},
        xaxis={**_title(t["your_day_axis"]), "range": [-0.5, last + 0.5], "fixedrange": True},
        yaxis={"range": [-0.3, 10.3], "tickvals": [0, 2, 4, 6, 8, 10], "fixedrange": True, "automargin": True,
               "ticktext": [t["no_pain"], "2", "4", "6", "8", t["worst"]]},
    )
    return {"data": data, "layout": layout, "config": {"displayModeBar": False}}  # charts.js passes it on
