/*
 * policy.c - loading a travel-support policy (see rules.h, docs/policy.md).
 *
 * The file is read once into memory: its SHA-256 and its parse come from
 * the same bytes. It must be well-formed, DOCTYPE-free XML (common/xml) and
 * valid against rules/policy.xsd before anything is taken from it, so the
 * tree walk below can rely on the schema's shape and enumerations.
 */
#include "rules/rules_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/cfg.h"
#include "common/err.h"
#include "common/file.h"
#include "common/limits.h"
#include "common/xml.h"

static const char *const gate_names[RULES_GATE_COUNT] = {
	"no-role", "developed-economy", "unclassified-economy", "forms-incomplete",
	"no-health-check", "prior-reports-outstanding", "late-request",
};

static const char *const key_names[RULES_KEY_COUNT] = {
	"category", "never-funded", "ldc", "partial-request", "requested-on", "id",
};

static const char *const reason_names[RULES_REASON_COUNT] = {
	"no-role", "developed-economy", "unclassified-economy", "forms-incomplete",
	"no-health-check", "prior-reports-outstanding", "late-request",
	"mag-member", "individual-with-role", "never-funded", "funded-before",
	"ldc", "partial-request", "full-request", "insufficient-funds",
};

const char *rules_reason_name(int reason)
{
	ASSERT(reason >= 0 && reason < RULES_REASON_COUNT);
	return reason_names[reason];
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* The text of a node's attribute, or "" (into out, size bytes). */
static void attr(char *out, size_t size, xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	snprintf(out, size, "%s", v ? (const char *)v : "");
	xmlFree(v);
}

static int is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Copies the text of n into out without the blanks around it (the schema's
 * xs:token values may carry them). */
static void token(char *out, size_t size, xmlNodePtr n)
{
	xmlChar *text = xmlNodeGetContent(n);
	const char *s = text ? (const char *)text : "";
	size_t len;

	s += strspn(s, " \t\r\n");
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n", s[len - 1]))
		len--;
	snprintf(out, size, "%.*s", (int)len, s);
	xmlFree(text);
}

/* Reads the <gate> or <key> children of n into list, by the names table. */
static void read_list(int *list, int *count, xmlNodePtr n,
		      const char *const *names, int nnames)
{
	char buf[64];

	*count = 0;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		int i;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		token(buf, sizeof(buf), c);
		i = lookup(names, nnames, buf);
		ASSERT(i >= 0 && *count < nnames); /* validated: enumerated, unique */
		list[(*count)++] = i;
	}
}

static int walk(rules_policy *p, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	char buf[128];

	attr(p->id, sizeof(p->id), root, "id");
	attr(p->version, sizeof(p->version), root, "version");
	p->effective_until = INT32_MAX;
	p->allocation = RULES_SKIP_AND_CONTINUE;
	p->report_grace_days = RULES_REPORT_GRACE_DAYS_DEFAULT;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (is(n, "effective")) {
			attr(buf, sizeof(buf), n, "from");
			if (date_parse(&p->effective_from, buf) < 0)
				return err_wrap(ERR_INVALID, "%s:%d: effective from",
						p->path, (int)xmlGetLineNo(n));
			attr(buf, sizeof(buf), n, "until");
			if (buf[0] && date_parse(&p->effective_until, buf) < 0)
				return err_wrap(ERR_INVALID, "%s:%d: effective until",
						p->path, (int)xmlGetLineNo(n));
			if (p->effective_until < p->effective_from)
				return err_set(ERR_INVALID, "%s:%d: effective until is "
						       "before effective from",
					       p->path, (int)xmlGetLineNo(n));
		} else if (is(n, "requestDeadline")) {
			attr(buf, sizeof(buf), n, "daysBeforeMeeting");
			p->deadline_days = atoi(buf); /* validated: 0..3660 digits */
		} else if (is(n, "reportGrace")) {
			attr(buf, sizeof(buf), n, "daysAfterMeeting");
			p->report_grace_days = atoi(buf); /* validated: 0..3660 digits */
		} else if (is(n, "eligibility")) {
			read_list(p->gates, &p->ngates, n, gate_names, RULES_GATE_COUNT);
		} else if (is(n, "ranking")) {
			read_list(p->keys, &p->nkeys, n, key_names, RULES_KEY_COUNT);
		} else if (is(n, "allocation")) {
			/* validated: absent (the default) or one of the two rules */
			char *rule = buf;

			attr(buf, sizeof(buf), n, "rule");
			rule += strspn(rule, " \t\r\n");
			rule[strcspn(rule, " \t\r\n")] = '\0';
			if (strcmp(rule, "stop-at-first-misfit") == 0)
				p->allocation = RULES_STOP_AT_FIRST_MISFIT;
		}
	}
	return 0;
}

