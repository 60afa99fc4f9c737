-- 0053_close.sql: closing the books (fund/close.c, docs/controls.md
-- "Closing months and the year"). The database defends the year-end close
-- too: a month of a year whose close is stored in fund_year_closes cannot
-- be reopened (its closed_periods row deleted), whoever tries; fund/close.c
-- refuses it first with a message, this trigger is the backstop.

CREATE FUNCTION closed_periods_keep_closed_years() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM fund_year_closes y
               WHERE y.year = extract(year FROM OLD.month)::integer) THEN
        RAISE EXCEPTION 'the month % belongs to the year %, whose year-end close is stored:'
            ' a closed year''s months stay closed', to_char(OLD.month, 'YYYY-MM'),
            extract(year FROM OLD.month)::integer USING ERRCODE = 'P0001';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER closed_periods_keep_closed_years BEFORE DELETE ON closed_periods
    FOR EACH ROW EXECUTE FUNCTION closed_periods_keep_closed_years();
COMMENT ON FUNCTION closed_periods_keep_closed_years() IS
    'Refuses to reopen (delete the closed_periods row of) a month of a year closed in fund_year_closes.';
