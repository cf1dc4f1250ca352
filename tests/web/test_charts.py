"""Inline SVG charts: pure rendering tests (no app, no database)."""

from __future__ import annotations

import itertools
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from geo.gazetteer import MUNICIPALITIES
from marketplace.web.charts import (
    GREENS,
    MISSING,
    bar_chart,
    month_chart,
    nice_ticks,
    region_map,
)
from tests.conftest import SHARED_DATA

NS = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script> & Co'
GAVLE, KARLSTAD, MORA = "2180", "1780", "2062"


def sv(value: float) -> str:
    """Swedish number format, as the app's fmt_number gives it: 1 234,5."""
    return f"{value:,.1f}".replace(",", "\u00a0").replace(".", ",")


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    root = ET.fromstring(str(markup))  # noqa: S314 -- our own output
    assert root.tag == f"{NS}svg"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+(\.\d)? \d+(\.\d)?", root.get("viewBox", ""))
    assert root.get("role") in ("img", "group")
    title = root.find(f"{NS}title")
    assert title is not None and title.text
    assert root.get("aria-labelledby") == title.get("id")
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.text and root.get("aria-describedby") == desc.get("id")
    for el in root.iter():  # CSP style-src 'self': no inline styles, and nothing executable
        assert "style" not in el.attrib, el.tag
        assert el.tag not in (f"{NS}style", f"{NS}script", f"{NS}foreignObject")
        assert not [name for name in el.attrib if name.lower().startswith("on")]
    return root


def marks(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == cls]


def tip(el: ET.Element) -> str:
    title = el.find(f"{NS}title")
    assert title is not None and title.text is not None
    return title.text


def child(el: ET.Element, tag: str) -> ET.Element:
    found = el.find(f"{NS}{tag}")
    assert found is not None, tag
    return found


def num(el: ET.Element, attr: str) -> float:
    return float(el.get(attr, "nan"))


# --- bar chart ---------------------------------------------------------------------------


def test_bar_chart_one_titled_bar_per_item_and_longest_bar_is_largest_value() -> None:
    items = [("Falun", 1234.5), ("Gävle", 99.0), ("Mora", 5000.0), ("Leksand", 0.0)]
    root = parse(bar_chart(items, title="Offered waste", unit="t", fmt=sv))
    assert root.get("role") == "img"
    assert child(root, "title").text == "Offered waste"
    bars = marks(root, "bar")
    assert [tip(b) for b in bars] == [
        "Falun: 1\u00a0234,5 t",
        "Gävle: 99,0 t",
        "Mora: 5\u00a0000,0 t",
        "Leksand: 0,0 t",
    ]
    widths = [num(child(b, "rect"), "width") for b in bars]
    assert max(widths) == widths[2] > widths[0] > widths[1] > widths[3] == 0
    assert widths[0] / widths[2] == pytest.approx(1234.5 / 5000, abs=0.01)
    assert "Mora: 5\u00a0000,0 t" in child(root, "desc").text  # type: ignore[operator]


def test_bar_chart_escapes_user_labels_and_units() -> None:
    markup = bar_chart([(EVIL, 1.0)], title=f"T {EVIL}", unit="<b>t</b>")
    assert "<script" not in str(markup) and "<b>" not in str(markup)
    assert "&lt;script&gt;" in str(markup)
    root = parse(markup)
    bar = marks(root, "bar")[0]
    assert tip(bar) == f"{EVIL}: 1 <b>t</b>"  # the tooltip has the whole label
    assert [t.text for t in bar.iter(f"{NS}text")] == [EVIL[:27] + "…", "1 <b>t</b>"]
    assert child(root, "title").text == f"T {EVIL}"


def test_bar_chart_sums_items_beyond_max_items_into_other() -> None:
    items = [(f"Kommun {i}", float(i)) for i in range(20, 0, -1)]
    root = parse(bar_chart(items, title="T", unit="t", max_items=5, other_label="Övriga"))
    bars = marks(root, "bar")
    assert len(bars) == 6
    assert tip(bars[-1]) == f"Övriga: {sum(range(1, 16)):,} t"  # 15 + 14 + ... + 1 = 120
    widths = [num(child(b, "rect"), "width") for b in bars]
    assert widths[-1] == max(widths)  # 120 > 20


def test_bar_chart_negative_values_grow_from_the_zero_line() -> None:
    root = parse(bar_chart([("Loss", -50.0), ("Gain", 100.0)], title="T", unit="t"))
    loss, gain = (child(b, "rect") for b in marks(root, "bar"))
    zero = num(child(root, "line"), "x1")
    assert num(loss, "width") > 0 and num(gain, "width") > 0
    assert num(loss, "x") + num(loss, "width") == pytest.approx(zero)
    assert num(gain, "x") == pytest.approx(zero)
    assert num(gain, "width") == pytest.approx(2 * num(loss, "width"), abs=0.2)


