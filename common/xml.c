/*
 * xml.c - safe parsing, XSD validation and streaming readers (see xml.h).
 * Errors from libxml2 are taken from the parser context or the validation
 * context (libxml2 2.9 keeps the last error per thread), never printed by
 * libxml2 itself (XML_PARSE_NOERROR).
 */
#include "common/xml.h"

#include <libxml/xmlschemas.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

static int parse(xmlDocPtr *out, const char *buf, size_t len, const char *path,
		 const char *name)
{
	struct first_error fe = {.seen = 0};
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	int rc = 0;

	xml_init();
	*out = NULL;
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return err_set(ERR_SYSTEM, "out of memory");
	if (path)
		doc = xmlCtxtReadFile(ctxt, path, NULL, XML_SAFE_OPTIONS);
	else
		doc = xmlCtxtReadMemory(ctxt, buf, (int)len, name, NULL, XML_SAFE_OPTIONS);
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

int xml_reader_open(xmlTextReaderPtr *out, const char *path)
{
	struct stat st;

	xml_init();
	*out = NULL;
	if (stat(path, &st) < 0)
		return err_sys(ERR_SYSTEM, "%s", path);
	*out = xmlReaderForFile(path, NULL, XML_SAFE_OPTIONS);
	if (!*out)
		return err_set(ERR_SYSTEM, "%s: cannot open for reading", path);
	return 0;
}

int xml_reader_open_memory(xmlTextReaderPtr *out, const char *buf, size_t len,
			   const char *name)
{
	xml_init();
	*out = NULL;
	if (len > (size_t)INT32_MAX)
		return err_set(ERR_LIMIT, "%s: too large", name);
	*out = xmlReaderForMemory(buf, (int)len, name, NULL, XML_SAFE_OPTIONS);
	if (!*out)
		return err_set(ERR_SYSTEM, "%s: cannot open for reading", name);
	return 0;
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
	xmlErrorPtr e = xmlGetLastError();

	(void)r;
	const char *msg = e && e->message ? e->message : "not well-formed XML";
	size_t n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return err_set(ERR_INVALID, "%s:%d: %.*s", name, e ? e->line : 0, (int)n, msg);
}
