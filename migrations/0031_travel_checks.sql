-- 0031_travel_checks.sql: a settled trip's figures (report date, airfare,
-- DSA) belong to a settled trip only. 0030 required them of a settled trip
-- but let a trip in another state carry some of them; ledger/travel.c never
-- writes them elsewhere, and now the database refuses it too.
ALTER TABLE travel_trips ADD CONSTRAINT travel_trips_settlement_only_when_settled
    CHECK (status = 'settled'
           OR (report_received_on IS NULL AND airfare_minor IS NULL AND dsa_minor IS NULL));
