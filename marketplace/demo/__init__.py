"""The demo region: its data, and the loader that turns it into rows through the ordinary
services."""
