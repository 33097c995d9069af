"""Webhook subscriptions: a hall administrator registers a subscriber's URL with filters
(event types, departments; an empty list means all) and gets its signing secret once;
lists, reads, changes (pause, resume, filters, URL) and deletes subscriptions; asks for a
replay from a position or a time; reads the delivery log and the dead letters, and
sends dead letters again. Every change is on record with who made it
(``webhook_changes``). The deliveries themselves are ``casetrail webhooks``'.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field, model_validator

from api.deps import App, Caller, Pool, settings
from api.openapi import problem_responses
from api.params import MAX_POSITION
from api.schemas import CODE_PATTERN, Strict
from domain.actor import Actor
from domain.authorization import authorize
from domain.errors import InvalidCommand, NotFound
from domain.event_schemas import registry
from domain.webhooks import MAX_URL_LENGTH, SECRET_PREFIX, unversioned
from infra import webhook_store
from infra.config import Settings
from infra.master_keys import MasterKeys
from infra.webhook_addresses import resolve

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
ACTION = "manage-webhooks"
ONLY = "Only hall_admin"
SECRET_BYTES = 24
MAX_FILTERS = 100
Page = Annotated[int, Query(ge=1, le=100_000)]
Status = Literal["pending", "delivered", "dead"]
EventTypeFilter = Annotated[str, Field(min_length=1, max_length=200)]
Department = Annotated[str, Field(pattern=CODE_PATTERN)]
Url = Annotated[str, Field(min_length=1, max_length=MAX_URL_LENGTH)]
Config = Annotated[Settings, Depends(settings)]


class SubscriptionIn(Strict):
    """A subscriber: where to POST, and which events (an empty list: all types, or all
    departments). A type without its ``.vN`` takes every version."""

    url: Url
    event_types: list[EventTypeFilter] = Field(default_factory=list, max_length=MAX_FILTERS)
    departments: list[Department] = Field(default_factory=list, max_length=MAX_FILTERS)


class SubscriptionChange(Strict):
    """What to change: any of the URL, the filters, and ``paused`` (true pauses, false
    resumes: deliveries queued meanwhile then go out in order)."""

    url: Url | None = None
    event_types: list[EventTypeFilter] | None = Field(default=None, max_length=MAX_FILTERS)
    departments: list[Department] | None = Field(default=None, max_length=MAX_FILTERS)
    paused: bool | None = None


class Registered(BaseModel):
    """The new subscription's id and its signing secret: shown this once, never again."""

    id: UUID
    secret: str


class Counts(BaseModel):
    """How many of a subscription's deliveries are in each state."""

    pending: int
    delivered: int
    dead: int


class SubscriptionOut(BaseModel):
    """A subscription (never its secret)."""

    id: UUID
    url: str
    event_types: list[str]
    departments: list[str]
    paused: bool
    created_at: datetime
    created_by: str
    changed_at: datetime
    changed_by: str
    deliveries: Counts


class ChangeOut(BaseModel):
    """Who did what to a subscription, and when."""

    action: str
    actor: str
    role: str
    at: datetime
    detail: dict[str, Any]


class SubscriptionDetail(SubscriptionOut):
    """A subscription with every change made to it, oldest first."""

    changes: list[ChangeOut]


class ReplayIn(Strict):
    """Queue the subscription's events again from a position of the event log, or from
    a time (exactly one); each keeps its ``webhook-id``."""

    from_position: int | None = Field(default=None, ge=0, le=MAX_POSITION)
    from_time: datetime | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ReplayIn:
        if (self.from_position is None) == (self.from_time is None):
            raise ValueError("give exactly one of from_position and from_time")
        if self.from_time is not None and self.from_time.tzinfo is None:
            raise ValueError("from_time needs a time zone")
        return self


class ReplayOut(BaseModel):
    """A replay: asked for, and once the delivery process did it, how many deliveries it
    queued again."""

    replay_id: int
    from_position: int | None
    from_time: datetime | None
    requested_at: datetime
    done_at: datetime | None
    queued: int | None


class RedeliverIn(Strict):
    """Which dead letters to send again (their event ids); none named: all of them."""

    event_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=1000
    )


class Redelivered(BaseModel):
    """The dead letters moved back to pending."""

    event_ids: list[str]


class DeliveryOut(BaseModel):
    """One event for the subscriber and what became of it."""

    event_id: str
    case_id: UUID
    position: int
    event_type: str
    status: Status
    attempts: int
    last_status: int | None
    last_error: str | None
    queued_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    """One page of deliveries, latest event first."""

    items: list[DeliveryOut]
    total: int
    page: int
    page_size: int


