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
					"test", NULL};

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
	harness_allow_overdrafts(f->db);
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

/* --- reconcile both ways -------------------------------------------------------------- */

/* Sets bank line ref's transaction code (the importer fills it from BkTxCd
 * where it reads it; the test does not depend on that). */
static void tx_code(const struct fx *f, const char *ref, const char *code)
{
	PGconn *owner = harness_connect(f->db); /* the daemon may not UPDATE it */
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "UPDATE bank_lines SET bank_tx_code = '%s' WHERE bank_ref = '%s' RETURNING 1", code,
		 ref);
	free(harness_query_value(owner, sql));
	PQfinish(owner);
}

static json_t *reconcile(PGconn *c, const char *tolerance)
{
	json_t *out = NULL;

	ck_assert_msg(bank_reconcile(&out, c, "1010-EUR", IBAN, tolerance, &who) == 0, "%s",
		      err_last());
	return out;
}

static json_t *statement_of(PGconn *c, const char *as_of)
{
	json_t *out = NULL;

	ck_assert_msg(bank_reconcile_statement(&out, c, "1010-EUR", IBAN, as_of) == 0, "%s",
		      err_last());
	return out;
}

/* The line of array key of o whose bank_ref is ref. */
static json_t *line_of(json_t *o, const char *key, const char *ref)
{
	json_t *arr = json_object_get(o, key), *l;
	size_t i;

	json_array_foreach(arr, i, l)
		if (strcmp(harness_str(l, "bank_ref"), ref) == 0)
			return l;
	ck_abort_msg("no line %s in %s", ref, key);
	return NULL;
}

static const char *group_str(json_t *st, const char *group, const char *key)
{
	return harness_str(json_object_get(st, group), key);
}

static size_t group_size(json_t *st, const char *group)
{
	return json_array_size(json_object_get(json_object_get(st, group), "items"));
}

static json_t *group_item(json_t *st, const char *group, size_t i)
{
	return json_array_get(json_object_get(json_object_get(st, group), "items"), i);
}

START_TEST(test_match_candidates__the_only_exact_amount_with_a_name_alike_is_sure)
{
	char lines[4096] = "";
	struct fx f;
	json_t *k, *o;
	int sure;

	fx_open(&f);
	entry(NULL, f.c, "2019-02-10", "5200-EUR", "1010-EUR", 8000, "Acme Consulting", "");
	entry(NULL, f.c, "2019-02-11", "5200-EUR", "1010-EUR", 9000, "Payment to Acme Travel", "");
	ntry(lines, sizeof(lines), "L1", "80.00", "DBIT", "2019-02-12", "PMNT/ICDT/ESCT",
	     "ACME CONSULTING", "", "");
	ntry(lines, sizeof(lines), "L2", "90.00", "DBIT", "2019-02-12", "PMNT/ICDT/ESCT",
	     "Acme Consulting GmbH", "", "");
	statement(f.c, "S1", "0.00", "2019-02-01", "0.00", "2019-02-28", lines);
	/* words shared: both of the shorter name, case aside */
	k = candidates(&sure, f.c, line_id(f.c, "L1"), "0");
	ck_assert_int_eq(json_array_size(k), 1);
	ck_assert_int_eq(int_at(k, 0, "name_similarity"), 100);
	ck_assert(!true_at(k, 0, "reference"));
	ck_assert_int_eq(sure, 0);
	json_decref(k);
	/* one word of three: 33%, not sure */
	k = candidates(&sure, f.c, line_id(f.c, "L2"), "0");
	ck_assert_int_eq(json_array_size(k), 1);
	ck_assert_int_eq(int_at(k, 0, "name_similarity"), 33);
	ck_assert_int_eq(sure, -1);
	json_decref(k);
	o = reconcile(f.c, NULL);
	ck_assert_str_eq(harness_str(line_of(o, "matched", "L1"), "kind"), "payment");
	line_of(o, "suggested", "L2");
	json_decref(o);
	fx_close(&f);
}
END_TEST

