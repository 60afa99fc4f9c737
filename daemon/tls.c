/*
 * tls.c - the certificate tfledgerd serves with (tls.h), handed to GnuTLS
 * through libmicrohttpd's certificate callback at every handshake.
 *
 * A pair (chain and key) is checked whole before it is put in force: each
 * file is PEM of its kind, the key file is not readable by others, the key
 * matches the first certificate. The pair in force is one pointer under a
 * lock. GnuTLS keeps the certificates a handshake was given for the life
 * of that connection without copying them, so a pair replaced by a reload
 * is kept (reloads are rare and a pair is a few KB) and freed only at
 * exit, after the server has stopped.
 */
#include "daemon/tls.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"
#include "common/file.h"

struct pair {
	gnutls_pcert_st chain[DAEMON_TLS_CHAIN_MAX];
	unsigned n;
	gnutls_privkey_t key;
	struct pair *older; /* the pairs replaced, kept until exit */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct pair *current;

/* path's bytes (at most DAEMON_TLS_FILE_BYTES) into a new buffer *out and
 * *len; secret: refused when its group or others may read it. */
static int read_pem(char **out, size_t *len, const char *path, bool secret)
{
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = -1, rc = 0;

	*out = NULL;
	*len = 0;
	rc = file_open_checked(&fd, path, secret ? "a private key" : NULL);
	if (rc < 0)
		return rc;
	buf = malloc(DAEMON_TLS_FILE_BYTES + 1);
	if (!buf) {
		rc = err_oom();
		goto cleanup;
	}
	for (;;) {
		n = read(fd, buf + got, DAEMON_TLS_FILE_BYTES + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_sys(ERR_SYSTEM, "%s: cannot read", path);
			goto cleanup;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > DAEMON_TLS_FILE_BYTES) {
			rc = err_set(ERR_INVALID, "%s: larger than %d bytes: not a PEM file", path,
				     DAEMON_TLS_FILE_BYTES);
			goto cleanup;
		}
	}
	*out = buf;
	*len = got;
	buf = NULL;
cleanup:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

static void pair_free(struct pair *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n; i++)
		gnutls_pcert_deinit(&p->chain[i]);
	gnutls_privkey_deinit(p->key);
	free(p);
}

/* Whether key is the private half of cert's public key. */
static bool key_matches(gnutls_privkey_t key, gnutls_pubkey_t cert)
{
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);
	gnutls_pubkey_t pub = NULL;
	bool same = false;

	if (gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
	    gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a, &alen) == 0 &&
	    gnutls_pubkey_get_key_id(cert, GNUTLS_KEYID_USE_SHA256, b, &blen) == 0)
		same = alen == blen && memcmp(a, b, alen) == 0;
	gnutls_pubkey_deinit(pub);
	return same;
}

int daemon_tls_load(char *out, size_t out_size, const char *cert, const char *key)
{
	char *ctext = NULL, *ktext = NULL;
	size_t clen = 0, klen = 0, flen;
	unsigned char fpr[32];
	struct pair *p = NULL;
	gnutls_datum_t d;
	int rc, g;

	if (out_size)
		out[0] = '\0';
	if (!cert || !key)
		return err_set(ERR_INVALID, "TLS needs both --tls-cert and --tls-key");
	rc = read_pem(&ctext, &clen, cert, false);
	if (rc == 0)
		rc = read_pem(&ktext, &klen, key, true);
	if (rc < 0)
		goto cleanup;
	p = calloc(1, sizeof(*p));
	if (!p) {
		rc = err_oom();
		goto cleanup;
	}
	p->n = DAEMON_TLS_CHAIN_MAX;
	d.data = (unsigned char *)ctext;
	d.size = (unsigned)clen;
	g = gnutls_pcert_list_import_x509_raw(p->chain, &p->n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (g < 0 || p->n == 0) {
		p->n = 0; /* nothing to deinit: GnuTLS frees what it made on failure */
		rc = err_set(ERR_INVALID, "%s: not a PEM certificate chain of at most %d "
				      "certificates: %s", cert, DAEMON_TLS_CHAIN_MAX,
			     g < 0 ? gnutls_strerror(g) : "no certificate");
		goto cleanup;
	}
	d.data = (unsigned char *)ktext;
	d.size = (unsigned)klen;
	g = gnutls_privkey_init(&p->key);
	if (g == 0)
		g = gnutls_privkey_import_x509_raw(p->key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g < 0) {
		rc = err_set(ERR_INVALID, "%s: not an unencrypted PEM private key: %s", key,
			     gnutls_strerror(g));
		goto cleanup;
	}
	if (!key_matches(p->key, p->chain[0].pubkey)) {
		rc = err_set(ERR_INVALID, "%s: the private key does not match the certificate "
				      "in %s", key, cert);
		goto cleanup;
	}
	flen = sizeof(fpr);
	g = gnutls_fingerprint(GNUTLS_DIG_SHA256, &p->chain[0].cert, fpr, &flen);
	if (g < 0) {
		rc = err_set(ERR_INVALID, "%s: %s", cert, gnutls_strerror(g));
		goto cleanup;
	}
	for (size_t i = 0; i < flen && 2 * i + 2 < out_size; i++)
		snprintf(out + 2 * i, 3, "%02x", fpr[i]);
	pthread_mutex_lock(&mu);
	p->older = current;
	current = p;
	pthread_mutex_unlock(&mu);
	p = NULL;
cleanup:
	pair_free(p);
	free(ctext);
	if (ktext)
		memset(ktext, 0, klen);
	free(ktext);
	return rc;
}

bool daemon_tls_on(void)
{
	bool on;

	pthread_mutex_lock(&mu);
	on = current != NULL;
	pthread_mutex_unlock(&mu);
	return on;
}

/* GnuTLS's gnutls_certificate_retrieve_function2: the pair in force. */
static int give_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
		     const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
		     gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	struct pair *p;

	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	pthread_mutex_lock(&mu);
	p = current;
	pthread_mutex_unlock(&mu);
	if (!p)
		return -1;
	*pcert = p->chain;
	*pcert_length = p->n;
	*pkey = p->key;
	return 0;
}

void daemon_tls_options(struct MHD_OptionItem *out, bool tls)
{
	int n = 0;

	if (tls) {
		out[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
						   (void *)give_cert};
		out[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
						   (void *)DAEMON_TLS_PRIORITIES};
	}
	out[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
}

void daemon_tls_free_all(void)
{
	struct pair *p;

	pthread_mutex_lock(&mu);
	p = current;
	current = NULL;
	pthread_mutex_unlock(&mu);
	while (p) {
		struct pair *older = p->older;

		pair_free(p);
		p = older;
	}
}
