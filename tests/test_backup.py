"""Backup and restore (README, Backup): a restored copy passes `flask audit verify` and holds the
same rows. SQLite: `flask backup FILE` (the online backup API); PostgreSQL: pg_dump -Fc and
pg_restore into a fresh database, when those tools are installed."""
import os
import shutil
import subprocess
from urllib.parse import urlparse

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from core.extensions import db
from harden_support import fingerprint


def _seed(runner, api, make_project):
    pid = make_project()
    api.as_user("pm").put(f"/api/v1/project/{pid}", json={"name": "备份前改名"})
    result = runner.invoke(args=["demo", "seed", "--projects", "20", "--no-users"])
    assert result.exit_code == 0, result.output


def _restored_app(url):
    return create_app({"PLANGUARD_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})


def _check_restored(app, url):
    restored = _restored_app(url)
    assert fingerprint(restored) == fingerprint(app)
    result = restored.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output, result.output
    with restored.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_sqlite_backup_restores_with_an_intact_trail(app, runner, api, make_project,
                                                        tmp_path):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite online backup; PostgreSQL is tested with pg_dump below")
    _seed(runner, api, make_project)
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    restored = tmp_path / "restored.db"
    shutil.copy(target, restored)  # restoring = putting the file in place
    _check_restored(app, f"sqlite:///{restored}")


def test_a_postgresql_dump_restores_with_an_intact_trail(app, runner, api, make_project,
                                                          tmp_path):
    with app.app_context():
        url = db.engine.url
        if url.get_backend_name() != "postgresql":
            pytest.skip("PostgreSQL only (DATABASE_URL)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed")
    _seed(runner, api, make_project)
    plain = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    dump = tmp_path / "planguard.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), plain], check=True)
    parts = urlparse(plain)
    copy_name = parts.path.lstrip("/") + "_restored"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}"'))
        conn.execute(text(f'CREATE DATABASE "{copy_name}"'))
    try:
        target = parts._replace(path="/" + copy_name).geturl()
        subprocess.run(["pg_restore", "--no-owner", "-d", target, str(dump)], check=True)
        _check_restored(app, url.set(database=copy_name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'))
        admin.dispose()