START_TEST(test_reconcile__both_ways_and_the_statement_explains_the_difference_to_zero)
{
	static const struct ledger_account second = {"1020-EUR", "Bank account, deposit (EUR)",
						     "asset", "EUR", true};
	char lines[16384] = "", p1[LEDGER_UUID_BYTES], p2[LEDGER_UUID_BYTES],
	     cheque[LEDGER_UUID_BYTES], transfer[LEDGER_UUID_BYTES], refund[LEDGER_UUID_BYTES];
	char *r3_entry, *before;
	long long fin, fin2, isoc;
	json_t *o, *l, *st, *k;
	struct fx f;

	fx_open(&f);
	ck_assert_msg(ledger_account_create(f.c, &second, &who, NULL, NULL, NULL) == 0, "%s",
		      err_last());
	fin = pledge(f.c, "fin", "1000.00", "IGF-TF-2019-03");
	fin2 = pledge(f.c, "fin", "2000.00", "IGF-TF-2019-04");
	isoc = pledge(f.c, "isoc", "500.00", "ISOC-2019");
	/* before the first statement: the balance, and a cheque not cleared yet */
	entry(NULL, f.c, "2019-01-15", "1010-EUR", "4100-EUR", 1000000, "Balance brought forward",
	      "OPENING-2019");
	entry(cheque, f.c, "2019-01-28", "5200-EUR", "1010-EUR", 5000, "Cheque 1001", "CHQ-1001");
	/* February in the ledger */
	receipt(f.c, fin, "2019-02-12", "1000.00");
	receipt(f.c, fin2, "2019-02-27", "2000.00"); /* not on the statement yet */
	r3_entry = harness_query_value(f.c, "SELECT entry_id FROM receipts WHERE received_on ="
					    " '2019-02-27'");
	entry(transfer, f.c, "2019-02-10", "1020-EUR", "1010-EUR", 250000, "To the deposit account",
	      "TRF-0007");
	entry(refund, f.c, "2019-02-15", "2100-EUR", "1010-EUR", 12000, "Refund to ISOC",
	      "REFUND-ISOC-1");
	entry(p1, f.c, "2019-02-18", "5200-EUR", "1010-EUR", 30000, "Travel settlement, airfare",
	      "TRAVEL-2019-0012");
	entry(p2, f.c, "2019-02-26", "5200-EUR", "1010-EUR", 45000, "Travel settlement, DSA",
	      "TRAVEL-2019-0013"); /* not cleared yet */
	/* February at the bank */
	ntry(lines, sizeof(lines), "C1", "50.00", "DBIT", "2019-02-03", "PMNT/ICHQ/CCHQ",
	     "A. Payee", "CHQ-1001", "");
	ntry(lines, sizeof(lines), "L1", "1000.00", "CRDT", "2019-02-14", "PMNT/RCDT/ESCT",
	     "Ministry for Foreign Affairs of Finland", "IGF-TF-2019-03", "Contribution");
	ntry(lines, sizeof(lines), "L2", "500.00", "CRDT", "2019-02-20", "PMNT/RCDT/ESCT",
	     "Internet Society", "", "ISOC-2019 contribution");
	ntry(lines, sizeof(lines), "L3", "300.00", "DBIT", "2019-02-21", "PMNT/ICDT/ESCT",
	     "A. Participant", "TRAVEL-2019-0012", "IGF 2019 travel support");
	ntry(lines, sizeof(lines), "L4", "2500.00", "DBIT", "2019-02-11", "PMNT/ICDT/BOOK",
	     "UN IGF Trust Fund", "TRF-0007", "");
	ntry(lines, sizeof(lines), "L5", "120.00", "DBIT", "2019-02-16", "PMNT/ICDT/ESCT",
	     "Internet Society", "REFUND-ISOC-1", "Refund");
	ntry(lines, sizeof(lines), "L6", "10.55", "DBIT", "2019-02-28", "ACMT/MDOP/CHRG", "", "",
	     "Account fees");
	ntry(lines, sizeof(lines), "L7", "3.20", "CRDT", "2019-02-28", "ACMT/MDOP/INTR", "", "",
	     "Interest");
	statement(f.c, "S-2019-02", "10000.00", "2019-02-01", "8522.65", "2019-02-28", lines);
	tx_code(&f, "L6", "ACMT/MDOP/CHRG");
	tx_code(&f, "L7", "ACMT/MDOP/INTR");
	harness_expect_value(f.c, "SELECT count(*) FROM entries", "11");

	/* what a run would do, doing nothing */
	before = harness_query_value(f.c, "SELECT (SELECT count(*) FROM entries) || '/' ||"
					  " (SELECT count(*) FROM bank_line_matches) || '/' ||"
					  " (SELECT string_agg(match_status, ',' ORDER BY id)"
					  " FROM bank_lines)");
	{
		json_t *p = NULL;

		ck_assert_int_eq(bank_reconcile_preview(&p, f.c, "1010-EUR", IBAN, NULL), 0);
		ck_assert_int_eq(json_array_size(json_object_get(p, "to_post")), 1);
		ck_assert_int_eq(json_array_size(json_object_get(p, "to_match")), 5);
		ck_assert_int_eq(json_array_size(json_object_get(p, "matched")), 0);
		ck_assert_int_eq(json_integer_value(json_object_get(
					 line_of(p, "to_post", "L2"), "pledge")), isoc);
		ck_assert_str_eq(harness_str(line_of(p, "to_match", "L3"), "entry"), p1);
		json_decref(p);
		harness_expect_value(f.c, "SELECT (SELECT count(*) FROM entries) || '/' ||"
					  " (SELECT count(*) FROM bank_line_matches) || '/' ||"
					  " (SELECT string_agg(match_status, ',' ORDER BY id)"
					  " FROM bank_lines)", before);
	}

	for (int run = 0; run < 2; run++) {
		o = reconcile(f.c, NULL);
		ck_assert_int_eq(json_array_size(json_object_get(o, "matched")), 6);
		ck_assert_int_eq(json_array_size(json_object_get(o, "suggested")), 0);
		ck_assert_int_eq(json_array_size(json_object_get(o, "unmatched")), 2);
		/* the receipt recorded by hand: receipt and pledge, each its own */
		l = line_of(o, "matched", "L1");
		ck_assert_int_eq(json_integer_value(json_object_get(l, "pledge")), fin);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "receipt")), 1);
		ck_assert_str_eq(harness_str(l, "kind"), "receipt");
		ck_assert_str_eq(harness_str(l, "how"), "auto");
		/* the receipt reconcile posted from the pledge the line names */
		l = line_of(o, "matched", "L2");
		ck_assert_int_eq(json_integer_value(json_object_get(l, "pledge")), isoc);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "receipt")), 3);
		ck_assert_str_eq(harness_str(l, "how"), "auto");
		/* debits: the ledger had them; nothing posted */
		l = line_of(o, "matched", "L3");
		ck_assert_str_eq(harness_str(l, "entry"), p1);
		ck_assert_int_eq(json_integer_value(json_object_get(l, "entry_line")), 2);
		ck_assert_str_eq(harness_str(l, "kind"), "payment");
		ck_assert(json_is_null(json_object_get(l, "pledge")));
		ck_assert(json_is_null(json_object_get(l, "receipt")));
		ck_assert_str_eq(harness_str(line_of(o, "matched", "L4"), "entry"), transfer);
		ck_assert_str_eq(harness_str(line_of(o, "matched", "L4"), "kind"), "transfer");
		ck_assert_str_eq(harness_str(line_of(o, "matched", "L5"), "entry"), refund);
		ck_assert_str_eq(harness_str(line_of(o, "matched", "L5"), "kind"), "refund");
		ck_assert_str_eq(harness_str(line_of(o, "matched", "C1"), "entry"), cheque);
		/* the charge and the interest: proposals, nothing posted */
		k = json_object_get(line_of(o, "unmatched", "L6"), "proposal");
		ck_assert_str_eq(harness_str(k, "kind"), "charge");
		ck_assert_str_eq(harness_str(k, "debit"), "5100-EUR");
		ck_assert_str_eq(harness_str(k, "credit"), "1010-EUR");
		ck_assert_str_eq(harness_str(k, "amount"), "10.55");
		k = json_object_get(line_of(o, "unmatched", "L7"), "proposal");
		ck_assert_str_eq(harness_str(k, "kind"), "interest");
		ck_assert_str_eq(harness_str(k, "debit"), "1010-EUR");
		ck_assert_str_eq(harness_str(k, "credit"), "4300-EUR");
		ck_assert_str_eq(harness_str(k, "amount"), "3.20");
		ck_assert_str_eq(harness_str(o, "bank_closing"), "8522.65");
		ck_assert_str_eq(harness_str(o, "ledger_balance"), "10080.00");
		json_decref(o);
		/* one entry posted, once: the receipt of L2 */
		harness_expect_value(f.c, "SELECT count(*) FROM entries", "12");
		harness_expect_value(f.c, "SELECT count(*) FROM receipts", "3");
		harness_expect_value(
			f.c,
			"SELECT string_agg(l.bank_ref || ':' || m.kind || ':' || m.how || ':'"
			" || m.matched_by, ',' ORDER BY l.id) FROM bank_line_matches m"
			" JOIN bank_lines l ON l.id = m.bank_line",
			"C1:payment:auto:tester,L1:receipt:auto:tester,L2:receipt:auto:tester,"
			"L3:payment:auto:tester,L4:transfer:auto:tester,L5:refund:auto:tester");
		harness_expect_value(f.c, "SELECT string_agg(match_status, ',' ORDER BY id)"
					  " FROM bank_lines",
				     "matched,matched,matched,matched,matched,matched,unmatched,"
				     "unmatched");
	}
	/* the receipt's match is its debit of the bank account */
	harness_expect_value(f.c, "SELECT p.account || ' ' || p.side || ' ' || p.amount"
				  " FROM bank_line_matches m JOIN postings p ON p.entry_id ="
				  " m.entry_id AND p.line = m.line JOIN bank_lines l ON l.id ="
				  " m.bank_line WHERE l.bank_ref = 'L2'",
			     "1010-EUR debit 50000");

	st = statement_of(f.c, NULL);
	ck_assert_str_eq(harness_str(st, "closing_date"), "2019-02-28");
	ck_assert_str_eq(harness_str(st, "statement"), "S-2019-02");
	ck_assert_str_eq(harness_str(st, "bank_closing"), "8522.65");
	ck_assert_str_eq(harness_str(st, "ledger_balance"), "10080.00");
	ck_assert_str_eq(harness_str(st, "difference"), "-1557.35");
	/* the cheque of January: in the ledger's balance brought forward,
	 * on the bank's statement in February */
	ck_assert_str_eq(group_str(st, "brought_forward", "bank_opening"), "10000.00");
	ck_assert_str_eq(group_str(st, "brought_forward", "ledger_opening"), "9950.00");
	ck_assert_str_eq(group_str(st, "brought_forward", "effect"), "50.00");
	ck_assert_str_eq(group_str(st, "receipts_in_transit", "effect"), "-2000.00");
	ck_assert_int_eq(group_size(st, "receipts_in_transit"), 1);
	ck_assert_str_eq(harness_str(group_item(st, "receipts_in_transit", 0), "entry"), r3_entry);
	ck_assert_str_eq(group_str(st, "outstanding_payments", "total"), "450.00");
	ck_assert_str_eq(group_str(st, "outstanding_payments", "effect"), "450.00");
	ck_assert_str_eq(harness_str(group_item(st, "outstanding_payments", 0), "entry"), p2);
	ck_assert_int_eq(group_size(st, "outstanding_payments"), 1);
	ck_assert_str_eq(group_str(st, "bank_credits_not_in_ledger", "effect"), "3.20");
	ck_assert_int_eq(group_size(st, "bank_credits_not_in_ledger"), 1);
	ck_assert_str_eq(group_str(st, "bank_debits_not_in_ledger", "total"), "60.55");
	ck_assert_str_eq(group_str(st, "bank_debits_not_in_ledger", "effect"), "-60.55");
	ck_assert_int_eq(group_size(st, "bank_debits_not_in_ledger"), 2);
	k = group_item(st, "bank_debits_not_in_ledger", 0);
	ck_assert_str_eq(harness_str(k, "bank_ref"), "C1");
	ck_assert_str_eq(harness_str(k, "entry_date"), "2019-01-28");
	ck_assert_str_eq(harness_str(group_item(st, "bank_debits_not_in_ledger", 1), "bank_tx_code"),
			 "ACMT/MDOP/CHRG");
	ck_assert_int_eq(group_size(st, "statement_gaps"), 0);
	ck_assert_int_eq(group_size(st, "amount_differences"), 0);
	ck_assert_str_eq(harness_str(st, "explained"), "-1557.35");
	ck_assert_str_eq(harness_str(st, "unexplained"), "0.00");
	json_decref(st);
	free(r3_entry);
	free(before);
	fx_close(&f);
}
END_TEST

