/* cmd_records.c - `billsync records`: every record's outcome from the
 * state directory, filtered, as a table, JSON or a spreadsheet-safe CSV
 * export, streamed so that memory does not grow with their number. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "formats/csvw.h"
#include "formats/sbuf.h"
#include "formats/strsim.h"
#include "commands.h"
#include "map/datetime.h"
#include "state/history.h"
#include "state/state.h"
#include "stateview.h"
#include "table.h"

#define RECORDS_DEFAULT_LIMIT 50
#define RECORDS_CELL_MAX 60          /* characters of a table cell */
#define RECORDS_TABLE_CHUNK 1000     /* rows aligned together (--limit 0) */
#define RECORDS_CSV_ROW_MAX (16u << 20)
#define RECORDS_MAX_OBJECTS 1024     /* names kept for --object hints */

enum {
	OPT_OBJECT = CLI_OPT_FIRST_COMMAND_OPTION, OPT_STATUS, OPT_SINCE,
	OPT_KEY, OPT_LIMIT, OPT_CSV, OPT_STATE, OPT_HISTORY
};

const char usage_records[] =
	"usage: billsync records [--object O] [--status S] [--since T] [--csv FILE]\n"
	"                        [options]\n"
	"Show the outcome of each record (by object and key): its status,\n"
	"Salesforce's id or error, the source file and line it came from, the\n"
	"run that last touched it. Statuses: pending, retried (outcome not known\n"
	"yet), synced, resynced, failed (with Salesforce's error), skipped (a\n"
	"filter left it out). Reads the state without taking its lock.\n\n"
	"      --object O           one object (any case: orbinvoice__c)\n"
	"      --status S           one status\n"
	"      --since T            updated at or after T (2024-05-01, or a\n"
	"                           datetime 2024-05-01T06:00:00Z; dates are UTC)\n"
	"      --key K              one record, by its key (external ID)\n"
	"      --limit N            rows shown (default 50; 0: all); --csv has all\n"
	"      --csv FILE           write every matching record to FILE ('-':\n"
	"                           standard output) as CSV; cells starting with\n"
	"                           = + - @ get a ' in front, for spreadsheets\n"
	"      --history K          the timeline of the record with key K: every\n"
	"                           status it had, when, in which run, with\n"
	"                           Salesforce's error (the last 100 runs;\n"
	"                           with --object, of that object only)\n"
	"      --state DIR          the state directory (instead of [state] dir)\n"
	"\nExit codes: 0 (also when no run has happened yet), 2 usage,\n"
	"3 configuration, 4 the state or the CSV file cannot be read or written.\n";

/* The CSV export's columns, in state_row order. */
static const char *const csv_head[] = {
	"object", "key", "status", "sf_id", "error_code", "error_message",
	"source", "line", "run", "attempts", "updated_at", "synced_at"
};
#define CSV_COLS (sizeof(csv_head) / sizeof(csv_head[0]))

struct out {
	struct bs_ctx *ctx;
	unsigned long long limit;    /* rows to show; 0: all */
	unsigned long long n;        /* rows seen */
	struct table *t;             /* the rows not printed yet */
	FILE *csv;
	struct sbuf line;
	int failed;                  /* err is set */
	struct bs_err err;
};

/* ---- options ----------------------------------------------------------- */

/* --status: a known status, any case. */
static int parse_status(struct bs_ctx *ctx, const char *arg, char buf[16],
			const char **status)
{
	const char *names[REC_COUNT], *hint;
	enum state_rec_status s;
	size_t i;

	for (i = 0; arg[i] && i < 15; i++)
		buf[i] = (char)tolower((unsigned char)arg[i]);
	buf[i] = '\0';
	if (!arg[i] && state_rec_status_parse(buf, &s) == 0) {
		*status = state_rec_status_name(s);
		return 0;
	}
	for (i = 0; i < REC_COUNT; i++)
		names[i] = state_rec_status_name((enum state_rec_status)i);
	hint = strsim_closest(arg, names, REC_COUNT);
	if (hint)
		return cli_usage(ctx, "unknown status '%s'; did you mean '%s'?",
				 arg, hint);
	return cli_usage(ctx, "unknown status '%s'; statuses are pending, "
			 "retried, synced, resynced, failed and skipped", arg);
}

