/* cmd_preview.c - `billsync preview`: the Salesforce rows a mapping makes
 * from the source, with what was filtered and rejected, sending nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jansson.h>

#include "formats/csvw.h"
#include "formats/sbuf.h"
#include "formats/strsim.h"
#include "commands.h"
#include "base/msg.h"
#include "base/config.h"
#include "map/mapset.h"
#include "export/heads.h"
#include "export/precheck.h"
#include "export/pipeline.h"
#include "setup.h"
#include "export/stage.h"
#include "table.h"

enum {
	OPT_LIMIT = CLI_OPT_FIRST_COMMAND_OPTION,
	OPT_CSV,
	OPT_VERTICAL,
	OPT_WIDE
};

const char usage_preview[] =
	"usage: billsync preview OBJECT [options]\n"
	"Show the Salesforce rows a mapping makes from the source data, and what\n"
	"was filtered or rejected and why. Sends nothing. OBJECT is the object\n"
	"(OrbInvoice__c) or the dataset (invoices).\n\n"
	"  -n, --limit N            rows to show (default 10; 0 = all)\n"
	"      --csv                the rows as CSV, in the bulk files' format (a key\n"
	"                           read twice shows each row; export keeps the last)\n"
	"      --vertical           one block per row instead of a table\n"
	"      --wide               do not cut long values\n"
	SETUP_HELP;

static const struct mapping *find_mapping(struct bs_ctx *ctx,
					  const struct mapset *s,
					  const char *what)
{
	const char *names[2 * 256], *hint;
	size_t i, n = mapset_count(s), k = 0;

	for (i = 0; i < n; i++) {
		const struct mapping *m = mapset_at(s, i);

		if (mapping_named(m, what))
			return m;
		if (k + 2 <= sizeof(names) / sizeof(names[0])) {
			names[k++] = mapping_object(m);
			names[k++] = mapping_source(m);
		}
	}
	hint = strsim_closest(what, names, k);
	if (hint)
		cli_usage(ctx, "no mapping for '%s'; did you mean '%s'?", what,
			  hint);
	else
		cli_usage(ctx, "no mapping for '%s' (see 'billsync check' for "
			  "the objects)", what);
	return NULL;
}

static size_t terminal_width(int fd)
{
	struct winsize ws;

	if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 0;
}

/* Rows with the key of a later row, which export drops (the last row of a
 * key is the one written): preview stages every mapped row's key as
 * export does, so the count is the same, with memory bounded by the
 * stage (it spills to temporary files), and names the rows it showed
 * that export drops. */
#define DUP_STAGE_MEMORY ((size_t)8 << 20)
#define DUP_LISTED_MAX 10

struct dups {
	struct stage *st;          /* NULL: no key, so no duplicates (insert) */
	char **files;              /* source file names, by index */
	size_t nfiles;
	unsigned long long count;  /* rows dropped */
	unsigned long long shown;  /* of which shown */
	char *listed[DUP_LISTED_MAX];   /* "file:line" of the first shown */
	size_t nlisted;
};

static void dups_release(struct dups *d)
{
	size_t i;

	stage_free(d->st);
	for (i = 0; i < d->nfiles; i++)
		free(d->files[i]);
	free(d->files);
	for (i = 0; i < d->nlisted; i++)
		free(d->listed[i]);
}

/* Stages a mapped row's key with where it comes from. */
static int dups_add(struct dups *d, const struct pipe_item *it, long key,
		    struct bs_err *err)
{
	unsigned char payload[12];
	struct stage_rec rec;
	uint64_t line = it->src->line;
	uint32_t f;

	if (!d->st)
		return 0;
	for (f = (uint32_t)d->nfiles; f > 0; f--)
		if (!strcmp(d->files[f - 1], it->src->file))
			break;
	if (!f) {
		char **nf = realloc(d->files, (d->nfiles + 1) * sizeof(*nf));

		if (!nf || !(nf[d->nfiles] = strdup(it->src->file))) {
			if (nf)
				d->files = nf;
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		}
		d->files = nf;
		f = (uint32_t)++d->nfiles;
	}
	f--;
	memcpy(payload, &f, 4);
	memcpy(payload + 4, &line, 8);
	memset(&rec, 0, sizeof(rec));
	rec.key = it->out[key].s;
	rec.key_len = it->out[key].len;
	rec.payload = payload;
	rec.payload_len = sizeof(payload);
	return stage_add(d->st, &rec, err);
}

