/*
 * sign.c - XML-DSig signing and verification of reports with xmlsec1 and
 * OpenSSL (see sign.h for the signature's shape).
 *
 * Verification is strict about what it accepts, so that a signature cannot
 * cover less than the whole report: only exclusive C14N and RSA-SHA256 in
 * SignedInfo; in an enveloped signature, only Reference URI="" with the
 * enveloped-signature and exclusive C14N transforms, and the Signature must
 * be a child of the root element; in a detached one, exactly one Reference
 * naming the report's file, without transforms. The key that verified must
 * be the key of the certificate we name as the signer (xmlsec gets only
 * that key).
 *
 * xmlsec's own I/O callbacks (file, http, ftp) are removed at start-up and
 * replaced by one that opens only the file of the detached signature being
 * made or checked on this thread (io_map), so a hostile signature cannot
 * make us read other files or the network.
 */
#include "reports/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xmlsec/base64.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "common/err.h"
#include "common/hash.h"
#include "common/output.h"
#include "common/xml.h"

/* --- process-wide initialisation ---------------------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_rc;

/* The first xmlsec error of the current operation on this thread. */
static _Thread_local char xmlsec_msg[256];

/* The one file xmlsec may open on this thread: uri (as written in the
 * Reference) -> path on disk. */
static _Thread_local struct {
	const char *uri;
	const char *path;
} io_map;

static void on_xmlsec_error(const char *file, int line, const char *func,
			    const char *object, const char *subject, int reason,
			    const char *msg)
{
	(void)file, (void)line, (void)object, (void)reason;
	if (xmlsec_msg[0])
		return;
	snprintf(xmlsec_msg, sizeof(xmlsec_msg), "%s: %s%s%s", func ? func : "xmlsec",
		 subject ? subject : "", subject && msg ? ": " : "", msg ? msg : "");
}

static int io_match(const char *uri)
{
	return io_map.uri && strcmp(uri, io_map.uri) == 0;
}

static void *io_open(const char *uri)
{
	if (!io_match(uri))
		return NULL;
	return fopen(io_map.path, "rb");
}

static int io_read(void *ctx, char *buf, int len)
{
	size_t n = fread(buf, 1, (size_t)len, ctx);

	return ferror((FILE *)ctx) ? -1 : (int)n;
}

static int io_close(void *ctx)
{
	return fclose(ctx) == 0 ? 0 : -1;
}

static void shutdown_at_exit(void)
{
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
}

static void init_once(void)
{
	xml_init();
	if (xmlSecInit() < 0) {
		init_rc = err_set(ERR_INTERNAL, "xmlsec initialisation failed");
		return;
	}
	if (xmlSecCheckVersion() != 1) {
		init_rc = err_set(ERR_INTERNAL, "the xmlsec library is not the version "
				      "tfledger was built with (%s)", XMLSEC_VERSION);
		xmlSecShutdown();
		return;
	}
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
		init_rc = err_set(ERR_INTERNAL, "xmlsec crypto initialisation failed");
		xmlSecShutdown();
		return;
	}
	xmlSecErrorsSetCallback(on_xmlsec_error); /* after the crypto init, which resets it */
	xmlSecIOCleanupCallbacks();
	if (xmlSecIORegisterCallbacks(io_match, io_open, io_read, io_close) < 0) {
		init_rc = err_set(ERR_INTERNAL, "xmlsec I/O set-up failed");
		shutdown_at_exit();
		return;
	}
	atexit(shutdown_at_exit);
}

int reports_sign_init(void)
{
	pthread_once(&once, init_once);
	if (init_rc < 0)
		return err_set(init_rc, "xmlsec is not usable (see the first error)");
	return 0;
}

/* Starts an xmlsec operation: forgets the previous error message. */
static int begin(void)
{
	xmlsec_msg[0] = '\0';
	return reports_sign_init();
}

/* --- keys and certificates ------------------------------------------------ */

