"""Operational `flask` commands: database, accounts, demo data, the scheduler, the mail sink."""

import os

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .extensions import db
from .models import utcnow
from .services import accounts, clinic_calendar
from .services.errors import ValidationError


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the database schema to the latest migration; seed the clinic's hours once."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("Database is at the latest schema.")
    if clinic_calendar.seed(utcnow()):
        db.session.commit()
        click.echo("Clinic hours and closed dates copied from CLINIC_HOURS and CLINIC_CLOSED.")


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


@click.command("deactivate-user")
@click.argument("login")
@with_appcontext
def deactivate_user(login: str) -> None:
    """Close an account (by e-mail or record number): it can no longer sign in, its sessions end
    at once and its set-password links stop working."""
    user = accounts.find_user(login)
    if user is None:
        raise click.ClickException(f"No account {login!r}.")
    accounts.deactivate(user, utcnow())
    db.session.commit()
    click.echo(f"Deactivated {login}; its sessions are ended.")


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


@click.command("scheduler")
@click.option("--name", default=None, help="Worker name for the heartbeat (default host:pid).")
@click.option("--interval", default=30, show_default=True, help="Seconds between sweeps.")
@with_appcontext
def scheduler(name: str | None, interval: int) -> None:
    """Run the reminder scheduler in the foreground until stopped (SIGTERM or Ctrl-C)."""
    import logging

    from . import scheduler as scheduler_module

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"Reminder scheduler started (every {interval} s). Stop with Ctrl-C.")
    scheduler_module.run(current_app._get_current_object(), name, interval)
    click.echo("Reminder scheduler stopped.")


@click.command("send-due-reminders")
@click.option("--now", "at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z"]), default=None,
              help="Act as if it were this time (ISO 8601 with offset), e.g. to replay a day.")
@click.option("--name", default=None, help="Worker name (default host:pid).")
@click.option("--batch", default=None, type=int, help="Reminders claimed at a time (default 500).")
@with_appcontext
def send_due_reminders(at, name, batch) -> None:
    """Plan and send every due reminder once, then exit (for cron or by hand)."""
    from .jobs import dispatch_due
    from .reminders.dispatch import BATCH

    report = dispatch_due(at or utcnow(), name, batch or BATCH)
    click.echo(f"sent {len(report.sent)}, dropped {len(report.dropped)}, "
               f"retrying {len(report.retried)}, failed {len(report.failed)}, held {len(report.held)}, "
               f"left for the next run {len(report.deferred)}")


@click.command("rebuild-cohort-summary")
@with_appcontext
def rebuild_cohort_summary() -> None:
    """Recompute the cohort page's summary (checkin_buckets) from the check-ins, e.g. after a bulk load."""
    from .services.buckets import rebuild

    rows = rebuild()
    db.session.commit()
    click.echo(f"Cohort summary rebuilt: {rows} rows.")


@click.command("smtp-sink")
@click.option("--port", default=8025, show_default=True)
@click.option("--maildir", default=None, help="Folder to save messages in (default instance/mail).")
@click.option("--delay", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait before accepting each message (a slow mail server).")
@with_appcontext
def smtp_sink(port: int, maildir: str | None, delay: float) -> None:
    """A local SMTP server that prints and saves every message (development only)."""
    from .devmail import serve

    serve(port, maildir or os.path.join(current_app.instance_path, "mail"), delay)


def _number_codes(values: tuple[str, ...], option: str) -> dict[str, int]:
    pairs = {}
    for value in values:
        number, _, code = value.partition("=")
        if not number or not code.isdigit():
            raise click.BadParameter(f"{value!r}: use NUMBER=CODE, e.g. +12195550123=30003",
                                     param_hint=option)
        pairs[number] = int(code)
    return pairs


@click.command("sms-sink")
@click.option("--port", default=8026, show_default=True)
@click.option("--folder", default=None, help="Folder to save texts in (default instance/sms).")
@click.option("--delay", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait before answering each message (a slow provider).")
@click.option("--throttle-every", default=0, show_default=True, type=click.IntRange(min=0),
              help="Answer 429 Too Many Requests to every Nth message (0: never).")
@click.option("--fail", multiple=True, metavar="NUMBER=CODE",
              help="Report this number's texts undelivered/failed with this Twilio error code (e.g. 30003).")
@click.option("--refuse", multiple=True, metavar="NUMBER=CODE",
              help="Refuse texts to this number with this Twilio error code (21610: opted out).")
@click.option("--inbound-url", default=None,
              help="Where /_sink/reply posts a patient's text (default BASE_URL/sms/inbound).")
@click.option("--no-callbacks", is_flag=True, help="Post no status callbacks.")
@with_appcontext
def sms_sink(port, folder, delay, throttle_every, fail, refuse, inbound_url, no_callbacks) -> None:
    """A local stand-in for Twilio's messaging API: saves texts, posts status callbacks (development only)."""
    from .devsms import Sink, serve

    config = current_app.config
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        raise click.ClickException("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (any values, for the sink)")
    sink = Sink(folder or os.path.join(current_app.instance_path, "sms"), config["TWILIO_ACCOUNT_SID"],
                config["TWILIO_AUTH_TOKEN"], inbound_url or f"{config['BASE_URL']}/sms/inbound", delay=delay,
                throttle_every=throttle_every, fail=_number_codes(fail, "--fail"),
                refuse=_number_codes(refuse, "--refuse"), callbacks=not no_callbacks)
    serve(port, sink)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup(path: str) -> None:
    """Write a consistent copy of the database to PATH while the app keeps running."""
    from .backup import BackupError
    from .backup import backup as make_backup

    try:
        info = make_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {path} ({info.kind}{_revision(info)}).")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Really replace everything in the database with the backup.")
@with_appcontext
def restore(path: str, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH (stop the app and scheduler first)."""
    from .backup import BackupError, inspect
    from .backup import restore as restore_backup

    try:
        info = inspect(path)
        if not yes:
            raise click.ClickException(
                f"This replaces everything in the database with {path} ({info.kind}{_revision(info)}). "
                "Stop the app and the scheduler, then run again with --yes."
            )
        db.session.remove()
        db.engine.dispose()  # no connection of ours may hold the database while it is replaced
        restore_backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {path}. Run `flask --app recovery init-db` if this code has newer migrations.")


def _revision(info) -> str:
    return f", schema {info.revision}" if info.revision else ""


commands = [init_db, create_user, deactivate_user, seed_demo, scheduler, send_due_reminders,
            rebuild_cohort_summary, smtp_sink, sms_sink, backup, restore]
