/* cmd_schema.c - `billsync schema --out DIR`: a Salesforce DX project with
 * the custom objects and fields the mappings load, and a permission set
 * for the integration user. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "formats/sbuf.h"
#include "commands.h"
#include "base/config.h"
#include "map/mapdelete.h"
#include "map/mapset.h"
#include "map/sftype.h"
#include "setup.h"
#include "sfmeta.h"

enum { OPT_OUT = CLI_OPT_FIRST_COMMAND_OPTION, OPT_PERMSET };

const char usage_schema[] =
	"usage: billsync schema --out DIR [options] [MAPPING...]\n"
	"Write a Salesforce DX project (source format) that creates what the\n"
	"mappings load: DIR/sfdx-project.json and, under DIR/force-app/main/default/,\n"
	"every mapped custom object with its custom fields (types from the\n"
	"converters and [schema] declarations) and a permission set with the\n"
	"access loading needs. Standard objects are only referenced. Deploy it\n"
	"with `sf project deploy start --source-dir DIR/force-app`. Running it\n"
	"again rewrites only what changed and removes the files it wrote before\n"
	"that the mappings no longer need (listed in DIR/.billsync-schema).\n"
	"Sends nothing. Exit 3 for mapping mistakes, 4 when DIR cannot be written.\n\n"
	"  -o, --out DIR            the project folder (created when missing)\n"
	"      --permission-set NAME  its API name (default billsync_integration)\n"
	SETUP_HELP;

#define MANIFEST ".billsync-schema"
#define META "force-app/main/default/"
#define MAX_LOOKUPS 4096

struct out_file {
	char *rel;     /* path under DIR */
	char *text;
};

struct project {
	struct out_file *files;
	size_t n, cap;
	struct sfmeta_access *acc;
	size_t nacc, acc_cap;
	struct sft_object **objs;
	size_t nobjs;
};

static int add_file(struct project *p, const char *rel, char *text,
		    struct bs_err *err)
{
	if (!text)
		return -1;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct out_file *v = realloc(p->files, cap * sizeof(*v));

		if (!v) {
			free(text);
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		}
		p->files = v;
		p->cap = cap;
	}
	p->files[p->n].text = text;
	if (!(p->files[p->n].rel = strdup(rel))) {
		free(text);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	p->n++;
	return 0;
}

static void project_release(struct project *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->files[i].rel);
		free(p->files[i].text);
	}
	for (i = 0; i < p->nobjs; i++)
		sftype_free(p->objs[i]);
	free(p->files);
	free(p->acc);
	free(p->objs);
}

static int add_access(struct project *p, const char *object, enum map_op op,
		      int read_only, const struct sft_object *o,
		      struct bs_err *err)
{
	size_t i;

	for (i = 0; i < p->nacc; i++) {
		if (!strcasecmp(p->acc[i].object, object)) {
			if (!read_only) {     /* the mapping's own wins */
				p->acc[i].op = op;
				p->acc[i].read_only = 0;
				p->acc[i].o = o;
			}
			return 0;
		}
	}
	if (p->nacc == p->acc_cap) {
		size_t cap = p->acc_cap ? p->acc_cap * 2 : 16;
		struct sfmeta_access *v = realloc(p->acc, cap * sizeof(*v));

		if (!v)
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		p->acc = v;
		p->acc_cap = cap;
	}
	p->acc[p->nacc].object = object;
	p->acc[p->nacc].op = op;
	p->acc[p->nacc].read_only = read_only;
	p->acc[p->nacc].o = o;
	p->acc[p->nacc].deletes = 0;
	p->nacc++;
	return 0;
}

static char *project_json(const char *api_version, struct bs_err *err)
{
	json_t *root = json_pack("{s:[{s:s, s:b}], s:s, s:s, s:s, s:s}",
				 "packageDirectories", "path", "force-app",
				 "default", 1, "name", "billsync-schema",
				 "namespace", "", "sfdcLoginUrl",
				 "https://login.salesforce.com",
				 "sourceApiVersion", api_version);
	char *s = root ? json_dumps(root, JSON_INDENT(2) |
				    JSON_PRESERVE_ORDER) : NULL;
	size_t n = s ? strlen(s) : 0;
	char *out = s ? malloc(n + 2) : NULL;

	json_decref(root);
	if (!out) {
		free(s);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(out, s, n);
	memcpy(out + n, "\n", 2);
	free(s);
	return out;
}

/* The child relationship of a lookup, as the parent names its children:
 * the child's plural label in letters and digits ("OrbInvoices"), with
 * the field's name after it when the child has two lookups to the same
 * parent. */
static void child_relationship(const struct sft_object *o,
			       const struct sft_field *f, char *name,
			       size_t nsize, char *label, size_t lsize)
{
	size_t i, k = 0, twice = 0;
	const char *s;

	for (i = 0; i < o->nfields; i++)
		if (o->fields[i].kind == SFT_LOOKUP &&
		    o->fields[i].reference_to && f->reference_to &&
		    !strcasecmp(o->fields[i].reference_to, f->reference_to))
			twice++;
	for (s = o->plural; *s && k + 1 < nsize; s++)
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (k && *s >= '0' && *s <= '9'))
			name[k++] = *s;
	name[k] = '\0';
	snprintf(label, lsize, "%s", o->plural);
	if (twice > 1) {
		size_t n = strlen(f->field) - 3;

		snprintf(name + k, nsize - k, "_%.*s", (int)n, f->field);
		snprintf(label + strlen(label), lsize - strlen(label),
			 " (%s)", f->label);
	}
	if (strlen(name) > 40)      /* Salesforce's limit */
		name[40] = '\0';
	while (k && name[strlen(name) - 1] == '_')
		name[strlen(name) - 1] = '\0';
}

