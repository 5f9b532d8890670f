"""A development stand-in for Twilio's Programmable Messaging API (`flask sms-sink`): nothing
leaves the machine.

It speaks the subset the text channel uses: POST /2010-04-01/Accounts/{sid}/Messages.json with
HTTP basic auth (the account sid and auth token), answering 201 with the message's sid. Each
accepted message is saved as JSON under its folder (instance/sms/) and printed; its status
callbacks follow, signed like Twilio's (X-Twilio-Signature): queued, sent, delivered, or for a
number configured to fail, queued, sent and undelivered/failed with that Twilio error code.

On demand it misbehaves as a real provider can: it answers slowly (`delay` seconds a message),
answers 429 to every `throttle_every`-th message, and refuses numbers with an error code (21610:
the number opted out; 21211: not a valid number).

Control endpoints, for people and tests:
- POST /_sink/reply (From, Body, optional OptOutType): a patient's text, posted to the app's
  inbound webhook signed like Twilio; the app's TwiML answer is saved as a reply and returned;
- GET /_sink/messages: every message saved so far (JSON);
- POST /_sink/config (JSON: delay, throttle_every, fail, refuse): change the behaviour.
"""

import base64
import itertools
import json
import os
import queue
import re
import secrets
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs
from xml.etree import ElementTree  # nosec B405 - parses the app's own TwiML answer

import requests
from twilio.request_validator import RequestValidator

MESSAGES = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
FAILED_STATUS = {30003: "undelivered", 30005: "undelivered", 30006: "undelivered", 30007: "undelivered"}


