"""Staff pages: enrolment, procedures, contact and scheduling data."""

from flask import Blueprint, render_template

from ..access import restrict_blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")
restrict_blueprint(bp, "staff")


@bp.route("/")
def home():
    return render_template("staff/home.html")
