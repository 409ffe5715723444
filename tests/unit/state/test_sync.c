/* test_sync.c - the sync driver without Salesforce: what sync_run and
 * sync_upload return (result with its outcome, bs_err) and say (through a
 * struct msg) when they stop before loading or have nothing to load;
 * the run report's encoder; the load report's encoder and decoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "base/config.h"
#include "base/msg.h"
#include "map/mapset.h"
#include "state/loadreport.h"
#include "state/plan.h"
#include "state/state.h"
#include "state/sync.h"

static char root[] = "/tmp/billsync-sync-XXXXXX";
static char path[4096];

static const char *at(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", root, name);
	return path;
}

static int write_file(const char *name, const char *text)
{
	FILE *f = fopen(at(name), "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The world of one test: a configuration (Salesforce at a port nothing
 * listens on: a test that reaches the network fails), mappings, a state
 * directory of its own, and the log captured. */
struct world {
	struct config *cfg;
	struct mapset *maps;
	struct bs_errlist errs;
	struct msg *msg;
	char *log;
	size_t loglen;
	FILE *logf;
	struct sync_env env;
	struct sync_result res;
	struct bs_err err;
	int ok;
};

static const char widget_map[] =
	"[object]\nname = Widget__c\nsource = widgets\noperation = upsert\n"
	"external_id = Key__c\n\n[fields]\nKey__c = id\nName = name\n";
static const char gadget_map[] =
	"[object]\nname = Gadget__c\nsource = gadgets\noperation = insert\n\n"
	"[fields]\nName = name\n";

/* The exit code the test's commands make of an outcome: none of README's,
 * so that what the driver returns and records is seen to be this one's. */
static int test_exit_code(enum sync_outcome outcome, enum bs_errkind kind)
{
	return 100 + 10 * (int)outcome + (int)kind;
}

/* res ended with outcome (and err with kind), and res->code is
 * test_exit_code's for them. */
#define CHECK_OUTCOME(res, err, want, want_kind) do { \
		CHECK_INT((res).outcome, want); \
		CHECK_INT((err).kind, want_kind); \
		CHECK_INT((res).code, test_exit_code(want, \
			  (want) == SYNC_STOPPED ? (want_kind) : BS_E_NONE)); \
	} while (0)

/* widgets: the rows of widgets.csv after its header. */
static void world_init(struct world *w, const char *state, const char *widgets,
		       int with_insert)
{
	char conf[8192];
	struct bs_err e;

	memset(w, 0, sizeof(*w));
	bs_errlist_init(&w->errs);
	bs_err_clear(&w->err);
	mkdir(at("src"), 0700);
	mkdir(at("maps"), 0700);
	mkdir(at("work"), 0700);
	snprintf(conf, sizeof(conf), "id,name\n%s", widgets);
	unlink(at("maps/gadget.map"));
	if (write_file("src/widgets.csv", conf) < 0 ||
	    write_file("src/gadgets.csv", "name\ng1\n") < 0 ||
	    write_file("maps/widget.map", widget_map) < 0 ||
	    (with_insert && write_file("maps/gadget.map", gadget_map) < 0) ||
	    write_file("secret", "s3cret\n") < 0 ||
	    chmod(at("secret"), 0600) < 0) {
		CHECK(!"the test's files were written");
		return;
	}
	snprintf(conf, sizeof(conf),
		 "[source]\npath = %s/src\n[state]\ndir = %s/%s\n"
		 "[output]\ntemp_dir = %s/work\n[mappings]\ndir = %s/maps\n"
		 "[salesforce]\ninstance_url = http://127.0.0.1:9\n"
		 "auth = client_credentials\nclient_id = test\n"
		 "client_secret_file = %s/secret\n",
		 root, root, state, root, root, root);
	if (write_file("billsync.conf", conf) < 0) {
		CHECK(!"billsync.conf was written");
		return;
	}
	w->cfg = config_load(at("billsync.conf"), &e);
	CHECK(w->cfg != NULL);
	if (!w->cfg) {
		printf("# %s\n", e.msg);
		return;
	}
	w->maps = mapset_load_dir(at("maps"), &w->errs);
	CHECK(w->maps != NULL);
	w->logf = open_memstream(&w->log, &w->loglen);
	w->msg = msg_new(w->logf, MSG_NORMAL, 0);
	CHECK(w->logf && w->msg);
	w->env.msg = w->msg;
	w->env.errs = &w->errs;
	w->env.exit_code = test_exit_code;
	w->ok = w->maps && w->msg;
}

