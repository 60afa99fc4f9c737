/*
 * xml.c - safe parsing, XSD validation and streaming readers (see xml.h).
 * Errors from libxml2 are taken from the parser context or the validation
 * context (libxml2 2.9 keeps the last error per thread), never printed by
 * libxml2 itself (XML_PARSE_NOERROR).
 *
 * Every byte reaches libxml2 through one guard (struct guard): libxml2 reads
 * it through an I/O callback that first runs the bytes through a small
 * lexical scanner (struct scan) counting what libxml2 would otherwise pay
 * for quadratically or without bound: attributes per element (libxml2 2.9
 * compares each with every one before it: 200,000 took 140 s), nesting
 * depth, name length, text size, and in a tree the number of nodes. A
 * chunk that oversteps a bound is never handed over: the read fails, the
 * parse stops, and the guard's message (file:line, the bound by name)
 * replaces libxml2's. One pass, in the stream: a file is read once and a
 * streamed statement stays streamed. libxml2's own options cannot do it
 * (it has no attribute bound, and its depth limit is 256 without
 * XML_PARSE_HUGE), and a SAX or reader pass comes too late: the quadratic
 * work is done inside the start tag, before any callback.
 *
 * The scanner follows XML's lexical structure (tags, quoted values,
 * comments, CDATA, processing instructions) exactly for well-formed input;
 * on malformed input it may lose its way, but libxml2 stops at the first
 * malformation, so every byte libxml2 acts on has been counted right.
 */
#include "common/xml.h"

#include <libxml/xmlschemas.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/limits.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void)
{
	xmlInitParser();
}

void xml_init(void)
{
	pthread_once(&once, init_once);
}

/* First error of a parse or validation, with its line. */
struct first_error {
	char msg[512];
	int line;
	int seen;
};

static void keep_first(void *ctx, xmlErrorPtr e)
{
	struct first_error *fe = ctx;
	size_t n;

	if (fe->seen || !e || e->level < XML_ERR_ERROR)
		return;
	fe->seen = 1;
	fe->line = e->line;
	snprintf(fe->msg, sizeof(fe->msg), "%s", e->message ? e->message : "error");
	n = strlen(fe->msg);
	while (n > 0 && (fe->msg[n - 1] == '\n' || fe->msg[n - 1] == ' '))
		fe->msg[--n] = '\0';
}

/* --- the guard: bounds checked on the bytes before libxml2 sees them --- */

enum scan_state {
	S_TEXT,     /* character data */
	S_LT,       /* after '<' */
	S_STAG,     /* an element's name */
	S_TAG,      /* inside a start tag, between attributes */
	S_ANAME,    /* an attribute's name */
	S_AEQ,      /* after an attribute's name, before its quote */
	S_AVAL,     /* inside a quoted attribute value */
	S_EMPTY,    /* after '/' in a start tag */
	S_ETAG,     /* an end tag */
	S_BANG,     /* after "<!" */
	S_COMMENT,  /* inside <!-- --> */
	S_CDATA,    /* inside <![CDATA[ ]]> */
	S_PI        /* inside <? ?> */
};

struct scan {
	const char *name; /* the document, in messages */
	long nodes_max;   /* 0: not bound (a streamed document) */
	enum scan_state state;
	long line;
	int depth;
	int attrs;        /* on the element being opened */
	size_t name_len;  /* of the name being read */
	size_t text_len;  /* of the text, value, comment, CDATA or PI being read */
	long nodes;
	int run;          /* '-' or ']' just seen in a row; '?' just seen */
	char head[10];    /* markup begun with "<!", up to "<![CDATA[" */
	size_t bang;      /* bytes in head */
	char quote;
	int rc;           /* 0, or the error the guard failed with */
	char msg[LIMIT_ERR_BYTES];
};

