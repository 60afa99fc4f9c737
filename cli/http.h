/*
 * http.h - the one door: tfledger's client of tfledgerd (libcurl). Every
 * command a person runs for their work sends its request here, with the
 * server's URL and the person's token (--url, --token or --token-file,
 * else $TFLEDGER_URL, $TFLEDGER_TOKEN; --token shows in `ps`, the others
 * do not); only operating the installation (db, migrate, the
 * first admin) and offline work (rank from a CSV, verify-statement,
 * report verify) reach the database or files directly.
 *
 * An https URL is always verified: the server's certificate must chain to
 * a CA the system trusts, or to the one in --cacert FILE (else
 * $TFLEDGER_CACERT), and name the URL's host. There is no way to turn
 * verification off.
 *
 * Refusals are printed in one form, "tfledger: WHAT: MESSAGE [code]", and
 * turned into the exit status: 1 for a 4xx (the caller's input), 2 for a
 * 5xx or a server that cannot be reached.
 */
#ifndef TFLEDGER_CLI_HTTP_H
#define TFLEDGER_CLI_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/args.h"

#define CLI_HTTP_DEFAULT_URL "http://127.0.0.1:8080"

struct cli_progress;

struct cli_http {
	const char *url;   /* --url, else $TFLEDGER_URL, else CLI_HTTP_DEFAULT_URL */
	const char *token; /* --token, else --token-file's, else $TFLEDGER_TOKEN */
	const char *token_file; /* --token-file FILE (mode 0600), or NULL */
	const char *cacert; /* --cacert FILE, else $TFLEDGER_CACERT, else NULL: the system's CAs */
	const char *key;   /* Idempotency-Key of a write, or NULL */
	struct cli_progress *progress; /* follows a request body's upload, or NULL */
	FILE *body_file;	       /* a body read from here as it is sent, or NULL */
};

/* --url URL, --token TOKEN, --token-file FILE and --cacert FILE, the same in
 * every command that takes them. */
#define CLI_ARGS_SERVER(T, m)                                                             \
	CLI_ARGS_OPT_STR("url", T, m.url, "URL",                                          \
			 "tfledgerd (default $TFLEDGER_URL, else " CLI_HTTP_DEFAULT_URL ")", 0), \
	CLI_ARGS_OPT_STR("token", T, m.token, "TOKEN", "your API token (default $TFLEDGER_TOKEN)", 0), \
	CLI_ARGS_OPT_STR("token-file", T, m.token_file, "FILE",                           \
			 "read your token from FILE (mode 0600) instead: out of ps", 0),         \
	CLI_ARGS_OPT_STR("cacert", T, m.cacert, "FILE",                                   \
			 "trust the CA certificate(s) in FILE (PEM) for an https URL "           \
			 "(default $TFLEDGER_CACERT, else the system's)", 0)

/*
 * Fills what h lacks: the token from h->token_file (cli_http_token_file),
 * else $TFLEDGER_TOKEN; the URL from $TFLEDGER_URL, else the default; the
 * CA file from $TFLEDGER_CACERT. A
 * token file that cannot be used (or both --token and --token-file) leaves
 * h->token NULL and its reason for the request to print (exit 1).
 */
void cli_http_defaults(struct cli_http *h);

/*
 * The token in the file at path (cfg_secret_file: its first line; refused
 * if its group or others may read it) into *out, valid for the process.
 * 0, or the error with the message set (naming the file, never the token).
 */
int cli_http_token_file(const char **out, const char *path);

/*
 * One JSON request: METHOD h->url + path with body (NULL: none) as
 * application/json. On a 2xx, *out is the parsed answer (NULL for 204) and
 * 0 is returned; otherwise the refusal is printed as "tfledger: WHAT:
 * MESSAGE [code]" (what names the command, "pledges add") and the exit
 * status (1 or 2) is returned with *out NULL.
 */
int cli_http_json(json_t **out, const struct cli_http *h, const char *what, const char *method,
		  const char *path, const json_t *body);

/*
 * One request of any content: body (blen bytes, NULL for none; or, with
 * body NULL and h->body_file set, blen bytes read from that file as they
 * are sent, so that a large file is never held in memory) sent as ctype;
 * on a 2xx the answer's bytes (NUL-terminated) into *out (free it)
 * and *len, its Content-Type into rtype (size rsize, may be NULL).
 * Refusals as cli_http_json.
 */
int cli_http_raw(char **out, size_t *len, const struct cli_http *h, const char *what,
		 const char *method, const char *path, const char *ctype, const char *body,
		 size_t blen, char *rtype, size_t rsize);

/*
 * An answer's JSON text parsed (json_loadb; NULL with *e on failure), its
 * strings made safe to print: one that is not text the ledger accepts
 * (common/text.h: a memo stored with U+001B before the door refused it)
 * becomes what text_shown shows ("\u001B"), so no answer can act on the
 * terminal. Every answer the CLI reads goes through here.
 */
json_t *cli_http_load(const char *text, size_t len, json_error_t *e);

/*
 * Appends to path (size bytes in all) a query string of params' members
 * whose values are strings, integers or true ("?a=1&b=x%20y"; false and
 * null members are left out); values are URL-escaped. ERR_LIMIT if it does
 * not fit.
 */
int cli_http_query(char *path, size_t size, const json_t *params);

/* One path segment from the command line, refused (usage error, exit 1) if
 * it holds '/', '?', '#', '%', '&', a space or a control character. */
int cli_http_segment_ok(const char *what, const char *segment);

#endif
