"""The WSGI entry point for gunicorn (`gunicorn recovery.wsgi:app`; see gunicorn.conf.py).

A configuration that cannot work stops gunicorn with one line naming the setting.
"""

import sys

from . import create_app
from .config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Recovery cannot start: {error.message}")
