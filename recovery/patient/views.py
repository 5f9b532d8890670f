"""Patient pages: today's check-in, history, what to expect."""

from flask import Blueprint, render_template

from ..access import restrict_blueprint

bp = Blueprint("patient", __name__, url_prefix="/patient")
restrict_blueprint(bp, "patient")


@bp.route("/")
def home():
    return render_template("patient/home.html")
