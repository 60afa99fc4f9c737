/*
 * hash.c - SHA-256 hex digests with OpenSSL's EVP interface.
 */
#include "common/hash.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>

#include "common/err.h"

static void to_hex(char out[HASH_HEX_BYTES], const unsigned char *md)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

int hash_sha256_hex(char out[HASH_HEX_BYTES], const void *data, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return err_set(ERR_INTERNAL, "SHA-256 failed");
	to_hex(out, md);
	return 0;
}

int hash_file_sha256_hex(char out[HASH_HEX_BYTES], const char *path)
{
	unsigned char md[32];
	unsigned char buf[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = NULL;
	FILE *f = NULL;
	size_t n;
	int rc = 0;

	f = fopen(path, "rb");
	if (!f) {
		rc = err_sys(ERR_SYSTEM, "%s", path);
		goto cleanup;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = err_set(ERR_INTERNAL, "SHA-256 init failed");
		goto cleanup;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (!EVP_DigestUpdate(ctx, buf, n)) {
			rc = err_set(ERR_INTERNAL, "SHA-256 update failed");
			goto cleanup;
		}
	if (ferror(f)) {
		rc = err_sys(ERR_SYSTEM, "%s: read", path);
		goto cleanup;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
		rc = err_set(ERR_INTERNAL, "SHA-256 final failed");
		goto cleanup;
	}
	to_hex(out, md);
cleanup:
	EVP_MD_CTX_free(ctx);
	if (f)
		fclose(f);
	return rc;
}

/* The sum is OpenSSL's digest context itself. */
static EVP_MD_CTX *ctx_of(const struct hash_sha256 *h)
{
	return (EVP_MD_CTX *)h;
}

int hash_sha256_begin(struct hash_sha256 **out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	*out = NULL;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return err_set(ERR_INTERNAL, "SHA-256 init failed");
	}
	*out = (struct hash_sha256 *)ctx;
	return 0;
}

int hash_sha256_add(struct hash_sha256 *h, const void *data, size_t len)
{
	if (!EVP_DigestUpdate(ctx_of(h), data, len))
		return err_set(ERR_INTERNAL, "SHA-256 update failed");
	return 0;
}

int hash_sha256_hex_of(char out[HASH_HEX_BYTES], const struct hash_sha256 *h)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *copy = EVP_MD_CTX_new();
	int rc = 0;

	/* a copy is finished, so that h may take more or be asked again */
	if (!copy || !EVP_MD_CTX_copy_ex(copy, ctx_of(h)) ||
	    !EVP_DigestFinal_ex(copy, md, &mdlen) || mdlen != 32)
		rc = err_set(ERR_INTERNAL, "SHA-256 final failed");
	else
		to_hex(out, md);
	EVP_MD_CTX_free(copy);
	return rc;
}

void hash_sha256_free(struct hash_sha256 *h)
{
	EVP_MD_CTX_free(ctx_of(h));
}

int hash_equal_ct(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}