START_TEST(test_reconcile__a_posting_is_never_matched_to_two_lines)
{
	char lines[4096] = "", sql[512];
	struct fx f;
	json_t *o;

	fx_open(&f);
	entry(NULL, f.c, "2019-02-18", "5200-EUR", "1010-EUR", 30000, "Travel settlement",
	      "TRAVEL-2019-0012");
	ntry(lines, sizeof(lines), "L1", "300.00", "DBIT", "2019-02-21", "PMNT/ICDT/ESCT",
	     "A. Participant", "TRAVEL-2019-0012", "");
	ntry(lines, sizeof(lines), "L2", "300.00", "DBIT", "2019-02-22", "PMNT/ICDT/ESCT",
	     "A. Participant", "TRAVEL-2019-0012", "paid twice?");
	statement(f.c, "S1", "0.00", "2019-02-01", "0.00", "2019-02-28", lines);
	o = reconcile(f.c, NULL);
	/* both name it; the first took it, the second has no candidate left */
	ck_assert_int_eq(json_array_size(json_object_get(o, "matched")), 1);
	ck_assert_int_eq(json_array_size(json_object_get(o, "unmatched")), 1);
	line_of(o, "matched", "L1");
	line_of(o, "unmatched", "L2");
	json_decref(o);
	json_decref(reconcile(f.c, NULL));
	harness_expect_value(f.c, "SELECT count(*) FROM bank_line_matches", "1");
	/* and the database refuses it even if the code forgot */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO bank_line_matches (bank_line, entry_id, line, kind, how, matched_by)"
		 " SELECT %lld, entry_id, line, 'payment', 'confirmed', 'x' FROM bank_line_matches",
		 line_id(f.c, "L2"));
	harness_sql_refused(f.c, sql, "bank_line_matches_entry_id_line_key");
	harness_expect_value(f.c, "SELECT count(*) FROM bank_line_matches", "1");
	fx_close(&f);
}
END_TEST

