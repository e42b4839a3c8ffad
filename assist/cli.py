"""Commands: `flask demo` for the demo store, `flask store create` for a real one, `flask
reports tally` to keep the settled months' report counts (run nightly: deploy/systemd)."""

import os

import click
from flask import Flask

from . import demo
from .extensions import db
from .metrics import tallies
from .models import Role, StaffMember, Store
from .team import check_secret


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(store_group)
    app.cli.add_command(reports_group)


@click.command("demo")
def demo_command() -> None:
    """Seed the demo store if the database is empty and print where to open each screen."""
    store = demo.seed()
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "5000")
    click.echo(demo.welcome_text(store, f"http://{host}:{port}"))


@click.group("store")
def store_group() -> None:
    """Set up stores."""


@store_group.command("create")
@click.option("--name", required=True)
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--language", default="en", show_default=True)
@click.option("--admin-name", required=True)
@click.password_option("--admin-password")
def create_store(name: str, timezone: str, language: str, admin_name: str, admin_password: str):
    """Create a store with the default menus and its first admin."""
    store = Store(name=name, timezone=timezone, language=language)
    db.session.add(store)
    db.session.flush()
    admin = StaffMember(store_id=store.id, name=admin_name, role=Role.ADMIN)
    admin.set_secret(check_secret(Role.ADMIN, admin_password))
    db.session.add(admin)
    demo.add_default_menus(store)
    db.session.commit()
    click.echo(f"Created store {store.name} (id {store.id}); {admin_name} can sign in at /staff/.")


@click.group("reports")
def reports_group() -> None:
    """Keep the reports fast over long histories."""


@reports_group.command("tally")
def tally_command() -> None:
    """Tally every store's settled months that have no tally under today's standards."""
    click.echo(f"Tallied {tallies.tally_settled()} store-months.")
