/*
 * test_xml_bounds.c - common/xml.c refuses hostile shapes of XML before
 * libxml2 does quadratic work on them (issue 16, item 3): attributes per
 * element, nesting depth, name length, text size and node count, on every
 * way in (a tree from memory or a file, a streaming reader from memory or
 * a file), each refused with file:line and the bound by name, quickly.
 * The hostile documents are generated here (megabytes are not committed);
 * the honest corpus stays accepted (test_camt, test_rules, test_statements).
 * No database.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bank/camt.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/xml.h"
#include "rules/rules.h"
#include "tests/harness/harness.h"

#define CAMT_FIXTURE SRCDATADIR "/tests/data/camt/quirk_order.xml"
#define POLICY SRCDATADIR "/rules/policies/igf-travel.xml"

/* Seconds since t0 on the monotonic clock. */
static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * The camt fixture with n extra attributes on its first <Amt> (line 10, in Bal):
 * the shape of the 2.3 MB statement that took 140 s of CPU. A new string.
 */
static char *camt_with_attributes(size_t *len, long n)
{
	size_t flen = 0;
	char *fixture = harness_slurp(CAMT_FIXTURE, &flen);
	const char *at = strstr(fixture, "<Amt Ccy=\"EUR\"");
	size_t head, cap = flen + (size_t)n * 16 + 1;
	char *doc = malloc(cap), *p;

	ck_assert_ptr_nonnull(at);
	ck_assert_ptr_nonnull(doc);
	head = (size_t)(at - fixture) + strlen("<Amt");
	memcpy(doc, fixture, head);
	p = doc + head;
	for (long i = 0; i < n; i++)
		p += sprintf(p, " a%ld=\"\"", i);
	memcpy(p, fixture + head, flen - head);
	p += flen - head;
	*p = '\0';
	*len = (size_t)(p - doc);
	free(fixture);
	return doc;
}

START_TEST(test_camt_read_memory__refuses_200000_attributes_in_well_under_a_second)
{
	size_t len;
	char *doc = camt_with_attributes(&len, 200000);
	struct timespec t0;
	int rc;

	ck_assert_uint_gt(len, 2 * 1000 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = bank_camt_read_memory(NULL, doc, len, "attrs.xml", NULL);
	ck_assert_double_lt(since(&t0), 0.5);
	ck_assert_int_eq(rc, ERR_LIMIT);
	ck_assert_msg(strstr(err_last(), "attrs.xml:10:") &&
			      strstr(err_last(), "more than 64 attributes"),
		      "%s", err_last());
	ck_assert_int_eq(err_code_status(err_code_of(rc)), 400);
	free(doc);
}
END_TEST

START_TEST(test_camt_read_file__refuses_200000_attributes_in_well_under_a_second)
{
	char dir[512], path[600];
	size_t len;
	char *doc = camt_with_attributes(&len, 200000);
	struct timespec t0;
	int rc;

	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/attrs.xml", dir);
	harness_spit(path, doc, len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = bank_camt_read(NULL, path, NULL);
	ck_assert_double_lt(since(&t0), 0.5);
	ck_assert_int_eq(rc, ERR_LIMIT);
	ck_assert_msg(strstr(err_last(), "attrs.xml:10:") &&
			      strstr(err_last(), "more than 64 attributes"),
		      "%s", err_last());
	free(doc);
}
END_TEST

START_TEST(test_camt_read__64_attributes_still_read)
{
	size_t len;
	/* the fixture's Amt has Ccy already: 63 more make 64 */
	char *doc = camt_with_attributes(&len, LIMIT_XML_ATTRIBUTES - 1);
	struct bank_camt_summary sum;

	ck_assert_msg(bank_camt_read_memory(&sum, doc, len, "ok.xml", NULL) == 0, "%s",
		      err_last());
	ck_assert_int_eq(sum.statements, 1);
	ck_assert_int_eq(sum.lines, 1);
	free(doc);
}
END_TEST

/* The default policy with its root's first child wrapped in depth levels. */
static char *policy_nested(size_t *len, int depth)
{
	size_t flen = 0;
	char *fixture = harness_slurp(POLICY, &flen);
	char *root = strstr(fixture, "<policy");
	char *inner = root ? strchr(root, '>') : NULL;
	char *doc = malloc(flen + (size_t)depth * 16 + 1), *p;

	ck_assert_ptr_nonnull(inner);
	ck_assert_ptr_nonnull(doc);
	inner++;
	memcpy(doc, fixture, (size_t)(inner - fixture));
	p = doc + (inner - fixture);
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "<x>");
	for (int i = 0; i < depth; i++)
		p += sprintf(p, "</x>");
	memcpy(p, inner, flen - (size_t)(inner - fixture));
	p += flen - (size_t)(inner - fixture);
	*p = '\0';
	*len = (size_t)(p - doc);
	free(fixture);
	return doc;
}

START_TEST(test_policy_load_buffer__refuses_deep_nesting_by_its_bound)
{
	size_t len;
	/* deeper than ours (64), shallower than libxml2's own (256) */
	char *doc = policy_nested(&len, 200);
	rules_policy *p = NULL;
	int rc = rules_policy_load_buffer(&p, doc, len, "deep.xml");

	ck_assert_int_eq(rc, ERR_LIMIT);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err_last(), "deep.xml:") &&
			      strstr(err_last(), "nested deeper than 64 elements"),
		      "%s", err_last());
	free(doc);
}
END_TEST

