"""Where the servers are: an external Kafka and PostgreSQL named by the environment,
else the local stack's addresses (``infra.local`` runs those servers; nothing here
starts one).

The private PostgreSQL cluster's roles log in with passwords generated into the state
folder's ``secrets/``: the superuser ``casetrail`` (only the local stack uses it), the
owner ``casetrail_owner`` (every schema change) and the processes' roles of
``infra.grants``.
"""

from __future__ import annotations

import os
import secrets
from urllib.parse import quote, urlsplit

from infra.secrets import local_secret
from infra.state import secrets_dir

DATABASE = "casetrail"
SUPERUSER = "casetrail"
OWNER = "casetrail_owner"


def kafka_port() -> int:
    """Client port of the private broker (its controller listens on the next port)."""
    return int(os.environ.get("CASETRAIL_KAFKA_PORT", "19092"))


def kafka_is_external() -> bool:
    """True when KAFKA_BOOTSTRAP_SERVERS points at a broker we must not manage."""
    return bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))


def bootstrap_servers() -> str:
    """Bootstrap servers of the stack's broker, external or private."""
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or f"127.0.0.1:{kafka_port()}"


def postgres_port() -> int:
    """Port of the private cluster."""
    return int(os.environ.get("CASETRAIL_PG_PORT", "15432"))


def postgres_is_external() -> bool:
    """True when DATABASE_URL or POSTGRES_HOST names a server we must not manage."""
    return bool(os.environ.get("DATABASE_URL") or os.environ.get("POSTGRES_HOST"))


def database_url(dbname: str | None = None) -> str:
    """URL of the stack's database, or of database `dbname` on the same server."""
    url = os.environ.get("DATABASE_URL") or _postgres_host_url() or local_url(OWNER, DATABASE)
    return url if dbname is None else urlsplit(url)._replace(path=f"/{dbname}").geturl()


def role_url(role: str, url: str) -> str:
    """The URL of ``url``'s database for ``role`` on the private cluster; an external
    server's URL as it is (CASETRAIL_*_DATABASE_URL name other roles there)."""
    return url if postgres_is_external() else local_url(role, urlsplit(url).path.lstrip("/"))


def local_url(role: str, dbname: str) -> str:
    """URL of database ``dbname`` on the private cluster, as ``role``."""
    return (
        f"postgresql://{role}:{quote(local_password(role), safe='')}"
        f"@127.0.0.1:{postgres_port()}/{dbname}"
    )


def local_password(role: str) -> str:
    """The generated password of a role on the private cluster."""
    return local_secret(secrets_dir() / f"postgres-{role}", lambda: secrets.token_urlsafe(24))


def without_password(url: str) -> str:
    """``url`` without its password, for showing (the private cluster's are in
    the state folder's ``secrets/``)."""
    parts = urlsplit(url)
    auth, at, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{auth.partition(':')[0]}{at}{host}").geturl()


def postgres_address() -> str:
    """host:port of the stack's PostgreSQL server."""
    parts = urlsplit(database_url())
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}"


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
