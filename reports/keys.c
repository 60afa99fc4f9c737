/*
 * keys.c - the demo signing identity (see keys.h), with OpenSSL 3's EVP
 * interface only (no deprecated RSA_* calls).
 *
 * Files are created with O_EXCL so that an existing key is never replaced,
 * and removed again if anything after their creation fails.
 */
#include "reports/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/limits.h"

/* Fills name from "K=V,K=V" (added in the order given). */
static int parse_subject(X509_NAME *name, const char *subject)
{
	char buf[LIMIT_REPORT_SUBJECT_BYTES];
	char *save = NULL;
	int n = 0;

	if (strlen(subject) >= sizeof(buf))
		return err_set(ERR_INVALID, "subject longer than %d bytes",
			       LIMIT_REPORT_SUBJECT_BYTES - 1);
	strcpy(buf, subject);
	for (char *part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(part, '=');
		char *key = part;

		while (*key == ' ')
			key++;
		if (!eq || eq == key || !eq[1])
			return err_set(ERR_INVALID, "subject '%s': expected KEY=VALUE pairs "
					      "separated by ',' (e.g. \"CN=Name,O=Org\")", subject);
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, key, MBSTRING_UTF8,
						(const unsigned char *)(eq + 1), -1, -1, 0))
			return err_set(ERR_INVALID, "subject '%s': unknown attribute '%s' "
					      "(use CN, O, OU, C, L, ST, ...)", subject, key);
		n++;
	}
	if (n == 0)
		return err_set(ERR_INVALID, "subject is empty");
	return 0;
}

static int check_subject(const char *subject)
{
	X509_NAME *name = X509_NAME_new();
	int rc;

	if (!name)
		return err_set(ERR_INTERNAL, "out of memory");
	rc = parse_subject(name, subject);
	X509_NAME_free(name);
	return rc;
}

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return err_set(ERR_INTERNAL, "cannot make X.509 extension %s", value);
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : err_set(ERR_INTERNAL, "cannot add X.509 extension %s", value);
}

static int make_cert(X509 **out, EVP_PKEY *key, const char *subject)
{
	X509 *cert = NULL;
	BIGNUM *serial = NULL;
	int rc = 0;

	*out = NULL;
	cert = X509_new();
	serial = BN_new();
	if (!cert || !serial) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	rc = parse_subject(X509_get_subject_name(cert), subject);
	if (rc < 0)
		goto cleanup;
	/* A random positive 159-bit serial, as RFC 5280 recommends for CAs. */
	if (!X509_set_version(cert, X509_VERSION_3) ||
	    !BN_rand(serial, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(cert)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), REPORTS_KEYS_DEMO_DAYS, 0, NULL) ||
	    !X509_set_pubkey(cert, key)) {
		rc = err_set(ERR_INTERNAL, "cannot fill the certificate");
		goto cleanup;
	}
	if ((rc = add_ext(cert, NID_basic_constraints, "critical,CA:FALSE")) < 0 ||
	    (rc = add_ext(cert, NID_key_usage, "critical,digitalSignature,nonRepudiation")) < 0 ||
	    (rc = add_ext(cert, NID_subject_key_identifier, "hash")) < 0)
		goto cleanup;
	if (X509_sign(cert, key, EVP_sha256()) <= 0) {
		rc = err_set(ERR_INTERNAL, "cannot self-sign the certificate");
		goto cleanup;
	}
	*out = cert;
	cert = NULL;
cleanup:
	BN_free(serial);
	X509_free(cert);
	return rc;
}

/* Creates path exclusively with mode and opens it for writing. */
static int create_file(FILE **out, const char *path, mode_t mode)
{
	int fd;

	*out = NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EEXIST ? err_set(ERR_CONFLICT, "%s: already exists; "
						 "remove it first or choose another name", path)
				       : err_sys(ERR_SYSTEM, "%s", path);
	if (fchmod(fd, mode) < 0 || !(*out = fdopen(fd, "w"))) {
		int rc = err_sys(ERR_SYSTEM, "%s", path);

		close(fd);
		unlink(path);
		return rc;
	}
	return 0;
}

/* Closes f, reporting a failed write or close as an error on path. */
static int close_file(FILE *f, const char *path, int ok)
{
	int closed = fclose(f) == 0;

	if (!ok)
		return err_set(ERR_INTERNAL, "%s: cannot write PEM", path);
	return closed ? 0 : err_sys(ERR_SYSTEM, "%s: close", path);
}

int reports_keys_generate(const char *key_path, const char *cert_path,
			  const char *subject)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	FILE *f = NULL;
	int key_made = 0, cert_made = 0;
	int rc;

	rc = check_subject(subject ? subject : REPORTS_KEYS_DEMO_SUBJECT);
	if (rc < 0) /* before the slow key generation */
		goto cleanup;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	if (!key) {
		rc = err_set(ERR_INTERNAL, "RSA 3072 key generation failed");
		goto cleanup;
	}
	rc = make_cert(&cert, key, subject ? subject : REPORTS_KEYS_DEMO_SUBJECT);
	if (rc < 0)
		goto cleanup;

	rc = create_file(&f, key_path, 0600);
	if (rc < 0)
		goto cleanup;
	key_made = 1;
	rc = close_file(f, key_path, PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL));
	if (rc < 0)
		goto cleanup;

	rc = create_file(&f, cert_path, 0644);
	if (rc < 0)
		goto cleanup;
	cert_made = 1;
	rc = close_file(f, cert_path, PEM_write_X509(f, cert));
cleanup:
	if (rc < 0 && key_made)
		unlink(key_path);
	if (rc < 0 && cert_made)
		unlink(cert_path);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}
