"""The clinician's patient list: paging, search, filters and sorting in SQL, checked against a plain
Python filter of the same generated patients; bad input; statements that do not grow."""

import random
from datetime import timedelta

import pytest

from recovery.extensions import db
from recovery.models import Alert, utcnow
from recovery.services import clinic, patient_list
from recovery.services.checkins import save_checkin
from recovery.services.patient_list import PAGE_SIZE, ListQuery
from tests.answers import checkin_answers

from .conftest import statements

CALM = checkin_answers(without=('pain_now',), worst_pain=10, walking_level=3, minutes_upright=60)
NAMES = ("Ana", "Ben", "Cy", "Dee", "Eve", "Flo", "Gus", "Hal", "Ivy", "Jo")


def _cohort(make_patient, make_user, count, seed=1):
    """`count` generated patients: mixed procedures, baselines, pain, silence, clinicians."""
    rng = random.Random(seed)
    doctors = [make_user("clinician"), make_user("clinician")]
    now = utcnow()
    for i in range(count):
        since = rng.randint(1, 100)  # the daily and weekly phases and long-term follow-up
        patient = make_patient(tz=rng.choice(("America/Chicago", "Europe/Madrid", "Pacific/Auckland")),
                               name=f"{rng.choice(NAMES)} {'O_Brien' if i % 7 == 0 else 'Lee'} {i:03d}",
                               baseline_pain=rng.randint(3, 10), clinician_id=rng.choice(doctors).id,
                               performed_at=now - timedelta(days=since, hours=rng.randint(0, 20)))
        if rng.random() < 0.8:
            days_ago = rng.randint(0, min(rng.choice((5, 12, 30)), since - 1))  # some gone quiet
            save_checkin(patient, {**CALM, "pain_now": rng.randint(0, 10)}, now - timedelta(days=days_ago))
        patient.discharged = i % 11 == 0
        if i % 9 == 0:
            db.session.add(Alert(patient_id=patient.id, kind="missed", severity="urgent" if i % 2 else "routine"))
    db.session.commit()
    return doctors


def _everyone(now):
    return clinic.patient_summaries(now, include_discharged=True)


def _ids(page):
    return [r.id for r in page.rows]


def _all_pages(query, now):
    ids, page = [], 1
    while True:
        result = patient_list.list_patients(ListQuery(**{**query.__dict__, "page": page}), now)
        if not result.rows:
            return ids, result.total
        assert len(result.rows) <= PAGE_SIZE
        ids += _ids(result)
        page += 1


def test_filters_and_search_match_a_plain_python_filter(app, make_patient, make_user):
    doctors = _cohort(make_patient, make_user, 120)
    now = utcnow()
    rows = _everyone(now)
    by_id = {r.id: r for r in rows}
    cases = [
        (ListQuery(), lambda r: not r.discharged),
        (ListQuery(discharged="1"), lambda r: True),
        (ListQuery(discharged="only"), lambda r: r.discharged),
        (ListQuery(q="o_b"), lambda r: "o_b" in r.name.lower() and not r.discharged),
        (ListQuery(q="mrn-000"), lambda r: "mrn-000" in r.record_number.lower() and not r.discharged),
        (ListQuery(q="%"), lambda r: False),
        (ListQuery(status="responding"), lambda r: r.status == "responding" and not r.discharged),
        (ListQuery(status="not_responding"), lambda r: r.status == "not_responding" and not r.discharged),
        (ListQuery(status="no_checkin"), lambda r: r.status == "no_checkin" and not r.discharged),
        (ListQuery(status="no_recent_data"), lambda r: r.status == "no_recent_data" and not r.discharged),
        (ListQuery(status="long_term"), lambda r: r.status == "long_term" and not r.discharged),
        (ListQuery(procedure="vertebroplasty"), lambda r: False),
        (ListQuery(procedure="kyphoplasty"), lambda r: not r.discharged),
    ]
    # The generated cohort really has every status the list can filter by.
    assert {r.status for r in rows} >= set(patient_list.STATUSES)
    for query, keep in cases:
        ids, total = _all_pages(query, now)
        expected = {r.id for r in rows if keep(r)}
        assert set(ids) == expected, query
        assert total == len(ids) == len(expected), query
    # Silent for 5 days: the last check-in is 5 or more of the patient's days ago, or none yet.
    ids, _ = _all_pages(ListQuery(silent=5, discharged="1"), now)
    assert set(ids) == {r.id for r in rows if (r.last_checkin and (r.today - r.last_checkin).days >= 5)
                        or (r.last_checkin is None and r.days_since_procedure >= 5)}
    # Assigned clinician.
    mine, _ = _all_pages(ListQuery(clinician=doctors[0].id, discharged="1"), now)
    from recovery.models import Patient
    assert set(mine) == {p.id for p in db.session.scalars(db.select(Patient)) if p.clinician_id == doctors[0].id}
    assert all(by_id[i] for i in mine)


