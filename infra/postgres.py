"""Private PostgreSQL cluster under the state folder, or an external server from the environment."""

from __future__ import annotations

import contextlib
import os
import pwd
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import psycopg
from psycopg import sql

PG_ROOT = Path("/usr/lib/postgresql")
DATABASE = "casetrail"
USER = "casetrail"


def port() -> int:
    """Port of the private cluster."""
    return int(os.environ.get("CASETRAIL_PG_PORT", "15432"))


def is_external() -> bool:
    """True when DATABASE_URL or POSTGRES_HOST names a server we must not manage."""
    return bool(os.environ.get("DATABASE_URL") or os.environ.get("POSTGRES_HOST"))


def database_url(dbname: str | None = None) -> str:
    """URL of the stack's database, or of database `dbname` on the same server."""
    url = (
        os.environ.get("DATABASE_URL")
        or _postgres_host_url()
        or f"postgresql://{USER}@127.0.0.1:{port()}/{DATABASE}"
    )
    return url if dbname is None else urlsplit(url)._replace(path=f"/{dbname}").geturl()


def address() -> str:
    """host:port of the stack's PostgreSQL server."""
    parts = urlsplit(database_url())
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


def accepts(url: str) -> bool:
    """True if a connection to `url` succeeds."""
    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def create_database(name: str) -> str:
    """Create database `name` on the stack's server unless it exists; return its URL."""
    _create(database_url(), name)
    return database_url(name)


def pid(home: Path) -> int | None:
    """Pid of the private cluster's postmaster, if it is alive."""
    number = _recorded_pid(home)
    process = _process(number)
    return number if process and process[0] == "postgres" and process[1] not in "ZX" else None


def start(home: Path, timeout: float = 60.0) -> None:
    """Initialise (once) and start the private cluster unless it runs; ensure the database."""
    running = pid(home)
    started = time.monotonic()
    if running:
        print(f"PostgreSQL already running on 127.0.0.1:{port()} (pid {running})", file=sys.stderr)
    else:
        _launch(home, timeout)
    _wait(home, timeout)
    _create(database_url("postgres"), DATABASE)
    if not running:
        print(f"PostgreSQL ready in {time.monotonic() - started:.1f} s", file=sys.stderr)


def stop(home: Path) -> None:
    """Stop the private cluster (fast shutdown) if it runs."""
    running = pid(home)
    if running is None:
        print("PostgreSQL is not running", file=sys.stderr)
        return
    print(f"stopping PostgreSQL (pid {running})…", file=sys.stderr)
    data = home / "data"
    _tool(home, _bindir(data) / "pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    print("PostgreSQL stopped", file=sys.stderr)


def _launch(home: Path, timeout: float) -> None:
    """Run initdb on first use, then `pg_ctl start`, as the `postgres` OS user when root."""
    if _listening(port()):
        raise RuntimeError(
            f"127.0.0.1:{port()} is in use by another process; set CASETRAIL_PG_PORT"
        )
    _await_exit(_recorded_pid(home), timeout)
    data = home / "data"
    home.mkdir(parents=True, exist_ok=True)
    bindir = _bindir(data)
    if os.geteuid() == 0:
        _hand_to_postgres_user(home)
    if not (data / "PG_VERSION").exists():
        print(f"initialising PostgreSQL cluster in {data}…", file=sys.stderr)
        _tool(
            home,
            bindir / "initdb",
            "-D",
            str(data),
            "-U",
            USER,
            "--auth=trust",
            "--no-locale",
            "-E",
            "UTF8",
        )
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n")
    print(f"starting PostgreSQL on 127.0.0.1:{port()}…", file=sys.stderr)
    _tool(
        home,
        bindir / "pg_ctl",
        "-D",
        str(data),
        "-l",
        str(home / "postgres.log"),
        "-w",
        "-t",
        str(int(timeout)),
        "-o",
        f"-p {port()}",
        "start",
    )


def _postgres_host_url() -> str | None:
    """URL built from POSTGRES_HOST/PORT/USER/PASSWORD/DBNAME, if POSTGRES_HOST is set."""
    host = os.environ.get("POSTGRES_HOST")
    if not host:
        return None
    auth = quote(os.environ.get("POSTGRES_USER", "postgres"), safe="")
    if password := os.environ.get("POSTGRES_PASSWORD"):
        auth += ":" + quote(password, safe="")
    return (
        f"postgresql://{auth}@{host}:{os.environ.get('POSTGRES_PORT', '5432')}"
        f"/{os.environ.get('POSTGRES_DBNAME', DATABASE)}"
    )


def _recorded_pid(home: Path) -> int | None:
    try:
        return int((home / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _process(number: int | None) -> tuple[str, str] | None:
    """(command name, state letter) of process `number`, if it exists."""
    if number is None:
        return None
    try:
        head, _, tail = Path(f"/proc/{number}/stat").read_text().rpartition(")")
    except OSError:
        return None
    return head.partition("(")[2], tail.split()[0]


def _await_exit(number: int | None, timeout: float) -> None:
    """Wait for a killed postmaster to be reaped, else its lock file would block the start."""
    deadline = time.monotonic() + timeout
    while (process := _process(number)) and process[0] == "postgres":
        if time.monotonic() > deadline:
            return
        time.sleep(0.1)


def _bindir(data: Path) -> Path:
    """Server binaries matching the cluster's version, else the newest installed (apt if none)."""
    version_file = data / "PG_VERSION"
    if version_file.exists():
        return PG_ROOT / version_file.read_text().strip() / "bin"
    found = sorted(
        (int(initdb.parts[-3]), initdb.parent)
        for initdb in PG_ROOT.glob("*/bin/initdb")
        if initdb.parts[-3].isdigit()
    )
    if found:
        return found[-1][1]
    if os.geteuid() != 0:
        raise RuntimeError(
            "PostgreSQL server binaries not found under /usr/lib/postgresql: "
            "install them (sudo apt-get install postgresql) or set DATABASE_URL"
        )
    print("PostgreSQL not installed; running apt-get install -y postgresql…", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "postgresql"], check=True, env=env)
    return _bindir(data)


def _hand_to_postgres_user(home: Path) -> None:
    """Give `home` to the `postgres` OS user (the server refuses root) and make it reachable."""
    owner = pwd.getpwnam("postgres")
    for parent in home.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            print(f"chmod o+x {parent} so the postgres user can reach {home}", file=sys.stderr)
            parent.chmod(mode | stat.S_IXOTH)
    os.chown(home, owner.pw_uid, owner.pw_gid)


def _tool(home: Path, program: Path, *args: str) -> None:
    """Run a PostgreSQL tool, as the `postgres` OS user when we are root."""
    options: dict[str, Any] = {}
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        options = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    result = subprocess.run(
        [str(program), *args], capture_output=True, text=True, cwd=home, check=False, **options
    )
    if result.returncode:
        _fail(f"{program.name} failed:\n{result.stdout}{result.stderr}", home)


def _wait(home: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not accepts(database_url("postgres")):
        if time.monotonic() > deadline:
            _fail(f"PostgreSQL did not accept connections within {timeout:.0f} s", home)
        time.sleep(0.2)


def _create(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists is None:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _listening(tcp_port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", tcp_port), 1.0):
        return True
    return False


def _fail(message: str, home: Path) -> NoReturn:
    log = home / "postgres.log"
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:]) if log.exists() else ""
    raise RuntimeError(f"{message}\nsee {log}:\n{tail}")