/* --since: a date or datetime, as the UTC text updated_at compares with. */
static int parse_since(struct bs_ctx *ctx, const char *arg,
		       char buf[DT_ISO_LEN + 1])
{
	struct dt_instant t;
	struct bs_err e;

	if (dt_parse_instant(arg, strlen(arg), NULL, &t, &e) < 0)
		return cli_usage(ctx, "--since takes a date or datetime "
				 "(2024-05-01, 2024-05-01T06:00:00Z), not '%s': "
				 "%s", arg, e.msg);
	dt_format_iso(&t, buf);
	return 0;
}

struct objects {
	const char *arg;
	char *match;                  /* the stored spelling of arg */
	char *names[RECORDS_MAX_OBJECTS];   /* for the hint */
	size_t n;
	int nomem;
};

static int see_object(void *ctx, const char *name)
{
	struct objects *o = ctx;

	if (!strcasecmp(name, o->arg)) {
		o->match = strdup(name);
		o->nomem = !o->match;
		return 1;
	}
	if (o->n < RECORDS_MAX_OBJECTS && (o->names[o->n] = strdup(name)))
		o->n++;
	return 0;
}

/* The usage error for an object without records: a close name, else the
 * names there are. */
static int no_such_object(struct bs_ctx *ctx, const struct objects *o)
{
	const char *hint = strsim_closest(o->arg, (const char *const *)o->names,
					  o->n);
	struct sbuf list;
	size_t i;
	int rc;

	if (hint)
		return cli_usage(ctx, "no records of object '%s'; did you mean "
				 "'%s'?", o->arg, hint);
	sbuf_init(&list, 400);
	for (i = 0; i < o->n; i++)
		if (sbuf_addf(&list, "%s%s", i ? ", " : "", o->names[i]) < 0)
			break;
	rc = cli_usage(ctx, "no records of object '%s'; objects with records: "
		       "%s%s", o->arg, o->n ? list.buf : "none",
		       i < o->n ? ", ..." : "");
	sbuf_release(&list);
	return rc;
}

/* --object: the stored spelling of the name (any case), or a usage error
 * with the objects the state has. */
static int resolve_object(struct bs_ctx *ctx, struct state *st,
			  const char *arg, char **object)
{
	struct objects o;
	size_t i;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	o.arg = arg;
	if (state_objects_each(st, see_object, &o, &ctx->err) < 0) {
		rc = cli_exit_for(ctx->err.kind);
	} else if (o.nomem) {
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		rc = BS_EXIT_INTERNAL;
	} else if (!o.match) {
		rc = no_such_object(ctx, &o);
	}
	for (i = 0; i < o.n; i++)
		free(o.names[i]);
	*object = o.match;
	return rc;
}

/* ---- output ------------------------------------------------------------ */

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static int csv_row(struct out *o, const char *const *cells)
{
	sbuf_reset(&o->line);
	if (csvw_record_strs(&o->line, cells, NULL, CSV_COLS, CSVW_SPREADSHEET,
			     &o->err) < 0)
		return -1;
	if (fwrite(o->line.buf, 1, o->line.len, o->csv) != o->line.len)
		return bs_err_set(&o->err, BS_E_IO, "cannot write the CSV "
				  "file: %s", strerror(errno));
	return 0;
}

