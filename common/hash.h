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

/* Constant-time comparison of two equal-length buffers: 1 if equal. */
int hash_equal_ct(const void *a, const void *b, size_t len);

#endif
