/*
 * rules.h - the travel-support eligibility engine: policy, country data,
 * applicants, ranking and allocation, and the writers of its result.
 *
 * Pure computation, no database. The policy is data (an XML file validated
 * against rules/policy.xsd), so a new policy needs no rebuild. The result
 * depends only on the inputs and the policy, never on the order of the
 * applicants: ranking sorts by the policy's keys and breaks every tie by
 * requested_on, then id bytewise. Money is int64 minor units (common/money).
 */
#ifndef TFLEDGER_RULES_H
#define TFLEDGER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/hash.h"

/* The eligibility gates, in the contract's order (the reason codes). */
enum rules_gate {
	RULES_GATE_NO_ROLE,
	RULES_GATE_DEVELOPED_ECONOMY,
	RULES_GATE_UNCLASSIFIED_ECONOMY,
	RULES_GATE_FORMS_INCOMPLETE,
	RULES_GATE_NO_HEALTH_CHECK,
	RULES_GATE_PRIOR_REPORTS_OUTSTANDING,
	RULES_GATE_LATE_REQUEST,
	RULES_GATE_COUNT
};

/* The ranking keys; each sorts ascending (the favoured value first). */
enum rules_key {
	RULES_KEY_CATEGORY,       /* mag before individual */
	RULES_KEY_NEVER_FUNDED,   /* prior_funded = 0 first */
	RULES_KEY_LDC,            /* least developed country first */
	RULES_KEY_PARTIAL_REQUEST,/* airfare or dsa before full */
	RULES_KEY_REQUESTED_ON,   /* earlier first */
	RULES_KEY_ID,             /* bytewise */
	RULES_KEY_COUNT
};

enum rules_allocation { RULES_SKIP_AND_CONTINUE, RULES_STOP_AT_FIRST_MISFIT };

/* Reason codes: the gates' first (same values), then the ranking facts. */
enum rules_reason {
	RULES_REASON_MAG_MEMBER = RULES_GATE_COUNT,
	RULES_REASON_INDIVIDUAL_WITH_ROLE,
	RULES_REASON_NEVER_FUNDED,
	RULES_REASON_FUNDED_BEFORE,
	RULES_REASON_LDC,
	RULES_REASON_PARTIAL_REQUEST,
	RULES_REASON_FULL_REQUEST,
	RULES_REASON_INSUFFICIENT_FUNDS,
	RULES_REASON_COUNT
};

/* The contract's name of a reason ("no-health-check", ...). */
const char *rules_reason_name(int reason);

/* ---- policy --------------------------------------------------------------- */

typedef struct rules_policy rules_policy;

/*
 * Reads the policy at path, validates it against rules/policy.xsd (found
 * with cfg_data_path) and keeps the SHA-256 of the file's bytes. Errors:
 * ERR_INVALID "path:line: what" for malformed or invalid XML, ERR_SYSTEM if
 * unreadable, ERR_NOTFOUND if the schema is missing. Free with
 * rules_policy_free.
 */
int rules_policy_load(rules_policy **out, const char *path);

/*
 * The same for a policy held in memory (an upload): the len bytes at buf
 * (the caller's), hashed as they are; name stands for the file in messages
 * ("name:line: what") and in rules_policy_path. ERR_LIMIT above
 * LIMIT_POLICY_BYTES.
 */
int rules_policy_load_buffer(rules_policy **out, const char *buf, size_t len,
			     const char *name);

/* The bundled default policy (rules/policies/igf-travel.xml). */
int rules_policy_load_default(rules_policy **out);

void rules_policy_free(rules_policy *p);

const char *rules_policy_id(const rules_policy *p);
const char *rules_policy_version(const rules_policy *p);
const char *rules_policy_sha256(const rules_policy *p);
const char *rules_policy_path(const rules_policy *p);
int rules_policy_deadline_days(const rules_policy *p);
/* The days after a meeting ends within which its trip report is due
 * (<reportGrace daysAfterMeeting>; 30 when the policy does not say). */
int rules_policy_report_grace_days(const rules_policy *p);
/* Effective dates as days since 1970-01-01; until is INT32_MAX if open. */
int32_t rules_policy_effective_from(const rules_policy *p);
int32_t rules_policy_effective_until(const rules_policy *p);
enum rules_allocation rules_policy_allocation(const rules_policy *p);

/* ---- countries ------------------------------------------------------------ */

enum rules_wesp {
	RULES_WESP_DEVELOPED,
	RULES_WESP_TRANSITION,
	RULES_WESP_DEVELOPING,
	RULES_WESP_UNCLASSIFIED
};

typedef struct rules_countries rules_countries;

/*
 * Reads the WESP classes (economies.csv: iso3,name,wesp_class) and the LDC
 * list (ldc.csv: iso3,ldc_until,note; empty ldc_until = still on the list).
 * A malformed data file is ERR_INVALID naming file, line and column.
 */
int rules_countries_load(rules_countries **out, const char *economies_csv,
			 const char *ldc_csv);

/* The bundled data (rules/data/economies.csv and rules/data/ldc.csv). */
int rules_countries_load_default(rules_countries **out);

