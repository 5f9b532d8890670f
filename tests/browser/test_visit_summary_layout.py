"""The printed visit summary for every demo patient, on A4 and on Letter: no chart label overlaps another.

Plotly draws the chart as SVG; every text it places (event labels on top, red-flag labels at the
points, tick labels, axis titles, the legend) is measured as the browser laid it out for print, and
no two boxes may intersect. The page is also checked to fit the paper's printable width.
"""

import pytest
from sqlalchemy import select

from recovery.demo import CLINICIAN_EMAIL, PASSWORD, seed
from recovery.extensions import db
from recovery.models import Patient, utcnow

from .world import expect, sign_in

pytestmark = pytest.mark.browser

# Printable width at 96 px an inch with 12 mm margins (summary.css @page).
PAPER = {"A4": round((210 - 24) / 25.4 * 96), "Letter": round((8.5 * 25.4 - 24) / 25.4 * 96)}

LABEL_BOXES = """(id) => {
  const root = document.querySelector(`[data-chart="${id}"]`);
  const groups = ['g.annotation', 'g.xtick', 'g.ytick', 'g.x2tick', 'g.y2tick', 'g.g-xtitle', 'g.g-ytitle',
                  'g.g-x2title', 'g.g-y2title', 'g.legend g.traces'];
  const out = [];
  for (const selector of groups) {
    for (const g of root.querySelectorAll(selector)) {
      const text = g.querySelector('text');
      if (!text || !text.textContent.trim()) continue;
      const r = text.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      out.push({kind: selector, text: text.textContent.trim(), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom});
    }
  }
  return out;
}"""


def overlaps(boxes: list[dict], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes intersect by more than `slack` pixels each way."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
                    and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack):
                found.append((f"{a['kind']} {a['text']!r}", f"{b['kind']} {b['text']!r}"))
    return found


RESIZE = """(id) => window.Plotly.Plots.resize(document.querySelector(`[data-chart="${id}"]`)).then(() => true)"""


def test_no_chart_label_overlaps_another_on_a4_or_letter_for_any_demo_patient(live, mail, journey):
    """Each summary is opened at A4's width and then laid out again at Letter's (the chart redrawn
    for the new width, as plotly does on a resize), so each page is fetched and parsed once."""
    with live.context():
        seed(utcnow())
        db.session.commit()
        patients = list(db.session.scalars(select(Patient.id).order_by(Patient.id)))
    assert len(patients) >= 5
    clinician = journey("clinician", bypass_csp=False)
    page = sign_in(clinician, CLINICIAN_EMAIL, PASSWORD)
    page.emulate_media(media="print")
    problems, charts = [], 0
    for n, patient_id in enumerate(patients):
        page.set_viewport_size({"width": PAPER["A4"], "height": 1100})
        path = f"/clinic/patients/{patient_id}/summary"
        page = clinician.open(path) if n else clinician.go(path, f"summary-{patient_id}")  # axe: the first
        if not page.locator("[data-chart=summary-chart]").count():
            continue  # no procedure yet: no chart to lay out
        chart = page.locator("[data-chart=summary-chart]")
        expect(chart).to_have_attribute("data-chart-drawn", "true")
        for paper, width in PAPER.items():
            if paper != "A4":
                page.set_viewport_size({"width": width, "height": 1100})
                assert page.evaluate(RESIZE, "summary-chart")
            charts += 1
            boxes = page.evaluate(LABEL_BOXES, "summary-chart")
            assert any(b["kind"] in ("g.xtick", "g.x2tick") for b in boxes), boxes  # the labels were found
            problems += [(paper, patient_id, pair) for pair in overlaps(boxes)]
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            assert wide <= width, (paper, patient_id, wide)
            plotted = page.evaluate("() => document.querySelector('[data-chart=summary-chart] svg').getBoundingClientRect().width")
            assert plotted <= width, (paper, patient_id, plotted)
    assert charts >= 2 * (len(patients) - 2)
    assert not problems, "\n".join(map(str, problems))
