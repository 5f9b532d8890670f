"""A fast SMTP sink for the benchmark, run as its own process: accepts every message and, when
stopped (SIGTERM), writes the Message-ID of each one it received, one per line, to a file,
after a first line with the times of the first and the last message.

Usage: python -m bench.smtp_sink PORT OUTFILE
"""

import asyncio
import re
import signal
import sys
import time

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Collect:
    def __init__(self):
        self.ids: list[bytes] = []
        self.first = self.last = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        match = MESSAGE_ID.search(envelope.original_content or envelope.content)
        self.ids.append(match.group(1) if match else b"-")
        self.last = time.time()
        self.first = self.first or self.last
        return "250 OK"


def main() -> None:
    port, out = int(sys.argv[1]), sys.argv[2]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.new_event_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()
    with open(out, "wb") as f:
        f.write(f"{handler.first} {handler.last}\n".encode() + b"\n".join(handler.ids))


if __name__ == "__main__":
    main()