/* Counts the rows dropped, and lists those among the first `shown`. */
static int dups_finish(struct dups *d, unsigned long long shown,
		       struct bs_err *err)
{
	struct stage_rec rec;
	int r = 0;

	if (!d->st || stage_finish(d->st, err) < 0)
		return d->st ? -1 : 0;
	d->count = stage_superseded(d->st);
	while (d->count && (r = stage_next(d->st, &rec, err)) == 1 &&
	       rec.seq < shown) {
		char at[BS_ERR_FILE_MAX + 32];
		uint32_t f;
		uint64_t line;

		if (!rec.superseded)
			continue;
		if (d->shown++ >= DUP_LISTED_MAX)
			continue;
		memcpy(&f, rec.payload, 4);
		memcpy(&line, (const unsigned char *)rec.payload + 4, 8);
		snprintf(at, sizeof(at), "%s:%llu",
			 f < d->nfiles ? d->files[f] : "",
			 (unsigned long long)line);
		if (!(d->listed[d->nlisted] = strdup(at)))
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		d->nlisted++;
	}
	return r < 0 ? -1 : 0;
}

/* The whole message of the first rejected row of each reason, parallel to
 * pipe_counts' reasons (which keep only the grouping key). */
struct first_msgs {
	char *msg[PIPE_MAX_REASONS];
};

/* Keeps why the row was rejected if it is the first of its reason. */
static int note_reason(struct first_msgs *fm, const struct pipe_counts *c,
		       const struct pipe_item *it)
{
	char msg[BS_ERR_FILE_MAX + BS_ERR_FIELD_MAX + BS_ERR_MSG_MAX + 64];
	size_t i;

	for (i = 0; i < c->nreasons; i++)
		if (!strcmp(c->reasons[i].key, it->reason_key))
			break;
	if (i == c->nreasons || fm->msg[i])
		return 0;
	bs_err_format(it->reason, msg, sizeof(msg));
	fm->msg[i] = strdup(msg);
	return fm->msg[i] ? 0 : -1;
}

/* The counts block, one line after another in b (each ending "\n");
 * where: how the shown rows were shown ("above", "in the CSV").  -1 when
 * out of memory. */
static int counts_text(struct sbuf *b, const struct mapping *m,
		       const struct pipe_counts *c,
		       const struct first_msgs *fm, const struct dups *d,
		       const char *where)
{
	const struct map_filter *fl;
	size_t i, n = mapping_filters(m, &fl);
	int r;

	r = sbuf_addf(b, "%s <- %s: read %llu, mapped %llu, filtered %llu, "
		      "rejected %llu", mapping_object(m), mapping_source(m),
		      c->read, c->mapped - d->count, c->filtered, c->rejected);
	if (d->count)
		r |= sbuf_addf(b, ", duplicates %llu", d->count);
	r |= sbuf_addc(b, '\n');
	if (d->count)
		r |= sbuf_addf(b, "  %-36s %llu  (export writes only the last "
			       "row of each key)\n", "duplicate keys", d->count);
	for (i = 0; i < d->nlisted; i++)
		r |= sbuf_addf(b, "    shown %s, not written: %s\n", where,
			       d->listed[i]);
	if (d->shown > d->nlisted)
		r |= sbuf_addf(b, "    and %llu more shown %s\n",
			       d->shown - d->nlisted, where);
	for (i = 0; i < n; i++)
		if (c->by_filter[i])
			r |= sbuf_addf(b, "  filtered by %-24s %llu  (%s:%lu)\n",
				       fl[i].name, c->by_filter[i],
				       mapping_file(m), fl[i].line);
	for (i = 0; i < c->nreasons; i++)
		r |= sbuf_addf(b, "  rejected: %s  %llu\n    first at %s\n",
			       c->reasons[i].key, c->reasons[i].count,
			       fm->msg[i] ? fm->msg[i] : c->reasons[i].first);
	if (c->other_reasons)
		r |= sbuf_addf(b, "  rejected for other reasons: %llu\n",
			       c->other_reasons);
	return r < 0 ? -1 : 0;
}

