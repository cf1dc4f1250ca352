"""Bar charts (one value per category) and month charts (a line per series) on the shared axes."""

from __future__ import annotations

import math

from markupsafe import Markup

from marketplace.web.charts.svg import (
    AXIS,
    COLOURS,
    GRID,
    WIDTH,
    Fmt,
    _axis,
    _default_fmt,
    _el,
    _empty,
    _mark,
    _n,
    _rect,
    _short,
    _svg,
    _text,
    _tw,
)


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
