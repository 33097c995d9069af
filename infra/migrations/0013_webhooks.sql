-- Webhook subscriptions (written by the API for hall administrators), who changed them,
-- the delivery process's case → department map and its outbox of deliveries, and the
-- replays asked for. The signing secret is kept only sealed under the master key.
CREATE TABLE IF NOT EXISTS webhook_subscriptions (
    id uuid PRIMARY KEY,
    url text NOT NULL,
    event_types text[] NOT NULL,
    departments text[] NOT NULL,
    paused boolean NOT NULL DEFAULT false,
    deleted boolean NOT NULL DEFAULT false,
    master_kid text NOT NULL,
    sealed_secret bytea NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    changed_at timestamptz NOT NULL,
    changed_by text NOT NULL
);
-- who did what to a subscription, and when (registered, changed, paused, resumed,
-- deleted, replayed, redelivered): append-only
CREATE TABLE IF NOT EXISTS webhook_changes (
    id bigserial PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id),
    action text NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    at timestamptz NOT NULL,
    detail jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_changes_subscription ON webhook_changes (subscription_id, id);
CREATE TABLE IF NOT EXISTS webhook_case_departments (
    case_id uuid PRIMARY KEY,
    department text NOT NULL
);
-- one row per subscription and event: pending until delivered or dead (dead-lettered);
-- a case's pending rows go out in the order of their positions
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id),
    event_id text NOT NULL,
    case_id uuid NOT NULL,
    position bigint NOT NULL,
    event_type text NOT NULL,
    body jsonb NOT NULL,
    status text NOT NULL,
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_status int,
    last_error text,
    queued_at timestamptz NOT NULL,
    delivered_at timestamptz,
    PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_pending
    ON webhook_deliveries (subscription_id, case_id, position) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_log
    ON webhook_deliveries (subscription_id, position DESC);
-- a replay asked for through the API, done by the delivery process (from the topic)
CREATE TABLE IF NOT EXISTS webhook_replays (
    id bigserial PRIMARY KEY,
    subscription_id uuid NOT NULL REFERENCES webhook_subscriptions (id),
    from_position bigint,
    from_time timestamptz,
    requested_at timestamptz NOT NULL,
    done_at timestamptz,
    queued int
);
