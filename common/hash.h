/*
 * hash.h - SHA-256 through OpenSSL libcrypto, as lower-case hex.
 */
#ifndef TFLEDGER_HASH_H
#define TFLEDGER_HASH_H

#include <stddef.h>

#define HASH_HEX_BYTES 65 /* 64 hex digits and the NUL */

/* out = hex SHA-256 of data[0..len). Returns 0 or ERR_INTERNAL. */
int hash_sha256_hex(char out[HASH_HEX_BYTES], const void *data, size_t len);

/* out = hex SHA-256 of the whole file at path. Returns 0 or ERR_SYSTEM. */
int hash_file_sha256_hex(char out[HASH_HEX_BYTES], const char *path);

/* An SHA-256 computed as its data arrives (a request body spooled to a
 * file): begin, add any number of times, hex (which may be asked more
 * than once and leaves the sum open), free. */
struct hash_sha256;

/* *out = a new sum of nothing. Returns 0 or ERR_INTERNAL. */
int hash_sha256_begin(struct hash_sha256 **out);
/* Adds len bytes at data to h. Returns 0 or ERR_INTERNAL. */
int hash_sha256_add(struct hash_sha256 *h, const void *data, size_t len);
/* out = hex SHA-256 of all h was given so far: the same as
 * hash_sha256_hex of those bytes in one buffer. Returns 0 or ERR_INTERNAL. */
int hash_sha256_hex_of(char out[HASH_HEX_BYTES], const struct hash_sha256 *h);
/* Frees h (NULL: nothing). */
void hash_sha256_free(struct hash_sha256 *h);

/* Constant-time comparison of two equal-length buffers: 1 if equal. */
int hash_equal_ct(const void *a, const void *b, size_t len);

#endif