static int read_cert(X509 **out, const char *path)
{
	FILE *f = fopen(path, "r");

	*out = NULL;
	if (!f)
		return err_sys(ERR_SYSTEM, "%s", path);
	*out = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (!*out)
		return err_set(ERR_SYSTEM, "%s: not a PEM X.509 certificate", path);
	return 0;
}

static int read_key(EVP_PKEY **out, const char *path)
{
	FILE *f = fopen(path, "r");

	*out = NULL;
	if (!f)
		return err_sys(ERR_SYSTEM, "%s", path);
	*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!*out)
		return err_set(ERR_INVALID, "%s: not an unencrypted PEM private key", path);
	return 0;
}

/* The signing key with its certificate, for xmlsec (free with xmlSecKeyDestroy). */
static int load_signing_key(xmlSecKeyPtr *out, const char *key_pem, const char *cert_pem)
{
	EVP_PKEY *pkey = NULL;
	X509 *cert = NULL;
	xmlSecKeyPtr key = NULL;
	int rc;

	*out = NULL;
	if ((rc = read_key(&pkey, key_pem)) < 0 || (rc = read_cert(&cert, cert_pem)) < 0)
		goto cleanup;
	if (X509_check_private_key(cert, pkey) != 1) {
		rc = err_set(ERR_INVALID, "%s does not hold the public half of the key %s",
			     cert_pem, key_pem);
		goto cleanup;
	}
	key = xmlSecCryptoAppKeyLoad(key_pem, xmlSecKeyDataFormatPem, NULL, NULL, NULL);
	if (!key || xmlSecCryptoAppKeyCertLoad(key, cert_pem, xmlSecKeyDataFormatPem) < 0) {
		rc = err_set(ERR_INVALID, "%s, %s: xmlsec cannot load them: %s", key_pem,
			     cert_pem, xmlsec_msg);
		goto cleanup;
	}
	*out = key;
	key = NULL;
cleanup:
	if (key)
		xmlSecKeyDestroy(key);
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return rc;
}

/* "Subject" of cert, RFC 2253, UTF-8 kept. */
static void subject_of(char *out, size_t size, X509 *cert)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n = 0;

	out[0] = '\0';
	if (!bio)
		return;
	if (X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
			       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
		n = BIO_read(bio, out, (int)size - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
}

/*
 * The first ds:X509Certificate under the signature's KeyInfo, decoded
 * (*out NULL if there is none). ERR_INVALID if it does not decode.
 */
static int embedded_cert(X509 **out, xmlNodePtr sig)
{
	xmlNodePtr ki = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
	xmlNodePtr data = ki ? xmlSecFindChild(ki, xmlSecNodeX509Data, xmlSecDSigNs) : NULL;
	xmlNodePtr node = data ? xmlSecFindChild(data, xmlSecNodeX509Certificate, xmlSecDSigNs)
			       : NULL;
	xmlChar *text = NULL;
	xmlSecByte *der = NULL;
	const unsigned char *p;
	xmlSecSize len = 0;
	int rc = 0;

	*out = NULL;
	if (!node)
		return 0;
	text = xmlNodeGetContent(node);
	der = text ? malloc((size_t)xmlStrlen(text) + 1) : NULL;
	if (!der) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	p = der;
	if (xmlSecBase64Decode_ex(text, der, (xmlSecSize)xmlStrlen(text) + 1, &len) < 0 ||
	    len == 0 || len > INT32_MAX || !(*out = d2i_X509(NULL, &p, (long)len)) ||
	    p != der + len) {
		X509_free(*out);
		*out = NULL;
		rc = err_set(ERR_INVALID, "the X509Certificate in KeyInfo is not a "
				      "valid certificate");
	}
cleanup:
	free(der);
	xmlFree(text);
	return rc;
}

/* --- files ---------------------------------------------------------------- */

/* out = a followed by b; ERR_LIMIT if it does not fit. */
static int path_join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s%s", a, b);

	if (n < 0 || (size_t)n >= size)
		return err_set(ERR_LIMIT, "path %s%s longer than %zu bytes", a, b, size - 1);
	return 0;
}