def test_bar_chart_without_items_says_no_data() -> None:
    root = parse(bar_chart([], title="Nothing yet", unit="t", empty_label="Inga uppgifter"))
    assert child(root, "title").text == "Nothing yet"
    assert [t.text for t in root.iter(f"{NS}text")] == ["Inga uppgifter"]
    assert not marks(root, "bar")


def test_bar_chart_links_are_named_and_unsafe_links_are_dropped() -> None:
    items = [("A", 1.0), ("B", 2.0), ("C", 3.0), ("D", 4.0)]
    links = ["/staff/kommun/1780?x=1&y=2", "javascript:alert(1)", "//evil.example", None]
    root = parse(bar_chart(items, title="T", unit="t", links=links))
    anchors = list(root.iter(f"{NS}a"))
    assert [a.get("href") for a in anchors] == ["/staff/kommun/1780?x=1&y=2"]
    assert anchors[0].get("aria-label") == "A: 1 t" == tip(anchors[0])
    # role="img" would make the link presentational (axe nested-interactive)
    assert root.get("role") == "group"
    with pytest.raises(ValueError):
        bar_chart(items, title="T", unit="t", links=["/a"])


@given(
    st.lists(
        st.tuples(st.text(max_size=40), st.floats(-1e9, 1e9, allow_nan=False)),
        min_size=1,
        max_size=25,
    )
)
def test_bar_chart_any_labels_and_values_give_valid_svg(items: list[tuple[str, float]]) -> None:
    root = parse(bar_chart(items, title="T", unit="t", max_items=10))
    bars = marks(root, "bar")
    assert len(bars) == min(len(items), 11)
    widths = [num(child(b, "rect"), "width") for b in bars]
    values = [v for _, v in items[:10]] + (
        [sum(v for _, v in items[10:])] if len(items) > 10 else []
    )
    assert all(w >= 0 for w in widths)
    biggest = max(range(len(values)), key=lambda i: abs(values[i]))
    assert widths[biggest] == pytest.approx(max(widths), abs=0.11)


# --- nice_ticks ------------------------------------------------------------------------


def is_nice(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 2.5, 5, 10))


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (100, [0, 25, 50, 75, 100]),
        (0.93, [0, 0.25, 0.5, 0.75, 1]),
        (1234, [0, 500, 1000, 1500]),
        (7, [0, 2, 4, 6, 8]),
        (0.3, [0, 0.1, 0.2, 0.3]),
    ],
)
def test_nice_ticks_examples(maximum: float, expected: list[float]) -> None:
    assert nice_ticks(maximum, 5) == expected


@given(st.floats(min_value=1e-6, max_value=1e12))
def test_nice_ticks_properties(maximum: float) -> None:
    ticks = nice_ticks(maximum, 5)
    assert ticks[0] == 0
    assert 4 <= len(ticks) <= 6
    assert all(a < b for a, b in itertools.pairwise(ticks))
    assert ticks[-1] >= maximum > ticks[-2]
    steps = [b - a for a, b in itertools.pairwise(ticks)]
    assert all(math.isclose(s, steps[0], rel_tol=1e-9) for s in steps)
    assert is_nice(steps[0])


@given(st.floats(min_value=1e-3, max_value=1e9), st.integers(min_value=3, max_value=12))
def test_nice_ticks_respects_count(maximum: float, count: int) -> None:
    ticks = nice_ticks(maximum, count)
    assert (count - 1) // 2 + 2 <= len(ticks) <= count
    assert ticks[-1] >= maximum and is_nice(ticks[1])


@pytest.mark.parametrize("maximum", [0.0, -5.0, math.nan, math.inf])
def test_nice_ticks_degenerate_maximum(maximum: float) -> None:
    assert nice_ticks(maximum) == [0, 0.25, 0.5, 0.75, 1]


# --- month chart --------------------------------------------------------------------------

MONTHS_12 = [f"2024-{m:02d}" for m in range(1, 13)]
MONTHS_30 = [f"{2022 + i // 12}-{i % 12 + 1:02d}" for i in range(30)]


