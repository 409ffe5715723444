/* config.c - loading and checking billsync.conf (see config.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/ini.h"
#include "formats/sbuf.h"
#include "formats/strsim.h"
#include "formats/zsink.h"

enum key_flags {
	K_LIST = 1 << 0,    /* may be given several times */
	K_PATH = 1 << 1     /* resolved against the file's folder */
};

/* What a key's value must be, checked as the file is read (the getters
 * of config.h read it so). */
enum value_kind {
	V_TEXT,          /* anything */
	V_COUNT,         /* config_get_u64 */
	V_DURATION,      /* config_get_ms */
	V_BOOL,          /* config_get_bool */
	V_COMPRESSION    /* zsink_opts_parse */
};

struct key_spec {
	const char *section;
	const char *key;
	unsigned flags;
	const char *def;
	enum value_kind kind;
};

/* Every key billsync.conf may hold; docs/configuration.md mirrors it. */
static const struct key_spec keys[] = {
	{ "source", "path", K_LIST | K_PATH, NULL, V_TEXT },
	{ "mappings", "dir", K_PATH, "mappings", V_TEXT },
	{ "output", "dir", K_PATH, "out", V_TEXT },
	{ "output", "max_file_bytes", 0, "100000000", V_COUNT },
	{ "output", "max_file_rows", 0, "0", V_COUNT },
	{ "output", "compression", 0, "isal:3", V_COMPRESSION },
	{ "output", "sort_memory", 0, "24000000", V_COUNT },
	{ "output", "temp_dir", K_PATH, NULL, V_TEXT },
	{ "state", "dir", K_PATH, ".billsync", V_TEXT },
	{ "salesforce", "instance_url", 0, NULL, V_TEXT },
	{ "salesforce", "login_url", 0, NULL, V_TEXT },
	{ "salesforce", "api_version", 0, "62.0", V_TEXT },
	{ "salesforce", "auth", 0, "client_credentials", V_TEXT },
	{ "salesforce", "client_id", 0, NULL, V_TEXT },
	{ "salesforce", "client_id_env", 0, NULL, V_TEXT },
	{ "salesforce", "client_secret_env", 0, NULL, V_TEXT },
	{ "salesforce", "client_secret_file", K_PATH, NULL, V_TEXT },
	{ "salesforce", "username", 0, NULL, V_TEXT },
	{ "salesforce", "private_key_env", 0, NULL, V_TEXT },
	{ "salesforce", "private_key_file", K_PATH, NULL, V_TEXT },
	{ "salesforce", "refresh_token_env", 0, NULL, V_TEXT },
	{ "salesforce", "refresh_token_file", K_PATH, NULL, V_TEXT },
	{ "salesforce", "access_token_env", 0, NULL, V_TEXT },
	{ "salesforce", "access_token_file", K_PATH, NULL, V_TEXT },
	{ "salesforce", "audience", 0, NULL, V_TEXT },
	{ "salesforce", "ca_bundle", K_PATH, NULL, V_TEXT },
	{ "salesforce", "gzip_upload", 0, "true", V_BOOL },
	{ "salesforce", "multi_currency", 0, "false", V_BOOL },
	{ "salesforce", "timeout", 0, "120", V_DURATION },
	{ "salesforce", "trace", K_PATH, NULL, V_TEXT },
	{ "load", "max_jobs", 0, "4", V_COUNT },
	{ "load", "poll_min", 0, "1", V_DURATION },
	{ "load", "poll_max", 0, "60", V_DURATION },
	{ "load", "job_deadline", 0, "6h", V_DURATION },
	{ "load", "retries", 0, "5", V_COUNT },
	{ "load", "retry_wait", 0, "1", V_DURATION },
	{ "load", "lock_retries", 0, "3", V_COUNT },
	{ "load", "limit_margin", 0, "10", V_COUNT },
	{ "notify", "command", 0, NULL, V_TEXT },
	{ "notify", "on", 0, "failure", V_TEXT },
	{ "notify", "timeout", 0, "30", V_DURATION },
	{ "metrics", "textfile", K_PATH, NULL, V_TEXT },
	{ "dataset", "files", K_LIST | K_PATH, NULL, V_TEXT },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Keys that would hold a secret in clear text. */
static const char *const secret_keys[] = {
	"client_secret", "password", "private_key", "refresh_token",
	"access_token", "token", "secret"
};

struct entry {
	char *section;   /* "dataset invoices" keeps its full name */
	char *key;
	char *value;
	unsigned long line;
};

struct config {
	char *file;          /* NULL for defaults */
	char *label;         /* config_file() when file is NULL, or NULL */
	struct bs_errlist *errs;  /* while loading: where mistakes go */
	size_t nerrs;        /* mistakes put there */
	int bad_section;     /* in a section already reported unknown */
	char *dir;           /* folder of file, for relative paths */
	struct entry *e;
	size_t n, alloc;
	/* what config_get_list and config_datasets return; room for alloc
	 * entries, so that they never allocate (nor fail) */
	const char **scratch;
	const char **datasets;
};

/* "dataset invoices" -> "dataset" for the key table. */
static const char *section_kind(const char *section)
{
	return strncmp(section, "dataset ", 8) == 0 ? "dataset" : section;
}

static const struct key_spec *find_spec(const char *section, const char *key)
{
	const char *kind = section_kind(section);
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, kind) && !strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

static int section_known(const char *section)
{
	const char *kind = section_kind(section);
	size_t i;

	if (!strcmp(kind, "dataset"))
		return section[7] == ' ' && section[8] != '\0';
	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, kind))
			return 1;
	return 0;
}

