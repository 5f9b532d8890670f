"""The inbound-text and status-callback webhooks (services/texting.py does the work)."""

from flask import Response, abort, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from ..extensions import db
from ..models import utcnow
from ..services import texting
from . import bp

MAX_BODY = 16 * 1024  # Twilio posts a few hundred bytes; anything this large is not Twilio


def _signed_params() -> dict:
    """The posted parameters, once the body's size and Twilio's signature over them are checked
    (413 or 403 otherwise, before anything is written)."""
    if (request.content_length or 0) > MAX_BODY:  # a chunked body is held to it as it is read
        current_app.logger.warning("texting webhook %s refused: body of %s bytes", request.path,
                                   request.content_length)
        abort(413)
    request.max_content_length = MAX_BODY
    params = request.form.to_dict()
    query = request.query_string.decode()
    url = current_app.config["BASE_URL"] + request.path + (f"?{query}" if query else "")
    if not texting.valid_signature(url, params, request.headers.get("X-Twilio-Signature")):
        current_app.logger.warning("texting webhook %s refused: missing or wrong X-Twilio-Signature from %s",
                                   request.path, request.remote_addr)
        abort(403)
    return params


@bp.route("/inbound", methods=["POST"])
def inbound():
    """A text a patient (or anyone) sent to the clinic's number; the answer goes back as TwiML."""
    params = _signed_params()
    reply = texting.handle_inbound(params, utcnow())
    db.session.commit()
    answer = MessagingResponse()
    if reply:
        answer.message(reply)
    return Response(str(answer), mimetype="text/xml")


@bp.route("/status", methods=["POST"])
def status():
    """Twilio's report on one of our texts (queued, sent, delivered, undelivered, failed)."""
    params = _signed_params()
    texting.record_status(request.args.get("r"), params, utcnow())
    db.session.commit()
    return Response("", status=200)
