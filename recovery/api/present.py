"""Records as the API shows them: plain response models, times in UTC with their offset."""

from . import schemas


def procedure(item) -> schemas.Procedure:
    return schemas.Procedure(
        id=item.id, type=item.type, performed_at=item.performed_at, levels=item.level_list,
        fracture_cause=item.fracture_cause, anaesthesia=item.anaesthesia, setting=item.setting,
        baseline_pain=item.baseline_pain,
        cement_volume_ml=float(item.cement_volume_ml) if item.cement_volume_ml is not None else None,
        cement_leakage=item.cement_leakage,
    )


def checkin(item) -> schemas.CheckIn:
    return schemas.CheckIn(
        id=item.id, procedure_id=item.procedure_id, local_date=item.local_date, pain_now=item.pain_now,
        worst_pain=item.worst_pain, walking_level=item.walking_level, minutes_upright=item.minutes_upright,
        medication=item.medication, sleep_disturbed=item.sleep_disturbed, flag_neuro=item.flag_neuro,
        flag_chest=item.flag_chest, flag_infection=item.flag_infection, flag_calf=item.flag_calf,
        complete=item.complete, missing=item.missing, red_flags=item.red_flags, note=item.note,
        is_72h_check=item.is_72h_check,
        entered_by_staff=item.entered_by_id is not None, created_at=item.created_at,
        updated_at=item.updated_at,
    )


def urgent(guidance) -> schemas.Urgent | None:
    if guidance is None:
        return None
    return schemas.Urgent(
        action=guidance.action, title=guidance.title, message=guidance.message, then=guidance.then,
        after=guidance.after, phone_day=guidance.phone_day, phone_after_hours=guidance.phone_after_hours,
        flags=guidance.flags, flag_labels=guidance.flag_labels, not_watched=guidance.not_watched,
    )


def appointment(item) -> schemas.Appointment:
    return schemas.Appointment(
        id=item.id, patient_id=item.patient_id, procedure_id=item.procedure_id, kind=item.kind,
        status=item.status, scheduled_for=item.scheduled_for, revision=item.revision,
    )


def message(item) -> schemas.Message:
    return schemas.Message(
        id=item.id, kind=item.kind, title=item.title, sent_at=item.sent_at, unread=item.unread,
        appointment_at=item.appointment_at,
    )


def patient_summary(item) -> schemas.PatientSummary:
    return schemas.PatientSummary(
        id=item.id, name=item.name, record_number=item.record_number, discharged=item.discharged,
        procedure_type=item.procedure_type, days_since_procedure=item.days_since_procedure,
        baseline_pain=item.baseline_pain, pain_now=item.pain_now, pain_date=item.pain_date,
        change=item.change, responder=item.responder, status=item.status, open_alerts=item.open_alerts,
        urgent=item.urgent, last_checkin=item.last_checkin,
    )


def alert(item, description) -> schemas.Alert:
    return schemas.Alert(
        id=item.id, patient_id=item.patient_id, checkin_id=item.checkin_id, kind=item.kind,
        detail=item.detail, severity=item.severity, description=str(description),
        created_at=item.created_at, acknowledged_at=item.acknowledged_at,
        acknowledged_by=item.acknowledged_by.display_name if item.acknowledged_by else None,
        note=item.note,
    )
