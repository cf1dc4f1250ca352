"""--profile: where the time of the slowest pages goes. One request each through the Flask test
client of an app built in the bench's process with the server's settings (same database, same
secret key, so the session cookies of the sign-ins are valid), under cProfile."""

from __future__ import annotations

import cProfile
import pstats
import time

from support import ROOT

from load_parts.server import USER_AGENT
from marketplace import create_app
from marketplace.config import Settings


def profile_pages(
    env: dict[str, str], paths: list[tuple[str, str, str]], top: int = 6
) -> list[str]:
    """`paths`: (page name, path, cookie). Lines: the page, its time under the profiler, and the
    project's functions with the most cumulative time."""
    settings = Settings.from_env({k: v for k, v in env.items() if k.isupper()})
    app = create_app(settings)
    client = app.test_client(use_cookies=False)  # the sign-ins' Cookie headers as they are
    headers = {"X-Forwarded-Proto": "https", "User-Agent": USER_AGENT}
    lines = []
    for name, path, cookie in paths:
        extra = {**headers, "Cookie": cookie} if cookie else headers
        client.get(path, headers=extra)  # warm: imports, first queries, template compilation
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        response = client.get(path, headers=extra)
        profiler.disable()
        elapsed = (time.perf_counter() - started) * 1000
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        rows = []
        for (filename, line, func), (_cc, calls, own, cum, _callers) in stats.items():
            mine = str(ROOT) in filename and not any(p in filename for p in ("/bench/", "/.venv/"))
            if mine and func != "<lambda>":
                where = filename.replace(str(ROOT) + "/", "")
                rows.append((cum, f"`{where}:{line}({func})` {calls:,}× {cum * 1000:.0f} ms "
                                  f"cumulative, {own * 1000:.0f} ms own"))  # fmt: skip
        rows.sort(key=lambda r: -r[0])
        lines.append(f"  - {name} (`{path}`, {response.status_code}): {elapsed:.0f} ms under the "
                     "profiler; " + "; ".join(text for _, text in rows[:top]))  # fmt: skip
    return lines
