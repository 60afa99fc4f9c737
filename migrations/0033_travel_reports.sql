-- 0033_travel_reports.sql: a trip report is recorded on its own (docs/travel.md,
-- "States of a trip"). Until now a report date came only with the settlement
-- (0030 tied report_received_on to status 'settled'; 0031 kept it off every
-- other trip). Now the Secretariat records that a report arrived whenever it
-- does, before or after the costs are settled: report_received_on belongs to
-- an approved or settled trip (a trip that took place), and a settled trip
-- may still wait for its report. A person's reports outstanding (the ranking
-- of later meetings) are their approved or settled trips without a report.

ALTER TABLE travel_trips DROP CONSTRAINT travel_trips_settlement_only_when_settled;

-- 0030's unnamed CHECK that tied the report to the settlement: found by its
-- definition, as PostgreSQL named it.
DO $$
DECLARE
    name text;
BEGIN
    SELECT conname INTO STRICT name FROM pg_constraint
     WHERE conrelid = 'travel_trips'::regclass AND contype = 'c'
       AND pg_get_constraintdef(oid) LIKE '%report_received_on IS NOT NULL%'
       AND pg_get_constraintdef(oid) LIKE '%status = ''settled''%';
    EXECUTE format('ALTER TABLE travel_trips DROP CONSTRAINT %I', name);
END
$$;

ALTER TABLE travel_trips
    ADD CONSTRAINT travel_trips_figures_when_settled
        CHECK ((status = 'settled') = (airfare_minor IS NOT NULL AND dsa_minor IS NOT NULL)),
    ADD CONSTRAINT travel_trips_report_of_a_trip_that_took_place
        CHECK (report_received_on IS NULL OR status IN ('approved', 'settled'));

COMMENT ON COLUMN travel_trips.report_received_on IS
    'The day the traveller''s trip report (the mandatory report and forms) was received; '
    'NULL while it is outstanding. Recorded on its own (POST .../report) or with the '
    'settlement, on an approved or settled trip only.';
