"""Concertation: the Lozère service for the concertation around its contrats territoriaux."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, render_template, request, url_for

from concertation.extensions import csrf, db, login_manager, mail, migrate
from concertation.observability import register_observability

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config: type | object | None = None, **overrides: Any) -> Flask:
    """Build the application from a config class (or the one CONCERTATION_ENV names)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        instance_path=os.environ.get("INSTANCE_PATH", str(PROJECT_DIR / "instance")),
    )
    if config is None:
        from config import config_from_env

        config = config_from_env()
    app.config.from_object(config)
    app.config.update(overrides)
    register_secret_key(app)
    register_observability(app)
    register_extensions(app)
    register_guards(app)
    register_blueprints(app)
    register_favicon(app)
    register_headers(app)
    register_cli(app)
    register_signals()
    register_error_pages(app)
    register_template_helpers(app)
    return app


def register_secret_key(app: Flask) -> None:
    """Production needs SECRET_KEY from the environment; development keeps one in the instance folder."""
    if app.config.get("SECRET_KEY"):
        return
    if not app.debug and not app.testing and os.environ.get("CONCERTATION_ENV") == "production":
        raise RuntimeError("SECRET_KEY must be set in the environment in production.")
    key_file = Path(app.instance_path) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        from config import generated_secret

        key_file.write_text(generated_secret(), encoding="utf-8")
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text(encoding="utf-8").strip()


def register_extensions(app: Flask) -> None:
    from flask_bootstrap import Bootstrap5

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    import concertation.models  # noqa: F401 - complete metadata before migrations

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    mail.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "warning"
    Bootstrap5(app)

    from concertation.accounts.sessions import install

    install(app, login_manager)


def register_guards(app: Flask) -> None:
    """Before the blueprints: their URL rules take the bounded id converter when they are added."""
    from concertation.guards import register_request_guards

    register_request_guards(app)


