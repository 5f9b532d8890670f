"""FHIR export: one patient's record as a FHIR R4 Bundle for an EHR, built with fhir.resources.

Every resource is constructed as a `fhir.resources.R4B` model, so a malformed one fails here,
not in the receiving system. The Bundle is a `collection` whose entries link to each other by
`urn:uuid:` ids derived from the record (uuid5), so exporting the same record twice gives the
same ids and a receiver can de-duplicate.

Outcome questionnaires (issue 21): each answered one is a QuestionnaireResponse pointing at the
instrument's own canonical URL (recovery/instruments/*.json) plus, when it has a score, an
Observation of that score. No LOINC code is claimed for these scores: none for the RMDQ-24 total
(or the other instruments' scores) could be found and checked in published LOINC material, so the
score Observation is coded in Recovery's own code system OUTCOME_SCORE_SYSTEM (README,
"Exports"), code = the instrument's key. Both carry the time point (TIME_POINT_EXTENSION).

Codes: the pain score is LOINC 72514-3 (0-10 numeric rating, patient-reported). Procedures carry
the CPT code of their first level (vertebroplasty 22510 thoracic / 22511 lumbar, kyphoplasty
22513 / 22514) and the vertebral levels as body sites in plain text: no SNOMED codes are
claimed that we have not checked. Recovery's own answers (walking level, medication, alert
kinds) use code systems under BASE_URL.
"""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from .. import vocabulary
from ..extensions import db
from ..models import Alert, Appointment, CheckIn, Patient, utcnow
from ..models import QuestionnaireResponse as Answered
from . import audit, questionnaires
from .alerts import FLAG_LABELS
from .checkins import WALKING_LEVELS
from .errors import NotFound
from .triage import KIND_LABELS

LOINC = "http://loinc.org"
# Recovery's own code system for outcome scores, and its time points: URNs, as every canonical
# URL of Recovery's (README, "Outcome questionnaires"), so they are the same in every clinic.
OUTCOME_SCORE_SYSTEM = "urn:recovery:outcome-score"
TIME_POINT_SYSTEM = "urn:recovery:time-point"
TIME_POINT_EXTENSION = "urn:recovery:extension:time-point"
UCUM = "http://unitsofmeasure.org"
CPT = "http://www.ama-assn.org/go/cpt"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
# (type, region) -> CPT code for the first level; each further level has an add-on code.
CPT_CODES = {
    ("vertebroplasty", "T"): ("22510", "Percutaneous vertebroplasty, 1 vertebral body, cervicothoracic"),
    ("vertebroplasty", "L"): ("22511", "Percutaneous vertebroplasty, 1 vertebral body, lumbosacral"),
    ("kyphoplasty", "T"): ("22513", "Percutaneous vertebral augmentation (kyphoplasty), thoracic"),
    ("kyphoplasty", "L"): ("22514", "Percutaneous vertebral augmentation (kyphoplasty), lumbar"),
}
ADD_ON = {"vertebroplasty": "22512", "kyphoplasty": "22515"}
APPOINTMENT_STATUS = {"scheduled": "booked", "completed": "fulfilled", "cancelled": "cancelled",
                      "missed": "noshow"}
# FHIR wants an end for a booked visit; Recovery stores no visit length, so assume this one.
VISIT_LENGTH = timedelta(minutes=30)
QUESTIONS = (  # linkId, type, text
    ("pain_now", "integer", "Pain now (0 no pain, 10 worst imaginable)"),
    ("worst_pain", "integer", "Worst pain in the last 24 hours (0-10)"),
    ("walking_level", "choice", "How far can you walk?"),
    ("minutes_upright", "integer", "How many minutes can you stand or sit upright at a time?"),
    ("medication", "choice", "Pain medication in the last 24 hours"),
    ("sleep_disturbed", "boolean", "Did pain disturb your sleep?"),
    ("flag_neuro", "boolean", FLAG_LABELS["flag_neuro"]),
    ("flag_chest", "boolean", FLAG_LABELS["flag_chest"]),
    ("flag_infection", "boolean", FLAG_LABELS["flag_infection"]),
    ("flag_calf", "boolean", FLAG_LABELS["flag_calf"]),
    ("note", "text", "Anything else you want the clinic to know"),
)