/* Takes the policy of the len bytes at buf (which stay the caller's); name
 * goes into messages and rules_policy_path. */
static int load(rules_policy **out, const char *buf, size_t len, const char *name)
{
	char xsd[LIMIT_PATH_BYTES];
	rules_policy *p = NULL;
	xmlDocPtr doc = NULL;
	int rc;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->path = strdup(name))) {
		rc = err_set(ERR_SYSTEM, "out of memory");
		goto cleanup;
	}
	if ((rc = hash_sha256_hex(p->sha256, buf, len)) < 0)
		goto cleanup;
	if ((rc = xml_read_memory(&doc, buf, len, name)) < 0)
		goto cleanup;
	if ((rc = cfg_data_path(xsd, sizeof(xsd), "rules/policy.xsd")) < 0)
		goto cleanup;
	if ((rc = xml_validate(doc, xsd, name)) < 0) {
		if (rc == ERR_INVALID)
			err_wrap(rc, "invalid policy (rules/policy.xsd)");
		goto cleanup;
	}
	if ((rc = walk(p, doc)) < 0)
		goto cleanup;
	*out = p;
	p = NULL;
cleanup:
	rules_policy_free(p);
	xmlFreeDoc(doc);
	return rc;
}

int rules_policy_load(rules_policy **out, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = file_read(&buf, &len, path, LIMIT_POLICY_BYTES, "LIMIT_POLICY_BYTES");
	if (rc == 0)
		rc = load(out, buf, len, path);
	free(buf);
	return rc;
}

int rules_policy_load_buffer(rules_policy **out, const char *buf, size_t len,
			     const char *name)
{
	*out = NULL;
	if (len > LIMIT_POLICY_BYTES)
		return err_set(ERR_LIMIT, "%s: larger than %d bytes (LIMIT_POLICY_BYTES)", name,
			       LIMIT_POLICY_BYTES);
	return load(out, buf, len, name);
}

int rules_policy_load_default(rules_policy **out)
{
	char path[LIMIT_PATH_BYTES];
	int rc = cfg_data_path(path, sizeof(path), "rules/policies/igf-travel.xml");

	*out = NULL;
	return rc < 0 ? rc : rules_policy_load(out, path);
}

void rules_policy_free(rules_policy *p)
{
	if (!p)
		return;
	free(p->path);
	free(p);
}

const char *rules_policy_id(const rules_policy *p) { return p->id; }
const char *rules_policy_version(const rules_policy *p) { return p->version; }
const char *rules_policy_sha256(const rules_policy *p) { return p->sha256; }
const char *rules_policy_path(const rules_policy *p) { return p->path; }
int rules_policy_deadline_days(const rules_policy *p) { return p->deadline_days; }
int rules_policy_report_grace_days(const rules_policy *p) { return p->report_grace_days; }
int32_t rules_policy_effective_from(const rules_policy *p) { return p->effective_from; }
int32_t rules_policy_effective_until(const rules_policy *p) { return p->effective_until; }
enum rules_allocation rules_policy_allocation(const rules_policy *p) { return p->allocation; }
