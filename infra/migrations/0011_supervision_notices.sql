-- The supervision notices (督办): the view the API reads and the escalation rule scans
-- (written by the projection runner). Repeatable (IF NOT EXISTS), as every migration is.
CREATE TABLE IF NOT EXISTS supervision_notices (
    notice_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    department text NOT NULL,
    status text NOT NULL,
    respond_by date NOT NULL,
    issued_at timestamptz NOT NULL,
    position bigint NOT NULL,
    view jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS supervision_notices_department
    ON supervision_notices (department, status, position DESC);
CREATE INDEX IF NOT EXISTS supervision_notices_open ON supervision_notices (respond_by)
    WHERE status = 'open';
