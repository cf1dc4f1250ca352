"""Command-line tools: `flask --app marketplace <group> <command>`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from marketplace.extensions import db
from models.base import swedish_today

T = TypeVar("T")


def _import_file(
    path: Path,
    read: Callable[[Path], Any],
    error: type[Exception],
    write: Callable[[Session, Any], T],
) -> T:
    """Check the whole file first; only a file that passes is written, in one transaction."""
    try:
        records = read(path)
    except error as exc:
        raise click.ClickException(f"Nothing was imported. {exc}") from None
    with db.write_session() as session, session.begin():
        return write(session, records)


def register_cli(app: Flask) -> None:
    app.cli.add_command(taxonomy)
    app.cli.add_command(users)
    app.cli.add_command(demo)
    app.cli.add_command(listings)
    app.cli.add_command(market)
    app.cli.add_command(geo)
    app.cli.add_command(impact)
    app.cli.add_command(stats)
    app.cli.add_command(ops)


@click.group(cls=AppGroup, help="The List of Waste (EWC) and material categories.")
def taxonomy() -> None:
    pass


@taxonomy.command("import-ewc")
@click.argument("path", type=click.Path(path_type=Path))
def import_ewc_command(path: Path) -> None:
    """Load the complete List of Waste from a JSON file (idempotent; all or nothing)."""
    from marketplace.services.reference.taxonomy import (
        ImportFileError,
        import_ewc,
        parse_ewc_file,
    )

    report = _import_file(path, parse_ewc_file, ImportFileError, import_ewc)
    click.echo(
        f"Read {report.read} codes ({report.hazardous} hazardous): {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged. "
        f"{report.total_in_database} codes in the database."
    )


@taxonomy.command("seed")
def seed_command() -> None:
    """Insert the curated common codes with Swedish labels (idempotent)."""
    from marketplace.services.reference.taxonomy import seed_common_codes

    with db.write_session() as session, session.begin():
        added = seed_common_codes(session)
    click.echo(f"Curated waste codes: {added} added.")


@click.group(cls=AppGroup, help="Accounts and roles.")
def users() -> None:
    pass


@users.command("grant")
@click.argument("email")
@click.option("--staff/--no-staff", default=None, help="Regional staff (facilitator) role.")
@click.option("--admin/--no-admin", default=None, help="Administrator role.")
def grant_command(email: str, staff: bool | None, admin: bool | None) -> None:
    """Grant or withdraw the staff and administrator roles of an existing user."""
    from marketplace.services.accounts.administration import set_platform_roles
    from marketplace.services.accounts.users import find_user_by_email

    with db.write_session() as session, session.begin():
        user = find_user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"No user with the email address {email}.")
        set_platform_roles(
            session,
            actor=None,
            user_id=user.id,
            is_staff=user.is_staff if staff is None else staff,
            is_admin=user.is_admin if admin is None else admin,
        )
        click.echo(f"{user.email}: staff={user.is_staff} admin={user.is_admin}")


@users.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator")
@click.password_option()
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create a verified administrator account (first start of a new installation)."""
    from marketplace.services.accounts.users import create_user
    from marketplace.services.errors import DomainError

    with db.write_session() as session, session.begin():
        try:
            create_user(
                session, email=email, password=password, name=name, verified=True, is_admin=True
            )
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"Administrator {email} created.")


@click.group(cls=AppGroup, help="Demo data for `make run`.")
def demo() -> None:
    pass


@demo.command("load")
def demo_load_command() -> None:
    """Load the demo firms, sites, listings and logins (once; refuses in production)."""
    from marketplace.demo.loader import DemoRefused, load_demo

    settings = current_app.extensions["settings"]
    try:
        with db.write_session() as session, session.begin():
            result = load_demo(session, production=settings.is_production, today=swedish_today())
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(result)


@click.group(cls=AppGroup, help="Listing maintenance.")
def listings() -> None:
    pass


@listings.command("expire")
def expire_command() -> None:
    """Mark published listings past their end date as expired."""
    from marketplace.services.listings.lifecycle import expire_listings

    with db.write_session() as session, session.begin():
        count = expire_listings(session, today=swedish_today())
    click.echo(f"{count} listings expired.")


@click.group(cls=AppGroup, help="Tables derived from the listings, kept by the services.")
def market() -> None:
    pass


