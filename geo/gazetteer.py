"""The region's counties and municipalities with their main towns.

Source: SCB (Statistics Sweden) municipality codes and tätort coordinates, CC0, as listed in
the product brief. Counties: 17 Värmland, 20 Dalarna, 21 Gävleborg.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class County:
    code: str
    name: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    main_town: str
    lat: float
    lon: float

    @property
    def county_code(self) -> str:
        return self.code[:2]


COUNTIES: tuple[County, ...] = (
    County("17", "Värmland"),
    County("20", "Dalarna"),
    County("21", "Gävleborg"),
)

MUNICIPALITIES: tuple[Municipality, ...] = (
    Municipality("1715", "Kil", "Kil", 59.521, 13.296),
    Municipality("1730", "Eda", "Charlottenberg", 59.882, 12.305),
    Municipality("1737", "Torsby", "Torsby", 60.136, 13.013),
    Municipality("1760", "Storfors", "Storfors", 59.537, 14.275),
    Municipality("1761", "Hammarö", "Skoghall", 59.332, 13.498),
    Municipality("1762", "Munkfors", "Munkfors", 59.833, 13.541),
    Municipality("1763", "Forshaga", "Forshaga", 59.531, 13.485),
    Municipality("1764", "Grums", "Grums", 59.353, 13.109),
    Municipality("1765", "Årjäng", "Årjäng", 59.384, 12.134),
    Municipality("1766", "Sunne", "Sunne", 59.840, 13.143),
    Municipality("1780", "Karlstad", "Karlstad", 59.405, 13.506),
    Municipality("1781", "Kristinehamn", "Kristinehamn", 59.306, 14.105),
    Municipality("1782", "Filipstad", "Filipstad", 59.706, 14.161),
    Municipality("1783", "Hagfors", "Hagfors", 60.033, 13.694),
    Municipality("1784", "Arvika", "Arvika", 59.659, 12.599),
    Municipality("1785", "Säffle", "Säffle", 59.132, 12.917),
    Municipality("2021", "Vansbro", "Vansbro", 60.512, 14.222),
    Municipality("2023", "Malung-Sälen", "Malung", 60.677, 13.697),
    Municipality("2026", "Gagnef", "Djurås", 60.555, 15.111),
    Municipality("2029", "Leksand", "Leksand", 60.732, 15.030),
    Municipality("2031", "Rättvik", "Rättvik", 60.869, 15.108),
    Municipality("2034", "Orsa", "Orsa", 61.100, 14.650),
    Municipality("2039", "Älvdalen", "Älvdalen", 61.224, 14.045),
    Municipality("2061", "Smedjebacken", "Smedjebacken", 60.147, 15.379),
    Municipality("2062", "Mora", "Mora", 61.014, 14.564),
    Municipality("2080", "Falun", "Falun", 60.605, 15.603),
    Municipality("2081", "Borlänge", "Borlänge", 60.477, 15.447),
    Municipality("2082", "Säter", "Säter", 60.337, 15.741),
    Municipality("2083", "Hedemora", "Hedemora", 60.281, 15.981),
    Municipality("2084", "Avesta", "Avesta", 60.146, 16.142),
    Municipality("2085", "Ludvika", "Ludvika", 60.129, 15.194),
    Municipality("2101", "Ockelbo", "Ockelbo", 60.899, 16.718),
    Municipality("2104", "Hofors", "Hofors", 60.543, 16.295),
    Municipality("2121", "Ovanåker", "Edsbyn", 61.383, 15.814),
    Municipality("2132", "Nordanstig", "Bergsjö", 61.981, 17.061),
    Municipality("2161", "Ljusdal", "Ljusdal", 61.831, 16.071),
    Municipality("2180", "Gävle", "Gävle", 60.687, 17.130),
    Municipality("2181", "Sandviken", "Sandviken", 60.603, 16.765),
    Municipality("2182", "Söderhamn", "Söderhamn", 61.311, 17.078),
    Municipality("2183", "Bollnäs", "Bollnäs", 61.340, 16.386),
    Municipality("2184", "Hudiksvall", "Hudiksvall", 61.731, 17.137),
)

COUNTY_BY_CODE: dict[str, County] = {c.code: c for c in COUNTIES}
MUNICIPALITY_BY_CODE: dict[str, Municipality] = {m.code: m for m in MUNICIPALITIES}


def municipalities_in(county_code: str) -> tuple[Municipality, ...]:
    return tuple(m for m in MUNICIPALITIES if m.county_code == county_code)