/* output_write_fn: the document arg, in UTF-8. */
static int put_doc(FILE *f, void *arg)
{
	xmlDocPtr doc = arg;
	xmlOutputBufferPtr out =
		xmlOutputBufferCreateFile(f, xmlFindCharEncodingHandler("UTF-8"));

	/* xmlSaveFileTo closes out, which flushes f and leaves it open */
	if (!out || xmlSaveFileTo(out, doc, "UTF-8") < 0)
		return err_set(ERR_SYSTEM, "cannot serialise the signed document");
	return 0;
}

/* Saves doc to path with output_write (common/output.h). */
static int save_doc(xmlDocPtr doc, const char *path)
{
	return output_write(path, put_doc, doc);
}

/* The file put_copy reads. */
struct copy_src {
	const char *path;
};

/* output_write_fn: the bytes of the file arg names, in chunks. */
static int put_copy(FILE *fo, void *arg)
{
	const struct copy_src *src = arg;
	char buf[65536];
	FILE *fi = fopen(src->path, "rb");
	size_t n;
	int rc = 0;

	if (!fi)
		return err_sys(ERR_SYSTEM, "%s", src->path);
	while ((n = fread(buf, 1, sizeof(buf), fi)) > 0)
		if (fwrite(buf, 1, n, fo) != n) {
			rc = err_sys(ERR_SYSTEM, "cannot write the copy of %s", src->path);
			break;
		}
	if (rc == 0 && ferror(fi))
		rc = err_sys(ERR_SYSTEM, "%s: read", src->path);
	fclose(fi);
	return rc;
}

/* Copies in to out (for detached signing with another --output). */
static int copy_file(const char *in, const char *out)
{
	struct copy_src src = {in};

	return output_write(out, put_copy, &src);
}

/*
 * The file name of path, as a detached signature's Reference URI: only
 * [A-Za-z0-9._-], so that it needs no URI escaping in any tool.
 */
static int file_uri(char *out, size_t size, const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	if (!base[0] || strlen(base) >= size)
		return err_set(ERR_INVALID, "%s: no usable file name", path);
	for (const char *c = base; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return err_set(ERR_INVALID, "%s: a detached signature names the "
					      "report by its file name, which may only have "
					      "the characters A-Z a-z 0-9 . _ -", path);
	strcpy(out, base);
	return 0;
}

/*
 * Parses a file to verify. Our files say version="1.0"; XML-DSig does not
 * cover the XML declaration, so any other version (1.1 changes what counts
 * as a line end and a name) is refused rather than silently accepted.
 */
static int read_signed(xmlDocPtr *out, const char *path)
{
	int rc = xml_read_file(out, path);

	if (rc == 0 && (!(*out)->version || strcmp((const char *)(*out)->version, "1.0"))) {
		xmlFreeDoc(*out);
		*out = NULL;
		rc = err_set(ERR_INVALID, "%s: XML version is not 1.0 (the declaration "
				      "was changed)", path);
	}
	return rc;
}

/* --- signing -------------------------------------------------------------- */

/* The Id of our ds:KeyInfo, which the second Reference signs. */
#define KEYINFO_ID "tfledger-keyinfo"

/*
 * A Signature template for doc: Reference 1 is uri ("" for the enveloping
 * document, with its transforms; else a file's bytes), Reference 2 is the
 * KeyInfo (Id KEYINFO_ID), so that the certificate is signed too and a
 * changed character there is caught even without a trusted certificate.
 */
static xmlNodePtr signature_template(xmlDocPtr doc, const char *uri)
{
	xmlNodePtr sig, ref, ki_ref, ki, x509;

	sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId,
					xmlSecTransformRsaSha256Id, NULL);
	if (!sig)
		return NULL;
	ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
					      BAD_CAST uri, NULL);
	ki_ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL,
						 BAD_CAST "#" KEYINFO_ID, NULL);
	ki = xmlSecTmplSignatureEnsureKeyInfo(sig, BAD_CAST KEYINFO_ID);
	x509 = ki ? xmlSecTmplKeyInfoAddX509Data(ki) : NULL;
	if (!ref || !ki_ref || !x509 || !xmlSecTmplX509DataAddCertificate(x509) ||
	    !xmlSecTmplReferenceAddTransform(ki_ref, xmlSecTransformExclC14NId) ||
	    (uri[0] == '\0' &&
	     (!xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
	      !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId)))) {
		xmlFreeNode(sig);
		return NULL;
	}
	return sig;
}

