"""Figures from plain data: exactly the points given, the baseline, the band, events and red flags."""

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from recovery import bands, charts
from recovery.bands import Band
from recovery.charts import DayPoint, Marker

POINTS = [
    DayPoint(day=0, pain_now=7, worst_pain=9, walking_level=1),
    DayPoint(day=1, pain_now=6, worst_pain=8, walking_level=1, red_flags=("Calf pain",)),
    DayPoint(day=3, pain_now=4, worst_pain=6, walking_level=2),
    DayPoint(day=8, pain_now=3, worst_pain=4, walking_level=4),
]
BAND = Band(days=(0, 3, 7), low=(4.5, 3.0, 2.0), high=(8.0, 6.5, 5.0), sources=("default",) * 3)


def traces(figure) -> dict:
    return {t["name"]: t for t in figure["data"]}


def test_the_patient_figure_holds_exactly_the_days_and_scores_given():
    figure = charts.patient_figure(POINTS, baseline=8, markers=[Marker(3, "72-hour check", "check_72h")],
                                   band=BAND)
    by_name = traces(figure)
    assert by_name["Pain now"]["x"] == [0, 1, 3, 8] and by_name["Pain now"]["y"] == [7, 6, 4, 3]
    assert by_name["Worst pain (last 24 h)"]["y"] == [9, 8, 6, 4]
    walking = by_name["Walking"]
    assert walking["y"] == [1, 1, 2, 4] and (walking["xaxis"], walking["yaxis"]) == ("x2", "y2")
    assert by_name["Pain now"]["yaxis"] == "y"  # the pain panel is the first one
    json.dumps(figure)  # the page embeds it as JSON


def test_the_baseline_is_a_line_across_the_chart():
    baseline = traces(charts.patient_figure(POINTS, baseline=8))["Before the procedure"]
    assert baseline["x"] == [0, 8] and baseline["y"] == [8, 8] and baseline["mode"] == "lines"


def test_the_expected_band_is_shaded_between_its_low_and_high_edges():
    data = charts.patient_figure(POINTS, baseline=8, band=BAND)["data"]
    low, high = data[0], data[1]
    assert low["x"] == high["x"] == [0, 3, 7]
    assert low["y"] == [4.5, 3.0, 2.0] and high["y"] == [8.0, 6.5, 5.0]
    assert high["fill"] == "tonexty" and "fill" not in low and low["showlegend"] is False


def test_without_baseline_or_band_neither_is_drawn():
    names = set(traces(charts.patient_figure(POINTS, baseline=None)))
    assert names == {"Pain now", "Worst pain (last 24 h)", "Red flag", "Walking"}


def test_red_flags_are_marked_and_annotated_and_events_are_vertical_lines():
    figure = charts.patient_figure(POINTS, 8, markers=[Marker(3, "72-hour check"), Marker(8, "Follow-up")])
    flag = traces(figure)["Red flag"]
    assert (flag["x"], flag["y"], flag["hovertext"]) == ([1], [6], ["Calf pain"])
    layout = figure["layout"]
    assert [(s["x0"], s["x1"], s["yref"]) for s in layout["shapes"]] == [(3, 3, "paper"), (8, 8, "paper")]
    texts = [(a["x"], a["text"]) for a in layout["annotations"]]
    assert texts == [(3, "72-hour check"), (8, "Follow-up"), (1, "Calf pain")]


def test_no_red_flag_trace_when_there_were_none():
    calm = [DayPoint(0, 5, 6, 2)]
    assert "Red flag" not in traces(charts.patient_figure(calm, 8))


def test_labels_can_be_given_in_the_patients_language():
    figure = charts.patient_figure(POINTS, 8, text={"pain_now": "Dolor ahora"})
    assert "Dolor ahora" in traces(figure)


