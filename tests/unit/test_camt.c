/*
 * test_camt.c - the streaming camt.053 reader (bank/camt.c) on the
 * fixtures of tests/data/camt: every figure of each version, batch
 * splitting, instructed amounts and charges, entries in another currency,
 * bank transaction codes, each tolerated quirk (read, with warnings), and
 * hostile or bad files refused; and the line identity of bank/statements.c
 * (what it depends on and what not). No database.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/xml.h"
#include "bank/camt.h"
#include "bank/statements.h"
#include "tests/harness/harness.h"

#define DATA SRCDATADIR "/tests/data/camt/"
#define MAX_STMTS 8
#define MAX_LINES 16

struct got {
	struct bank_camt_statement begun[MAX_STMTS];
	struct bank_camt_statement ended[MAX_STMTS];
	int nbegun, nended;
	struct bank_camt_line lines[MAX_LINES];
	int stmt_of_line[MAX_LINES];
	int nlines;
};

static int on_begin(void *ctx, const struct bank_camt_statement *s)
{
	struct got *g = ctx;

	ck_assert_int_lt(g->nbegun, MAX_STMTS);
	g->begun[g->nbegun++] = *s;
	return 0;
}

static int on_line(void *ctx, const struct bank_camt_statement *s,
		   const struct bank_camt_line *l)
{
	struct got *g = ctx;

	ck_assert_int_lt(g->nlines, MAX_LINES);
	ck_assert_str_eq(s->id, g->begun[g->nbegun - 1].id);
	g->stmt_of_line[g->nlines] = g->nbegun - 1;
	g->lines[g->nlines++] = *l;
	return 0;
}

static int on_end(void *ctx, const struct bank_camt_statement *s)
{
	struct got *g = ctx;

	ck_assert_int_lt(g->nended, MAX_STMTS);
	g->ended[g->nended++] = *s;
	return 0;
}

/* Reads a fixture, quietly (warnings are counted in sum). */
static int read_fixture(struct got **out, struct bank_camt_summary *sum,
			const char *name)
{
	struct got *g = calloc(1, sizeof(*g));
	struct bank_camt_handler h = {on_begin, on_line, on_end, g};
	char path[512];
	int rc;

	ck_assert_ptr_nonnull(g);
	snprintf(path, sizeof(path), DATA "%s", name);
	log_set_level(LOG_ERROR);
	rc = bank_camt_read(sum, path, &h);
	log_set_level(LOG_INFO);
	*out = g;
	return rc;
}

/*
 * Reads a fixture that must be accepted and asserts its summary: version,
 * statements, lines and warnings, each unless -1. The caller frees the answer.
 */
static struct got *read_ok(struct bank_camt_summary *sum, const char *name, long version,
			   long statements, long lines, long warnings)
{
	struct got *g = NULL;

	ck_assert_msg(read_fixture(&g, sum, name) == 0, "%s: %s", name, err_last());
	if (version >= 0)
		ck_assert_int_eq(sum->version, version);
	if (statements >= 0)
		ck_assert_int_eq(sum->statements, statements);
	if (lines >= 0)
		ck_assert_int_eq(sum->lines, lines);
	if (warnings >= 0)
		ck_assert_int_eq(sum->warnings, warnings);
	return g;
}

START_TEST(test_camt_read__v02_statement_figures)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "v02_basic.xml", 2, 1, 4, 0);
	const struct bank_camt_statement *s;
	const struct bank_camt_line *l;

	ck_assert_int_eq(g->nended, 1);
	s = &g->ended[0];
	ck_assert_str_eq(s->id, "STMT-EUR-2019-02");
	ck_assert_str_eq(s->account, "CH9300762011623852957");
	ck_assert_str_eq(s->currency, "EUR");
	ck_assert_int_eq(s->entries, 4);
	ck_assert_int_eq(s->credits_minor, 152000);
	ck_assert_int_eq(s->debits_minor, 31055);
	ck_assert(s->has_opening && s->has_closing);
	ck_assert_int_eq(s->opening_minor, 1000000);
	ck_assert_int_eq(s->closing_minor, 1120945);
	ck_assert_str_eq(s->closing_date, "2019-02-28");
	/* the header was handed out before the first line */
	ck_assert_str_eq(g->begun[0].id, "STMT-EUR-2019-02");

	l = &g->lines[0];
	ck_assert_int_eq(l->amount_minor, 100000);
	ck_assert_int_eq(l->side, LEDGER_CAMT_CREDIT);
	ck_assert_int_eq(l->entry_index, 1);
	ck_assert_int_eq(l->tx_index, 0);
	ck_assert_str_eq(l->status, "BOOK");
	ck_assert_str_eq(l->booking_date, "2019-02-14");
	ck_assert_str_eq(l->bank_ref, "EUR190214001");
	ck_assert_str_eq(l->end_to_end_id, "IGF-TF-2019-03");
	ck_assert_str_eq(l->debtor_name, "Ministry for Foreign Affairs of Finland");
	ck_assert_str_eq(l->remittance,
			 "Contribution IGF Trust Fund 2019\nAgreement IGF-TF-2019-03");
	ck_assert(!l->reversal && !l->has_instructed && !l->has_charges);
	ck_assert_str_eq(g->lines[1].remittance_refs, "IGF-TF-2019-07");
	ck_assert_str_eq(g->lines[2].creditor_name, "A. Participant");
	ck_assert_int_eq(g->lines[2].side, LEDGER_CAMT_DEBIT);
	ck_assert_int_eq(g->lines[3].amount_minor, 1055);
	ck_assert_str_eq(g->lines[3].value_date, "");
	free(g);
}
END_TEST