static int sign_node(xmlNodePtr sig, xmlSecKeyPtr key, const char *what)
{
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	int rc = 0;

	if (!ctx)
		return err_set(ERR_INTERNAL, "out of memory");
	ctx->signKey = key; /* borrowed: taken back before destroying ctx */
	if (xmlSecDSigCtxSign(ctx, sig) < 0)
		rc = err_set(ERR_INTERNAL, "%s: signing failed: %s", what, xmlsec_msg);
	ctx->signKey = NULL;
	xmlSecDSigCtxDestroy(ctx);
	return rc;
}

/* --- signers ---------------------------------------------------------------- */

struct reports_signer {
	xmlSecKeyPtr key; /* the private key with its certificate */
	char key_id[HASH_HEX_BYTES];
};

/* SHA-256 of cert's DER as hex into out. */
static int cert_key_id(char out[HASH_HEX_BYTES], X509 *cert)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	int rc;

	if (len <= 0)
		return err_set(ERR_INTERNAL, "cannot encode the certificate");
	rc = hash_sha256_hex(out, der, (size_t)len);
	OPENSSL_free(der);
	return rc;
}

int reports_signer_from_files(struct reports_signer **out, const char *key_pem,
			      const char *cert_pem)
{
	struct reports_signer *s = NULL;
	X509 *cert = NULL;
	int rc;

	*out = NULL;
	if ((rc = begin()) < 0)
		return rc;
	if (!(s = calloc(1, sizeof(*s)))) {
		rc = err_set(ERR_INTERNAL, "out of memory");
		goto cleanup;
	}
	if ((rc = load_signing_key(&s->key, key_pem, cert_pem)) < 0 ||
	    (rc = read_cert(&cert, cert_pem)) < 0 || (rc = cert_key_id(s->key_id, cert)) < 0)
		goto cleanup;
	*out = s;
	s = NULL;
cleanup:
	reports_signer_free(s);
	X509_free(cert);
	return rc;
}

void reports_signer_free(struct reports_signer *s)
{
	if (!s)
		return;
	if (s->key)
		xmlSecKeyDestroy(s->key);
	free(s);
}

const char *reports_signer_key_id(const struct reports_signer *s)
{
	return s->key_id;
}

/* Signs the template sig with a copy of s's key (xmlsec's key objects are
 * not for several threads at once; the copy shares OpenSSL's key). */
static int sign_with(xmlNodePtr sig, const struct reports_signer *s, const char *what)
{
	xmlSecKeyPtr key = xmlSecKeyDuplicate(s->key);
	int rc;

	if (!key)
		return err_set(ERR_INTERNAL, "%s: cannot copy the signing key: %s", what,
			       xmlsec_msg);
	rc = sign_node(sig, key, what);
	xmlSecKeyDestroy(key);
	return rc;
}