/* A bound named in limits.h was overstepped: what is "more than", the bound. */
static int over(struct scan *s, const char *what, long bound, const char *unit)
{
	s->rc = ERR_LIMIT;
	snprintf(s->msg, sizeof(s->msg), "%s:%ld: %s %ld %s", s->name, s->line, what, bound,
		 unit);
	return ERR_LIMIT;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int count_node(struct scan *s)
{
	if (s->nodes_max && ++s->nodes > s->nodes_max)
		return over(s, "more than", s->nodes_max, "nodes in one document (LIMIT_XML_NODES)");
	return 0;
}

static int grow_name(struct scan *s)
{
	if (++s->name_len > LIMIT_XML_NAME_BYTES)
		return over(s, "a name longer than", LIMIT_XML_NAME_BYTES,
			    "bytes (LIMIT_XML_NAME_BYTES)");
	return 0;
}

static int grow_text(struct scan *s)
{
	if (++s->text_len > LIMIT_XML_TEXT_BYTES)
		return over(s, "a text longer than", LIMIT_XML_TEXT_BYTES,
			    "bytes (LIMIT_XML_TEXT_BYTES)");
	return 0;
}

/* Back to character data after a '>' that ends markup. */
static void to_text(struct scan *s)
{
	s->state = S_TEXT;
	s->text_len = 0;
}

/* Runs one byte through the scanner: 0, or the bound it oversteps. */
static int scan_byte(struct scan *s, unsigned char c)
{
	static const char comment[] = "<!--", cdata[] = "<![CDATA[", doctype[] = "<!DOCTYPE";

	if (c == '\n')
		s->line++;
	switch (s->state) {
	case S_TEXT:
		if (c == '<') {
			if (s->text_len > 0 && count_node(s) < 0)
				return s->rc;
			s->state = S_LT;
			return 0;
		}
		return grow_text(s);
	case S_LT:
		if (c == '/') {
			s->state = S_ETAG;
			return 0;
		}
		if (c == '?') {
			s->state = S_PI;
			s->text_len = 0;
			s->run = 0;
			return count_node(s);
		}
		if (c == '!') {
			s->state = S_BANG;
			memcpy(s->head, "<!", 3);
			s->bang = 2;
			return 0;
		}
		if (++s->depth > LIMIT_XML_DEPTH)
			return over(s, "nested deeper than", LIMIT_XML_DEPTH,
				    "elements (LIMIT_XML_DEPTH)");
		s->state = S_STAG;
		s->attrs = 0;
		s->name_len = 1;
		return count_node(s);
	case S_STAG:
	case S_TAG:
		if (c == '>') {
			to_text(s);
			return 0;
		}
		if (c == '/') {
			s->state = S_EMPTY;
			return 0;
		}
		if (is_blank(c)) {
			s->state = S_TAG;
			return 0;
		}
		if (s->state == S_STAG)
			return grow_name(s);
		if (++s->attrs > LIMIT_XML_ATTRIBUTES)
			return over(s, "more than", LIMIT_XML_ATTRIBUTES,
				    "attributes on one element (LIMIT_XML_ATTRIBUTES)");
		s->state = S_ANAME;
		s->name_len = 1;
		return count_node(s);
	case S_ANAME:
		if (c == '=' || is_blank(c)) {
			s->state = S_AEQ;
			return 0;
		}
		return grow_name(s);
	case S_AEQ:
		if (c == '"' || c == '\'') {
			s->state = S_AVAL;
			s->quote = (char)c;
			s->text_len = 0;
		}
		return 0;
	case S_AVAL:
		if (c == (unsigned char)s->quote) {
			s->state = S_TAG;
			return 0;
		}
		return grow_text(s);
	case S_EMPTY:
		if (c == '>') {
			s->depth--;
			to_text(s);
		} else {
			s->state = S_TAG; /* malformed: libxml2 says so */
		}
		return 0;
	case S_ETAG:
		if (c == '>') {
			if (s->depth > 0)
				s->depth--;
			to_text(s);
		}
		return 0; /* its name was counted in its start tag */
	case S_BANG:
		s->head[s->bang++] = (char)c;
		s->head[s->bang] = '\0';
		if (strcmp(s->head, comment) == 0 || strcmp(s->head, cdata) == 0) {
			s->state = strcmp(s->head, comment) == 0 ? S_COMMENT : S_CDATA;
			s->text_len = 0;
			s->run = 0;
			return count_node(s);
		}
		if (strcmp(s->head, doctype) == 0) {
			s->rc = ERR_INVALID;
			snprintf(s->msg, sizeof(s->msg), "%s:%ld: has a DOCTYPE, which is refused "
				 "(entities and external DTDs are not accepted)", s->name, s->line);
			return ERR_INVALID;
		}
		if (strncmp(s->head, comment, s->bang) && strncmp(s->head, cdata, s->bang) &&
		    strncmp(s->head, doctype, s->bang))
			to_text(s); /* malformed: libxml2 says so */
		return 0;
	case S_COMMENT:
	case S_CDATA: {
		char end = s->state == S_COMMENT ? '-' : ']';

		if (c == '>' && s->run >= 2) {
			to_text(s);
			return 0;
		}
		s->run = c == (unsigned char)end ? s->run + 1 : 0;
		/* comments are skipped by every reader of ours (libxml2 reads
		 * them in linear time): only the whole document bounds them */
		return s->state == S_CDATA ? grow_text(s) : 0;
	}
	case S_PI: /* skipped like comments */
		if (c == '>' && s->run) {
			to_text(s);
			return 0;
		}
		s->run = c == '?';
		return 0;
	}
	return 0;
}

/*
 * What libxml2 reads a document through: its bytes come from a file (fd)
 * or memory (buf), through the scanner. After a bound is overstepped every
 * read fails and scan.rc/msg say why.
 */
struct guard {
	int fd;             /* -1: reading buf */
	const char *buf;
	size_t len, pos;
	struct first_error first; /* libxml2's first error (readers) */
	struct scan scan;
};

static int guard_read(void *ctx, char *out, int size)
{
	struct guard *g = ctx;
	ssize_t n;

	if (g->scan.rc < 0 || size <= 0)
		return -1;
	if (g->fd >= 0) {
		do
			n = read(g->fd, out, (size_t)size);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -1;
	} else {
		n = (ssize_t)(g->len - g->pos < (size_t)size ? g->len - g->pos : (size_t)size);
		memcpy(out, g->buf + g->pos, (size_t)n);
		g->pos += (size_t)n;
	}
	for (ssize_t i = 0; i < n; i++)
		if (scan_byte(&g->scan, (unsigned char)out[i]) < 0)
			return -1; /* the chunk is never handed over */
	return (int)n;
}

static int guard_close(void *ctx)
{
	struct guard *g = ctx;

	if (g->fd >= 0)
		close(g->fd);
	g->fd = -1;
	return 0;
}

/* A reader's guard is freed with the reader. */
static int guard_close_free(void *ctx)
{
	guard_close(ctx);
	free(ctx);
	return 0;
}

/* Sets up g to read path (else len bytes at buf), naming name in messages;
 * nodes_max 0 leaves the node count unbound. ERR_SYSTEM if path cannot be
 * opened. */
static int guard_init(struct guard *g, const char *path, const char *buf, size_t len,
		      const char *name, long nodes_max)
{
	memset(g, 0, sizeof(*g));
	g->fd = -1;
	g->buf = buf;
	g->len = len;
	g->scan.name = name;
	g->scan.nodes_max = nodes_max;
	g->scan.line = 1;
	if (path) {
		g->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (g->fd < 0)
			return err_sys(ERR_SYSTEM, "%s", path);
	}
	return 0;
}

/* The guard's failure as the thread's error (a bound is a 400 to a client:
 * the caller sent it). */
static int guard_error(const struct guard *g)
{
	if (g->scan.rc == ERR_LIMIT)
		return err_code_set(ERR_LIMIT, EC_INVALID_FIELD, "%s", g->scan.msg);
	return err_set(g->scan.rc, "%s", g->scan.msg);
}

/* Parses path (else the len bytes at buf) into *out through a guard. */
static int parse(xmlDocPtr *out, const char *buf, size_t len, const char *path,
		 const char *name)
{
	struct first_error fe = {.seen = 0};
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	struct guard g;
	int rc;

	xml_init();
	*out = NULL;
	if ((rc = guard_init(&g, path, buf, len, name, LIMIT_XML_NODES)) < 0)
		return rc;
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		guard_close(&g);
		return err_oom();
	}
	/* closes g (not freed: it is ours) whatever happens */
	doc = xmlCtxtReadIO(ctxt, guard_read, guard_close, &g, name, NULL, XML_SAFE_OPTIONS);
	if (g.scan.rc < 0) {
		rc = guard_error(&g);
		goto cleanup;
	}
	if (!doc || !ctxt->wellFormed) {
		keep_first(&fe, xmlCtxtGetLastError(ctxt));
		rc = err_set(ERR_INVALID, "%s:%d: not well-formed XML: %s", name,
			     fe.seen ? fe.line : 0, fe.seen ? fe.msg : "parse failed");
		goto cleanup;
	}
	if (doc->intSubset || doc->extSubset) {
		rc = err_set(ERR_INVALID, "%s: has a DOCTYPE, which is refused "
				      "(entities and external DTDs are not accepted)", name);
		goto cleanup;
	}
	*out = doc;
	doc = NULL;
cleanup:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}