static int object_files(struct project *p, const struct mapping *m,
			const struct sft_object *o, struct bs_err *err)
{
	char rel[600], cname[64], clabel[200];
	const char *src = mapping_source(m), *file = mapping_file(m);
	const struct map_delete *del;
	size_t i;

	if (sfmeta_custom(o->name)) {
		snprintf(rel, sizeof(rel), META "objects/%s/%s.object-meta.xml",
			 o->name, o->name);
		if (add_file(p, rel, sfmeta_object(o, src, file, err), err) < 0)
			return -1;
	}
	for (i = 0; i < o->nfields; i++) {
		const struct sft_field *f = &o->fields[i];

		if (!sfmeta_custom(f->field) || f->name_field)
			continue;
		if (f->kind == SFT_LOOKUP && !f->reference_to)
			return bs_err_at(err, BS_E_CONFIG, file, f->line,
					 "%s: the parent object of this "
					 "lookup is unknown: say it with "
					 "%s.type = Lookup(Parent)", f->field,
					 f->field);
		child_relationship(o, f, cname, sizeof(cname), clabel,
				   sizeof(clabel));
		snprintf(rel, sizeof(rel), META "objects/%s/fields/%s.field-"
			 "meta.xml", o->name, f->field);
		if (add_file(p, rel, sfmeta_field(o, f, src, file,
						  f->kind == SFT_LOOKUP ?
						  cname : NULL, clabel, err),
			     err) < 0)
			return -1;
		if (f->kind == SFT_LOOKUP &&
		    add_access(p, f->reference_to, MAP_UPSERT, 1, NULL,
			       err) < 0)
			return -1;
	}
	if (add_access(p, o->name, mapping_op(m), 0, o, err) < 0)
		return -1;
	del = mapping_delete(m);
	for (i = 0; del && map_delete_active(del) && i < p->nacc; i++)
		if (!strcasecmp(p->acc[i].object, o->name))
			p->acc[i].deletes = del->how == MAP_DEL_HARD ? 2 : 1;
	return 0;
}

static int build(struct project *p, const struct config *cfg,
		 const struct mapset *set, const char *permset,
		 struct bs_err *err)
{
	size_t n = mapset_count(set), i;
	char rel[300];
	char *text;

	if (add_file(p, "sfdx-project.json",
		     project_json(config_get(cfg, "salesforce", "api_version"),
				  err), err) < 0)
		return -1;
	p->objs = calloc(n ? n : 1, sizeof(*p->objs));
	if (!p->objs)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct mapping *m = mapset_at(set, i);

		p->objs[i] = sftype_object(m, set, err);
		if (!p->objs[i])
			return -1;
		p->nobjs++;
		if (object_files(p, m, p->objs[i], err) < 0)
			return -1;
	}
	text = sfmeta_permset("billsync integration", p->acc, p->nacc, err);
	snprintf(rel, sizeof(rel), META "permissionsets/%s.permissionset-"
		 "meta.xml", permset);
	return add_file(p, rel, text, err);
}

/* ---- files -------------------------------------------------------------- */

static int mkdirs_for(const char *path, struct bs_err *err)
{
	char buf[4096];
	char *s;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = strchr(buf + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(buf, 0777) != 0 && errno != EEXIST)
			return bs_err_set(err, BS_E_IO, "cannot create %s: %s",
					  buf, strerror(errno));
		*s = '/';
	}
	return 0;
}

/* The whole file, or NULL (missing or unreadable). */
static char *slurp(const char *path)
{
	struct sbuf sb;
	char buf[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	sbuf_init(&sb, (size_t)64 << 20);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (sbuf_add(&sb, buf, n) < 0)
			break;
	fclose(f);
	return sbuf_detach(&sb, NULL);
}

/* Writes text to path unless it holds it already (1 when written). */
static int put_file(const char *path, const char *text, struct bs_err *err)
{
	char tmp[4200];
	char *old = slurp(path);
	FILE *f;
	int same = old && !strcmp(old, text);

	free(old);
	if (same)
		return 0;
	if (mkdirs_for(path, err) < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		bs_err_set(err, BS_E_IO, "cannot write %s: %s", path,
			   strerror(errno));
		if (f)
			unlink(tmp);
		return -1;
	}
	return 1;
}

static int listed(const struct project *p, const char *rel)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->files[i].rel, rel))
			return 1;
	return 0;
}