START_TEST(test_reconcile__suggests_what_is_not_sure_and_keeps_signed_off_lines)
{
	char lines[4096] = "";
	struct fx f;
	json_t *o, *l;

	fx_open(&f);
	entry(NULL, f.c, "2019-02-15", "5200-EUR", "1010-EUR", 5000, "Hotel A", "H-1");
	entry(NULL, f.c, "2019-02-17", "5200-EUR", "1010-EUR", 5000, "Hotel B", "H-2");
	ntry(lines, sizeof(lines), "L1", "50.00", "DBIT", "2019-02-20", "PMNT/ICDT/ESCT",
	     "Nobody Known", "", "");
	ntry(lines, sizeof(lines), "L2", "70.00", "DBIT", "2019-03-02", "PMNT/ICDT/ESCT",
	     "Nobody Known", "", "");
	statement(f.c, "S1", "0.00", "2019-02-01", "0.00", "2019-03-02", lines);
	/* signed off up to 2019-02-28: L1 is locked, L2 is not */
	free(harness_query_value(f.c, "INSERT INTO reconciliation_signoffs (account,"
				      " statement_account, period_end, bank_closing_minor,"
				      " ledger_minor, signed_by) VALUES ('1010-EUR', '" IBAN "',"
				      " '2019-02-28', 0, 0, 'tester') RETURNING 1"));
	o = reconcile(f.c, NULL);
	l = line_of(o, "unmatched", "L1");
	ck_assert_msg(strstr(harness_str(l, "reason"), "signed off up to 2019-02-28"), "%s",
		      harness_str(l, "reason"));
	ck_assert_ptr_null(json_object_get(l, "candidates"));
	json_decref(o);
	harness_expect_value(f.c, "SELECT match_status FROM bank_lines WHERE bank_ref = 'L1'",
			     "unmatched");
	/* reopened: two candidates of the same amount, none sure */
	free(harness_query_value(f.c, "UPDATE reconciliation_signoffs SET reopened_by = 'admin',"
				      " reopened_at = now(), reopen_reason = 'test' RETURNING 1"));
	o = reconcile(f.c, NULL);
	l = line_of(o, "suggested", "L1");
	ck_assert_int_eq(json_array_size(json_object_get(l, "candidates")), 2);
	ck_assert(json_is_null(json_object_get(l, "pledge")));
	ck_assert_msg(strstr(harness_str(l, "reason"), "2 candidate(s), none sure"), "%s",
		      harness_str(l, "reason"));
	line_of(o, "unmatched", "L2");
	json_decref(o);
	harness_expect_value(f.c, "SELECT string_agg(match_status, ',' ORDER BY id)"
				  " FROM bank_lines", "suggested,unmatched");
	harness_expect_value(f.c, "SELECT count(*) FROM bank_line_matches", "0");
	fx_close(&f);
}
END_TEST

