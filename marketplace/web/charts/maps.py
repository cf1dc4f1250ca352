"""Maps of the region: municipalities by value (a choropleth, or proportional circles at the
towns) and the network of exchanges between firms, in SWEREF 99 TM."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from geo.crs import to_sweref_arrays
from marketplace.web.charts.svg import (
    AXIS,
    COLOURS,
    GREENS,
    GRID,
    LEGEND_X,
    MAP_W,
    MISSING,
    WIDTH,
    Drawn,
    Fmt,
    Label,
    Links,
    Outline,
    Town,
    _default_fmt,
    _el,
    _empty,
    _mark,
    _open,
    _rect,
    _short,
    _svg,
    _text,
    nice_ticks,
)


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
