"""The command-line arguments every bench script shares."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType

from support import databases
from support.reporting import finish

BACKENDS = ("sqlite", "postgresql")


def command_line(script: str, argv: list[str]) -> str:
    """How the run was started, for the report's last line."""
    return " ".join([f".venv/bin/python bench/{script}", *argv])


def str_list(raw: str) -> list[str]:
    return [v.strip() for v in raw.split(",") if v.strip()]


def int_list(raw: str) -> list[int]:
    return [int(v) for v in str_list(raw)]


def parser_for(
    doc: str | None, sizes: list[int] | None = None, *, sizes_help: str | None = None,
    queries: tuple[int, str] | None = None,
) -> argparse.ArgumentParser:  # fmt: skip
    """The script's parser (described by its docstring's first line), with --sizes (a
    comma-separated list) and --queries (default, help) where given."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    if sizes is not None:
        parser.add_argument("--sizes", type=int_list, default=sizes, help=sizes_help)
    if queries is not None:
        parser.add_argument("--queries", type=int, default=queries[0], help=queries[1])
    return parser


def backend_arguments(parser: argparse.ArgumentParser, pg_url: str) -> None:
    """--backends (sqlite,postgresql) and --pg-url (a dedicated database)."""
    parser.add_argument("--backends", type=str_list, default=list(BACKENDS))
    parser.add_argument("--pg-url", default=pg_url)


def parse_checked(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse, then refuse unknown backends and a PostgreSQL database that is not the bench's."""
    args = parser.parse_args(argv)
    unknown = set(args.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    problem = databases.refusal(args.pg_url) if "postgresql" in args.backends else None
    if problem:
        parser.error(problem)
    return args


Notes = tuple[list[str], bool]  # lines printed after the report, and whether the run failed


def flagged(label: str, problems: list[str], most: int | None = None) -> Notes:
    """One note per problem ("MISMATCH …", at most `most`); any problem fails the run."""
    return [f"{label} {p}" for p in problems[:most]], bool(problems)


def main(script: ModuleType, argv: list[str] | None = None) -> int:
    """What every bench script runs as `__main__`: parse the arguments, measure, print the
    report and its notes, write the script's section of the `--write` file when asked; the
    exit code says whether a check failed. The script module defines `parse_args(argv)`,
    `run(args)`, `report(results, args, command)`, `SECTION` (the `<!-- SECTION:start -->`
    marker) and `TITLE` of what it writes, and `notes(results)` unless every problem is in
    `results.problems`."""
    argv = sys.argv[1:] if argv is None else argv
    args = script.parse_args(argv)
    results = script.run(args)
    lines = script.report(results, args, command_line(Path(script.__file__ or "").name, argv))
    notes, failed = (
        script.notes(results) if hasattr(script, "notes") else flagged("PROBLEM", results.problems)
    )
    return finish(args, lines, notes, failed=failed, name=script.SECTION, title=script.TITLE)