int xml_read_file(xmlDocPtr *out, const char *path)
{
	struct stat st;

	*out = NULL;
	if (stat(path, &st) < 0)
		return err_sys(ERR_SYSTEM, "%s", path);
	if (st.st_size > LIMIT_XML_BYTES)
		return err_set(ERR_LIMIT, "%s: larger than %lld bytes", path,
			       (long long)LIMIT_XML_BYTES);
	return parse(out, NULL, 0, path, path);
}

int xml_read_memory(xmlDocPtr *out, const char *buf, size_t len, const char *name)
{
	*out = NULL;
	if (len > LIMIT_XML_BYTES)
		return err_set(ERR_LIMIT, "%s: larger than %lld bytes", name,
			       (long long)LIMIT_XML_BYTES);
	return parse(out, buf, len, NULL, name);
}

int xml_validate(xmlDocPtr doc, const char *xsd_path, const char *name)
{
	struct first_error fe = {.seen = 0};
	struct first_error schema_fe = {.seen = 0};
	xmlSchemaParserCtxtPtr pctxt = NULL;
	xmlSchemaPtr schema = NULL;
	xmlSchemaValidCtxtPtr vctxt = NULL;
	int rc = 0;

	xml_init();
	pctxt = xmlSchemaNewParserCtxt(xsd_path);
	if (!pctxt) {
		rc = err_set(ERR_SYSTEM, "%s: cannot load schema", xsd_path);
		goto cleanup;
	}
	xmlSchemaSetParserStructuredErrors(pctxt, keep_first, &schema_fe);
	schema = xmlSchemaParse(pctxt);
	if (!schema) {
		rc = err_set(ERR_SYSTEM, "%s:%d: cannot load schema: %s", xsd_path,
			     schema_fe.line, schema_fe.seen ? schema_fe.msg : "unknown error");
		goto cleanup;
	}
	vctxt = xmlSchemaNewValidCtxt(schema);
	if (!vctxt) {
		rc = err_set(ERR_SYSTEM, "out of memory");
		goto cleanup;
	}
	xmlSchemaSetValidStructuredErrors(vctxt, keep_first, &fe);
	if (xmlSchemaValidateDoc(vctxt, doc) != 0)
		rc = err_set(ERR_INVALID, "%s:%d: %s", name, fe.seen ? fe.line : 0,
			     fe.seen ? fe.msg : "not valid against its schema");
cleanup:
	xmlSchemaFreeValidCtxt(vctxt);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctxt);
	return rc;
}

