"""Matrix rows for the patient blueprint."""

from . import Row, only

ROWS = [
    Row("/patient/", "GET", "/patient/", only("patient")),
    Row("/patient/checkin", "GET", "/patient/checkin", only("patient")),
    # An empty form is refused field by field, never a 500 and never a row.
    Row("/patient/checkin", "POST", "/patient/checkin", only("patient", 400)),
    Row("/patient/history", "GET", "/patient/history", only("patient")),
    # A patient opens only their own check-ins; another's id looks exactly like an unknown one.
    Row("/patient/checkins/<int:checkin_id>", "GET", "/patient/checkins/{checkin_a}",
        only("patient_a", patient_b=404)),
    Row("/patient/checkins/<int:checkin_id>", "GET", "/patient/checkins/{checkin_b}",
        only("patient_b", patient_a=404)),
    Row("/patient/checkins/<int:checkin_id>", "GET", "/patient/checkins/999999",
        only("patient", 404)),
    Row("/patient/expect", "GET", "/patient/expect", only("patient")),
]
