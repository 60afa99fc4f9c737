/*
 * test_reports.c - reports/: XML-DSig signing and verification (ours and
 * the stock xmlsec1's), detached signatures, the demo key, the shared
 * writer and its schema, and `tfledger report` exit codes. No database.
 *
 * Two key pairs are made once per test case (RSA 3072 takes a while) in an
 * unchecked fixture; every file lives under harness_tmpdir().
 */
#include <check.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/limits.h"
#include "common/xml.h"
#include "reports/keys.h"
#include "reports/sign.h"
#include "reports/writer.h"
#include "config.h"
#include "tests/harness/harness.h"

#define XMLSEC1 "/usr/bin/xmlsec1"
#define PATHMAX 512

static char dir[PATHMAX];                /* the fixture's directory */
static char key[PATHMAX], cert[PATHMAX]; /* the signer */
static char key2[PATHMAX], cert2[PATHMAX]; /* someone else */

static void path(char *out, const char *name)
{
	int n = snprintf(out, PATHMAX, "%s/%s", dir, name);

	ck_assert(n > 0 && n < PATHMAX);
}

static void make_keys(void)
{
	harness_tmpdir(dir, sizeof(dir));
	path(key, "signer.key.pem");
	path(cert, "signer.cert.pem");
	path(key2, "other.key.pem");
	path(cert2, "other.cert.pem");
	ck_assert_int_eq(reports_keys_generate(key, cert, NULL), 0);
	ck_assert_int_eq(reports_keys_generate(key2, cert2, "CN=Someone Else,O=Elsewhere"), 0);
}

static const char report_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<statement xmlns=\"urn:tfledger:report:1\">\n"
	"  <donor code=\"DE\">Germany</donor>\n"
	"  <amount currency=\"USD\">1250.00</amount>\n"
	"  <note>Caf\xc3\xa9 &amp; travel</note>\n"
	"</statement>\n";

/* Writes report_xml to name and signs it into name-signed.xml (out). */
static void signed_report(char *out, const char *name)
{
	char in[PATHMAX];
	char base[PATHMAX / 2];

	snprintf(base, sizeof(base), "%s.xml", name);
	path(in, base);
	harness_spit_text(in, report_xml);
	snprintf(base, sizeof(base), "%s-signed.xml", name);
	path(out, base);
	ck_assert_msg(reports_sign_file(in, out, key, cert) == 0, "%s", err_last());
}

/* Copies src to dst with the byte at the n-th occurrence's offset changed:
 * dst = src with needle's character at needle_off replaced by c. */
static void tamper(const char *dst, const char *src, const char *needle, size_t needle_off,
		   char c)
{
	size_t len;
	char *buf = harness_slurp(src, &len);
	char *at = strstr(buf, needle);

	ck_assert_msg(at != NULL, "'%s' not in %s", needle, src);
	ck_assert(needle_off < strlen(needle));
	ck_assert(at[needle_off] != c);
	at[needle_off] = c;
	harness_spit(dst, buf, len);
	free(buf);
}

/* Verifies p with and without the certificate; both must refuse with
 * ERR_INVALID and a message containing want (NULL: any). */
static void assert_refused(const char *p, const char *want)
{
	struct reports_verify_result res;
	int rc;

	rc = reports_verify_file(&res, p, cert);
	ck_assert_msg(rc == ERR_INVALID, "with cert: rc %d (%s)", rc, err_last());
	if (want)
		ck_assert_msg(strstr(err_last(), want), "with cert: '%s' lacks '%s'",
			      err_last(), want);
	ck_assert_str_eq(res.subject, "");
	rc = reports_verify_file(&res, p, NULL);
	ck_assert_msg(rc == ERR_INVALID, "without cert: rc %d (%s)", rc, err_last());
	if (want)
		ck_assert_msg(strstr(err_last(), want), "without cert: '%s' lacks '%s'",
			      err_last(), want);
}

/* Asserts each of the n strings in want is somewhere in text. */
static void expect_all(const char *text, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strstr(text, want[i]) != NULL, "lacks '%s'", want[i]);
}

#define EXPECT_ALL(text, want) expect_all((text), (want), sizeof(want) / sizeof((want)[0]))

static int run_xmlsec1(const char *opt, const char *certfile, const char *file)
{
	const char *argv[] = {XMLSEC1, "--verify", opt, certfile, file, NULL};
	char *out = NULL, *err = NULL;
	int rc;

	ck_assert_msg(access(XMLSEC1, X_OK) == 0, XMLSEC1 " is missing: install xmlsec1");
	rc = harness_run(&out, &err, NULL, argv);
	free(out);
	free(err);
	return rc;
}

/* --- signing and verification ------------------------------------------ */

