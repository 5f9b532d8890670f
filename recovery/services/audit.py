"""Audit trail: every clinician or staff view of a patient's record and every change to one."""

from flask import has_request_context, request

from ..extensions import db
from ..models import AuditEvent


def record(actor, action: str, patient=None, now=None, detail: str | None = None) -> AuditEvent:
    """Append one audit event; the caller's commit makes it permanent with the change itself."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        patient_id=patient.id if patient is not None else None,
        ip_address=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    if now is not None:
        event.at = now
    db.session.add(event)
    db.session.flush()
    return event
