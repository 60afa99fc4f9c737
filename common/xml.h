/*
 * xml.h - libxml2 used safely, for every XML that tfledger reads or checks.
 *
 * Untrusted XML (bank statements, policies, reports to verify) is parsed
 * with XML_SAFE_OPTIONS: no network, no DTD loading, no entity substitution,
 * no XInclude, libxml2's default depth limit (no XML_PARSE_HUGE). A document
 * that carries a DOCTYPE at all is refused whole: none of ours needs one and
 * it is the door to entity attacks. Files above LIMIT_XML_BYTES are refused
 * before parsing. Errors name file:line and libxml2's message.
 *
 * Every reader here (tree or stream, file or memory) hands libxml2 only
 * bytes that stay within common/limits.h's XML bounds, checked before
 * libxml2 parses them (xml.c): LIMIT_XML_ATTRIBUTES per element,
 * LIMIT_XML_DEPTH, LIMIT_XML_NAME_BYTES, LIMIT_XML_TEXT_BYTES per text or
 * value, and for a tree LIMIT_XML_NODES. Beyond one: ERR_LIMIT with the
 * contract code invalid-field (400 to a client), "name:line: more than 64
 * attributes on one element (LIMIT_XML_ATTRIBUTES)"; a DOCTYPE is refused
 * there too (ERR_INVALID), before libxml2 reads it.
 */
#ifndef TFLEDGER_XML_H
#define TFLEDGER_XML_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <stddef.h>

#define XML_SAFE_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* Calls xmlInitParser once; safe to call from any thread, any number of times. */
void xml_init(void);

/*
 * Parses the file at path into a new tree (*out, free with xmlFreeDoc).
 * ERR_INVALID with "path:line: message" for malformed XML or a DOCTYPE,
 * ERR_LIMIT above LIMIT_XML_BYTES, ERR_SYSTEM if it cannot be read.
 */
int xml_read_file(xmlDocPtr *out, const char *path);

/* Like xml_read_file for a buffer; name is used in messages. */
int xml_read_memory(xmlDocPtr *out, const char *buf, size_t len, const char *name);

/*
 * Validates doc against the XSD at xsd_path. ERR_INVALID with the first
 * error as "name:line: message" (name names the document in messages).
 * ERR_SYSTEM if the schema itself cannot be loaded.
 */
int xml_validate(xmlDocPtr doc, const char *xsd_path, const char *name);

/*
 * Opens a streaming reader on path with XML_SAFE_OPTIONS (free with
 * xmlFreeTextReader; the reader must come from here, since
 * xml_reader_error finds its bounds through it). The caller must refuse XML_READER_TYPE_DOCUMENT_TYPE
 * nodes with xml_reader_refuse_doctype() as it meets them, and check
 * xmlTextReaderDepth() against LIMIT_XML_DEPTH.
 */
int xml_reader_open(xmlTextReaderPtr *out, const char *path);

/* Same, its messages calling the file name (a spooled request body). */
int xml_reader_open_named(xmlTextReaderPtr *out, const char *path, const char *name);

/* Same over a memory buffer (which must outlive the reader). */
int xml_reader_open_memory(xmlTextReaderPtr *out, const char *buf, size_t len,
			   const char *name);

/*
 * Checks the node the reader is on: ERR_INVALID for a DOCTYPE, ERR_LIMIT
 * deeper than LIMIT_XML_DEPTH; 0 otherwise. name is used in messages.
 */
int xml_reader_check(xmlTextReaderPtr r, const char *name);

/*
 * After xmlTextReaderRead returned -1: sets ERR_INVALID with the reader's
 * last error as "name:line: message" and returns it.
 */
int xml_reader_error(xmlTextReaderPtr r, const char *name);

#endif
