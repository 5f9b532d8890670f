"""Matrix rows for Twilio's webhooks: the signature, not the session, decides (none here: 403)."""

from . import Row, everyone

ROWS = [
    Row("/sms/inbound", "POST", "/sms/inbound", everyone(403)),
    Row("/sms/status", "POST", "/sms/status?r={reminder_a}", everyone(403)),
]
