/*
 * xmlw.h - writes an XML document: nested elements with escaped text,
 * indented four spaces a level, as Salesforce's own metadata files are.
 *
 *     struct xmlw w;
 *     xmlw_init(&w);
 *     xmlw_open(&w, "CustomField", "http://soap.sforce.com/2006/04/metadata");
 *     xmlw_text(&w, "fullName", "Total__c");
 *     xmlw_close(&w);
 *     xmlw_finish(&w, &text, &len, err);   // text is w's until release
 *     xmlw_release(&w);
 *
 * writes
 *
 *     <?xml version="1.0" encoding="UTF-8"?>
 *     <CustomField xmlns="http://soap.sforce.com/2006/04/metadata">
 *         <fullName>Total__c</fullName>
 *     </CustomField>
 *
 * Text is escaped (& < >, and " in the xmlns attribute); text that is not valid UTF-8 or holds a
 * character XML 1.0 cannot carry (a control character other than tab, LF,
 * CR) and an element name that is not a plain XML name make the writer
 * fail: the first mistake is kept and xmlw_finish reports it, so a caller
 * may write a whole document and check once.  Only writes; parses nothing.
 */
#ifndef XMLW_H
#define XMLW_H

#include <stddef.h>

#include "bs_err.h"
#include "sbuf.h"

#define XMLW_DEPTH 16

struct xmlw {
	struct sbuf out;
	const char *open[XMLW_DEPTH];   /* names of the open elements (the
					   caller's strings, kept until
					   closed) */
	size_t depth;
	struct bs_err err;              /* the first mistake, or BS_E_NONE */
};

/* Starts a document (the XML declaration). */
void xmlw_init(struct xmlw *w);
void xmlw_release(struct xmlw *w);
/* Opens element name; xmlns (may be NULL) becomes its xmlns attribute. */
void xmlw_open(struct xmlw *w, const char *name, const char *xmlns);
void xmlw_close(struct xmlw *w);
/* <name>text</name> */
void xmlw_text(struct xmlw *w, const char *name, const char *text);
void xmlw_textf(struct xmlw *w, const char *name, const char *fmt, ...)
	BS_PRINTF(3, 4);
/* <name>true</name> or <name>false</name> */
void xmlw_bool(struct xmlw *w, const char *name, int value);
/* The document (every element closed), NUL-terminated, owned by w; -1 with
 * err set when a mistake was made or elements are still open. */
int xmlw_finish(struct xmlw *w, const char **text, size_t *len,
		struct bs_err *err);

#endif