def y_ticks(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text") if t.get("text-anchor") == "end"]


def test_month_chart_grouped_bars_with_legend_and_axis() -> None:
    offered = [float(10 * i) for i in range(12)]
    taken = [float(7 * i) for i in range(12)]
    series = [("Offered", offered), (EVIL, taken)]
    markup = month_chart(MONTHS_12, series, title="Per month", unit="t", fmt=sv)
    assert "<script" not in str(markup)
    root = parse(markup)
    bars = marks(root, "bar")
    assert len(bars) == 24
    assert "Offered, 2024-04: 30,0 t" in [tip(b) for b in bars]
    assert f"{EVIL}, 2024-12: 77,0 t" in [tip(b) for b in bars]
    heights = {tip(b): num(child(b, "rect"), "height") for b in bars}
    assert max(heights, key=heights.__getitem__) == "Offered, 2024-12: 110,0 t"
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "Offered" in texts and EVIL in texts  # legend
    assert 4 <= len(y_ticks(root)) <= 6 and y_ticks(root)[-1] == "150,0"
    assert texts.count("2024-01") == 1


def test_month_chart_draws_lines_for_long_ranges_and_thins_month_labels() -> None:
    series = [("A", [float(i) for i in range(30)]), ("B", [float(30 - i) for i in range(30)])]
    root = parse(month_chart(MONTHS_30, series, title="T", unit="t"))
    assert not marks(root, "bar")
    assert len(list(root.iter(f"{NS}polyline"))) == 2
    points = marks(root, "point")
    assert len(points) == 60 and tip(points[0]) == "A, 2022-01: 0 t"
    month_labels = [t.text for t in root.iter(f"{NS}text") if t.get("text-anchor") == "middle"]
    assert month_labels[0] == "2022-01" and 2 < len(month_labels) < 30


def test_month_chart_negative_values_and_gaps() -> None:
    series = [("Net", [5.0, -3.0, math.nan] + [1.0] * 9)]
    root = parse(month_chart(MONTHS_12, series, title="T", unit="t"))
    bars = marks(root, "bar")
    assert len(bars) == 11  # the gap has no bar
    assert all(num(child(b, "rect"), "height") >= 0 for b in bars)
    assert y_ticks(root)[0].startswith("-")


def test_month_chart_rejects_bad_series_and_handles_empty() -> None:
    with pytest.raises(ValueError):
        month_chart(MONTHS_12, [(str(i), [1.0] * 12) for i in range(5)], title="T", unit="t")
    with pytest.raises(ValueError):
        month_chart(MONTHS_12, [("A", [1.0] * 11)], title="T", unit="t")
    root = parse(month_chart([], [], title="T", unit="t", empty_label="Inga uppgifter"))
    assert [t.text for t in root.iter(f"{NS}text")] == ["Inga uppgifter"]


# --- region map ----------------------------------------------------------------------------


def outlines() -> list[tuple[str, str, dict[str, Any]]]:
    data = json.loads((SHARED_DATA / "norra_mellansverige_kommuner.geojson").read_text("utf-8"))
    return [
        (f["properties"]["kommunkod"], f["properties"]["kommun"], f["geometry"])
        for f in data["features"]
    ]


def path_points(path: ET.Element) -> list[tuple[int, int]]:
    numbers = [int(n) for n in re.findall(r"-?\d+", path.get("d", ""))]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def centre(points: list[tuple[int, int]]) -> tuple[float, float]:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def test_choropleth_of_real_municipalities() -> None:
    shapes = outlines()
    assert len(shapes) == 41
    codes = [code for code, _, _ in shapes]
    values = {code: float(i + 1) for i, code in enumerate(c for c in codes if c != GAVLE)}
    values = dict(list(values.items())[:29]) | {GAVLE: 10_000.0}  # 30 with data, 11 without
    markup = region_map(
        values, title="Tonnes", unit="t", outlines=shapes, towns=[], fmt=sv, empty_label="–"
    )
    assert len(str(markup).encode()) < 20_000  # simplified to whole pixels
    root = parse(markup)
    areas = marks(root, "area")
    assert len(areas) == 41
    assert all(len(a.findall(f"{NS}path")) == 1 for a in areas)
    by_name = {tip(a).split(":")[0]: child(a, "path") for a in areas}
    assert tip(areas[codes.index(GAVLE)]) == "Gävle: 10\u00a0000,0 t"
    assert by_name["Gävle"].get("fill") == GREENS[-1]
    fills = {code: child(a, "path").get("fill") for code, a in zip(codes, areas, strict=True)}
    missing = [code for code in codes if code not in values]
    assert len(missing) == 11 and {fills[c] for c in missing} == {MISSING}
    # quantile classes: 30 values -> 6 per class, darker for larger values
    ranked = sorted(values, key=values.__getitem__)
    classes = [GREENS.index(fills[c] or "") for c in ranked]
    assert classes == sorted(classes) and [classes.count(k) for k in range(5)] == [6] * 5
    legend = [t.text for t in root.iter(f"{NS}text")]
    assert "1,0 – 6,0" in legend and "–" in legend
    width, height = (float(v) for v in (root.get("viewBox") or "").split()[2:])
    points = [p for a in areas for p in path_points(child(a, "path"))]
    assert all(0 <= x <= width and 0 <= y <= height for x, y in points)
    for area in areas:  # no consecutive duplicate points after rounding to whole pixels
        for sub in re.findall(r"M[^Z]*Z", child(area, "path").get("d", "")):
            pts = path_points(ET.Element("path", d=sub))
            assert len(pts) >= 3 and all(p != q for p, q in itertools.pairwise(pts))
    # projection: Gävle lies east of Karlstad, Mora north of Karlstad (SVG y grows down)
    gavle, karlstad, mora = (centre(path_points(by_name[n])) for n in ("Gävle", "Karlstad", "Mora"))
    assert gavle[0] > karlstad[0] + 100 and mora[1] < karlstad[1] - 100


def test_choropleth_drops_duplicate_points_and_rings_that_collapse() -> None:
    square = [
        [13.0, 59.0],
        [13.00001, 59.0],
        [15.0, 59.0],
        [15.0, 60.0],
        [13.0, 60.0],
        [13.0, 59.0],
    ]
    speck = [[14.0, 59.5], [14.0001, 59.5], [14.0001, 59.5001], [14.0, 59.5]]  # ~6 m
    shapes: list[tuple[str, str, dict[str, Any]]] = [
        ("1", "Poly", {"type": "Polygon", "coordinates": [square, speck]}),
        ("2", "Multi", {"type": "MultiPolygon", "coordinates": [[square], [speck]]}),
    ]
    root = parse(region_map({"1": 1.0}, title="T", unit="t", outlines=shapes, towns=[]))
    paths = [child(a, "path").get("d", "") for a in marks(root, "area")]
    assert [d.count("M") for d in paths] == [1, 1]
    assert [len(path_points(ET.Element("path", d=d))) for d in paths] == [4, 4]
    with pytest.raises(ValueError):
        region_map(
            {"1": 1.0}, title="T", unit="t", outlines=[("1", "P", {"type": "Point"})], towns=[]
        )


def test_choropleth_links_and_escaped_names() -> None:
    shapes = outlines()
    code, _, geometry = shapes[0]
    shapes[0] = (code, EVIL, geometry)
    markup = region_map(
        {code: 5.0}, title="T", unit="t", outlines=shapes, towns=[], links={code: "/k/1?a=1&b=2"}
    )
    assert "<script" not in str(markup)
    root = parse(markup)
    anchors = list(root.iter(f"{NS}a"))
    assert len(anchors) == 1 and anchors[0].get("href") == "/k/1?a=1&b=2"
    assert anchors[0].get("aria-label") == f"{EVIL}: 5 t" == tip(anchors[0])
    assert root.get("role") == "group"


def test_proportional_circles_without_outlines() -> None:
    towns = [(m.code, m.name, m.lat, m.lon) for m in MUNICIPALITIES]
    values = {m.code: float(10 * (i + 1)) for i, m in enumerate(MUNICIPALITIES[:20])}
    values[GAVLE] = 1000.0
    values[KARLSTAD] = 250.0
    root = parse(region_map(values, title="T", unit="t", outlines=None, towns=towns))
    assert root.get("role") == "img"
    circles = {tip(t).split(":")[0]: child(t, "circle") for t in marks(root, "town")}
    assert len(circles) == len(MUNICIPALITIES)
    radius = {name: num(c, "r") for name, c in circles.items()}
    assert max(radius, key=radius.__getitem__) == "Gävle"
    width = float((root.get("viewBox") or "").split()[2])
    assert radius["Gävle"] == pytest.approx(0.08 * width, abs=0.1)
    assert radius["Karlstad"] == pytest.approx(radius["Gävle"] / 2, abs=0.1)  # area ∝ value
    assert num(circles["Gävle"], "cx") > num(circles["Karlstad"], "cx") + 100
    assert num(circles["Mora"], "cy") < num(circles["Karlstad"], "cy") - 100
    legend = sorted(num(c, "r") for c in marks(root, "legend"))
    assert len(legend) == 2 and legend[1] == pytest.approx(radius["Gävle"], abs=0.1)
    missing = [t for t in marks(root, "town") if tip(t).endswith("No data")]
    assert len(missing) == len(MUNICIPALITIES) - 21


def test_region_map_without_values_says_no_data() -> None:
    root = parse(region_map({}, title="T", unit="t", outlines=None, towns=[], empty_label="Inget"))
    assert [t.text for t in root.iter(f"{NS}text")] == ["Inget"]


@pytest.mark.parametrize(
    "render",
    [
        lambda: bar_chart([("a", 1.0)], title="T", unit="t", links=["/x"]),
        lambda: month_chart(MONTHS_30, [("A", [1.0] * 30)], title="T", unit="t"),
        lambda: region_map({"1780": 1.0}, title="T", unit="t", outlines=outlines(), towns=[]),
    ],
)
def test_charts_render_distinct_ids(render: Callable[[], Markup]) -> None:
    first, second = parse(render()), parse(render())
    assert first.get("aria-labelledby") != second.get("aria-labelledby")
