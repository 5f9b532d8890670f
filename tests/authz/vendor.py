"""Matrix rows for third-party browser files served from installed packages."""

from . import Row, everyone

ROWS = [
    # plotly.js is public: the login page itself may one day chart nothing, but it holds no data.
    Row("/static/vendor/plotly.min.js", "GET", "/static/vendor/plotly.min.js", everyone(200)),
]
