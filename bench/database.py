"""The bench's own database: a SQLite file, or a database created on DATABASE_URL's server.

Runs before Django is set up (it decides what bench/settings.py will connect to).
"""

import fcntl
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import environ


@dataclass
class Target:
    vendor: str  # "sqlite" or "postgresql"
    name: str  # the file's path, or the database's name
    server: dict | None = None  # connection parameters of the server's maintenance database
    lock: object = field(default=None, repr=False)  # held while a run uses the SQLite file

    def describe(self) -> str:
        if self.server is None:
            return f"SQLite file {self.name}"
        where = f"{self.server.get('HOST') or 'localhost'}:{self.server.get('PORT') or 5432}"
        return f"PostgreSQL database {self.name} on {where}"


def target_from_environment(bench_dir: Path) -> Target:
    """DATABASE_URL (PostgreSQL) if set, else var/bench/bench.sqlite3. Exports BENCH_DATABASE
    for bench/settings.py, here and in the gunicorn it starts."""
    url = os.environ.get("DATABASE_URL", "")
    if url and not url.startswith("sqlite"):
        server = environ.Env.db_url_config(url)
        if "postgresql" not in server["ENGINE"]:
            raise SystemExit(f"bench: DATABASE_URL must be PostgreSQL or SQLite, not {url!r}.")
        target = Target("postgresql", f"bench_plant_to_patient_{os.getpid()}", server)
    else:
        target = Target("sqlite", str(bench_dir / "bench.sqlite3"))
    os.environ["BENCH_DATABASE"] = target.name
    return target


def _sqlite_files(target: Target) -> list[Path]:
    return [Path(target.name + suffix) for suffix in ("", "-journal", "-wal", "-shm")]


def _connect(target: Target):
    import psycopg

    s = target.server
    return psycopg.connect(
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        dbname=s.get("NAME") or "postgres",
        autocommit=True,
    )


def _lock_sqlite(target: Target) -> None:
    """One run at a time uses the SQLite file: a second waits instead of deleting it under
    the first one's server."""
    target.lock = open(target.name + ".lock", "w")  # noqa: SIM115 - released in drop()
    try:
        fcntl.flock(target.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"bench: another run is using {target.name}; waiting for it", file=sys.stderr)
        fcntl.flock(target.lock, fcntl.LOCK_EX)


def create(target: Target) -> None:
    """An empty database (a previous run's is removed first)."""
    if target.server is None:
        Path(target.name).parent.mkdir(parents=True, exist_ok=True)
        _lock_sqlite(target)
        for path in _sqlite_files(target):
            path.unlink(missing_ok=True)
        return
    from psycopg import sql

    with _connect(target) as conn:
        name = sql.Identifier(target.name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop(target: Target, *, keep: bool = False) -> None:
    """Removes the database (unless `keep`) and lets the next run have the SQLite file."""
    if target.server is None:
        if not keep:
            for path in _sqlite_files(target):
                path.unlink(missing_ok=True)
        if target.lock is not None:
            target.lock.close()  # closing releases the lock
            target.lock = None
        return
    if keep:
        return
    from psycopg import sql

    with _connect(target) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name))
        )


@contextmanager
def own_database(bench_dir: Path, sqlite_name: str, *, keep: bool = False):
    """A scenario's database, set up for Django and migrated; dropped afterwards (unless
    `keep`). SQLite: a file of its own (`sqlite_name`), since a page bench may be running
    beside it; PostgreSQL: a database of its own on DATABASE_URL's server. Yields the Target."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    bench_dir.mkdir(parents=True, exist_ok=True)
    target = target_from_environment(bench_dir)
    if target.server is None:
        target = Target("sqlite", str(bench_dir / sqlite_name))
        os.environ["BENCH_DATABASE"] = target.name
    print(f"bench: {target.describe()}", flush=True)
    create(target)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        yield target
    finally:
        try:
            from django.db import connections

            connections.close_all()
        finally:
            drop(target, keep=keep)
            if keep:
                print(f"bench: kept {target.describe()}")
