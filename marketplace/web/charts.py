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
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from geo.crs import to_sweref_arrays

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


def bar_chart(
    items: list[tuple[str, float]],
    *,
    title: str,
    unit: str,
    links: list[str | None] | None = None,
    fmt: Fmt = _default_fmt,
    max_items: int = 15,
    other_label: str = "Other",
    empty_label: str = "No data",
) -> Markup:
    """Horizontal bars in the given order (callers sort); items after ``max_items`` become one
    ``other_label`` bar with their sum. Bars grow from a zero line: negative ones point left."""
    if links is not None and len(links) != len(items):
        raise ValueError("links must have one entry per item")
    rows = [
        (str(label), float(v), links[i] if links else None, COLOURS[0])
        for i, (label, v) in enumerate(items)
        if math.isfinite(v)
    ]
    if len(rows) > max(max_items, 1):
        rest = math.fsum(r[1] for r in rows[max_items:])
        rows = [*rows[:max_items], (other_label, rest, None, COLOURS[3])]
    if not rows:
        return _empty("bar", title, empty_label)
    texts = [f"{fmt(r[1])} {unit}".strip() for r in rows]
    x0 = 8 + min(max(max(_tw(_short(r[0])) for r in rows) + 10, 60), 220)
    plot_w = max(WIDTH - x0 - max(_tw(t) for t in texts) - 16, 120)
    lo, hi = min(0.0, *(r[1] for r in rows)), max(0.0, *(r[1] for r in rows))
    span = hi - lo or 1.0
    zero, body = x0 - lo / span * plot_w, []
    for i, ((label, v, href, colour), text) in enumerate(zip(rows, texts, strict=True)):
        y = 8 + i * 26
        left, right = sorted((zero, x0 + (v - lo) / span * plot_w))
        inner = (
            _text(_short(label), x0 - 6, y + 17, text_anchor="end")
            + _rect(left, y + 4, right - left, 18, COLOURS[2] if v < 0 else colour)
            + _text(text, right + 4, y + 17)
        )
        body.append(_mark(inner, f"{label}: {text}", href, "bar"))
    height = 16 + len(rows) * 26
    body.append(_el("line", x1=zero, x2=zero, y1=6, y2=height - 6, stroke=AXIS))
    desc = "; ".join(f"{r[0]}: {text}" for r, text in zip(rows, texts, strict=True))
    return _svg("bar", title, desc, height, body)


