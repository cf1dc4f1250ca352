"""Every user-visible string is extracted and translated into Swedish."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "marketplace" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]")


def catalog():  # type: ignore[no-untyped-def]
    with PO.open("rb") as handle:
        return read_po(handle)


def test_catalogue_has_every_string_in_the_code(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(pot),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    translated = {m.id for m in catalog() if m.id}
    missing = sorted(str(m) for m in extracted - translated)
    assert not missing, f"run `make messages` and translate: {missing[:10]}"


def test_every_swedish_entry_is_translated_with_the_same_placeholders():
    problems = []
    for message in catalog():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if not string or sorted(PLACEHOLDER.findall(string)) != sorted(
                PLACEHOLDER.findall(ids[0])
            ):
                problems.append(ids[0])
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]}")
    assert not problems, problems[:10]
