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
]
