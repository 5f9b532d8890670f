"""The cohort page: each bucket's bounds, n, median and quartiles as computed independently here,
filters refused field by field, a plain message when nothing matches, a bounded query count."""

import re
import statistics
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from recovery.extensions import db
from recovery.models import AuditEvent

from .conftest import statements
from .pages import cell, data_block, inline_javascript, text
from .test_cohort import EXPECTED_BOUNDS, Raw, _patient, expected, generate

PERFORMED = datetime(2026, 10, 1, 15, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in Chicago: day 0 is 1 Oct
DAY0 = date(2026, 10, 1)


@pytest.fixture
def clinicians(make_user):
    return [make_user("clinician") for _ in range(2)]


@pytest.fixture
def clinician(clinicians, login):
    return login(clinicians[0])


def shown(html: str, kind: str, bucket: str) -> tuple[str, str, str, str, str]:
    """(days, n, median, Q1, Q3) as the page shows them for one type and bucket."""
    table = html[html.index(f'data-series="{kind}"'):]
    row = table[table.index(f'data-bucket="{bucket}"'):]
    return tuple(cell(row, rf'<td class="{name}">') for name in ("bounds", "n", "median", "q1", "q3"))


def written(value) -> str:
    """A statistic as the page writes it: no trailing zeros (4, 4.5, 3.25) and a dash for none."""
    return "\N{EM DASH}" if value is None else f"{value:g}"


def bounds(first: int, last: int) -> str:
    return f"day {first}" if first == last else f"days {first} to {last}"


def test_the_page_shows_bounds_n_and_medians_equal_to_statistics_on_a_small_set(client, clinicians,
                                                                                 clinician):
    ids = [c.id for c in clinicians]
    day3 = {"kyphoplasty": [2, 5, 7, 8, 9], "vertebroplasty": [6, 9]}
    week1 = {"kyphoplasty": [1, 3, 4], "vertebroplasty": [5]}
    for kind in day3:
        for i, pain in enumerate(day3[kind]):
            pains = {DAY0 + timedelta(days=3): pain}
            if i < len(week1[kind]):
                pains[DAY0 + timedelta(days=4)] = 9  # an earlier check-in in week 1 does not count
                pains[DAY0 + timedelta(days=6)] = week1[kind][i]  # the last one does
            _patient(ids, PERFORMED, kind=kind, pains=pains)
    html = client.get("/clinic/cohort").get_data(as_text=True)

    for kind in day3:
        for bucket, values in (("day3", day3[kind]), ("week1", week1[kind])):
            if len(values) > 1:
                q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
            else:
                q1 = q3 = values[0]
            first, last = EXPECTED_BOUNDS[bucket]
            assert shown(html, kind, bucket) == (
                bounds(first, last), str(len(values)), written(statistics.median(values)), written(q1),
                written(q3)), (kind, bucket)
        assert shown(html, kind, "day0") == ("day 0", "0", "—", "—", "—")
    assert shown(html, "kyphoplasty", "week12") == ("days 81 to 87", "0", "—", "—", "—")
    page = text(client.get("/clinic/cohort"))
    assert "at least 2 points and by at least 30%" in page  # the responder rule is stated
    kypho = page[page.index('<tr data-series="kyphoplasty">'):]
    # Baseline 8: pain 2 and 5 respond (down 6 and 3, both 30% or more); 7, 8 and 9 do not.
    assert re.search(r'data-time="72h">\s*40%: 2 of 5 patients', kypho)
    figure = data_block(html, "cohort-chart")
    medians = {t["name"]: t for t in figure["data"]}
    assert medians["Kyphoplasty (median)"]["y"][3] == statistics.median(day3["kyphoplasty"])
    assert medians["Vertebroplasty (median)"]["customdata"][3][0] == 2  # n behind the point
    assert inline_javascript(html) == []


def _drawn(html: str, kind: str, bucket: str) -> str:
    table = html[html.index(f'data-series="{kind}"'):]
    row = table[table.index(f'data-bucket="{bucket}"'):]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell(row, r'<td class="drawn">'))).strip()


