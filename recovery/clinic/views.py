"""Clinician pages: who needs attention, and each patient's record (every view audited)."""

from flask import Blueprint, render_template

from ..access import restrict_blueprint

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
restrict_blueprint(bp, "clinician")


@bp.route("/")
def home():
    return render_template("clinic/home.html")
