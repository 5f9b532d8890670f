"""Matrix rows for the staff blueprint."""

from . import Row, only

ROWS = [
    Row("/staff/", "GET", "/staff/", only("staff")),
]