def month_chart(
    months: list[str],
    series: list[tuple[str, list[float]]],
    *,
    title: str,
    unit: str,
    fmt: Fmt = _default_fmt,
    empty_label: str = "No data",
) -> Markup:
    """Up to 4 series over "YYYY-MM" months: grouped bars, or lines beyond 18 months."""
    if len(series) > len(COLOURS):
        raise ValueError(f"at most {len(COLOURS)} series")
    if any(len(values) != len(months) for _, values in series):
        raise ValueError("every series needs one value per month")
    present = [v for _, vs in series for v in vs if math.isfinite(v)]
    if not months or not present:
        return _empty("month", title, empty_label)
    body, lx, ly = [], 8.0, 8
    for colour, (name, _) in zip(COLOURS, series, strict=False):  # legend rows wrap
        item_w = 28 + _tw(_short(name, 32))
        if lx > 8 and lx + item_w > WIDTH - 8:
            lx, ly = 8.0, ly + 20
        body += [_rect(lx, ly, 12, 12, colour), _text(_short(name, 32), lx + 16, ly + 11)]
        lx += item_w
    ticks = _axis(min(0.0, *present), max(0.0, *present))
    x0, top, plot_h = 12 + max(_tw(fmt(t), 11) for t in ticks), ly + 44, 200
    body.append(_text(unit, 8, top - 12))

    def sy(v: float) -> float:
        return top + (ticks[-1] - v) / (ticks[-1] - ticks[0]) * plot_h

    for t in ticks:
        body.append(_el("line", x1=x0, x2=WIDTH - 8, y1=sy(t), y2=sy(t), stroke=GRID))
        body.append(_text(fmt(t), x0 - 6, sy(t) + 4, text_anchor="end", font_size=11))
    band, zero = (WIDTH - 8 - x0) / len(months), sy(0.0)
    every = math.ceil(len(months) / max(1, int(band * len(months) // 56)))  # labels >= 56 apart
    for i in range(0, len(months), every):
        x = x0 + (i + 0.5) * band
        body.append(_text(months[i], x, top + plot_h + 18, text_anchor="middle", font_size=11))
    bar_w = band * 0.8 / len(series)
    for s, (colour, (name, values)) in enumerate(zip(COLOURS, series, strict=False)):
        marks, points = [], []
        for i, v in enumerate(values):
            if not math.isfinite(v):
                continue
            tip = f"{name}, {months[i]}: {fmt(v)} {unit}".strip()
            if len(months) > 18:
                cx, cy = x0 + (i + 0.5) * band, sy(v)
                points.append(f"{_n(cx)},{_n(cy)}")
                dot = _el("circle", cx=cx, cy=cy, r=3, fill=colour)
                marks.append(_mark(dot, tip, None, "point"))
            else:
                y1, y2 = sorted((zero, sy(v)))
                x = x0 + (i + 0.1) * band + s * bar_w
                marks.append(_mark(_rect(x, y1, bar_w, y2 - y1, colour), tip, None, "bar"))
        if len(points) > 1:
            line = " ".join(points)
            body.append(_el("polyline", points=line, fill="none", stroke=colour, stroke_width=2))
        body.extend(marks)
    body.append(_el("line", x1=x0, x2=WIDTH - 8, y1=zero, y2=zero, stroke=AXIS))
    desc = f"{months[0]}–{months[-1]}. " + "; ".join(
        f"{name}: Σ {fmt(math.fsum(f))} {unit}, max {fmt(max(f))} {unit}"
        for name, vs in series
        if (f := [v for v in vs if math.isfinite(v)])
    )
    return _svg("month", title, desc, top + plot_h + 28, body)


def _rings(geometry: dict[str, Any]) -> Iterator[list[Sequence[float]]]:
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"unsupported geometry type {kind!r}")
    for polygon in geometry["coordinates"] if kind == "MultiPolygon" else [geometry["coordinates"]]:
        yield from polygon


def _legend(rows: list[tuple[str, str]]) -> list[str]:
    out = []
    for i, (colour, label) in enumerate(rows):
        out.append(_rect(LEGEND_X, 32 + i * 22, 16, 14, colour, stroke=AXIS, stroke_width=0.5))
        out.append(_text(label, LEGEND_X + 22, 44 + i * 22, font_size=11))
    return out


def _choropleth(
    values: dict[str, float], outlines: list[Outline], links: Links, label: Label, fmt: Fmt
) -> Drawn:
    """Quantile classes: upper bounds are the nearest-rank 20/40/60/80/100 % values, so each
    class holds about a fifth of the municipalities with data (equal bounds merge)."""
    shapes = [(code, name, list(_rings(geometry))) for code, name, geometry in outlines]
    coords = np.array([p[:2] for _, _, rings in shapes for ring in rings for p in ring], float)
    xs, ys = (np.asarray(a, dtype=float) for a in to_sweref_arrays(coords[:, 0], coords[:, 1]))
    scale = (MAP_W - 16) / max(float(xs.max() - xs.min()), 1.0)  # SWEREF 99 TM is conformal
    px = np.rint(8 + (xs - xs.min()) * scale).astype(int).tolist()
    py = np.rint(8 + (ys.max() - ys) * scale).astype(int).tolist()  # SVG y grows downwards
    ordered = sorted(values.values())
    uppers = sorted({ordered[max(math.ceil(k * len(ordered) / 5) - 1, 0)] for k in range(1, 6)})
    k = len(uppers)  # fewer than 5 classes use colours spread over the palette, darkest last
    palette = [GREENS[round(i * 4 / (k - 1)) if k > 1 else 4] for i in range(k)]
    body = [_open("g", stroke=AXIS, stroke_width=0.5, fill_rule="evenodd")]
    start = 0
    for code, name, rings in shapes:
        path = []
        for j, ring in enumerate(rings):  # whole pixels, no consecutive duplicates, implicit L
            seg, start = slice(start, start + len(ring)), start + len(ring)
            pts = list(zip(px[seg], py[seg], strict=True))
            pts = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
            pts = pts[:-1] if len(pts) > 1 and pts[0] == pts[-1] else pts
            if j == 0 or len(set(pts)) >= 3:  # drop holes and islands that rounding collapsed
                path.append("M" + " ".join(f"{x} {y}" for x, y in pts) + "Z")
        value = values.get(code)
        fill = MISSING if value is None else palette[bisect_left(uppers, value)]
        shape = _el("path", d="".join(path), fill=fill)
        body.append(_mark(shape, f"{name}: {label(value)}", links.get(code), "area"))
    body.append("</g>")
    rows = []
    for i, (upper, colour) in enumerate(zip(uppers, palette, strict=True)):
        lower = min(v for v in ordered if v <= upper and (i == 0 or v > uppers[i - 1]))
        rows.append((colour, fmt(upper) if lower == upper else f"{fmt(lower)} – {fmt(upper)}"))
    if any(code not in values for code, _, _ in shapes):
        rows.append((MISSING, label(None)))
    return body + _legend(rows), float(max(max(py) + 8, 40 + len(rows) * 22))


def _circles(
    values: dict[str, float], towns: list[Town], links: Links, label: Label, fmt: Fmt
) -> Drawn:
    """Circle area proportional to |value|; the largest radius is 8 % of the chart width."""
    r_max = 0.08 * WIDTH
    lons, lats = [t[3] for t in towns], [t[2] for t in towns]
    xs, ys = (np.asarray(a, dtype=float) for a in to_sweref_arrays(lons, lats))
    dx, dy = max(float(xs.max() - xs.min()), 1.0), max(float(ys.max() - ys.min()), 1.0)
    scale = min((MAP_W - 2 * r_max) / dx, (600 - 2 * r_max) / dy)  # at most 600 high
    height = 2 * r_max + float(ys.max() - ys.min()) * scale
    v_max = max((abs(values[t[0]]) for t in towns if t[0] in values), default=0.0) or 1.0
    body = [_rect(0.5, 0.5, MAP_W, height - 1, "#f6f8f7", stroke=GRID)]
    for i in sorted(range(len(towns)), key=lambda i: -abs(values.get(towns[i][0], 0.0))):
        code, name, _, _ = towns[i]  # biggest first, so small circles stay on top
        cx, cy = r_max + (xs[i] - xs.min()) * scale, r_max + (ys.max() - ys[i]) * scale
        value = values.get(code)
        if value is None:
            dot = _el("circle", cx=cx, cy=cy, r=2, fill=MISSING, stroke=AXIS)
            body.append(_mark(dot, f"{name}: {label(None)}", links.get(code), "town"))
            continue
        r = max(r_max * math.sqrt(abs(value) / v_max), 1.5)
        colour = COLOURS[2] if value < 0 else COLOURS[1]
        circle = _el("circle", cx=cx, cy=cy, r=r, fill=colour, fill_opacity=0.6, stroke=colour)
        body.append(_mark(circle, f"{name}: {label(value)}", links.get(code), "town"))
    bottom, lcx = 40 + 2 * r_max, LEGEND_X + r_max
    for value in (v_max, nice_ticks(v_max)[1]):  # two nested reference circles
        r = r_max * math.sqrt(value / v_max)
        ring = _el("circle", class_="legend", cx=lcx, cy=bottom - r, r=r, fill="none", stroke=AXIS)
        body += [ring, _text(fmt(value), lcx + r_max + 6, bottom - 2 * r + 4, font_size=11)]
    return body, max(height, bottom + 8)


def region_map(
    values: dict[str, float],
    *,
    title: str,
    unit: str,
    outlines: list[Outline] | None,
    towns: list[Town],
    links: dict[str, str] | None = None,
    fmt: Fmt = _default_fmt,
    empty_label: str = "No data",
) -> Markup:
    """Municipalities by value: a choropleth of ``outlines`` in 5 quantile classes, or without
    outlines proportional circles at ``towns`` (values without a town position are not drawn)."""
    values = {code: float(v) for code, v in values.items() if math.isfinite(v)}
    if not values or not (outlines or towns):
        return _empty("map", title, empty_label)

    def label(value: float | None) -> str:
        return empty_label if value is None else f"{fmt(value)} {unit}".strip()

    if outlines:
        body, height = _choropleth(values, outlines, links or {}, label, fmt)
    else:
        body, height = _circles(values, towns, links or {}, label, fmt)
    body.append(_text(unit, LEGEND_X, 20, font_weight="bold"))  # legend heading
    names = {code: name for code, name, *_ in (outlines or towns)}
    top = sorted(values.items(), key=lambda kv: -kv[1])
    desc = "; ".join(f"{names.get(c, c)}: {label(v)}" for c, v in top[:5])
    return _svg("map", title, desc + ("; …" if len(top) > 5 else ""), height, body)


def network_map(
    nodes: list[tuple[int, str, float, float, float]],
    edges: list[tuple[int, int, float]],
    *,
    title: str,
    unit: str,
    fmt: Fmt = _default_fmt,
    empty_label: str = "No data",
) -> Markup:
    """Firms (id, name, lat, lon, tonnes) placed where they are, joined by their exchanges
    (supplier id, receiver id, tonnes): line width and dot area grow with the tonnes."""
    if not nodes or not edges:
        return _empty("network", title, empty_label)
    xs, ys = (
        np.asarray(a, dtype=float)
        for a in to_sweref_arrays([n[3] for n in nodes], [n[2] for n in nodes])
    )
    pad = 24.0
    dx, dy = max(float(xs.max() - xs.min()), 1.0), max(float(ys.max() - ys.min()), 1.0)
    scale = min((WIDTH - 2 * pad) / dx, (480 - 2 * pad) / dy)
    height = 2 * pad + dy * scale
    at = {
        n[0]: (pad + (xs[i] - xs.min()) * scale, pad + (ys.max() - ys[i]) * scale)
        for i, n in enumerate(nodes)
    }
    names = {n[0]: n[1] for n in nodes}
    t_max = max((e[2] for e in edges), default=0.0) or 1.0
    body = [_rect(0.5, 0.5, WIDTH - 1, height - 1, "#f6f8f7", stroke=GRID)]
    for supplier, receiver, tonnes in sorted(edges, key=lambda e: -e[2]):
        if supplier not in at or receiver not in at:
            continue
        (x1, y1), (x2, y2) = at[supplier], at[receiver]
        line = _el(
            "line", x1=x1, y1=y1, x2=x2, y2=y2, stroke=COLOURS[1],
            stroke_width=1 + 7 * tonnes / t_max, stroke_opacity=0.7,
        )  # fmt: skip
        tip = f"{names[supplier]} → {names[receiver]}: {fmt(tonnes)} {unit}".strip()
        body.append(_mark(line, tip, None, "exchange"))
    n_max = max((n[4] for n in nodes), default=0.0) or 1.0
    for node_id, name, _lat, _lon, tonnes in nodes:
        x, y = at[node_id]
        dot = _el("circle", cx=x, cy=y, r=3 + 9 * math.sqrt(tonnes / n_max), fill=COLOURS[0])
        label = _text(_short(name, 22), x + 8, y - 6, font_size=11)
        body.append(_mark(dot + label, f"{name}: {fmt(tonnes)} {unit}".strip(), None, "firm"))
    desc = "; ".join(
        f"{names.get(s, s)} → {names.get(r, r)}: {fmt(t)} {unit}".strip()
        for s, r, t in sorted(edges, key=lambda e: -e[2])[:8]
    )
    return _svg("network", title, desc, height, body)
