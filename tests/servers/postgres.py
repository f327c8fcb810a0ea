"""A PostgreSQL server of our own on loopback (Debian's packages), started for the test session."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid

import sqlalchemy

from tests.conftest import free_port


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


class PostgresServer:
    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="kite-pg-")
        self.admin_url = f"postgresql+psycopg://kite@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        # PostgreSQL refuses to run as root: run it as the postgres user then
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *args], check=True, capture_output=True)

    def start(self) -> None:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL is not installed: ./test.sh installs Debian's postgresql package")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(initdb, "-D", self.data, "-U", "kite", "--auth=trust", "-E", "UTF8")
        self.up()

    @property
    def data(self) -> str:
        return os.path.join(self.dir, "data")

    def up(self) -> None:
        self._run(_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
                  "start")

    def down(self) -> None:
        """Stop the server as an operator restarting it would: open connections are cut."""
        self._run(_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        pg_ctl = _bin("pg_ctl")
        if pg_ctl:
            self._run(pg_ctl, "-D", self.data, "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    def new_database(self) -> str:
        name = "kite_" + uuid.uuid4().hex[:12]
        engine = sqlalchemy.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
        engine.dispose()
        return f"postgresql+psycopg://kite@127.0.0.1:{self.port}/{name}"
