/* fuzz_report.c - the load report's decoder (etl/state/loadreport.c),
 * which `billsync status` runs on the report text the sync state keeps:
 * any bytes as text through load_report_from_text.  A report it accepts
 * encodes to JSON that decodes to the same report. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "state/loadreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *t1;
	struct load_report r, again;
	struct bs_err err;
	json_t *j1, *j2;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (load_report_from_text(text, &r, &err) == 0) {
		(void)load_report_status(r.exit_code);
		j1 = load_report_json(&r);
		t1 = j1 ? json_dumps(j1, JSON_COMPACT) : NULL;
		if (t1) {
			assert(load_report_from_text(t1, &again, &err) == 0);
			j2 = load_report_json(&again);
			assert(j2 && json_equal(j1, j2));
			json_decref(j2);
			load_report_release(&again);
			free(t1);
		}
		json_decref(j1);
	}
	load_report_release(&r);
	free(text);
	return 0;
}