static int unknown_section(const char *file, unsigned long line,
			   const char *section, struct bs_err *err)
{
	const char *names[NKEYS];
	const char *hint;
	size_t i, n = 0;

	for (i = 0; i < NKEYS; i++)
		if (!n || strcmp(names[n - 1], keys[i].section))
			names[n++] = keys[i].section;
	hint = strsim_closest(section, names, n);
	if (hint)
		return bs_err_at(err, BS_E_CONFIG, file, line,
				 "unknown section '[%s]'; did you mean '[%s]'?",
				 section, hint);
	return bs_err_at(err, BS_E_CONFIG, file, line,
			 "unknown section '[%s]'", section);
}

static int unknown_key(const char *file, unsigned long line,
		       const char *section, const char *key,
		       struct bs_err *err)
{
	const char *names[NKEYS];
	const char *kind = section_kind(section), *hint;
	size_t i, n = 0;

	for (i = 0; i < sizeof(secret_keys) / sizeof(secret_keys[0]); i++)
		if (!strcmp(key, secret_keys[i]))
			return bs_err_at(err, BS_E_CONFIG, file, line,
					 "secrets are never read from the configuration: "
					 "set '%s_env' to the name of an environment "
					 "variable, or '%s_file' to a file only its owner "
					 "can read", key, key);
	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, kind))
			names[n++] = keys[i].key;
	hint = strsim_closest(key, names, n);
	if (hint)
		return bs_err_at(err, BS_E_CONFIG, file, line,
				 "unknown key '%s' in [%s]; did you mean '%s'?",
				 key, section, hint);
	return bs_err_at(err, BS_E_CONFIG, file, line,
			 "unknown key '%s' in [%s]", key, section);
}

static struct entry *find_entry(const struct config *cfg, const char *section,
				const char *key)
{
	size_t i;

	for (i = cfg->n; i-- > 0;)
		if (!strcmp(cfg->e[i].section, section) &&
		    !strcmp(cfg->e[i].key, key))
			return &cfg->e[i];
	return NULL;
}

static int grow_lists(struct config *cfg, size_t n)
{
	const char **s = realloc(cfg->scratch, n * sizeof(*s)), **d;

	if (!s)
		return -1;
	cfg->scratch = s;
	d = realloc(cfg->datasets, n * sizeof(*d));
	if (!d)
		return -1;
	cfg->datasets = d;
	return 0;
}

static int add_entry(struct config *cfg, const char *section, const char *key,
		     const char *value, unsigned long line, int replace,
		     struct bs_err *err)
{
	const struct key_spec *spec = find_spec(section, key);
	struct entry *e = NULL;
	char *v;

