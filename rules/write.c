/*
 * write.c - a ranking result as a sentence per decision, and in the three
 * output formats of `tfledger rank`: the contract's JSON, an aligned table
 * for a terminal, and the travel-allocation XML report
 * (reports/schemas/travel-allocation.xsd).
 *
 * Every writer streams decision by decision (memory does not grow with the
 * output) and produces the same bytes for the same result. Amounts are
 * formatted by common/money from int64 minor units.
 */
#include "rules/rules_internal.h"

#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/money.h"
#include "common/text.h"

static const char *const outcome_names[] = {"funded", "waitlisted", "ineligible"};

static void amount(char out[MONEY_STR_MAX], int64_t minor, const char *ccy)
{
	ASSERT(money_format(out, minor, ccy) == 0);
}

/* ---- the sentence ---------------------------------------------------------- */

struct sb {
	char *out;
	size_t size, len;
};

static void put(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->len < b->size ? b->out + b->len : NULL,
		      b->len < b->size ? b->size - b->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len += (size_t)n;
}

static void fact(struct sb *b, const struct rules_result *r, const struct rules_decision *d,
		 int reason)
{
	const struct rules_applicant *a = d->applicant;
	const char *country = rules_country_name(r->countries, a->country);
	char day[11], deadline[11];

	switch (reason) {
	case RULES_GATE_NO_ROLE:
		put(b, "an individual without a role at the meeting");
		break;
	case RULES_GATE_DEVELOPED_ECONOMY:
		put(b, "%s is a developed economy", country);
		break;
	case RULES_GATE_UNCLASSIFIED_ECONOMY:
		put(b, "%s is in no UN WESP country group", country);
		break;
	case RULES_GATE_FORMS_INCOMPLETE:
		put(b, "funding forms incomplete");
		break;
	case RULES_GATE_NO_HEALTH_CHECK:
		put(b, "no health check on file");
		break;
	case RULES_GATE_PRIOR_REPORTS_OUTSTANDING:
		if (a->reports_due && *a->reports_due) {
			put(b, "%s", a->reports_due);
			break;
		}
		put(b, "%lld report%s from earlier funded trips outstanding",
		    (long long)a->prior_reports_outstanding,
		    a->prior_reports_outstanding == 1 ? "" : "s");
		break;
	case RULES_GATE_LATE_REQUEST: {
		int64_t s = a->requested_s;

		date_format(day, (int32_t)(s >= 0 ? s / 86400 : -((-s + 86399) / 86400)));
		date_format(deadline, r->deadline_day);
		put(b, "request received %s, after the deadline of %s", day, deadline);
		break;
	}
	case RULES_REASON_MAG_MEMBER:
		put(b, "MAG member");
		break;
	case RULES_REASON_INDIVIDUAL_WITH_ROLE:
		put(b, "individual with a role");
		break;
	case RULES_REASON_NEVER_FUNDED:
		put(b, "never funded before");
		break;
	case RULES_REASON_FUNDED_BEFORE:
		put(b, "funded %lld time%s before", (long long)a->prior_funded,
		    a->prior_funded == 1 ? "" : "s");
		break;
	case RULES_REASON_LDC:
		put(b, "from a least developed country (%s)", country);
		break;
	case RULES_REASON_PARTIAL_REQUEST:
		put(b, "partial request (%s only)", a->request == RULES_AIRFARE ? "airfare"
									     : "DSA");
		break;
	case RULES_REASON_FULL_REQUEST:
		put(b, "full request (airfare and DSA)");
		break;
	default:
		ASSERT(!"reason without a sentence");
	}
}

