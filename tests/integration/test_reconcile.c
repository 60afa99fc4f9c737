/*
 * test_reconcile.c - reconciliation both ways (bank/match.c,
 * bank/reconcile.c) against a fresh migrated database per test and real
 * camt.053 documents read by the real importer: the candidates of a line
 * and their reasons, what reconcile matches alone (receipts, travel
 * payments, transfers, refunds) and what it only suggests or proposes
 * (charges, interest), idempotence, one posting never matched twice, and
 * the reconciliation statement whose items explain the difference between
 * the bank and the ledger to the cent.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bank/match.h"
#include "bank/reconcile.h"
#include "bank/statements.h"
#include "common/db.h"
#include "common/err.h"
#include "common/limits.h"
#include "fund/body.h"
#include "fund/fund.h"
#include "ledger/ledger.h"
#include "tests/harness/harness.h"

static const struct ledger_actor who = {LEDGER_FUND_CLI_TOKEN_ID, "tester", "finance",
					"test"};

#define IBAN "CH9300762011623852957"

struct fx {
	char db[LIMIT_CONNINFO_BYTES];
	PGconn *c;
};

/* A fresh database with the chart, donors fin and isoc, and a connection
 * set up as the daemon's sessions are. */
static void fx_open(struct fx *f)
{
	int created = 0;

	harness_new_db(f->db, sizeof(f->db));
	f->c = harness_connect(f->db);
	ck_assert_int_eq(ledger_store_setup(f->c), 0);
	ck_assert_int_eq(fund_setup(f->c), 0);
	ck_assert_int_eq(bank_statements_prepare(f->c), 0);
	ck_assert_msg(bank_reconcile_setup(f->c) == 0, "%s", err_last());
	ck_assert_msg(fund_init(&created, f->c, &who) == 0, "%s", err_last());
	json_decref(harness_op_ok(f->c, fund_donor_add, &who,
				  "{\"id\":\"fin\",\"name\":\"Finland\",\"org_type\":\"10\"}"));
	json_decref(harness_op_ok(f->c, fund_donor_add, &who,
				  "{\"id\":\"isoc\",\"name\":\"Internet Society\","
				  "\"org_type\":\"21\"}"));
}

static void fx_close(struct fx *f)
{
	harness_expect_trial_balance_zero(f->c);
	PQfinish(f->c);
}

/* A signed pledge; its id. */
static long long pledge(PGconn *c, const char *donor, const char *amount, const char *agreement)
{
	json_t *p = harness_op_ok(c, fund_pledge_add, &who,
				  "{\"donor\":\"%s\",\"date\":\"2019-01-08\",\"amount\":\"%s\","
				  "\"currency\":\"EUR\",\"agreement\":\"%s\"}",
				  donor, amount, agreement);
	long long id = json_integer_value(json_object_get(p, "id"));

	json_decref(p);
	return id;
}

/* A receipt recorded by hand (no bank line): the ledger has the money. */
static void receipt(PGconn *c, long long pledge_id, const char *date, const char *amount)
{
	json_decref(harness_op_ok(c, fund_receipt_add, &who,
				  "{\"pledge\":%lld,\"date\":\"%s\",\"bank_account\":\"1010-EUR\","
				  "\"amount\":\"%s\"}",
				  pledge_id, date, amount));
}

/* A plain entry of two postings: Dr debit / Cr credit amount (minor units,
 * EUR); its id into id_out (may be NULL). */
static void entry(char *id_out, PGconn *c, const char *date, const char *debit,
		  const char *credit, int64_t amount, const char *memo, const char *reference)
{
	char id[LEDGER_UUID_BYTES];
	struct ledger_entry e;

	ck_assert_int_eq(fund_body_entry_begin(&e, date, memo, reference), 0);
	fund_body_entry_add(&e, debit, "EUR", true, amount);
	fund_body_entry_add(&e, credit, "EUR", false, amount);
	ck_assert_msg(fund_body_entry_done(id, c, &e, &who, "entry.post") == 0, "%s", err_last());
	if (id_out)
		strcpy(id_out, id);
}

/* One camt.053 entry: side CRDT|DBIT, the party (debtor of a credit,
 * creditor of a debit), end-to-end id and remittance text ("" for none). */