SORTS = {
    "pain": lambda r: r.pain_now,
    "change": lambda r: r.change,
    "last_checkin": lambda r: r.last_checkin,
    "status": lambda r: clinic.STATUS_ORDER.index(r.status),
}


def test_sorting_matches_python_with_blanks_last(app, make_patient, make_user, subtests):
    _cohort(make_patient, make_user, 70)  # one cohort, every sort and order on it
    now = utcnow()
    rows = {r.id: r for r in _everyone(now)}
    for sort, key in SORTS.items():
        for order in ("asc", "desc"):
            with subtests.test(sort=sort, order=order):
                ids, _ = _all_pages(ListQuery(sort=sort, order=order), now)
                values = [key(rows[i]) for i in ids]
                known = [v for v in values if v is not None]
                assert values == known + [None] * (len(values) - len(known))  # no value: last either way
                assert known == sorted(known, reverse=order == "desc")


def test_default_order_is_the_attention_order_of_the_old_list(app, make_patient, make_user):
    _cohort(make_patient, make_user, 60)
    now = utcnow()
    ids, _ = _all_pages(ListQuery(), now)
    assert ids == [r.id for r in clinic.patient_summaries(now)]


def test_days_sort_puts_the_latest_procedure_first(app, make_patient, make_user):
    _cohort(make_patient, make_user, 60)
    ids, _ = _all_pages(ListQuery(sort="days"), utcnow())
    rows = {r.id: r for r in _everyone(utcnow())}
    # By the procedure's instant: sorted within each time zone; across zones a local day apart at most.
    from recovery.models import Patient
    zone_of = dict(db.session.execute(db.select(Patient.id, Patient.timezone)).all())
    for zone in set(zone_of.values()):
        days = [rows[i].days_since_procedure for i in ids if zone_of[i] == zone]
        assert days == sorted(days)
    days = [rows[i].days_since_procedure for i in ids]
    assert all(later >= earlier - 1 for earlier, later in zip(days, days[1:], strict=False))


def test_paging_is_50_a_page_and_past_the_end_is_empty(app, client, make_patient, make_user, login):
    _cohort(make_patient, make_user, 120)
    now = utcnow()
    first = patient_list.list_patients(ListQuery(discharged="1"), now)
    assert len(first.rows) == 50 and first.total == 120 and first.pages == 3
    third = patient_list.list_patients(ListQuery(discharged="1", page=3), now)
    assert len(third.rows) == 20
    assert not set(_ids(first)) & set(_ids(third))
    login(make_user("clinician"))
    html = client.get("/clinic/?discharged=1&clinician=all&page=9").get_data(as_text=True)
    assert "No patients on this page." in html and "page=3" in html
    assert 'class="clinic-list"' not in html
    page2 = client.get("/clinic/?discharged=1&clinician=all&page=2").get_data(as_text=True)
    assert "Page 2 of 3" in page2 and "page=3" in page2 and "discharged=1" in page2


def test_my_patients_is_the_default_but_triage_shows_everyone(app, client, make_patient, make_user, login):
    me = make_user("clinician")
    colleague = make_user("clinician")
    mine = make_patient(name="Mine Patient", clinician_id=me.id)
    theirs = make_patient(name="Their Patient", clinician_id=colleague.id)
    db.session.add(Alert(patient_id=theirs.id, kind="missed", severity="urgent"))
    db.session.commit()
    login(me)
    html = client.get("/clinic/").get_data(as_text=True)
    listed = html[html.index('id="patients-h"'):]
    assert "Mine Patient" in listed and "Their Patient" not in listed
    assert "Their Patient" in html[:html.index('id="patients-h"')]  # the triage list above
    everyone = client.get("/clinic/?clinician=all").get_data(as_text=True)
    assert "Their Patient" in everyone[everyone.index('id="patients-h"'):]
    assert mine.id != theirs.id


