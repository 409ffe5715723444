/* fuzz_report.c - the load report's decoder (etl/state/loadreport.c),
 * which `billsync status` runs on the report text the sync state keeps:
 * any bytes as JSON through load_report_from_json.  A report it accepts
 * encodes to JSON that decodes to the same report. */
#include <assert.h>

#include "fuzz.h"
#include "state/loadreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL), *j1, *j2;
	struct load_report r, again;
	struct bs_err err;

	if (load_report_from_json(j, &r, &err) == 0) {
		(void)load_report_status(r.exit_code);
		j1 = load_report_json(&r);
		if (j1) {
			assert(load_report_from_json(j1, &again, &err) == 0);
			j2 = load_report_json(&again);
			assert(j2 && json_equal(j1, j2));
			json_decref(j2);
			load_report_release(&again);
			json_decref(j1);
		}
	}
	load_report_release(&r);
	json_decref(j);
	return 0;
}