static void ntry(char *buf, size_t size, const char *ref, const char *amount, const char *side,
		 const char *date, const char *code, const char *party, const char *e2e,
		 const char *text)
{
	size_t n = strlen(buf);
	bool credit = strcmp(side, "CRDT") == 0;

	snprintf(buf + n, size - n,
		 "<Ntry><Amt Ccy=\"EUR\">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Sts>BOOK</Sts>"
		 "<BookgDt><Dt>%s</Dt></BookgDt><AcctSvcrRef>%s</AcctSvcrRef>"
		 "<BkTxCd><Domn><Cd>%.4s</Cd><Fmly><Cd>%.4s</Cd><SubFmlyCd>%.4s</SubFmlyCd>"
		 "</Fmly></Domn></BkTxCd>"
		 "<NtryDtls><TxDtls>%s%s%s%s%s%s%s%s%s</TxDtls></NtryDtls></Ntry>",
		 amount, side, date, ref, code, code + 5, code + 10, *e2e ? "<Refs><EndToEndId>" : "",
		 e2e, *e2e ? "</EndToEndId></Refs>" : "",
		 *party ? (credit ? "<RltdPties><Dbtr><Nm>" : "<RltdPties><Cdtr><Nm>") : "", party,
		 *party ? (credit ? "</Nm></Dbtr></RltdPties>" : "</Nm></Cdtr></RltdPties>") : "",
		 *text ? "<RmtInf><Ustrd>" : "", text, *text ? "</Ustrd></RmtInf>" : "");
}

/* Imports one EUR statement of IBAN with its balances and entries. */
static void statement(PGconn *c, const char *id, const char *opening, const char *open_date,
		      const char *closing, const char *close_date, const char *entries)
{
	struct bank_statements_file *out = NULL;
	char doc[16384];

	snprintf(doc, sizeof(doc),
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		 "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
		 "<BkToCstmrStmt><GrpHdr><MsgId>%s</MsgId>"
		 "<CreDtTm>%sT18:00:00</CreDtTm></GrpHdr>"
		 "<Stmt><Id>%s</Id><CreDtTm>%sT18:00:00</CreDtTm>"
		 "<Acct><Id><IBAN>" IBAN "</IBAN></Id><Ccy>EUR</Ccy></Acct>"
		 "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">%s</Amt>"
		 "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>"
		 "<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">%s</Amt>"
		 "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>"
		 "%s</Stmt></BkToCstmrStmt></Document>",
		 id, close_date, id, close_date, opening, open_date, closing, close_date, entries);
	ck_assert_msg(bank_statements_import_memory(&out, c, doc, strlen(doc), id) == 0, "%s",
		      err_last());
	bank_statements_file_free(out);
}

/* The id of the bank line whose bank reference is ref. */
static long long line_id(PGconn *c, const char *ref)
{
	char sql[256], *v;
	long long id;

	snprintf(sql, sizeof(sql), "SELECT id FROM bank_lines WHERE bank_ref = '%s'", ref);
	v = harness_query_value(c, sql);
	ck_assert_msg(v, "no line %s", ref);
	id = strtoll(v, NULL, 10);
	free(v);
	return id;
}

static json_t *candidates(int *sure, PGconn *c, long long line, const char *tolerance_minor)
{
	json_t *out = NULL;

	ck_assert_msg(bank_match_candidates(&out, sure, c, line, "1010-EUR",
					    strtoll(tolerance_minor, NULL, 10)) == 0,
		      "%s", err_last());
	ck_assert(json_is_array(out));
	return out;
}

static const char *str_at(json_t *arr, size_t i, const char *key)
{
	return harness_str(json_array_get(arr, i), key);
}

static long long int_at(json_t *arr, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(arr, i), key);

	ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
	return json_integer_value(v);
}

static bool true_at(json_t *arr, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(arr, i), key);

	ck_assert_msg(json_is_boolean(v), "%s is not a boolean", key);
	return json_is_true(v);
}

/* --- candidates ----------------------------------------------------------------------- */

