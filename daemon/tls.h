/*
 * tls.h - inside tfledgerd: the TLS certificate it serves with
 * (docs/operations.md, "TLS"). tfledgerd.c loads it at start-up from
 * --tls-cert and --tls-key (or the config file's tls_cert, tls_key) and
 * again on SIGHUP; libmicrohttpd asks for the certificate in force at each
 * handshake (MHD_OPTION_HTTPS_CERT_CALLBACK), so a reload changes what new
 * connections see without closing the listener, and a reload that fails
 * leaves the certificate in force as it was.
 *
 * Only TLS 1.2 and 1.3 are offered (DAEMON_TLS_PRIORITIES).
 */
#ifndef TFLEDGER_DAEMON_TLS_H
#define TFLEDGER_DAEMON_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

/* GnuTLS priorities: its defaults, protocol versions TLS 1.3 and 1.2 only. */
#define DAEMON_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

/* How many items daemon_tls_options writes at most (the END included). */
#define DAEMON_TLS_OPTIONS 3

/* The largest PEM file taken (a certificate chain or a key). */
#define DAEMON_TLS_FILE_BYTES (64 * 1024)

/* The most certificates in one chain file (the server's, then its CAs). */
#define DAEMON_TLS_CHAIN_MAX 8

/*
 * Loads the certificate chain (PEM, the server's certificate first) from
 * cert and its private key (PEM, unencrypted) from key, and puts them in
 * force; *out gets the server certificate's SHA-256 fingerprint as hex
 * (out_size >= 65). The key file must be a regular file that its group
 * and others may not read (as --database-file). ERR_INVALID naming the
 * file when a file is not PEM of its kind, the key is readable by others
 * or does not match the certificate; ERR_SYSTEM naming the file when it
 * cannot be read. On failure the pair in force stays as it was.
 */
int daemon_tls_load(char *out, size_t out_size, const char *cert, const char *key);

/* Whether a certificate is in force (daemon_tls_load succeeded once). */
bool daemon_tls_on(void);

/*
 * Writes into out (DAEMON_TLS_OPTIONS items) libmicrohttpd's options for
 * TLS with the certificate in force (the certificate callback and
 * DAEMON_TLS_PRIORITIES), ended by MHD_OPTION_END; with tls false only the
 * END. For MHD_OPTION_ARRAY; the daemon also needs MHD_USE_TLS.
 */
void daemon_tls_options(struct MHD_OptionItem *out, bool tls);

/* Frees every pair loaded (at exit, after the server has stopped). */
void daemon_tls_free_all(void);

#endif
