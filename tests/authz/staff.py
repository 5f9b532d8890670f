"""Matrix rows for the staff blueprint.

POSTs carry no data: a form that validates answers 400, an action that needs no input
redirects (302) or renders its result (200). An unknown id is 404 for staff and still 403
for everyone else, so ids cannot be probed. Discharge comes last: it changes patient A.
The visit rows use A's 72-hour check, which staff may not change (400); the reminder is
pending, so resending it is refused (400); an empty close form lacks its outcome (400).
"""

from . import Row, only

PATIENT = "/staff/patients/<int:patient_id>"
PROCEDURE_NEW = "/staff/patients/<int:patient_id>/procedures/new"
PROCEDURE_EDIT = "/staff/procedures/<int:procedure_id>/edit"
LINK = "/staff/patients/<int:patient_id>/link"
CHECKIN = "/staff/patients/<int:patient_id>/checkin"
DISCHARGE = "/staff/patients/<int:patient_id>/discharge"
TEXTS = "/staff/patients/<int:patient_id>/texts"
EMAIL = "/staff/patients/<int:patient_id>/email"
BOOK = "/staff/patients/<int:patient_id>/appointments"
RESCHEDULE = "/staff/appointments/<int:appointment_id>/reschedule"
CANCEL = "/staff/appointments/<int:appointment_id>/cancel"
MARK = "/staff/appointments/<int:appointment_id>/mark"
OUTBOX = "/staff/outbox"
RESEND = "/staff/reminders/<int:reminder_id>/resend"
CLOSE_CALL = "/staff/calls/<int:task_id>/close"
AUDIT = "/staff/audit"
AGENDA = "/staff/agenda"
AGENDA_MARK = "/staff/agenda/visits/<int:appointment_id>/mark"
HOURS = "/staff/clinic-hours"
CLOSED = "/staff/clinic-hours/closed"
REOPEN = "/staff/clinic-hours/closed/remove"
UNKNOWN = 999999

