-- The exchange exporter's memory (`casetrail exchange`): each case's sheet (its exchange
-- records as they stand, with the last version and content hash of each record id), and
-- every record version it published, for the daily JSON Lines files. Repeatable (IF NOT
-- EXISTS), as every migration is.
CREATE TABLE IF NOT EXISTS exchange_cases (
    case_id uuid PRIMARY KEY,
    sheet jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS exchange_records (
    record_id text NOT NULL,
    version int NOT NULL,
    record_type text NOT NULL,
    case_no text NOT NULL,
    content_hash text NOT NULL,
    time timestamptz NOT NULL,  -- the message's time: its source event's
    day date NOT NULL,  -- the hall's day (Asia/Shanghai) of that time: the file it goes to
    message text NOT NULL,  -- the CloudEvent, byte for byte as published
    PRIMARY KEY (record_id, version)
);
CREATE INDEX IF NOT EXISTS exchange_records_day ON exchange_records (day, time, record_id, version);