/* Keeps libxml2's first error of a reader in its guard. */
static void reader_error(void *ctx, xmlErrorPtr e)
{
	struct guard *g = ctx;

	keep_first(&g->first, e);
}

/*
 * A reader over path (else the len bytes at buf) through a new guard that
 * the reader owns (freed when it is). The guard is also the reader's error
 * handler's argument: that is how xml_reader_error finds it again.
 */
static int reader_open(xmlTextReaderPtr *out, const char *path, const char *buf, size_t len,
		       const char *name)
{
	struct guard *g = malloc(sizeof(*g));
	int rc;

	xml_init();
	*out = NULL;
	if (!g)
		return err_oom();
	if ((rc = guard_init(g, path, buf, len, name, 0)) < 0) {
		free(g);
		return rc;
	}
	/* frees g whatever happens */
	*out = xmlReaderForIO(guard_read, guard_close_free, g, name, NULL, XML_SAFE_OPTIONS);
	if (!*out)
		return err_set(ERR_SYSTEM, "%s: cannot open for reading", name);
	xmlTextReaderSetStructuredErrorHandler(*out, reader_error, g);
	return 0;
}

int xml_reader_open(xmlTextReaderPtr *out, const char *path)
{
	return reader_open(out, path, NULL, 0, path);
}

int xml_reader_open_named(xmlTextReaderPtr *out, const char *path, const char *name)
{
	return reader_open(out, path, NULL, 0, name);
}

int xml_reader_open_memory(xmlTextReaderPtr *out, const char *buf, size_t len,
			   const char *name)
{
	if (len > (size_t)INT32_MAX) {
		*out = NULL;
		return err_set(ERR_LIMIT, "%s: too large", name);
	}
	return reader_open(out, NULL, buf, len, name);
}

/* The guard of a reader that reader_open made. */
static struct guard *guard_of(xmlTextReaderPtr r)
{
	xmlTextReaderErrorFunc f;
	void *arg = NULL;

	xmlTextReaderGetErrorHandler(r, &f, &arg);
	ASSERT(arg != NULL);
	return arg;
}

int xml_reader_check(xmlTextReaderPtr r, const char *name)
{
	if (xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE)
		return err_set(ERR_INVALID, "%s:%d: has a DOCTYPE, which is refused "
				      "(entities and external DTDs are not accepted)",
			       name, xmlTextReaderGetParserLineNumber(r));
	if (xmlTextReaderDepth(r) > LIMIT_XML_DEPTH)
		return err_set(ERR_LIMIT, "%s:%d: nested deeper than %d elements", name,
			       xmlTextReaderGetParserLineNumber(r), LIMIT_XML_DEPTH);
	return 0;
}

int xml_reader_error(xmlTextReaderPtr r, const char *name)
{
	const struct guard *g = guard_of(r);
	xmlErrorPtr e = xmlGetLastError();
	const char *msg = e && e->message ? e->message : "not well-formed XML";
	int line = e ? e->line : 0;
	size_t n;

	if (g->scan.rc < 0)
		return guard_error(g);
	if (g->first.seen) {
		msg = g->first.msg;
		line = g->first.line;
	}
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return err_set(ERR_INVALID, "%s:%d: %.*s", name, line, (int)n, msg);
}
