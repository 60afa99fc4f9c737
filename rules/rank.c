/*
 * rank.c - gates, ranking and allocation (docs/policy.md; the default IGF
 * travel-support policy is rules/policies/igf-travel.xml), driven by a loaded policy.
 *
 * Invariants: the allocated sum never exceeds the budget (checked int64
 * arithmetic); the order of the result depends only on the applicants'
 * values, never on their input order: the policy's keys decide, then
 * requested_on, then id bytewise (ids are unique). O(n log n): two sorts.
 */
#include "rules/rules_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/money.h"

/* Whether applicant a fails gate g. */
static bool fails(const struct rules_applicant *a, int g, const struct rules_result *r)
{
	switch (g) {
	case RULES_GATE_NO_ROLE:
		return a->category == RULES_INDIVIDUAL && !a->has_role;
	case RULES_GATE_DEVELOPED_ECONOMY:
		return rules_country_wesp(r->countries, a->country) == RULES_WESP_DEVELOPED;
	case RULES_GATE_UNCLASSIFIED_ECONOMY:
		return rules_country_wesp(r->countries, a->country) ==
		       RULES_WESP_UNCLASSIFIED;
	case RULES_GATE_FORMS_INCOMPLETE:
		return !a->forms_complete;
	case RULES_GATE_NO_HEALTH_CHECK:
		return !a->health_check;
	case RULES_GATE_PRIOR_REPORTS_OUTSTANDING:
		return a->prior_reports_outstanding > 0;
	case RULES_GATE_LATE_REQUEST: {
		/* the UTC date of requested_on (floor division for dates before 1970) */
		int64_t s = a->requested_s;
		int64_t day = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);

		return day > r->deadline_day;
	}
	default:
		ASSERT(!"unknown gate");
	}
	return false;
}

/* An eligible applicant while it is sorted; qsort takes no context, so the
 * key order travels in a thread-local set only for the length of a sort. */
struct entry {
	const struct rules_applicant *a;
	unsigned char k[RULES_KEY_COUNT]; /* per key: 0 = favoured */
};

static _Thread_local const rules_policy *sort_policy;

static int cmp_time(const struct rules_applicant *a, const struct rules_applicant *b)
{
	if (a->requested_s != b->requested_s)
		return a->requested_s < b->requested_s ? -1 : 1;
	if (a->requested_ns != b->requested_ns)
		return a->requested_ns < b->requested_ns ? -1 : 1;
	return 0;
}

static int cmp_key(const struct entry *x, const struct entry *y, int key)
{
	const struct rules_applicant *a = x->a, *b = y->a;

	switch (key) {
	case RULES_KEY_REQUESTED_ON:
		return cmp_time(a, b);
	case RULES_KEY_ID:
		return strcmp(a->id, b->id);
	default:
		return (int)x->k[key] - (int)y->k[key];
	}
}

static int by_rank(const void *p, const void *q)
{
	const struct entry *x = p, *y = q;
	int c;

	for (int i = 0; i < sort_policy->nkeys; i++)
		if ((c = cmp_key(x, y, sort_policy->keys[i])) != 0)
			return c;
	if ((c = cmp_key(x, y, RULES_KEY_REQUESTED_ON)) != 0)
		return c;
	return cmp_key(x, y, RULES_KEY_ID);
}

static int by_id(const void *p, const void *q)
{
	const struct rules_decision *x = p, *y = q;

	return strcmp(x->applicant->id, y->applicant->id);
}

static void add_reason(struct rules_decision *d, int reason)
{
	ASSERT(d->nreasons < RULES_REASONS_MAX);
	d->reasons[d->nreasons++] = (unsigned char)reason;
}

/* The facts that placed an eligible applicant, in the policy's key order. */
static void placing_reasons(struct rules_decision *d, const rules_policy *p,
			    const struct entry *e)
{
	const struct rules_applicant *a = d->applicant;

	for (int i = 0; i < p->nkeys; i++) {
		switch (p->keys[i]) {
		case RULES_KEY_CATEGORY:
			add_reason(d, a->category == RULES_MAG
					      ? RULES_REASON_MAG_MEMBER
					      : RULES_REASON_INDIVIDUAL_WITH_ROLE);
			break;
		case RULES_KEY_NEVER_FUNDED:
			add_reason(d, a->prior_funded == 0 ? RULES_REASON_NEVER_FUNDED
							   : RULES_REASON_FUNDED_BEFORE);
			break;
		case RULES_KEY_LDC:
			if (e->k[RULES_KEY_LDC] == 0)
				add_reason(d, RULES_REASON_LDC);
			break;
		case RULES_KEY_PARTIAL_REQUEST:
			add_reason(d, a->request == RULES_FULL ? RULES_REASON_FULL_REQUEST
							       : RULES_REASON_PARTIAL_REQUEST);
			break;
		default:
			break; /* requested-on and id are no facts to report */
		}
	}
}

