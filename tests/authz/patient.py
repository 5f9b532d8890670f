"""Matrix rows for the patient blueprint."""

from . import Row, only

ROWS = [
    Row("/patient/", "GET", "/patient/", only("patient")),
]