def _known_types(event_types: list[str]) -> list[str]:
    """The filter's types, each a known event type with or without its version."""
    known = set(registry())
    known |= {unversioned(t) for t in known}
    unknown = sorted(set(event_types) - known)
    if unknown:
        raise InvalidCommand(f"unknown event types: {', '.join(unknown)}")
    return list(dict.fromkeys(event_types))


def _subscription(pool: Pool, subscription_id: UUID) -> dict[str, Any]:
    with pool.connection() as conn:
        found = webhook_store.load(conn, subscription_id)
    if found is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return found


def _admin(caller: Actor) -> None:
    authorize(caller, ACTION)


@router.post(
    "",
    status_code=201,
    response_model=Registered,
    responses=problem_responses(
        descriptions={
            403: ONLY,
            422: "A bad body, an unknown event type, or a URL refused (not http(s), does not"
            " resolve, or a private address while they are not allowed)",
        }
    ),
)
def register(
    body: SubscriptionIn, config: Config, app: App, caller: Caller, pool: Pool
) -> Registered:
    """Register a subscriber; its signing secret (``whsec_…``) is in this answer only."""
    _admin(caller)
    event_types = _known_types(body.event_types)
    resolve(body.url, allow_private=config.webhooks_allow_private)
    subscription_id = uuid4()
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
    sealed = MasterKeys.parse(config.master_keys).wrap(str(subscription_id), secret.encode())
    with pool.connection() as conn, conn.transaction():
        webhook_store.register(
            conn,
            subscription_id,
            url=body.url,
            event_types=event_types,
            departments=list(dict.fromkeys(body.departments)),
            sealed=sealed,
            actor=caller,
            at=app.clock.now(),
        )
    return Registered(id=subscription_id, secret=secret)


@router.get(
    "",
    response_model=list[SubscriptionOut],
    responses=problem_responses(descriptions={403: ONLY}),
)
def subscriptions(caller: Caller, pool: Pool) -> list[SubscriptionOut]:
    """Every subscription, oldest first."""
    _admin(caller)
    with pool.connection() as conn:
        found = webhook_store.listing(conn)
    return [SubscriptionOut.model_validate(s) for s in found]


@router.get(
    "/{subscription_id}",
    response_model=SubscriptionDetail,
    responses=problem_responses(descriptions={403: ONLY, 404: "No such subscription"}),
)
def subscription(subscription_id: UUID, caller: Caller, pool: Pool) -> SubscriptionDetail:
    """One subscription and who changed it, when, how."""
    _admin(caller)
    found = _subscription(pool, subscription_id)
    with pool.connection() as conn:
        found["changes"] = webhook_store.changes(conn, subscription_id)
    return SubscriptionDetail.model_validate(found)


@router.patch(
    "/{subscription_id}",
    response_model=SubscriptionOut,
    responses=problem_responses(
        descriptions={
            403: ONLY,
            404: "No such subscription",
            422: "A bad body, an unknown event type, or a URL refused",
        }
    ),
)
def change(
    subscription_id: UUID,
    body: SubscriptionChange,
    config: Config,
    app: App,
    caller: Caller,
    pool: Pool,
) -> SubscriptionOut:
    """Pause (``paused: true``), resume (``paused: false``), or change the filters or
    the URL; each on record."""
    _admin(caller)
    current = _subscription(pool, subscription_id)
    fields: dict[str, Any] = {}
    if body.url is not None:
        resolve(body.url, allow_private=config.webhooks_allow_private)
        fields["url"] = body.url
    if body.event_types is not None:
        fields["event_types"] = _known_types(body.event_types)
    if body.departments is not None:
        fields["departments"] = list(dict.fromkeys(body.departments))
    at = app.clock.now()
    with pool.connection() as conn, conn.transaction():
        if fields:
            webhook_store.change(conn, subscription_id, fields, caller, at)
            webhook_store.record_change(conn, subscription_id, "changed", caller, at, fields)
        if body.paused is not None and body.paused != current["paused"]:
            webhook_store.change(conn, subscription_id, {"paused": body.paused}, caller, at)
            action = "paused" if body.paused else "resumed"
            webhook_store.record_change(conn, subscription_id, action, caller, at, {})
    return SubscriptionOut.model_validate(_subscription(pool, subscription_id))


