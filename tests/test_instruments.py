"""Outcome questionnaires as data: each definition is read and checked at start-up, and each
instrument's score matches a hand-worked example."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from recovery.config import ConfigError
from recovery.instruments import SHIPPED, load, read
from recovery.instruments.answers import check
from recovery.instruments.definitions import parse
from recovery.instruments.scoring import score_eq5d5l, score_global_impression, score_odi, score_rmdq
from tests import instrument_definitions as build

pytestmark = pytest.mark.no_test_database
REPO = Path(__file__).resolve().parent.parent


def _instrument(data, tmp_path, name="def.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return read(path)


def _shipped(key):
    return load("/nonexistent-instance")[key]


# --- what ships, parsed back as FHIR -------------------------------------------------------------

def test_every_shipped_definition_is_a_fhir_questionnaire_with_its_source_and_terms():
    files = sorted(SHIPPED.glob("*.json"))
    assert [f.name for f in files] == ["global-impression.json", "rmdq.json"]
    for path in files:
        questionnaire = Questionnaire.model_validate_json(path.read_text())
        assert questionnaire.language == "en" and questionnaire.version
        assert "Source:" in questionnaire.description and "Languages: English only" in questionnaire.description
        assert "Terms relied on" in questionnaire.copyright or "own wording" in questionnaire.copyright


def test_the_rmdq_ships_24_statements_to_tick_none_required():
    rmdq = _shipped("rmdq")
    assert [i.link_id for i in rmdq.questions] == [str(n) for n in range(1, 25)]
    assert {i.kind for i in rmdq.questions} == {"boolean"} and not any(i.required for i in rmdq.questions)
    assert rmdq.questions[0].text == "I stay at home most of the time because of my back."
    assert rmdq.questions[23].text == "I stay in bed most of the time because of my back."
    assert "Spine 1983; 8: 141-144" in rmdq.source and "rmdq.org" in rmdq.terms


def test_the_global_impression_offers_seven_points_from_very_much_better_to_very_much_worse():
    (item,) = _shipped("global_impression").questions
    assert [o.display for o in item.options][::6] == ["Very much better", "Very much worse"]
    assert [o.points for o in item.options] == list(range(1, 8)) and item.required


# --- scoring, by hand-worked examples ------------------------------------------------------------

def test_rmdq_scores_the_statements_ticked():
    rmdq = _shipped("rmdq")
    assert score_rmdq(rmdq, {}).value == 0  # nothing ticked: 0, not "missing"
    assert score_rmdq(rmdq, {str(n): True for n in range(1, 25)}).value == 24
    assert score_rmdq(rmdq, {"1": True, "5": True, "13": True, "24": True}).value == 4


def test_global_impression_scores_the_option_chosen():
    impression = _shipped("global_impression")
    assert score_global_impression(impression, {"change": "much_better"}).value == 2
    assert score_global_impression(impression, {"change": "very_much_worse"}).value == 7


def test_odi_scores_the_sum_over_the_sections_answered(tmp_path):
    odi = _instrument(build.odi(), tmp_path)
    every = {f"s{n}": f"s{n}-{p}" for n, p in zip(range(1, 11), [3, 2, 4, 1, 0, 5, 2, 3, 1, 4], strict=True)}
    assert score_odi(odi, every).value == 50.0  # 25 / 50 x 100
    one_skipped = {k: v for k, v in every.items() if k != "s6"}  # 20 / 45 x 100 = 44.44...
    assert score_odi(odi, one_skipped).value == 44.4
    two_skipped = {k: v for k, v in one_skipped.items() if k != "s3"}  # 16 / 40 x 100
    assert score_odi(odi, two_skipped).value == 40.0
    three_skipped = {k: v for k, v in two_skipped.items() if k != "s1"}
    assert score_odi(odi, three_skipped).value is None  # more than two missing: not scored
    assert score_odi(odi, {f"s{n}": f"s{n}-5" for n in range(1, 11)}).value == 100.0


def test_eq5d5l_gives_the_profile_the_level_sum_and_the_vas(tmp_path):
    eq5d = _instrument(build.eq5d5l(), tmp_path)
    answers = {"d1": "d1-2", "d2": "d2-1", "d3": "d3-3", "d4": "d4-2", "d5": "d5-1", "vas": 70}
    result = score_eq5d5l(eq5d, answers)
    assert (result.value, result.parts) == (9, {"profile": "21321", "vas": 70})
    best = score_eq5d5l(eq5d, {f"d{n}": f"d{n}-1" for n in range(1, 6)} | {"vas": 100})
    assert (best.value, best.parts["profile"]) == (5, "11111")


# --- answers checked against the definition -----------------------------------------------------

def test_answers_are_typed_and_a_form_checkbox_counts_as_ticked():
    answers, errors = check(_shipped("rmdq"), {"3": "yes", "7": "yes", "9": ""})
    assert errors == {} and answers == {"3": True, "7": True}


@pytest.mark.parametrize("sent, item, message", [
    ({"25": "yes"}, "25", "not part of the questionnaire"),
    ({"3": "maybe"}, "3", "Tick the statement or leave it blank"),
])
def test_rmdq_answers_outside_the_definition_are_refused_by_item(sent, item, message):
    answers, errors = check(_shipped("rmdq"), sent)
    assert answers == {} and list(errors) == [item] and message in str(errors[item])


def test_a_required_question_left_out_or_an_answer_not_offered_is_refused():
    impression = _shipped("global_impression")
    assert "Answer this question" in str(check(impression, {})[1]["change"])
    assert "Choose one of the answers offered" in str(check(impression, {"change": "better"})[1]["change"])


def test_odi_with_more_than_two_sections_unanswered_is_refused_naming_them(tmp_path):
    odi = _instrument(build.odi(), tmp_path)
    eight = {f"s{n}": f"s{n}-1" for n in range(1, 9)}
    assert check(odi, eight) == (eight, {})
    answers, errors = check(odi, {f"s{n}": f"s{n}-1" for n in range(1, 8)})
    assert answers == {} and sorted(errors) == ["s10", "s8", "s9"]


def test_the_eq_vas_must_be_a_whole_number_from_0_to_100(tmp_path):
    eq5d = _instrument(build.eq5d5l(), tmp_path)
    levels = {f"d{n}": f"d{n}-1" for n in range(1, 6)}
    for bad in ("101", "-1", "7.5", "seventy"):
        assert "from 0 to 100" in str(check(eq5d, levels | {"vas": bad})[1]["vas"])
    assert check(eq5d, levels | {"vas": "0"})[0]["vas"] == 0


# --- definitions refused ------------------------------------------------------------------------

BAD_DEFINITIONS = {
    "not json": (None, "cannot be read as JSON"),
    "not a questionnaire": ({"resourceType": "Patient"}, "not a FHIR Questionnaire"),
    "bad fhir": (build.changed(build.odi(), lambda d: d.update(itemz=[])), "not a valid FHIR R4 Questionnaire"),
    "no terms": (build.changed(build.odi(), lambda d: d.pop("copyright")), "has no copyright"),
    "unknown instrument": (build.questionnaire("sf36", build.odi()["item"]), "'sf36', which Recovery cannot score"),
    "no points": (build.changed(build.odi(), lambda d: d["item"][0]["answerOption"][0].pop("extension")),
                  "needs a whole-number"),
    "nine sections": (build.changed(build.odi(), lambda d: d["item"].pop()), "the ODI needs 10 sections"),
    "vas to 10": (build.changed(build.eq5d5l(), lambda d: d["item"][5]["extension"][1].update(valueInteger=10)),
                  "the EQ VAS runs from 0 to 100"),
    "group item": (build.changed(build.odi(), lambda d: d["item"][0].update(type="group")), "has type 'group'"),
}


@pytest.mark.parametrize("case", BAD_DEFINITIONS)
def test_a_definition_recovery_cannot_use_is_refused_in_one_line_naming_the_file(tmp_path, case):
    data, message = BAD_DEFINITIONS[case]
    path = tmp_path / "clinic-odi.json"
    path.write_text("{not json" if data is None else json.dumps(data))
    with pytest.raises(ConfigError) as caught:
        read(path)
    text = str(caught.value)
    assert text.startswith(f"instrument definition {path}: ") and message in text and "\n" not in text


def test_a_clinics_licensed_drop_in_is_loaded_beside_what_ships(tmp_path):
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "odi.json").write_text(json.dumps(build.odi()))
    found = load(str(tmp_path))
    assert sorted(found) == ["global_impression", "odi", "rmdq"]
    assert found["odi"].path == str(tmp_path / "instruments" / "odi.json")


def test_a_drop_in_for_an_instrument_already_defined_is_refused(tmp_path):
    (tmp_path / "instruments").mkdir()
    (tmp_path / "instruments" / "rmdq-copy.json").write_text((SHIPPED / "rmdq.json").read_text())
    with pytest.raises(ConfigError, match="defines 'rmdq' again"):
        load(str(tmp_path))


def test_a_drop_in_recovery_cannot_score_stops_start_up_with_one_line(tmp_path):
    (tmp_path / "instruments").mkdir()
    bad = tmp_path / "instruments" / "sf36.json"
    bad.write_text(json.dumps(build.questionnaire("sf36", build.odi()["item"])))
    env = {**os.environ, "RECOVERY_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "startup-test",
           "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite"}
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "recovery", "init-db"], env=env,
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert lines == [f"Recovery cannot start: instrument definition {bad}: names instrument 'sf36', "
                     "which Recovery cannot score (it scores eq5d5l, global_impression, odi, rmdq)."]


def test_parse_reads_what_the_patient_form_needs(tmp_path):
    eq5d = parse(build.eq5d5l(), "test")
    assert [i.kind for i in eq5d.questions] == ["choice"] * 5 + ["integer"]
    assert (eq5d.item("vas").min_value, eq5d.item("vas").max_value) == (0, 100)
    assert eq5d.item("d1").option("d1-4").points == 4
