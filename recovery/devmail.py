"""A development SMTP sink (aiosmtpd): every message is printed and saved, nothing leaves.

With a delay it plays a slow mail server: each message is accepted only after `delay`
seconds (each connection waits on its own, as a real server's would), to rehearse a long
dispatcher run (tests/test_reminder_lease.py).
"""

import asyncio
import itertools
import os
import time
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


class SaveHandler:
    """Save each message to a folder and print a one-line summary."""

    def __init__(self, folder: str, delay: float = 0.0):
        self.folder = folder
        self.delay = delay
        self._numbers = itertools.count(1)
        os.makedirs(folder, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=default)
        name = f"{time.time():.6f}-{next(self._numbers)}.eml"  # unique even within a microsecond
        with open(os.path.join(self.folder, name), "wb") as out:
            out.write(envelope.content)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}  ({name})", flush=True)
        return "250 Message accepted for delivery"


def serve(port: int, folder: str, delay: float = 0.0) -> None:
    """Run the sink on 127.0.0.1:`port` until interrupted (or SIGTERM)."""
    with stopped_by_sigterm():
        controller = Controller(SaveHandler(folder, delay), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            slow = f", {delay:g} s a message" if delay else ""
            print(f"SMTP sink on 127.0.0.1:{port}, saving to {folder}{slow}", flush=True)
            wait_forever()
        finally:
            controller.stop()


def stopped_by_sigterm():
    """A context for a local sink's foreground loop: SIGTERM (how `make run` stops its processes)
    ends it like Ctrl-C, from the moment the block starts, and the block ends quietly."""
    import signal
    from contextlib import suppress

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    return suppress(KeyboardInterrupt)


def wait_forever() -> None:
    """Sleep until a signal's handler raises. In short naps: the kernel may hand SIGTERM to one
    of the sink's server threads, and then the main thread only runs Python's handler when its
    sleep ends (a sink once slept on through `make run`'s stop for an hour)."""
    while True:
        time.sleep(0.2)
