"""The private single-node Kafka broker (KRaft), fetched from Maven Central.

The private broker asks every client to log in (SASL/SCRAM-SHA-512 on 127.0.0.1) and
authorizes each request by ACL (``StandardAuthorizer``, nothing allowed without an
ACL); its controller listener takes only the admin (SASL/PLAIN). ``infra.kafka_admin``
creates the event topic on it (or on an external broker).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import NoReturn

from infra import kafka_acls
from infra.kafka_admin import admin_client, answers
from infra.kafka_security import ADMIN, KafkaSecurity, password
from infra.servers import bootstrap_servers, kafka_port

BROKER_DIR = Path(__file__).resolve().parent / "kafka-broker"
JVM_FLAGS = ["-Xmx512m", "-Xms256m", "-Djava.awt.headless=true"]
MECHANISM = "SCRAM-SHA-512"  # the private broker's client mechanism
START_OVER = "casetrail stack down && rm -rf .casetrail"


def pid(home: Path) -> int | None:
    """Pid of the private broker recorded under `home`, if that process is alive."""
    try:
        number = int((home / "kafka.pid").read_text())
        cmdline = Path(f"/proc/{number}/cmdline").read_bytes()
        if not cmdline:  # the Java launcher re-executing itself at start: nameless a moment
            state, parent = Path(f"/proc/{number}/stat").read_text().rsplit(")", 1)[1].split()[:2]
            return number if state not in "ZX" and parent != "2" else None  # 2: kernel threads
    except (OSError, ValueError):
        return None
    return number if b"kafka.Kafka" in cmdline else None


def install(home: Path) -> Path:
    """Fetch the broker's jars from Maven Central into `home`/libs unless already complete."""
    libs = home / "libs"
    digest = hashlib.sha256((BROKER_DIR / "pom.xml").read_bytes()).hexdigest()
    marker = libs / ".complete"
    if marker.is_file() and marker.read_text() == digest:
        return libs
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch the Kafka broker: apt-get install maven")
    print("downloading Kafka broker from Maven Central…", file=sys.stderr)
    partial = home / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    result = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(BROKER_DIR / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={partial}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"Maven could not fetch Kafka:\n{result.stdout}{result.stderr}")
    (partial / ".complete").write_text(digest)
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    return libs


def start(home: Path) -> bool:
    """Launch the private broker unless it runs already; True if launched (does not wait)."""
    _require_authentication(home)
    running = pid(home)
    if running:
        print(f"Kafka already running on 127.0.0.1:{kafka_port()} (pid {running})", file=sys.stderr)
        return False
    if _listening(kafka_port()):
        raise RuntimeError(
            f"127.0.0.1:{kafka_port()} is in use by another process; set CASETRAIL_KAFKA_PORT"
        )
    home.mkdir(parents=True, exist_ok=True)
    libs = install(home)
    properties = _write_properties(home)
    if not _formatted(home):
        _format(libs, properties)
    print(f"starting Kafka on 127.0.0.1:{kafka_port()}…", file=sys.stderr)
    with open(home / "kafka.log", "ab") as log:
        process = subprocess.Popen(
            _java(libs, "kafka.Kafka", str(properties)),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=home,
            start_new_session=True,
        )
    (home / "kafka.pid").write_text(str(process.pid))
    return True


def wait_ready(home: Path, timeout: float = 90.0) -> float:
    """Block until the private broker answers; return seconds since it was launched."""
    deadline = time.monotonic() + timeout
    while not (_listening(kafka_port()) and answers(bootstrap_servers())):
        if pid(home) is None:
            _fail("Kafka exited during startup", home)
        if time.monotonic() > deadline:
            _fail(
                f"Kafka did not answer on 127.0.0.1:{kafka_port()} within {timeout:.0f} s (if it "
                "logs 'Failed authentication', the admin's password is not the one it was "
                f"formatted with: {START_OVER})",
                home,
            )
        time.sleep(0.2)
    return time.time() - (home / "kafka.pid").stat().st_mtime


def stop(home: Path, timeout: float = 30.0) -> None:
    """Stop the private broker with SIGTERM, or SIGKILL once `timeout` seconds pass."""
    running = pid(home)
    if running is None:
        print("Kafka is not running", file=sys.stderr)
        return
    print(f"stopping Kafka (pid {running})…", file=sys.stderr)
    started = time.monotonic()
    os.kill(running, signal.SIGTERM)
    if not _gone(home, timeout):
        print(f"Kafka ignored SIGTERM for {timeout:.0f} s; killing it", file=sys.stderr)
        with contextlib.suppress(ProcessLookupError):
            os.kill(running, signal.SIGKILL)
        _gone(home, 10.0)
    (home / "kafka.pid").unlink(missing_ok=True)
    print(f"Kafka stopped in {time.monotonic() - started:.1f} s", file=sys.stderr)