START_TEST(test_camt_read__v04_statements_batch_and_reversal)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "v04_multi.xml", 4, 3, 8, 0);

	ck_assert_str_eq(g->ended[0].currency, "USD");
	ck_assert_int_eq(g->ended[0].entries, 3);
	ck_assert_int_eq(g->ended[0].credits_minor, 325000);
	ck_assert_int_eq(g->ended[0].debits_minor, 50000);
	ck_assert_int_eq(g->ended[0].opening_minor, -10000);
	ck_assert_int_eq(g->ended[0].closing_minor, 265000);
	/* the batch of 3000.00 is split into its three transactions */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(g->lines[i].entry_index, 1);
		ck_assert_int_eq(g->lines[i].tx_index, i + 1);
		ck_assert_str_eq(g->lines[i].bank_ref, "USD190305BATCH");
		ck_assert_str_eq(g->lines[i].booking_date, "2019-03-05");
	}
	ck_assert_int_eq(g->lines[0].amount_minor, 100000);
	ck_assert_int_eq(g->lines[1].amount_minor, 150000);
	ck_assert_int_eq(g->lines[2].amount_minor, 50000);
	ck_assert_str_eq(g->lines[0].remittance_refs, "IGF-TF-2019-11");
	ck_assert_str_eq(g->lines[1].debtor_name, "Donor B");
	ck_assert_str_eq(g->lines[2].tx_ref, "USD190305BATCH-3");
	/* a single TxDtls is not a split */
	ck_assert_int_eq(g->lines[3].tx_index, 0);
	ck_assert_str_eq(g->lines[3].end_to_end_id, "E2E-D-1");
	/* the reversal */
	ck_assert(g->lines[4].reversal);
	ck_assert_int_eq(g->lines[4].side, LEDGER_CAMT_DEBIT);
	ck_assert_int_eq(g->lines[4].amount_minor, 50000);

	ck_assert_str_eq(g->ended[1].account, "UNOG-CHF-0042");
	ck_assert_str_eq(g->ended[1].currency, "CHF");
	ck_assert_int_eq(g->ended[1].credits_minor, 1200000);
	ck_assert_int_eq(g->ended[1].debits_minor, 4510);
	ck_assert(!g->ended[1].has_closing);
	/* JPY has no minor digits; the currency comes from Bal/Amt */
	ck_assert_str_eq(g->ended[2].currency, "JPY");
	ck_assert_int_eq(g->ended[2].credits_minor, 1500000);
	ck_assert_int_eq(g->lines[7].amount_minor, 1500000);
	ck_assert_int_eq(g->stmt_of_line[7], 2);
	free(g);
}
END_TEST

START_TEST(test_camt_read__v08_instructed_amount_and_charges)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "v08_fx.xml", 8, -1, 4, 0);
	const struct bank_camt_line *l;

	ck_assert_int_eq(g->ended[0].credits_minor, 54913500);
	ck_assert_int_eq(g->ended[0].debits_minor, 120000);
	ck_assert_int_eq(g->ended[0].opening_minor, 0);
	ck_assert_str_eq(g->ended[0].opening_date, "2019-04-01");
	l = &g->lines[0];
	ck_assert_int_eq(l->amount_minor, 54893500);
	ck_assert(l->has_instructed);
	ck_assert_int_eq(l->instructed_minor, 50000000);
	ck_assert_str_eq(l->instructed_currency, "EUR");
	ck_assert(l->has_charges);
	ck_assert_int_eq(l->charges_minor, 1500); /* the total, not 10+5 again */
	ck_assert_str_eq(l->charges_currency, "USD");
	ck_assert_str_eq(l->status, "BOOK");
	ck_assert_str_eq(l->booking_date, "2019-04-02");
	ck_assert_str_eq(l->value_date, "2019-04-03");
	ck_assert_str_eq(l->debtor_name, "Ministry for Foreign Affairs of Finland");
	ck_assert_str_eq(g->lines[1].bank_ref, "");
	ck_assert_str_eq(g->lines[1].remittance, "IGF donation");
	ck_assert_str_eq(g->lines[3].creditor_name, "Travel Agency SA");
	free(g);
}
END_TEST

START_TEST(test_camt_read__reused_servicer_reference_each_entry_a_line)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "reused_servicer_ref.xml", 8, 1, 9, 0);

	ck_assert_int_eq(g->ended[0].entries, 9);
	ck_assert_int_eq(g->ended[0].credits_minor, 1128050);
	ck_assert_int_eq(g->ended[0].debits_minor, 128740);
	for (int i = 3; i < 6; i++)
		ck_assert_str_eq(g->lines[i].bank_ref, "190508-0004");
	ck_assert_str_eq(g->lines[4].ntry_ref, "5");
	ck_assert_str_eq(g->lines[4].end_to_end_id, "IGF-TF-2019-24");
	ck_assert_str_eq(g->lines[4].currency, "EUR");
	ck_assert_int_eq(g->lines[4].own_amount_minor, 500000);
	ck_assert_str_eq(g->lines[4].own_currency, "EUR");
	ck_assert_str_eq(g->lines[4].account_amount_from, "");
	/* BkTxCd: the domain code, else the proprietary one */
	ck_assert_str_eq(g->lines[0].bank_tx_code, "PMNT/RCDT/ESCT");
	ck_assert_str_eq(g->lines[7].bank_tx_code, "ACMT/MDOP/CHRG");
	ck_assert_str_eq(g->lines[8].bank_tx_code, "prtry:INT-CREDIT");
	free(g);
}
END_TEST