def test_a_point_on_fewer_than_5_patients_is_marked_too_few_and_left_out_of_the_line(client, clinicians,
                                                                                      clinician):
    ids = [c.id for c in clinicians]
    for kind, count in (("kyphoplasty", 5), ("vertebroplasty", 4)):
        for i in range(count):
            _patient(ids, PERFORMED, kind=kind, pains={DAY0 + timedelta(days=3): 3 + i,
                                                       DAY0 + timedelta(days=14): 2})
    html = client.get("/clinic/cohort").get_data(as_text=True)
    assert shown(html, "vertebroplasty", "day3")[1] == "4" and shown(html, "kyphoplasty", "day3")[1] == "5"
    assert _drawn(html, "vertebroplasty", "day3") == "Too few not part of the line"
    assert _drawn(html, "kyphoplasty", "day3") == "Drawn"
    assert _drawn(html, "kyphoplasty", "day0") == "No patients"
    figure = {t["name"]: t for t in data_block(html, "cohort-chart")["data"]}
    kypho, verte = figure["Kyphoplasty (median)"], figure["Vertebroplasty (median)"]
    assert kypho["x"][3] == 3 and kypho["x"][5] == 14  # day 3 and week 2 at their days
    assert kypho["y"][3] == 5 and verte["y"][3] is None and verte["y"][5] is None
    assert figure["Vertebroplasty: too few to draw"]["x"] == [3, 14]
    assert "fewer than 5 patients is not part of the line" in text(client.get("/clinic/cohort"))


def test_a_generated_cohort_shows_every_number_computed_with_statistics(client, clinicians, clinician):
    raw = Raw()
    generate(raw, 60, seed=23, clinicians=[c.id for c in clinicians])
    want = expected(raw)["points"]
    html = client.get("/clinic/cohort").get_data(as_text=True)
    assert sum(n for n, *_ in want.values()) > 100  # not a vacuous comparison
    for (kind, bucket), (n, median, q1, q3) in want.items():
        assert shown(html, kind, bucket) == (bounds(*EXPECTED_BOUNDS[bucket]), str(n), written(median),
                                             written(q1), written(q3)), (kind, bucket)


def test_nonsense_filters_are_refused_next_to_each_field_with_400_and_nothing_is_written(
        client, clinician):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get("/clinic/cohort?type=spinal+fusion&cause=gravity&from=2026-10-10&to=2026-10-01"
                          "&clinician=999999")
    assert response.status_code == 400
    page = text(response)
    for field, words in (("type", "Unknown procedure type"), ("cause", "Unknown fracture cause"),
                         ("to", "The end date is before the start date."),
                         ("clinician", "There is no clinician with the number 999999.")):
        assert re.search(rf'id="{field}-error"[^>]*>[^<]*{re.escape(words)}', page), field
        assert f'aria-describedby="{field}-error"' in page
    assert "Please correct the filters" in page
    assert "data-chart" not in page and "No check-ins match" not in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert client.get("/clinic/cohort?from=yesterday").status_code == 400


def test_an_empty_cohort_says_no_checkins_match_and_draws_no_chart(client, clinicians, clinician):
    _patient([c.id for c in clinicians], PERFORMED)  # a patient, but no check-in
    response = client.get("/clinic/cohort?type=vertebroplasty")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No check-ins match these filters." in html
    assert "data-chart" not in html and "application/json" not in html and "plotly" not in html


def test_each_cohort_view_is_audited_once_without_a_patient(client, clinician):
    for views in (1, 2):
        client.get("/clinic/cohort")
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohort.view")).all()
        assert [(e.actor_id, e.patient_id) for e in events] == [(clinician.id, None)] * views


def test_filters_narrow_the_page_and_stay_in_the_form(client, clinicians, clinician):
    ids = [c.id for c in clinicians]
    _patient(ids, PERFORMED, kind="kyphoplasty", pains={DAY0: 5})
    _patient(ids, PERFORMED, kind="vertebroplasty", pains={DAY0: 7}, cause="trauma")
    html = client.get("/clinic/cohort?type=vertebroplasty&cause=trauma&from=2026-10-01&to=2026-10-01"
                      f"&clinician={ids[0]}").get_data(as_text=True)
    assert 'data-series="kyphoplasty"' not in html
    assert shown(html, "vertebroplasty", "day0")[1:3] == ("1", "7")
    assert '<option value="trauma" selected>' in html and 'value="2026-10-01"' in html


def test_the_cohort_page_issues_the_same_number_of_queries_for_5_and_40_patients(client, clinicians,
                                                                                   clinician):
    ids = [c.id for c in clinicians]
    url = f"/clinic/cohort?type=&cause=&from=2026-01-01&to=2026-12-31&clinician={ids[0]}"
    raw = Raw()
    generate(raw, 5, seed=1, clinicians=ids)
    with statements() as few:
        assert client.get(url).status_code == 200
    generate(raw, 35, seed=2, clinicians=ids, start=5)
    with statements() as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)
    # The login's user, the clinician filter's check, the one data query, the completion query,
    # the clinician list, the RMDQ table's four (zones in use, scores, completed time points, closed
    # windows) and the audit event: nothing per patient.
    assert len(many) <= 10, many
    print(f"cohort page statements: {len(few)} for 5 patients, {len(many)} for 40")