START_TEST(test_reconcile_statement__gaps_differences_as_of_and_what_is_unexplained)
{
	char jan[4096] = "", sql[512];
	json_t *st = NULL;
	struct fx f;

	fx_open(&f);
	entry(NULL, f.c, "2019-01-09", "1010-EUR", "4100-EUR", 9900, "Contribution", "X-1");
	ntry(jan, sizeof(jan), "J1", "100.00", "CRDT", "2019-01-10", "PMNT/RCDT/ESCT", "Someone",
	     "X-1", "");
	statement(f.c, "S-01", "0.00", "2019-01-01", "100.00", "2019-01-31", jan);
	/* February opens at 90.00, not at January's 100.00 */
	statement(f.c, "S-02", "90.00", "2019-02-01", "90.00", "2019-02-28", "");
	/* March says +5.00 and holds no line: that is not explained */
	statement(f.c, "S-03", "90.00", "2019-03-01", "95.00", "2019-03-31", "");
	/* 100.00 against 99.00: within 1.00, a candidate, not sure */
	{
		json_t *o = reconcile(f.c, "1.00");

		line_of(o, "suggested", "J1");
		json_decref(o);
	}
	/* a person confirmed it (the work queue's part) */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO bank_line_matches (bank_line, entry_id, line, kind, how, matched_by)"
		 " SELECT %lld, entry_id, line, 'receipt', 'confirmed', 'tester' FROM postings"
		 " WHERE account = '1010-EUR' RETURNING 1",
		 line_id(f.c, "J1"));
	free(harness_query_value(f.c, sql));

	st = statement_of(f.c, "2019-01-31");
	ck_assert_str_eq(harness_str(st, "statement"), "S-01");
	ck_assert_str_eq(harness_str(st, "difference"), "1.00");
	ck_assert_str_eq(group_str(st, "amount_differences", "effect"), "1.00");
	ck_assert_str_eq(harness_str(group_item(st, "amount_differences", 0), "bank"), "100.00");
	ck_assert_str_eq(harness_str(group_item(st, "amount_differences", 0), "ledger"), "99.00");
	ck_assert_str_eq(harness_str(st, "unexplained"), "0.00");
	json_decref(st);

	st = statement_of(f.c, "2019-02-27"); /* February closes later: January's */
	ck_assert_str_eq(harness_str(st, "closing_date"), "2019-01-31");
	json_decref(st);

	st = statement_of(f.c, "2019-02-28");
	ck_assert_str_eq(harness_str(st, "bank_closing"), "90.00");
	ck_assert_str_eq(harness_str(st, "ledger_balance"), "99.00");
	ck_assert_str_eq(harness_str(st, "difference"), "-9.00");
	ck_assert_int_eq(group_size(st, "statement_gaps"), 1);
	ck_assert_str_eq(harness_str(group_item(st, "statement_gaps", 0), "statement"), "S-02");
	ck_assert_str_eq(group_str(st, "statement_gaps", "effect"), "-10.00");
	ck_assert_str_eq(harness_str(st, "explained"), "-9.00");
	ck_assert_str_eq(harness_str(st, "unexplained"), "0.00");
	json_decref(st);

	st = statement_of(f.c, NULL);
	ck_assert_str_eq(harness_str(st, "closing_date"), "2019-03-31");
	ck_assert_str_eq(harness_str(st, "difference"), "-4.00");
	ck_assert_str_eq(harness_str(st, "explained"), "-9.00");
	ck_assert_str_eq(harness_str(st, "unexplained"), "5.00");
	json_decref(st);

	st = NULL;
	ck_assert_int_eq(bank_reconcile_statement(&st, f.c, "1010-EUR", IBAN, "2018-12-31"),
			 ERR_NOTFOUND);
	ck_assert_int_eq(bank_reconcile_statement(&st, f.c, "1010-EUR", IBAN, "2019-13-01"),
			 ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "as_of"), "%s", err_last());
	ck_assert_int_eq(bank_reconcile_statement(&st, f.c, "1200-EUR", IBAN, NULL), ERR_INVALID);
	ck_assert_str_eq(err_code_name(err_code_of(ERR_INVALID)), "unknown-account");
	ck_assert_ptr_null(st);
	fx_close(&f);
}
END_TEST

