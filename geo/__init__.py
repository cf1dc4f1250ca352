"""Pure geometry for the marketplace: CRS transforms, distances, the region's gazetteer.

shapely and pyproj only; nothing here knows about databases or the web.
"""
