-- 0030_travel.sql: travel support in the ledger (docs/travel.md): meetings,
-- the applicants of each meeting, ranking runs with their decisions, and the
-- trips that approval makes. ledger/travel.c validates everything before it
-- writes; the CHECK constraints repeat its invariants. Money that is obliged,
-- released or spent is ALSO an entry of the journal (0002), appended through
-- ledger_post(): these tables say why an entry exists, the journal what it did.

CREATE TABLE travel_meetings (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,31}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    starts_on   date NOT NULL,
    ends_on     date NOT NULL,
    place       text NOT NULL CHECK (length(place) BETWEEN 1 AND 200),
    currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    budget_line text NOT NULL DEFAULT '' CHECK (length(budget_line) <= 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on)
);
COMMENT ON TABLE travel_meetings IS
    'A meeting the fund supports travel to. currency is the budget line''s currency: '
    'obligations and expenses go to 8100-/8190-/5200-currency (docs/fund.md); '
    'starts_on is the meeting date of the policy (deadline, LDC list).';

CREATE TABLE travel_applicants (
    meeting      text NOT NULL REFERENCES travel_meetings (id),
    id           text NOT NULL CHECK (length(id) BETWEEN 1 AND 64 AND id !~ '[\t\r\n]'),
    person       text NOT NULL CHECK (length(person) BETWEEN 1 AND 64),
    name         text NOT NULL,
    country      char(3) NOT NULL CHECK (country ~ '^[A-Z]{3}$'),
    category     text NOT NULL CHECK (category IN ('mag', 'individual')),
    role         text NOT NULL,
    forms_complete boolean NOT NULL,
    health_check boolean NOT NULL,
    declared_prior_funded bigint NOT NULL CHECK (declared_prior_funded >= 0),
    declared_prior_reports_outstanding bigint NOT NULL
        CHECK (declared_prior_reports_outstanding >= 0),
    request      text NOT NULL CHECK (request IN ('full', 'airfare', 'dsa')),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    requested_on text NOT NULL CHECK (length(requested_on) BETWEEN 10 AND 40),
    source       text NOT NULL,
    line         integer NOT NULL CHECK (line > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting, id)
);
CREATE INDEX travel_applicants_person ON travel_applicants (person);
COMMENT ON TABLE travel_applicants IS
    'The requests for a meeting, with the contract''s CSV columns as imported '
    '(source file and line). person links the same person across meetings (the '
    'CSV id). declared_* are what the applicant wrote; a ranking uses the fund''s '
    'own history (travel_trips) instead and reports the difference.';

CREATE TABLE travel_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting        text NOT NULL REFERENCES travel_meetings (id),
    ranked_on      date NOT NULL,
    policy_id      text NOT NULL CHECK (length(policy_id) BETWEEN 1 AND 71),
    policy_version text NOT NULL CHECK (length(policy_version) BETWEEN 1 AND 71),
    policy_sha256  text NOT NULL CHECK (policy_sha256 ~ '^[0-9a-f]{64}$'),
    budget_source  text NOT NULL CHECK (budget_source IN ('ledger', 'given')),
    budget_minor   bigint NOT NULL CHECK (budget_minor >= 0),
    allocated_minor bigint NOT NULL CHECK (allocated_minor >= 0),
    remaining_minor bigint NOT NULL CHECK (remaining_minor >= 0),
    currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    inputs         jsonb NOT NULL CHECK (jsonb_typeof(inputs) = 'array'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text NOT NULL,
    CHECK (allocated_minor + remaining_minor = budget_minor)
);
CREATE INDEX travel_runs_meeting ON travel_runs (meeting, id);
COMMENT ON TABLE travel_runs IS
    'A stored ranking of a meeting: the inputs exactly as ranked (the applicants with '
    'prior_funded and prior_reports_outstanding from the fund''s history), the policy '
    '(id, version, SHA-256 of its file), the budget (from the ledger''s money available '
    'for travel as of ranked_on, or given) and, in travel_decisions, the results. '
    'Approval acts on the latest run of a meeting.';