static json_t *counts_json(const struct mapping *m,
			   const struct pipe_counts *c,
			   const struct first_msgs *fm, const struct dups *d)
{
	const struct map_filter *fl;
	json_t *filters = json_object(), *reasons = json_array();
	json_t *dropped = json_array();
	size_t i, n = mapping_filters(m, &fl);

	for (i = 0; i < d->nlisted; i++)
		json_array_append_new(dropped, json_string(d->listed[i]));
	for (i = 0; i < n; i++)
		json_object_set_new(filters, fl[i].name,
				    json_integer((json_int_t)c->by_filter[i]));
	for (i = 0; i < c->nreasons; i++)
		json_array_append_new(reasons, json_pack(
			"{s:s, s:I, s:s, s:s}", "reason", c->reasons[i].key,
			"count", (json_int_t)c->reasons[i].count,
			"first", c->reasons[i].first,
			"message", fm->msg[i] ? fm->msg[i] : c->reasons[i].key));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
			 "read", (json_int_t)c->read,
			 "mapped", (json_int_t)(c->mapped - d->count),
			 "filtered", (json_int_t)c->filtered,
			 "rejected", (json_int_t)c->rejected,
			 "duplicates", (json_int_t)d->count,
			 "by_filter", filters, "rejected_by_reason", reasons,
			 "duplicates_shown", dropped);
}

struct preview_opts {
	unsigned long long limit;
	int csv, vertical, wide;
};

/* The rows shown so far: a table (with a title per row) or JSON; with
 * --csv each row is printed as it comes. */
struct shown {
	struct table *t;
	json_t *rows;
	struct sbuf *csv;
	FILE *out;
	char **titles;
	size_t n;
	struct first_msgs reasons;
	struct dups dups;
};

/* Frees what sh holds (its csv buffer and out are the caller's). */
static void shown_release(struct shown *sh)
{
	size_t i;

	for (i = 0; i < sh->n; i++)
		free(sh->titles[i]);
	for (i = 0; i < PIPE_MAX_REASONS; i++)
		free(sh->reasons.msg[i]);
	dups_release(&sh->dups);
	free(sh->titles);
	json_decref(sh->rows);
	table_free(sh->t);
}

static int show_row(struct shown *sh, const struct map_field *fields,
		    size_t nf, const struct pipe_item *it)
{
	char title[BS_ERR_FILE_MAX + 64], **nt;
	const char *cells[1024];
	size_t lens[1024], i;

	if (sh->csv) {
		struct bs_err e;

		sbuf_reset(sh->csv);
		if (csvw_record(sh->csv, it->out, nf, 0, &e) < 0)
			return -1;
		return fwrite(sh->csv->buf, 1, sh->csv->len, sh->out) ==
		       sh->csv->len ? 0 : -1;
	}
	if (sh->rows) {
		json_t *obj = json_object();

		for (i = 0; i < nf; i++)
			json_object_set_new(obj, fields[i].target,
					    it->out[i].kind == BS_V_NULL ?
					    json_null() :
					    json_stringn(it->out[i].s,
							 it->out[i].len));
		return json_array_append_new(sh->rows, obj);
	}
	for (i = 0; i < nf && i < 1024; i++) {
		cells[i] = it->out[i].kind == BS_V_NULL ? NULL : it->out[i].s;
		lens[i] = it->out[i].len;
	}
	nt = realloc(sh->titles, (sh->n + 1) * sizeof(*nt));
	if (!nt)
		return -1;
	sh->titles = nt;
	snprintf(title, sizeof(title), "%s:%lu", it->src->file, it->src->line);
	sh->titles[sh->n] = strdup(title);
	if (!sh->titles[sh->n])
		return -1;
	sh->n++;
	return table_add(sh->t, cells, lens);
}