	if (!spec)
		return unknown_key(cfg->file ? cfg->file : "(command line)",
				   line, section, key, err);
	if (!(spec->flags & K_LIST) || replace) {
		e = find_entry(cfg, section, key);
		if (e && line && e->line && !(spec->flags & K_LIST))
			return bs_err_at(err, BS_E_CONFIG, cfg->file, line,
					 "'%s' in [%s] is already set on line %lu",
					 key, section, e->line);
	}
	if (replace && (spec->flags & K_LIST)) {
		size_t i, j = 0;

		for (i = 0; i < cfg->n; i++) {
			if (!strcmp(cfg->e[i].section, section) &&
			    !strcmp(cfg->e[i].key, key)) {
				free(cfg->e[i].section);
				free(cfg->e[i].key);
				free(cfg->e[i].value);
				continue;
			}
			cfg->e[j++] = cfg->e[i];
		}
		cfg->n = j;
		e = NULL;
	}
	v = strdup(value);
	if (!v)
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	if (e) {
		free(e->value);
		e->value = v;
		e->line = line;
		return 0;
	}
	if (cfg->n == cfg->alloc) {
		size_t na = cfg->alloc ? cfg->alloc * 2 : 32;
		struct entry *ne = realloc(cfg->e, na * sizeof(*ne));

		if (ne)
			cfg->e = ne;
		if (!ne || grow_lists(cfg, na) < 0) {
			free(v);
			return bs_err_set(err, BS_E_NOMEM, "out of memory");
		}
		cfg->alloc = na;
	}
	e = &cfg->e[cfg->n];
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = v;
	e->line = line;
	if (!e->section || !e->key) {
		free(e->section);
		free(e->key);
		free(v);
		return bs_err_set(err, BS_E_NOMEM, "out of memory");
	}
	cfg->n++;
	return 0;
}

/* [salesforce] api_version: "62.0" or "62", and one Bulk API 2.0 ingest
 * exists at (41.0 or later); later versions are the org's to refuse. */
static int check_api_version(const struct ini_item *it, struct bs_err *err)
{
	const char *v = it->value;
	size_t digits = strspn(v, "0123456789");

	if (!digits || digits > 4 || (v[digits] && strcmp(v + digits, ".0")))
		return bs_err_at(err, BS_E_CONFIG, it->file, it->line,
				 "[salesforce] api_version: '%s' is not a version "
				 "such as 62.0", v);
	if (strtoul(v, NULL, 10) < 41)
		return bs_err_at(err, BS_E_CONFIG, it->file, it->line,
				 "[salesforce] api_version: %s is too old: Bulk "
				 "API 2.0 ingest needs 41.0 or later", v);
	return 0;
}

/* it's value as its key's kind says (the mistake a getter would report
 * later, reported with the file's other mistakes). */
static int check_value(const struct config *cfg, const struct ini_item *it,
		       struct bs_err *err)
{
	const struct key_spec *spec = find_spec(it->section, it->key);
	struct zsink_opts zo = ZSINK_OPTS_INIT;
	unsigned long long x;
	int b;

	switch (spec ? spec->kind : V_TEXT) {
	case V_COUNT:
		return config_get_u64(cfg, it->section, it->key, &x, err);
	case V_DURATION:
		return config_get_ms(cfg, it->section, it->key, &x, err);
	case V_BOOL:
		return config_get_bool(cfg, it->section, it->key, &b, err);
	case V_COMPRESSION:
		if (zsink_opts_parse(&zo, it->value, err) < 0) {
			bs_err_locate(err, it->file, it->line);
			return -1;
		}
		return 0;
	default:
		return 0;
	}
}

static int take_item(struct config *cfg, const struct ini_item *it,
		     struct bs_err *err)
{
	if (!it->key) {
		cfg->bad_section = !section_known(it->section);
		if (cfg->bad_section)
			return unknown_section(it->file, it->line, it->section,
					       err);
		return 0;
	}
	if (cfg->bad_section)
		return 0;   /* its keys are not reported once more */
	if (!it->section[0])
		return bs_err_at(err, BS_E_CONFIG, it->file, it->line,
				 "'%s' is outside any [section]", it->key);
	if (!strcmp(it->section, "salesforce") &&
	    !strcmp(it->key, "api_version") && check_api_version(it, err) < 0)
		return -1;
	if (add_entry(cfg, it->section, it->key, it->value, it->line, 0,
		      err) < 0)
		return -1;
	return check_value(cfg, it, err);
}