START_TEST(test_camt_read__foreign_entry_takes_account_amount_from_amtdtls)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "foreign_amtdtls.xml", 8, 2, 5, 0);
	const struct bank_camt_line *l = &g->lines[0];

	/* USD account: EUR wire with CntrValAmt, GBP card payment with TxAmt */
	ck_assert_int_eq(g->ended[0].credits_minor, 109230 + 20000);
	ck_assert_int_eq(g->ended[0].debits_minor, 5715);
	ck_assert_int_eq(l->amount_minor, 109230);
	ck_assert_str_eq(l->currency, "USD");
	ck_assert_int_eq(l->own_amount_minor, 100000);
	ck_assert_str_eq(l->own_currency, "EUR");
	ck_assert_str_eq(l->account_amount_from, "CntrValAmt");
	ck_assert_str_eq(l->exchange_rate, "1.0923");
	ck_assert_str_eq(l->review, "");
	ck_assert(l->has_instructed && l->instructed_minor == 100000);
	ck_assert_str_eq(l->bank_tx_code, "PMNT/RCDT/XBCT");
	l = &g->lines[1];
	ck_assert_int_eq(l->amount_minor, 5715);
	ck_assert_str_eq(l->currency, "USD");
	ck_assert_int_eq(l->own_amount_minor, 4500);
	ck_assert_str_eq(l->own_currency, "GBP");
	ck_assert_str_eq(l->account_amount_from, "TxAmt");
	ck_assert_str_eq(l->exchange_rate, "1.27");
	ck_assert_int_eq(l->side, LEDGER_CAMT_DEBIT);
	ck_assert_str_eq(g->lines[2].account_amount_from, "");
	ck_assert_str_eq(g->lines[2].exchange_rate, "");
	/* CHF account: EUR card payment with CntrValAmt, EUR credit with InstdAmt */
	ck_assert_str_eq(g->ended[1].currency, "CHF");
	ck_assert_int_eq(g->ended[1].credits_minor, 14400);
	ck_assert_int_eq(g->ended[1].debits_minor, 28950);
	ck_assert_int_eq(g->lines[3].amount_minor, 28950);
	ck_assert_str_eq(g->lines[3].account_amount_from, "CntrValAmt");
	ck_assert_str_eq(g->lines[3].exchange_rate, "0.965");
	ck_assert_int_eq(g->lines[4].amount_minor, 14400);
	ck_assert_str_eq(g->lines[4].currency, "CHF");
	ck_assert_str_eq(g->lines[4].own_currency, "EUR");
	ck_assert_str_eq(g->lines[4].account_amount_from, "InstdAmt");
	free(g);
}
END_TEST

START_TEST(test_camt_read__foreign_entry_without_account_amount_kept_for_review)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "foreign_no_amtdtls.xml", 4, 1, 2, 1);
	const struct bank_camt_line *l = &g->lines[1];

	ck_assert_int_eq(l->amount_minor, 1000);
	ck_assert_str_eq(l->currency, "USD");
	ck_assert_int_eq(l->own_amount_minor, 1000);
	ck_assert_str_eq(l->own_currency, "USD");
	ck_assert_str_eq(l->account_amount_from, "");
	ck_assert_str_eq(l->review, "foreign-currency: no account-currency amount");
	ck_assert_str_eq(g->lines[0].review, "");
	/* the statement's totals are EUR only */
	ck_assert_str_eq(g->ended[0].currency, "EUR");
	ck_assert_int_eq(g->ended[0].entries, 2);
	ck_assert_int_eq(g->ended[0].credits_minor, 500);
	ck_assert_int_eq(g->ended[0].debits_minor, 0);
	free(g);
}
END_TEST

START_TEST(test_camt_read__foreign_batch_split_only_in_the_account_currency)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "foreign_batch.xml", 8, 1, 4, 3);

	/* transactions in USD: split, each line in USD */
	ck_assert_int_eq(g->lines[0].tx_index, 1);
	ck_assert_int_eq(g->lines[0].amount_minor, 20000);
	ck_assert_int_eq(g->lines[1].amount_minor, 13000);
	ck_assert_str_eq(g->lines[1].currency, "USD");
	ck_assert_str_eq(g->lines[1].end_to_end_id, "B1-2");
	/* transactions in EUR: one line, the counter value */
	ck_assert_int_eq(g->lines[2].tx_index, 0);
	ck_assert_int_eq(g->lines[2].amount_minor, 33000);
	ck_assert_str_eq(g->lines[2].currency, "USD");
	ck_assert_int_eq(g->lines[2].own_amount_minor, 30000);
	ck_assert_str_eq(g->lines[2].account_amount_from, "CntrValAmt");
	ck_assert_str_eq(g->lines[2].exchange_rate, "1.1");
	/* no counter value: one line in EUR for review */
	ck_assert_int_eq(g->lines[3].amount_minor, 5000);
	ck_assert_str_eq(g->lines[3].currency, "EUR");
	ck_assert_str_eq(g->lines[3].review, "foreign-currency: no account-currency amount");
	ck_assert_int_eq(g->ended[0].credits_minor, 66000);
	ck_assert_int_eq(g->ended[0].debits_minor, 0);
	free(g);
}
END_TEST

START_TEST(test_camt_read__refuses_exchange_rate_that_is_no_decimal)
{
	struct bank_camt_summary sum;
	struct got *g = NULL;

	ck_assert_int_eq(read_fixture(&g, &sum, "bad_exchange_rate.xml"), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "bad_exchange_rate.xml:28: Ntry/AmtDtls/CntrValAmt/"
				       "CcyXchg/XchgRate: '1,0923' is not a decimal exchange rate"),
		      "%s", err_last());
	free(g);
}
END_TEST

/* A line as a reader gives it: the fields of the identity set. */
static struct bank_camt_line identity_line(void)
{
	struct bank_camt_line l;

	memset(&l, 0, sizeof(l));
	l.line = 20;
	l.entry_index = 3;
	l.amount_minor = l.own_amount_minor = 500000;
	strcpy(l.currency, "EUR");
	strcpy(l.own_currency, "EUR");
	l.side = LEDGER_CAMT_CREDIT;
	strcpy(l.status, "BOOK");
	strcpy(l.booking_date, "2019-05-08");
	strcpy(l.value_date, "2019-05-08");
	strcpy(l.bank_ref, "190508-0004");
	strcpy(l.ntry_ref, "5");
	strcpy(l.end_to_end_id, "IGF-TF-2019-24");
	strcpy(l.debtor_name, "Ministry of Digital Affairs");
	strcpy(l.remittance, "Agreement IGF-TF-2019-24");
	return l;
}

static void identity_of(char base[HASH_HEX_BYTES], char content[HASH_HEX_BYTES],
			const struct bank_camt_line *l)
{
	ck_assert_int_eq(bank_statements_line_identity(base, content, "CH9300762011623852957", l),
			 0);
	ck_assert_uint_eq(strlen(base), 64);
	ck_assert_uint_eq(strlen(content), 64);
}

