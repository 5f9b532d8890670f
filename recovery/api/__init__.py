"""The JSON API under /api/v1: bearer tokens, the web pages' role rules, the same services.

Modules: auth.py finds the caller, operations.py declares each operation once (route, roles,
pydantic models), schemas.py holds the models, spec.py writes the OpenAPI document from them,
and patient.py, clinic.py, staff.py hold the operations of each role.
"""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import auth, clinic, patient, spec, staff  # noqa: E402, F401  (each registers its operations)

csrf.exempt(bp)  # no session cookie is used, so there is nothing to forge

__all__ = ["bp"]
