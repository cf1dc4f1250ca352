"""Job functions: thin adapters that open a session, call one service, commit, enqueue more."""