START_TEST(test_match_candidates__reasons_scores_and_the_one_sure)
{
	char lines[8192] = "", settle[LEDGER_UUID_BYTES], sql[256];
	long long fin, isoc;
	struct fx f;
	json_t *k;
	int sure;

	fx_open(&f);
	fin = pledge(f.c, "fin", "1000.00", "IGF-TF-2019-03");
	isoc = pledge(f.c, "isoc", "500.00", "ISOC-2019");
	receipt(f.c, fin, "2019-02-12", "1000.00");
	entry(settle, f.c, "2019-02-18", "5200-EUR", "1010-EUR", 30000, "Travel settlement",
	      "TRAVEL-2019-0012");
	entry(NULL, f.c, "2019-02-15", "5200-EUR", "1010-EUR", 5000, "Hotel A", "H-1");
	entry(NULL, f.c, "2019-02-17", "5200-EUR", "1010-EUR", 5000, "Hotel B", "H-2");
	entry(NULL, f.c, "2018-12-01", "5200-EUR", "1010-EUR", 7000, "Too early", "OLD-1");
	ntry(lines, sizeof(lines), "L1", "1000.00", "CRDT", "2019-02-14", "PMNT/RCDT/ESCT",
	     "Ministry for Foreign Affairs of Finland", "IGF-TF-2019-03", "Contribution");
	ntry(lines, sizeof(lines), "L2", "300.00", "DBIT", "2019-02-21", "PMNT/ICDT/ESCT",
	     "A. Participant", "TRAVEL-2019-0012", "IGF 2019 travel support");
	ntry(lines, sizeof(lines), "L3", "50.00", "DBIT", "2019-02-20", "PMNT/ICDT/ESCT",
	     "Nobody Known", "", "");
	ntry(lines, sizeof(lines), "L4", "520.00", "CRDT", "2019-02-20", "PMNT/RCDT/ESCT",
	     "Internet Society", "", "");
	ntry(lines, sizeof(lines), "L5", "70.00", "DBIT", "2019-02-22", "PMNT/ICDT/ESCT",
	     "Nobody", "", "");
	statement(f.c, "S1", "0.00", "2019-02-01", "500.00", "2019-02-28", lines);

	/* the receipt recorded by hand: exact amount, names its agreement */
	k = candidates(&sure, f.c, line_id(f.c, "L1"), "0");
	ck_assert_int_eq(json_array_size(k), 1);
	ck_assert_int_eq(sure, 0);
	ck_assert_str_eq(str_at(k, 0, "kind"), "posting");
	ck_assert_str_eq(str_at(k, 0, "match_kind"), "receipt");
	ck_assert_str_eq(str_at(k, 0, "amount"), "1000.00");
	ck_assert_str_eq(str_at(k, 0, "amount_difference"), "0.00");
	ck_assert_int_eq(int_at(k, 0, "date_distance_days"), 2);
	ck_assert(true_at(k, 0, "reference"));
	ck_assert_int_eq(int_at(k, 0, "name_similarity"), 100);
	ck_assert_int_eq(int_at(k, 0, "score"), 40 + 30 + 20 * 43 / 45 + 10);
	ck_assert_msg(strstr(str_at(k, 0, "why"), "names reference IGF-TF-2019-03"), "%s",
		      str_at(k, 0, "why"));
	json_decref(k);

	/* the travel settlement: a debit matches a credit of the bank account */
	k = candidates(&sure, f.c, line_id(f.c, "L2"), "0");
	ck_assert_int_eq(json_array_size(k), 1);
	ck_assert_int_eq(sure, 0);
	ck_assert_str_eq(str_at(k, 0, "entry"), settle);
	ck_assert_int_eq(int_at(k, 0, "line"), 2);
	ck_assert_str_eq(str_at(k, 0, "match_kind"), "payment");
	ck_assert_str_eq(str_at(k, 0, "entry_date"), "2019-02-18");
	json_decref(k);

	/* two hotel payments of the same amount and no reference: not sure,
	 * the nearer first; the one 81 days before is outside the window */
	k = candidates(&sure, f.c, line_id(f.c, "L3"), "0");
	ck_assert_int_eq(json_array_size(k), 2);
	ck_assert_int_eq(sure, -1);
	ck_assert_str_eq(str_at(k, 0, "memo"), "Hotel B");
	ck_assert_str_eq(str_at(k, 1, "memo"), "Hotel A");
	ck_assert_int_gt(int_at(k, 0, "score"), int_at(k, 1, "score"));
	ck_assert(!true_at(k, 0, "sure") && !true_at(k, 1, "sure"));
	json_decref(k);
	/* a rejected candidate is not offered again */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO bank_line_rejections (bank_line, candidate, rejected_by)"
		 " SELECT %lld, 'posting:' || entry_id || '/' || line, 'tester' FROM postings"
		 " p JOIN entries e ON e.id = p.entry_id WHERE e.memo = 'Hotel B'"
		 " AND p.account = '1010-EUR' RETURNING 1",
		 line_id(f.c, "L3"));
	free(harness_query_value(f.c, sql));
	k = candidates(&sure, f.c, line_id(f.c, "L3"), "0");
	ck_assert_int_eq(json_array_size(k), 1);
	ck_assert_str_eq(str_at(k, 0, "memo"), "Hotel A");
	/* now the only one with the amount, but nothing names it: not sure */
	ck_assert_int_eq(sure, -1);
	json_decref(k);

	/* an open pledge by its donor's name, within the tolerance only */
	k = candidates(&sure, f.c, line_id(f.c, "L4"), "0");
	ck_assert_int_eq(json_array_size(k), 0);
	json_decref(k);
	k = candidates(&sure, f.c, line_id(f.c, "L4"), "5000");
	ck_assert_int_eq(json_array_size(k), 1);
	ck_assert_int_eq(sure, -1);
	ck_assert_str_eq(str_at(k, 0, "kind"), "pledge");
	ck_assert_int_eq(int_at(k, 0, "pledge"), isoc);
	ck_assert_str_eq(str_at(k, 0, "amount_difference"), "20.00");
	ck_assert(json_is_null(json_object_get(json_array_get(k, 0), "entry")));
	ck_assert_int_eq(int_at(k, 0, "score"), 20 * 3000 / 5000 + 10);
	json_decref(k);

	/* 70.00 outside the window: no candidate */
	k = candidates(&sure, f.c, line_id(f.c, "L5"), "0");
	ck_assert_int_eq(json_array_size(k), 0);
	ck_assert_int_eq(sure, -1);
	json_decref(k);
	fx_close(&f);
}
END_TEST

