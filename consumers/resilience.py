"""Long-running consumers ride out a restart of PostgreSQL or Kafka.

A lost connection ends the current attempt; the loop waits (backing off) and
starts it again from what PostgreSQL holds: the relay from its stored position,
the projection runner from its stored offsets. Nothing acknowledged is lost and
nothing is applied twice, so starting over is always safe.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import eventsourcing.persistence
import psycopg
from kafka.errors import KafkaError

log = logging.getLogger("casetrail.resilience")

# What a server restart raises; anything else is a bug and ends the process.
LOST_SERVER: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    eventsourcing.persistence.OperationalError,
    eventsourcing.persistence.InterfaceError,
    KafkaError,
)
HEALTHY_RUN = 30.0  # an attempt that ran this long (s) starts the back-off over


def keep_running(
    name: str,
    attempt: Callable[[], None],
    stop: threading.Event,
    *,
    first_delay: float = 0.5,
    max_delay: float = 10.0,
) -> None:
    """Run ``attempt`` until it returns or ``stop`` is set, starting it again whenever it
    loses a server."""
    delay = first_delay
    while not stop.is_set():
        started = time.monotonic()
        try:
            attempt()
            return
        except LOST_SERVER as error:
            if time.monotonic() - started > HEALTHY_RUN:
                delay = first_delay
            log.warning("%s lost a server (%s); starting again in %.1f s", name, error, delay)
            stop.wait(delay)
            delay = min(delay * 2, max_delay)