/* The log so far. */
static const char *world_log(struct world *w)
{
	fflush(w->logf);
	return w->log ? w->log : "";
}

static void world_release(struct world *w)
{
	sync_result_release(&w->res);
	msg_free(w->msg);
	if (w->logf)
		fclose(w->logf);
	free(w->log);
	mapset_free(w->maps);
	config_free(w->cfg);
	bs_errlist_release(&w->errs);
}

static int run(struct world *w, enum sync_mode mode, const char *const *ids,
	       size_t nids)
{
	struct sync_opts o = { mode, NULL, NULL, NULL, 0, ids, nids, NULL, 0 };

	sync_result_release(&w->res);
	bs_err_clear(&w->err);
	return sync_run(w->cfg, w->maps, &o, &w->env, &w->res, &w->err);
}

/* An insert mapping is refused before the state is touched: every such
 * mapping in the error list, exit 3, err left clear for main. */
static void test_insert_refused(void)
{
	struct world w;
	struct stat sb;

	world_init(&w, "state-insert", "w1,Widget one\n", 1);
	if (w.ok) {
		CHECK_INT(run(&w, SYNC_INCREMENTAL, NULL, 0), -1);
		CHECK_OUTCOME(w.res, w.err, SYNC_REFUSED, BS_E_NONE);
		CHECK_INT(w.errs.n, 1);
		if (w.errs.n)
			CHECK_CONTAINS(w.errs.v[0].msg, "Gadget__c: operation = "
				       "insert cannot be synced by `billsync "
				       "run`");
		CHECK_INT(w.res.run, 0);
		CHECK(stat(at("state-insert"), &sb) != 0);
	}
	world_release(&w);
}

/* Without an error list the first refusal is err. */
static void test_insert_refused_no_list(void)
{
	struct world w;

	world_init(&w, "state-insert2", "", 1);
	if (w.ok) {
		w.env.errs = NULL;
		CHECK_INT(run(&w, SYNC_RETRY, NULL, 0), -1);
		CHECK_OUTCOME(w.res, w.err, SYNC_REFUSED, BS_E_CONFIG);
		CHECK_CONTAINS(w.err.msg, "by `billsync retry`");
	}
	world_release(&w);
}

/* An empty source: the run is recorded, nothing loaded, exit 0, and the
 * note says so; its report encodes run, mode, exit code and export. */
static void test_nothing_to_send(void)
{
	struct world w;
	struct state *st;
	struct bs_err e;
	json_t *j;
	int code = -1;

	world_init(&w, "state-empty", "", 0);
	if (w.ok) {
		CHECK_INT(run(&w, SYNC_INCREMENTAL, NULL, 0), 0);
		CHECK_OUTCOME(w.res, w.err, SYNC_DONE, BS_E_NONE);
		CHECK_INT(w.res.run, 1);
		CHECK_STR(w.res.mode, "incremental");
		CHECK(w.res.manifest != NULL);
		CHECK_INT(w.res.loaded, 0);
		CHECK_INT(w.res.continued, 0);
		CHECK_CONTAINS(world_log(&w), "billsync: nothing to send: every "
			       "record is as it was last synced\n");
		j = sync_result_json(&w.res);
		CHECK(j != NULL);
		CHECK_INT(json_integer_value(json_object_get(j, "run")), 1);
		CHECK_STR(json_string_value(json_object_get(j, "mode")),
			  "incremental");
		CHECK_INT(json_integer_value(json_object_get(j, "exit_code")),
			  test_exit_code(SYNC_DONE, BS_E_NONE));
		CHECK(json_object_get(j, "export") != NULL);
		CHECK(json_is_null(json_object_get(j, "load")));
		CHECK(json_is_null(json_object_get(j, "resumed")));
		CHECK(json_is_null(json_object_get(j, "ids_not_sent")));
		CHECK(json_is_null(json_object_get(j, "watermarks")));
		CHECK(w.res.deletes == NULL);   /* no mapping deletes */
		CHECK(json_is_null(json_object_get(j, "deletes")));
		json_decref(j);
		/* a second run is run 2; the state records run 1's code as
		   the command's exit_code made it */
		CHECK_INT(run(&w, SYNC_FULL, NULL, 0), 0);
		CHECK_INT(w.res.run, 2);
		CHECK_STR(w.res.mode, "full");
		st = state_open(at("state-empty"), &e);
		CHECK(st != NULL);
		if (st) {
			CHECK_INT(state_previous_exit_code(st, 2, &code, &e), 1);
			CHECK_INT(code, test_exit_code(SYNC_DONE, BS_E_NONE));
			state_close(st);
		}
	}
	world_release(&w);
}

