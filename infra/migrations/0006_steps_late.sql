-- The case facts count the handling steps completed after their own limit
-- (projections/case_facts.py); the projection's new version rebuilds the view.
ALTER TABLE public_case_facts ADD COLUMN IF NOT EXISTS steps_late int NOT NULL DEFAULT 0;
