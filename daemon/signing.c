/*
 * signing.c - the signing identity tfledgerd serves with (signing.h): one
 * set in force, swapped whole under a mutex by a (re)load, reference
 * counted so that a request keeps the set it started with.
 *
 * The earlier certificates are the *.pem files of --sign-certs-dir, in
 * name order; the current certificate is published first and not twice
 * (a copy of it in the directory is skipped by its key id).
 */
#include "daemon/signing.h"

#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/limits.h"

struct daemon_signing {
	int refs;
	struct reports_signer *signer;
	struct reports_cert_info *certs;
	size_t n;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct daemon_signing *current;

static void set_free(struct daemon_signing *s)
{
	if (!s)
		return;
	reports_signer_free(s->signer);
	for (size_t i = 0; i < s->n; i++)
		reports_cert_info_free(&s->certs[i]);
	free(s->certs);
	free(s);
}

/* Adds the certificate at path to s unless its key id is there already. */
static int add_cert(struct daemon_signing *s, const char *path)
{
	struct reports_cert_info ci;
	struct reports_cert_info *p;
	int rc = reports_cert_info_read(&ci, path);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->certs[i].key_id, ci.key_id) == 0) {
			reports_cert_info_free(&ci);
			return 0;
		}
	if (!(p = realloc(s->certs, (s->n + 1) * sizeof(*p)))) {
		reports_cert_info_free(&ci);
		return err_set(ERR_INTERNAL, "out of memory");
	}
	s->certs = p;
	s->certs[s->n++] = ci;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_pem(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 4 && strcmp(d->d_name + n - 4, ".pem") == 0;
}

static int add_dir(struct daemon_signing *s, const char *dir)
{
	struct dirent **list = NULL;
	char path[LIMIT_PATH_BYTES];
	int n = scandir(dir, &list, only_pem, by_name), rc = 0;

	if (n < 0)
		return err_sys(ERR_SYSTEM, "--sign-certs-dir %s", dir);
	for (int i = 0; i < n; i++) {
		if (rc == 0) {
			if (snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name) >=
			    (int)sizeof(path))
				rc = err_set(ERR_LIMIT, "%s/%s: path too long", dir,
					     list[i]->d_name);
			else
				rc = add_cert(s, path);
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

int daemon_signing_load(const char *key, const char *cert, const char *certs_dir)
{
	struct daemon_signing *s = calloc(1, sizeof(*s)), *old;
	int rc = 0;

	if (!s)
		return err_set(ERR_INTERNAL, "out of memory");
	s->refs = 1;
	if (!key != !cert)
		rc = err_set(ERR_INVALID, "--sign-key and --sign-cert go together (%s is missing)",
			     key ? "--sign-cert" : "--sign-key");
	if (rc == 0 && key && (rc = reports_signer_from_files(&s->signer, key, cert)) == 0)
		rc = add_cert(s, cert);
	if (rc == 0 && certs_dir)
		rc = add_dir(s, certs_dir);
	if (rc < 0) {
		set_free(s);
		return rc;
	}
	pthread_mutex_lock(&mu);
	old = current;
	current = s;
	pthread_mutex_unlock(&mu);
	daemon_signing_release(old);
	return 0;
}

struct daemon_signing *daemon_signing_acquire(void)
{
	struct daemon_signing *s;

	pthread_mutex_lock(&mu);
	s = current;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&mu);
	return s;
}

void daemon_signing_release(struct daemon_signing *s)
{
	bool last;

	if (!s)
		return;
	pthread_mutex_lock(&mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&mu);
	if (last)
		set_free(s);
}

const struct reports_signer *daemon_signing_signer(const struct daemon_signing *s)
{
	return s ? s->signer : NULL;
}

const struct reports_cert_info *daemon_signing_certs(const struct daemon_signing *s, size_t *n)
{
	*n = s ? s->n : 0;
	return s ? s->certs : NULL;
}

void daemon_signing_free_all(void)
{
	struct daemon_signing *s;

	pthread_mutex_lock(&mu);
	s = current;
	current = NULL;
	pthread_mutex_unlock(&mu);
	daemon_signing_release(s);
}
