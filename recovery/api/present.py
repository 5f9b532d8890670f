"""Records as the API shows them: each row read by its response model (`from_attributes`), times in
UTC with their offset. Only the values a row does not hold under the field's name are given here."""

from . import schemas


def _shown(schema, item, **computed):
    """`item` as `schema`: every field read from the attribute of its name, except those in `computed`."""
    if not computed:
        return schema.model_validate(item)
    values = {name: getattr(item, name) for name in schema.model_fields if name not in computed}
    return schema.model_validate({**values, **computed})


def procedure(item) -> schemas.Procedure:
    return _shown(schemas.Procedure, item, levels=item.level_list)


def checkin(item) -> schemas.CheckIn:
    return _shown(schemas.CheckIn, item, entered_by_staff=item.entered_by_id is not None)


def urgent(guidance) -> schemas.Urgent | None:
    return None if guidance is None else _shown(schemas.Urgent, guidance)


def appointment(item) -> schemas.Appointment:
    return _shown(schemas.Appointment, item)


def message(item) -> schemas.Message:
    return _shown(schemas.Message, item)


def patient_summary(item) -> schemas.PatientSummary:
    return _shown(schemas.PatientSummary, item)


def alert(item, description) -> schemas.Alert:
    return _shown(schemas.Alert, item, description=str(description),
                  acknowledged_by=item.acknowledged_by.display_name if item.acknowledged_by else None)