ROWS = [
    Row("/staff/", "GET", "/staff/", only("staff")),
    Row("/staff/", "GET", "/staff/?q=MRN", only("staff")),
    Row("/staff/patients/new", "GET", "/staff/patients/new", only("staff")),
    Row("/staff/patients/new", "POST", "/staff/patients/new", only("staff", 400)),
    Row(PATIENT, "GET", "/staff/patients/{patient_a}", only("staff")),
    Row(PATIENT, "GET", "/staff/patients/{patient_b}", only("staff")),
    Row(PATIENT, "GET", f"/staff/patients/{UNKNOWN}", only("staff", 404)),
    Row(PROCEDURE_NEW, "GET", "/staff/patients/{patient_a}/procedures/new", only("staff")),
    Row(PROCEDURE_NEW, "POST", "/staff/patients/{patient_a}/procedures/new", only("staff", 400)),
    Row(PROCEDURE_NEW, "GET", f"/staff/patients/{UNKNOWN}/procedures/new", only("staff", 404)),
    Row(PROCEDURE_NEW, "POST", f"/staff/patients/{UNKNOWN}/procedures/new", only("staff", 404)),
    Row(PROCEDURE_EDIT, "GET", "/staff/procedures/{procedure_a}/edit", only("staff")),
    Row(PROCEDURE_EDIT, "POST", "/staff/procedures/{procedure_a}/edit", only("staff", 400)),
    Row(PROCEDURE_EDIT, "GET", f"/staff/procedures/{UNKNOWN}/edit", only("staff", 404)),
    Row(PROCEDURE_EDIT, "POST", f"/staff/procedures/{UNKNOWN}/edit", only("staff", 404)),
    Row(LINK, "POST", "/staff/patients/{patient_a}/link", only("staff")),
    Row(LINK, "POST", f"/staff/patients/{UNKNOWN}/link", only("staff", 404)),
    Row(CHECKIN, "GET", "/staff/patients/{patient_a}/checkin", only("staff")),
    Row(CHECKIN, "POST", "/staff/patients/{patient_a}/checkin", only("staff", 400)),
    Row(CHECKIN, "GET", f"/staff/patients/{UNKNOWN}/checkin", only("staff", 404)),
    Row(CHECKIN, "POST", f"/staff/patients/{UNKNOWN}/checkin", only("staff", 404)),
    Row(BOOK, "POST", "/staff/patients/{patient_a}/appointments", only("staff", 400)),
    Row(BOOK, "POST", f"/staff/patients/{UNKNOWN}/appointments", only("staff", 404)),
    Row(RESCHEDULE, "POST", "/staff/appointments/{appointment_a}/reschedule", only("staff", 400)),
    Row(RESCHEDULE, "POST", f"/staff/appointments/{UNKNOWN}/reschedule", only("staff", 404)),
    Row(CANCEL, "POST", "/staff/appointments/{appointment_a}/cancel", only("staff", 400)),
    Row(CANCEL, "POST", f"/staff/appointments/{UNKNOWN}/cancel", only("staff", 404)),
    Row(MARK, "POST", "/staff/appointments/{appointment_a}/mark", only("staff", 400)),
    Row(MARK, "POST", f"/staff/appointments/{UNKNOWN}/mark", only("staff", 404)),
    Row("/staff/worklist", "GET", "/staff/worklist", only("staff")),
    Row(AGENDA, "GET", "/staff/agenda", only("staff")),
    Row(AGENDA, "GET", "/staff/agenda?view=week&date=2026-11-30&kind=follow_up&clinician=none", only("staff")),
    Row(AGENDA, "GET", "/staff/agenda?date=2026-02-30&clinician=x", only("staff", 400)),
    Row(AGENDA_MARK, "POST", "/staff/agenda/visits/{appointment_a}/mark", only("staff", 400)),
    Row(AGENDA_MARK, "POST", f"/staff/agenda/visits/{UNKNOWN}/mark", only("staff", 404)),
    Row(HOURS, "GET", HOURS, only("staff")),
    Row(HOURS, "POST", HOURS, only("staff", 400)),
    Row(CLOSED, "POST", CLOSED, only("staff", 400)),
    Row(REOPEN, "POST", REOPEN, only("staff", 400)),
    Row(OUTBOX, "GET", "/staff/outbox", only("staff")),
    Row(OUTBOX, "GET", "/staff/outbox?status=failed", only("staff")),
    Row(OUTBOX, "GET", "/staff/outbox?status=lost", only("staff", 400)),
    Row(OUTBOX, "GET", "/staff/outbox?q=a&kind=daily_nudge&channel=email&status=all&from=2026-01-01&to=2026-12-31&page=2",
        only("staff")),
    Row(OUTBOX, "GET", "/staff/outbox?from=2026-02-30", only("staff", 400)),
    Row(RESEND, "POST", "/staff/reminders/{reminder_a}/resend", only("staff", 400)),
    Row(RESEND, "POST", f"/staff/reminders/{UNKNOWN}/resend", only("staff", 404)),
    Row(CLOSE_CALL, "POST", "/staff/calls/{call_a}/close", only("staff", 400)),
    Row(CLOSE_CALL, "POST", f"/staff/calls/{UNKNOWN}/close", only("staff", 404)),
    Row(AUDIT, "GET", "/staff/audit", only("staff")),
    Row(AUDIT, "GET", "/staff/audit?patient={patient_a}&from=2020-01-01", only("staff")),
    Row(AUDIT, "GET", f"/staff/audit?patient=NO-SUCH&user={UNKNOWN}&from=2021-01-01&to=2020-01-01",
        only("staff", 400)),
    Row(TEXTS, "POST", f"/staff/patients/{UNKNOWN}/texts", only("staff", 404)),
    Row(TEXTS, "POST", "/staff/patients/{patient_a}/texts", only("staff", 302)),
    Row(EMAIL, "POST", f"/staff/patients/{UNKNOWN}/email", only("staff", 404)),
    Row(EMAIL, "POST", "/staff/patients/{patient_a}/email", only("staff", 302)),  # refused: flashed
    Row(DISCHARGE, "POST", f"/staff/patients/{UNKNOWN}/discharge", only("staff", 404)),
    Row(DISCHARGE, "POST", "/staff/patients/{patient_a}/discharge", only("staff", 302)),
    Row(DISCHARGE, "POST", "/staff/patients/{patient_a}/discharge", only("staff", 302)),  # again
]
