"""The server under load: gunicorn as README "Running in production" starts it, its workers'
memory, and signing in through the login form (CSRF token and all) for session cookies."""

from __future__ import annotations

import html
import http.client
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from support import ROOT

USER_AGENT = "bench-load/1 (wrk)"  # the same for sign-in and load: Flask-Login's "basic" check


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self) -> dict[str, str]:
        """What a TLS-terminating proxy would add, and the bench's user agent."""
        return {"X-Forwarded-Proto": "https", "User-Agent": USER_AGENT}

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except (OSError, ValueError):
            return []


@contextmanager
def gunicorn(env: dict[str, str], workers: int, log_dir: Path) -> Iterator[Server]:
    """`gunicorn --workers N --bind 127.0.0.1:<free port> 'marketplace:create_app()'` (sync
    workers, gunicorn's default 30 s timeout), ready once /healthz answers; stopped (SIGTERM,
    then SIGKILL) at the end."""
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    command = [
        sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
        f"127.0.0.1:{port}", "--error-logfile", str(log), "marketplace:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603  (gunicorn with the bench's own arguments)
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = Server(port, process, log)
    try:
        wait_ready(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(server: Server, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.process.returncode}); see {server.log}:\n"
                             + server.log.read_text(errors="replace")[-3000:])  # fmt: skip
        try:
            status, _h, _body = get(server, "/healthz")
            if status == 200 and len(server.worker_pids()) > 0:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within {timeout_s:.0f} s; see {server.log}")


def request(
    server: Server, method: str, path: str, *, cookie: str = "", body: str | None = None,
    extra: dict[str, str] | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        headers = {**server.headers(), **(extra or {})}
        if cookie:
            headers["Cookie"] = cookie
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def get(server: Server, path: str, cookie: str = "") -> tuple[int, http.client.HTTPMessage, bytes]:
    return request(server, "GET", path, cookie=cookie)


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    """name → value of every Set-Cookie (the Secure flag is the browser's business; the bench
    plays a browser on the far side of the TLS proxy)."""
    found = {}
    for raw in headers.get_all("Set-Cookie") or []:
        name, _, rest = raw.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def sign_in(server: Server, email: str, password: str) -> str:
    """The Cookie header of a signed-in session: GET /login for the CSRF token and the session
    cookie it belongs to, POST the form (with the Referer Flask-WTF's strict HTTPS check wants);
    a 303 away from /login and a new session cookie mean success."""
    status, headers, body = get(server, "/login")
    if status != 200:
        raise SystemExit(f"GET /login answered {status}")
    cookies = _cookies(headers)
    found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
        rb'value="([^"]+)"[^>]*name="csrf_token"', body
    )
    if not found:
        raise SystemExit("no csrf_token in the login form")
    form = urlencode({"csrf_token": html.unescape(found.group(1).decode()), "email": email,
                      "password": password})  # fmt: skip
    status, headers, body = request(
        server, "POST", "/login", cookie=cookie_header(cookies), body=form,
        extra={"Content-Type": "application/x-www-form-urlencoded",
               "Referer": f"https://127.0.0.1:{server.port}/login"},
    )  # fmt: skip
    cookies.update(_cookies(headers))
    if status not in (302, 303) or "/login" in (headers.get("Location") or ""):
        text_ = body.decode(errors="replace")
        hint = re.findall(r'class="[^"]*error[^"]*"[^>]*>([^<]+)<', text_)[:3]
        raise SystemExit(f"signing in as {email} failed: {status} {hint or text_[:300]}")
    return cookie_header(cookies)


@dataclass
class MemoryWatch:
    """Samples the resident memory of gunicorn's workers (VmRSS) every `every_s` seconds;
    `mark()` starts a new interval whose peak `peak()` returns."""

    server: Server
    every_s: float = 0.25
    peak_mb: float = 0.0  # over the whole run
    interval_mb: float = 0.0
    pids: set[int] = field(default_factory=set)  # every worker seen (a restart adds one)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> MemoryWatch:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every_s)

    def sample(self) -> None:
        for pid in self.server.worker_pids():
            self.pids.add(pid)
            mb = rss_mb(pid)
            self.peak_mb = max(self.peak_mb, mb)
            self.interval_mb = max(self.interval_mb, mb)

    def mark(self) -> float:
        """The peak since the last mark, and a new interval."""
        self.sample()
        peak, self.interval_mb = self.interval_mb, 0.0
        return peak


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def cpu_ticks(pids: list[int]) -> int:
    """utime + stime of the processes, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def wait_idle(server: Server, timeout_s: float = 180.0) -> float:
    """After wrk stops, the workers still answer what was queued on its connections; the next
    page waits until they are idle (under 3 ticks of CPU in 0.3 s). Returns the seconds waited."""
    started = time.monotonic()
    before = cpu_ticks(server.worker_pids())
    while time.monotonic() - started < timeout_s:
        time.sleep(0.3)
        now = cpu_ticks(server.worker_pids())
        if now - before < 3:
            break
        before = now
    return time.monotonic() - started
