"""Which listings could serve each other: the rules and the scan (`candidates`, `pairs`), and the
stored match lists readers use (`stored`), kept current through `tracking`."""

from marketplace.services.matching import tracking as tracking  # registers the session events
