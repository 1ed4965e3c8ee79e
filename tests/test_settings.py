"""Settings read from the environment fail loudly on bad values (STYLE habit 8)."""

import base64
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from safeguarding.env import envbool, envint, envkeys, envlist, envstr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_settings(**env):
    """Import the settings module in a fresh interpreter with exactly this environment."""
    base = {"PATH": os.environ["PATH"], "PYTHONPATH": ROOT}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import safeguarding.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env={**base, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_it_runs_the_suite_on_postgresql_under_make_test():
    if os.environ.get("SAFEGUARDING_TEST_BACKEND") == "postgresql":
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor in {"postgresql", "sqlite"}


def test_it_refuses_a_bad_boolean(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be true or false"):
        envbool("X_FLAG", False)


@pytest.mark.parametrize(
    "raw,expected", [("true", True), ("FALSE", False), ("1", True), ("", True)]
)
def test_it_reads_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert envbool("X_FLAG", True) is expected


def test_it_refuses_a_bad_number(monkeypatch):
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        envint("X_NUM", 1)


def test_it_reads_a_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert envstr("X_SECRET") == "s3cret"


def test_it_fails_when_the_secret_file_is_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "nope"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        envstr("X_SECRET")


def test_it_splits_lists(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "a.example, b.example,,")
    assert envlist("X_HOSTS", []) == ["a.example", "b.example"]


def test_it_requires_a_secret_key_when_not_debugging():
    result = load_settings(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="x.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


KEY = "k2:" + base64.b64encode(b"x" * 32).decode()


def test_it_requires_digest_keys_when_not_debugging():
    result = load_settings(
        DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k" * 50, DJANGO_ALLOWED_HOSTS="x.example"
    )
    assert result.returncode != 0
    assert "SAFEGUARDING_DIGEST_KEYS must be set" in result.stderr
    result = load_settings(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 50,
        DJANGO_ALLOWED_HOSTS="x.example",
        SAFEGUARDING_DIGEST_KEYS=KEY,
    )
    assert result.returncode == 0, result.stderr


def test_it_reads_digest_keys_in_order_the_first_current(monkeypatch):
    old = base64.b64encode(b"o" * 40).decode()
    monkeypatch.setenv("X_KEYS", f"{KEY}, k1:{old}")
    assert envkeys("X_KEYS") == {"k2": b"x" * 32, "k1": b"o" * 40}
    assert list(envkeys("X_KEYS")) == ["k2", "k1"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("nocolon", "id:base64key"),
        ("bad id!:" + base64.b64encode(b"x" * 32).decode(), "id:base64key"),
        ("k1:not base64!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "at least 32 bytes"),
        (f"{KEY},{KEY}", "twice"),
    ],
)
def test_it_refuses_bad_digest_keys(monkeypatch, value, words):
    monkeypatch.setenv("X_KEYS", value)
    with pytest.raises(ImproperlyConfigured, match=words):
        envkeys("X_KEYS")


def test_it_uses_a_development_digest_key_when_debugging():
    result = load_settings(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr


def test_it_requires_allowed_hosts_when_not_debugging():
    result = load_settings(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_it_refuses_a_database_it_does_not_support():
    result = load_settings(DJANGO_DEBUG="true", DATABASE_URL="mysql://u:p@h/db")
    assert result.returncode != 0
    assert "DATABASE_URL must be postgres" in result.stderr


def test_it_defaults_to_sqlite_for_a_newcomer():
    result = load_settings(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_it_reads_a_postgres_url():
    result = load_settings(DJANGO_DEBUG="true", DATABASE_URL="postgres://u:p@localhost:5433/db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"
