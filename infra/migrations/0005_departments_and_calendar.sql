-- The departments' names and the published working-day calendar, as the public read them.
CREATE TABLE IF NOT EXISTS public_departments (
    department_id uuid PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL,
    position bigint NOT NULL,
    view jsonb NOT NULL
);

CREATE TABLE IF NOT EXISTS public_calendar (
    calendar_id uuid PRIMARY KEY,
    position bigint NOT NULL,
    view jsonb NOT NULL
);
