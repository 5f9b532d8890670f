"""The cohort's RMDQ by time point and procedure type: medians, quartiles, n, responders and the
share of time points completed, checked against Python's `statistics` on generated patients."""

import random
import statistics
from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.services import cohort, procedures, questionnaires
from recovery.services.cohort_outcomes import outcome_statistics
from recovery.services.timepoints import window

from .conftest import NOW, statements

ZONES = ("America/Chicago", "America/New_York", "Pacific/Honolulu", "Asia/Tokyo", "Australia/Sydney")


def _ticks(score: int) -> dict:
    return {str(n): "yes" for n in range(1, score + 1)}


def generate(make_patient, count: int, seed: int) -> list[dict]:
    """Patients answering the RMDQ (and the global impression) at random time points through the
    questionnaire service, each inside its window; what each answered is kept for the checks."""
    rng = random.Random(seed)
    schedule = questionnaires.schedule()
    made = []
    for _ in range(count):
        zone = rng.choice(ZONES)
        performed = NOW - timedelta(days=rng.randint(0, 420), minutes=rng.randint(0, 1439))
        patient = make_patient(performed_at=performed, tz=zone)
        procedure = patient.current_procedure
        procedure.type = rng.choice(("vertebroplasty", "kyphoplasty"))
        clinician = rng.choice((None, "a", "b"))
        spec = {"patient": patient, "type": procedure.type, "clinician": clinician, "scores": {},
                "full": set(), "closed": set()}
        baseline = rng.randint(6, 24)
        for point in schedule:
            opens, closes = window(point, performed, zone)
            if NOW >= closes:
                spec["closed"].add(point.key)
            at = (performed - timedelta(days=2)) if opens is None else opens + timedelta(hours=rng.randint(1, 30))
            if at >= min(closes, NOW) or rng.random() < 0.25:  # not open yet, or missed
                continue
            score = baseline if point.key == "baseline" else min(24, max(0, baseline - rng.randint(-2, 12)))
            questionnaires.submit(patient, "rmdq", _ticks(score), at)
            spec["scores"][point.key] = score
            answered = {"rmdq"}
            if "global_impression" in point.instruments and rng.random() < 0.8:
                questionnaires.submit(patient, "global_impression", {"change": "much_better"}, at)
                answered.add("global_impression")
            if answered == set(point.instruments):
                spec["full"].add(point.key)
        db.session.commit()
        made.append(spec)
    return made


def expected(made: list[dict], keep=lambda spec: True) -> dict:
    """Each (type, point): n, median, Q1, Q3, paired, responders, completed, expected, worked out
    here from what was submitted."""
    found = {}
    for kind in ("vertebroplasty", "kyphoplasty"):
        mine = [s for s in made if s["type"] == kind and keep(s)]
        for point in questionnaires.schedule():
            values = sorted(s["scores"][point.key] for s in mine if point.key in s["scores"])
            if len(values) >= 2:
                q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
                middle = (float(q1), float(statistics.median(values)), float(q3))
            else:
                middle = (float(values[0]),) * 3 if values else (None, None, None)
            pairs = [(s["scores"]["baseline"], s["scores"][point.key]) for s in mine
                     if point.key in s["scores"] and "baseline" in s["scores"] and point.key != "baseline"]
            hits = sum(1 for base, now in pairs if base - now >= 5 and (base - now) * 10 >= base * 3)
            done = sum(1 for s in mine if point.key in s["full"])
            due = sum(1 for s in mine if point.key in s["closed"] or point.key in s["full"])
            found[(kind, point.key)] = (len(values), middle[1], middle[0], middle[2], len(pairs), hits, done, due)
    return found


def observed(stats) -> dict:
    return {(s.name, c.point.key): (c.n, c.median, c.q1, c.q3, c.paired, c.responders, c.completed, c.expected)
            for s in stats.series for c in s.cells}


@pytest.fixture
def cohort_made(app, make_patient):
    return generate(make_patient, 60, seed=21)


def test_rmdq_medians_quartiles_responders_and_completion_match_statistics(cohort_made):
    stats = outcome_statistics(cohort.CohortFilters(), NOW)
    assert [p.key for p in stats.points] == ["baseline", "72h", "week1", "month1", "month3", "month6", "month12"]
    assert observed(stats) == expected(cohort_made)
    # The generator reached every kind of cell the page shows.
    month1 = observed(stats)[("kyphoplasty", "month1")]
    assert month1[0] >= 2 and month1[4] >= 1 and month1[7] > month1[6]


