"""Recovery: follow patients after vertebroplasty or kyphoplasty."""

import os

from flask import Flask

from . import config as config_module
from .extensions import babel, csrf, db, login_manager, migrate
from .models.types import render_migration_type


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI, error handlers."""
    instance_path = os.environ.get("RECOVERY_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    try:
        os.makedirs(app.instance_path, exist_ok=True)
    except OSError:
        pass  # only a SQLite database needs it: check_writable says so in one line
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    config_module.check(app.config)
    from .database import check_writable

    check_writable(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    from . import instruments

    instruments.init_app(app)  # a questionnaire that cannot be scored stops start-up here
    config_module.check_outcome_schedule(app.config, app.extensions["instruments"])

    register_extensions(app)
    if test_config is None:  # a real process (flask command, gunicorn): fail fast, in one line
        from .database import check_reachable

        with app.app_context():
            check_reachable(db.engine)
    from .security.inputs import register_converters

    register_converters(app)
    register_blueprints(app)
    register_assets(app)
    register_security(app)
    register_commands(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from . import models  # noqa: F401  (registers the tables with the metadata)
    from .database import configure_engine
    from .i18n import select_locale

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **config_module.pool_options(app.config), **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(__file__), "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        render_item=render_migration_type,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)


def register_blueprints(app: Flask) -> None:
    """One blueprint per audience."""
    from .account import bp as account_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .clinic import bp as clinic_bp
    from .links import bp as links_bp
    from .patient import bp as patient_bp
    from .staff import bp as staff_bp
    from .texting import bp as texting_bp
    from .vendor import bp as vendor_bp

    for bp in (auth_bp, patient_bp, clinic_bp, staff_bp, links_bp, vendor_bp, account_bp, api_bp, texting_bp):
        app.register_blueprint(bp)


def register_assets(app: Flask) -> None:
    """Compressed responses; versioned static URLs, cached for a year (see recovery/assets.py)."""
    from .assets import init_app

    init_app(app)


def register_security(app: Flask) -> None:
    """Headers, request ids, session expiry and login rate limits (see recovery/security/)."""
    from .security import init_app

    init_app(app)


def register_commands(app: Flask) -> None:
    """Every operational action is a `flask` command."""
    from .cli import commands

    for command in commands:
        app.cli.add_command(command)


def register_errorhandlers(app: Flask) -> None:
    """Friendly pages for errors; never a stack trace."""
    from . import unsaved
    from .errors import register

    register(app)
    unsaved.register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters that show UTC times in the viewer's or patient's time zone; the error summary."""
    from . import error_summary
    from .display import register

    register(app)
    error_summary.register(app)
