"""Alert subscriptions, the in-memory index of them, the fan-out of a published listing to
subscribers, and digests.
"""