CREATE TABLE travel_decisions (
    run           bigint NOT NULL REFERENCES travel_runs (id),
    position      integer NOT NULL CHECK (position >= 1),
    applicant     text NOT NULL,
    rank          integer CHECK (rank >= 1),
    decision      text NOT NULL CHECK (decision IN ('funded', 'waitlisted', 'ineligible')),
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    granted_minor bigint NOT NULL CHECK (granted_minor >= 0),
    reasons       text[] NOT NULL,
    explanation   text NOT NULL,
    PRIMARY KEY (run, applicant),
    UNIQUE (run, position),
    CHECK ((decision = 'ineligible') = (rank IS NULL)),
    CHECK ((decision = 'funded') = (granted_minor > 0)),
    CHECK (decision <> 'funded' OR granted_minor = amount_minor)
);
COMMENT ON TABLE travel_decisions IS
    'The decisions of a run in the contract''s order (position): eligible applicants '
    'in rank order, then the ineligible by id; each with its reason codes and the '
    'sentence a person reads. A funded decision is granted its whole request.';

CREATE TABLE travel_trips (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meeting          text NOT NULL,
    applicant        text NOT NULL,
    person           text NOT NULL,
    run              bigint NOT NULL REFERENCES travel_runs (id),
    status           text NOT NULL
        CHECK (status IN ('offered', 'approved', 'declined', 'cancelled', 'settled')),
    granted_minor    bigint NOT NULL CHECK (granted_minor > 0),
    currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    obligation_entry uuid,
    release_entry    uuid,
    report_received_on date,
    airfare_minor    bigint CHECK (airfare_minor >= 0),
    dsa_minor        bigint CHECK (dsa_minor >= 0),
    settlement_entry uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (meeting, applicant) REFERENCES travel_applicants (meeting, id),
    UNIQUE (meeting, applicant),
    CHECK (status NOT IN ('approved', 'settled') OR obligation_entry IS NOT NULL),
    CHECK (status <> 'offered' OR obligation_entry IS NULL),
    CHECK ((release_entry IS NOT NULL) =
           (status IN ('declined', 'cancelled') AND obligation_entry IS NOT NULL)),
    CHECK ((status = 'settled') = (settlement_entry IS NOT NULL)),
    CHECK ((status = 'settled') = (report_received_on IS NOT NULL
                                   AND airfare_minor IS NOT NULL AND dsa_minor IS NOT NULL)),
    CHECK (status <> 'settled' OR (airfare_minor + dsa_minor <= granted_minor
                                   AND airfare_minor + dsa_minor > 0))
);
CREATE INDEX travel_trips_person ON travel_trips (person);
COMMENT ON TABLE travel_trips IS
    'A place funded for a person at a meeting. offered: given to a waitlisted applicant '
    'after a decline, nothing obliged yet; approved: obligation_entry (Dr 8100 / Cr 8190, '
    'the granted amount); declined or cancelled: release_entry reversed the obligation if '
    'there was one; settled: the trip report arrived and settlement_entry recognised '
    'airfare + DSA paid as expense (Dr 5200 / Cr bank) and released the whole obligation. '
    'Earlier approved or settled trips are a person''s prior funding; those without a '
    'report are the reports outstanding.';

-- The entry ids are not foreign keys, for the reason 0020 gives; this
-- trigger checks that each entry named exists in the (append-only) journal.
CREATE FUNCTION travel_entries_exist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.obligation_entry IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.obligation_entry))
       OR (NEW.release_entry IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.release_entry))
       OR (NEW.settlement_entry IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.settlement_entry)) THEN
        RAISE EXCEPTION 'travel_trips: trip %/% names an entry that is not in the journal',
            NEW.meeting, NEW.applicant USING ERRCODE = 'P0001';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER travel_trips_entries_exist BEFORE INSERT OR UPDATE ON travel_trips
    FOR EACH ROW EXECUTE FUNCTION travel_entries_exist();

-- The daemon (and the CLI working as the same role) reads everything, adds
-- rows, and changes only a trip's status and the entries and figures that
-- come with it.
GRANT SELECT, INSERT ON travel_meetings, travel_applicants, travel_runs, travel_decisions,
    travel_trips TO tfledger_daemon;
GRANT UPDATE (status, obligation_entry, release_entry, report_received_on, airfare_minor,
              dsa_minor, settlement_entry, updated_at) ON travel_trips TO tfledger_daemon;
