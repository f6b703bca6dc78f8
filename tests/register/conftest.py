"""The register's tests run twice: on a SQLite file and on a real PostgreSQL server.

The server is the machine's own PostgreSQL (``pg_ctl`` and ``initdb`` on the
PATH, or in /usr/lib/postgresql/*/bin), started once per session in a
temporary folder with a unix socket there and a free port, and stopped at the
end. PostgreSQL refuses to run as root, so when the tests run as root the
server runs as the ``postgres`` user (or ``nobody``). The PostgreSQL runs are
skipped, saying why, only when the binaries cannot be found.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

BACKENDS = ("sqlite", "postgresql")
_counter = itertools.count()


def _binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres, or None."""
    candidates = []
    for name in ("pg_ctl", "initdb"):
        found = shutil.which(name)
        if found:
            candidates.append(Path(os.path.realpath(found)).parent)
    candidates += [Path(folder) for folder in
                   sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for folder in candidates:
        if all((folder / name).exists() for name in ("pg_ctl", "initdb", "postgres")):
            return folder
    return None


def _server_user() -> str | None:
    """The user the server runs as: None for the current one, unless that is root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.skip("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")
    return None  # pragma: no cover


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL server; :meth:`database` makes a fresh database and its URL."""

    def __init__(self, binaries: Path, user: str | None) -> None:
        self.binaries, self.user = binaries, user
        self.folder = Path(tempfile.mkdtemp(prefix="bpv-pg-"))
        self.port = _free_port()
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.data = self.folder / "data"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.binaries / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=False,
                              cwd=self.folder, timeout=120)

    def start(self) -> None:
        init = self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "bpv",
                         "-E", "UTF8", "--no-sync")
        if init.returncode:
            pytest.fail(f"initdb failed: {init.stdout}{init.stderr}")
        start = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"),
                          "-w", "-o", f"-k {self.folder} -p {self.port} -h '' -F", "start")
        if start.returncode:
            log = (self.folder / "log").read_text(errors="replace") \
                if (self.folder / "log").exists() else ""
            pytest.fail(f"pg_ctl start failed: {start.stdout}{start.stderr}{log}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://bpv@/{database}?host={self.folder}&port={self.port}"

    def database(self) -> str:
        """Create an empty database; return its URL."""
        import sqlalchemy as sa

        name = f"register_{os.getpid()}_{next(_counter)}"
        engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session (skipped, with the reason, without PostgreSQL)."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL not found (no pg_ctl/initdb on the PATH or in "
                    "/usr/lib/postgresql/*/bin); .ci/run installs it with apt-get")
    server = PostgresServer(binaries, _server_user())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=BACKENDS)
def register_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty register: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "bpv-register.db")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.database()