int reports_sign_doc(const struct reports_signer *s, xmlDocPtr doc, const char *name)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), sig;
	int rc;

	if ((rc = begin()) < 0)
		return rc;
	if (!root)
		return err_set(ERR_INVALID, "%s: no root element", name);
	if (xmlSecFindNode(root, xmlSecNodeSignature, xmlSecDSigNs))
		return err_set(ERR_INVALID, "%s: already has a ds:Signature", name);
	sig = signature_template(doc, "");
	if (!sig || !xmlAddChild(root, sig)) {
		xmlFreeNode(sig);
		return err_set(ERR_INTERNAL, "cannot build the signature template: %s",
			       xmlsec_msg);
	}
	if ((rc = sign_with(sig, s, name)) < 0) {
		xmlUnlinkNode(sig);
		xmlFreeNode(sig);
	}
	return rc;
}

static int sign_enveloped(const char *in, const char *out, const struct reports_signer *s)
{
	xmlDocPtr doc = NULL;
	int rc;

	if ((rc = xml_read_file(&doc, in)) < 0 || (rc = reports_sign_doc(s, doc, in)) < 0)
		goto cleanup;
	rc = save_doc(doc, out);
cleanup:
	xmlFreeDoc(doc);
	return rc;
}

static int sign_detached(const char *in, const char *out, const struct reports_signer *s)
{
	char uri[LIMIT_PATH_BYTES];
	char sig_path[LIMIT_PATH_BYTES];
	xmlDocPtr doc = NULL;
	xmlNodePtr sig;
	struct stat st;
	int rc;

	if ((rc = file_uri(uri, sizeof(uri), out)) < 0 ||
	    (rc = path_join(sig_path, sizeof(sig_path), out, ".sig")) < 0)
		goto cleanup;
	/* the signature is checked by reading out again, and lives beside it */
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		rc = err_set(ERR_INVALID, "%s: a detached signature goes to %s beside the "
				      "report, so the report must be a regular file", out,
			     sig_path);
		goto cleanup;
	}
	if (strcmp(in, out) != 0 && (rc = copy_file(in, out)) < 0)
		goto cleanup;
	doc = xmlNewDoc(BAD_CAST "1.0");
	sig = doc ? signature_template(doc, uri) : NULL;
	if (!sig) {
		rc = err_set(ERR_INTERNAL, "cannot build the signature template: %s",
			     xmlsec_msg);
		goto cleanup;
	}
	xmlDocSetRootElement(doc, sig);
	io_map.uri = uri;
	io_map.path = out;
	rc = sign_with(sig, s, out);
	io_map.uri = io_map.path = NULL;
	if (rc < 0)
		goto cleanup;
	rc = save_doc(doc, sig_path);
cleanup:
	xmlFreeDoc(doc);
	return rc;
}

int reports_signer_sign_file(bool *detached_out, const struct reports_signer *s,
			     const char *in, const char *out, long long inline_max_bytes)
{
	struct stat st;
	bool detached;
	int rc;

	if (detached_out)
		*detached_out = false;
	if ((rc = begin()) < 0)
		return rc;
	if (stat(in, &st) < 0)
		return err_sys(ERR_SYSTEM, "%s", in);
	detached = (long long)st.st_size > inline_max_bytes;
	rc = detached ? sign_detached(in, out, s) : sign_enveloped(in, out, s);
	if (rc == 0 && detached_out)
		*detached_out = detached;
	return rc;
}

int reports_sign_file_ex(bool *detached_out, const char *in, const char *out,
			 const char *key_pem, const char *cert_pem,
			 long long inline_max_bytes)
{
	struct reports_signer *s = NULL;
	struct stat st;
	int rc;

	if (detached_out)
		*detached_out = false;
	if (stat(in, &st) < 0) /* before the key: the file's error comes first */
		return err_sys(ERR_SYSTEM, "%s", in);
	if ((rc = reports_signer_from_files(&s, key_pem, cert_pem)) == 0)
		rc = reports_signer_sign_file(detached_out, s, in, out, inline_max_bytes);
	reports_signer_free(s);
	return rc;
}

int reports_sign_file(const char *in, const char *out, const char *key_pem,
		      const char *cert_pem)
{
	return reports_sign_file_ex(NULL, in, out, key_pem, cert_pem,
				    LIMIT_REPORT_SIGN_INLINE_BYTES);
}

