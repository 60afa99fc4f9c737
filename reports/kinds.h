/*
 * kinds.h - inside reports/: what the writers of the report kinds share
 * (report.c opens the snapshot and the header, then calls one of these).
 * Not part of the module's outside; reports/report.h is.
 */
#ifndef TFLEDGER_REPORTS_KINDS_H
#define TFLEDGER_REPORTS_KINDS_H

#include <libpq-fe.h>
#include <libxml/xmlwriter.h>
#include <stdint.h>

#include "reports/report.h"
#include "reports/writer.h"

#define REPORTS_FUND_NAME "IGF Trust Fund"

struct reports_ctx {
	PGconn *c;
	xmlTextWriterPtr w;
	const struct reports_request *rq;
	struct reports_header h; /* filled by report.c, inside the snapshot */
};

/* Each writes the root element with the header (reports_writer_begin; the
 * IATI kinds write IATI's root instead) and its body, inside the open
 * snapshot; report.c ends the document. */
int reports_write_statement(struct reports_ctx *x);
int reports_write_trial_balance(struct reports_ctx *x);
int reports_write_donors(struct reports_ctx *x);
int reports_write_inkind(struct reports_ctx *x);
int reports_write_fund_statement(struct reports_ctx *x);
int reports_write_reconciliation(struct reports_ctx *x);
int reports_write_travel_allocation(struct reports_ctx *x);
int reports_write_iati_activities(struct reports_ctx *x);
int reports_write_iati_organisation(struct reports_ctx *x);
int reports_write_financial_position(struct reports_ctx *x);     /* ipsas.c */
int reports_write_financial_performance(struct reports_ctx *x);  /* ipsas.c */
int reports_write_changes_in_net_assets(struct reports_ctx *x);  /* ipsas.c */
int reports_write_cash_flow(struct reports_ctx *x);              /* ipsas_cash.c */
int reports_write_budget_status(struct reports_ctx *x);     /* budgetkinds.c */
int reports_write_budget_comparison(struct reports_ctx *x); /* budgetkinds.c */

/*
 * Each kind keeps its queries beside the code that reads them, in its own
 * statement table with the column enums of common/db.h; reports_setup
 * calls each of these, which prepare and check that table.
 */
int reports_statement_setup(PGconn *c); /* statement.c */
int reports_trial_setup(PGconn *c);     /* trial.c */
int reports_fund_setup(PGconn *c);      /* fundkinds.c */
int reports_iati_setup(PGconn *c);      /* iati.c */
int reports_rec_setup(PGconn *c);       /* reconkind.c */
int reports_travel_setup(PGconn *c);    /* travelkind.c */
int reports_ipsas_setup(PGconn *c);     /* ipsas_cash.c */

/*
 * The columns of reports_st_accounts (report.c, where its SQL and their
 * names are), the one query that several kinds read: every account in
 * scope with its debit balance before the period and at its end.
 */
enum {
	ACC_CODE, ACC_NAME, ACC_TYPE, ACC_CURRENCY, ACC_NORMAL_SIDE, ACC_OPENING, ACC_CLOSING,
	ACC_NCOLS
};

/* Small checked writer calls: ERR_SYSTEM naming the element. */
int reports_start(xmlTextWriterPtr w, const char *name);
int reports_end(xmlTextWriterPtr w, const char *name);
int reports_attr(xmlTextWriterPtr w, const char *name, const char *value);
int reports_attr_money(xmlTextWriterPtr w, const char *name, int64_t minor, const char *ccy);

/* Column col of row i as an int64 (the column must hold an integer). */
int64_t reports_ll(const PGresult *r, int i, int col);

/* The month "YYYY-MM" of date "YYYY-MM-DD" into out[8]. */
void reports_month(char out[8], const char *date);

/*
 * *usd_out = minor of ccy in USD at the UN operational rate of month
 * (rounded as money_convert does); the rate into *rate_out. ERR_INVALID
 * naming the currency and month if the rate is missing.
 */
struct money_rate;
int reports_usd(int64_t *usd_out, struct money_rate *rate_out, PGconn *c, int64_t minor,
		const char *ccy, const char *month);

/* <name currency="USD" rate="..." rate-month="YYYY-MM">...</name>. */
int reports_write_usd(xmlTextWriterPtr w, const char *name, int64_t usd,
		      struct money_rate rate, const char *month);

#endif
