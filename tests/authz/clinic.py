"""Matrix rows for the clinician blueprint."""

from . import Row, only

ROWS = [
    Row("/clinic/", "GET", "/clinic/", only("clinician")),
    Row("/clinic/patients/<int:patient_id>", "GET", "/clinic/patients/{patient_a}", only("clinician")),
    Row("/clinic/patients/<int:patient_id>", "GET", "/clinic/patients/{patient_b}", only("clinician")),
    Row("/clinic/patients/<int:patient_id>", "GET", "/clinic/patients/999999", only("clinician", 404)),
    # Empty form: the note is required, so 400 and nothing written.
    Row("/clinic/alerts/<int:alert_id>/ack", "POST", "/clinic/alerts/{alert_a}/ack", only("clinician", 400)),
    Row("/clinic/alerts/<int:alert_id>/ack", "POST", "/clinic/alerts/999999/ack", only("clinician", 404)),
    Row("/clinic/cohort", "GET", "/clinic/cohort", only("clinician")),
    Row("/clinic/cohort", "GET", "/clinic/cohort?type=kyphoplasty&cause=osteoporosis", only("clinician")),
    # Nonsense filters: a message per field and 400, never a 500 (and still 403 for the others).
    Row("/clinic/cohort", "GET", "/clinic/cohort?type=spinal&to=2020-01-01&from=2021-01-01&clinician=999999",
        only("clinician", 400)),
]