def test_the_cohort_filters_narrow_the_rmdq_table_exactly(cohort_made, make_user):
    clinician = make_user("clinician")
    for spec in cohort_made:
        if spec["clinician"] == "a":
            spec["patient"].clinician_id = clinician.id
    db.session.commit()
    by_clinician = outcome_statistics(cohort.CohortFilters(clinician_id=clinician.id), NOW)
    assert observed(by_clinician) == expected(cohort_made, lambda s: s["clinician"] == "a")
    kypho = outcome_statistics(cohort.CohortFilters(procedure_type="kyphoplasty"), NOW)
    assert [s.name for s in kypho.series] == ["kyphoplasty"]
    assert observed(kypho) == {k: v for k, v in expected(cohort_made).items() if k[0] == "kyphoplasty"}


def test_an_earlier_procedures_answers_do_not_count(app, make_patient, make_user):
    patient = make_patient(performed_at=NOW - timedelta(days=400))
    questionnaires.submit(patient, "rmdq", _ticks(20), NOW - timedelta(days=401))
    db.session.commit()
    assert observed(outcome_statistics(cohort.CohortFilters(), NOW))[("kyphoplasty", "baseline")][0] == 1
    procedures.record_procedure(patient, {"type": "kyphoplasty", "performed_at": NOW - timedelta(days=3),
                                          "levels": "L2", "fracture_cause": "osteoporosis", "anaesthesia": "local",
                                          "setting": "outpatient", "baseline_pain": 7},
                                make_user("staff"), NOW)
    db.session.commit()
    cells = observed(outcome_statistics(cohort.CohortFilters(), NOW))
    assert cells[("kyphoplasty", "baseline")][0] == 0  # the new procedure has no baseline answered
    assert cells[("kyphoplasty", "baseline")][7] == 1  # ... and its baseline closed unanswered: missed


def test_the_statement_count_does_not_grow_with_the_cohort(app, make_patient):
    generate(make_patient, 3, seed=1)
    with statements() as small:
        outcome_statistics(cohort.CohortFilters(), NOW)
    generate(make_patient, 12, seed=2)
    with statements() as large:
        outcome_statistics(cohort.CohortFilters(), NOW)
    assert len(small) == len(large) <= 4


def test_the_cohort_page_shows_the_rmdq_table_worked_by_hand(client, make_patient, make_user, login):
    """Three kyphoplasty patients 40 days out: baselines 18, 10 and 20, month 1 scores 9, 7 and 14
    (falls of 9, 3 and 6 points: the first and last are meaningful, 6 being exactly 30% of 20);
    only the first also answered the global impression, so month 1 is complete for one of three."""
    for baseline, month1, impression in ((18, 9, True), (10, 7, False), (20, 14, False)):
        patient = make_patient(performed_at=NOW - timedelta(days=40))
        performed = patient.current_procedure.performed_at
        questionnaires.submit(patient, "rmdq", _ticks(baseline), performed - timedelta(days=1))
        questionnaires.submit(patient, "rmdq", _ticks(month1), performed + timedelta(days=30))
        if impression:
            questionnaires.submit(patient, "global_impression", {"change": "much_better"},
                                  performed + timedelta(days=30))
        db.session.commit()
    login(make_user("clinician"))
    html = client.get("/clinic/cohort").get_data(as_text=True)
    table = html[html.index('data-outcomes="kyphoplasty"'):]
    table = table[:table.index("</table>")]

    def row(point):
        return table[table.index(f'data-point="{point}"'):].split("</tr>")[0]

    month1 = row("month1")
    assert '<td class="n">3</td>' in month1 and '<td class="median">9</td>' in month1
    assert '<td class="q1">8</td>' in month1 and '<td class="q3">11.5</td>' in month1
    assert "67%: 2 of 3 patients" in month1 and "33%: 1 of 3" in month1
    baseline = row("baseline")
    assert '<td class="median">18</td>' in baseline and "100%: 3 of 3" in baseline
    assert "0%: 0 of 3" in row("week1")  # closed, not answered: missed
    assert "none due yet" in row("month3")
    assert 'data-outcomes="vertebroplasty"' in html
    assert "lower is better" in html
