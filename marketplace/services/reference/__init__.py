"""Reference data and the region's conventions: waste codes and categories, boundaries, postcodes,
factor defaults, identifier formats, number and date formatting.
"""
