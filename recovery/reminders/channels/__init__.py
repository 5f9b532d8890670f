"""The delivery channels: one module each, and the one registry every other part reads.

A channel is a module (or any object) with:

- `name`: the code stored in `reminders.channel` (at most 8 characters);
- `label`: what pages call it (lazy, translated when shown);
- `patient_facing`: it reaches the patient. The rules plan every patient reminder on each such
  channel the patient is `reachable` on, and quiet hours hold it;
- `local`: it delivers by writing rows in this database, in the transaction that marks its
  batch sent (a crash rolls back both). Otherwise a hand-over leaves the database and each
  is committed as sent right after it (see delivery.py);
- `reachable(contact) -> bool`: can this patient be reached on it? `contact` is the patient's
  row (every `patients` column, with the account's `email`, `active` and `display_name`: see
  rows.CONTACT), as the facts loader reads it. Channels that do not face the patient say False;
- `prepare(rows, now) -> list`: for each claimed row (rows.reminders), what to hand over, or
  the exception building it raised (that row's attempt fails). It may write rows in the
  session (check-in links): they are committed before any hand-over;
- `hand_over(run, item)`: deliver one item, returning the id the service gave the message (an
  e-mail's Message-ID, a text's sid; None for a local channel), kept as the ledger's "sent"
  step (reminders/ledger.py); raise to have it retried with back-off. A channel
  whose service cannot be reached raises Unreachable: its other rows wait for the next run,
  with no attempt counted. A hand-over its service refused for good raises Refused: the row
  fails at once, never retried. `run.connection(key, open)` keeps one connection per run.

Registering a channel (`register`) is all it takes for the rules to plan it, the dispatcher to
deliver it, the pages to name it and the CHECK constraint on `reminders.channel` to allow it
(a change in that constraint's text needs a migration, like any change to the schema).
"""

from collections.abc import Iterable

from sqlalchemy import CheckConstraint

from ...models import Reminder

REGISTRY: dict = {}  # name -> channel, in the order pages list them
LABELS: dict = {}  # name -> label (the staff templates read it as labels.CHANNELS)
_check: list[CheckConstraint] = []


class Unreachable(Exception):  # noqa: N818 - reads as what happened: the service was unreachable
    """A channel's service could not be reached. `tried`: this hand-over was attempted (and
    counts as a failed attempt); False when the run already knew and did not try."""

    def __init__(self, message: str, tried: bool):
        super().__init__(message)
        self.tried = tried


class Refused(Exception):  # noqa: N818 - reads as what happened: the service refused for good
    """The service refused this hand-over for good (a number that opted out, or can never take
    a message): the row fails at once. `code`: the service's error code; `settle(now)`: what
    to record about it (in the session, committed with the failure), if anything."""

    def __init__(self, message: str, code: int | None = None, settle=None):
        super().__init__(message)
        self.code, self.settle = code, settle


def register(channel) -> None:
    """Add (or replace) a channel; the constraint on reminders.channel follows the registry."""
    if len(channel.name) > Reminder.__table__.c.channel.type.length:
        raise ValueError(f"channel name {channel.name!r} is longer than the column")
    REGISTRY[channel.name] = channel
    LABELS[channel.name] = channel.label
    _constrain()


def unregister(name: str) -> None:
    """Remove a channel (a test's own, when it is done)."""
    REGISTRY.pop(name, None)
    LABELS.pop(name, None)
    _constrain()


def _constrain() -> None:
    """The CHECK constraint on reminders.channel: exactly the registered names."""
    table = Reminder.__table__
    if _check:
        table.constraints.discard(_check.pop())
    names = ", ".join(repr(name) for name in REGISTRY)
    _check.append(CheckConstraint(f"channel IN ({names})", name="channel"))
    table.append_constraint(_check[0])


def get(name: str):
    return REGISTRY[name]


def names() -> tuple[str, ...]:
    return tuple(REGISTRY)


def patient_facing() -> Iterable:
    return [channel for channel in REGISTRY.values() if channel.patient_facing]


def reachable_on(contact) -> tuple[str, ...]:
    """The patient-facing channels this patient (a rows.CONTACT row) can be reached on."""
    return tuple(channel.name for channel in patient_facing() if channel.reachable(contact))


def _register_builtins() -> None:
    from . import clinic, email, in_app, sms, staff

    for channel in (email, in_app, staff, clinic, sms):  # the constraint's order in the migrations
        register(channel)


_register_builtins()