START_TEST(test_policy_load_buffer__refuses_100000_attributes_in_well_under_a_second)
{
	/* the 650 KB policy_xml what-if that took 15 s */
	char *doc = malloc(100000 * 10 + 4096), *p = doc;
	rules_policy *pol = NULL;
	struct timespec t0;
	int rc;

	ck_assert_ptr_nonnull(doc);
	p += sprintf(p, "<?xml version=\"1.0\"?>\n<policy");
	for (int i = 0; i < 100000; i++)
		p += sprintf(p, " b%d=''", i);
	p += sprintf(p, "/>\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = rules_policy_load_buffer(&pol, doc, (size_t)(p - doc), "whatif.xml");
	ck_assert_double_lt(since(&t0), 0.5);
	ck_assert_int_eq(rc, ERR_LIMIT);
	ck_assert_msg(strstr(err_last(), "whatif.xml:2:") &&
			      strstr(err_last(), "more than 64 attributes"),
		      "%s", err_last());
	free(doc);
}
END_TEST

START_TEST(test_xml_read_memory__refuses_a_long_name)
{
	char doc[1024], name[LIMIT_XML_NAME_BYTES + 2];
	xmlDocPtr d = NULL;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(doc, sizeof(doc), "<r>\n<%s/></r>", name);
	ck_assert_int_eq(xml_read_memory(&d, doc, strlen(doc), "name.xml"), ERR_LIMIT);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err_last(), "name.xml:2:") &&
			      strstr(err_last(), "name longer than 256 bytes"),
		      "%s", err_last());
	/* an attribute's name too */
	snprintf(doc, sizeof(doc), "<r %s='1'/>", name);
	ck_assert_int_eq(xml_read_memory(&d, doc, strlen(doc), "name.xml"), ERR_LIMIT);
}
END_TEST

START_TEST(test_xml_read_memory__refuses_a_huge_text_or_attribute_value)
{
	size_t n = LIMIT_XML_TEXT_BYTES + 16;
	char *doc = malloc(n + 64);
	xmlDocPtr d = NULL;

	ck_assert_ptr_nonnull(doc);
	strcpy(doc, "<r>");
	memset(doc + 3, 'x', n);
	strcpy(doc + 3 + n, "</r>");
	ck_assert_int_eq(xml_read_memory(&d, doc, strlen(doc), "text.xml"), ERR_LIMIT);
	ck_assert_msg(strstr(err_last(), "text.xml:1:") &&
			      strstr(err_last(), "text longer than 1048576 bytes"),
		      "%s", err_last());
	strcpy(doc, "<r a='");
	memset(doc + 6, 'x', n);
	strcpy(doc + 6 + n, "'/>");
	ck_assert_int_eq(xml_read_memory(&d, doc, strlen(doc), "text.xml"), ERR_LIMIT);
	free(doc);
}
END_TEST

START_TEST(test_xml_read_file__refuses_too_many_nodes)
{
	char dir[512], path[600];
	size_t n = (size_t)LIMIT_XML_NODES + 8, len = 0;
	char *doc = malloc(n * 4 + 16);
	xmlDocPtr d = NULL;
	struct timespec t0;

	ck_assert_ptr_nonnull(doc);
	len += (size_t)sprintf(doc, "<r>");
	for (size_t i = 0; i < n; i++, len += 4)
		memcpy(doc + len, "<a/>", 4);
	len += (size_t)sprintf(doc + len, "</r>");
	harness_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/nodes.xml", dir);
	harness_spit(path, doc, len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(xml_read_file(&d, path), ERR_LIMIT);
	ck_assert_msg(strstr(err_last(), "nodes.xml:1:") && strstr(err_last(), "nodes"), "%s",
		      err_last());
	ck_assert_ptr_null(d);
	free(doc);
}
END_TEST

START_TEST(test_xml_read_memory__honest_shapes_still_read)
{
	/* comments, CDATA, PIs and quoted '>' do not confuse the count */
	static const char doc[] =
		"<?xml version='1.0'?>\n<!-- a comment with <b> and \"quotes\" -->\n"
		"<r a='x>y' b=\"]]> -->\">\n<?pi some > data?>"
		"<![CDATA[ <not><an><element> ]]><c d='1'/></r>";
	xmlDocPtr d = NULL;

	ck_assert_msg(xml_read_memory(&d, doc, sizeof(doc) - 1, "ok.xml") == 0, "%s",
		      err_last());
	xmlFreeDoc(d);
}
END_TEST

START_TEST(test_xml_read_memory__doctype_still_refused)
{
	static const char doc[] =
		"<?xml version='1.0'?>\n<!DOCTYPE r [<!ENTITY e 'x'>]>\n<r>&e;</r>";
	xmlDocPtr d = NULL;

	ck_assert_int_eq(xml_read_memory(&d, doc, sizeof(doc) - 1, "dt.xml"), ERR_INVALID);
	ck_assert_msg(strstr(err_last(), "DOCTYPE"), "%s", err_last());
}
END_TEST

static Suite *suite(void)
{
	const struct harness_test bounds[] = {
		{test_camt_read_memory__refuses_200000_attributes_in_well_under_a_second, 0},
		{test_camt_read_file__refuses_200000_attributes_in_well_under_a_second, 0},
		{test_camt_read__64_attributes_still_read, 0},
		{test_policy_load_buffer__refuses_deep_nesting_by_its_bound, 0},
		{test_policy_load_buffer__refuses_100000_attributes_in_well_under_a_second, 0},
		{test_xml_read_memory__refuses_a_long_name, 0},
		{test_xml_read_memory__refuses_a_huge_text_or_attribute_value, 0},
		{test_xml_read_file__refuses_too_many_nodes, 0},
		{test_xml_read_memory__honest_shapes_still_read, 0},
		{test_xml_read_memory__doctype_still_refused, 0},
	};
	Suite *s = suite_create("xml_bounds");

	harness_add_tcase(s, "bounds", NULL, NULL, 30, bounds, HARNESS_N(bounds));
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
