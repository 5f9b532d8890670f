"""Matrix rows for the clinicians' exports: FHIR Bundle, cohort CSV, printable visit summary."""

from . import Row, only

ROWS = [
    Row("/clinic/patients/<int:patient_id>/fhir.json", "GET", "/clinic/patients/{patient_a}/fhir.json",
        only("clinician")),
    Row("/clinic/patients/<int:patient_id>/fhir.json", "GET", "/clinic/patients/{patient_b}/fhir.json",
        only("clinician")),
    Row("/clinic/patients/<int:patient_id>/fhir.json", "GET", "/clinic/patients/999999/fhir.json",
        only("clinician", 404)),
    Row("/clinic/cohort.csv", "GET", "/clinic/cohort.csv", only("clinician")),
    Row("/clinic/cohort.csv", "GET", "/clinic/cohort.csv?type=kyphoplasty&cause=osteoporosis",
        only("clinician")),
    Row("/clinic/cohort.csv", "GET", "/clinic/cohort.csv?type=spinal&clinician=999999", only("clinician", 400)),
]
ROWS += [
    Row("/clinic/patients/<int:patient_id>/summary", "GET", "/clinic/patients/{patient_a}/summary",
        only("clinician")),
    Row("/clinic/patients/<int:patient_id>/summary", "GET", "/clinic/patients/{patient_b}/summary",
        only("clinician")),
    Row("/clinic/patients/<int:patient_id>/summary", "GET",
        "/clinic/patients/{patient_a}/summary?visit={appointment_a}", only("clinician")),
    # Patient A's visit asked for on patient B's summary: not found, never A's data.
    Row("/clinic/patients/<int:patient_id>/summary", "GET",
        "/clinic/patients/{patient_b}/summary?visit={appointment_a}", only("clinician", 404)),
    Row("/clinic/patients/<int:patient_id>/summary", "GET", "/clinic/patients/999999/summary",
        only("clinician", 404)),
]
