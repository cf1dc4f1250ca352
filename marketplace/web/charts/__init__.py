"""Accessible inline SVG charts for the staff dashboard (see `svg` for the markup rules):
bars and months in `plots`, the region's maps in `maps`."""

from marketplace.web.charts.maps import network_map, region_map
from marketplace.web.charts.plots import bar_chart, month_chart
from marketplace.web.charts.svg import COLOURS, GREENS, MISSING, nice_ticks

__all__ = [
    "COLOURS",
    "GREENS",
    "MISSING",
    "bar_chart",
    "month_chart",
    "network_map",
    "nice_ticks",
    "region_map",
]
