"""The pages bench/load.py drives, the check that each really answers 200 with content before it
is loaded, and the wrk runs (a Lua script: random paths from a list, non-200 answers counted,
latency percentiles from wrk's own histogram)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from load_parts.market import Market
from load_parts.server import USER_AGENT, Server, get, wait_idle

VARIED = 2_000  # paths per varied page (listing ids, pairs), drawn at random from the live ones
CHECKED = 8  # paths of a varied page checked before the load
FALUN, GAVLE_LAT_LON = "2080", ("60.67", "17.14")
DEEP_PAGE = 40
CURSOR_STEPS = 40
# Which targets a page is held to: "search" pages and APIs also to the 1M target.
SEARCH, OTHER = "search", "other"


@dataclass
class Page:
    name: str
    paths: list[str]
    kind: str = "html"  # or "json"
    auth: str = ""  # "", "firm" or "staff": whose session cookie
    group: str = SEARCH
    must_have_items: bool = True  # listing links (HTML) or features (JSON) on the page
    marker: str = ""  # text the page must contain
    counted: bool = True  # show the number of listing links / features in the report
    note: str = ""


@dataclass
class Checked:
    items: float  # mean listing links / features of the checked answers
    bytes: int  # mean body size
    problems: list[str] = field(default_factory=list)
    single_ms: float = 0.0  # median time of one checked request, the server otherwise idle


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    non200: int  # answers other than 200 (wrk's own "non-2xx/3xx" is in `status`)
    status: int
    socket_errors: int  # connect + read + write + timeout
    timeouts: int
    rss_mb: float = 0.0  # peak RSS of a web worker while this page was driven
    drain_s: float = 0.0  # until the workers were idle after wrk stopped

    @property
    def errors(self) -> int:
        return self.non200 + self.socket_errors


def pages(market: Market, firm_name: str) -> list[Page]:
    rng = np.random.default_rng(16)
    ids = [int(i) for i in rng.choice(market.live_ids, size=min(VARIED, len(market.live_ids)),
                                      replace=False)]  # fmt: skip
    pick = rng.choice(len(market.live_pairs), size=min(VARIED, len(market.live_pairs)),
                      replace=False)  # fmt: skip
    pairs = [market.live_pairs[int(k)] for k in pick]
    near = f"near=town:{FALUN}&radius_km=30"
    return [
        Page("home `/`", ["/"], group=OTHER),
        Page("browse, page 1 `/listings`", ["/listings"]),
        Page("browse `direction=want`", ["/listings?direction=want"]),
        Page("browse `kind=energy`", ["/listings?kind=energy"]),
        Page("browse `category=sawdust`", ["/listings?category=sawdust"]),
        Page("browse `ewc=030105`", ["/listings?ewc=030105"]),
        Page("browse `municipality=2180` (Gävle)", ["/listings?municipality=2180"]),
        Page("browse `county=20` (Dalarna)", ["/listings?county=20"]),
        Page("text `q=sawdust`", ["/listings?q=sawdust"]),
        Page("text `q=sågspån`", ["/listings?q=s%C3%A5gsp%C3%A5n"]),
        Page("text `q=sagspan` (no diacritics)", ["/listings?q=sagspan"], must_have_items=False),
        Page("text `q=bark` + `county=17`", ["/listings?q=bark&county=17"]),
        Page("near Falun 30 km", [f"/listings?{near}"]),
        Page("near Falun 30 km + `category=sawdust`", [f"/listings?{near}&category=sawdust"]),
        Page(f"deep page `page={DEEP_PAGE}`", [f"/listings?page={DEEP_PAGE}"]),
        Page("map `/listings/map`", ["/listings/map"], must_have_items=False,
             marker="data-", group=OTHER, counted=False),
        Page("listing detail (with matches)", [f"/listings/{i}" for i in ids], group=OTHER),
        Page("API `/api/v1/listings`", ["/api/v1/listings"], kind="json"),
        Page("API listings near Gävle 30 km",
             [f"/api/v1/listings?lat={GAVLE_LAT_LON[0]}&lon={GAVLE_LAT_LON[1]}&radius_km=30"],
             kind="json"),
        Page("API `/api/v1/listings/<id>/matches`",
             [f"/api/v1/listings/{i}/matches" for i in ids], kind="json"),
        Page("API `/api/v1/impact?offer=…&want=…`",
             [f"/api/v1/impact?offer={o}&want={w}" for o, w in pairs], kind="json",
             must_have_items=False, marker='"available"', counted=False),
        Page("My firm `/firm`", ["/firm"], auth="firm", group=OTHER, must_have_items=False,
             marker=firm_name),
        Page("staff dashboard `/staff`", ["/staff"], auth="staff", group=OTHER,
             must_have_items=False, marker="<svg", counted=False),
    ]  # fmt: skip


HEALTHZ = Page("`/healthz` (baseline)", ["/healthz"], kind="json", group="baseline",
               must_have_items=False, marker='"ok"', counted=False)  # fmt: skip

LISTING_LINK = re.compile(rb'href="/listings/(\d+)"')
NEXT_LINK = re.compile(rb'<a href="([^"]+)" rel="next"')


def items_of(page: Page, body: bytes) -> int:
    if page.kind == "json":
        data = json.loads(body)
        return len(data.get("features", [])) if isinstance(data, dict) else 0
    return len(set(LISTING_LINK.findall(body)))


def check(server: Server, page: Page, cookie: str) -> Checked:
    """GET a few of the page's paths: each must be a 200 of the right type with the page's
    content (no redirect to the login, no error page, no debugger)."""
    problems, items, sizes, ms = [], [], [], []
    step = max(1, len(page.paths) // CHECKED)
    for path in page.paths[::step][:CHECKED]:
        started = time.perf_counter()
        status, headers, body = get(server, path, cookie)
        ms.append((time.perf_counter() - started) * 1000.0)
        kind = headers.get("Content-Type", "")
        if status != 200:
            problems.append(f"{path}: {status} {headers.get('Location') or ''}".strip())
            continue
        if ("json" if page.kind == "json" else "text/html") not in kind:
            problems.append(f"{path}: Content-Type {kind}")
            continue
        if b"Werkzeug Debugger" in body or b"Traceback (most recent call last)" in body:
            problems.append(f"{path}: a debugger page")
        if page.marker and page.marker.encode() not in body:
            problems.append(f"{path}: no {page.marker!r} in the answer")
        items.append(items_of(page, body))
        sizes.append(len(body))
    if page.must_have_items and items and max(items) == 0:
        problems.append("no listings on the page")
    return Checked(float(np.mean(items)) if items else 0.0,
                   int(np.mean(sizes)) if sizes else 0, problems, float(np.median(ms)))  # fmt: skip


def cursor_page(server: Server) -> Page | None:
    """If browse's "next" link carries a keyset cursor (`after=`), the page reached by following
    it CURSOR_STEPS times; None while paging is by offset."""
    path = "/listings"
    for _ in range(CURSOR_STEPS):
        _status, _h, body = get(server, path)
        found = NEXT_LINK.search(body)
        if not found:
            break
        href = found.group(1).decode().replace("&amp;", "&")
        if "after=" not in href:
            return None
        path = href if href.startswith("/") else "/listings" + href
    else:
        return Page(f"deep page by cursor ({CURSOR_STEPS} × next)", [path])
    return None


LUA = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  non200 = 0
  math.randomseed(7919 * id)
end
function request()
  return wrk.format(nil, paths[math.random(#paths)])
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non200") end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "status": %%d, "timeout": %%d, "non200": %%d, "p50": %%d, "p90": %%d, ' ..
    '"p95": %%d, "p99": %%d, "max": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, bad,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


def wrk_binary() -> str | None:
    return shutil.which("wrk")


@dataclass
class Load:
    connections: int
    threads: int
    duration_s: float
    warmup_s: float
    timeout_s: int = 60


def drive(server: Server, page: Page, cookie: str, load: Load, work: Path) -> WrkResult:
    """A warm-up run (discarded), then the measured one."""
    paths = work / "paths.txt"
    paths.write_text("\n".join(page.paths) + "\n", encoding="utf-8")
    script = work / "pages.lua"
    script.write_text(LUA % {"paths": paths}, encoding="utf-8")
    wait_idle(server)
    if load.warmup_s > 0:
        _wrk(server, cookie, load, script, load.warmup_s)
        wait_idle(server)
    result = _wrk(server, cookie, load, script, load.duration_s)
    result.drain_s = wait_idle(server)
    return result


def _wrk(server: Server, cookie: str, load: Load, script: Path, seconds: float) -> WrkResult:
    command = [
        "wrk", "-t", str(load.threads), "-c", str(load.connections), "-d", f"{int(seconds)}s",
        "--timeout", f"{load.timeout_s}s", "-s", str(script),
        "-H", "X-Forwarded-Proto: https", "-H", f"User-Agent: {USER_AGENT}",
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    done = subprocess.run(  # noqa: S603  (wrk with the bench's own arguments)
        [*command, server.base], capture_output=True, text=True, check=False,
                          timeout=seconds + load.timeout_s + 30)  # fmt: skip
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    r = json.loads(line.removeprefix("WRK_JSON "))
    secs = r["duration_us"] / 1e6
    return WrkResult(
        requests=r["requests"], seconds=secs, rps=r["requests"] / secs if secs else 0.0,
        p50_ms=r["p50"] / 1000, p90_ms=r["p90"] / 1000, p95_ms=r["p95"] / 1000,
        p99_ms=r["p99"] / 1000, max_ms=r["max"] / 1000, non200=r["non200"], status=r["status"],
        socket_errors=r["connect"] + r["read"] + r["write"] + r["timeout"], timeouts=r["timeout"],
    )  # fmt: skip


def scratch() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="bench_load_")