START_TEST(test_statements_line_identity__same_line_in_another_report)
{
	struct bank_camt_line a = identity_line(), b = identity_line();
	char base_a[HASH_HEX_BYTES], base_b[HASH_HEX_BYTES];
	char content_a[HASH_HEX_BYTES], content_b[HASH_HEX_BYTES];

	identity_of(base_a, content_a, &a);
	/* what differs between an intraday report, a notification and the
	 * statement: position, status, NtryRef, a booking date not yet known,
	 * the line in the file, the bank transaction code */
	b.line = 400;
	b.entry_index = 1;
	b.tx_index = 0;
	strcpy(b.status, "PDNG");
	strcpy(b.ntry_ref, "A1");
	b.booking_date[0] = '\0';
	strcpy(b.bank_tx_code, "PMNT/RCDT/ESCT");
	identity_of(base_b, content_b, &b);
	ck_assert_str_eq(base_a, base_b);
	ck_assert_str_eq(content_a, content_b);
}
END_TEST

START_TEST(test_statements_line_identity__tells_lines_apart)
{
	struct bank_camt_line a = identity_line(), b;
	char base_a[HASH_HEX_BYTES], content_a[HASH_HEX_BYTES];
	char base_b[HASH_HEX_BYTES], content_b[HASH_HEX_BYTES];

	identity_of(base_a, content_a, &a);
	for (int k = 0; k < 8; k++) {
		b = identity_line();
		switch (k) {
		case 0: b.own_amount_minor = 500001; break;
		case 1: b.side = LEDGER_CAMT_DEBIT; break;
		case 2: b.reversal = true; break;
		case 3: strcpy(b.value_date, "2019-05-09"); break;
		case 4: strcpy(b.end_to_end_id, "IGF-TF-2019-23"); break;
		case 5: strcpy(b.bank_ref, "190508-0005"); break;
		case 6: strcpy(b.tx_ref, "TX-1"); break;
		case 7: strcpy(b.own_currency, "CHF"); break;
		}
		identity_of(base_b, content_b, &b);
		ck_assert_msg(strcmp(base_a, base_b) != 0, "change %d kept the base", k);
		ck_assert_str_eq(content_a, content_b);
	}
	/* the parties and remittance: the content of a referenced line ... */
	b = identity_line();
	strcpy(b.debtor_name, "Kingdom of the Netherlands");
	identity_of(base_b, content_b, &b);
	ck_assert_str_eq(base_a, base_b);
	ck_assert_str_ne(content_a, content_b);
	/* ... and part of the base of a line without any reference */
	a.bank_ref[0] = b.bank_ref[0] = '\0';
	strcpy(a.end_to_end_id, "NOTPROVIDED");
	strcpy(b.end_to_end_id, "NOTPROVIDED");
	identity_of(base_a, content_a, &a);
	identity_of(base_b, content_b, &b);
	ck_assert_str_ne(base_a, base_b);
}
END_TEST

START_TEST(test_camt_fixtures__valid_against_the_official_schemas)
{
	static const struct { const char *file, *xsd; } cases[] = {
		{"v02_basic.xml", "camt.053.001.02.xsd"},
		{"v04_multi.xml", "camt.053.001.04.xsd"},
		{"v08_fx.xml", "camt.053.001.08.xsd"},
		{"reused_servicer_ref.xml", "camt.053.001.08.xsd"},
		{"intraday_before_statement.xml", "camt.053.001.08.xsd"},
		{"key_collision.xml", "camt.053.001.08.xsd"},
		{"foreign_amtdtls.xml", "camt.053.001.08.xsd"},
		{"foreign_batch.xml", "camt.053.001.08.xsd"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[512], xsd[512];
		xmlDocPtr doc = NULL;

		snprintf(path, sizeof(path), DATA "%s", cases[i].file);
		snprintf(xsd, sizeof(xsd), SRCDATADIR "/bank/schemas/%s", cases[i].xsd);
		ck_assert_msg(xml_read_file(&doc, path) == 0, "%s", err_last());
		ck_assert_msg(xml_validate(doc, xsd, path) == 0, "%s", err_last());
		xmlFreeDoc(doc);
	}
	/* and a quirk fixture is not, so the check can fail */
	{
		xmlDocPtr doc = NULL;

		ck_assert_int_eq(xml_read_file(&doc, DATA "quirk_order.xml"), 0);
		ck_assert_int_eq(xml_validate(doc, SRCDATADIR
					      "/bank/schemas/camt.053.001.04.xsd", "q"),
				 ERR_INVALID);
		xmlFreeDoc(doc);
	}
}
END_TEST

START_TEST(test_camt_read__tolerates_long_remittance)
{
	struct bank_camt_summary sum;
	/* three warnings: two long texts, one cut */
	struct got *g = read_ok(&sum, "quirk_long_remittance.xml", -1, -1, 2, 3);

	ck_assert_int_eq(strlen(g->lines[0].remittance), 300);
	ck_assert_int_eq(strlen(g->lines[1].remittance), LIMIT_CAMT_REMITTANCE_BYTES - 1);
	free(g);
}
END_TEST

START_TEST(test_camt_read__tolerates_elements_out_of_order)
{
	struct bank_camt_summary sum;
	/* three warnings: Acct after Bal, Amt after AcctSvcrRef, BookgDt after ValDt */
	struct got *g = read_ok(&sum, "quirk_order.xml", -1, -1, 1, 3);

	ck_assert_str_eq(g->ended[0].account, "CH9300762011623852957");
	ck_assert_int_eq(g->lines[0].amount_minor, 7525);
	ck_assert_str_eq(g->lines[0].bank_ref, "QO1");
	ck_assert_str_eq(g->lines[0].booking_date, "2019-05-11");
	ck_assert_str_eq(g->lines[0].value_date, "2019-05-12");
	free(g);
}
END_TEST

START_TEST(test_camt_read__tolerates_missing_status_and_code)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "quirk_missing.xml", -1, -1, -1, 2);

	ck_assert_str_eq(g->lines[0].status, "BOOK");
	ck_assert_int_eq(g->lines[0].amount_minor, 6000);
	free(g);
}
END_TEST