START_TEST(test_sign__round_trip_with_and_without_cert)
{
	struct reports_verify_result res;
	char s[PATHMAX];
	char *text;

	signed_report(s, "rt");
	text = harness_slurp(s, NULL);
	{
		static const char *const want[] = {
			"xml-exc-c14n#",
			"xmldsig-more#rsa-sha256",
			"xmlenc#sha256",
			"enveloped-signature",
			"<Reference URI=\"\">",
			"<Reference URI=\"#tfledger-keyinfo\">",
			"<KeyInfo Id=\"tfledger-keyinfo\">",
			"<X509Certificate>",
			"Caf\xc3\xa9 &amp; travel",
		};

		EXPECT_ALL(text, want);
	}
	free(text);

	ck_assert_msg(reports_verify_file(&res, s, cert) == 0, "%s", err_last());
	ck_assert(res.trusted);
	ck_assert(!res.detached);
	ck_assert_ptr_nonnull(strstr(res.subject, "CN=tfledger demo report signer"));

	ck_assert_msg(reports_verify_file(&res, s, NULL) == 0, "%s", err_last());
	ck_assert(!res.trusted);
	ck_assert_ptr_nonnull(strstr(res.subject, "CN=tfledger demo report signer"));
}
END_TEST

START_TEST(test_sign__in_place_and_refuses_signing_twice)
{
	struct reports_verify_result res;
	char p[PATHMAX];

	path(p, "inplace.xml");
	harness_spit_text(p, report_xml);
	ck_assert_int_eq(reports_sign_file(p, p, key, cert), 0);
	ck_assert_msg(reports_verify_file(&res, p, cert) == 0, "%s", err_last());
	ck_assert_int_eq(reports_sign_file(p, p, key, cert), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "already has a ds:Signature"));
}
END_TEST

START_TEST(test_sign__refuses_key_not_matching_cert)
{
	char in[PATHMAX], out[PATHMAX];

	path(in, "mismatch.xml");
	path(out, "mismatch-signed.xml");
	harness_spit_text(in, report_xml);
	ck_assert_int_eq(reports_sign_file(in, out, key, cert2), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "does not hold the public half"));
	ck_assert_int_ne(access(out, F_OK), 0);
	ck_assert_int_eq(reports_sign_file(in, out, cert, cert), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "not an unencrypted PEM private key"));
}
END_TEST

/* Copies the signed report s to name-tampered.xml with needle's character at
 * off changed to c; asserts the copy refused with want (NULL: any message). */
static void refuses_change(const char *s, const char *name, const char *needle, size_t off,
			   char c, const char *want)
{
	char t[PATHMAX], base[PATHMAX / 2];

	snprintf(base, sizeof(base), "%s-tampered.xml", name);
	path(t, base);
	tamper(t, s, needle, off, c);
	assert_refused(t, want);
}

/* Signs a report as name and changes the at-th character of the value after
 * the first tag (to 'A', or 'B' if it is 'A'); asserts the copy refused. */
static void refuses_changed_value(const char *name, const char *tag, size_t at,
				  const char *want)
{
	char s[PATHMAX], needle[64];
	size_t off = strlen(tag) + at;
	char *text, *value;

	signed_report(s, name);
	text = harness_slurp(s, NULL);
	value = strstr(text, tag);
	ck_assert_msg(value != NULL, "'%s' not in %s", tag, s);
	snprintf(needle, sizeof(needle), "%s%.*s", tag, (int)(at + 1), value + strlen(tag));
	free(text);
	refuses_change(s, name, needle, off, needle[off] == 'A' ? 'B' : 'A', want);
}

START_TEST(test_verify__refuses_changed_content)
{
	char s[PATHMAX];

	signed_report(s, "content");
	refuses_change(s, "content", "1250.00", 0, '9', "the signed content was changed");
	refuses_change(s, "content", "Germany", 0, 'H', "the signed content was changed");
}
END_TEST

START_TEST(test_verify__refuses_changed_attribute)
{
	char s[PATHMAX];

	signed_report(s, "attr");
	refuses_change(s, "attr", "currency=\"USD\"", 10, 'E', "the signed content was changed");
}
END_TEST

START_TEST(test_verify__refuses_changed_signature_value)
{
	/* the 10th character of the base64 value, whatever it is */
	refuses_changed_value("sigval", "<SignatureValue>", 9,
			      "the signature value does not verify");
}
END_TEST

START_TEST(test_verify__refuses_changed_digest_value)
{
	refuses_changed_value("digest", "<DigestValue>", 1, NULL);
}
END_TEST

