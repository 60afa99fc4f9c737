/*
 * keys.h - a demo signing identity for reports: an RSA 3072 key and a
 * self-signed X.509 certificate, as PEM files.
 *
 * For demos and tests only: a real fund signs with a key whose certificate
 * an authority the auditors trust has issued. The key file is created with
 * mode 0600 and an existing file is never overwritten.
 */
#ifndef TFLEDGER_REPORTS_KEYS_H
#define TFLEDGER_REPORTS_KEYS_H

/* How long the demo certificate is valid. */
#define REPORTS_KEYS_DEMO_DAYS 825

/* The subject when none is given. */
#define REPORTS_KEYS_DEMO_SUBJECT "CN=tfledger demo report signer,O=IGF Trust Fund (demo)"

/*
 * Generates an RSA 3072 key and a self-signed certificate for subject
 * ("CN=...,O=...": KEY=VALUE pairs separated by ",", no escapes, added
 * in the order given; NULL for the demo subject), valid from now for
 * REPORTS_KEYS_DEMO_DAYS days, and writes them to key_path (mode 0600)
 * and cert_path (mode 0644).
 * ERR_INVALID for a bad subject, ERR_CONFLICT if either file exists,
 * ERR_SYSTEM if a file cannot be written, ERR_INTERNAL if OpenSSL fails.
 * On failure no file is left behind.
 */
int reports_keys_generate(const char *key_path, const char *cert_path,
			  const char *subject);

#endif
