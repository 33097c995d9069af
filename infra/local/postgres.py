"""The private PostgreSQL cluster under the state folder (``infra.servers`` says where
it, or an external server, is).

The private cluster asks every client for a password (scram-sha-256). Its roles, each
with a password generated into the state folder's ``secrets/`` (mode 0600): the
superuser ``casetrail``, used only here to manage the roles and the database; the
owner ``casetrail_owner``, which owns the database and runs every schema change; and
the processes' roles of ``infra.grants``.
"""

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

import psycopg
from psycopg import sql

from infra import grants
from infra.servers import (
    DATABASE,
    OWNER,
    SUPERUSER,
    database_url,
    local_password,
    local_url,
    postgres_port,
)
from infra.state import secrets_dir

PG_ROOT = Path("/usr/lib/postgresql")
# Each process holds a few pooled connections (the library's five, its own pool's): a
# platform takes about sixty, and the tests run two platforms at once.
MAX_CONNECTIONS = 200


def accepts(url: str) -> bool:
    """True if a connection to `url` succeeds."""
    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


def create_database(name: str) -> str:
    """Create database `name` on the stack's server unless it exists; return its URL
    (the owner's, on the private cluster)."""
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        _create(conn, name)
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
        print(
            f"PostgreSQL already running on 127.0.0.1:{postgres_port()} (pid {running})",
            file=sys.stderr,
        )
    else:
        _launch(home, timeout)
    _wait(home, timeout)
    _require_passwords(home / "data")
    _ensure_roles()
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
    if _listening(postgres_port()):
        raise RuntimeError(
            f"127.0.0.1:{postgres_port()} is in use by another process; set CASETRAIL_PG_PORT"
        )
    _await_exit(_recorded_pid(home), timeout)
    data = home / "data"
    home.mkdir(parents=True, exist_ok=True)
    bindir = _bindir(data)
    if os.geteuid() == 0:
        _hand_to_postgres_user(home)
    if not (data / "PG_VERSION").exists():
        print(f"initialising PostgreSQL cluster in {data}…", file=sys.stderr)
        pwfile = home / "initdb-password"
        _write_for_server(pwfile, local_password(SUPERUSER))
        try:
            _tool(
                home,
                bindir / "initdb",
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "--no-locale",
                "-E",
                "UTF8",
            )
        finally:
            pwfile.unlink()
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n")
    print(f"starting PostgreSQL on 127.0.0.1:{postgres_port()}…", file=sys.stderr)
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
        f"-p {postgres_port()} -c max_connections={MAX_CONNECTIONS}",
        "start",
    )


def _require_passwords(data: Path) -> None:
    """Upgrade a cluster initialised with ``trust`` (before passwords were required):
    give the superuser its password, then ask every client for one (scram-sha-256)."""
    hba = data / "pg_hba.conf"
    lines = hba.read_text().splitlines()
    rules = [i for i, line in enumerate(lines) if line.split() and not line.startswith("#")]
    if not any(lines[i].split()[-1] == "trust" for i in rules):
        return
    print("PostgreSQL: requiring passwords (scram-sha-256) from now on", file=sys.stderr)
    with psycopg.connect(local_url(SUPERUSER, "postgres"), autocommit=True) as conn:
        conn.execute(_set_password(SUPERUSER))
        for i in rules:
            lines[i] = lines[i].rsplit(None, 1)[0] + " scram-sha-256"
        hba.write_text("\n".join(lines) + "\n")
        conn.execute("SELECT pg_reload_conf()")


def _ensure_roles() -> None:
    """Create the owner and the processes' roles with their passwords (updated when a
    password file was regenerated), and give the owner the stack's database and all
    that is in it (a database created before the roles belonged to the superuser)."""
    with psycopg.connect(local_url(SUPERUSER, "postgres"), autocommit=True) as conn:
        for role in (OWNER, *grants.ROLES):
            found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            conn.execute(_set_password(role))
        conn.execute(sql.SQL("ALTER ROLE {} CREATEDB").format(sql.Identifier(OWNER)))
        _create(conn, DATABASE)
        conn.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(DATABASE), sql.Identifier(OWNER)
            )
        )
    with psycopg.connect(local_url(SUPERUSER, DATABASE), autocommit=True) as conn:
        for kind, name in conn.execute(FOREIGN_OWNED, {"owner": OWNER}).fetchall():
            conn.execute(
                sql.SQL("ALTER {} {} OWNER TO {}").format(
                    sql.SQL(kind), sql.SQL(name), sql.Identifier(OWNER)
                )
            )


FOREIGN_OWNED = """
SELECT CASE relkind WHEN 'c' THEN 'TYPE' ELSE 'TABLE' END, oid::regclass::text FROM pg_class
 WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'c')
   AND relowner <> %(owner)s::regrole
UNION ALL
SELECT 'FUNCTION', oid::regprocedure::text FROM pg_proc
 WHERE pronamespace = 'public'::regnamespace AND proowner <> %(owner)s::regrole
"""


def _set_password(role: str) -> sql.Composed:
    return sql.SQL("ALTER ROLE {} PASSWORD {}").format(
        sql.Identifier(role), sql.Literal(local_password(role))
    )


def _write_for_server(path: Path, text: str) -> None:
    """Write a 0600 file that the server's tools (run as `postgres` when root) can read."""
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text + "\n")
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)


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
    """Wait until the superuser can connect; a refused password cannot get better."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(local_url(SUPERUSER, "postgres"), connect_timeout=2).close()
            return
        except psycopg.OperationalError as error:
            if "password authentication failed" in str(error):
                raise RuntimeError(
                    f"PostgreSQL refused the password in {secrets_dir()}/postgres-{SUPERUSER}; "
                    "to start over: casetrail stack down && rm -rf .casetrail"
                ) from None
        if time.monotonic() > deadline:
            _fail(f"PostgreSQL did not accept connections within {timeout:.0f} s", home)
        time.sleep(0.2)


def _create(conn: psycopg.Connection, name: str) -> None:
    """Create database ``name`` (owned by ``conn``'s user) unless it exists."""
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