class Sink:
    """The sink's state: its account, behaviour, folder and the callbacks waiting to be posted."""

    def __init__(self, folder: str, account_sid: str, auth_token: str, inbound_url: str | None = None,
                 delay: float = 0.0, throttle_every: int = 0, fail: dict | None = None,
                 refuse: dict | None = None, callbacks: bool = True):
        self.folder, self.account_sid, self.auth_token = folder, account_sid, auth_token
        self.inbound_url, self.delay, self.throttle_every = inbound_url, delay, throttle_every
        self.fail, self.refuse = dict(fail or {}), dict(refuse or {})
        self.callbacks = callbacks
        self.validator = RequestValidator(auth_token)
        self._requests = itertools.count(1)
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self.outbox: queue.Queue = queue.Queue()
        self.http = requests.Session()
        os.makedirs(folder, exist_ok=True)

    def authorised(self, header: str | None, sid: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return sid == self.account_sid and secrets.compare_digest(header or "", f"Basic {expected}")

    def save(self, record: dict) -> str:
        with self._lock:
            name = f"{time.time():.6f}-{next(self._numbers)}.json"
        with open(os.path.join(self.folder, name), "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        return name

    def messages(self) -> list[dict]:
        found = []
        for name in sorted(os.listdir(self.folder), key=_order):
            if name.endswith(".json"):
                with open(os.path.join(self.folder, name), encoding="utf-8") as f:
                    found.append(json.load(f))
        return found

    def accept(self, form: dict) -> tuple[int, dict]:
        """One message request: the status code and JSON body a provider would answer."""
        if self.delay:
            time.sleep(self.delay)
        n = next(self._requests)
        if self.throttle_every and n % self.throttle_every == 0:
            return 429, {"code": 20429, "message": "Too Many Requests", "status": 429}
        to = form.get("To", "")
        if not to or not form.get("Body"):
            return 400, {"code": 21602, "message": "Message body and To are required", "status": 400}
        if to in self.refuse:
            code = int(self.refuse[to])
            words = ("Attempt to send to unsubscribed recipient" if code == 21610
                     else "Invalid 'To' Phone Number")
            return 400, {"code": code, "message": words, "status": 400}
        sid = "SM" + secrets.token_hex(16)
        sender = form.get("From") or form.get("MessagingServiceSid", "")
        record = {"sid": sid, "direction": "outbound-api", "to": to, "from": sender, "body": form["Body"],
                  "status_callback": form.get("StatusCallback"), "at": datetime.now(UTC).isoformat()}
        name = self.save(record)
        print(f"text to {to}: {form['Body']}  ({name})", flush=True)
        callback = form.get("StatusCallback")
        if callback and self.callbacks:
            base = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid, "To": to,
                    "From": sender,
                    "ApiVersion": "2010-04-01"}
            code = self.fail.get(to)
            last = [("delivered", None)] if code is None else [(FAILED_STATUS.get(int(code), "failed"), code)]
            for status, error in [("queued", None), ("sent", None), *last]:
                params = {**base, "MessageStatus": status, "SmsStatus": status}
                if error is not None:
                    params["ErrorCode"] = str(error)
                self.outbox.put((callback, params))
        return 201, {"sid": sid, "account_sid": self.account_sid, "to": to, "from": sender,
                     "body": form["Body"],
                     "status": "queued", "num_segments": "1", "api_version": "2010-04-01",
                     "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}

    def post_signed(self, url: str, params: dict) -> requests.Response:
        signature = self.validator.compute_signature(url, params)
        return self.http.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)

    def deliver_callbacks(self) -> None:
        """Post the status callbacks in order, one at a time (a thread of its own)."""
        while True:
            url, params = self.outbox.get()
            try:
                self.post_signed(url, params)
            except requests.RequestException as error:
                print(f"status callback to {url} failed: {error}", flush=True)
            finally:
                self.outbox.task_done()

    def reply(self, form: dict) -> tuple[int, dict]:
        """A patient's text to the clinic, posted to the app's inbound webhook like Twilio would."""
        if not self.inbound_url:
            return 400, {"message": "no inbound URL configured (--inbound-url)"}
        sid = "SM" + secrets.token_hex(16)
        params = {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": self.account_sid,
                  "From": form.get("From", ""), "To": form.get("To", "+15005550006"),
                  "Body": form.get("Body", ""),
                  "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01",
                  **({"OptOutType": form["OptOutType"]} if form.get("OptOutType") else {})}
        if form.get("MessageSid"):
            params["MessageSid"] = params["SmsSid"] = form["MessageSid"]
        response = self.post_signed(self.inbound_url, params)
        answers = []
        if response.status_code == 200 and response.text.strip():
            root = ElementTree.fromstring(response.text)  # noqa: S314  # nosec B314 - the app's own answer
            answers = [m.text or "" for m in root.iter("Message")]
        for body in answers:
            self.save({"sid": "SM" + secrets.token_hex(16), "direction": "reply", "to": params["From"],
                       "from": params["To"], "body": body, "in_reply_to": params["MessageSid"],
                       "at": datetime.now(UTC).isoformat()})
            print(f"reply to {params['From']}: {body}", flush=True)
        return 200, {"status": response.status_code, "message_sid": params["MessageSid"], "replies": answers}

    def configure(self, settings: dict) -> None:
        for key in ("delay", "throttle_every", "fail", "refuse", "callbacks"):
            if key in settings:
                setattr(self, key, settings[key])


def _order(name: str) -> tuple:
    stamp, _, rest = name.partition("-")
    return float(stamp or 0), int(rest.split(".")[0] or 0)


def _handler(sink: Sink):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the channel sends many texts on one connection
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def _answer(self, status: int, body) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a time-out)
                self.close_connection = True

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _form(self) -> dict:
            return {k: v[0] for k, v in parse_qs(self._body().decode(), keep_blank_values=True).items()}

        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path == "/_sink/messages":
                return self._answer(200, sink.messages())
            return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})

        def do_POST(self):  # noqa: N802 - http.server's name
            match = MESSAGES.match(self.path.split("?")[0])
            if match:
                form = self._form()
                if not sink.authorised(self.headers.get("Authorization"), match.group(1)):
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return self._answer(*sink.accept(form))
            if self.path == "/_sink/reply":
                return self._answer(*sink.reply(self._form()))
            if self.path == "/_sink/config":
                sink.configure(json.loads(self._body() or b"{}"))
                return self._answer(200, {"ok": True})
            self._body()
            return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})

    return Handler


def start(port: int, sink: Sink, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """The sink serving on host:port in background threads (its callbacks in one more)."""
    server = ThreadingHTTPServer((host, port), _handler(sink))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Thread(target=sink.deliver_callbacks, daemon=True).start()
    return server


def serve(port: int, sink: Sink) -> None:
    """Run the sink on 127.0.0.1:`port` until interrupted (or SIGTERM)."""
    from .devmail import stopped_by_sigterm, wait_forever

    with stopped_by_sigterm():
        server = start(port, sink)
        try:
            slow = f", {sink.delay:g} s a message" if sink.delay else ""
            print(f"SMS sink on 127.0.0.1:{port} (account {sink.account_sid}), saving to {sink.folder}{slow}",
                  flush=True)
            wait_forever()
        finally:
            server.shutdown()
