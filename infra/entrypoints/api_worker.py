"""One API worker process, for uvicorn's factory mode: ``casetrail api`` runs
``CASETRAIL_API_WORKERS`` of them on one port, each building the app from the
environment's settings with a pool of its own, each ending when its parent does."""

from __future__ import annotations

import atexit
import ctypes
import signal

from fastapi import FastAPI

from api.app import create_app
from infra.config import Settings
from infra.entrypoints.bootstrap import build_application, open_pool

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies: a parent killed dies whole,
    leaving no worker to finish (and commit) what a crash should have cut off; a
    parent stopped (SIGTERM) stops its workers gracefully first."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def create() -> FastAPI:
    """The API of this worker process."""
    die_with_parent()
    settings = Settings.from_env()
    pool = open_pool(settings.api_database_url)
    atexit.register(pool.close)
    return create_app(settings, build_application(settings, pool), pool)