static int json_row(struct out *o, const struct state_row *r)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:I, "
			      "s:I, s:I, s:s?, s:s?}", "object", r->object,
			      "key", r->key, "status", r->status,
			      "sf_id", or_null(r->sf_id),
			      "error_code", or_null(r->error_code),
			      "error_message", or_null(r->error_message),
			      "source", or_null(r->source),
			      "line", (json_int_t)r->line,
			      "run", (json_int_t)r->run,
			      "attempts", (json_int_t)r->attempts,
			      "updated_at", or_null(r->updated_at),
			      "synced_at", or_null(r->synced_at));

	if (!j)
		return bs_err_set(&o->err, BS_E_NOMEM, "out of memory");
	fputs(o->n > 1 ? ",\n    " : "\n    ", o->ctx->out);
	json_dumpf(j, o->ctx->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return 0;
}

static void flush_table(struct out *o)
{
	if (!o->t || !table_rows(o->t))
		return;
	table_print(o->t, o->ctx->out, RECORDS_CELL_MAX);
	table_free(o->t);
	o->t = NULL;
}

static int table_row(struct out *o, const struct state_row *r)
{
	static const char *const head[] = { "object", "key", "status",
		"sf_id", "error", "message", "source", "run", "attempts",
		"updated (UTC)" };
	const char *base = strrchr(r->source, '/'), *cells[10];
	char src[256], run[24], attempts[24], updated[20];

	if (o->t && table_rows(o->t) >= RECORDS_TABLE_CHUNK) {
		flush_table(o);
		fputc('\n', o->ctx->out);
	}
	if (!o->t) {
		o->t = table_new(10, head);
		if (!o->t)
			return bs_err_set(&o->err, BS_E_NOMEM, "out of memory");
		table_align_right(o->t, 7);
		table_align_right(o->t, 8);
	}
	src[0] = '\0';
	if (*r->source)
		snprintf(src, sizeof(src), "%s:%lld", base ? base + 1 : r->source,
			 r->line);
	snprintf(run, sizeof(run), "%lld", r->run);
	snprintf(attempts, sizeof(attempts), "%lld", r->attempts);
	cells[0] = r->object;
	cells[1] = r->key;
	cells[2] = r->status;
	cells[3] = r->sf_id;
	cells[4] = r->error_code;
	cells[5] = r->error_message;
	cells[6] = src;
	cells[7] = run;
	cells[8] = attempts;
	cells[9] = stateview_time(r->updated_at, updated);
	if (table_add(o->t, cells, NULL) < 0)
		return bs_err_set(&o->err, BS_E_NOMEM, "out of memory");
	return 0;
}

/* Takes one record; stops (1) on an error or once the shown rows are one
 * past the limit (the caller then counts the rest). */
static int take(void *ctx, const struct state_row *r)
{
	struct out *o = ctx;
	char line[24], run[24], attempts[24];
	int rc;

	o->n++;
	if (o->csv) {
		const char *cells[CSV_COLS] = { r->object, r->key, r->status,
			r->sf_id, r->error_code, r->error_message, r->source,
			line, run, attempts, r->updated_at, r->synced_at };

		snprintf(line, sizeof(line), "%lld", r->line);
		snprintf(run, sizeof(run), "%lld", r->run);
		snprintf(attempts, sizeof(attempts), "%lld", r->attempts);
		rc = csv_row(o, cells);
	} else if (o->limit && o->n > o->limit) {
		return 1;
	} else {
		rc = o->ctx->json ? json_row(o, r) : table_row(o, r);
	}
	o->failed = rc < 0;
	return o->failed;
}

/* ---- the command ----------------------------------------------------------- */

static int open_csv(struct bs_ctx *ctx, const char *path, struct out *o)
{
	if (!strcmp(path, "-")) {
		o->csv = ctx->out;
		return 0;
	}
	o->csv = fopen(path, "w");
	if (!o->csv)
		return bs_err_at(&ctx->err, BS_E_IO, path, 0, "cannot write: %s",
				 strerror(errno)), BS_EXIT_INPUT;
	return 0;
}

