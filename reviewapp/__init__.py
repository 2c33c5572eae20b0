"""reviewapp: editorial review platform for medical guideline articles."""

from pathlib import Path

from flask import Flask
from flask_babel import Babel
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_for


def create_app(config: str | dict | None = None) -> Flask:
    """Create and wire the application; `config` is a config name or a mapping of overrides."""
    app = Flask(__name__, instance_relative_config=True)
    overrides = config if isinstance(config, dict) else {}
    config_class = config_for(config if isinstance(config, str) else overrides.pop("CONFIG", None))
    app.config.from_object(config_class)
    app.config.update(overrides)
    # After the overrides: what is refused is what the app would really run with.
    config_class.check(app.config)
    if app.config["PROXY_FIX_X_FOR"]:
        # Sign-in limits count per client address: take it from the proxies we trust, only.
        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from reviewapp import cli
    from reviewapp.blueprints.api.spec import ReviewApi
    from reviewapp.extensions import csrf, db, login_manager, migrate
    from reviewapp.models import connections
    from reviewapp.web import change_signal, errors, hostile_input, page_cache, security, templating

    connections.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    hostile_input.init_app(app)
    # flask-smorest handles HTTP errors app-wide; ours, registered after it, answer instead.
    api = ReviewApi(app)
    errors.init_app(app)
    templating.init_app(app)
    # The reader's pages speak their article's language; every other page stays English.
    Babel(app, locale_selector=templating.page_locale)
    page_cache.init_app(app)
    change_signal.init_app(app)
    cli.init_app(app)

    from reviewapp.blueprints.admin import views as admin_views
    from reviewapp.blueprints.api import views as api_views
    from reviewapp.blueprints.auth import views as auth_views
    from reviewapp.blueprints.board import views as board_views
    from reviewapp.blueprints.editor import views as editor_views
    from reviewapp.blueprints.inbox import views as inbox_views
    from reviewapp.blueprints.ops import views as ops_views
    from reviewapp.blueprints.people import views as people_views
    from reviewapp.blueprints.public import views as public_views
    from reviewapp.blueprints.transparency import views as transparency_views
    from reviewapp.blueprints.withdrawals import views as withdrawal_views

    app.register_blueprint(public_views.bp)
    app.register_blueprint(people_views.bp)
    app.register_blueprint(ops_views.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(editor_views.bp)
    app.register_blueprint(inbox_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(board_views.bp)
    app.register_blueprint(transparency_views.bp)
    app.register_blueprint(withdrawal_views.bp)
    # The API authenticates each request with a bearer token, never with the session cookie.
    csrf.exempt(api_views.bp)
    api.register_blueprint(api_views.bp)
    return app