int rules_explain(char *out, size_t size, const struct rules_result *r,
		  const struct rules_decision *d)
{
	struct sb b = {.out = out, .size = size};
	char x[MONEY_STR_MAX], y[MONEY_STR_MAX];
	size_t n = d->nreasons;

	if (size)
		out[0] = '\0';
	put(&b, "%s: ", d->outcome == RULES_FUNDED       ? "Funded"
			: d->outcome == RULES_WAITLISTED ? "Waitlisted"
							 : "Not eligible");
	if (d->outcome == RULES_WAITLISTED)
		n--; /* insufficient-funds is said below */
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(&b, d->outcome == RULES_INELIGIBLE ? "; " : ", ");
		fact(&b, r, d, d->reasons[i]);
	}
	if (d->outcome == RULES_FUNDED) {
		amount(x, d->granted_minor, r->currency);
		put(&b, "%sgranted %s %s", n ? "; " : "", x, r->currency);
	} else if (d->outcome == RULES_WAITLISTED) {
		amount(x, d->applicant->amount_minor, r->currency);
		amount(y, d->remaining_minor, r->currency);
		if (d->applicant->amount_minor > d->remaining_minor)
			put(&b, "%sinsufficient funds: %s %s requested, %s %s left",
			    n ? "; " : "", x, r->currency, y, r->currency);
		else
			put(&b, "%sinsufficient funds: allocation stopped at an earlier "
				"request that did not fit", n ? "; " : "");
	}
	put(&b, ".");
	return (int)b.len;
}

/* ---- JSON ---------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	while (*s) {
		size_t n = 0;
		unsigned char c;

		/* copy the run of bytes that need no escape in one write */
		while ((c = (unsigned char)s[n]) && c != '"' && c != '\\' && c >= 0x20 &&
		       c != 0x7f)
			n++;
		fwrite(s, 1, n, f);
		s += n;
		if (!c)
			break;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else
			fprintf(f, "\\u%04x", c);
		s++;
	}
	fputc('"', f);
}

static int finish(FILE *f)
{
	if (fflush(f) != 0 || ferror(f))
		return err_sys(ERR_SYSTEM, "cannot write the result");
	return 0;
}

int rules_write_json(FILE *f, const struct rules_result *r)
{
	char b[MONEY_STR_MAX], al[MONEY_STR_MAX], re[MONEY_STR_MAX], day[11];
	const rules_policy *p = r->policy;

	amount(b, r->budget_minor, r->currency);
	amount(al, r->allocated_minor, r->currency);
	amount(re, r->remaining_minor, r->currency);
	date_format(day, r->meeting_day);
	fputs("{\n  \"policy\": {\"id\": ", f);
	json_str(f, p->id);
	fputs(", \"version\": ", f);
	json_str(f, p->version);
	fprintf(f, ", \"sha256\": \"%s\"},\n", p->sha256);
	fprintf(f, "  \"meeting_date\": \"%s\",\n", day);
	fprintf(f, "  \"budget\": \"%s\", \"currency\": \"%s\",\n", b, r->currency);
	fprintf(f, "  \"allocated\": \"%s\", \"remaining\": \"%s\",\n", al, re);
	fputs(r->n ? "  \"decisions\": [\n" : "  \"decisions\": []\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const struct rules_decision *d = &r->decisions[i];

		fputs("    {\"id\": ", f);
		json_str(f, d->applicant->id);
		if (d->rank)
			fprintf(f, ", \"rank\": %zu", d->rank);
		else
			fputs(", \"rank\": null", f);
		amount(b, d->granted_minor, r->currency);
		fprintf(f, ", \"decision\": \"%s\", \"granted\": \"%s\",\n     \"reasons\": [",
			outcome_names[d->outcome], b);
		for (size_t k = 0; k < d->nreasons; k++)
			fprintf(f, "%s\"%s\"", k ? ", " : "", rules_reason_name(d->reasons[k]));
		fprintf(f, "]}%s\n", i + 1 < r->n ? "," : "");
	}
	if (r->n)
		fputs("  ]\n", f);
	fputs("}\n", f);
	return finish(f);
}

/* ---- table ------------------------------------------------------------------------- */

/* Code points of s, at most max. */
static size_t width(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s && n < max; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Prints at most max code points of s (control bytes as spaces), then pads
 * to w. */
static void cell(FILE *f, const char *s, size_t w, size_t max)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xC0) != 0x80) {
			if (n == max)
				break;
			n++;
		}
		fputc(c < 0x20 || c == 0x7f ? ' ' : c, f);
	}
	for (; n < w; n++)
		fputc(' ', f);
}

#define NAME_MAX_CHARS 28

