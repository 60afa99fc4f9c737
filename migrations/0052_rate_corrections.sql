-- 0052_rate_corrections.sql: UN operational rates may be corrected
-- (issue 14, docs/fund.md "Rates" and docs/controls.md "Month-end
-- revaluation"). A correction changes the stored rate of a currency and
-- month (exchange_rates keeps the new value) and leaves its history here:
-- the old and the new value, who, when and why. fund/reval.c refuses one
-- when the month or the month after is closed (their revaluations would
-- change) and re-revalues the months it affects.

CREATE TABLE rate_corrections (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$' AND currency <> 'USD'),
    month text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    old_mantissa bigint NOT NULL CHECK (old_mantissa > 0),
    old_scale smallint NOT NULL CHECK (old_scale BETWEEN 0 AND 12),
    new_mantissa bigint NOT NULL CHECK (new_mantissa > 0),
    new_scale smallint NOT NULL CHECK (new_scale BETWEEN 0 AND 12),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    corrected_by text NOT NULL,
    corrected_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (currency, month) REFERENCES exchange_rates (currency, month)
);
CREATE INDEX rate_corrections_rate ON rate_corrections (currency, month);
COMMENT ON TABLE rate_corrections IS
    'Every correction of a UN operational rate: the value before (old_mantissa / 10^old_scale USD per unit) and after, who, when and why. Rows are never changed.';

COMMENT ON TABLE exchange_rates IS
    'UN operational rates of exchange: USD per unit of currency for a month, exactly '
    'usd_mantissa / 10^usd_scale (never a float). USD itself is 1 and not stored. '
    'A rate is changed only by a correction (tfledger rates correct), which keeps the '
    'old value in rate_corrections and re-revalues the months it affects.';

GRANT SELECT, INSERT ON rate_corrections TO tfledger_daemon;
GRANT UPDATE (usd_mantissa, usd_scale) ON exchange_rates TO tfledger_daemon;