/* --quiet: notes are not written, warnings are. */
static void test_quiet(void)
{
	const char *const ids[] = { "nope" };
	struct world w;

	world_init(&w, "state-quiet", "", 0);
	if (w.ok) {
		msg_set_level(w.msg, MSG_QUIET);
		CHECK_INT(run(&w, SYNC_RETRY, ids, 1), 0);
		CHECK(strstr(world_log(&w), "nothing to send") == NULL);
		CHECK_CONTAINS(world_log(&w), "billsync: warning: --id nope");
	}
	world_release(&w);
}

/* retry --id: a key no record has, and a key whose record synced, send
 * nothing; each is warned about, listed, and makes the exit code 1. */
static void test_ids_not_sent(void)
{
	const char *const ids[] = { "nope", "w1" };
	struct world w;
	struct state *st;
	struct state_run r;
	struct state_hash h;
	struct bs_err e;
	json_t *j;

	world_init(&w, "state-ids", "w1,Widget one\n", 0);
	if (!w.ok) {
		world_release(&w);
		return;
	}
	st = state_open(at("state-ids"), &e);
	CHECK(st != NULL);
	if (st) {
		state_hash_row("x", 1, &h);
		CHECK_INT(state_run_begin(st, "run", "incremental", "", &r, &e), 0);
		CHECK_INT(state_record_sending(st, r.id, "Widget__c", "w1", 2, &h,
					       0, "widgets.csv", 2, &e), 0);
		CHECK_INT(state_record_outcome(st, r.id, "Widget__c", "w1", 1,
					       "a01000000000001AAA", NULL, NULL,
					       &e), 0);
		CHECK_INT(state_run_set_phase(st, r.id, RUN_DONE, 0, NULL, NULL,
					      &e), 0);
		state_close(st);
	}
	CHECK_INT(run(&w, SYNC_RETRY, ids, 2), 0);
	CHECK_OUTCOME(w.res, w.err, SYNC_DONE_RECORDS, BS_E_NONE);
	CHECK_STR(w.res.mode, "retry");
	CHECK_INT(w.res.nids, 2);
	if (w.res.nids == 2) {
		CHECK_STR(w.res.ids[0].id, "nope");
		CHECK(w.res.ids[0].object == NULL);
		CHECK_STR(w.res.ids[1].id, "w1");
		CHECK_STR(w.res.ids[1].object, "Widget__c");
		CHECK_STR(w.res.ids[1].status, "synced");
	}
	CHECK_CONTAINS(world_log(&w), "billsync: warning: --id nope: no record "
		       "of any object has this key: nothing sent\n");
	CHECK_CONTAINS(world_log(&w), "billsync: warning: --id w1: Widget__c w1 "
		       "is synced, not failed: nothing sent (billsync resync "
		       "sends it again)\n");
	j = sync_result_json(&w.res);
	CHECK_INT(json_array_size(json_object_get(j, "ids_not_sent")), 2);
	json_decref(j);
	world_release(&w);
}

/* Another process holds the state: exit 7, nothing started. */
static void test_locked(void)
{
	struct world w;
	struct state *st;
	struct bs_err e;

	world_init(&w, "state-locked", "", 0);
	st = w.ok ? state_open(at("state-locked"), &e) : NULL;
	if (st) {
		CHECK_INT(run(&w, SYNC_INCREMENTAL, NULL, 0), -1);
		CHECK_OUTCOME(w.res, w.err, SYNC_STOPPED, BS_E_LOCKED);
		CHECK_INT(w.res.run, 0);
		state_close(st);
	} else {
		CHECK(!"the state was opened");
	}
	world_release(&w);
}

/* A backfill killed while writing its bulk files is named on the next
 * run (a warning), which goes on and exits 1. */
