"""Configuration classes; environment variables override the defaults in every class."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = (
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'reviewapp.sqlite'}"
    )
    # Pre-ping survives database restarts at the cost of one round trip per request.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": os.environ.get("DATABASE_PRE_PING", "1") == "1"}
    # How long an SQLite writer waits for another one before the request answers 503.
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)
    SITE_NAME = os.environ.get("SITE_NAME") or "reviewapp"
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


class DevelopmentConfig(Config):
    """Local development on the embedded SQLite file under instance/."""

    DEBUG = False


class TestingConfig(Config):
    """The test suite: an in-memory database unless TEST_DATABASE_URL names one."""

    TESTING = True
    SECRET_KEY = "testing-only"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = True
    # Cheap hashing keeps fixtures fast; production keeps the scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    """Production: refuses to start without SECRET_KEY and DATABASE_URL."""

    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def check(cls) -> None:
        """Refuse to run with development defaults."""
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
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
