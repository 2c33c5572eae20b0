"""Configuration classes; environment variables override the defaults in every class."""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Session keys anyone can read here, so anyone could sign a session cookie with them: they
# serve development and the tests only, and every other configuration refuses them.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"
TESTING_SECRET_KEY = "testing-only"
BUILT_IN_SECRET_KEYS = frozenset({DEVELOPMENT_SECRET_KEY, TESTING_SECRET_KEY})
NEW_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"
NEW_AUDIT_SIGNING_KEY = "AUDIT_SIGNING_KEY_FILE=FILE flask audit keygen"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class FromEnvironment:
    """A setting read from the environment when an app is created, not when this is imported.

    The session key is checked against what the app will really sign with, so it must not be
    a value left over from whenever this module happened to be imported.
    """

    def __init__(self, name: str, default: str | None = None) -> None:
        self.name = name
        self.default = default

    def __get__(self, instance: object, owner: type) -> str | None:
        return os.environ.get(self.name) or self.default


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = FromEnvironment("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = (
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'reviewapp.sqlite'}"
    )
    # Pre-ping survives database restarts at the cost of one round trip per request.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": os.environ.get("DATABASE_PRE_PING", "1") == "1"}
    # How long an SQLite writer waits for another one before the request answers 503.
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)
    # One body limit for forms and the API (413 beyond it): the largest legitimate request is
    # an edit form of 100,000 + 2,500 characters, up to 12 bytes each once a 4-byte UTF-8
    # character is percent-encoded (or JSON-escaped as two \u escapes): 1.23 MB.
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SITE_NAME = os.environ.get("SITE_NAME") or "reviewapp"
    # Emails are read away from the site: their links need its address.
    SITE_URL = os.environ.get("SITE_URL") or "http://localhost:5000"
    # smtp://host:port, smtp+starttls://… or smtps://… (implicit TLS), with user:password@
    # when the server wants them. Unset: each message is written as an .eml file to MAIL_DIR.
    MAIL_URL = FromEnvironment("MAIL_URL")
    MAIL_DIR = os.environ.get("MAIL_DIR") or str(INSTANCE_DIR / "mail")
    MAIL_FROM = os.environ.get("MAIL_FROM") or "reviewapp <noreply@localhost>"
    MAIL_TIMEOUT_SECONDS = _env_int("MAIL_TIMEOUT_SECONDS", 30)
    # A worker's claim on a message lapses after this long: one that died mid-send is retried.
    OUTBOX_CLAIM_LEASE_SECONDS = _env_int("OUTBOX_CLAIM_LEASE_SECONDS", 600)
    # A refused send waits this long, doubled at each further attempt, up to a day.
    OUTBOX_RETRY_SECONDS = _env_int("OUTBOX_RETRY_SECONDS", 60)
    OUTBOX_MAX_ATTEMPTS = _env_int("OUTBOX_MAX_ATTEMPTS", 8)
    # The board countersigns a withdrawal or retraction within this many days; after that
    # `flask notify due` flags it to every board member.
    WITHDRAWAL_COUNTERSIGN_DAYS = _env_int("WITHDRAWAL_COUNTERSIGN_DAYS", 3)
    CONTENT_DIR = os.environ.get("CONTENT_DIR") or str(BASE_DIR / "content")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Shared caches may keep a public page this long before revalidating with its ETag.
    PUBLIC_PAGE_MAX_AGE = _env_int("PUBLIC_PAGE_MAX_AGE", 60)
    # Rendered public pages each worker keeps; 0 turns the cache off.
    PAGE_CACHE_ENTRIES = _env_int("PAGE_CACHE_ENTRIES", 512)
    # Skip the per-request revision query while the database signals no article changed
    # (reviewapp/change_signal.py); 0 reads the revision on every request.
    CHANGE_SIGNAL = os.environ.get("CHANGE_SIGNAL", "1") == "1"
    GUNICORN_WORKERS = _env_int("GUNICORN_WORKERS", 2)
    # How many reverse proxies in front set X-Forwarded-For/-Proto; 0 trusts none of them.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)
    PASSWORD_HASH_METHOD = "scrypt"
    # The Ed25519 key that signs audit checkpoints lives in this file, outside the database:
    # whoever can write the database cannot sign. Development and the tests create it on
    # first use; production must be given one made by `flask audit keygen`.
    AUDIT_SIGNING_KEY_FILE = FromEnvironment(
        "AUDIT_SIGNING_KEY_FILE", str(INSTANCE_DIR / "audit-signing-key.pem")
    )
    AUDIT_SIGNING_KEY_CREATE = True
    # Only development and testing may sign sessions with a key published in this file.
    allows_built_in_secret_key = False

    @classmethod
    def check(cls, settings: Mapping[str, Any]) -> None:
        """Refuse to run on a missing or built-in session key, outside development and testing."""
        if cls.allows_built_in_secret_key:
            return
        key = settings.get("SECRET_KEY")
        if not key or not str(key).strip():
            raise RuntimeError(
                f"{cls.__name__} needs the SECRET_KEY environment variable: a long random value "
                f"shared by every server, such as the output of {NEW_SECRET_KEY}"
            )
        if key in BUILT_IN_SECRET_KEYS:
            raise RuntimeError(
                f"SECRET_KEY is a built-in development or testing value, published in config.py, "
                f"with which anyone can forge a session: {cls.__name__} refuses it. Set SECRET_KEY "
                f"to a long random value, such as the output of {NEW_SECRET_KEY}"
            )


class DevelopmentConfig(Config):
    """Local development on the embedded SQLite file under instance/."""

    DEBUG = False
    allows_built_in_secret_key = True


class TestingConfig(Config):
    """The test suite: an in-memory database unless TEST_DATABASE_URL names one."""

    TESTING = True
    SECRET_KEY = TESTING_SECRET_KEY
    allows_built_in_secret_key = True
    SQLALCHEMY_DATABASE_URI = FromEnvironment("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    # Cheap hashing keeps fixtures fast; production keeps the scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    """Production: refuses to start without DATABASE_URL, a SECRET_KEY of its own, or the file
    of the key that signs audit checkpoints."""

    SECRET_KEY = FromEnvironment("SECRET_KEY")
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    AUDIT_SIGNING_KEY_FILE = FromEnvironment("AUDIT_SIGNING_KEY_FILE")
    # A key made on the fly would sign checkpoints nobody kept the public key of.
    AUDIT_SIGNING_KEY_CREATE = False

    @classmethod
    def check(cls, settings: Mapping[str, Any]) -> None:
        """Refuse to run with development defaults: the SQLite file, a published session key, a
        checkpoint signing key made on the fly."""
        given = {
            "SECRET_KEY": settings.get("SECRET_KEY"),
            "DATABASE_URL": os.environ.get("DATABASE_URL"),
        }
        missing = [name for name, value in given.items() if not value]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        super().check(settings)
        if not str(settings.get("AUDIT_SIGNING_KEY_FILE") or "").strip():
            raise RuntimeError(
                f"{cls.__name__} needs the AUDIT_SIGNING_KEY_FILE environment variable: the path "
                f"of the private key that signs audit checkpoints, kept outside the database and "
                f"readable by the app only. Create the file once with {NEW_AUDIT_SIGNING_KEY}"
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    """Return the configuration class for REVIEWAPP_CONFIG (development by default)."""
    key = name or os.environ.get("REVIEWAPP_CONFIG", "development")
    if key not in CONFIGS:
        raise RuntimeError(f"Unknown REVIEWAPP_CONFIG {key!r}; use one of {', '.join(CONFIGS)}")
    return CONFIGS[key]