int rules_rank(struct rules_result *out, const rules_policy *policy,
	       const rules_countries *countries,
	       const struct rules_applicant *applicants, size_t n,
	       int32_t meeting_day, int64_t budget_minor, const char *currency)
{
	struct rules_decision *dec = NULL;
	struct entry *ent = NULL;
	size_t ne = 0, ni;
	bool stopped = false;
	int rc = 0;

	ASSERT(budget_minor >= 0);
	memset(out, 0, sizeof(*out));
	out->policy = policy;
	out->countries = countries;
	snprintf(out->currency, sizeof(out->currency), "%s", currency);
	out->meeting_day = meeting_day;
	out->deadline_day = meeting_day - policy->deadline_days;
	out->policy_in_effect = meeting_day >= policy->effective_from &&
				meeting_day <= policy->effective_until;
	out->budget_minor = out->remaining_minor = budget_minor;
	dec = calloc(n ? n : 1, sizeof(*dec));
	ent = calloc(n ? n : 1, sizeof(*ent));
	if (!dec || !ent) {
		rc = err_set(ERR_SYSTEM, "out of memory");
		goto cleanup;
	}

	/* gates: the eligible become sort entries, the others fill dec[] from
	 * its end */
	ni = n;
	for (size_t i = 0; i < n; i++) {
		const struct rules_applicant *a = &applicants[i];
		struct rules_decision d = {.applicant = a, .outcome = RULES_INELIGIBLE};

		for (int g = 0; g < policy->ngates; g++)
			if (fails(a, policy->gates[g], out))
				add_reason(&d, policy->gates[g]);
		if (d.nreasons > 0) {
			dec[--ni] = d;
			continue;
		}
		ent[ne].a = a;
		ent[ne].k[RULES_KEY_CATEGORY] = a->category != RULES_MAG;
		ent[ne].k[RULES_KEY_NEVER_FUNDED] = a->prior_funded != 0;
		ent[ne].k[RULES_KEY_LDC] =
			!rules_country_is_ldc(countries, a->country, meeting_day);
		ent[ne].k[RULES_KEY_PARTIAL_REQUEST] = a->request == RULES_FULL;
		ne++;
	}
	ASSERT(ne == ni);
	/* entries are small (a pointer and the key bytes): cheap to sort */
	sort_policy = policy;
	qsort(ent, ne, sizeof(*ent), by_rank);
	sort_policy = NULL;
	qsort(dec + ne, n - ne, sizeof(*dec), by_id);

	/* allocation walks the ranking */
	for (size_t i = 0; i < ne; i++) {
		struct rules_decision *d = &dec[i];
		int64_t amount = ent[i].a->amount_minor;

		memset(d, 0, sizeof(*d));
		d->applicant = ent[i].a;
		d->rank = i + 1;
		d->remaining_minor = out->remaining_minor;
		placing_reasons(d, policy, &ent[i]);
		if (!stopped && amount <= out->remaining_minor) {
			d->outcome = RULES_FUNDED;
			d->granted_minor = amount;
			out->remaining_minor -= amount;
			ASSERT(money_add(&out->allocated_minor, out->allocated_minor,
					 amount) == 0);
		} else {
			d->outcome = RULES_WAITLISTED;
			add_reason(d, RULES_REASON_INSUFFICIENT_FUNDS);
			stopped = policy->allocation == RULES_STOP_AT_FIRST_MISFIT;
		}
	}
	ASSERT(out->allocated_minor + out->remaining_minor == budget_minor);
	out->decisions = dec;
	out->n = n;
	out->n_eligible = ne;
	dec = NULL;
cleanup:
	free(ent);
	free(dec);
	return rc;
}

void rules_result_free(struct rules_result *r)
{
	if (!r)
		return;
	free(r->decisions);
	r->decisions = NULL;
	r->n = 0;
}
