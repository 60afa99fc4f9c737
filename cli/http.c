/*
 * http.c - tfledger's client of tfledgerd (http.h): one libcurl request
 * per call, the answer held in memory up to LIMIT_HTTP_ANSWER_BYTES.
 */
#include "cli/http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/cfg.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/text.h"

/* The largest answer the CLI keeps: a report or a long list. */
#define ANSWER_MAX ((size_t)512 * 1024 * 1024)

/* Why the token could not be had (cli_http_defaults), printed by the request. */
static char token_problem[LIMIT_ERR_BYTES];

int cli_http_token_file(const char **out, const char *path)
{
	static char token[LIMIT_SECRET_FILE_BYTES + 1];
	int rc = cfg_secret_file(token, sizeof(token), path);

	*out = rc == 0 ? token : NULL;
	return rc < 0 ? err_wrap(rc, "--token-file") : 0;
}

void cli_http_defaults(struct cli_http *h)
{
	const char *u = getenv("TFLEDGER_URL"), *t = getenv("TFLEDGER_TOKEN");
	const char *ca = getenv("TFLEDGER_CACERT");

	if (!h->url)
		h->url = u && *u ? u : CLI_HTTP_DEFAULT_URL;
	if (!h->cacert && ca && *ca)
		h->cacert = ca;
	if (h->token && h->token_file) {
		h->token = NULL;
		snprintf(token_problem, sizeof(token_problem),
			 "give --token or --token-file, not both");
		return;
	}
	if (!h->token && h->token_file) {
		if (cli_http_token_file(&h->token, h->token_file) < 0)
			snprintf(token_problem, sizeof(token_problem), "%s", err_last());
		return;
	}
	if (!h->token && t && *t)
		h->token = t;
}

struct buf {
	char *p;
	size_t len;
	bool too_large;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct buf *b = ud;
	size_t k = size * n;
	char *q;

	if (b->len + k > ANSWER_MAX) {
		b->too_large = true;
		return 0;
	}
	q = realloc(b->p, b->len + k + 1);
	if (!q)
		return 0;
	memcpy(q + b->len, p, k);
	b->p = q;
	b->len += k;
	q[b->len] = '\0';
	return k;
}

/* libcurl's progress callback: the bytes of the body sent so far. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	cli_progress_update(ud, (int64_t)ulnow);
	return 0;
}

/* libcurl's reader of a body sent from a file. */
static size_t on_read(char *p, size_t size, size_t n, void *ud)
{
	size_t got = fread(p, size, n, ud);

	return got == 0 && ferror((FILE *)ud) ? CURL_READFUNC_ABORT : got;
}

/* Every string in v that is not text the ledger accepts, in place, as
 * text_shown shows it; false when memory ran out. */
static bool shown(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_string(v) && !text_ok(json_string_value(v), json_string_length(v))) {
		char *t = text_shown(json_string_value(v), json_string_length(v));
		bool ok = t && json_string_set(v, t) == 0;

		free(t);
		return ok;
	}
	json_object_foreach(v, key, x)
		if (!shown(x))
			return false;
	json_array_foreach(v, i, x)
		if (!shown(x))
			return false;
	return true;
}

json_t *cli_http_load(const char *text, size_t len, json_error_t *e)
{
	json_t *o = json_loadb(text, len, 0, e);

	if (o && !shown(o)) {
		json_decref(o);
		snprintf(e->text, sizeof(e->text), "out of memory");
		return NULL;
	}
	return o;
}

/* Prints a refusal: the answer's error object if it has one, else its text. */
static int refused(const char *what, long status, const char *ctype, const char *body)
{
	json_error_t jerr;
	json_t *o = ctype && strstr(ctype, "json") && body
			    ? cli_http_load(body, strlen(body), &jerr) : NULL;
	json_t *e = json_object_get(o, "error");
	char *text = NULL;
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *code = json_string_value(json_object_get(e, "code"));

	if (msg)
		fprintf(stderr, "tfledger: %s: %s [%s]\n", what, msg, code ? code : "error");
	else
		fprintf(stderr, "tfledger: %s: HTTP %ld%s%.300s\n", what, status,
			body && *body ? ": " : "",
			body && (text = text_shown(body, strlen(body))) ? text : "");
	free(text);
	json_decref(o);
	return status < 500 ? CLI_USAGE : CLI_FAIL;
}

