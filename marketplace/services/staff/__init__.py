"""What regional staff see and do: statistics and their SQL, the aggregate helpers, opportunities,
facilitation, exports.
"""