START_TEST(test_camt_read__tolerates_lower_case_currency)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "quirk_currency_case.xml", -1, -1, -1, 2);

	ck_assert_str_eq(g->ended[0].currency, "EUR");
	ck_assert_int_eq(g->ended[0].debits_minor, 4000);
	free(g);
}
END_TEST

START_TEST(test_camt_read__normalises_amount_notation)
{
	struct bank_camt_summary sum;
	/* three warnings: 1520.5, 310.550, 7 */
	struct got *g = read_ok(&sum, "quirk_amounts.xml", -1, -1, -1, 3);

	ck_assert_int_eq(g->lines[0].amount_minor, 152050); /* " 1520.5 " */
	ck_assert_int_eq(g->lines[1].amount_minor, 31055);  /* "310.550" */
	ck_assert_int_eq(g->lines[2].amount_minor, 1200);   /* "0012.00" */
	ck_assert_int_eq(g->lines[3].amount_minor, 700);    /* "7" */
	ck_assert_int_eq(g->ended[0].credits_minor, 152050 + 1200 + 700);
	free(g);
}
END_TEST

START_TEST(test_camt_read__normalises_iban_with_spaces)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "quirk_iban.xml", -1, -1, -1, 1);

	ck_assert_str_eq(g->ended[0].account, "CH9300762011623852957");
	free(g);
}
END_TEST

START_TEST(test_camt_read__counts_zero_entry_but_emits_no_line)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "quirk_zero_amount.xml", -1, -1, 1, 1);

	ck_assert_int_eq(g->ended[0].entries, 2);
	ck_assert_int_eq(g->lines[0].amount_minor, 500);
	free(g);
}
END_TEST

START_TEST(test_camt_read__warning_names_file_line_and_field)
{
	char path[] = "/tmp/tfl-camtlog-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(STDERR_FILENO);
	char buf[8192] = "";
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	ck_assert_int_eq(bank_camt_read(NULL, DATA "quirk_missing.xml", NULL), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unlink(path);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(strstr(buf, "level=warn") && strstr(buf, "quirk_missing.xml:12") &&
		      strstr(buf, "field=Ntry/Sts"), "%s", buf);
}
END_TEST

START_TEST(test_camt_read__refuses_hostile_and_bad_files)
{
	const char *name = harness_camt_refused[_i];
	struct bank_camt_summary sum;
	struct got *g = NULL;
	int rc = read_fixture(&g, &sum, name);

	ck_assert_msg(rc == ERR_INVALID || rc == ERR_LIMIT, "%s: rc %d", name, rc);
	ck_assert_msg(strstr(err_last(), name) != NULL, "%s", err_last());
	ck_assert_msg(strstr(err_last(), ".xml:") != NULL, "no line: %s", err_last());
	/* a file refused at the door never reached a statement */
	if (strncmp(name, "hostile_", 8) == 0 && strcmp(name, "hostile_not_well_formed.xml") &&
	    strcmp(name, "hostile_too_deep.xml") && strcmp(name, "hostile_undefined_entity.xml"))
		ck_assert_int_eq(g->nbegun, 0);
	free(g);
}
END_TEST

START_TEST(test_camt_read__names_the_field_at_fault)
{
	static const struct {
		const char *file;
		int rc;
		const char *want; /* in the message, or NULL */
	} cases[] = {
		{"bad_late_error.xml", ERR_INVALID,
		 "bad_late_error.xml:43: Ntry/Amt: '12.345' has more decimals than EUR has (2)"},
		{"hostile_doctype.xml", ERR_INVALID, "DOCTYPE"},
		{"hostile_too_deep.xml", ERR_LIMIT, NULL},
	};
	struct bank_camt_summary sum;
	struct got *g = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(read_fixture(&g, &sum, cases[i].file), cases[i].rc);
		ck_assert_msg(!cases[i].want || strstr(err_last(), cases[i].want), "%s",
			      err_last());
		free(g);
	}
}
END_TEST

START_TEST(test_camt_read__refuses_file_above_size_limit)
{
	char dir[512], path[600];
	int fd;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/huge.xml", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, LIMIT_CAMT_BYTES + 1), 0); /* sparse */
	close(fd);
	ck_assert_int_eq(bank_camt_read(NULL, path, NULL), ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(err_last(), "LIMIT_CAMT_BYTES"));
	unlink(path);
}
END_TEST

static int stop_at_second_line(void *ctx, const struct bank_camt_statement *s,
			       const struct bank_camt_line *l)
{
	(void)s;
	(void)l;
	return ++*(int *)ctx == 2 ? err_set(ERR_CONFLICT, "stop") : 0;
}

START_TEST(test_camt_read__callback_error_stops_reading)
{
	int calls = 0;
	struct bank_camt_handler h = {NULL, stop_at_second_line, NULL, &calls};

	ck_assert_int_eq(bank_camt_read(NULL, DATA "v02_basic.xml", &h), ERR_CONFLICT);
	ck_assert_int_eq(calls, 2);
}
END_TEST