def ensure_users(bootstrap: str) -> None:
    """Give the client principals their SCRAM credentials (the private broker's)."""
    with admin_client(bootstrap) as admin:
        kafka_acls.ensure_users(admin, KafkaSecurity.from_env())


def _java(libs: Path, *args: str) -> list[str]:
    if shutil.which("java") is None:
        raise RuntimeError("Kafka needs Java 17+: apt-get install openjdk-17-jre-headless")
    log_config = BROKER_DIR / "log4j2.yaml"
    return [
        "java",
        *JVM_FLAGS,
        f"-Dlog4j2.configurationFile={log_config}",
        "-cp",
        f"{libs}/*",
        *args,
    ]


def _write_properties(home: Path) -> Path:
    """The broker's configuration (mode 0600: it holds the admin's password)."""
    client, controller = kafka_port(), kafka_port() + 1
    admin, secret = KafkaSecurity.from_env().usernames[ADMIN], _safe(password(ADMIN))
    login = f'username="{admin}" password="{secret}"'
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller}",
        "listeners": f"SASL_PLAINTEXT://127.0.0.1:{client},CONTROLLER://127.0.0.1:{controller}",
        "advertised.listeners": f"SASL_PLAINTEXT://127.0.0.1:{client}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
        # clients and the broker itself: SCRAM, credentials in the cluster's metadata
        "sasl.enabled.mechanisms": MECHANISM,
        "sasl.mechanism.inter.broker.protocol": MECHANISM,
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": (
            f"org.apache.kafka.common.security.scram.ScramLoginModule required {login};"
        ),
        # the controller cannot read SCRAM credentials before it has the metadata: the
        # admin alone, with PLAIN (a PLAINTEXT listener would need User:ANONYMOUS as a
        # super user, which would let any local process manage the cluster)
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": (
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'{login} user_{admin}="{secret}";'
        ),
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:{admin}",
        "allow.everyone.if.no.acl.found": "false",
        "log.dirs": str(home / "data"),
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    path = home / "server.properties"
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write("".join(f"{key}={value}\n" for key, value in settings.items()))
    path.chmod(0o600)  # written before passwords were in it, it may be readable
    return path


def _formatted(home: Path) -> bool:
    return (home / "data" / "meta.properties").exists()


def _require_authentication(home: Path) -> None:
    """Refuse a broker formatted before it asked clients to log in: its storage has no
    SCRAM credentials. Its topic holds development data only, and only together with
    PostgreSQL may it start over."""
    properties = home / "server.properties"
    configured = properties.exists() and "sasl.enabled.mechanisms" in properties.read_text()
    if _formatted(home) and not configured:
        raise RuntimeError(
            f"the private Kafka in {home} was set up without authentication (before "
            f"SASL/SCRAM and ACLs); its data is for development only. To start over: "
            f"{START_OVER}"
        )


def _safe(secret: str) -> str:
    """``secret`` unless it would break the JAAS and --add-scram syntax it is written in."""
    if not re.fullmatch(r"[A-Za-z0-9._~-]+", secret):
        raise RuntimeError(
            "the private Kafka's admin password may hold only letters, digits and -_.~"
        )
    return secret


def _format(libs: Path, properties: Path) -> None:
    """Format KRaft storage once, as a standalone controller with a fresh cluster id and
    the admin's SCRAM credential (the stack adds the other principals once it runs)."""
    cluster_id = "-"
    while cluster_id.startswith("-"):  # the CLI would read a leading dash as an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    result = subprocess.run(
        _java(
            libs,
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            cluster_id,
            "-c",
            str(properties),
            "--add-scram",
            f"{MECHANISM}=[name={KafkaSecurity.from_env().usernames[ADMIN]},"
            f"password={_safe(password(ADMIN))}]",
        ),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"formatting Kafka storage failed:\n{result.stdout}{result.stderr}")


def _listening(tcp_port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", tcp_port), 1.0):
        return True
    return False


def _gone(home: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid(home) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _fail(message: str, home: Path) -> NoReturn:
    log = home / "kafka.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    tail = "\n".join([line for line in lines if not line.startswith("\t")][-20:])  # no stack frames
    raise RuntimeError(f"{message}; see {log}:\n{tail}")
