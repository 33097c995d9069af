"""The webhook dispatcher: one worker per active subscription POSTs its outbox.

A worker sends, for each case, the case's earliest pending delivery, up to
``Policy.parallel`` cases at once; a case's next event waits until the earlier one is
delivered or dead-lettered (``infra.webhook_store.due``). Workers share nothing but the
database pool, so a slow or failing subscriber never holds up another. Each request is
signed per Standard Webhooks (``webhook-id`` is the event's id, the same on every retry
and replay), goes to the address checked just before (``infra.webhook_addresses``),
follows no redirect, and counts as delivered only on a 2xx within the timeout.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import httpx
import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout
from standardwebhooks.webhooks import Webhook

from domain.errors import InvalidCommand
from domain.webhooks import retry_delay
from infra import webhook_store
from infra.master_keys import MasterKeys
from infra.webhook_addresses import resolve
from infra.webhook_store import Attempt, Due, Subscription

log = logging.getLogger("casetrail.webhooks")

BODY_TYPE = "application/cloudevents+json; charset=utf-8"
USER_AGENT = "casetrail-webhooks/1"
IDLE_SECONDS = 0.1  # how long a worker with nothing due waits before looking again
REFRESH_SECONDS = 0.5  # how often the dispatcher looks for new, changed or paused ones
MAX_ERROR_CHARS = 500
BATCHES = 8  # a worker takes up to this many rounds of ``parallel`` cases from one query
DATABASE_TROUBLE = (psycopg.OperationalError, PoolTimeout)


@dataclass(frozen=True)
class Policy:
    """How deliveries are tried: attempts before dead-lettering, the back-off (s), the
    timeout of one request (s), how many cases at once, and whether subscribers on
    private addresses may be reached."""

    max_attempts: int = 8
    backoff_base: float = 1.0
    backoff_cap: float = 600.0
    timeout: float = 10.0
    parallel: int = 4
    allow_private: bool = False


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the HTTP status (None without an answer) and, unless it
    was delivered, why not."""

    http_status: int | None
    error: str | None


class Sender:
    """Signs and POSTs one subscription's deliveries."""

    def __init__(self, url: str, secret: str, policy: Policy) -> None:
        self.url = url
        self.webhook = Webhook(secret)
        self.policy = policy
        self.client = httpx.Client(timeout=policy.timeout, follow_redirects=False)

    def send(self, delivery: Due) -> Outcome:
        """One attempt to deliver; never raises."""
        try:
            target = resolve(self.url, allow_private=self.policy.allow_private)
        except InvalidCommand as error:
            return Outcome(None, str(error))
        now = datetime.now(UTC)
        headers = {
            "content-type": BODY_TYPE,
            "user-agent": USER_AGENT,
            "host": target.host_header(),
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self.webhook.sign(delivery.event_id, now, delivery.body.decode()),
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            response = self.client.post(
                target.connect_url(), content=delivery.body, headers=headers, extensions=extensions
            )
        except httpx.HTTPError as error:
            return Outcome(None, f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS])
        if response.is_success:
            return Outcome(response.status_code, None)
        return Outcome(response.status_code, f"HTTP {response.status_code}")

    def close(self) -> None:
        self.client.close()


class Worker:
    """Delivers one subscription's outbox, in its own thread, until stopped."""

    def __init__(
        self, subscription: Subscription, secret: str, pool: ConnectionPool, policy: Policy
    ) -> None:
        self.subscription = subscription
        self.pool = pool
        self.policy = policy
        self.sender = Sender(subscription.url, secret, policy)
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"webhook-{subscription.id}", daemon=True
        )

    def _run(self) -> None:
        with ThreadPoolExecutor(self.policy.parallel) as executor:
            try:
                while not self.stop.is_set():
                    try:
                        if not self.deliver_due(executor):
                            self.stop.wait(IDLE_SECONDS)
                    except DATABASE_TROUBLE as error:
                        log.warning("webhook %s: %s", self.subscription.id, error)
                        self.stop.wait(1.0)
            finally:
                self.sender.close()

    def deliver_due(self, executor: ThreadPoolExecutor) -> int:
        """Send the deliveries whose turn it is (each a different case's), ``parallel`` at
        a time, and record each outcome; how many were sent."""
        subscription_id = self.subscription.id
        with self.pool.connection() as conn:
            batch = webhook_store.due(conn, subscription_id, self.policy.parallel * BATCHES)
        outcomes = list(executor.map(self.sender.send, batch))
        attempts = [self._attempt(d, o) for d, o in zip(batch, outcomes, strict=True)]
        with self.pool.connection() as conn, conn.transaction():
            webhook_store.record_attempts(conn, subscription_id, attempts)
        return len(batch)

    def _attempt(self, delivery: Due, outcome: Outcome) -> Attempt:
        """The delivery's new status after this try, and when to try again."""
        tries, policy = delivery.attempts + 1, self.policy
        if outcome.error is None:
            status, retry_in = "delivered", 0.0
        elif tries >= policy.max_attempts:
            log.warning("webhook %s: dead-lettered after %d", self.subscription.id, tries)
            status, retry_in = "dead", 0.0
        else:
            delay = retry_delay(tries, base=policy.backoff_base, cap=policy.backoff_cap)
            status, retry_in = "pending", delay
        return Attempt(delivery, status, outcome.http_status, outcome.error, retry_in)


class Dispatcher:
    """Keeps one worker running per active subscription."""

    name = "the webhook dispatcher"

    def __init__(self, *, pool: ConnectionPool, master_keys: MasterKeys, policy: Policy) -> None:
        self.pool = pool
        self.master_keys = master_keys
        self.policy = policy
        self.workers: dict[UUID, Worker] = {}
        self.retiring: list[Worker] = []

    def run(self, stop: threading.Event) -> None:
        """Start, restart (after a change) and stop workers until ``stop`` is set."""
        try:
            while not stop.is_set():
                try:
                    self.refresh()
                except DATABASE_TROUBLE as error:
                    log.warning("%s: %s", self.name, error)
                stop.wait(REFRESH_SECONDS)
        finally:
            for worker in [*self.workers.values(), *self.retiring]:
                worker.stop.set()

    def refresh(self) -> None:
        """Match the workers to the active subscriptions (a worker that died is started
        again); a changed subscription's new worker starts only once its old one finished
        its last request (order per case)."""
        with self.pool.connection() as conn:
            wanted = {s.id: s for s in webhook_store.live_subscriptions(conn) if not s.paused}
        for subscription_id, worker in list(self.workers.items()):
            if wanted.get(subscription_id) != worker.subscription or not worker.thread.is_alive():
                worker.stop.set()
                self.retiring.append(self.workers.pop(subscription_id))
        self.retiring = [w for w in self.retiring if w.thread.is_alive()]
        busy = {w.subscription.id for w in self.retiring}
        for subscription_id, subscription in wanted.items():
            if subscription_id in self.workers or subscription_id in busy:
                continue
            try:
                secret = self.secret(subscription)
            except RuntimeError as error:  # its master key is not in the keyring
                log.error("webhook %s: %s", subscription_id, error)
                continue
            worker = Worker(subscription, secret, self.pool, self.policy)
            self.workers[subscription_id] = worker
            worker.thread.start()

    def secret(self, subscription: Subscription) -> str:
        """The subscription's signing secret, unsealed."""
        return self.master_keys.unwrap(
            subscription.master_kid, str(subscription.id), subscription.sealed_secret
        ).decode()
