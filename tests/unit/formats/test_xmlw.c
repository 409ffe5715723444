/* test_xmlw.c - unit tests of the XML writer: layout, escaping, refused
 * text and names, unbalanced documents. */
#include <string.h>

#include "tap.h"
#include "formats/xmlw.h"

static void test_document(void)
{
	struct xmlw w;
	struct bs_err err;
	const char *text = NULL;
	size_t len = 0;

	xmlw_init(&w);
	xmlw_open(&w, "CustomField", "http://soap.sforce.com/2006/04/metadata\"");
	xmlw_text(&w, "fullName", "Total__c");
	xmlw_bool(&w, "externalId", 1);
	xmlw_textf(&w, "precision", "%d", 18);
	xmlw_open(&w, "valueSet", NULL);
	xmlw_text(&w, "label", "A & B <\"q\"> 'x' Zürich\ttab");
	xmlw_close(&w);
	xmlw_close(&w);
	CHECK_INT(xmlw_finish(&w, &text, &len, &err), 0);
	CHECK_STR(text,
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<CustomField xmlns=\"http://soap.sforce.com/2006/04/metadata"
		  "&quot;\">\n"
		  "    <fullName>Total__c</fullName>\n"
		  "    <externalId>true</externalId>\n"
		  "    <precision>18</precision>\n"
		  "    <valueSet>\n"
		  "        <label>A &amp; B &lt;\"q\"&gt; 'x' "
		  "Zürich\ttab</label>\n"
		  "    </valueSet>\n"
		  "</CustomField>\n");
	CHECK_INT(len, strlen(text));
	xmlw_release(&w);
}

static void test_mistakes(void)
{
	struct xmlw w;
	struct bs_err err;
	const char *text;
	size_t len;

	xmlw_init(&w);
	xmlw_open(&w, "a", NULL);
	xmlw_text(&w, "b", "bell\a");
	xmlw_text(&w, "c", "\xff");           /* after the first: ignored */
	xmlw_close(&w);
	CHECK_INT(xmlw_finish(&w, &text, &len, &err), -1);
	CHECK_INT(err.kind, BS_E_CONFIG);
	CHECK_CONTAINS(err.msg, "<b>: the text holds control character 0x07");
	xmlw_release(&w);

	xmlw_init(&w);
	xmlw_text(&w, "c", "\xc3\x28");
	CHECK_INT(xmlw_finish(&w, &text, &len, &err), -1);
	CHECK_CONTAINS(err.msg, "<c>: the text is not valid UTF-8");
	xmlw_release(&w);

	xmlw_init(&w);
	xmlw_open(&w, "1bad", NULL);
	CHECK_INT(xmlw_finish(&w, &text, &len, &err), -1);
	CHECK_CONTAINS(err.msg, "'1bad' is not an XML element name");
	xmlw_release(&w);

	xmlw_init(&w);
	xmlw_open(&w, "open", NULL);
	CHECK_INT(xmlw_finish(&w, &text, &len, &err), -1);
	CHECK_CONTAINS(err.msg, "<open> not closed");
	xmlw_release(&w);

	xmlw_init(&w);
	xmlw_close(&w);
	CHECK_INT(xmlw_finish(&w, &text, &len, &err), -1);
	CHECK_CONTAINS(err.msg, "close without open");
	xmlw_release(&w);
}

int main(void)
{
	RUN(test_document);
	RUN(test_mistakes);
	return tap_done();
}
