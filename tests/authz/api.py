"""Matrix rows for the JSON API: each actor's bearer token, no session; no token or inactive -> 401.

Another patient's check-in is 404, exactly like an unknown id. Bodies are valid where the row
is about access, empty (400) or refused by the service (422) where that is the point.
"""

from . import NO_TOKEN, Row, api_only, everyone

V1 = "/api/v1"
UNKNOWN = 999999
FUTURE = "2099-01-01T15:00:00Z"  # refused by the service (more than two years ahead): 422
CHECKIN = {"pain_now": 3, "worst_pain": 5, "walking_level": 3, "minutes_upright": 30, "medication": "otc",
           "sleep_disturbed": False, "flag_neuro": False, "flag_chest": False, "flag_infection": False,
           "flag_calf": False}


def anyone_signed(status: int = 200) -> dict:
    expected = everyone(status)
    expected["anon"] = expected["inactive"] = NO_TOKEN
    return expected


def api(rule, method, expected, path=None, json=None):
    return Row(V1 + rule, method, V1 + (path or rule), expected, bearer=True, json=json)


ROWS = [
    # The document is public: anyone may read how the API works.
    Row(V1 + "/openapi.json", "GET", V1 + "/openapi.json", everyone(), bearer=True),
    api("/me", "GET", anyone_signed()),
    api("/me/procedures", "GET", api_only("patient")),
    api("/me/procedures", "GET", api_only("patient", 422), path="/me/procedures?per_page=1000"),
    # Today's check-in exists in the world, so a valid body updates it (200).
    api("/me/checkins/today", "PUT", api_only("patient"), json=CHECKIN),
    api("/me/checkins/today", "PUT", api_only("patient", 400)),
    api("/me/checkins/today", "PUT", api_only("patient", 422), json={**CHECKIN, "pain_now": "3"}),
    api("/me/checkins", "GET", api_only("patient")),
    api("/me/checkins/<int:checkin_id>", "GET", api_only("patient_a", patient_b=404),
        path="/me/checkins/{checkin_a}"),
    api("/me/checkins/<int:checkin_id>", "GET", api_only("patient_b", patient_a=404),
        path="/me/checkins/{checkin_b}"),
    api("/me/checkins/<int:checkin_id>", "GET", api_only("patient", 404), path=f"/me/checkins/{UNKNOWN}"),
    api("/me/appointments", "GET", api_only("patient")),
    api("/me/inbox", "GET", api_only("patient")),
    api("/patients", "GET", api_only("clinician")),
    api("/patients", "GET", api_only("clinician"), path="/patients?discharged=true&page=2&per_page=1"),
    api("/patients/<int:patient_id>/checkins", "GET", api_only("clinician"), path="/patients/{patient_a}/checkins"),
    api("/patients/<int:patient_id>/checkins", "GET", api_only("clinician", 404),
        path=f"/patients/{UNKNOWN}/checkins"),
    api("/patients/<int:patient_id>/alerts", "GET", api_only("clinician"), path="/patients/{patient_a}/alerts"),
    api("/patients/<int:patient_id>/alerts", "GET", api_only("clinician", 404), path=f"/patients/{UNKNOWN}/alerts"),
    api("/patients/<int:patient_id>/fhir", "GET", api_only("clinician"), path="/patients/{patient_b}/fhir"),
    api("/patients/<int:patient_id>/fhir", "GET", api_only("clinician", 404), path=f"/patients/{UNKNOWN}/fhir"),
    api("/alerts/<int:alert_id>/acknowledge", "POST", api_only("clinician", 400), path="/alerts/{alert_a}/acknowledge"),
    api("/alerts/<int:alert_id>/acknowledge", "POST", api_only("clinician", 404),
        path=f"/alerts/{UNKNOWN}/acknowledge", json={"note": "Phoned the patient."}),
    api("/alerts/<int:alert_id>/acknowledge", "POST", api_only("clinician", 422),
        path="/alerts/{alert_a}/acknowledge", json={"note": "  "}),
    api("/alerts/<int:alert_id>/acknowledge", "POST", api_only("clinician"),
        path="/alerts/{alert_a}/acknowledge", json={"note": "Phoned the patient."}),
    # Once closed, a second acknowledgement conflicts.
    api("/alerts/<int:alert_id>/acknowledge", "POST", api_only("clinician", 409),
        path="/alerts/{alert_a}/acknowledge", json={"note": "Again."}),
    api("/appointments", "GET", api_only("staff")),
    api("/appointments", "GET", api_only("staff"), path="/appointments?patient_id={patient_a}&status=scheduled"),
    api("/appointments", "GET", api_only("staff", 404), path=f"/appointments?patient_id={UNKNOWN}"),
    api("/appointments", "POST", api_only("staff", 400)),
    api("/appointments", "POST", api_only("staff", 404), json={"patient_id": UNKNOWN, "scheduled_for": FUTURE}),
    api("/appointments", "POST", api_only("staff", 422),
        json=lambda ids: {"patient_id": ids["patient_a"], "scheduled_for": FUTURE}),
    # A's 72-hour check is the system's: staff may not move or cancel it (422).
    api("/appointments/<int:appointment_id>/reschedule", "POST", api_only("staff", 422),
        path="/appointments/{appointment_a}/reschedule", json={"scheduled_for": FUTURE}),
    api("/appointments/<int:appointment_id>/reschedule", "POST", api_only("staff", 404),
        path=f"/appointments/{UNKNOWN}/reschedule", json={"scheduled_for": FUTURE}),
    api("/appointments/<int:appointment_id>/cancel", "POST", api_only("staff", 422),
        path="/appointments/{appointment_a}/cancel"),
    api("/appointments/<int:appointment_id>/cancel", "POST", api_only("staff", 404),
        path=f"/appointments/{UNKNOWN}/cancel"),
]
