"""A real SMTP server for tests (aiosmtpd), writing accepted mail to a Maildir.

Recipients steer its answers: an address starting with `tempfail` is refused with 451 the first
time it is seen and accepted afterwards; one starting with `reject` always gets 550. Run it in a
separate process (`python -m tests.support.smtp_sink --port N --maildir DIR`) for worker tests,
or in-process with `start_sink` for unit tests.

The process writes a line to its stdout for every message it has stored; `SinkProcess` reads
them on a thread and wakes whoever waits in `wait_for(count)`, so a test waits for mail on an
event (the arrival) rather than by polling or sleeping.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


class SinkHandler:
    def __init__(self, maildir: Path, on_message: Callable[[], None] | None = None) -> None:
        self.box = mailbox.Maildir(str(maildir), create=True)
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.on_message = on_message  # called once the message is stored, before the 250

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        local = address.split("@")[0].lower()
        with self.lock:
            self.seen[address] += 1
            first = self.seen[address] == 1
        if local.startswith("reject"):
            return "550 5.1.1 Mailbox unavailable"
        if local.startswith("tempfail") and first:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.box.add(envelope.original_content or envelope.content)
            if self.on_message is not None:
                self.on_message()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sink(
    maildir: Path, port: int | None = None, on_message: Callable[[], None] | None = None
) -> Controller:
    """An in-process sink (its own thread); call `.stop()` when done."""
    handler = SinkHandler(maildir, on_message)
    controller = Controller(handler, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller


def read_maildir(maildir: Path) -> list[EmailMessage]:
    if not (maildir / "new").exists():
        return []
    messages = []
    for path in sorted((maildir / "new").iterdir()):
        messages.append(message_from_bytes(path.read_bytes(), policy=policy.default))
    return messages  # type: ignore[return-value]


class SinkProcess:
    """The sink in a separate process (it survives a worker being killed)."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self.port = free_port()
        self.arrived = threading.Condition()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.smtp_sink",
                "--port",
                str(self.port),
                "--maildir",
                str(maildir),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        self.listener = threading.Thread(target=self._listen, daemon=True)
        self.listener.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the SMTP sink did not start")

    def _listen(self) -> None:
        """One line per stored message (and end of file when the process ends): wake waiters."""
        assert self.process.stdout is not None
        for _ in iter(self.process.stdout.readline, b""):
            with self.arrived:
                self.arrived.notify_all()
        with self.arrived:
            self.arrived.notify_all()

    def messages(self) -> list[EmailMessage]:
        return read_maildir(self.maildir)

    def wait_for(
        self, count: int, timeout: float = 30, until: Callable[[], bool] | None = None
    ) -> bool:
        """Wait until at least `count` messages are stored (or `until()` is true), woken by each
        arrival; False on timeout. `until` is also checked every half second."""
        deadline = time.monotonic() + timeout

        def done() -> bool:
            return self.count() >= count or (until is not None and until())

        with self.arrived:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.arrived.wait(min(left, 0.5) if until is not None else left)
        return True

    def count(self) -> int:
        """How many messages arrived (cheap enough to poll)."""
        new = self.maildir / "new"
        return len(os.listdir(new)) if new.exists() else 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.listener.join(10)  # the pipe ends with the process
        if self.process.stdout is not None:
            self.process.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args()

    def announce() -> None:
        sys.stdout.write("stored\n")
        sys.stdout.flush()

    controller = start_sink(args.maildir, args.port, on_message=announce)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    os._exit(0)


if __name__ == "__main__":
    main()
