"""The patient's server-drawn chart: the same meaning as the plotly one, words escaped, band clipped."""

import re

from recovery import bands, svg_chart
from recovery.charts import DayPoint

POINTS = [DayPoint(1, 7, 8, 1), DayPoint(2, 6, 7, 2), DayPoint(4, 4, 6, 3)]


def test_each_check_in_is_a_point_and_the_desc_reads_out_every_value():
    svg = svg_chart.progress_svg(POINTS, baseline=8, band=bands.default_band())
    assert re.findall(r'data-day="(\d+)" data-pain="(\d+)"', svg) == [("1", "7"), ("2", "6"), ("4", "4")]
    assert "Day 1: pain 7; Day 2: pain 6; Day 4: pain 4" in svg
    assert 'role="img"' in svg and 'data-testid="baseline"' in svg and 'data-testid="band"' in svg
    assert ">Your pain<" in svg and ">Before the procedure<" in svg and ">Expected recovery<" in svg


def test_without_a_band_or_baseline_neither_is_drawn_nor_in_the_legend():
    svg = svg_chart.progress_svg(POINTS)
    assert 'data-testid="band"' not in svg and 'data-testid="baseline"' not in svg
    assert "Expected recovery" not in svg and "Before the procedure" not in svg


def test_words_are_escaped_so_a_translation_cannot_inject_markup():
    svg = svg_chart.progress_svg(POINTS, text={"your_pain": "<script>x()</script>"}, title='"><b>')
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg


def test_the_band_stops_at_the_last_day_shown():
    band = bands.default_band()
    edge = svg_chart.band_polygon(band, 5)
    assert [d for d, _, _ in edge] == [0, 1, 2, 3, 5]
    assert edge[-1][1:] == bands.default_band_at(5)
    assert [d for d, _, _ in svg_chart.band_polygon(band, 100)][-1] == 100  # held flat after day 84