/* --- verification --------------------------------------------------------- */

/* Allows only the algorithms we sign with. */
static int restrict_ctx(xmlSecDSigCtxPtr ctx, bool detached)
{
	ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument |
				    (detached ? xmlSecTransformUriTypeRemote
					      : xmlSecTransformUriTypeEmpty);
	if (xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
	    xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) < 0 ||
	    xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
	    (!detached &&
	     xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0))
		return err_set(ERR_INTERNAL, "out of memory");
	return 0;
}

/*
 * Our shape: exactly two References, the first to uri ("" or the report's
 * file name; a file's untransformed), the second to this Signature's own
 * KeyInfo by its Id. xmlsec then checks digests and transforms.
 */
static int check_shape(xmlNodePtr sig, const char *uri, const char *name)
{
	xmlNodePtr si = xmlSecFindChild(sig, xmlSecNodeSignedInfo, xmlSecDSigNs);
	xmlNodePtr ki = xmlSecFindChild(sig, xmlSecNodeKeyInfo, xmlSecDSigNs);
	xmlNodePtr refs[2] = {NULL, NULL};
	xmlChar *got = NULL, *ki_uri = NULL, *ki_id = NULL;
	int n = 0, rc = 0;

	for (xmlNodePtr c = si ? si->children : NULL; c; c = c->next)
		if (xmlSecCheckNodeName(c, xmlSecNodeReference, xmlSecDSigNs) && n++ < 2)
			refs[n - 1] = c;
	if (n != 2) {
		rc = err_set(ERR_INVALID, "%s: a tfledger signature has exactly two "
				      "References (the report, its KeyInfo); this one has %d",
			     name, n);
		goto cleanup;
	}
	got = xmlGetProp(refs[0], xmlSecAttrURI);
	if (!got || strcmp((const char *)got, uri) != 0) {
		rc = err_set(ERR_INVALID, "%s: signs '%s', not '%s'", name,
			     got ? (const char *)got : "(no URI)", uri);
		goto cleanup;
	}
	if (uri[0] && xmlSecFindChild(refs[0], xmlSecNodeTransforms, xmlSecDSigNs)) {
		rc = err_set(ERR_INVALID, "%s: a detached signature must digest the "
				      "report's bytes, without transforms", name);
		goto cleanup;
	}
	ki_uri = xmlGetProp(refs[1], xmlSecAttrURI);
	ki_id = ki ? xmlGetProp(ki, xmlSecAttrId) : NULL;
	if (!ki_uri || !ki_id || ki_uri[0] != '#' ||
	    strcmp((const char *)ki_uri + 1, (const char *)ki_id) != 0)
		rc = err_set(ERR_INVALID, "%s: the second Reference must sign this "
				      "signature's KeyInfo (the certificate)", name);
cleanup:
	xmlFree(got);
	xmlFree(ki_uri);
	xmlFree(ki_id);
	return rc;
}

/* After a failed verification: which part did not match. */
static int explain_failure(xmlSecDSigCtxPtr ctx, const char *name, const char *cert_pem)
{
	xmlSecSize n = xmlSecPtrListGetSize(&ctx->signedInfoReferences);

	for (xmlSecSize i = 0; i < n; i++) {
		xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, i);

		if (ref && ref->status != xmlSecDSigStatusSucceeded)
			return err_set(ERR_INVALID, "%s: the signed content was changed after "
					      "signing (the SHA-256 digest of Reference URI=\"%s\" "
					      "does not match)", name,
				       ref->uri ? (const char *)ref->uri : "");
	}
	return err_set(ERR_INVALID, "%s: the signature value does not verify with %s: "
			      "SignedInfo or SignatureValue was changed, or another key "
			      "signed it", name,
		       cert_pem ? cert_pem : "the certificate in the file");
}