static void test_killed_backfill_named(void)
{
	struct world w;
	struct state *st;
	struct state_run r;
	struct bs_err e;

	world_init(&w, "state-killed", "", 0);
	st = w.ok ? state_open(at("state-killed"), &e) : NULL;
	if (st) {
		CHECK_INT(state_run_begin(st, "run", "backfill",
					  "--since 2024-01-01", &r, &e), 0);
		state_close(st);
		CHECK_INT(run(&w, SYNC_INCREMENTAL, NULL, 0), 0);
		CHECK_OUTCOME(w.res, w.err, SYNC_DONE_RECORDS, BS_E_NONE);
		CHECK_INT(w.res.run, 2);
		CHECK_CONTAINS(world_log(&w), "billsync: warning: run 1 (billsync "
			       "run --since 2024-01-01) stopped while writing "
			       "its bulk files, so none of it was sent: run "
			       "that command again\n");
	} else {
		CHECK(!"the state was opened");
	}
	world_release(&w);
}

/* upload of a directory that does not exist: exit 4, no report. */
static void test_upload_missing_dir(void)
{
	struct world w;

	world_init(&w, "state-upload", "", 0);
	if (w.ok) {
		CHECK_INT(sync_upload(w.cfg, at("no-such-dir"), NULL, 0, &w.env,
				      &w.res, &w.err), -1);
		CHECK_OUTCOME(w.res, w.err, SYNC_STOPPED, BS_E_INPUT);
		CHECK_CONTAINS(w.err.msg, "cannot open");
		CHECK_INT(w.res.loaded, 0);
	}
	world_release(&w);
}

/* The load report: what the encoder writes, the decoder reads back. */
static void test_load_report_round_trip(void)
{
	struct load_report r, back;
	struct load_report_object *o;
	struct load_report_job *jb;
	struct bs_err e;
	json_t *j;
	char *text;

	load_report_init(&r);
	r.exit_code = 1;
	r.files_total = 3;
	r.files_loaded = 2;
	r.files_unfinished = 1;
	r.jobs_created = 2;
	r.api_calls = 17;
	r.logins = 1;
	r.failures = 2;
	r.failures_csv = strdup("/tmp/f.csv");
	o = load_report_object(&r, "Widget__c", 1);
	REQUIRE(o != NULL);
	o->operation = strdup("upsert");
	o->sent = 10;
	o->created = 5;
	o->updated = 3;
	o->failed = 2;
	CHECK_INT(load_report_count_code(o, "DUPLICATE_VALUE"), 0);
	CHECK_INT(load_report_count_code(o, "DUPLICATE_VALUE"), 0);
	CHECK(load_report_object(&r, "Widget__c", 1) == o);
	jb = load_report_job(&r, "750000000000001AAA");
	CHECK(jb != NULL);
	if (jb) {
		jb->file = strdup("Widget__c/part-0001.csv.gz");
		jb->state = strdup("JobComplete");
		jb->error_message = strdup("");
		jb->rows = 10;
	}
	j = load_report_json(&r);
	CHECK_STR(json_string_value(json_object_get(j, "status")),
		  "records_failed");
	CHECK_STR(json_string_value(json_object_get(j, "failures_csv")),
		  "/tmp/f.csv");
	text = json_dumps(j, JSON_COMPACT);
	CHECK_INT(load_report_from_text(text, &back, &e), 0);
	CHECK_INT(back.exit_code, 1);
	CHECK_INT(back.files_total, 3);
	CHECK_INT(back.files_loaded, 2);
	CHECK_INT(back.files_unfinished, 1);
	CHECK_INT(back.api_calls, 17);
	CHECK_INT(back.failures, 2);
	CHECK_INT(back.nobjects, 1);
	CHECK_INT(back.njobs, 1);
	if (back.nobjects == 1) {
		CHECK_STR(back.objects[0].object, "Widget__c");
		CHECK_INT(back.objects[0].created, 5);
		CHECK_INT(back.objects[0].ncodes, 1);
		if (back.objects[0].ncodes)
			CHECK_INT(back.objects[0].codes[0].n, 2);
	}
	if (back.njobs == 1)
		CHECK_STR(back.jobs[0].state, "JobComplete");
	json_decref(j);
	free(text);
	load_report_release(&back);
	CHECK_INT(load_report_from_text(NULL, &back, &e), -1);
	CHECK_INT(e.kind, BS_E_INPUT);
	load_report_release(&back);
	CHECK_INT(load_report_from_text("{\"exit_code\": 0,", &back, &e), -1);
	CHECK_INT(e.kind, BS_E_INPUT);
	CHECK_CONTAINS(e.msg, "load report: ");
	load_report_release(&back);
	CHECK_INT(load_report_from_text("[1]", &back, &e), -1);
	CHECK_STR(e.msg, "not a load report");
	load_report_release(&back);
	load_report_release(&r);
}

