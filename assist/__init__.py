"""Fitting Room Assist: the domain package and the app factory."""

from pathlib import Path

from flask import Flask

from . import database, languages, server
from .config import DEV_SECRET, ROOT, Config
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate, socketio
from .forms import IdConverter


def create_app(test_config: object | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(test_config or Config)
    app.url_map.converters["int"] = IdConverter
    app.session_interface = server.ConnectionSession()
    _check_secret_key(app)
    Path(app.instance_path).mkdir(exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        app.config["SQLALCHEMY_DATABASE_URI"]
        or f"sqlite:///{Path(app.instance_path) / 'assist.db'}"
    )
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", database.engine_options(app.config))
    # Blueprints first: importing them defines the Socket.IO handlers, which SocketIO keeps
    # for every app only if they exist before socketio.init_app.
    _register_blueprints(app)
    _init_extensions(app)

    from staff import events

    from . import assets, cli, knock, web

    events.init_app(app)
    assets.init_app(app)
    web.init_app(app)
    knock.init_app(app)
    cli.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=languages.select_locale)
    languages.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "staff.signin"
    login_manager.login_message = None
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        **server.socketio_options(app.config["SOCKETIO_MESSAGE_QUEUE"]),
    )

    from . import team

    # Every request and every Socket.IO event loads the member anew: a session that ended
    # (sign-out, a new PIN, "sign out everywhere") names an old version and loads nobody.
    login_manager.user_loader(team.member_for_session)


def _register_blueprints(app: Flask) -> None:
    from kiosk import bp as kiosk_bp
    from staff import bp as staff_bp
    from start import bp as start_bp

    app.register_blueprint(kiosk_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(start_bp)


def _check_secret_key(app: Flask) -> None:
    if app.config["SECRET_KEY"] == DEV_SECRET and not (app.debug or app.testing):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        )