@router.delete(
    "/{subscription_id}",
    status_code=204,
    responses=problem_responses(descriptions={403: ONLY, 404: "No such subscription"}),
)
def delete(subscription_id: UUID, app: App, caller: Caller, pool: Pool) -> None:
    """Delete a subscription: nothing more is delivered to it (its record stays)."""
    _admin(caller)
    _subscription(pool, subscription_id)
    at = app.clock.now()
    with pool.connection() as conn, conn.transaction():
        webhook_store.change(conn, subscription_id, {"deleted": True}, caller, at)
        webhook_store.record_change(conn, subscription_id, "deleted", caller, at, {})


@router.post(
    "/{subscription_id}/replay",
    status_code=202,
    response_model=ReplayOut,
    responses=problem_responses(descriptions={403: ONLY, 404: "No such subscription"}),
)
def replay(
    subscription_id: UUID, body: ReplayIn, app: App, caller: Caller, pool: Pool
) -> ReplayOut:
    """Queue the subscription's events again from a position or a time (the delivery
    process reads them from the topic); see the replay's progress at
    ``GET …/replays/{replay_id}``."""
    _admin(caller)
    _subscription(pool, subscription_id)
    at = app.clock.now()
    detail = body.model_dump(mode="json", exclude_none=True)
    with pool.connection() as conn, conn.transaction():
        replay_id = webhook_store.request_replay(
            conn,
            subscription_id,
            from_position=body.from_position,
            from_time=body.from_time,
            at=at,
        )
        webhook_store.record_change(
            conn, subscription_id, "replayed", caller, at, {**detail, "replay_id": replay_id}
        )
        found = webhook_store.replay_status(conn, subscription_id, replay_id)
    return ReplayOut.model_validate(found)


@router.get(
    "/{subscription_id}/replays/{replay_id}",
    response_model=ReplayOut,
    responses=problem_responses(descriptions={403: ONLY, 404: "No such replay"}),
)
def replay_progress(
    subscription_id: UUID,
    replay_id: Annotated[int, Path(ge=1, le=MAX_POSITION)],
    caller: Caller,
    pool: Pool,
) -> ReplayOut:
    """A replay asked for, and whether the delivery process did it."""
    _admin(caller)
    with pool.connection() as conn:
        found = webhook_store.replay_status(conn, subscription_id, replay_id)
    if found is None:
        raise NotFound(f"no replay {replay_id} of webhook subscription {subscription_id}")
    return ReplayOut.model_validate(found)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=DeliveryPage,
    responses=problem_responses(descriptions={403: ONLY, 404: "No such subscription"}),
)
def deliveries(
    subscription_id: UUID,
    caller: Caller,
    pool: Pool,
    status: Status | None = None,
    page: Page = 1,
) -> DeliveryPage:
    """The delivery log: each event for the subscriber, its state, attempts and last
    error, latest first."""
    return _page(subscription_id, caller, pool, status, page)


@router.get(
    "/{subscription_id}/dead-letters",
    response_model=DeliveryPage,
    responses=problem_responses(descriptions={403: ONLY, 404: "No such subscription"}),
)
def dead_letters(subscription_id: UUID, caller: Caller, pool: Pool, page: Page = 1) -> DeliveryPage:
    """The deliveries given up on after the last attempt, latest first."""
    return _page(subscription_id, caller, pool, "dead", page)


def _page(
    subscription_id: UUID, caller: Actor, pool: Pool, status: str | None, page: int
) -> DeliveryPage:
    _admin(caller)
    _subscription(pool, subscription_id)
    with pool.connection() as conn:
        rows, total = webhook_store.deliveries(conn, subscription_id, status=status, page=page)
    items = [DeliveryOut.model_validate(row) for row in rows]
    return DeliveryPage(items=items, total=total, page=page, page_size=webhook_store.PAGE_SIZE)


@router.post(
    "/{subscription_id}/dead-letters/redeliver",
    response_model=Redelivered,
    responses=problem_responses(descriptions={403: ONLY, 404: "No such subscription"}),
)
def redeliver(
    subscription_id: UUID, body: RedeliverIn, app: App, caller: Caller, pool: Pool
) -> Redelivered:
    """Send dead letters again (those named, or all), in order per case, as new."""
    _admin(caller)
    _subscription(pool, subscription_id)
    at = app.clock.now()
    with pool.connection() as conn, conn.transaction():
        moved = webhook_store.redeliver(conn, subscription_id, body.event_ids)
        webhook_store.record_change(
            conn, subscription_id, "redelivered", caller, at, {"event_ids": moved}
        )
    return Redelivered(event_ids=moved)
