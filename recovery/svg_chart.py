"""The patient's own chart drawn on the server as inline SVG: no JavaScript, a few kilobytes.

Same meaning as charts.patient_progress_figure (which clinicians' pages no longer need for it):
the patient's pain each day since the procedure (day 0), a dashed line where they began, and the
expected-recovery band shaded in green. Pure: no request and no database; the words come in
`text` (figures.chart_text), the points from figures.day_points.

The SVG scales to its box (viewBox, width 100%), names itself with <title> and <desc> (the desc
lists every day's pain, so a screen reader hears the numbers), and marks each point with
data-day and data-pain. Colours are charts.COLOURS: the pain line (#1f5fa8) and the baseline
(#555555) have a contrast ratio above 6:1 on white.
"""

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from .bands import Band
from .charts import COLOURS, DayPoint, _text

WIDTH, HEIGHT = 320, 330
LEFT, RIGHT, TOP, BOTTOM = 92, 10, 12, 128  # text 15 units high: about 15 px on a phone
LEGEND = 16  # the legend starts near the left edge: the widest Spanish words fit
BLUE, GREY = COLOURS["pain_now"], COLOURS["baseline"]
BAND_FILL = "#2e8b57"
BAND_OPACITY = "0.18"


def _ticks(last: int) -> list[int]:
    step = next(s for s in (1, 2, 7, 14, 28) if last / s <= 8)
    return list(range(0, last + 1, step))


def band_polygon(band: Band, last: int) -> list[tuple[float, float, float]]:
    """(day, low, high) of the band from day 0 to `last`, interpolated at `last`."""
    rows = [(d, lo, hi) for d, lo, hi in zip(band.days, band.low, band.high, strict=True)]
    inside = [r for r in rows if 0 <= r[0] <= last]
    after = [r for r in rows if r[0] > last]
    if inside and after and inside[-1][0] < last:
        (d0, lo0, hi0), (d1, lo1, hi1) = inside[-1], after[0]
        t = (last - d0) / (d1 - d0)
        inside.append((last, lo0 + t * (lo1 - lo0), hi0 + t * (hi1 - hi0)))
    elif inside and not after and inside[-1][0] < last:
        inside.append((last, *inside[-1][1:]))
    return inside


def progress_svg(points: Sequence[DayPoint], baseline: int | None = None, band: Band | None = None,
                 text: Mapping | None = None, title: str = "") -> Markup:
    """The patient's pain by day as an <svg> element, ready to put in a page."""
    t = _text(text)
    points = [p for p in points if p.pain_now is not None]  # a day without a pain answer is no point
    last = max([7, *(p.day for p in points)])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: float) -> float:
        return round(LEFT + (day + 0.5) / (last + 1) * plot_w, 1)

    def y(pain: float) -> float:
        return round(TOP + (10.3 - pain) / 10.6 * plot_h, 1)

    desc = "; ".join(str(t["day_pain"]) % {"day": p.day, "pain": p.pain_now} for p in points)
    out = [f'<svg class="pain-chart" data-testid="pain-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="100%" role="img" aria-labelledby="pain-chart-title pain-chart-desc" '
           f'font-family="system-ui, sans-serif" font-size="15">',
           f'<title id="pain-chart-title">{escape(title or t["your_pain"])}</title>',
           f'<desc id="pain-chart-desc">{escape(desc)}</desc>']
    # Grid and the pain axis: 0 (no pain) at the bottom, 10 (worst) at the top.
    for value in (0, 2, 4, 6, 8, 10):
        label = {0: t["no_pain"], 10: t["worst"]}.get(value, str(value))
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value)}" y2="{y(value)}" '
                   f'stroke="#dddddd" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(value) + 5}" text-anchor="end" fill="#333333">'
                   f'{escape(label)}</text>')
    for day in _ticks(last):
        out.append(f'<text x="{x(day)}" y="{TOP + plot_h + 18}" text-anchor="middle" '
                   f'fill="#333333">{day}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h + 40}" text-anchor="middle" fill="#333333">'
               f'{escape(t["your_day_axis"])}</text>')
    if band is not None:
        edge = band_polygon(band, last)
        if edge:
            outline = [(x(d), y(hi)) for d, _, hi in edge] + [(x(d), y(lo)) for d, lo, _ in reversed(edge)]
            coords = " ".join(f"{a},{b}" for a, b in outline)
            out.append(f'<polygon data-testid="band" points="{coords}" fill="{BAND_FILL}" '
                       f'fill-opacity="{BAND_OPACITY}" stroke="none"/>')
    if baseline is not None:
        out.append(f'<line data-testid="baseline" x1="{x(0)}" x2="{x(last)}" y1="{y(baseline)}" '
                   f'y2="{y(baseline)}" stroke="{GREY}" stroke-width="2" stroke-dasharray="6 4"/>')
    line = " ".join(f"{x(p.day)},{y(p.pain_now)}" for p in points)
    if len(points) > 1:
        out.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="3"/>')
    for p in points:
        out.append(f'<circle data-day="{p.day}" data-pain="{p.pain_now}" cx="{x(p.day)}" '
                   f'cy="{y(p.pain_now)}" r="5" fill="{BLUE}"/>')
    # The legend, one row per entry so long Spanish words fit on a phone.
    row = TOP + plot_h + 66
    entries = [("pain", t["your_pain"])]
    if baseline is not None:
        entries.append(("baseline", t["baseline"]))
    if band is not None:
        entries.append(("band", t["band"]))
    for kind, label in entries:
        if kind == "pain":
            out.append(f'<line x1="{LEGEND}" x2="{LEGEND + 28}" y1="{row}" y2="{row}" stroke="{BLUE}" '
                       f'stroke-width="3"/><circle cx="{LEGEND + 14}" cy="{row}" r="5" fill="{BLUE}"/>')
        elif kind == "baseline":
            out.append(f'<line x1="{LEGEND}" x2="{LEGEND + 28}" y1="{row}" y2="{row}" stroke="{GREY}" '
                       f'stroke-width="2" stroke-dasharray="6 4"/>')
        else:
            out.append(f'<rect x="{LEGEND}" y="{row - 7}" width="28" height="14" fill="{BAND_FILL}" '
                       f'fill-opacity="{BAND_OPACITY}"/>')
        out.append(f'<text x="{LEGEND + 36}" y="{row + 5}" fill="#333333">{escape(label)}</text>')
        row += 24
    out.append("</svg>")
    # Safe: numbers and colours are ours, and every word went through escape() above.
    return Markup("".join(out))  # noqa: S704  # nosec B704