/* Takes one item; with a list to report to, a mistake goes there and
 * reading goes on, so that every mistake is reported at once. */
static int on_item(void *ctx, const struct ini_item *it, struct bs_err *err)
{
	struct config *cfg = ctx;
	struct bs_err e;

	bs_err_clear(&e);
	if (take_item(cfg, it, &e) == 0)
		return 0;
	if (cfg->errs && e.kind == BS_E_CONFIG) {
		bs_errlist_add(cfg->errs, &e);
		cfg->nerrs++;
		return 0;
	}
	if (err)
		*err = e;
	return -1;
}

/* What config_file says when no file was found: where it looked. */
static char *no_file_label(void)
{
	char cwd[4096];
	struct sbuf sb;

	sbuf_init(&sb, 0);
	sbuf_addf(&sb, "(no billsync.conf in %s)",
		  getcwd(cwd, sizeof(cwd)) ? cwd : "the current folder");
	return sbuf_detach(&sb, NULL);
}

struct config *config_new_defaults(void)
{
	return calloc(1, sizeof(struct config));
}

struct config *config_load(const char *path, struct bs_err *err)
{
	return config_load_all(path, NULL, err);
}

struct config *config_load_all(const char *path, struct bs_errlist *errs,
			       struct bs_err *err)
{
	struct config *cfg = config_new_defaults();
	struct stat st;
	char *slash;

	if (!cfg) {
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!path) {
		if (stat("billsync.conf", &st) != 0) {
			cfg->label = no_file_label();
			if (cfg->label)
				return cfg;
			config_free(cfg);
			bs_err_set(err, BS_E_NOMEM, "out of memory");
			return NULL;
		}
		path = "billsync.conf";
	}
	cfg->file = strdup(path);
	cfg->dir = strdup(path);
	if (!cfg->file || !cfg->dir) {
		config_free(cfg);
		bs_err_set(err, BS_E_NOMEM, "out of memory");
		return NULL;
	}
	slash = strrchr(cfg->dir, '/');
	if (slash)
		slash[1] = '\0';
	else
		cfg->dir[0] = '\0';
	cfg->errs = errs;
	if (ini_parse_file(path, on_item, cfg, err) != 0) {
		if (err && err->kind == BS_E_IO)
			err->kind = BS_E_CONFIG;
		config_free(cfg);
		return NULL;
	}
	cfg->errs = NULL;
	if (cfg->nerrs) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

void config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++) {
		free(cfg->e[i].section);
		free(cfg->e[i].key);
		free(cfg->e[i].value);
	}
	free(cfg->e);
	free(cfg->scratch);
	free(cfg->datasets);
	free(cfg->file);
	free(cfg->label);
	free(cfg->dir);
	free(cfg);
}

const char *config_file(const struct config *cfg)
{
	return cfg->file ? cfg->file : cfg->label ? cfg->label : "(defaults)";
}

const char *config_missing(const struct config *cfg)
{
	return cfg->file ? NULL : cfg->label;
}

int config_set(struct config *cfg, const char *section, const char *key,
	       const char *value, int replace, struct bs_err *err)
{
	return add_entry(cfg, section, key, value, 0, replace, err);
}

const char *config_get(const struct config *cfg, const char *section,
		       const char *key)
{
	const struct entry *e = find_entry(cfg, section, key);
	const struct key_spec *spec;

	if (e)
		return e->value;
	spec = find_spec(section, key);
	return spec ? spec->def : NULL;
}

size_t config_get_list(const struct config *cfg, const char *section,
		       const char *key, const char *const **values)
{
	const char **s = cfg->scratch; /* room for every entry */
	size_t i, n = 0;

	for (i = 0; i < cfg->n; i++)
		if (!strcmp(cfg->e[i].section, section) &&
		    !strcmp(cfg->e[i].key, key))
			s[n++] = cfg->e[i].value;
	*values = s;
	return n;
}

