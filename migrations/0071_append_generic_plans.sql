-- 0071_append_generic_plans.sql: the functions an append runs keep one
-- plan per statement (issue 18).
--
-- PostgreSQL plans a PL/pgSQL statement with parameters afresh on each
-- call ("custom" plans) unless a generic plan looks no dearer; with the
-- enable_* settings these functions run under, it chose custom plans for
-- most of ledger_append(), so every group of the writer planned its
-- statements again: ledger_append() took 0.9-1.0 ms for a group of one
-- entry, 0.4-0.55 ms with one plan kept per statement (pgbench -r over the
-- same statements, bench/README.md). The statements all look rows up by key
-- through the indexes the enable_* settings force, so the generic plan is
-- the one the custom plans were.

ALTER FUNCTION ledger_append() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_check_entries(uuid[], date[]) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_entries_inserted() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_postings_inserted() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION postings_currency_pending() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_currency_fold() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_currency_pending_check() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_check_balanced_set() SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION ledger_tokens_hold(text[]) SET plan_cache_mode = force_generic_plan;
