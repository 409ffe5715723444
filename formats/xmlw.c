/* xmlw.c - an XML document writer (see xmlw.h). */
#include "xmlw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

void xmlw_init(struct xmlw *w)
{
	memset(w, 0, sizeof(*w));
	sbuf_init(&w->out, 0);
	bs_err_clear(&w->err);
	if (sbuf_adds(&w->out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") < 0)
		bs_err_set(&w->err, BS_E_NOMEM, "out of memory");
}

void xmlw_release(struct xmlw *w)
{
	sbuf_release(&w->out);
	w->depth = 0;
}

static int failed(struct xmlw *w)
{
	return w->err.kind != BS_E_NONE;
}

static void put(struct xmlw *w, const char *s, size_t len)
{
	if (!failed(w) && sbuf_add(&w->out, s, len) < 0)
		bs_err_set(&w->err, BS_E_NOMEM, "out of memory");
}

static void puts_(struct xmlw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void indent(struct xmlw *w)
{
	size_t i;

	for (i = 0; i < w->depth; i++)
		put(w, "    ", 4);
}

/* A plain XML name: a letter or '_', then letters, digits, '_', '-', '.'
 * (ASCII only: every name Salesforce metadata uses is). */
static int good_name(struct xmlw *w, const char *name)
{
	const char *p = name;

	if (failed(w))
		return 0;
	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
		goto bad;
	for (p++; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		      *p == '.'))
			goto bad;
	return 1;
bad:
	bs_err_set(&w->err, BS_E_INTERNAL, "'%.64s' is not an XML element "
		   "name", name);
	return 0;
}

/* Text escapes & < > (so "]]>" cannot appear); an attribute value (attr)
 * escapes " too. */
static void escaped(struct xmlw *w, const char *name, const char *s, int attr)
{
	size_t len = strlen(s), i, from = 0;

	if (utf8_check(s, len) != len) {
		bs_err_set(&w->err, BS_E_CONFIG, "<%s>: the text is not valid "
			   "UTF-8", name);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = attr ? "&quot;" : NULL; break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
				bs_err_set(&w->err, BS_E_CONFIG, "<%s>: the "
					   "text holds control character "
					   "0x%02x, which XML cannot carry",
					   name, c);
				return;
			}
		}
		if (rep) {
			put(w, s + from, i - from);
			puts_(w, rep);
			from = i + 1;
		}
	}
	put(w, s + from, len - from);
}

void xmlw_open(struct xmlw *w, const char *name, const char *xmlns)
{
	if (!good_name(w, name))
		return;
	if (w->depth == XMLW_DEPTH) {
		bs_err_set(&w->err, BS_E_INTERNAL, "XML nested too deep");
		return;
	}
	indent(w);
	put(w, "<", 1);
	puts_(w, name);
	if (xmlns) {
		puts_(w, " xmlns=\"");
		escaped(w, name, xmlns, 1);
		put(w, "\"", 1);
	}
	put(w, ">\n", 2);
	w->open[w->depth++] = name;
}

void xmlw_close(struct xmlw *w)
{
	if (failed(w))
		return;
	if (!w->depth) {
		bs_err_set(&w->err, BS_E_INTERNAL, "XML: close without open");
		return;
	}
	w->depth--;
	indent(w);
	puts_(w, "</");
	puts_(w, w->open[w->depth]);
	put(w, ">\n", 2);
}

void xmlw_text(struct xmlw *w, const char *name, const char *text)
{
	if (!good_name(w, name))
		return;
	indent(w);
	put(w, "<", 1);
	puts_(w, name);
	put(w, ">", 1);
	escaped(w, name, text, 0);
	puts_(w, "</");
	puts_(w, name);
	put(w, ">\n", 2);
}

void xmlw_textf(struct xmlw *w, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		if (!failed(w))
			bs_err_set(&w->err, BS_E_INTERNAL, "<%s>: text too "
				   "long", name);
		return;
	}
	xmlw_text(w, name, buf);
}

void xmlw_bool(struct xmlw *w, const char *name, int value)
{
	xmlw_text(w, name, value ? "true" : "false");
}

int xmlw_finish(struct xmlw *w, const char **text, size_t *len,
		struct bs_err *err)
{
	if (!failed(w) && w->depth)
		bs_err_set(&w->err, BS_E_INTERNAL, "XML: <%s> not closed",
			   w->open[w->depth - 1]);
	if (failed(w)) {
		*err = w->err;
		return -1;
	}
	*text = w->out.buf;
	*len = w->out.len;
	return 0;
}
