"""Matrix rows for the clinician blueprint."""

from . import Row, only

ROWS = [
    Row("/clinic/", "GET", "/clinic/", only("clinician")),
]
