/*
 * sign.h - XML-DSig signatures on reports, made and checked with xmlsec1
 * (OpenSSL backend), in a form the stock `xmlsec1 --verify` accepts.
 *
 * A report up to LIMIT_REPORT_SIGN_INLINE_BYTES gets an enveloped signature:
 * a ds:Signature appended as the last child of the root element, with
 * exclusive C14N, RSA-SHA256, one Reference URI="" (enveloped-signature and
 * exclusive C14N transforms, SHA-256 digest) and the signer's X.509
 * certificate in KeyInfo. A larger report gets a detached signature instead:
 * FILE.sig, a ds:Signature document whose one Reference names the report by
 * its file name (no transforms: the SHA-256 of its bytes, read in 64 KiB
 * chunks, never whole). docs/reports.md has the commands for auditors.
 *
 * xmlsec and the crypto library are initialised once per process, on first
 * use, and shut down at exit. This module is the only user of xmlsec: it
 * replaces xmlsec's I/O callbacks so that a signature can read no file and
 * no URL except the one report a detached signature is being checked for.
 */
#ifndef TFLEDGER_REPORTS_SIGN_H
#define TFLEDGER_REPORTS_SIGN_H

#include <libxml/tree.h>
#include <stdbool.h>

#include "common/hash.h"
#include "common/limits.h"

/*
 * A signer: a private key and its X.509 certificate, loaded once and used
 * by any number of threads at the same time (tfledgerd signs every report
 * it serves with one). Files are one kind of signer
 * (reports_signer_from_files); a PKCS#11 token would be another
 * constructor of the same struct: everything that signs takes a signer.
 */
struct reports_signer;

/* What a published certificate says (GET /v1/signing/certificates). */
struct reports_cert_info {
	char key_id[HASH_HEX_BYTES];              /* SHA-256 of the DER, hex */
	char subject[LIMIT_REPORT_SUBJECT_BYTES]; /* RFC 2253 */
	char not_before[21], not_after[21];       /* YYYY-MM-DDTHH:MM:SSZ */
	char *pem;                                /* the certificate, PEM (malloc'd) */
};

/* What reports_verify_file found. */
struct reports_verify_result {
	bool detached; /* the signature was FILE.sig, not inside FILE */
	bool trusted;  /* checked against the certificate the caller gave;
			  false: only against the certificate in the file */
	char subject[LIMIT_REPORT_SUBJECT_BYTES]; /* the signer certificate's
						     subject, RFC 2253 */
};

/*
 * Initialises libxml2, xmlsec and its OpenSSL backend once per process (any
 * thread, any number of times) and arranges their shutdown at exit.
 * Called by the functions below; returns 0 or ERR_INTERNAL.
 */
int reports_sign_init(void);

/*
 * Loads the PEM private key key_pem (unencrypted) and the PEM certificate
 * cert_pem into a new signer (*out, free with reports_signer_free).
 * ERR_INVALID naming the file if either is not PEM or the certificate does
 * not hold the key's public half; ERR_SYSTEM if a file cannot be read.
 */
int reports_signer_from_files(struct reports_signer **out, const char *key_pem,
			      const char *cert_pem);

/* Frees s (NULL is fine). */
void reports_signer_free(struct reports_signer *s);

/* The signer's key id: the SHA-256 of its certificate's DER, 64 hex digits. */
const char *reports_signer_key_id(const struct reports_signer *s);

/*
 * The one function that signs a document: appends an enveloped ds:Signature
 * (the shape above) as the last child of doc's root, made with s. name
 * names doc in messages. ERR_INVALID if doc is already signed; ERR_INTERNAL
 * if xmlsec fails. Safe to call from many threads with one signer.
 */
int reports_sign_doc(const struct reports_signer *s, xmlDocPtr doc, const char *name);

/*
 * reports_sign_file_ex with a signer: signs the file in into out
 * (enveloped up to inline_max_bytes, else out + ".sig" detached).
 */
int reports_signer_sign_file(bool *detached_out, const struct reports_signer *s,
			     const char *in, const char *out, long long inline_max_bytes);

/*
 * Reads the PEM certificate at path into *out (free with
 * reports_cert_info_free). ERR_SYSTEM if it cannot be read or is not a
 * PEM X.509 certificate.
 */
int reports_cert_info_read(struct reports_cert_info *out, const char *path);
void reports_cert_info_free(struct reports_cert_info *ci);

/*
 * Signs the XML report at in with the PEM private key key_pem, carrying the
 * PEM certificate cert_pem (which must hold the key's public half), and
 * writes the signed report to out with output_write (common/output.h: out
 * may equal in; a regular file is replaced atomically, a device or FIFO is
 * written into). Reports up to LIMIT_REPORT_SIGN_INLINE_BYTES get an
 * enveloped signature; larger ones are copied to out (unless out is in)
 * and get the detached signature out + ".sig", so out must then be a
 * regular file or not exist yet (ERR_INVALID otherwise).
 * ERR_INVALID: in is not well-formed, has a DOCTYPE or is already signed,
 * the key and certificate do not match or are not PEM, or the file name of
 * a detached report has other characters than [A-Za-z0-9._-].
 * ERR_SYSTEM: a file cannot be read or written.
 */
int reports_sign_file(const char *in, const char *out, const char *key_pem,
		      const char *cert_pem);

/*
 * reports_sign_file with the inline limit as an argument (tests force a
 * detached signature with a small one) and *detached_out telling which
 * kind was made (detached_out may be NULL).
 */
int reports_sign_file_ex(bool *detached_out, const char *in, const char *out,
			 const char *key_pem, const char *cert_pem,
			 long long inline_max_bytes);

/*
 * Checks the signature of the report at path: its enveloped ds:Signature,
 * or, when it has none (or is too large to parse), the detached path + ".sig".
 * With cert_pem, the signature must verify with that certificate's key and
 * a certificate in the file, if any, must be that certificate; out->trusted
 * is set. Without, it must verify with the certificate in the file's
 * KeyInfo (a self-signed one must carry a valid self-signature), and
 * out->trusted stays false: the caller must say that the signer was not
 * checked against a trusted certificate. out->subject names the signer.
 * ERR_INVALID with what failed (changed content, changed signature, other
 * key, no signature, not well-formed, DOCTYPE) when it is not validly signed;
 * ERR_LIMIT if it is too large to parse and has no FILE.sig; ERR_SYSTEM if a
 * file cannot be read or cert_pem holds no PEM certificate.
 */
int reports_verify_file(struct reports_verify_result *out, const char *path,
			const char *cert_pem);

#endif
