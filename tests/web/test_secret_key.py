"""No published session key outside development and testing, and gunicorn runs production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import DEVELOPMENT_SECRET_KEY, TESTING_SECRET_KEY
from reviewapp import create_app

ROOT = Path(__file__).resolve().parents[2]
REAL_KEY = "4f0c1d8e9b2a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a"


@pytest.fixture
def production_env(tmp_path, monkeypatch):
    """The environment of a production server on a SQLite file, before any key is set."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite'}")
    monkeypatch.setenv("AUDIT_SIGNING_KEY_FILE", str(tmp_path / "audit-signing-key.pem"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_a_key(production_env):
    with pytest.raises(RuntimeError, match="needs these environment variables: SECRET_KEY$"):
        create_app("production")


@pytest.mark.parametrize("key", [DEVELOPMENT_SECRET_KEY, TESTING_SECRET_KEY])
def test_production_refuses_a_built_in_key(production_env, key):
    production_env.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="built-in development or testing value"):
        create_app("production")


def test_production_refuses_a_built_in_key_given_in_code(production_env):
    production_env.setenv("SECRET_KEY", REAL_KEY)
    with pytest.raises(RuntimeError, match="built-in"):
        create_app({"CONFIG": "production", "SECRET_KEY": DEVELOPMENT_SECRET_KEY})


def test_production_refuses_a_blank_key(production_env):
    production_env.setenv("SECRET_KEY", "   ")
    with pytest.raises(RuntimeError, match="needs the SECRET_KEY environment variable"):
        create_app("production")


def test_production_starts_with_a_real_key_and_signs_with_it(production_env):
    # Set after config.py was imported: the key is read when the app is created.
    production_env.setenv("SECRET_KEY", REAL_KEY)
    app = create_app("production")
    assert app.config["SECRET_KEY"] == REAL_KEY
    assert not app.testing


@pytest.mark.parametrize("name", ["development", "testing"])
def test_development_and_testing_need_no_set_up(monkeypatch, name):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    assert create_app(name).config["SECRET_KEY"] in {DEVELOPMENT_SECRET_KEY, TESTING_SECRET_KEY}


def import_wsgi(**env: str) -> subprocess.CompletedProcess:
    """Import wsgi.py as gunicorn does, in a fresh interpreter with exactly these settings."""
    cleared = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REVIEWAPP_CONFIG", "SECRET_KEY", "DATABASE_URL", "AUDIT_SIGNING_KEY_FILE"}
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and a constant program
        [sys.executable, "-c", "import wsgi; print(wsgi.app.config['SECRET_KEY'])"],
        cwd=ROOT,
        env=cleared | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_wsgi_is_production_unless_told_otherwise(tmp_path):
    database = f"sqlite:///{tmp_path / 'wsgi.sqlite'}"
    bare = import_wsgi()
    assert bare.returncode != 0
    assert "needs these environment variables: SECRET_KEY, DATABASE_URL" in bare.stderr
    built_in = import_wsgi(DATABASE_URL=database, SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert built_in.returncode != 0
    assert "built-in development or testing value" in built_in.stderr
    served = import_wsgi(
        DATABASE_URL=database,
        SECRET_KEY=REAL_KEY,
        AUDIT_SIGNING_KEY_FILE=str(tmp_path / "audit-signing-key.pem"),
    )
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip() == REAL_KEY
    development = import_wsgi(DATABASE_URL=database, REVIEWAPP_CONFIG="development")
    assert development.returncode == 0, development.stderr
    assert development.stdout.strip() == DEVELOPMENT_SECRET_KEY
