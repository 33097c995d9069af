"""A webhook subscriber on loopback, as a hall's partner would run one: it verifies each
request with ``standardwebhooks`` and keeps what it got, and can be told to fail (5xx),
to hang past the sender's timeout, or to be slow."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

Mode = Literal["ok", "fail", "hang", "slow"]
HANG_SECONDS = 5.0
SLOW_SECONDS = 0.3


class Receiver:
    """What the subscriber got: each verified request (``webhook-id``, headers, the
    CloudEvent, raw body) in arrival order, and every attempt per ``webhook-id``."""

    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.secret: str | None = None
        self.lock = threading.Lock()
        self.received: list[tuple[str, dict[str, str], dict[str, Any], bytes]] = []
        self.attempts: dict[str, int] = {}
        self.refused = 0  # requests whose signature did not verify
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/casetrail"

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        """Verify and keep a request, or fail as told; the status to answer."""
        webhook_id = headers.get("webhook-id", "")
        with self.lock:
            self.attempts[webhook_id] = self.attempts.get(webhook_id, 0) + 1
            mode, secret = self.mode, self.secret
        if mode == "hang":
            time.sleep(HANG_SECONDS)
            return 504
        if mode == "fail":
            return 503
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
        if secret is None:
            return 401
        try:
            event = Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.refused += 1
            return 401
        with self.lock:
            self.received.append((webhook_id, headers, event, body))
        return 204

    def events(self) -> list[dict[str, Any]]:
        """The verified CloudEvents in arrival order, each once (the first copy)."""
        with self.lock:
            seen: dict[str, dict[str, Any]] = {}
            for webhook_id, _, event, _ in self.received:
                seen.setdefault(webhook_id, event)
            return list(seen.values())

    def copies(self) -> list[str]:
        """Every verified ``webhook-id``, duplicates too, in arrival order."""
        with self.lock:
            return [webhook_id for webhook_id, *_ in self.received]


@contextmanager
def receiving(mode: Mode = "ok") -> Iterator[Receiver]:
    """A receiver serving on 127.0.0.1 (a free port) in a thread."""
    receiver = Receiver()
    receiver.mode = mode

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as web servers do

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = receiver.answer(headers, body)
            try:
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()
            except OSError:
                pass  # the sender gave up (timed out) first

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