int rules_write_table(FILE *f, const struct rules_result *r)
{
	char b[MONEY_STR_MAX], al[MONEY_STR_MAX], re[MONEY_STR_MAX];
	char day[11], deadline[11], rank[24];
	char *why = NULL;
	size_t wid = 2, wname = 4, wgrant = 7, why_size = 1024;

	why = malloc(why_size);
	if (!why)
		return err_set(ERR_SYSTEM, "out of memory");
	for (size_t i = 0; i < r->n; i++) {
		const struct rules_applicant *a = r->decisions[i].applicant;
		size_t w;

		if ((w = width(a->id, 64)) > wid)
			wid = w;
		if ((w = width(a->name, NAME_MAX_CHARS)) > wname)
			wname = w;
		amount(b, r->decisions[i].granted_minor, r->currency);
		if ((w = strlen(b)) > wgrant)
			wgrant = w;
	}
	amount(b, r->budget_minor, r->currency);
	amount(al, r->allocated_minor, r->currency);
	amount(re, r->remaining_minor, r->currency);
	date_format(day, r->meeting_day);
	date_format(deadline, r->deadline_day);
	fprintf(f, "Policy:    %s %s (sha256 %s)\n", r->policy->id, r->policy->version,
		r->policy->sha256);
	fprintf(f, "Meeting:   %s (requests on time up to %s)\n", day, deadline);
	fprintf(f, "Budget:    %s %s; allocated %s, remaining %s\n", b, r->currency, al, re);
	fprintf(f, "Decisions: %zu eligible, %zu not eligible\n\n", r->n_eligible,
		r->n - r->n_eligible);
	fprintf(f, "%4s  ", "RANK");
	cell(f, "ID", wid, 64);
	fputs("  ", f);
	cell(f, "NAME", wname, NAME_MAX_CHARS);
	fprintf(f, "  CTY  %-10s  %*s  %s\n", "DECISION", (int)wgrant, "GRANTED", "WHY");
	for (size_t i = 0; i < r->n; i++) {
		const struct rules_decision *d = &r->decisions[i];
		int need = rules_explain(why, why_size, r, d);

		if (need >= 0 && (size_t)need >= why_size) {
			char *p = realloc(why, (size_t)need + 1);

			if (!p) {
				free(why);
				return err_set(ERR_SYSTEM, "out of memory");
			}
			why = p;
			why_size = (size_t)need + 1;
			rules_explain(why, why_size, r, d);
		}
		snprintf(rank, sizeof(rank), "%zu", d->rank);
		fprintf(f, "%4s  ", d->rank ? rank : "-");
		cell(f, d->applicant->id, wid, 64);
		fputs("  ", f);
		cell(f, d->applicant->name, wname, NAME_MAX_CHARS);
		amount(b, d->granted_minor, r->currency);
		fprintf(f, "  %s  %-10s  %*s  %s\n", d->applicant->country,
			outcome_names[d->outcome], (int)wgrant, b, why);
	}
	free(why);
	return finish(f);
}

/* ---- XML ------------------------------------------------------------------------------ */

#define REPORT_NS "urn:tfledger:report:travel-allocation:1"

static int wattr(xmlTextWriterPtr w, const char *name, const char *value)
{
	char *t = text_shown(value, strlen(value));
	int rc = t ? xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST t) : -1;

	free(t);
	return rc;
}