void rules_countries_free(rules_countries *c);

/* True if iso3 is an ISO 3166-1 alpha-3 code of the data. */
bool rules_country_known(const rules_countries *c, const char *iso3);

/* The English short name of a known code, else iso3 itself. */
const char *rules_country_name(const rules_countries *c, const char *iso3);

/* The WESP class of a known code (RULES_WESP_UNCLASSIFIED if unknown). */
enum rules_wesp rules_country_wesp(const rules_countries *c, const char *iso3);

/* True if iso3 is on the UN LDC list on the given day (days since epoch). */
bool rules_country_is_ldc(const rules_countries *c, const char *iso3, int32_t day);

/* ---- applicants ------------------------------------------------------------ */

enum rules_category { RULES_MAG, RULES_INDIVIDUAL };
enum rules_request { RULES_FULL, RULES_AIRFARE, RULES_DSA };

/* id, name, requested_on and role share one allocation, owned by id (freed
 * by rules_applicants_free). */
struct rules_applicant {
	char *id;                 /* 1-64 characters */
	char *name;
	char country[4];          /* ISO 3166-1 alpha-3 */
	enum rules_category category;
	bool has_role;            /* role is not blank */
	bool forms_complete;
	bool health_check;        /* attested yes/no; nothing else about health is kept */
	char health_attested_on[11]; /* the day of the attestation, "" if not given */
	int64_t prior_funded;
	int64_t prior_reports_outstanding;
	enum rules_request request;
	int64_t amount_minor;
	int64_t requested_s;      /* requested_on as seconds since the epoch, UTC */
	int32_t requested_ns;     /* and its fraction */
	char *requested_on;       /* as written */
	char *role;               /* as written ("" for none) */
	/* the reports outstanding by name: "report for MEETING due DATE not
	 * received; ..." (travel/: the fund's history), or NULL (a CSV's
	 * declared count); the caller's, not freed by rules_applicants_free */
	const char *reports_due;
	size_t line;              /* where its record starts in the file */
};

/*
 * Reads the applicant CSV at path ("-" for stdin; the columns of docs/policy.md, in
 * any order, extra columns ignored). Every row is checked; the first fault
 * is ERR_INVALID "path:line: column NAME: what was expected", and nothing
 * is returned. Amounts must be in currency. *out (n_out entries) is freed
 * with rules_applicants_free.
 */
int rules_applicants_read(struct rules_applicant **out, size_t *n_out,
			  const char *path, const char *currency,
			  const rules_countries *countries);

/* The same from f (not closed here; fmemopen(3) for a request body); name
 * stands for the file in messages ("name:line: column NAME: ..."). */
int rules_applicants_read_stream(struct rules_applicant **out, size_t *n_out, FILE *f,
				 const char *name, const char *currency,
				 const rules_countries *countries);

void rules_applicants_free(struct rules_applicant *a, size_t n);


/* ---- ranking --------------------------------------------------------------- */

enum rules_outcome { RULES_FUNDED, RULES_WAITLISTED, RULES_INELIGIBLE };

#define RULES_REASONS_MAX 8

struct rules_decision {
	const struct rules_applicant *applicant;
	enum rules_outcome outcome;
	size_t rank;              /* 1-based; 0 when ineligible */
	int64_t granted_minor;
	int64_t remaining_minor;  /* what was left when its turn came */
	unsigned char reasons[RULES_REASONS_MAX];
	size_t nreasons;
};

struct rules_result {
	const rules_policy *policy;
	const rules_countries *countries;
	char currency[4];
	int32_t meeting_day;
	int32_t deadline_day;     /* the last day a request is on time */
	bool policy_in_effect;    /* the meeting falls in the effective dates */
	int64_t budget_minor, allocated_minor, remaining_minor;
	struct rules_decision *decisions; /* eligible in rank order, then
					     ineligible by id bytewise */
	size_t n;
	size_t n_eligible;
};

/*
 * Ranks and allocates. The applicants must outlive the result, have
 * distinct ids and amounts in currency. budget_minor >= 0.
 * Free with rules_result_free. O(n log n).
 */
int rules_rank(struct rules_result *out, const rules_policy *policy,
	       const rules_countries *countries,
	       const struct rules_applicant *applicants, size_t n,
	       int32_t meeting_day, int64_t budget_minor, const char *currency);

void rules_result_free(struct rules_result *r);

/*
 * The decision as a sentence a person can read, e.g. "Not eligible: Germany
 * is a developed economy; no health check on file." Returns the length it
 * needed (as snprintf).
 */
int rules_explain(char *out, size_t size, const struct rules_result *r,
		  const struct rules_decision *d);

/* ---- writers ----------------------------------------------------------------- */

/* The contract's JSON object. ERR_SYSTEM if writing fails. */
int rules_write_json(FILE *f, const struct rules_result *r);

/* An aligned table with the reason sentence, for a terminal. */
int rules_write_table(FILE *f, const struct rules_result *r);

/* The travel-allocation report (reports/schemas/travel-allocation.xsd). */
int rules_write_xml(FILE *f, const struct rules_result *r);

#endif