/* An xmlsec key holding cert's public key (and cert), for ctx->signKey. */
static xmlSecKeyPtr key_of_cert(X509 *cert)
{
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	xmlSecKeyPtr key = NULL;

	if (len > 0)
		key = xmlSecCryptoAppKeyLoadMemory(der, (xmlSecSize)len,
						   xmlSecKeyDataFormatCertDer, NULL, NULL, NULL);
	OPENSSL_free(der);
	return key;
}

/*
 * Verifies sig with the key of the trusted certificate (cert_pem) or else
 * of the certificate in its KeyInfo: either way xmlsec is handed that one
 * key and never looks for another, so the signer we name is the key that
 * verified. (No keys manager: it would load the system CA store each time.)
 */
static int verify_node(struct reports_verify_result *out, xmlNodePtr sig,
		       const char *name, const char *cert_pem, const char *detached_path)
{
	char uri[LIMIT_PATH_BYTES];
	xmlSecDSigCtxPtr ctx = NULL;
	X509 *trusted = NULL, *inside = NULL;
	X509 *signer;
	int rc = 0;

	uri[0] = '\0';
	if ((detached_path && (rc = file_uri(uri, sizeof(uri), detached_path)) < 0) ||
	    (rc = check_shape(sig, uri, name)) < 0)
		goto cleanup;
	if ((rc = embedded_cert(&inside, sig)) < 0 ||
	    (cert_pem && (rc = read_cert(&trusted, cert_pem)) < 0))
		goto cleanup;
	if (!cert_pem && !inside) {
		rc = err_set(ERR_INVALID, "%s: the signature carries no X.509 certificate; "
				      "give the signer's with --cert", name);
		goto cleanup;
	}
	if (cert_pem && inside && X509_cmp(inside, trusted) != 0) {
		rc = err_set(ERR_INVALID, "%s: the certificate in KeyInfo is not %s (another "
				      "signer, or the certificate was changed)", name, cert_pem);
		goto cleanup;
	}
	signer = cert_pem ? trusted : inside;
	/* A self-issued certificate (issuer = subject) must carry a valid
	 * self-signature; X509_check_issued would also demand keyCertSign,
	 * which a signing certificate lacks. */
	if (!cert_pem &&
	    X509_NAME_cmp(X509_get_issuer_name(signer), X509_get_subject_name(signer)) == 0 &&
	    X509_verify(signer, X509_get0_pubkey(signer)) != 1) {
		rc = err_set(ERR_INVALID, "%s: the self-signed certificate in KeyInfo was "
				      "changed (its self-signature fails)", name);
		goto cleanup;
	}
	ctx = xmlSecDSigCtxCreate(NULL);
	if (!ctx || !(ctx->signKey = key_of_cert(signer))) {
		rc = err_set(ERR_INTERNAL, "%s: xmlsec cannot use the certificate's key: %s",
			     cert_pem ? cert_pem : name, xmlsec_msg);
		goto cleanup;
	}
	if ((rc = restrict_ctx(ctx, detached_path != NULL)) < 0)
		goto cleanup;

	if (detached_path) {
		io_map.uri = uri;
		io_map.path = detached_path;
	}
	rc = xmlSecDSigCtxVerify(ctx, sig);
	io_map.uri = io_map.path = NULL;
	if (rc < 0) {
		rc = err_set(ERR_INVALID, "%s: the signature cannot be checked: %s", name,
			     xmlsec_msg[0] ? xmlsec_msg : "xmlsec failed");
		goto cleanup;
	}
	if (ctx->status != xmlSecDSigStatusSucceeded) {
		rc = explain_failure(ctx, name, cert_pem);
		goto cleanup;
	}
	subject_of(out->subject, sizeof(out->subject), signer);
	out->trusted = cert_pem != NULL;
cleanup:
	if (ctx)
		xmlSecDSigCtxDestroy(ctx); /* frees signKey */
	X509_free(trusted);
	X509_free(inside);
	return rc;
}