def test_every_pain_figure_says_when_it_was_recorded(app, client, make_patient, make_user, login):
    patient = make_patient(name="Dated Pain")
    save_checkin(patient, {**CALM, "pain_now": 4}, utcnow())
    db.session.commit()
    login(make_user("clinician"))
    html = client.get("/clinic/").get_data(as_text=True)
    row = html[html.index("Dated Pain"):]
    cell = row[:row.index("</td>", row.index("/10"))]
    assert "/10" in cell and ">on " in cell  # the pain with its date


@pytest.mark.parametrize("args", [
    "sort=danger", "order=sideways", "status=bored", "procedure=surgery", "discharged=maybe",
    "page=0", "page=-3", "page=abc", "silent=0", "silent=x", "clinician=999999", "clinician=abc",
    "q=" + "a" * 10_000, "q=%00", "q=a%00b",
])
def test_bad_input_is_a_400_with_no_patients(app, client, make_patient, make_user, login, args):
    make_patient(name="Hidden Patient")
    login(make_user("clinician"))
    response = client.get(f"/clinic/?{args}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Hidden Patient" not in html
    if "%00" not in args:  # a NUL is refused before any page is built (the app's own 400)
        assert "no patients are listed" in html
        assert '<form method="get"' in html  # the filters are shown to correct


@pytest.mark.parametrize("q", ["%", "_", "'", '"', "\\", "' OR 1=1 --", "O'Brien"])
def test_odd_search_text_matches_literally(app, client, make_patient, make_user, login, q):
    make_patient(name="Plain Patient")
    login(make_user("clinician"))
    response = client.get("/clinic/", query_string={"q": q})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Plain Patient" not in html and "No patients match these filters." in html


def test_list_statements_do_not_grow_from_10_to_100_patients(app, make_patient, make_user):
    _cohort(make_patient, make_user, 10)
    query = ListQuery(silent=3, sort="pain", discharged="1", q="e")
    db.session.expire_all()
    with statements() as few:
        small = patient_list.list_patients(query, utcnow())
    _cohort(make_patient, make_user, 90, seed=2)
    db.session.expire_all()
    with statements() as many:
        large = patient_list.list_patients(query, utcnow())
    assert len(large.rows) > len(small.rows) > 0
    assert len(few) == len(many) == 2  # time zones in use, the page with its count


def test_each_row_shows_what_the_check_ins_say_across_procedures_and_red_flags(app, make_patient, make_user):
    """The list reads the latest pain and last check-in from the cohort summary; every row equals
    the summary computed from the raw check-ins, including a patient whose new procedure has no
    check-in yet (the last check-in is the earlier procedure's, no pain figure) and one whose
    latest check-in is a red flag saved without a pain answer."""
    from recovery.models import User
    from recovery.services import procedures

    _cohort(make_patient, make_user, 30, seed=4)
    now = utcnow()
    staff = db.session.scalar(db.select(User).where(User.role == "staff"))
    moved = make_patient(name="Zed Second", performed_at=now - timedelta(days=30))
    save_checkin(moved, {**CALM, "pain_now": 4}, now - timedelta(days=3))
    procedures.record_procedure(moved, {
        "type": "vertebroplasty", "performed_at": now - timedelta(days=1), "levels": "T12",
        "fracture_cause": "osteoporosis", "anaesthesia": "local", "setting": "outpatient", "baseline_pain": 7,
    }, staff, now)
    flagged = make_patient(name="Zed Flag", performed_at=now - timedelta(days=20))
    save_checkin(flagged, {**CALM, "pain_now": 6}, now - timedelta(days=2))
    save_checkin(flagged, {"flag_neuro": "yes"}, now)
    db.session.commit()

    listed = {}
    for page in (1, 2):
        listed.update({r.id: r for r in patient_list.list_patients(
            ListQuery(discharged="1", page=page), now).rows})
    expected = {r.id: r for r in _everyone(now)}
    assert listed == expected
    assert listed[moved.id].pain_now is None and listed[moved.id].last_checkin is not None
    assert listed[flagged.id].pain_now == 6 and listed[flagged.id].last_checkin > listed[flagged.id].pain_date