def test_the_default_band_follows_the_documented_table():
    band = bands.default_band()
    assert band.days == bands.BAND_DAYS and band.source == "default"
    assert dict(zip(band.days, zip(band.low, band.high, strict=True), strict=True)) == {
        0: (4.5, 8.0), 1: (4.0, 7.5), 2: (3.5, 7.0), 3: (3.0, 6.5), 7: (2.0, 5.0), 14: (2.0, 5.0),
        21: (2.0, 5.0), 28: (2.0, 5.0), 42: (2.0, 5.0), 56: (2.0, 5.0), 84: (2.0, 5.0)}
    assert bands.default_band_at(5) == (2.5, 5.75)  # linear between day 3 and day 7
    assert bands.default_band_at(200) == (2.0, 5.0)


@dataclass
class P:
    day: int
    n: int
    q1: float | None
    q3: float | None


def test_the_band_uses_the_cohorts_quartiles_only_where_it_has_enough_patients():
    band = bands.expected_band([P(0, 25, 5.0, 8.0), P(3, 19, 2.0, 4.0), P(7, 20, 2.5, 4.5), P(14, 0, None, None)])
    assert band.days == (0, 3, 7, 14)
    assert band.low == (5.0, 3.0, 2.5, 2.0) and band.high == (8.0, 6.5, 4.5, 5.0)
    assert band.sources == ("cohort", "default", "cohort", "default") and band.source == "mixed"
    everyone = bands.expected_band([P(0, 30, 5.0, 8.0)])
    assert everyone.source == "cohort"


@dataclass
class Point:
    day: int
    label: str
    n: int
    median: float | None
    q1: float | None
    q3: float | None


@dataclass
class Series:
    name: str
    points: list

    @property
    def label(self):
        return self.name.capitalize()


def test_the_cohort_figure_puts_each_point_at_its_day_on_a_to_scale_axis_with_its_n():
    vp = Series("vertebroplasty", [Point(0, "Day 0", 6, 7.0, 6.0, 8.0), Point(1, "Day 1", 0, None, None, None),
                                   Point(7, "Week 1", 12, 4.0, 4.0, 4.0), Point(84, "Week 12", 5, 3.0, 2.0, 4.0)])
    kp = Series("kyphoplasty", [Point(0, "Day 0", 9, 6.5, 6.25, 6.75), Point(1, "Day 1", 7, 5.0, 4.5, 5.5),
                                Point(7, "Week 1", 0, None, None, None), Point(84, "Week 12", 8, 2.0, 1.0, 3.0)])
    figure = charts.cohort_figure([vp, kp])
    by_name = traces(figure)
    median = by_name["Vertebroplasty (median)"]
    assert median["x"] == [0, 1, 7, 84] and median["y"] == [7.0, None, 4.0, 3.0]
    assert [c[0] for c in median["customdata"]] == [6, 0, 12, 5]
    assert "n = %{customdata[0]} patients" in median["hovertemplate"]
    assert by_name["Vertebroplasty Q1"]["y"] == [6.0, None, 4.0, 2.0]
    iqr = by_name["Vertebroplasty middle half (IQR)"]
    assert iqr["y"] == [8.0, None, 4.0, 4.0] and iqr["fill"] == "tonexty"
    assert by_name["Kyphoplasty (median)"]["y"] == [6.5, 5.0, None, 2.0]
    axis = figure["layout"]["xaxis"]
    assert axis["type"] == "linear"  # proportional to days: week 12 is 12 times as far as week 1
    assert list(axis["tickvals"]) == [0, 1, 7, 84]
    assert list(axis["ticktext"]) == ["0", "1", "1 wk", "12 wk"]
    json.dumps(figure)