START_TEST(test_verify__refuses_other_cert)
{
	struct reports_verify_result res;
	char s[PATHMAX];

	signed_report(s, "othercert");
	ck_assert_int_eq(reports_verify_file(&res, s, cert2), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "the certificate in KeyInfo is not"));
	ck_assert(!res.trusted);
	ck_assert_str_eq(res.subject, "");
}
END_TEST

START_TEST(test_verify__refuses_report_signed_by_other_key)
{
	struct reports_verify_result res;
	char in[PATHMAX], s[PATHMAX];

	path(in, "byother.xml");
	path(s, "byother-signed.xml");
	harness_spit_text(in, report_xml);
	ck_assert_int_eq(reports_sign_file(in, s, key2, cert2), 0);
	ck_assert_int_eq(reports_verify_file(&res, s, cert), ERR_INVALID);
	/* without a trusted cert it verifies, and names the other signer */
	ck_assert_int_eq(reports_verify_file(&res, s, NULL), 0);
	ck_assert(!res.trusted);
	ck_assert_ptr_nonnull(strstr(res.subject, "CN=Someone Else"));
}
END_TEST

/*
 * Letters and digits all through the signed file, each changed to the next
 * one of its kind (so base64 stays base64), must make verification fail:
 * content, names, attributes, algorithms, digest, signature and certificate
 * alike. Every SWEEP_STRIDE-th one is tried (about 400 of some 2,500), so
 * that the test stays well inside its timeout under the sanitizers on a
 * busy machine; the stride is odd so that it falls on every region.
 */
#define SWEEP_STRIDE 7
START_TEST(test_verify__refuses_every_changed_letter_or_digit)
{
	struct reports_verify_result res;
	char s[PATHMAX], t[PATHMAX];
	size_t len, tried = 0;
	char *orig;

	signed_report(s, "sweep");
	path(t, "sweep-tampered.xml");
	orig = harness_slurp(s, &len);
	for (size_t i = 0, seen = 0; i < len; i++) {
		char c = orig[i];
		char *buf;

		if (!isalnum((unsigned char)c) || seen++ % SWEEP_STRIDE != 0)
			continue;
		buf = malloc(len);
		ck_assert_ptr_nonnull(buf);
		memcpy(buf, orig, len);
		buf[i] = isdigit((unsigned char)c) ? (char)('0' + (c - '0' + 1) % 10)
			 : islower((unsigned char)c) ? (char)('a' + (c - 'a' + 1) % 26)
						     : (char)('A' + (c - 'A' + 1) % 26);
		harness_spit(t, buf, len);
		free(buf);
		ck_assert_msg(reports_verify_file(&res, t, cert) < 0,
			      "with cert: accepted a change at byte %zu: ...%.30s...", i,
			      orig + (i > 15 ? i - 15 : 0));
		ck_assert_msg(reports_verify_file(&res, t, NULL) < 0,
			      "without cert: accepted a change at byte %zu: ...%.30s...", i,
			      orig + (i > 15 ? i - 15 : 0));
		tried++;
	}
	ck_assert_uint_gt(tried, 300);
	free(orig);
}
END_TEST

START_TEST(test_verify__refuses_doctype_and_unsigned)
{
	struct reports_verify_result res;
	char p[PATHMAX], s[PATHMAX], t[PATHMAX];
	size_t len;
	char *text, *buf;

	/* a signed report with a DOCTYPE put in front of the root */
	signed_report(s, "doctype");
	text = harness_slurp(s, &len);
	buf = malloc(len + 64);
	ck_assert_ptr_nonnull(buf);
	len = (size_t)snprintf(buf, len + 64, "<!DOCTYPE statement [<!ENTITY x \"y\">]>\n%s",
			       strstr(text, "<statement"));
	path(t, "doctype-tampered.xml");
	harness_spit(t, buf, len);
	free(buf);
	free(text);
	assert_refused(t, "DOCTYPE");

	path(p, "unsigned.xml");
	harness_spit_text(p, report_xml);
	ck_assert_int_eq(reports_verify_file(&res, p, NULL), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "not signed"));

	path(p, "no-such-file.xml");
	ck_assert_int_eq(reports_verify_file(&res, p, NULL), ERR_SYSTEM);
	ck_assert_int_eq(reports_verify_file(&res, s, "/nonexistent/cert.pem"), ERR_SYSTEM);
}
END_TEST

/* --- the stock xmlsec1 ---------------------------------------------------- */