/* A plan, offline: new, changed and retry counted from the state as a run
 * would, the keys shown with their lines, and the state left as it was
 * (no run added). */
static void test_plan_offline(void)
{
	struct world w;
	struct plan_opts po;
	struct plan_result pr;
	struct state *st;
	struct state_run r;
	struct state_hash h;
	struct bs_err e;
	enum sync_outcome outcome = SYNC_STOPPED;

	world_init(&w, "state-plan", "w1,One\nw2,Two\nw3,Three\n", 0);
	st = w.ok ? state_open(at("state-plan"), &e) : NULL;
	if (!st) {
		CHECK(!"the state was opened");
		world_release(&w);
		return;
	}
	state_hash_row("x", 1, &h);
	CHECK_INT(state_run_begin(st, "run", "incremental", "", &r, &e), 0);
	CHECK_INT(state_record_sending(st, r.id, "Widget__c", "w1", 2, &h, 0,
				       "widgets.csv", 2, &e), 0);
	CHECK_INT(state_record_outcome(st, r.id, "Widget__c", "w1", 1,
				       "a01000000000001AAA", NULL, NULL, &e), 0);
	CHECK_INT(state_record_sending(st, r.id, "Widget__c", "w3", 2, &h, 0,
				       "widgets.csv", 4, &e), 0);
	CHECK_INT(state_record_outcome(st, r.id, "Widget__c", "w3", 0, NULL,
				       "INVALID_FIELD", "no", &e), 0);
	CHECK_INT(state_run_set_phase(st, r.id, RUN_DONE, 1, NULL, NULL, &e), 0);
	state_close(st);

	memset(&po, 0, sizeof(po));
	po.sync.mode = SYNC_INCREMENTAL;
	po.show = 1;
	po.offline = 1;
	CHECK_INT(sync_plan(w.cfg, w.maps, &po, &w.env, &pr, &outcome, &w.err), 0);
	CHECK_INT(outcome, SYNC_DONE);
	CHECK_INT(pr.has_state, 1);
	CHECK_INT(pr.nobjects, 1);
	if (pr.nobjects == 1) {
		const struct plan_object *o = &pr.objects[0];

		CHECK_STR(o->object, "Widget__c");
		CHECK_INT(o->read, 3);
		CHECK_INT(o->n[PLAN_NEW], 1);
		CHECK_INT(o->n[PLAN_CHANGED], 1);
		CHECK_INT(o->n[PLAN_RETRY], 1);
		CHECK_INT(o->files, 1);
		CHECK_INT(o->records, 3);
		CHECK_INT(o->nshown, 3);
		if (o->nshown == 3)
			CHECK_STR(o->shown[0].source, at("src/widgets.csv"));
	}
	CHECK_INT(pr.have_limits, 0);
	plan_result_release(&pr);
	st = state_open_readonly(at("state-plan"), &e);
	CHECK(st != NULL);
	if (st) {
		unsigned long long c[REC_COUNT];

		CHECK_INT(state_record_counts(st, NULL, c, &e), 0);
		CHECK_INT(c[REC_SYNCED] + c[REC_FAILED], 2);
		CHECK_INT(c[REC_PENDING], 0);
		CHECK_INT(state_run_unfinished(st, &r, &e), 0);
		state_close(st);
	}
	world_release(&w);
}

int main(void)
{
	char cmd[4200];
	int rc;

	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_insert_refused);
	RUN(test_insert_refused_no_list);
	RUN(test_nothing_to_send);
	RUN(test_quiet);
	RUN(test_ids_not_sent);
	RUN(test_locked);
	RUN(test_killed_backfill_named);
	RUN(test_upload_missing_dir);
	RUN(test_load_report_round_trip);
	RUN(test_plan_offline);
	rc = tap_done();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return rc;
}
