"""The JSON API under /api/v1: bearer tokens, the web pages' role rules, the same services.

Modules: auth.py finds the caller, operations.py declares each operation once (route, roles,
pydantic models), schemas.py holds the models, spec.py writes the OpenAPI document from them,
and patient.py, clinic.py, staff.py hold the operations of each role.
"""

from ..extensions import csrf
from . import auth, clinic, patient, spec, staff  # noqa: F401  (each registers its operations)
from .blueprint import bp

csrf.exempt(bp)  # no session cookie is used, so there is nothing to forge

__all__ = ["bp"]