START_TEST(test_xmlsec1__accepts_ours_and_refuses_tampered)
{
	char s[PATHMAX], t[PATHMAX];

	signed_report(s, "stock");
	ck_assert_int_eq(run_xmlsec1("--pubkey-cert-pem", cert, s), 0);
	ck_assert_int_eq(run_xmlsec1("--trusted-pem", cert, s), 0);
	ck_assert_int_ne(run_xmlsec1("--pubkey-cert-pem", cert2, s), 0);
	ck_assert_int_ne(run_xmlsec1("--trusted-pem", cert2, s), 0);

	path(t, "stock-tampered.xml");
	tamper(t, s, "1250.00", 1, '3');
	ck_assert_int_ne(run_xmlsec1("--pubkey-cert-pem", cert, t), 0);
	ck_assert_int_ne(run_xmlsec1("--trusted-pem", cert, t), 0);
	tamper(t, s, "code=\"DE\"", 6, 'F');
	ck_assert_int_ne(run_xmlsec1("--pubkey-cert-pem", cert, t), 0);
	ck_assert_int_ne(run_xmlsec1("--trusted-pem", cert, t), 0);
}
END_TEST

/* --- detached signatures ----------------------------------------------- */

START_TEST(test_detached__signs_verifies_and_detects_tampering)
{
	struct reports_verify_result res;
	char in[PATHMAX], out[PATHMAX], sig[PATHMAX], t[PATHMAX], tsig[PATHMAX];
	char *text;
	bool detached = false;

	path(in, "big.xml");
	path(out, "big-signed.xml");
	path(sig, "big-signed.xml.sig");
	harness_spit_text(in, report_xml);
	ck_assert_msg(reports_sign_file_ex(&detached, in, out, key, cert, 64) == 0, "%s",
		      err_last());
	ck_assert(detached);
	/* the report is unchanged; the signature names it by file name */
	text = harness_slurp(out, NULL);
	ck_assert_str_eq(text, report_xml);
	free(text);
	text = harness_slurp(sig, NULL);
	ck_assert_ptr_nonnull(strstr(text, "<Reference URI=\"big-signed.xml\">\n<DigestMethod"));
	ck_assert_ptr_nonnull(strstr(text, "<Reference URI=\"#tfledger-keyinfo\">"));
	free(text);

	ck_assert_msg(reports_verify_file(&res, out, cert) == 0, "%s", err_last());
	ck_assert(res.detached);
	ck_assert(res.trusted);
	ck_assert_msg(reports_verify_file(&res, out, NULL) == 0, "%s", err_last());
	ck_assert(res.detached);
	ck_assert(!res.trusted);
	ck_assert_int_eq(reports_verify_file(&res, out, cert2), ERR_INVALID);

	/* one changed byte in the report: refused, by us and by xmlsec1 */
	path(t, "big-tampered.xml");
	path(tsig, "big-tampered.xml.sig");
	tamper(t, out, "Germany", 2, 'x');
	ck_assert_int_eq(rename(t, out), 0);
	assert_refused(out, "the signed content was changed");

	/* a signature moved beside another file name: refused */
	harness_spit_text(t, report_xml);
	text = harness_slurp(sig, NULL);
	harness_spit_text(tsig, text);
	free(text);
	assert_refused(t, "signs 'big-signed.xml', not 'big-tampered.xml'");
}
END_TEST

START_TEST(test_detached__stock_xmlsec1_checks_it)
{
	char in[PATHMAX], out[PATHMAX], sig[PATHMAX], map[PATHMAX + 16];
	char *o = NULL, *e = NULL;
	bool detached = false;

	path(in, "stockbig.xml");
	path(out, "stockbig-signed.xml");
	path(sig, "stockbig-signed.xml.sig");
	harness_spit_text(in, report_xml);
	ck_assert_int_eq(reports_sign_file_ex(&detached, in, out, key, cert, 64), 0);
	ck_assert(detached);
	/* xmlsec1 resolves the Reference URI from its working directory, or
	 * through --url-map:URI FILE, which is what we document */
	snprintf(map, sizeof(map), "--url-map:stockbig-signed.xml");
	{
		const char *argv[] = {XMLSEC1, "--verify", "--pubkey-cert-pem", cert,
				      map, out, sig, NULL};

		ck_assert_msg(harness_run(&o, &e, NULL, argv) == 0, "xmlsec1: %s", e);
		free(o);
		free(e);
	}
	tamper(out, in, "Germany", 0, 'H');
	{
		const char *argv[] = {XMLSEC1, "--verify", "--pubkey-cert-pem", cert,
				      map, out, sig, NULL};

		ck_assert_int_ne(harness_run(&o, &e, NULL, argv), 0);
		free(o);
		free(e);
	}
}
END_TEST

START_TEST(test_detached__refuses_unsafe_file_name)
{
	char in[PATHMAX], out[PATHMAX];

	path(in, "plain.xml");
	path(out, "with space.xml");
	harness_spit_text(in, report_xml);
	ck_assert_int_eq(reports_sign_file_ex(NULL, in, out, key, cert, 64), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "A-Z a-z 0-9 . _ -"));
}
END_TEST

/* --- keys ----------------------------------------------------------------- */

