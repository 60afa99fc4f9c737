/*
 * bank_oracle.h - what the bank readers (bank/camt.h, bank/mt940.h)
 * promise of what they hand out, checked by fuzz_camt.c and fuzz_mt940.c:
 * strings end within their arrays, dates are dates, amounts are > 0 in an
 * ISO 4217 currency, callbacks come in order, and a file read to its end
 * counts the lines and statements it handed out.
 */
#ifndef TFLEDGER_FUZZ_BANK_ORACLE_H
#define TFLEDGER_FUZZ_BANK_ORACLE_H

#include <string.h>

#include "bank/camt.h"
#include "common/date.h"
#include "common/money.h"
#include "fuzz/fuzz.h"

struct bank_oracle {
	long begun, ended, lines;
	bool open;  /* between statement_begin and statement_end */
};

#define FIELD_ENDS(a) FUZZ_ASSERT(memchr((a), '\0', sizeof(a)) != NULL)

static bool date_or_empty(const char *d)
{
	return d[0] == '\0' || date_valid(d);
}

static void statement_ok(const struct bank_camt_statement *s)
{
	FIELD_ENDS(s->id);
	FIELD_ENDS(s->account);
	FIELD_ENDS(s->opening_date);
	FIELD_ENDS(s->closing_date);
	FUZZ_ASSERT(s->currency[0] == '\0' || money_currency_valid(s->currency));
	FUZZ_ASSERT(date_or_empty(s->opening_date) && date_or_empty(s->closing_date));
}

static int on_begin(void *ctx, const struct bank_camt_statement *s)
{
	struct bank_oracle *o = ctx;

	FUZZ_ASSERT(!o->open);
	statement_ok(s);
	o->open = true;
	o->begun++;
	return 0;
}

static int on_line(void *ctx, const struct bank_camt_statement *s,
		   const struct bank_camt_line *l)
{
	struct bank_oracle *o = ctx;

	FUZZ_ASSERT(o->open);
	statement_ok(s);
	FUZZ_ASSERT(l->amount_minor > 0);
	FUZZ_ASSERT(money_currency_valid(l->currency));
	FUZZ_ASSERT(l->side == LEDGER_CAMT_CREDIT || l->side == LEDGER_CAMT_DEBIT);
	FUZZ_ASSERT(date_or_empty(l->booking_date) && date_or_empty(l->value_date));
	FIELD_ENDS(l->review);
	FIELD_ENDS(l->status);
	FIELD_ENDS(l->bank_ref);
	FIELD_ENDS(l->ntry_ref);
	FIELD_ENDS(l->tx_ref);
	FIELD_ENDS(l->end_to_end_id);
	FIELD_ENDS(l->bank_tx_code);
	FIELD_ENDS(l->remittance);
	FIELD_ENDS(l->remittance_refs);
	FIELD_ENDS(l->debtor_name);
	FIELD_ENDS(l->creditor_name);
	FIELD_ENDS(l->exchange_rate);
	FIELD_ENDS(l->account_amount_from);
	FUZZ_ASSERT(!l->has_instructed || money_currency_valid(l->instructed_currency));
	FUZZ_ASSERT(!l->has_charges || money_currency_valid(l->charges_currency));
	o->lines++;
	return 0;
}

static int on_end(void *ctx, const struct bank_camt_statement *s)
{
	struct bank_oracle *o = ctx;

	FUZZ_ASSERT(o->open);
	statement_ok(s);
	FUZZ_ASSERT(s->credits_minor >= 0 && s->debits_minor >= 0);
	o->open = false;
	o->ended++;
	return 0;
}

static struct bank_camt_handler bank_oracle_handler(struct bank_oracle *o)
{
	return (struct bank_camt_handler){on_begin, on_line, on_end, o};
}

/* A file read to its end: every statement closed, the counts agree. */
static void bank_oracle_done(const struct bank_oracle *o, const struct bank_camt_summary *sum)
{
	FUZZ_ASSERT(!o->open);
	FUZZ_ASSERT(o->begun == o->ended && sum->statements == o->ended);
	FUZZ_ASSERT(sum->lines == o->lines);
}

#endif