@market.command("rebuild")
def market_rebuild_command() -> None:
    """Recompute every derived table from the listings: the firms' tallies (home totals) and
    every live listing's stored match list."""
    from marketplace.services.listings.tallies import rebuild_tallies
    from marketplace.services.matching.stored import rebuild_all

    with db.write_session() as session, session.begin():
        firms = rebuild_tallies(session)
    click.echo(f"Tallies rebuilt: {firms} firms with published listings.")
    started = time.monotonic()
    with db.write_session() as session, session.begin():
        count = rebuild_all(session, today=swedish_today())
    click.echo(f"{count} match lists ranked in {time.monotonic() - started:.1f} s.")


@click.group(cls=AppGroup, help="Geographic reference data.")
def geo() -> None:
    pass


@geo.command("import-boundaries")
@click.argument("path", type=click.Path(path_type=Path))
def import_boundaries_command(path: Path) -> None:
    """Load municipality (kommunkod) or county (lanskod) polygons from a GeoJSON file."""
    from geo.boundaries import BoundaryFileError, read_boundary_file
    from marketplace.services.reference.boundaries import import_boundaries

    report = _import_file(path, read_boundary_file, BoundaryFileError, import_boundaries)
    click.echo(
        f"Read {report.read} {report.kind} boundaries: {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged."
    )


@geo.command("import-postcodes")
@click.argument("path", type=click.Path(path_type=Path))
def import_postcodes_command(path: Path) -> None:
    """Load postal codes with their towns' coordinates from a GeoNames tab-separated file."""
    from geo.postcodes import PostcodeFileError, read_postcode_file
    from marketplace.services.reference.postcodes import import_postcodes

    added, updated, unchanged = _import_file(
        path, read_postcode_file, PostcodeFileError, import_postcodes
    )
    click.echo(f"Postcodes: {added} added, {updated} updated, {unchanged} unchanged.")


@click.group(cls=AppGroup, help="Emission and cost factor sets (IMPACT.md).")
def impact() -> None:
    pass


@impact.command("load-defaults")
def load_defaults_command() -> None:
    """Publish factor set version 1 from IMPACT.md, unless a factor set exists already."""
    from marketplace.services.impact.factors import load_defaults

    with db.write_session() as session, session.begin():
        published = load_defaults(session)
    if published is None:
        click.echo("A factor set exists already; nothing loaded.")
    else:
        click.echo(
            f"Published factor set version {published.version} ({len(published.factors)} factors)."
        )


@impact.command("import-csv")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--label", required=True, help="What changed, e.g. 'DESNZ 2026 factors'.")
def import_csv_command(path: Path, label: str) -> None:
    """Publish a new factor-set version from a CSV file (key,value,unit,source,year,…)."""
    from marketplace.services.errors import DomainError
    from marketplace.services.impact.factors import parse_csv, publish

    try:
        with db.write_session() as session, session.begin():
            published = publish(session, parse_csv(path.read_text("utf-8")), label=label)
            version = published.version
    except DomainError as exc:
        raise click.ClickException(f"Nothing was published. {exc}") from None
    click.echo(f"Published factor set version {version}.")


@impact.command("export-csv")
@click.option("--version", type=int, default=None, help="A version; the one in force by default.")
def export_csv_command(version: int | None) -> None:
    """Print a factor set as CSV (a starting point for the next version)."""
    from marketplace.services.impact.factors import current_set, get_set, to_csv

    with db.write_session() as session:
        factor_set = get_set(session, version) if version else current_set(session)
        if factor_set is None:
            raise click.ClickException("No such factor set.")
        click.echo(to_csv(factor_set), nl=False)


@click.group(cls=AppGroup, help="Statistics for regional staff.")
def stats() -> None:
    pass


@stats.command("refresh")
def stats_refresh_command() -> None:
    """Recompute every published listing's best match (the statistics' potential)."""
    from marketplace.services.impact.potentials import refresh_all

    with db.write_session() as session, session.begin():
        count = refresh_all(session, today=swedish_today())
    click.echo(f"{count} published listings have a match.")


@click.group(cls=AppGroup, help="Operations: retention of personal data.")
def ops() -> None:
    pass


@ops.command("purge")
def purge_command() -> None:
    """Blank sent emails, delete notifications and sign-ins past their retention period."""
    from marketplace.services.accounts.retention import purge
    from models.base import utcnow

    periods = current_app.extensions["settings"].retention_periods()
    with db.write_session() as session, session.begin():
        report = purge(session, periods, now=utcnow())
    click.echo(
        f"{report.emails_blanked} sent emails blanked (older than {periods.outbox_days} days), "
        f"{report.notifications_deleted} notifications deleted (older than "
        f"{periods.notification_days} days), {report.sign_ins_deleted} sign-ins deleted "
        f"(older than {periods.sign_in_days} days)."
    )
