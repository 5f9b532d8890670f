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
    # Each patient's inbox holds only their own messages; there are no ids to guess.
    Row("/patient/inbox", "GET", "/patient/inbox", only("patient")),
    Row("/patient/appointments", "GET", "/patient/appointments", only("patient")),
    # A patient downloads only their own visit's calendar file; another's looks like an unknown id.
    Row("/patient/appointments/<int:appointment_id>.ics", "GET", "/patient/appointments/{visit_a}.ics",
        only("patient_a", patient_b=404)),
    Row("/patient/appointments/<int:appointment_id>.ics", "GET", "/patient/appointments/{visit_b}.ics",
        only("patient_b", patient_a=404)),
    # The 72-hour check is a check-in, not a visit: it has no calendar file.
    Row("/patient/appointments/<int:appointment_id>.ics", "GET", "/patient/appointments/{appointment_a}.ics",
        only("patient", 404)),
    # An outcome questionnaire: the form (or "not open now") for a defined instrument, 404 for
    # another name; an empty global impression is refused (its one question is required, and
    # outside its window nothing is open), never a row.
    Row("/patient/questionnaires/<key>", "GET", "/patient/questionnaires/rmdq", only("patient")),
    Row("/patient/questionnaires/<key>", "GET", "/patient/questionnaires/sf36", only("patient", 404)),
    Row("/patient/questionnaires/<key>", "POST", "/patient/questionnaires/global_impression",
        only("patient", 400)),
    Row("/patient/settings", "GET", "/patient/settings", only("patient")),
    # An empty form is refused field by field (the time, zone and language are required).
    Row("/patient/settings", "POST", "/patient/settings", only("patient", 400)),
]