static int close_csv(struct bs_ctx *ctx, const char *path, struct out *o,
		     int rc)
{
	int bad;

	if (!o->csv || o->csv == ctx->out)
		return rc;
	bad = ferror(o->csv) != 0;
	bad |= fclose(o->csv) != 0;
	if (bad && !rc) {
		bs_err_at(&ctx->err, BS_E_IO, path, 0, "cannot write: %s",
			  strerror(errno));
		rc = BS_EXIT_INPUT;
	}
	if (rc)
		remove(path);   /* never leave half an export */
	return rc;
}

/* Lists or exports the records f picks (none when st is NULL: note says
 * why). */
static int list(struct bs_ctx *ctx, struct state *st,
		const struct state_filter *f, unsigned long long limit,
		const char *csv_path, const char *note)
{
	struct out o;
	unsigned long long total;
	int rc = 0;

	memset(&o, 0, sizeof(o));
	o.ctx = ctx;
	o.limit = csv_path ? 0 : limit;
	sbuf_init(&o.line, RECORDS_CSV_ROW_MAX);
	if (csv_path && (rc = open_csv(ctx, csv_path, &o)) != 0)
		goto out;
	if (o.csv && csv_row(&o, csv_head) < 0)
		o.failed = 1;
	if (!csv_path && ctx->json)
		fputs("{\n  \"records\": [", ctx->out);
	if (st && !o.failed &&
	    state_records_find(st, f, take, &o, &ctx->err) < 0) {
		rc = cli_exit_for(ctx->err.kind);
		goto out;
	}
	if (o.failed) {
		rc = cli_fail(ctx, &o.err);
		goto out;
	}
	total = o.n;
	if (o.limit && o.n > o.limit) {
		o.n = o.limit;
		if (state_records_count(st, f, &total, &ctx->err) < 0) {
			rc = cli_exit_for(ctx->err.kind);
			goto out;
		}
	}
	if (csv_path) {
		if (o.csv != ctx->out && !ctx->quiet && !ctx->json)
			fprintf(ctx->out, "%llu record%s written to %s\n", o.n,
				o.n == 1 ? "" : "s", csv_path);
		else if (o.csv != ctx->out && ctx->json)
			stateview_json(ctx, json_pack("{s:s, s:I}", "csv", csv_path,
						  "records", (json_int_t)o.n));
	} else if (ctx->json) {
		fprintf(ctx->out, "%s],\n  \"shown\": %llu,\n  \"total\": %llu\n}\n",
			o.n ? "\n  " : "", o.n, total);
	} else {
		flush_table(&o);
		if (!st)
			fprintf(ctx->out, "%s\n", note);
		else if (!total)
			fputs("no records match\n", ctx->out);
		else if (o.n < total)
			fprintf(ctx->out, "%llu of %llu records shown; --limit 0 "
				"shows all, --csv FILE exports them\n", o.n, total);
		else
			fprintf(ctx->out, "%llu record%s\n", total,
				total == 1 ? "" : "s");
	}
out:
	if (csv_path)
		rc = close_csv(ctx, csv_path, &o, rc);
	table_free(o.t);
	sbuf_release(&o.line);
	return rc;
}

/* ---- --history -------------------------------------------------------- */

struct timeline {
	struct bs_ctx *ctx;
	struct table *t;
	json_t *events;
	unsigned long long n;
};

static int take_event(void *p, const struct history_event *e)
{
	struct timeline *tl = p;
	char run[24];
	const char *cells[6];

	tl->n++;
	if (tl->events)
		return json_array_append_new(tl->events, json_pack(
			"{s:s, s:s, s:s, s:I, s:s, s:s?, s:s?}", "object",
			e->object, "key", e->key, "at", e->at, "run",
			(json_int_t)e->run, "status", e->status, "error_code",
			*e->error_code ? e->error_code : NULL, "error_message",
			*e->error_message ? e->error_message : NULL)) != 0;
	snprintf(run, sizeof(run), "%lld", e->run);
	cells[0] = e->object;
	cells[1] = e->at;
	cells[2] = run;
	cells[3] = e->status;
	cells[4] = e->error_code;
	cells[5] = e->error_message;
	return table_add(tl->t, cells, NULL) < 0;
}