int reports_verify_file(struct reports_verify_result *out, const char *path,
			const char *cert_pem)
{
	char sig_path[LIMIT_PATH_BYTES];
	xmlDocPtr doc = NULL, sig_doc = NULL;
	xmlNodePtr root, sig = NULL;
	struct stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = begin()) < 0 ||
	    (rc = path_join(sig_path, sizeof(sig_path), path, ".sig")) < 0)
		goto cleanup;
	if (stat(path, &st) < 0) {
		rc = err_sys(ERR_SYSTEM, "%s", path);
		goto cleanup;
	}
	if (st.st_size <= LIMIT_XML_BYTES) {
		if ((rc = read_signed(&doc, path)) < 0)
			goto cleanup;
		root = xmlDocGetRootElement(doc);
		sig = xmlSecFindNode(root, xmlSecNodeSignature, xmlSecDSigNs);
		if (sig && sig->parent != root) {
			rc = err_set(ERR_INVALID, "%s:%ld: the ds:Signature must be a child of "
					      "the root element", path, xmlGetLineNo(sig));
			goto cleanup;
		}
	}
	if (sig) {
		rc = verify_node(out, sig, path, cert_pem, NULL);
		goto cleanup;
	}
	if (access(sig_path, F_OK) != 0) {
		rc = doc ? err_set(ERR_INVALID, "%s: not signed (no ds:Signature in it and "
					    "no %s beside it)", path, sig_path)
			 : err_set(ERR_LIMIT, "%s: larger than %lld bytes, so it must have a "
					    "detached signature, and there is no %s", path,
				   (long long)LIMIT_XML_BYTES, sig_path);
		goto cleanup;
	}
	if ((rc = read_signed(&sig_doc, sig_path)) < 0)
		goto cleanup;
	sig = xmlDocGetRootElement(sig_doc);
	if (!xmlSecCheckNodeName(sig, xmlSecNodeSignature, xmlSecDSigNs)) {
		rc = err_set(ERR_INVALID, "%s: not a detached signature (its root is not "
				      "ds:Signature)", sig_path);
		goto cleanup;
	}
	out->detached = true;
	rc = verify_node(out, sig, sig_path, cert_pem, path);
cleanup:
	if (rc < 0) {
		out->trusted = false;
		out->subject[0] = '\0';
	}
	xmlFreeDoc(sig_doc);
	xmlFreeDoc(doc);
	return rc;
}

/* --- published certificates ------------------------------------------------- */

/* t as YYYY-MM-DDTHH:MM:SSZ into out[21]. */
static int format_asn1_time(char out[21], const ASN1_TIME *t)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1 || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		return err_set(ERR_INVALID, "a certificate time cannot be read");
	return 0;
}

int reports_cert_info_read(struct reports_cert_info *out, const char *path)
{
	X509 *cert = NULL;
	BIO *bio = NULL;
	char *pem;
	long n;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_cert(&cert, path)) < 0)
		return rc;
	if ((rc = cert_key_id(out->key_id, cert)) < 0 ||
	    (rc = format_asn1_time(out->not_before, X509_get0_notBefore(cert))) < 0 ||
	    (rc = format_asn1_time(out->not_after, X509_get0_notAfter(cert))) < 0)
		goto cleanup;
	subject_of(out->subject, sizeof(out->subject), cert);
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_X509(bio, cert) || (n = BIO_get_mem_data(bio, &pem)) <= 0 ||
	    !(out->pem = strndup(pem, (size_t)n))) {
		rc = err_set(ERR_INTERNAL, "%s: cannot write the certificate as PEM", path);
		goto cleanup;
	}
cleanup:
	if (rc < 0)
		reports_cert_info_free(out);
	BIO_free(bio);
	X509_free(cert);
	return rc;
}

void reports_cert_info_free(struct reports_cert_info *ci)
{
	free(ci->pem);
	ci->pem = NULL;
}