def register_blueprints(app: Flask) -> None:
    from concertation import main
    from concertation.accounts.routes import bp as accounts_bp
    from concertation.api import register_api
    from concertation.contracts.routes import bp as contracts_bp
    from concertation.dossiers.routes import bp as dossiers_bp
    from concertation.followup.routes import bp as followup_bp
    from concertation.invitations.routes import bp as invitations_bp
    from concertation.meetings.routes import bp as meetings_bp
    from concertation.minutes.routes import bp as minutes_bp
    from concertation.notifications.routes import bp as notifications_bp
    from concertation.people.routes import bp as people_bp
    from concertation.polls.export_routes import bp as poll_exports_bp
    from concertation.polls.routes import bp as polls_bp
    from concertation.territory.routes import bp as territory_bp

    app.register_blueprint(main.bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(territory_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(contracts_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(polls_bp)
    app.register_blueprint(minutes_bp)
    app.register_blueprint(dossiers_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(poll_exports_bp)
    register_api(app)


def register_favicon(app: Flask) -> None:
    """`/favicon.ico`, which browsers and feed readers ask for whatever the page says: the static file."""
    # The static endpoint itself, so that the icon is public like the CSS and served the same way.
    app.add_url_rule(
        "/favicon.ico",
        endpoint="static",
        view_func=app.view_functions["static"],
        defaults={"filename": "favicon.ico"},
    )


def register_headers(app: Flask) -> None:
    """After the blueprints: the pages reached through a secret in their URL are found among the rules."""
    from concertation.core.headers import register_security_headers

    register_security_headers(app, hsts_max_age=app.config.get("HSTS_MAX_AGE", 0))


def register_cli(app: Flask) -> None:
    from concertation.accounts.cli import users_cli
    from concertation.contracts.cli import contracts_cli
    from concertation.demo import demo_cli
    from concertation.followup.cli import jobs_cli
    from concertation.invitations.cli import invitations_cli, mailbox_cli, outbox_cli
    from concertation.people.cli import people_cli
    from concertation.territory.cli import territory_cli

    for group in (
        users_cli,
        territory_cli,
        people_cli,
        demo_cli,
        invitations_cli,
        outbox_cli,
        mailbox_cli,
        jobs_cli,
    ):
        app.cli.add_command(group)
    app.cli.add_command(contracts_cli)


def register_signals() -> None:
    from concertation.invitations import handlers
    from concertation.minutes import handlers as minutes_handlers
    from concertation.people import handlers as people_handlers

    people_handlers.connect()
    handlers.connect()
    minutes_handlers.connect()


def register_error_pages(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    messages = {
        400: "Requête invalide.",
        403: "Vous n'avez pas les droits nécessaires pour cette page.",
        404: "Page introuvable.",
        405: "Méthode non autorisée.",
        413: "Fichier trop volumineux.",
        429: "Trop de requêtes : réessayez dans un instant.",
        500: "Erreur interne : l'équipe technique a été prévenue.",
    }

    def render_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        message = messages.get(code, error.description or "Erreur.")
        return render_template("errors/error.html", code=code, message=message), code

    for code in messages:
        app.register_error_handler(code, render_error)

    from sqlalchemy.exc import OperationalError
    from werkzeug.exceptions import ServiceUnavailable

    from concertation.api.errors import error_payload
    from concertation.core.connections import ENVIRON_COMMITTED, ENVIRON_LOST_CONNECTION, flag_lost_connection
    from concertation.core.requests import is_api_request
    from concertation.observability.requests import request_log

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Any:
        """A lost or refused database connection: 503 (the request is retried first, see retry.py)."""
        # Any other database error is a 500.
        if not flag_lost_connection(request.environ, error):
            raise error
        app.log_exception(sys.exc_info())
        # Lost during or after a COMMIT: whether it was done, nobody knows, so the request is not run
        # again; the user is told to look before doing it again, rather than shown an error page.
        unknown = bool(request.environ.get(ENVIRON_COMMITTED))
        if unknown:
            request_log.warning(
                "database connection lost during a COMMIT: its outcome is unknown, not served again",
                extra={"event": "unknown_commit", "error": request.environ.get(ENVIRON_LOST_CONNECTION, "")},
            )
        headers = {"Retry-After": "5"}
        if is_api_request():
            message = (
                "Connexion à la base de données coupée pendant l'enregistrement : relisez la ressource "
                "pour savoir s'il a abouti avant de recommencer."
                if unknown
                else "Base de données momentanément indisponible : réessayez dans quelques instants."
            )
            payload, code, _ = error_payload(ServiceUnavailable())
            return jsonify({**payload, "message": message}), code, headers
        rule = request.url_rule
        again = request.path if rule is not None and "GET" in (rule.methods or ()) else url_for("main.index")
        return render_template("errors/unavailable.html", unknown=unknown, again=again), 503, headers

    from flask_wtf.csrf import CSRFError

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        message = "Le formulaire a expiré ou n'est pas valide (jeton CSRF). Rechargez la page et recommencez."
        return render_template("errors/error.html", code=400, message=message), 400


def register_template_helpers(app: Flask) -> None:
    from concertation.core.timeutils import to_paris

    @app.template_filter("paris")
    def paris(value: Any, fmt: str = "%d/%m/%Y %H:%M") -> str:
        if value is None:
            return ""
        return to_paris(value).strftime(fmt)

    # Menu entries; an entry appears once its endpoint exists and the user's role allows it.
    menu = [
        ("main.index", "Accueil", "lecteur"),
        ("meetings.index", "Réunions", "lecteur"),
        ("contracts.index", "Contrats", "lecteur"),
        ("territory.communes", "Territoire", "lecteur"),
        ("people.index", "Élus", "lecteur"),
        ("followup.index", "Suivi", "organisateur"),
        ("notifications.mailbox", "Courriels", "organisateur"),
        ("accounts.users", "Comptes", "admin"),
        ("accounts.audit_trail", "Journal", "admin"),
    ]

    @app.context_processor
    def navigation() -> dict[str, Any]:
        from flask_login import current_user

        from concertation.core.roles import UserRole

        def nav_links() -> list[tuple[str, str]]:
            if not current_user.is_authenticated:
                return []
            return [
                (endpoint, label)
                for endpoint, label, role in menu
                if endpoint in app.view_functions and current_user.has_role(UserRole(role))
            ]

        return {"nav_links": nav_links}

    @app.template_global()
    def meeting_when(meeting: Any) -> str:
        from concertation.core.dates import format_meeting_time

        return format_meeting_time(meeting.starts_at, meeting.ends_at)

    @app.template_filter("date_fr")
    def date_fr(value: Any) -> str:
        return value.strftime("%d/%m/%Y") if value else ""
