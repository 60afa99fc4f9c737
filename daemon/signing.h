/*
 * signing.h - inside tfledgerd: the signing identity it serves with
 * (docs/signing.md). tfledgerd.c loads it at start-up from --sign-key,
 * --sign-cert and --sign-certs-dir (or the config file's sign_key,
 * sign_cert, sign_certs_dir) and again on SIGHUP; a handler takes a
 * reference to the set in force before it signs or lists, so a reload
 * never changes a signature half-way and never frees what a request uses.
 */
#ifndef TFLEDGER_DAEMON_SIGNING_H
#define TFLEDGER_DAEMON_SIGNING_H

#include <stddef.h>

#include "reports/sign.h"

/* One loaded set: the current signer (or none) and the certificates published. */
struct daemon_signing;

/*
 * Loads a new set and puts it in force: the key and certificate (both or
 * neither; NULL, NULL: reports are served unsigned) and every *.pem in
 * certs_dir (NULL: none), earlier certificates still published.
 * ERR_INVALID naming the file when the key and certificate do not match or
 * a file is not PEM; ERR_SYSTEM if one cannot be read. On failure the set
 * in force stays as it was.
 */
int daemon_signing_load(const char *key, const char *cert, const char *certs_dir);

/* A reference to the set in force (never NULL once loaded; release it). */
struct daemon_signing *daemon_signing_acquire(void);
void daemon_signing_release(struct daemon_signing *s);

/* The current signer, or NULL when no key is configured. */
const struct reports_signer *daemon_signing_signer(const struct daemon_signing *s);

/* The published certificates, the current one first: *n of them. */
const struct reports_cert_info *daemon_signing_certs(const struct daemon_signing *s, size_t *n);

/* Frees the set in force (at exit). */
void daemon_signing_free_all(void);

#endif