/* The counts: after the table on the output; with --csv (the output is
 * the rows) on the log, one msg_line each, so --quiet leaves them out. */
static int print_counts(struct bs_ctx *ctx, const struct mapping *m,
			const struct pipe_counts *c, const struct shown *sh,
			int csv)
{
	struct sbuf b;
	char *line, *end;
	int rc = 0;

	sbuf_init(&b, 0);
	if (counts_text(&b, m, c, &sh->reasons, &sh->dups,
			csv ? "in the CSV" : "above") < 0) {
		rc = bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
	} else if (!csv) {
		fputc('\n', ctx->out);
		fwrite(b.buf, 1, b.len, ctx->out);
	} else {
		for (line = b.buf; line && *line; line = end + 1) {
			end = strchr(line, '\n');
			*end = '\0';
			msg_line(ctx->msg, "%s", line);
		}
	}
	sbuf_release(&b);
	return rc;
}

static int print_shown(struct bs_ctx *ctx, const struct shown *sh,
		       const struct mapping *m, const struct pipe_counts *c,
		       const struct preview_opts *o)
{
	size_t width = terminal_width(fileno(ctx->out));
	size_t cap = o->wide ? 0 : 40;
	json_t *root;

	if (sh->csv)
		return print_counts(ctx, m, c, sh, 1);
	if (sh->rows) {
		root = json_pack("{s:s, s:s, s:O, s:o}",
				 "object", mapping_object(m),
				 "source", mapping_source(m), "rows", sh->rows,
				 "counts", counts_json(m, c, &sh->reasons,
						       &sh->dups));
		json_dumpf(root, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
		json_decref(root);
		return 0;
	}
	if (o->vertical || (width && table_width(sh->t, cap) > width))
		table_print_vertical(sh->t, ctx->out, o->wide ? 0 : 200,
				     (const char *const *)sh->titles);
	else
		table_print(sh->t, ctx->out, cap);
	return print_counts(ctx, m, c, sh, 0);
}

/* Reads every row of p: rejection reasons and duplicates counted, the
 * first o->limit rows shown.  0, or the exit code with ctx->err. */
static int preview_rows(struct bs_ctx *ctx, struct pipe *p, struct shown *sh,
			const struct map_field *fields, size_t nf, long key,
			const struct preview_opts *o)
{
	struct pipe_item it;
	unsigned long long shown = 0;
	int r;

	while ((r = pipe_next(p, &it, &ctx->err)) == 1) {
		if (*ctx->stop) {   /* SIGINT/SIGTERM */
			bs_err_set(&ctx->err, BS_E_LIMIT, "interrupted");
			return BS_EXIT_PAUSED;
		}
		if (it.status == PIPE_REJECTED &&
		    note_reason(&sh->reasons, pipe_counts(p), &it) < 0)
			return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
			       BS_EXIT_INTERNAL;
		if (it.status == PIPE_ROW &&
		    dups_add(&sh->dups, &it, key, &ctx->err) < 0)
			return cli_exit_for(ctx->err.kind);
		if (it.status != PIPE_ROW || (o->limit && shown >= o->limit))
			continue;
		shown++;
		if (show_row(sh, fields, nf, &it) < 0)
			return bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory"),
			       BS_EXIT_INTERNAL;
	}
	if (r < 0 || dups_finish(&sh->dups, shown, &ctx->err) < 0)
		return cli_exit_for(ctx->err.kind);
	return 0;
}

static int run_preview(struct bs_ctx *ctx, const struct setup *s,
		       const struct mapping *m, const struct preview_opts *o)
{
	const struct map_field *fields;
	size_t nf = mapping_fields(m, &fields), i;
	long key = mapping_key_index(m);
	const char *headers[1024];
	struct shown sh;
	struct sbuf csv;
	struct pipe *p = NULL;
	struct pipe_opts po = { 0 };
	const char *name;
	int rc = BS_EXIT_OK;

	memset(&sh, 0, sizeof(sh));
	po.stop = ctx->stop;
	sh.out = ctx->out;
	for (i = 0; i < nf && i < 1024; i++)
		headers[i] = fields[i].target;
	sbuf_init(&csv, (size_t)8 << 20);
	sh.t = table_new(nf, headers);
	sh.rows = ctx->json && !o->csv ? json_array() : NULL;
	if (o->csv) {
		sh.csv = &csv;
		if (csvw_record_strs(&csv, headers, NULL, nf, 0, &ctx->err) < 0 ||
		    fwrite(csv.buf, 1, csv.len, ctx->out) != csv.len) {
			rc = BS_EXIT_INTERNAL;
			goto out;
		}
	}
	if (!sh.t || (ctx->json && !sh.rows)) {
		rc = BS_EXIT_INTERNAL;
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		goto out;
	}
	if (key >= 0 && mapping_op(m) != MAP_INSERT) {
		struct stage_opts so = { DUP_STAGE_MEMORY,
					 config_get(s->cfg, "output", "temp_dir"),
					 0, ctx->stop };

		sh.dups.st = stage_new(&so, &ctx->err);
		if (!sh.dups.st) {
			rc = cli_exit_for(ctx->err.kind);
			goto out;
		}
	}
	name = mapping_object(m);   /* its columns against every header first */
	if (!(po.heads = heads_new(ctx->stop))) {
		rc = BS_EXIT_INTERNAL;
		bs_err_set(&ctx->err, BS_E_NOMEM, "out of memory");
		goto out;
	}
	if (export_precheck(s->cfg, s->maps, &name, 1, po.heads, &ctx->errs,
			    &ctx->err) < 0) {
		rc = cli_exit_for(ctx->err.kind);
		goto out;
	}
	p = pipe_open(s->cfg, m, &po, &ctx->err);
	if (!p) {
		rc = cli_exit_for(ctx->err.kind);
		goto out;
	}
	rc = preview_rows(ctx, p, &sh, fields, nf, key, o);
	if (rc)
		goto out;
	if (print_shown(ctx, &sh, m, pipe_counts(p), o) < 0)
		rc = BS_EXIT_INTERNAL;
	else if (pipe_counts(p)->rejected)
		rc = BS_EXIT_RECORDS;
out:
	shown_release(&sh);
	pipe_free(p);
	heads_free(po.heads);
	sbuf_release(&csv);
	return rc;
}

int cmd_preview(int argc, char **argv, struct bs_ctx *ctx)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS,
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "vertical", no_argument, NULL, OPT_VERTICAL },
		{ "wide", no_argument, NULL, OPT_WIDE },
		{ NULL, 0, NULL, 0 }
	};
	struct preview_opts o = { 10, 0, 0, 0 };
	struct setup s = { 0 };
	const struct mapping *m;
	int opt, done = 0, rc;

	while ((opt = getopt_long(argc, argv, ":hc:n:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_preview, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (setup_option(&s, opt, optarg)) {
			continue;
		} else if (opt == OPT_LIMIT || opt == 'n') {
			if (cli_parse_count(optarg, &o.limit) < 0)
				return cli_usage(ctx, "--limit takes a number, not "
						 "'%s'", optarg);
		} else if (opt == OPT_CSV) {
			o.csv = 1;
		} else if (opt == OPT_VERTICAL) {
			o.vertical = 1;
		} else if (opt == OPT_WIDE) {
			o.wide = 1;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(ctx, optind == argc ? "which object? (e.g. "
				 "billsync preview OrbInvoice__c)" :
				 "preview takes one object");
	rc = setup_config(ctx, &s);
	if (!rc)
		rc = setup_mappings(ctx, &s, NULL, 0);
	if (!rc) {
		m = find_mapping(ctx, s.maps, argv[optind]);
		rc = m ? run_preview(ctx, &s, m, &o) : BS_EXIT_USAGE;
	}
	setup_release(&s);
	return rc;
}