START_TEST(test_camt_read__052_reports_read_as_statements)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "052_intraday.xml", 2, 2, 3, 0);
	const struct bank_camt_statement *s = &g->ended[0];

	ck_assert_int_eq(sum.format, BANK_FORMAT_CAMT052);
	ck_assert_int_eq(g->nbegun, 2);
	ck_assert_int_eq(s->format, BANK_FORMAT_CAMT052);
	ck_assert_int_eq(s->version, 2);
	ck_assert_int_eq(s->line, 14);
	ck_assert_str_eq(s->id, "RPT-EUR-2019-02-20-12");
	ck_assert_str_eq(s->account, "CH9300762011623852957");
	ck_assert_str_eq(s->currency, "EUR");
	ck_assert_int_eq(s->entries, 2);
	ck_assert_int_eq(s->credits_minor, 152000);
	ck_assert_int_eq(s->debits_minor, 0);
	/* an interim balance (ITBD) is neither opening nor closing */
	ck_assert(!s->has_opening && !s->has_closing);
	ck_assert_str_eq(g->lines[0].status, "BOOK");
	ck_assert_str_eq(g->lines[0].bank_ref, "EUR190214001");
	ck_assert_str_eq(g->lines[0].end_to_end_id, "IGF-TF-2019-03");
	ck_assert_str_eq(g->lines[1].status, "PDNG");
	ck_assert_str_eq(g->lines[1].booking_date, "");
	ck_assert_str_eq(g->lines[1].value_date, "2019-02-20");
	ck_assert_str_eq(g->lines[1].remittance_refs, "IGF-TF-2019-07");
	/* the second report: no Acct/Ccy, no balances; CHF from Ntry/Amt */
	s = &g->ended[1];
	ck_assert_str_eq(s->id, "RPT-CHF-2019-02-20-12");
	ck_assert_str_eq(s->account, "UNOG-CHF-0042");
	ck_assert_str_eq(s->currency, "CHF");
	ck_assert_int_eq(s->debits_minor, 4510);
	ck_assert_int_eq(g->stmt_of_line[2], 1);
	ck_assert_int_eq(g->lines[2].side, LEDGER_CAMT_DEBIT);
	ck_assert_int_eq(g->lines[2].entry_index, 1);
	free(g);
}
END_TEST

START_TEST(test_camt_read__054_notification_without_balances)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "054_notification.xml", 4, 1, 1, 0);
	const struct bank_camt_statement *s = &g->ended[0];

	ck_assert_int_eq(sum.format, BANK_FORMAT_CAMT054);
	ck_assert_int_eq(s->format, BANK_FORMAT_CAMT054);
	ck_assert_str_eq(s->id, "NTF-EUR-2019-02-20-001");
	ck_assert_str_eq(s->account, "CH9300762011623852957");
	ck_assert_int_eq(s->entries, 1);
	ck_assert_int_eq(s->credits_minor, 52000);
	ck_assert(!s->has_opening && !s->has_closing);
	ck_assert_int_eq(g->lines[0].amount_minor, 52000);
	ck_assert_str_eq(g->lines[0].debtor_name, "Internet Society");
	free(g);

	g = read_ok(&sum, "054_v08_debit.xml", 8, 1, 1, 0);
	ck_assert_int_eq(sum.format, BANK_FORMAT_CAMT054);
	ck_assert_str_eq(g->ended[0].currency, "USD");
	ck_assert_int_eq(g->ended[0].debits_minor, 120000);
	ck_assert_str_eq(g->lines[0].status, "BOOK");
	ck_assert_str_eq(g->lines[0].end_to_end_id, "TRAVEL-2019-0031");
	ck_assert_str_eq(g->lines[0].creditor_name, "Travel Agency SA");
	ck_assert_str_eq(g->lines[0].remittance, "IGF 2019 travel support, trip 31");
	free(g);
}
END_TEST

/* Line identity is computed from struct bank_camt_line alone: the same
 * payment read from a notification, an intraday report and the statement
 * must give the same fields (all but the status of a pending report line,
 * the position and the statement, which the key must not use). */
START_TEST(test_camt_read__same_entry_same_line_in_053_052_054)
{
	struct bank_camt_summary sum;
	struct got *stmt = read_ok(&sum, "v02_basic.xml", 2, 1, 4, 0);
	struct got *rpt = read_ok(&sum, "052_intraday.xml", 2, 2, 3, 0);
	struct got *ntf = read_ok(&sum, "054_notification.xml", 4, 1, 1, 0);
	const struct bank_camt_line *a = &stmt->lines[0], *b = &rpt->lines[0];

	ck_assert_int_eq(stmt->ended[0].format, BANK_FORMAT_CAMT053);
	ck_assert_int_eq(sum.format, BANK_FORMAT_CAMT054);
	ck_assert_int_eq(a->amount_minor, b->amount_minor);
	ck_assert_int_eq(a->side, b->side);
	ck_assert_str_eq(a->bank_ref, b->bank_ref);
	ck_assert_str_eq(a->booking_date, b->booking_date);
	ck_assert_str_eq(a->end_to_end_id, b->end_to_end_id);
	ck_assert_str_eq(a->remittance, b->remittance);
	ck_assert_str_eq(a->debtor_name, b->debtor_name);
	a = &stmt->lines[1];
	b = &ntf->lines[0];
	ck_assert_int_eq(a->entry_index, 2);
	ck_assert_int_eq(b->entry_index, 1);
	ck_assert_int_eq(a->amount_minor, b->amount_minor);
	ck_assert_int_eq(a->side, b->side);
	ck_assert_str_eq(a->bank_ref, b->bank_ref);
	ck_assert_str_eq(a->booking_date, b->booking_date);
	ck_assert_str_eq(a->value_date, b->value_date);
	ck_assert_str_eq(a->remittance_refs, b->remittance_refs);
	ck_assert_str_eq(a->debtor_name, b->debtor_name);
	ck_assert_str_eq(stmt->ended[0].account, ntf->ended[0].account);
	free(stmt);
	free(rpt);
	free(ntf);
}
END_TEST