char *config_resolve(const struct config *cfg, const char *path)
{
	struct sbuf sb;

	sbuf_init(&sb, 0);
	if (path[0] != '/' && cfg->dir && cfg->dir[0] &&
	    sbuf_adds(&sb, cfg->dir) < 0)
		goto oom;
	if (sbuf_adds(&sb, path) < 0)
		goto oom;
	return sbuf_detach(&sb, NULL);
oom:
	sbuf_release(&sb);
	return NULL;
}

char *config_get_path(const struct config *cfg, const char *section,
		      const char *key)
{
	const struct entry *e = find_entry(cfg, section, key);
	const char *v = config_get(cfg, section, key);

	if (!v)
		return NULL;
	/* defaults and command-line values are relative to the working dir */
	if (!e || !e->line)
		return strdup(v);
	return config_resolve(cfg, v);
}

unsigned long config_line(const struct config *cfg, const char *section,
			  const char *key)
{
	const struct entry *e = find_entry(cfg, section, key);

	return e ? e->line : 0;
}

static int bad_value(const struct config *cfg, const char *section,
		     const char *key, const char *v, const char *what,
		     struct bs_err *err)
{
	return bs_err_at(err, BS_E_CONFIG, config_file(cfg),
			 config_line(cfg, section, key),
			 "[%s] %s: '%s' is not %s", section, key, v, what);
}

int config_get_u64(const struct config *cfg, const char *section,
		   const char *key, unsigned long long *out, struct bs_err *err)
{
	const char *v = config_get(cfg, section, key);
	unsigned long long x;
	char *end;

	if (!v || !*v || *v == '-' || *v == '+')
		return bad_value(cfg, section, key, v ? v : "", "a whole number",
				 err);
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end)
		return bad_value(cfg, section, key, v, "a whole number", err);
	*out = x;
	return 0;
}

int config_get_bool(const struct config *cfg, const char *section,
		    const char *key, int *out, struct bs_err *err)
{
	const char *v = config_get(cfg, section, key);

	if (v && (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") ||
		  !strcmp(v, "1"))) {
		*out = 1;
		return 0;
	}
	if (v && (!strcmp(v, "false") || !strcmp(v, "no") ||
		  !strcmp(v, "off") || !strcmp(v, "0"))) {
		*out = 0;
		return 0;
	}
	return bad_value(cfg, section, key, v ? v : "", "true or false", err);
}

int config_get_ms(const struct config *cfg, const char *section,
		  const char *key, unsigned long long *out_ms,
		  struct bs_err *err)
{
	const char *v = config_get(cfg, section, key), *p;
	unsigned long long whole = 0, frac = 0, scale = 1000, mul = 1000;

	if (!v || !*v)
		return bad_value(cfg, section, key, "", "a duration", err);
	for (p = v; *p >= '0' && *p <= '9'; p++) {
		if (whole > 1000000000ULL)
			return bad_value(cfg, section, key, v, "a duration", err);
		whole = whole * 10 + (unsigned)(*p - '0');
	}
	if (p == v)
		return bad_value(cfg, section, key, v, "a duration", err);
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (unsigned)(*p - '0') * scale;
			}
		}
	}
	if (!strcmp(p, "s") || !*p)
		mul = 1000;
	else if (!strcmp(p, "ms"))
		mul = 1;
	else if (!strcmp(p, "m"))
		mul = 60000;
	else if (!strcmp(p, "h"))
		mul = 3600000;
	else
		return bad_value(cfg, section, key, v,
				 "a duration (e.g. 30, 2.5s, 500ms, 10m, 6h)",
				 err);
	*out_ms = whole * mul + frac * mul / 1000;
	return 0;
}

size_t config_datasets(const struct config *cfg, const char *const **names)
{
	const char **d = cfg->datasets; /* room for every entry */
	size_t i, j, n = 0;

	for (i = 0; i < cfg->n; i++) {
		const char *s = cfg->e[i].section;

		if (strncmp(s, "dataset ", 8))
			continue;
		for (j = 0; j < n; j++)
			if (!strcmp(d[j], s + 8))
				break;
		if (j == n)
			d[n++] = s + 8;
	}
	*names = d;
	return n;
}