static int write_decision(xmlTextWriterPtr w, const struct rules_result *r,
			  const struct rules_decision *d, char **why, size_t *why_size)
{
	static const char *const requests[] = {"full", "airfare", "dsa"};
	const struct rules_applicant *a = d->applicant;
	char b[MONEY_STR_MAX], rank[24];
	int need, rc = 0;

	need = rules_explain(*why, *why_size, r, d);
	if (need >= 0 && (size_t)need >= *why_size) {
		char *p = realloc(*why, (size_t)need + 1);

		if (!p)
			return -1;
		*why = p;
		*why_size = (size_t)need + 1;
		rules_explain(*why, *why_size, r, d);
	}
	rc |= xmlTextWriterStartElement(w, BAD_CAST "decision") < 0;
	rc |= wattr(w, "id", a->id) < 0;
	if (d->rank) {
		snprintf(rank, sizeof(rank), "%zu", d->rank);
		rc |= wattr(w, "rank", rank) < 0;
	}
	rc |= wattr(w, "outcome", outcome_names[d->outcome]) < 0;
	rc |= xmlTextWriterStartElement(w, BAD_CAST "applicant") < 0;
	rc |= wattr(w, "name", a->name) < 0;
	rc |= wattr(w, "country", a->country) < 0;
	rc |= wattr(w, "category", a->category == RULES_MAG ? "mag" : "individual") < 0;
	rc |= wattr(w, "request", requests[a->request]) < 0;
	rc |= wattr(w, "requestedOn", a->requested_on) < 0;
	rc |= xmlTextWriterEndElement(w) < 0;
	amount(b, a->amount_minor, r->currency);
	rc |= xmlTextWriterWriteElement(w, BAD_CAST "requested", BAD_CAST b) < 0;
	amount(b, d->granted_minor, r->currency);
	rc |= xmlTextWriterWriteElement(w, BAD_CAST "granted", BAD_CAST b) < 0;
	for (size_t k = 0; k < d->nreasons; k++) {
		rc |= xmlTextWriterStartElement(w, BAD_CAST "reason") < 0;
		rc |= wattr(w, "code", rules_reason_name(d->reasons[k])) < 0;
		rc |= xmlTextWriterEndElement(w) < 0;
	}
	{
		char *t = text_shown(*why, strlen(*why));

		rc |= !t || xmlTextWriterWriteElement(w, BAD_CAST "explanation", BAD_CAST t) < 0;
		free(t);
	}
	rc |= xmlTextWriterEndElement(w) < 0;
	return rc ? -1 : 0;
}

int rules_write_xml(FILE *f, const struct rules_result *r)
{
	char b[MONEY_STR_MAX], day[11];
	xmlOutputBufferPtr buf = NULL;
	xmlTextWriterPtr w = NULL;
	size_t why_size = 1024;
	char *why = malloc(why_size);
	int bad = 0, rc = 0;

	if (!why || !(buf = xmlOutputBufferCreateFile(f, NULL))) {
		rc = err_set(ERR_SYSTEM, "out of memory");
		goto cleanup;
	}
	if (!(w = xmlNewTextWriter(buf))) {
		xmlOutputBufferClose(buf);
		rc = err_set(ERR_SYSTEM, "out of memory");
		goto cleanup;
	}
	bad |= xmlTextWriterSetIndent(w, 1) < 0;
	bad |= xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0;
	bad |= xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
	bad |= xmlTextWriterStartElementNS(w, NULL, BAD_CAST "travelAllocation",
					   BAD_CAST REPORT_NS) < 0;
	bad |= wattr(w, "formatVersion", "1.0") < 0;
	bad |= xmlTextWriterStartElement(w, BAD_CAST "policy") < 0;
	bad |= wattr(w, "id", r->policy->id) < 0;
	bad |= wattr(w, "version", r->policy->version) < 0;
	bad |= wattr(w, "sha256", r->policy->sha256) < 0;
	bad |= xmlTextWriterEndElement(w) < 0;
	bad |= xmlTextWriterStartElement(w, BAD_CAST "meeting") < 0;
	date_format(day, r->meeting_day);
	bad |= wattr(w, "date", day) < 0;
	date_format(day, r->deadline_day);
	bad |= wattr(w, "requestDeadline", day) < 0;
	bad |= xmlTextWriterEndElement(w) < 0;
	bad |= xmlTextWriterStartElement(w, BAD_CAST "budget") < 0;
	bad |= wattr(w, "currency", r->currency) < 0;
	amount(b, r->budget_minor, r->currency);
	bad |= wattr(w, "total", b) < 0;
	amount(b, r->allocated_minor, r->currency);
	bad |= wattr(w, "allocated", b) < 0;
	amount(b, r->remaining_minor, r->currency);
	bad |= wattr(w, "remaining", b) < 0;
	bad |= xmlTextWriterEndElement(w) < 0;
	bad |= xmlTextWriterStartElement(w, BAD_CAST "decisions") < 0;
	for (size_t i = 0; i < r->n && !bad; i++)
		bad |= write_decision(w, r, &r->decisions[i], &why, &why_size) < 0;
	bad |= xmlTextWriterEndDocument(w) < 0;
	bad |= xmlTextWriterFlush(w) < 0;
	if (bad)
		rc = err_set(ERR_SYSTEM, "cannot write the XML report");
	else
		rc = finish(f);
cleanup:
	if (w)
		xmlFreeTextWriter(w); /* closes buf, not f */
	free(why);
	return rc;
}