/* `records --history KEY`: the record's events, oldest first. */
static int history(struct bs_ctx *ctx, struct state *st, const char *object,
		   const char *key)
{
	static const char *const head[] = {
		"object", "time (UTC)", "run", "status", "error", "message"
	};
	struct timeline tl = { ctx, NULL, NULL, 0 };
	int r = 0, rc = BS_EXIT_OK;

	if (ctx->json)
		tl.events = json_array();
	else
		tl.t = table_new(6, head);
	if (!tl.events && !tl.t)
		return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
		       BS_EXIT_INTERNAL;
	if (st)
		r = history_each(st, object, key, take_event, &tl, &ctx->err);
	if (r < 0) {
		rc = cli_exit_for(ctx->err.kind);
	} else if (r > 0) {
		rc = BS_EXIT_INTERNAL;
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
	} else if (ctx->json) {
		stateview_json(ctx, json_pack("{s:s, s:O}", "key", key,
					      "history", tl.events));
	} else if (!tl.n) {
		fprintf(ctx->out, "no history for key '%s'%s\n", key,
			st ? "" : ": no run yet");
	} else {
		table_print(tl.t, ctx->out, RECORDS_CELL_MAX);
		fprintf(ctx->out, "%llu event%s\n", tl.n, tl.n == 1 ? "" : "s");
	}
	json_decref(tl.events);
	table_free(tl.t);
	return rc;
}

int cmd_records(int argc, char **argv, struct bs_ctx *ctx)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{ "object", required_argument, NULL, OPT_OBJECT },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ NULL, 0, NULL, 0 }
	};
	struct state_filter f = { NULL, NULL, NULL, NULL };
	unsigned long long limit = RECORDS_DEFAULT_LIMIT;
	const char *object_arg = NULL, *csv_path = NULL, *state_arg = NULL;
	const char *history_key = NULL;
	char status[16], since[DT_ISO_LEN + 1], note[BS_ERR_MSG_MAX];
	char *object = NULL, *dir = NULL;
	struct state *st = NULL;
	int opt, done = 0, rc;

	while ((opt = getopt_long(argc, argv, ":hc:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_records, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (opt == OPT_OBJECT) {
			object_arg = optarg;
		} else if (opt == OPT_STATUS) {
			if (parse_status(ctx, optarg, status, &f.status))
				return BS_EXIT_USAGE;
		} else if (opt == OPT_SINCE) {
			if (parse_since(ctx, optarg, since))
				return BS_EXIT_USAGE;
			f.since = since;
		} else if (opt == OPT_KEY) {
			f.key = optarg;
		} else if (opt == OPT_LIMIT) {
			if (cli_parse_count(optarg, &limit) < 0)
				return cli_usage(ctx, "--limit takes a number of "
						 "records, not '%s'", optarg);
		} else if (opt == OPT_CSV) {
			csv_path = optarg;
		} else if (opt == OPT_STATE) {
			state_arg = optarg;
		} else if (opt == OPT_HISTORY) {
			history_key = optarg;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind < argc)
		return cli_usage(ctx, "unexpected argument '%s'", argv[optind]);
	if (history_key && (csv_path || f.status || f.since || f.key))
		return cli_usage(ctx, "--history shows one record's timeline: "
				 "only --object goes with it");
	if (csv_path && !strcmp(csv_path, "-") && ctx->json)
		return cli_usage(ctx, "--csv - and --json both write to standard "
				 "output; choose one");
	rc = stateview_open(ctx, state_arg, &st, &dir, note);
	if (!rc && st && object_arg)
		rc = resolve_object(ctx, st, object_arg, &object);
	f.object = object;
	if (!rc && history_key)
		rc = history(ctx, st, object, history_key);
	else if (!rc)   /* no state yet (st NULL): nothing matches */
		rc = list(ctx, st, &f, limit, csv_path, note);
	free(object);
	state_close(st);
	free(dir);
	return rc;
}
