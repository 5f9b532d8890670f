"""Operational `flask` commands: init-db, create-user, seed-demo."""

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .extensions import db
from .models import utcnow
from .services import accounts
from .services.errors import ValidationError


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Database is at the latest schema.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["clinician", "staff"]))
@click.option("--name", "display_name", required=True)
@click.password_option()
@with_appcontext
def create_user(email: str, role: str, display_name: str, password: str) -> None:
    """Create a clinician or staff account (patients are enrolled by staff)."""
    try:
        accounts.create_user(email, role, display_name, password)
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {role} {email}.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has users.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Fill the database with the deterministic demo cohort (dates relative to today)."""
    from .demo import DemoRefused, seed

    try:
        summary = seed(utcnow(), if_empty=if_empty)
    except DemoRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(summary)


commands = [init_db, create_user, seed_demo]
