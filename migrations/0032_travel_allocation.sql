-- 0032_travel_allocation.sql: a ranking run keeps its policy's allocation
-- rule, so that places freed by a decline are offered down the waitlist the
-- way the policy allocated them (skip-and-continue, or stop at the first
-- applicant who does not fit). Runs stored before were ranked with the
-- bundled policy, whose rule is skip-and-continue.
ALTER TABLE travel_runs ADD COLUMN allocation text NOT NULL DEFAULT 'skip-and-continue'
    CHECK (allocation IN ('skip-and-continue', 'stop-at-first-misfit'));
COMMENT ON COLUMN travel_runs.allocation IS
    'The allocation rule of the run''s policy; offers after a decline follow it.';