START_TEST(test_keys__mode_0600_usable_and_never_overwritten)
{
	struct stat st;

	/* the fixture's keys: sign and verify worked with them above; here the files */
	ck_assert_int_eq(stat(key, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(stat(cert, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(reports_keys_generate(key, cert, NULL), ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err_last(), "already exists"));
}
END_TEST

START_TEST(test_keys__refuses_bad_subject)
{
	char k[PATHMAX], c[PATHMAX];

	path(k, "bad.key.pem");
	path(c, "bad.cert.pem");
	ck_assert_int_eq(reports_keys_generate(k, c, "just a name"), ERR_INVALID);
	ck_assert_int_eq(reports_keys_generate(k, c, "XYZZY=1"), ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(err_last(), "unknown attribute 'XYZZY'"));
	ck_assert_int_eq(reports_keys_generate(k, c, ""), ERR_INVALID);
	ck_assert_int_ne(access(k, F_OK), 0);
	ck_assert_int_ne(access(c, F_OK), 0);
}
END_TEST

/* --- writer and common.xsd ------------------------------------------------- */

static const char head_hash[] =
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

static void write_header_only(const char *p, const struct reports_header *h)
{
	xmlTextWriterPtr w = NULL;

	ck_assert_int_eq(reports_writer_open(&w, p), 0);
	ck_assert_msg(reports_writer_begin(w, "header-only", h) == 0, "%s", err_last());
	ck_assert_int_eq(reports_writer_end(w), 0);
	reports_writer_free(w);
}

static void assert_valid(const char *p)
{
	xmlDocPtr doc = NULL;
	int rc;

	ck_assert_int_eq(xml_read_file(&doc, p), 0);
	rc = xml_validate(doc, SRCDATADIR "/tests/data/reports/header-only.xsd", p);
	xmlFreeDoc(doc);
	ck_assert_msg(rc == 0, "%s", err_last());
}

START_TEST(test_writer__header_only_report_is_valid_and_signable)
{
	struct reports_header h = {"IGF Trust Fund", "2024-01-01", "2024-12-31",
				   "2025-01-15T09:30:00Z", 1234, head_hash};
	struct reports_verify_result res;
	char p[PATHMAX], q[PATHMAX], s[PATHMAX];
	char *a, *b;

	path(p, "header.xml");
	path(q, "header2.xml");
	path(s, "header-signed.xml");
	write_header_only(p, &h);
	assert_valid(p);
	a = harness_slurp(p, NULL);
	ck_assert_ptr_nonnull(strstr(a, "<header-only xmlns=\"urn:tfledger:report:1\">"));
	ck_assert_ptr_nonnull(strstr(a, "<generated-at>2025-01-15T09:30:00Z</generated-at>"));
	ck_assert_ptr_nonnull(strstr(a, "<sequence>1234</sequence>"));
	ck_assert_ptr_nonnull(strstr(a, "<program-version>" PACKAGE_VERSION "</program-version>"));
	/* same header, same bytes */
	write_header_only(q, &h);
	b = harness_slurp(q, NULL);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	/* signed, it stays valid (the schema allows the trailing ds:Signature) */
	ck_assert_int_eq(reports_sign_file(p, s, key, cert), 0);
	assert_valid(s);
	ck_assert_int_eq(reports_verify_file(&res, s, cert), 0);
	/* generated-at defaults to now, still valid */
	h.generated_at = NULL;
	write_header_only(q, &h);
	assert_valid(q);
}
END_TEST

START_TEST(test_writer__refuses_bad_header_fields)
{
	static const struct {
		struct reports_header h;
		const char *want;
	} rows[] = {
		{{"", "2024-01-01", "2024-12-31", NULL, 0, head_hash}, "fund is empty"},
		{{"F", "2024-02-30", "2024-12-31", NULL, 0, head_hash}, "period from"},
		{{"F", "2024-1-01", "2024-12-31", NULL, 0, head_hash}, "period from"},
		{{"F", "2024-01-01", "2024-13-01", NULL, 0, head_hash}, "period to"},
		{{"F", "2024-01-01", " 024-12-31", NULL, 0, head_hash}, "period to"},
		{{"F", "2024-12-31", "2024-01-01", NULL, 0, head_hash}, "is after"},
		{{"F", "2024-01-01", "2024-12-31", "2025-01-15 09:30:00Z", 0, head_hash}, "generated-at"},
		{{"F", "2024-01-01", "2024-12-31", "2025-01-15T09:30:00+01:00", 0, head_hash}, "generated-at"},
		{{"F", "2024-01-01", "2024-12-31", "2025-01-15T24:30:00Z", 0, head_hash}, "generated-at"},
		{{"F", "2024-01-01", "2024-12-31", NULL, -1, head_hash}, "negative"},
		{{"F", "2024-01-01", "2024-12-31", NULL, 0, "abc"}, "64 lower-case hex"},
		{{"F", "2024-01-01", "2024-12-31", NULL, 0,
		  "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"}, "hex"},
	};
	char p[PATHMAX];

	path(p, "bad-header.xml");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		xmlTextWriterPtr w = NULL;
		int rc;

		ck_assert_int_eq(reports_writer_open(&w, p), 0);
		rc = reports_writer_begin(w, "header-only", &rows[i].h);
		reports_writer_free(w);
		ck_assert_msg(rc == ERR_INVALID, "row %zu: rc %d", i, rc);
		ck_assert_msg(strstr(err_last(), rows[i].want), "row %zu: '%s' lacks '%s'", i,
			      err_last(), rows[i].want);
	}
	/* a leap day is a day */
	ck_assert_int_eq(reports_check_date("2024-02-29", "d"), 0);
	ck_assert_int_eq(reports_check_date("2023-02-29", "d"), ERR_INVALID);
}
END_TEST

START_TEST(test_writer__money_and_dates_are_exact_strings)
{
	xmlTextWriterPtr w = NULL;
	char p[PATHMAX];
	char *text;

	path(p, "money.xml");
	ck_assert_int_eq(reports_writer_open(&w, p), 0);
	ck_assert_int_eq(xmlTextWriterStartElement(w, BAD_CAST "m") >= 0, 1);
	ck_assert_int_eq(reports_write_money(w, "a", 125000, "USD"), 0);
	ck_assert_int_eq(reports_write_money(w, "b", -1250, "JPY"), 0);
	ck_assert_int_eq(reports_write_money(w, "c", 1, "KWD"), 0);
	ck_assert_int_eq(reports_write_money(w, "d", INT64_MAX, "USD"), 0);
	ck_assert_int_eq(reports_write_money(w, "e", 1, "XXX"), ERR_INVALID);
	ck_assert_int_eq(reports_write_date(w, "f", "2024-02-29"), 0);
	ck_assert_int_eq(reports_write_date(w, "g", "2024-02-30"), ERR_INVALID);
	ck_assert_int_eq(reports_writer_end(w), 0);
	reports_writer_free(w);
	text = harness_slurp(p, NULL);
	{
		static const char *const want[] = {
			"<a currency=\"USD\">1250.00</a>",
			"<b currency=\"JPY\">-1250</b>",
			"<c currency=\"KWD\">0.001</c>",
			"<d currency=\"USD\">92233720368547758.07</d>",
			"<f>2024-02-29</f>",
		};

		EXPECT_ALL(text, want);
	}
	ck_assert_ptr_null(strstr(text, "<e"));
	free(text);
}
END_TEST

/* Writes <r><e a="S" b="S">S</e>...</r> for every S, with the writer's calls
 * (raw 0) or with reports_raw inside <r> (raw 1), into path. */
static void write_both(const char *path, const char *const *strings, size_t n, int raw)
{
	xmlTextWriterPtr w = NULL;
	struct reports_raw *b = NULL;

	ck_assert_int_eq(reports_writer_open(&w, path), 0);
	ck_assert_int_eq(xmlTextWriterStartElement(w, BAD_CAST "r") >= 0, 1);
	ck_assert_int_eq(xmlTextWriterStartElement(w, BAD_CAST "list") >= 0, 1);
	if (raw)
		ck_assert_int_eq(reports_raw_new(&b, w), 0);
	for (size_t i = 0; i < n; i++) {
		const char *s = strings[i];

		if (!raw) {
			ck_assert_int_eq(xmlTextWriterStartElement(w, BAD_CAST "e") >= 0, 1);
			ck_assert_int_eq(xmlTextWriterWriteAttribute(w, BAD_CAST "a", BAD_CAST s) >= 0, 1);
			ck_assert_int_eq(xmlTextWriterWriteElement(w, BAD_CAST "t", BAD_CAST s) >= 0, 1);
			ck_assert_int_eq(xmlTextWriterStartElement(w, BAD_CAST "f") >= 0, 1);
			ck_assert_int_eq(xmlTextWriterWriteAttribute(w, BAD_CAST "b", BAD_CAST s) >= 0, 1);
			ck_assert_int_eq(xmlTextWriterEndElement(w) >= 0, 1);
			ck_assert_int_eq(xmlTextWriterEndElement(w) >= 0, 1);
			continue;
		}
		if (i == 0)
			ck_assert_int_eq(reports_raw_put(b, "\n", 1), 0);
		ck_assert_int_eq(reports_raw_put(b, "    <e", 6), 0);
		ck_assert_int_eq(reports_raw_attr(b, "a", s, strlen(s)), 0);
		ck_assert_int_eq(reports_raw_put(b, ">\n      <t>", 11), 0);
		ck_assert_int_eq(reports_raw_text(b, s, strlen(s)), 0);
		ck_assert_int_eq(reports_raw_put(b, "</t>\n      <f", 13), 0);
		ck_assert_int_eq(reports_raw_attr(b, "b", s, strlen(s)), 0);
		ck_assert_int_eq(reports_raw_put(b, "/>\n    </e>\n", 12), 0);
	}
	if (raw) {
		ck_assert_int_eq(reports_raw_put(b, "  ", 2), 0);
		ck_assert_int_eq(reports_raw_flush(b), 0);
		reports_raw_free(b);
	}
	ck_assert_int_eq(xmlTextWriterEndElement(w) >= 0, 1);
	ck_assert_int_eq(reports_writer_end(w), 0);
	reports_writer_free(w);
}

/* Text the ledger no longer accepts (stored before the rule, a DEL, an
 * ESC, U+FFFE): the raw fragments and the writer both show it escaped
 * (common/text.h), so the file stays well-formed XML. */
START_TEST(test_writer__shows_refused_text_escaped)
{
	const char *s = "\x7f del \x1b[2J \xef\xbf\xbe <";
	const char *want = "\\u007F del \\u001B[2J \\uFFFE &lt;";
	char p1[PATHMAX], p2[PATHMAX];
	xmlTextWriterPtr w = NULL;
	struct reports_raw *b = NULL;
	char *t;
	size_t n;

	path(p1, "writer-shown-raw.xml");
	ck_assert_int_eq(reports_writer_open(&w, p1), 0);
	ck_assert_int_eq(xmlTextWriterStartElement(w, BAD_CAST "r") >= 0, 1);
	ck_assert_int_eq(reports_raw_new(&b, w), 0);
	ck_assert_int_eq(reports_raw_text(b, s, strlen(s)), 0);
	ck_assert_int_eq(reports_raw_attr(b, "a", s, strlen(s)), 0);
	ck_assert_int_eq(reports_raw_flush(b), 0);
	reports_raw_free(b);
	ck_assert_int_eq(reports_writer_end(w), 0);
	reports_writer_free(w);
	t = harness_slurp(p1, &n);
	ck_assert_msg(strstr(t, want), "%s", t);
	ck_assert_ptr_null(strchr(t, 0x1b));
	free(t);

	path(p2, "writer-shown-calls.xml");
	ck_assert_int_eq(reports_writer_open(&w, p2), 0);
	ck_assert_int_eq(xmlTextWriterStartElement(w, BAD_CAST "r") >= 0, 1);
	ck_assert_int_eq(reports_write_text(w, "t", s), 0);
	ck_assert_int_eq(reports_writer_end(w), 0);
	reports_writer_free(w);
	t = harness_slurp(p2, &n);
	ck_assert_msg(strstr(t, want), "%s", t);
	free(t);
}
END_TEST

START_TEST(test_writer__raw_fragments_are_the_writers_bytes)
{
	static char big[3 * REPORTS_RAW_BYTES];
	const char *strings[] = {
		"", "plain", "& < > \" ' ]]>", "cr\r lf\n tab\t", "\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x98\x80 emoji", "\xc2\xa0 nbsp", "B001", "1234.56", big,
	};
	char p1[PATHMAX], p2[PATHMAX];
	char *t1, *t2;
	size_t n1, n2;
	char digits[24];

	/* long enough to cross the buffer several times, every escape in it */
	for (size_t i = 0; i + 1 < sizeof(big); i++)
		big[i] = "a&<>\"\r\n\t\xc3\xa9z"[i % 11];
	path(p1, "writer-calls.xml");
	path(p2, "writer-raw.xml");
	write_both(p1, strings, sizeof(strings) / sizeof(strings[0]), 0);
	write_both(p2, strings, sizeof(strings) / sizeof(strings[0]), 1);
	t1 = harness_slurp(p1, &n1);
	t2 = harness_slurp(p2, &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(t1, t2, n1), 0);
	free(t1);
	free(t2);
	ck_assert_int_eq(reports_format_int(digits, INT64_MIN + 1), 20);
	ck_assert_int_eq(memcmp(digits, "-9223372036854775807", 20), 0);
	ck_assert_int_eq(reports_format_int(digits, 0), 1);
	ck_assert_int_eq(digits[0], '0');
}
END_TEST

/* --- the command line ------------------------------------------------------ */

static int run_cli(char **err, const char *const *args)
{
	const char *argv[16] = {harness_bin_tfledger(), "report"};
	size_t n = 2;
	char *out = NULL;
	int rc;

	for (; *args; args++) {
		ck_assert(n < 15);
		argv[n++] = *args;
	}
	argv[n] = NULL;
	rc = harness_run(&out, err, NULL, argv);
	free(out);
	return rc;
}

START_TEST(test_cli__report_verify_sign_keygen_exit_codes)
{
	char d[PATHMAX], k[PATHMAX + 16], c[PATHMAX + 16], in[PATHMAX + 16], s[PATHMAX + 16];
	char t[PATHMAX + 16];
	char *err = NULL;
	struct stat st;

	harness_tmpdir(d, sizeof(d));
	snprintf(k, sizeof(k), "%s/k.pem", d);
	snprintf(c, sizeof(c), "%s/c.pem", d);
	snprintf(in, sizeof(in), "%s/r.xml", d);
	snprintf(s, sizeof(s), "%s/r-signed.xml", d);
	snprintf(t, sizeof(t), "%s/r-tampered.xml", d);
	harness_spit_text(in, report_xml);

	ck_assert_int_eq(run_cli(NULL, (const char *[]){"keygen", "--key", k, "--cert", c,
							 "--subject", "CN=CLI Test", NULL}), 0);
	ck_assert_int_eq(stat(k, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"keygen", "--key", k, "--cert", c,
							 NULL}), 1);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"sign", in, "--key", k, "--cert", c,
							 "--output", s, NULL}), 0);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"verify", s, "--cert", c, NULL}), 0);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"verify", s, NULL}), 0);

	tamper(t, s, "1250.00", 3, '1');
	ck_assert_int_eq(run_cli(&err, (const char *[]){"verify", t, "--cert", c, NULL}), 1);
	ck_assert_ptr_nonnull(strstr(err, "INVALID"));
	ck_assert_ptr_nonnull(strstr(err, "the signed content was changed"));
	free(err);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"verify", in, NULL}), 1);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"verify", s, "--cert", cert2, NULL}), 1);

	/* could not check: missing file, unreadable certificate */
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"verify", "/nonexistent.xml", NULL}), 2);
	ck_assert_int_eq(run_cli(&err, (const char *[]){"verify", s, "--cert", in, NULL}), 2);
	ck_assert_ptr_nonnull(strstr(err, "not a PEM X.509 certificate"));
	free(err);

	/* usage */
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"verify", NULL}), 1);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"sign", in, NULL}), 1);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"no-such-kind", NULL}), 1);
	ck_assert_int_eq(run_cli(NULL, (const char *[]){"--help", NULL}), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("reports");
	TCase *sign = tcase_create("sign");
	TCase *tools = tcase_create("tools");

	tcase_add_unchecked_fixture(sign, make_keys, NULL);
	tcase_set_timeout(sign, 300);
	tcase_add_test(sign, test_sign__round_trip_with_and_without_cert);
	tcase_add_test(sign, test_sign__in_place_and_refuses_signing_twice);
	tcase_add_test(sign, test_sign__refuses_key_not_matching_cert);
	tcase_add_test(sign, test_verify__refuses_changed_content);
	tcase_add_test(sign, test_verify__refuses_changed_attribute);
	tcase_add_test(sign, test_verify__refuses_changed_signature_value);
	tcase_add_test(sign, test_verify__refuses_changed_digest_value);
	tcase_add_test(sign, test_verify__refuses_other_cert);
	tcase_add_test(sign, test_verify__refuses_report_signed_by_other_key);
	tcase_add_test(sign, test_verify__refuses_every_changed_letter_or_digit);
	tcase_add_test(sign, test_verify__refuses_doctype_and_unsigned);
	tcase_add_test(sign, test_xmlsec1__accepts_ours_and_refuses_tampered);
	tcase_add_test(sign, test_detached__signs_verifies_and_detects_tampering);
	tcase_add_test(sign, test_detached__stock_xmlsec1_checks_it);
	tcase_add_test(sign, test_detached__refuses_unsafe_file_name);
	tcase_add_test(sign, test_keys__mode_0600_usable_and_never_overwritten);
	tcase_add_test(sign, test_keys__refuses_bad_subject);
	tcase_add_test(sign, test_writer__header_only_report_is_valid_and_signable);
	tcase_add_test(sign, test_cli__report_verify_sign_keygen_exit_codes);
	suite_add_tcase(s, sign);

	tcase_add_test(tools, test_writer__refuses_bad_header_fields);
	tcase_add_test(tools, test_writer__money_and_dates_are_exact_strings);
	tcase_add_test(tools, test_writer__shows_refused_text_escaped);
	tcase_add_test(tools, test_writer__raw_fragments_are_the_writers_bytes);
	suite_add_tcase(s, tools);
	return s;
}

int main(void)
{
	return harness_main(suite(), false);
}
