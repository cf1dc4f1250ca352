"""What the bench scripts share: generated data (`synthetic`), benchmark databases
(`databases`), timers (`clock`), reports (`reporting`) and the common command line (`cli`).
The scripts import this package and the application, never one another.

Importing it puts the project root first on sys.path, so that a script run as
`python bench/<script>.py` measures the checkout it belongs to (isort places `support`, a
third-party name to it, before the project's own packages)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project root
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