START_TEST(test_match_candidates__a_pledge_named_by_its_agreement_is_sure)
{
	char lines[4096] = "";
	struct fx f;
	long long id;
	json_t *k;
	int sure;

	fx_open(&f);
	/* 400.00 of 1000.00: a part payment, as reconcile always posted it */
	id = pledge(f.c, "fin", "1000.00", "IGF-TF-2019-03");
	pledge(f.c, "fin", "2000.00", "IGF-TF-2019-030");
	ntry(lines, sizeof(lines), "L1", "400.00", "CRDT", "2019-02-14", "PMNT/RCDT/ESCT",
	     "Finland", "", "Agreement IGF-TF-2019-03, first part");
	statement(f.c, "S1", "0.00", "2019-02-01", "400.00", "2019-02-28", lines);
	k = candidates(&sure, f.c, line_id(f.c, "L1"), "0");
	/* IGF-TF-2019-030 is not named: the number is a whole word */
	ck_assert_int_eq(json_array_size(k), 1);
	ck_assert_int_eq(sure, 0);
	ck_assert_int_eq(int_at(k, 0, "pledge"), id);
	ck_assert_str_eq(str_at(k, 0, "agreement"), "IGF-TF-2019-03");
	ck_assert_str_eq(str_at(k, 0, "amount"), "1000.00");
	ck_assert_str_eq(str_at(k, 0, "amount_difference"), "-600.00");
	json_decref(k);
	fx_close(&f);
}
END_TEST

START_TEST(test_match_candidates__refuses_unknown_line_account_and_currency)
{
	char lines[2048] = "";
	json_t *k = NULL;
	struct fx f;

	fx_open(&f);
	ntry(lines, sizeof(lines), "L1", "10.00", "CRDT", "2019-02-14", "PMNT/RCDT/ESCT", "X",
	     "", "");
	statement(f.c, "S1", "0.00", "2019-02-01", "10.00", "2019-02-28", lines);
	ck_assert_int_eq(bank_match_candidates(&k, NULL, f.c, 999, "1010-EUR", 0), ERR_NOTFOUND);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(bank_match_candidates(&k, NULL, f.c, line_id(f.c, "L1"), "1010-XXX", 0),
			 ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "unknown-account");
	ck_assert_int_eq(bank_match_candidates(&k, NULL, f.c, line_id(f.c, "L1"), "1200-EUR", 0),
			 ERR_INVALID);
	ck_assert_int_eq(bank_match_candidates(&k, NULL, f.c, line_id(f.c, "L1"), "1010-USD", 0),
			 ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "currency-mismatch");
	ck_assert_msg(strstr(err_last(), "EUR"), "%s", err_last());
	ck_assert_int_eq(bank_match_candidates(&k, NULL, f.c, line_id(f.c, "L1"), "1010-EUR", -1),
			 ERR_INVALID);
	ck_assert_ptr_null(k);
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tests[] = {
		{test_match_candidates__reasons_scores_and_the_one_sure, 0},
		{test_match_candidates__a_pledge_named_by_its_agreement_is_sure, 0},
		{test_match_candidates__refuses_unknown_line_account_and_currency, 0},
	};
	Suite *s = suite_create("reconcile");

	harness_add_tcase(s, "reconcile", NULL, NULL, 120, tests, HARNESS_N(tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