START_TEST(test_camt_read__refuses_unknown_message_or_version)
{
	static const struct {
		const char *doc, *want;
	} cases[] = {
		{"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.052.001.09'>"
		 "<BkToCstmrAcctRpt/></Document>", "t.xml:1: Document: not a camt.053"},
		{"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.055.001.02'>"
		 "<BkToCstmrAcctRpt/></Document>", "in namespace 'urn:iso:std:iso:20022:"
		 "tech:xsd:camt.055.001.02'"},
		{"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.054.001.0'>"
		 "<BkToCstmrDbtCdtNtfctn/></Document>", "t.xml:1: Document:"},
		{"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.052.001.08'>"
		 "<BkToCstmrDbtCdtNtfctn/></Document>", "t.xml:1: BkToCstmrDbtCdtNtfctn: "
		 "expected BkToCstmrAcctRpt in a camt.052 document"},
		/* a statement element under a report is not a report */
		{"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.052.001.04'>"
		 "<BkToCstmrAcctRpt><Stmt><Id>S</Id></Stmt></BkToCstmrAcctRpt></Document>",
		 NULL},
	};
	struct got *g = calloc(1, sizeof(*g));
	struct bank_camt_handler h = {on_begin, on_line, on_end, g};

	ck_assert_ptr_nonnull(g);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bank_camt_summary sum;
		int rc = bank_camt_read_memory(&sum, cases[i].doc, strlen(cases[i].doc),
					       "t.xml", &h);

		if (!cases[i].want) {
			ck_assert_int_eq(rc, 0);
			ck_assert_int_eq(sum.statements, 0);
			continue;
		}
		ck_assert_msg(rc == ERR_INVALID, "case %zu: rc %d", i, rc);
		ck_assert_msg(strstr(err_last(), cases[i].want), "case %zu: %s", i, err_last());
	}
	ck_assert_int_eq(g->nbegun, 0);
	free(g);
	ck_assert_int_eq(read_fixture(&g, NULL, "054_bad_message.xml"), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "054_bad_message.xml:5: BkToCstmrStmt: expected "
			     "BkToCstmrDbtCdtNtfctn in a camt.054 document"), "%s", err_last());
	free(g);
}
END_TEST

/* Raiffeisen (CH) writes every ISODate with a time zone, as xs:date allows
 * (2019-06-03+02:00); the date is kept as written. A broken zone is still
 * refused, naming the line and field. */
START_TEST(test_camt_read__real_date_with_time_zone)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "real_date_time_zone.xml", 4, 1, 2, 0);

	ck_assert_str_eq(g->ended[0].opening_date, "2019-06-01");
	ck_assert_str_eq(g->ended[0].closing_date, "2019-06-03");
	ck_assert_int_eq(g->ended[0].closing_minor, 42000);
	ck_assert_str_eq(g->lines[0].booking_date, "2019-06-02");
	ck_assert_str_eq(g->lines[0].value_date, "2019-06-03");
	ck_assert_str_eq(g->lines[1].booking_date, "2019-06-03"); /* Z */
	ck_assert_str_eq(g->lines[1].value_date, "2019-06-03");   /* -05:00 */
	free(g);

	ck_assert_int_eq(read_fixture(&g, &sum, "real_date_time_zone_bad.xml"), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "real_date_time_zone_bad.xml:29: Ntry/BookgDt/Dt: "
			     "'2019-06-03+2' is not an ISO 8601 date"), "%s", err_last());
	ck_assert_int_eq(g->nlines, 1); /* the reader stopped at that entry */
	free(g);
}
END_TEST

/* Found by fuzz/fuzz_camt.c: a date of the right shape but no day of the
 * calendar the ledger keeps (year 1009, 31 February) was handed out and
 * then refused by PostgreSQL or by every later reader of the line. Each
 * such date is refused at the reading, naming the field and the line. */
START_TEST(test_camt_read__refuses_date_outside_the_calendar)
{
	static const char *const bad[] = {"1009-05-08", "2019-02-31", "2019-04-31",
					  "2019-02-29+01:00", "0000-01-01"};
	struct bank_camt_summary sum;
	size_t len;
	char path[512];
	char *doc, *at;

	snprintf(path, sizeof(path), DATA "%s", "v02_basic.xml");
	doc = harness_slurp(path, &len);
	ck_assert_ptr_nonnull(doc);
	at = strstr(doc, "<ValDt><Dt>2019-02-14</Dt>");
	ck_assert_ptr_nonnull(at);
	at += strlen("<ValDt><Dt>");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *d = malloc(len + 32);
		size_t head = (size_t)(at - doc);

		ck_assert_ptr_nonnull(d);
		/* the document with bad[i] in place of the first value date */
		memcpy(d, doc, head);
		len = head + (size_t)sprintf(d + head, "%s%s", bad[i], at + 10);
		log_set_level(LOG_ERROR);
		ck_assert_int_eq(bank_camt_read_memory(&sum, d, len, "bad_date.xml", NULL),
				 ERR_INVALID);
		log_set_level(LOG_INFO);
		ck_assert_msg(strstr(err_last(), "bad_date.xml:34: Ntry/ValDt/Dt: '") &&
			      strstr(err_last(), bad[i]), "%s", err_last());
		free(d);
	}
	free(doc);
}
END_TEST

/* The Bank of Lithuania (CENTROlink, 001.08) leaves CdtDbtInd out of its
 * balances: each is warned and left unknown, never given a guessed sign;
 * the entries (no Sts, no dates) are all read. */
START_TEST(test_camt_read__real_balance_without_side)
{
	struct bank_camt_summary sum;
	/* warnings: 2 balances without side, 2 entries without Sts */
	struct got *g = read_ok(&sum, "real_balance_no_side.xml", 8, 2, 2, 4);

	ck_assert(!g->ended[0].has_opening);
	ck_assert(!g->ended[0].has_closing);
	ck_assert_int_eq(g->ended[0].credits_minor, 25000);
	ck_assert_int_eq(g->ended[0].debits_minor, 25);
	ck_assert_str_eq(g->lines[0].status, "BOOK");
	ck_assert_str_eq(g->lines[0].booking_date, "");
	ck_assert_str_eq(g->lines[0].bank_ref, "BAL-0001");
	/* the second statement's balance has its side: kept */
	ck_assert(g->ended[1].has_opening);
	ck_assert_int_eq(g->ended[1].opening_minor, 500);
	ck_assert_int_eq(g->ended[1].entries, 0);
	free(g);
}
END_TEST

/* Versions 001.03, .05, .06 and .07 have the paths of those around them
 * and are read (Equa bank sends 001.06, Alfa-Bank 001.05); 001.03 repeats
 * Chrgs as 001.02 does, so its charges are the sum of the records, not
 * the last record's total. 001.09 is still refused. */