def patient_bundle(patient_id, now: datetime | None = None) -> dict:
    """The patient's record as a JSON-ready FHIR Bundle; NotFound if there is no such patient."""
    patient = db.session.get(Patient, patient_id) if isinstance(patient_id, int) else None
    if patient is None:
        raise NotFound(patient_id)
    with force_locale("en"):  # codes' display texts stay in one language, whoever exports
        return _Builder(patient, now or utcnow()).bundle().model_dump(mode="json", exclude_none=True)


def export_bundle(patient_id, viewer, now: datetime) -> dict:
    """The Bundle for `viewer`, written to the audit trail first: an export is a view of the record."""
    bundle = patient_bundle(patient_id, now)
    audit.record(viewer, "patient.export_fhir", db.session.get(Patient, patient_id), now)
    return bundle


class _Builder:
    """Turns one patient's rows into FHIR resources that reference each other."""

    def __init__(self, patient: Patient, now: datetime):
        self.patient = patient
        self.now = now
        self.base = current_app.config["BASE_URL"].rstrip("/")
        self.zone = ZoneInfo(patient.timezone)
        self.entries: list[dict] = []

    def ref(self, kind: str, key) -> str:
        return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.base}/fhir/{kind}/{key}"))

    def when(self, value: datetime) -> str:
        """A UTC time as ISO 8601 in the patient's zone, with its offset."""
        return value.astimezone(self.zone).isoformat(timespec="seconds")

    def add(self, resource, url: str) -> None:
        self.entries.append({"fullUrl": url, "resource": resource})

    def system(self, name: str) -> str:
        return f"{self.base}/fhir/CodeSystem/{name}"

    @property
    def questionnaire_url(self) -> str:
        return f"{self.base}/fhir/Questionnaire/daily-checkin"

    def bundle(self) -> Bundle:
        patient = self.patient
        self.add(self.patient_resource(), self.ref("Patient", patient.id))
        for procedure in patient.procedures:
            self.add(self.procedure_resource(procedure), self.ref("Procedure", procedure.id))
        self.add(self.questionnaire(), self.questionnaire_url)
        checkins = db.session.scalars(
            select(CheckIn).where(CheckIn.patient_id == patient.id).order_by(CheckIn.local_date))
        for checkin in checkins:
            self.add(self.response(checkin), self.ref("QuestionnaireResponse", checkin.id))
            if checkin.pain_now is not None:  # no observation of a pain that was not reported
                self.add(self.pain(checkin), self.ref("Observation", checkin.id))
        answered = db.session.scalars(
            select(Answered).where(Answered.patient_id == patient.id)
            .order_by(Answered.submitted_at, Answered.id))
        defined = questionnaires.catalogue()
        for response in answered:
            definition = defined.get(response.instrument)
            self.add(self.outcome_response(response, definition),
                     self.ref("QuestionnaireResponse", f"outcome-{response.id}"))
            if response.score is not None:  # an ODI with too many sections missing has no score
                self.add(self.outcome_score(response, definition),
                         self.ref("Observation", f"outcome-{response.id}"))
        appointments = db.session.scalars(
            select(Appointment).where(Appointment.patient_id == patient.id)
            .order_by(Appointment.scheduled_for, Appointment.id))
        for appointment in appointments:
            self.add(self.appointment(appointment), self.ref("Appointment", appointment.id))
        alerts = db.session.scalars(
            select(Alert).where(Alert.patient_id == patient.id, Alert.acknowledged_at.is_(None))
            .order_by(Alert.created_at, Alert.id))
        for alert in alerts:
            self.add(self.flag(alert), self.ref("Flag", alert.id))
        return Bundle(type="collection", timestamp=self.when(self.now),
                      identifier={"system": f"{self.base}/fhir/export", "value": str(uuid.uuid4())},
                      entry=self.entries)

    def subject(self) -> dict:
        return {"reference": self.ref("Patient", self.patient.id)}

    def patient_resource(self) -> FhirPatient:
        patient = self.patient
        telecom = [{"system": "phone", "value": patient.phone, "use": "home"}]
        if patient.email:
            telecom.append({"system": "email", "value": patient.email})
        contact = []
        if patient.caregiver_name:
            contact.append({
                "relationship": [{"text": "Caregiver"}], "name": {"text": patient.caregiver_name},
                "telecom": [{"system": "phone", "value": patient.caregiver_phone}]
                if patient.caregiver_phone else None,
            })
        return FhirPatient(
            identifier=[{"system": f"{self.base}/fhir/record-number", "value": patient.record_number}],
            active=not patient.discharged, name=[{"text": patient.name}], telecom=telecom,
            birthDate=patient.date_of_birth.isoformat(), contact=contact or None,
            communication=[{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                     "code": patient.preferred_language}]},
                            "preferred": True}],
        )

    def procedure_resource(self, procedure) -> FhirProcedure:
        levels = procedure.level_list
        code, display = CPT_CODES[(procedure.type, "L" if levels[0].startswith("L") else "T")]
        codings = [{"system": CPT, "code": code, "display": display}]
        if len(levels) > 1:
            codings.append({"system": CPT, "code": ADD_ON[procedure.type],
                            "display": f"Each additional vertebral body ({len(levels) - 1})"})
        return FhirProcedure(
            status="completed", subject=self.subject(),
            code={"coding": codings, "text": str(vocabulary.PROCEDURE_TYPES[procedure.type])},
            performedDateTime=self.when(procedure.performed_at),
            bodySite=[{"text": f"Vertebra {level}"} for level in levels],
            reasonCode=[{"text": "Vertebral fracture; cause: "
                         f"{str(vocabulary.FRACTURE_CAUSES[procedure.fracture_cause]).lower()}"}],
            complication=[{"text": "Cement leakage"}] if procedure.cement_leakage else None,
            note=[{"text": procedure.notes}] if procedure.notes else None,
        )

    def questionnaire(self) -> Questionnaire:
        items = []
        for link_id, kind, text in QUESTIONS:
            item = {"linkId": link_id, "type": kind, "text": str(text), "required": link_id != "note"}
            if link_id == "pain_now":
                item["code"] = [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}]
            if link_id == "walking_level":
                item["answerOption"] = [{"valueCoding": self.walking(level)} for level in WALKING_LEVELS]
            if link_id == "medication":
                item["answerOption"] = [{"valueCoding": self.medication(m)} for m in vocabulary.MEDICATION]
            items.append(item)
        return Questionnaire(url=self.questionnaire_url, version="1", name="RecoveryDailyCheckIn",
                             title="Daily check-in after vertebroplasty or kyphoplasty",
                             status="active", subjectType=["Patient"], item=items)

    def walking(self, level: int) -> dict:
        return {"system": self.system("walking-level"), "code": str(level),
                "display": str(WALKING_LEVELS[level])}

    def medication(self, value: str) -> dict:
        return {"system": self.system("medication"), "code": value,
                "display": str(vocabulary.MEDICATION[value])}

    def response(self, checkin: CheckIn) -> QuestionnaireResponse:
        """The check-in's answers; an incomplete one is "in-progress" and leaves out (never
        answers "no" for) the questions not answered."""
        walking, medication = checkin.walking_level, checkin.medication
        values = {
            "pain_now": ("valueInteger", checkin.pain_now),
            "worst_pain": ("valueInteger", checkin.worst_pain),
            "walking_level": ("valueCoding", self.walking(walking) if walking is not None else None),
            "minutes_upright": ("valueInteger", checkin.minutes_upright),
            "medication": ("valueCoding", self.medication(medication) if medication is not None else None),
            "sleep_disturbed": ("valueBoolean", checkin.sleep_disturbed),
            **{flag: ("valueBoolean", getattr(checkin, flag)) for flag in FLAG_LABELS},
        }
        answers = {k: {kind: value} for k, (kind, value) in values.items() if value is not None}
        if checkin.note:
            answers["note"] = {"valueString": checkin.note}
        text = {link_id: str(words) for link_id, _, words in QUESTIONS}
        status = "completed" if checkin.complete else "in-progress"
        return QuestionnaireResponse(
            questionnaire=self.questionnaire_url, status=status, subject=self.subject(),
            authored=self.when(checkin.updated_at), source=self.subject(),
            item=[{"linkId": k, "text": text[k], "answer": [v]} for k, v in answers.items()],
        )

    def pain(self, checkin: CheckIn) -> Observation:
        return Observation(
            status="final",
            category=[{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                   "code": "survey", "display": "Survey"}]}],
            code={"coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
                  "text": "Pain now (0-10)"},
            subject=self.subject(), effectiveDateTime=self.when(checkin.updated_at),
            performer=[self.subject()], valueInteger=checkin.pain_now,
            derivedFrom=[{"reference": self.ref("QuestionnaireResponse", checkin.id)}],
            focus=[{"reference": self.ref("Procedure", checkin.procedure_id)}],
        )

    def time_point(self, response: Answered) -> list[dict]:
        """The time point an outcome answer belongs to, as an extension (FHIR has no field for it)."""
        label = vocabulary.OUTCOME_TIME_POINTS.get(response.time_point, response.time_point)
        coding = {"system": TIME_POINT_SYSTEM, "code": response.time_point, "display": str(label)}
        return [{"url": TIME_POINT_EXTENSION, "valueCoding": coding}]

    def outcome_response(self, response: Answered, definition) -> QuestionnaireResponse:
        """The answers as given: a ticked statement true, a choice its coding, a number itself;
        an item not answered (a statement left unticked) is left out, never answered for."""
        items = []
        for link_id, value in response.answers.items():
            item = definition.item(link_id) if definition is not None else None
            if isinstance(value, bool):
                answer = {"valueBoolean": value}
            elif isinstance(value, int):
                answer = {"valueInteger": value}
            else:
                option = item.option(value) if item is not None else None
                coding = ({"system": option.system, "code": option.code, "display": option.display}
                          if option is not None else {"code": str(value)})
                answer = {"valueCoding": coding}
            items.append({"linkId": link_id, "text": item.text if item is not None else None,
                          "answer": [answer]})
        # An instrument no longer defined (a drop-in removed) keeps a URN naming it.
        url = definition.url if definition else f"urn:recovery:questionnaire:{response.instrument}"
        return QuestionnaireResponse(
            extension=self.time_point(response), questionnaire=url, status="completed",
            subject=self.subject(), authored=self.when(response.updated_at), source=self.subject(),
            item=items or None,
        )

    def outcome_score(self, response: Answered, definition) -> Observation:
        title = definition.title if definition is not None else response.instrument
        score = response.score
        value = int(score) if float(score).is_integer() else score
        parts = response.score_parts or {}
        components = []  # EQ-5D-5L: the EQ VAS and the profile beside the level sum

        def part(code: str, display: str) -> dict:
            return {"coding": [{"system": OUTCOME_SCORE_SYSTEM, "code": f"{response.instrument}-{code}",
                                "display": display}]}

        if parts.get("vas") is not None:
            components.append({"code": part("vas", "EQ VAS"), "valueInteger": parts["vas"]})
        if parts.get("profile"):
            components.append({"code": part("profile", "Health profile (five levels)"),
                               "valueString": parts["profile"]})
        return Observation(
            extension=self.time_point(response), status="final",
            category=[{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                   "code": "survey", "display": "Survey"}]}],
            code={"coding": [{"system": OUTCOME_SCORE_SYSTEM, "code": response.instrument,
                              "display": f"{title} score"}], "text": f"{title} score"},
            subject=self.subject(), effectiveDateTime=self.when(response.updated_at),
            performer=[self.subject()],
            valueQuantity={"value": value, "unit": "score", "system": UCUM, "code": "{score}"},
            derivedFrom=[{"reference": self.ref("QuestionnaireResponse", f"outcome-{response.id}")}],
            focus=[{"reference": self.ref("Procedure", response.procedure_id)}],
            component=components or None,
        )

    def appointment(self, appointment: Appointment) -> FhirAppointment:
        kind = str(vocabulary.APPOINTMENT_KINDS[appointment.kind])
        participants = [{"actor": self.subject(), "status": "accepted"}]
        clinician = self.patient.clinician
        if clinician is not None:
            participants.append({"actor": {"display": clinician.display_name}, "status": "accepted"})
        return FhirAppointment(
            status=APPOINTMENT_STATUS[appointment.status],
            serviceType=[{"coding": [{"system": self.system("appointment-kind"), "code": appointment.kind}],
                          "text": kind}],
            description=kind, start=self.when(appointment.scheduled_for),
            end=self.when(appointment.scheduled_for + VISIT_LENGTH), participant=participants,
            supportingInformation=[{"reference": self.ref("Procedure", appointment.procedure_id)}],
        )

    def flag(self, alert: Alert) -> Flag:
        label = str(KIND_LABELS.get(alert.kind, alert.kind.replace("_", " ")))
        if alert.kind == "red_flag" and alert.detail in FLAG_LABELS:
            label = f"{label}: {FLAG_LABELS[alert.detail]}"
        return Flag(
            status="active",
            category=[{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/flag-category",
                                   "code": "clinical", "display": "Clinical"}]}],
            code={"coding": [{"system": self.system("alert-kind"), "code": alert.kind}],
                  "text": f"{alert.severity.capitalize()}: {label}"},
            subject=self.subject(), period={"start": self.when(alert.created_at)},
        )