START_TEST(test_fund_receipt__with_a_bank_line_stores_its_match_once)
{
	char lines[2048] = "", body[512];
	long long id, line;
	json_t *out = NULL, *b;
	struct fx f;

	fx_open(&f);
	id = pledge(f.c, "fin", "1000.00", "IGF-TF-2019-03");
	ntry(lines, sizeof(lines), "L1", "400.00", "CRDT", "2019-02-14", "PMNT/RCDT/ESCT",
	     "Finland", "", "");
	statement(f.c, "S1", "0.00", "2019-02-01", "400.00", "2019-02-28", lines);
	line = line_id(f.c, "L1");
	snprintf(body, sizeof(body),
		 "{\"pledge\":%lld,\"date\":\"2019-02-14\",\"bank_account\":\"1010-EUR\","
		 "\"amount\":\"400.00\",\"bank_line\":%lld}",
		 id, line);
	json_decref(harness_op_ok(f.c, fund_receipt_add, &who, "%s", body));
	harness_expect_value(f.c, "SELECT kind || ' ' || how || ' ' || matched_by || ' ' ||"
				  " (entry_id = (SELECT entry_id FROM receipts)) FROM"
				  " bank_line_matches", "receipt recorded tester true");
	/* again, through the other door: refused, nothing stored */
	b = json_loads(body, 0, NULL);
	ck_assert_int_eq(fund_receipt_add_matched(&out, f.c, b, &who, "auto"), ERR_CONFLICT);
	ck_assert_ptr_null(out);
	json_decref(b);
	harness_expect_value(f.c, "SELECT count(*) || '/' || (SELECT count(*) FROM receipts) ||"
				  " '/' || (SELECT count(*) FROM entries) FROM bank_line_matches",
			     "1/1/2");
	fx_close(&f);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test tests[] = {
		{test_match_candidates__reasons_scores_and_the_one_sure, 0},
		{test_match_candidates__a_pledge_named_by_its_agreement_is_sure, 0},
		{test_match_candidates__the_only_exact_amount_with_a_name_alike_is_sure, 0},
		{test_match_candidates__refuses_unknown_line_account_and_currency, 0},
		{test_reconcile__both_ways_and_the_statement_explains_the_difference_to_zero, 0},
		{test_reconcile__a_posting_is_never_matched_to_two_lines, 0},
		{test_reconcile__suggests_what_is_not_sure_and_keeps_signed_off_lines, 0},
		{test_reconcile_statement__gaps_differences_as_of_and_what_is_unexplained, 0},
		{test_fund_receipt__with_a_bank_line_stores_its_match_once, 0},
	};
	Suite *s = suite_create("reconcile");

	harness_add_tcase(s, "reconcile", NULL, NULL, 120, tests, HARNESS_N(tests));
	return s;
}

int main(void)
{
	return harness_main(suite(), true);
}