START_TEST(test_camt_read__real_versions_03_to_07)
{
	static const char v07[] =
		"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.07\">"
		"<BkToCstmrStmt><Stmt><Id>V07</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN>"
		"</Id><Ccy>CHF</Ccy></Acct><Ntry><Amt Ccy=\"CHF\">12.00</Amt><CdtDbtInd>CRDT"
		"</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2018-11-05</Dt></BookgDt>"
		"<AcctSvcrRef>V07-1</AcctSvcrRef><BkTxCd/></Ntry></Stmt></BkToCstmrStmt></Document>";
	struct bank_camt_summary sum;
	/* warnings: 7.5 and 20 (too few decimals), each in Ntry and TxDtls */
	struct got *g = read_ok(&sum, "real_v06_shape.xml", 6, 1, 2, 4);

	ck_assert_str_eq(bank_camt_version_name(sum.version), "001.06");
	ck_assert_str_eq(g->ended[0].currency, "CZK");
	ck_assert_int_eq(g->lines[0].amount_minor, 750);
	ck_assert_str_eq(g->lines[0].creditor_name, "BAKERY ON THE CORNER");
	ck_assert_str_eq(g->lines[0].booking_date, "2020-05-12");
	ck_assert_int_eq(g->lines[1].amount_minor, 2000);
	ck_assert_int_eq(g->ended[0].closing_minor, 11250);
	free(g);

	g = read_ok(&sum, "real_v05_shape.xml", 5, 1, 0, 0);
	ck_assert_str_eq(bank_camt_version_name(sum.version), "001.05");
	ck_assert_str_eq(g->ended[0].account, "40702810000000000001");
	ck_assert_int_eq(g->ended[0].opening_minor, 150025);
	free(g);

	g = read_ok(&sum, "real_v03_charges.xml", 3, 1, 1, 0);
	ck_assert(g->lines[0].has_charges);
	ck_assert_int_eq(g->lines[0].charges_minor, 450); /* 3.00 + 1.50 */
	ck_assert_str_eq(g->lines[0].debtor_name, "A Donor Foundation");
	free(g);

	log_set_level(LOG_ERROR);
	ck_assert_int_eq(bank_camt_read_memory(&sum, v07, sizeof(v07) - 1, "v07", NULL), 0);
	log_set_level(LOG_INFO);
	ck_assert_int_eq(sum.version, 7);
	ck_assert_int_eq(sum.lines, 1);
	ck_assert_str_eq(bank_camt_version_name(7), "001.07");
	ck_assert_ptr_null(bank_camt_version_name(9));

	ck_assert_int_eq(read_fixture(&g, &sum, "hostile_wrong_version.xml"), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "camt.053.001.09"), "%s", err_last());
	free(g);
}
END_TEST

/* Bank Austria's STUZZA namespace is read with ISO's paths; a rate of
 * ".34" (Handelsbanken) is a decimal, kept as the bank wrote it. */
START_TEST(test_camt_read__real_stuzza_namespace_and_rate_without_leading_zero)
{
	struct bank_camt_summary sum;
	struct got *g = read_ok(&sum, "real_stuzza_rate.xml", 2, 1, 1, 0);

	ck_assert_int_eq(sum.format, BANK_FORMAT_CAMT053);
	ck_assert_str_eq(g->ended[0].account, "AT611904300234573201");
	ck_assert_int_eq(g->ended[0].closing_minor, 44000);
	ck_assert_int_eq(g->lines[0].amount_minor, 34000);
	ck_assert_str_eq(g->lines[0].currency, "EUR");
	ck_assert_str_eq(g->lines[0].exchange_rate, ".34");
	ck_assert_int_eq(g->lines[0].instructed_minor, 100000);
	free(g);
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test read[] = {
		{test_camt_read__v02_statement_figures, 0},
		{test_camt_read__v04_statements_batch_and_reversal, 0},
		{test_camt_read__v08_instructed_amount_and_charges, 0},
		{test_camt_fixtures__valid_against_the_official_schemas, 0},
		{test_camt_read__reused_servicer_reference_each_entry_a_line, 0},
		{test_camt_read__foreign_entry_takes_account_amount_from_amtdtls, 0},
		{test_camt_read__foreign_entry_without_account_amount_kept_for_review, 0},
		{test_camt_read__foreign_batch_split_only_in_the_account_currency, 0},
		{test_camt_read__refuses_exchange_rate_that_is_no_decimal, 0},
		{test_statements_line_identity__same_line_in_another_report, 0},
		{test_statements_line_identity__tells_lines_apart, 0},
		{test_camt_read__tolerates_long_remittance, 0},
		{test_camt_read__tolerates_elements_out_of_order, 0},
		{test_camt_read__tolerates_missing_status_and_code, 0},
		{test_camt_read__tolerates_lower_case_currency, 0},
		{test_camt_read__normalises_amount_notation, 0},
		{test_camt_read__normalises_iban_with_spaces, 0},
		{test_camt_read__counts_zero_entry_but_emits_no_line, 0},
		{test_camt_read__warning_names_file_line_and_field, 0},
		{test_camt_read__refuses_hostile_and_bad_files, (int)HARNESS_CAMT_REFUSED_N},
		{test_camt_read__names_the_field_at_fault, 0},
		{test_camt_read__refuses_file_above_size_limit, 0},
		{test_camt_read__callback_error_stops_reading, 0},
		{test_camt_read__real_date_with_time_zone, 0},
		{test_camt_read__refuses_date_outside_the_calendar, 0},
		{test_camt_read__real_balance_without_side, 0},
		{test_camt_read__real_versions_03_to_07, 0},
		{test_camt_read__real_stuzza_namespace_and_rate_without_leading_zero, 0},
	};
	const struct harness_test formats[] = {
		{test_camt_read__052_reports_read_as_statements, 0},
		{test_camt_read__054_notification_without_balances, 0},
		{test_camt_read__same_entry_same_line_in_053_052_054, 0},
		{test_camt_read__refuses_unknown_message_or_version, 0},
	};
	Suite *s = suite_create("camt");

	harness_add_tcase(s, "read", NULL, NULL, 0, read, HARNESS_N(read));
	harness_add_tcase(s, "formats", NULL, NULL, 0, formats, HARNESS_N(formats));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