def test_a_cohort_point_on_fewer_than_5_patients_is_not_part_of_the_line_or_band():
    few = Series("kyphoplasty", [Point(0, "Day 0", 5, 6.0, 5.0, 7.0), Point(1, "Day 1", 4, 5.0, 4.0, 6.0),
                                 Point(2, "Day 2", 1, 9.0, 9.0, 9.0), Point(3, "Day 3", 20, 4.0, 3.0, 5.0)])
    by_name = traces(charts.cohort_figure([few]))
    assert by_name["Kyphoplasty (median)"]["y"] == [6.0, None, None, 4.0]  # a gap, never joined
    assert by_name["Kyphoplasty (median)"]["connectgaps"] is False
    assert by_name["Kyphoplasty Q1"]["y"] == [5.0, None, None, 3.0]
    assert by_name["Kyphoplasty middle half (IQR)"]["y"] == [7.0, None, None, 5.0]
    apart = by_name["Kyphoplasty: too few to draw"]
    assert apart["mode"] == "markers" and apart["x"] == [1, 2] and apart["y"] == [5.0, 9.0]
    assert [c[0] for c in apart["customdata"]] == [4, 1]
    assert bands.MIN_POINT_N == 5
    enough = Series("kyphoplasty", [Point(0, "Day 0", 5, 6.0, 5.0, 7.0)])
    assert "Kyphoplasty: too few to draw" not in traces(charts.cohort_figure([enough]))


def test_the_patients_own_chart_is_simple_and_still_on_a_phone():
    figure = charts.patient_progress_figure(POINTS, baseline=8, band=bands.default_band())
    by_name = traces(figure)
    assert set(by_name) == {"Expected recovery (low)", "Expected recovery", "Before the procedure", "Your pain"}
    assert by_name["Your pain"]["y"] == [7, 6, 4, 3]
    assert figure["config"] == {"displayModeBar": False}
    assert figure["layout"]["xaxis"]["fixedrange"] is True
    json.dumps(figure)


def test_figures_carry_no_fixed_width_so_they_resize():
    for figure in (charts.patient_figure(POINTS, 8), charts.cohort_figure([]),
                   charts.patient_progress_figure(POINTS)):
        assert "width" not in figure["layout"] and figure["layout"]["autosize"] is True


@pytest.mark.parametrize(("module", "allowed", "own"), [
    (charts, {"collections", "dataclasses"}, {"bands"}),
    (bands, {"collections", "dataclasses"}, set()),
])
def test_charts_and_bands_are_pure_they_import_neither_flask_nor_the_database(module, allowed, own):
    tree = ast.parse(Path(module.__file__).read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
    relative = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level}
    assert relative == own and {m.split(".")[0] for m in modules} == allowed


@pytest.mark.parametrize("needle", ["data-chart", "application/json", "Plotly.newPlot",
                                    "responsive: true", "displaylogo: false"])
def test_the_static_script_draws_every_data_block(needle):
    script = (Path(charts.__file__).parent / "static" / "charts.js").read_text()
    assert needle in script


def test_event_labels_close_together_are_stacked_in_rows_so_none_overlaps():
    labels = [{"x": 3, "text": "72-hour check"}, {"x": 7, "text": "Follow-up"}, {"x": 60, "text": "Follow-up"}]
    placed, rows = charts.stack_event_labels(labels, (-0.5, 84.5), 560, 10)
    assert rows == 2 and [p["yshift"] for p in placed] == [0, 13, 0]
    apart, rows = charts.stack_event_labels(labels[:1] + labels[2:], (-0.5, 84.5), 560, 10)
    assert rows == 1 and [p["yshift"] for p in apart] == [0, 0]


@pytest.mark.parametrize("build", [
    lambda: charts.patient_figure(POINTS, baseline=8, markers=[Marker(3, "72-hour check", "check_72h")], band=BAND),
    lambda: charts.patient_figure([], baseline=None),
    lambda: charts.patient_progress_figure(POINTS, baseline=8, band=BAND),
    lambda: charts.cohort_figure([Series("kyphoplasty", [Point(0, "Day 0", 9, 6.5, 6.25, 6.75),
                                                         Point(7, "Week 1", 2, 5.0, 4.5, 5.5)])]),
], ids=["patient", "patient-empty", "progress", "cohort"])
def test_every_figure_is_one_plotly_accepts(build):
    """The figures are written as plain dicts; plotly's own schema (its Python validators, which the
    app does not load) accepts every property of each."""
    import plotly.graph_objects as go

    figure = build()
    assert set(figure.get("config", {})) <= {"displayModeBar"}  # charts.js passes the config on
    checked = go.Figure({k: v for k, v in figure.items() if k != "config"})  # raises on a wrong property
    assert len(checked.data) == len(figure["data"]) > 0
