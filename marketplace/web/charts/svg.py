"""Accessible inline SVG charts for the staff dashboard: no JavaScript, no CSS, no services.

The CSP is ``style-src 'self'``, so only SVG presentation attributes are used (fill, stroke,
font-size ...): never a ``style=`` attribute or a <style> element. All markup is built by
``_el``, which escapes every attribute value and text (labels, names, units, formatted values,
links). The root <svg> has ``role="img"`` named by its <title> and described by its <desc> (a
text version of the data), except when it holds drill-down links: ``img`` makes its children
presentational and would hide the links from assistive technology (axe ``nested-interactive``),
so such a chart is a ``role="group"`` whose links are named by ``aria-label``. Charts scale
through ``viewBox``. Text, bar, line and outline colours have >= 5.5:1 contrast on white (light
choropleth classes are outlined); legends name every colour, tooltips every value.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

Fmt = Callable[[float], str]
Label = Callable[[float | None], str]  # "1 234 t", or the empty label for a missing value
Drawn = tuple[list[str], float]  # SVG fragments and the height they need
Outline = tuple[str, str, dict[str, Any]]
Town = tuple[str, str, float, float]
Links = dict[str, str]
TEXT, GRID, AXIS = "#1d2a25", "#d5dbd8", "#5f6b66"
COLOURS = ("#1f5f4a", "#2b5d8a", "#8a4b08", "#5a3d7a")  # green, blue, brown, purple
GREENS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")  # ColorBrewer Greens, 5 classes
MISSING = "#d9d9d9"
WIDTH, MAP_W, LEGEND_X = 640, 420, 440  # viewBox width; region_map: map width, legend column
_ids = itertools.count(1)
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _default_fmt(v: float) -> str:
    """Whole numbers without a thousands mark, readable in either language (callers pass the
    reader's format, `helpers.fmt_number`)."""
    return f"{v:.0f}"


def _n(v: float) -> str:
    """A compact SVG number (one decimal at most, no "-0")."""
    return f"{round(v, 1) + 0.0:g}"


def _x(value: object) -> str:
    """Escaped text without the control characters XML forbids."""
    return str(escape(_NOT_XML.sub("", _n(value) if isinstance(value, float) else str(value))))


def _el(tag: str, text: object = None, /, **attrs: object) -> str:
    """One element; attribute values and text are escaped, floats compacted, ``a_b`` -> ``a-b``."""
    head = tag + "".join(f' {k.rstrip("_").replace("_", "-")}="{_x(v)}"' for k, v in attrs.items())
    return f"<{head}/>" if text is None else f"<{head}>{_x(text)}</{tag}>"


def _open(tag: str, **attrs: object) -> str:
    return _el(tag, None, **attrs)[:-2] + ">"


def _text(text: object, x: float, y: float, **attrs: object) -> str:
    return _el("text", text, x=x, y=y, **attrs)


def _rect(x: float, y: float, width: float, height: float, fill: str, **attrs: object) -> str:
    return _el("rect", x=x, y=y, width=width, height=height, fill=fill, **attrs)


def _tw(text: str, size: float = 12) -> float:
    """Estimated rendered width of ``text`` (average glyph ~0.6 em)."""
    return len(text) * size * 0.6


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mark(inner: str, tip: str, href: str | None, cls: str) -> str:
    """One bar/point/area with its own <title> tooltip, wrapped in a link when given.

    Only site-relative and http(s) links are used; ``javascript:`` or ``//host`` are dropped.
    """
    title = _el("title", tip)
    if href and href.startswith(("/", "?", "#", "https://", "http://")) and href[:2] != "//":
        return f"{_open('a', href=href, aria_label=tip, class_=cls)}{title}{inner}</a>"
    return f'<g class="{cls}">{title}{inner}</g>'


def _svg(kind: str, title: str, desc: str, height: float, body: Sequence[str]) -> Markup:
    cid, inner = f"chart-{next(_ids)}", "".join(body)
    role = "group" if "<a href=" in inner else "img"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="{role}" aria-labelledby="{cid}-t" '
        f'aria-describedby="{cid}-d" viewBox="0 0 {WIDTH} {_n(height)}" width="100%" '
        f'class="chart chart-{kind}" font-family="system-ui, sans-serif" font-size="12" '
        f'fill="{TEXT}">{_el("title", title, id=f"{cid}-t")}{_el("desc", desc, id=f"{cid}-d")}'
    )
    return Markup(f"{head}{inner}</svg>")  # noqa: S704 -- constants and parts built by _el


def _empty(kind: str, title: str, empty_label: str) -> Markup:
    return _svg(kind, title, empty_label, 72, [_text(empty_label, 320, 44, text_anchor="middle")])


def nice_ticks(max_value: float, count: int = 5) -> list[float]:
    """Axis ticks 0, s, 2s ... covering ``max_value`` with a step s of 1, 2, 2.5 or 5 x 10^k.

    At most ``count`` ticks and, as the chosen step is under twice the raw step, at least
    ``(count - 1) // 2 + 2`` (4 or 5 for the default 5). Non-positive or non-finite maxima
    count as 1.
    """
    if not math.isfinite(max_value) or max_value <= 0:
        max_value = 1.0
    count = max(count, 2)
    exp = math.floor(math.log10(max_value / (count - 1)))
    digits, step = max(0, 2 - exp), 0.0  # rounding to ``digits`` removes float noise
    for mantissa in (1, 2, 2.5, 5, 10):
        step = mantissa * 10.0**exp
        if round(step * (count - 1), digits) >= max_value:
            break
    ticks = [0.0]
    while ticks[-1] < max_value:
        ticks.append(round(len(ticks) * step, digits))
    return ticks


def _axis(lo: float, hi: float) -> list[float]:
    """Nice ticks for a range that contains zero; a negative side reuses the positive step."""
    if lo >= 0:
        return nice_ticks(hi)
    step = nice_ticks(hi - lo)[1]
    digits = max(0, 2 - math.floor(math.log10(step)))
    return [round(i * step, digits) for i in range(math.floor(lo / step), math.ceil(hi / step) + 1)]
