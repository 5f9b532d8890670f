"""The connection the text channel hands its messages to: Twilio's Programmable Messaging REST
API (POST /2010-04-01/Accounts/{sid}/Messages.json), or `flask sms-sink` speaking the same.

One HTTP session per dispatcher run (keep-alive: a TCP and TLS handshake per text would cost
more than the text). Twilio answers each refusal with a JSON body naming its error code:
21610 (the number replied STOP) is final and marks the number opted out; a number that can
never take a text (21211 not a valid number, 21614 not a mobile) is final too and pauses the
patient's texts. A 429, a 5xx or a time-out is an ordinary failure, retried with the outbox's
back-off. A server that cannot even be connected to is Unreachable: the run's other texts
wait for the next run, untried.

The one gap, as with e-mail's crash window: a time-out after the provider accepted the text
(its answer was lost or late) is retried, and the patient then gets a second copy; Twilio's
Messages API has no idempotency key to stop it. SMS_TIMEOUT (10 s) keeps it rare.
"""

import requests
from flask import current_app

from .channels import Refused, Unreachable

OPTED_OUT = 21610
UNTEXTABLE = {21211, 21614, 21612, 21408}  # invalid, not a mobile, unreachable route, region


def configured(config=None) -> bool:
    """Is a provider account set up (sid, token and a sender)? Without one no text is planned."""
    config = config or current_app.config
    return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")
                and (config.get("TWILIO_FROM") or config.get("TWILIO_MESSAGING_SERVICE_SID")))


class Client:
    """One HTTP session to the provider for a dispatcher run."""

    def __init__(self):
        config = current_app.config
        self.url = (f"{config['TWILIO_API_BASE'].rstrip('/')}/2010-04-01/Accounts/"
                    f"{config['TWILIO_ACCOUNT_SID']}/Messages.json")
        self.sender = ({"MessagingServiceSid": config["TWILIO_MESSAGING_SERVICE_SID"]}
                       if config.get("TWILIO_MESSAGING_SERVICE_SID") else {"From": config["TWILIO_FROM"]})
        self.timeout = float(config["SMS_TIMEOUT"])
        self.session = requests.Session()
        self.session.auth = (config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"])
        self.down = False

    def send(self, to: str, body: str, status_callback: str) -> str:
        """Hand one text over; returns the provider's message sid."""
        if self.down:
            raise Unreachable("the text provider could not be reached in this run", tried=False)
        data = {"To": to, "Body": body, "StatusCallback": status_callback, **self.sender}
        try:
            response = self.session.post(self.url, data=data, timeout=self.timeout)
        except requests.ConnectionError as error:
            if isinstance(error, requests.ConnectTimeout) or "Connection refused" in str(error) \
                    or "Failed to establish" in str(error):
                self.down = True
                raise Unreachable(f"{type(error).__name__}: {error}", tried=True) from error
            raise
        if response.status_code in (200, 201):
            return response.json()["sid"]
        code, message = _error(response)
        if code == OPTED_OUT or code in UNTEXTABLE:
            raise Refused(f"{response.status_code} {code}: {message}", code)
        raise RuntimeError(f"the text provider answered {response.status_code} ({code}: {message})")

    def close(self) -> None:
        self.session.close()


def _error(response) -> tuple[int | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200]
    code = body.get("code")
    number = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
    return number, str(body.get("message", ""))
