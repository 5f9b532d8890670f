"""A development SMTP sink (aiosmtpd): every message is printed and saved, nothing leaves."""

import os
import time
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


class SaveHandler:
    """Save each message to a folder and print a one-line summary."""

    def __init__(self, folder: str):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=default)
        name = f"{time.time():.6f}.eml"
        with open(os.path.join(self.folder, name), "wb") as out:
            out.write(envelope.content)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']}  ({name})", flush=True)
        return "250 Message accepted for delivery"


def serve(port: int, folder: str) -> None:
    """Run the sink on 127.0.0.1:`port` until interrupted."""
    controller = Controller(SaveHandler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"SMTP sink on 127.0.0.1:{port}, saving to {folder}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