int cli_http_raw(char **out, size_t *len, const struct cli_http *h, const char *what,
		 const char *method, const char *path, const char *ctype, const char *body,
		 size_t blen, char *rtype, size_t rsize)
{
	char url[4096], auth[512], idem[320], ct[160], errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	struct buf b = {0};
	long status = 0;
	char *got = NULL;
	CURL *c;
	CURLcode cc;
	int rc = 0;

	*out = NULL;
	if (len)
		*len = 0;
	if (rtype && rsize)
		rtype[0] = '\0';
	if ((size_t)snprintf(url, sizeof(url), "%s%s", h->url, path) >= sizeof(url)) {
		fprintf(stderr, "tfledger: %s: the URL is too long\n", what);
		return CLI_USAGE;
	}
	if (!h->token && token_problem[0]) {
		fprintf(stderr, "tfledger: %s: %s\n", what, token_problem);
		return CLI_USAGE;
	}
	if (!h->token) {
		fprintf(stderr, "tfledger: %s: no token: give --token, --token-file or set "
				"TFLEDGER_TOKEN\n", what);
		return CLI_USAGE;
	}
	c = curl_easy_init();
	if (!c) {
		fprintf(stderr, "tfledger: %s: out of memory\n", what);
		return CLI_FAIL;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* https: libcurl verifies the peer and the host name by default; the
	 * ledger never turns that off, it only adds the CA to trust. */
	if (h->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->cacert);
	if (h->progress) {
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, h->progress);
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", h->token);
	hdr = curl_slist_append(hdr, auth);
	if (h->key) {
		snprintf(idem, sizeof(idem), "Idempotency-Key: %s", h->key);
		hdr = curl_slist_append(hdr, idem);
	}
	if (body || h->body_file) {
		snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "application/json");
		hdr = curl_slist_append(hdr, ct);
		hdr = curl_slist_append(hdr, "Expect:"); /* send at once, no 100-continue */
		if (body) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		} else {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(c, CURLOPT_READDATA, h->body_file);
		}
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		if (b.too_large)
			fprintf(stderr, "tfledger: %s: the answer is larger than %zu bytes\n", what,
				ANSWER_MAX);
		else
			fprintf(stderr, "tfledger: %s: %s: %s%s%s\n", what, h->url,
				curl_easy_strerror(cc), *errbuf ? ": " : "", errbuf);
		if (cc == CURLE_PEER_FAILED_VERIFICATION)
			fprintf(stderr, "tfledger: %s: the server's certificate could not be "
					"verified: if the CA that issued it is not one this system "
					"trusts, give it with --cacert FILE (or $TFLEDGER_CACERT)\n",
				what);
		rc = CLI_FAIL;
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &got);
	if (status < 200 || status > 299) {
		rc = refused(what, status, got, b.p);
		goto done;
	}
	if (rtype && rsize)
		snprintf(rtype, rsize, "%s", got ? got : "");
	if (!b.p)
		b.p = calloc(1, 1);
	if (!b.p) {
		fprintf(stderr, "tfledger: %s: out of memory\n", what);
		rc = CLI_FAIL;
		goto done;
	}
	*out = b.p;
	if (len)
		*len = b.len;
	b.p = NULL;
done:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(b.p);
	return rc;
}

int cli_http_json(json_t **out, const struct cli_http *h, const char *what, const char *method,
		  const char *path, const json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL, *ans = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (body && !text) {
		fprintf(stderr, "tfledger: %s: out of memory\n", what);
		return CLI_FAIL;
	}
	rc = cli_http_raw(&ans, &len, h, what, method, path, "application/json", text,
			  text ? strlen(text) : 0, NULL, 0);
	free(text);
	if (rc != 0)
		return rc;
	if (len > 0) {
		json_error_t e;

		*out = cli_http_load(ans, len, &e);
		if (!*out) {
			fprintf(stderr, "tfledger: %s: the answer is not JSON: %s\n", what, e.text);
			rc = CLI_FAIL;
		}
	}
	free(ans);
	return rc;
}

int cli_http_query(char *path, size_t size, const json_t *params)
{
	size_t used = strlen(path);
	const char *k;
	json_t *v;
	char num[32];
	bool first = strchr(path, '?') == NULL;

	json_object_foreach((json_t *)params, k, v) {
		const char *text = NULL;
		char *esc;
		int n;

		if (json_is_string(v))
			text = json_string_value(v);
		else if (json_is_integer(v))
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)),
				text = num;
		else if (json_is_true(v))
			text = "true";
		if (!text)
			continue;
		esc = curl_easy_escape(NULL, text, (int)strlen(text));
		if (!esc)
			return err_set(ERR_INTERNAL, "out of memory");
		n = snprintf(path + used, size - used, "%c%s=%s", first ? '?' : '&', k, esc);
		curl_free(esc);
		if (n < 0 || (size_t)n >= size - used)
			return err_set(ERR_LIMIT, "the query string is too long");
		used += (size_t)n;
		first = false;
	}
	return 0;
}

int cli_http_segment_ok(const char *what, const char *segment)
{
	for (const unsigned char *p = (const unsigned char *)segment; *p; p++)
		if (*p < 0x20 || *p == 0x7f || strchr("/?#%& ", *p))
			return cli_usage_error(what, "'%s': a name here may not hold '/', '?', '#', "
						     "'%%', '&', spaces or control characters",
					       segment);
	return *segment ? 0 : cli_usage_error(what, "an empty name");
}