/* Removes what the last run wrote and this one does not (and the folders
 * that leaves empty); returns how many files. */
static long remove_stale(const struct project *p, const char *dir)
{
	char path[4200], *old, *line, *save = NULL, *s;
	long n = 0;

	snprintf(path, sizeof(path), "%s/" MANIFEST, dir);
	old = slurp(path);
	for (line = old ? strtok_r(old, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (listed(p, line) || strstr(line, "..") || line[0] == '/')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		if (unlink(path) == 0)
			n++;
		while ((s = strrchr(path, '/')) && s > path + strlen(dir)) {
			*s = '\0';
			if (rmdir(path) != 0)
				break;
		}
	}
	free(old);
	return n;
}

static int write_project(struct bs_ctx *ctx, const struct project *p,
			 const char *dir)
{
	char path[4200];
	struct sbuf list;
	size_t i;
	long changed = 0, removed;
	int r;

	sbuf_init(&list, 0);
	for (i = 0; i < p->n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, p->files[i].rel);
		r = put_file(path, p->files[i].text, &ctx->err);
		if (r < 0 || sbuf_addf(&list, "%s\n", p->files[i].rel) < 0) {
			sbuf_release(&list);
			return r < 0 ? BS_EXIT_INPUT : BS_EXIT_INTERNAL;
		}
		changed += r;
	}
	removed = remove_stale(p, dir);
	snprintf(path, sizeof(path), "%s/" MANIFEST, dir);
	r = put_file(path, list.buf, &ctx->err);
	sbuf_release(&list);
	if (r < 0)
		return BS_EXIT_INPUT;
	if (ctx->json) {
		json_t *rep = json_pack("{s:s, s:I, s:I, s:I, s:I}", "out", dir,
					"files", (json_int_t)p->n, "written",
					(json_int_t)changed, "unchanged",
					(json_int_t)(p->n - (size_t)changed),
					"removed", (json_int_t)removed);

		json_dumpf(rep, ctx->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', ctx->out);
		json_decref(rep);
	} else if (!ctx->quiet)
		fprintf(ctx->out, "%zu files in %s: %ld written, %zu unchanged, "
			"%ld removed\nDeploy: sf project deploy start "
			"--source-dir %s/force-app\n", p->n, dir, changed,
			p->n - (size_t)changed, removed, dir);
	return BS_EXIT_OK;
}

static int valid_permset(const char *s)
{
	size_t i;

	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
		return 0;
	for (i = 1; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] == '_' && s[i - 1] != '_')))
			return 0;
	return i <= 80 && s[i - 1] != '_';
}

int cmd_schema(int argc, char **argv, struct bs_ctx *ctx)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, SETUP_LONGOPTS,
		{ "out", required_argument, NULL, OPT_OUT },
		{ "permission-set", required_argument, NULL, OPT_PERMSET },
		{ NULL, 0, NULL, 0 }
	};
	struct setup s = { 0 };
	struct project p;
	const char *out = NULL, *permset = "billsync_integration";
	int opt, done = 0, rc;
	size_t i, mistakes = 0;

	while ((opt = getopt_long(argc, argv, ":hc:o:", opts, NULL)) != -1) {
		if (cli_common_option(ctx, opt, optarg, usage_schema, &done)) {
			if (done)
				return BS_EXIT_OK;
		} else if (setup_option(&s, opt, optarg)) {
			continue;
		} else if (opt == OPT_OUT || opt == 'o') {
			out = optarg;
		} else if (opt == OPT_PERMSET) {
			permset = optarg;
		} else {
			return cli_bad_option(ctx, argv, opt);
		}
	}
	if (!out)
		return cli_usage(ctx, "schema needs --out DIR");
	if (!valid_permset(permset))
		return cli_usage(ctx, "--permission-set: '%s' is not an API name "
				 "(letters, digits, single underscores)", permset);
	rc = setup_config(ctx, &s);
	if (!rc)
		rc = setup_mappings(ctx, &s, (const char *const *)argv + optind,
				    (size_t)(argc - optind));
	for (i = 0; !rc && i < mapset_count(s.maps); i++)
		mistakes += sftype_check(mapset_at(s.maps, i), &ctx->errs);
	if (!rc && mistakes)
		rc = BS_EXIT_CONFIG;
	if (rc) {
		setup_release(&s);
		return rc;
	}
	memset(&p, 0, sizeof(p));
	if (build(&p, s.cfg, s.maps, permset, &ctx->err) < 0)
		rc = cli_exit_for(ctx->err.kind);
	else
		rc = write_project(ctx, &p, out);
	project_release(&p);
	setup_release(&s);
	return rc;
}
