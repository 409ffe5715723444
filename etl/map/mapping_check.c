/* mapping_check.c - the checks made once a whole mapping file is read:
 * required keys, the operation's key field, null lists, lookups,
 * watermark and lookback, group_by (see mapping.h). */
#include "mapping_int.h"

#include <string.h>
#include <strings.h>

#include "formats/strsim.h"

/* ---- checks after parsing --------------------------------------------- */

/* The field whose target is target in any case (API names ignore case),
 * or -1. */
static long field_index(const struct mapping *m, const char *target)
{
	size_t i;

	for (i = 0; i < m->nfields; i++)
		if (!strcasecmp(m->fields[i].target, target))
			return (long)i;
	return -1;
}

static void field_hint(struct mapping *m, unsigned long line,
		       const char *what, const char *name)
{
	const char *names[MAPPING_MAX_FIELDS];
	const char *hint;
	size_t i;

	if (mp_failed_field(m, name))
		return;   /* that line's own error says enough */
	for (i = 0; i < m->nfields; i++)
		names[i] = m->fields[i].target;
	hint = strsim_closest(name, names, m->nfields);
	if (hint)
		mp_errorf(m, line, "%s '%s' is not a field of this mapping; did you "
			  "mean '%s'?", what, name, hint);
	else
		mp_errorf(m, line, "%s '%s' is not a field of this mapping", what,
			  name);
}

/* clear_nulls = A, B  /  keep_nulls = C */
static void apply_null_lists(struct mapping *m)
{
	int which;

	for (which = 0; which < 2; which++) {
		const char *list = m->null_lists[which], *p;
		char name[256];

		if (!list)
			continue;
		for (p = list; *p;) {
			size_t n = strcspn(p, ", \t");
			long idx;

			if (n && n < sizeof(name)) {
				memcpy(name, p, n);
				name[n] = '\0';
				idx = field_index(m, name);
				if (idx < 0)
					field_hint(m, m->null_lines[which],
						   which ? "keep_nulls" :
						   "clear_nulls", name);
				else if (m->fields[idx].relationship && !which)
					mp_errorf(m, m->null_lines[which],
						  "'%s' is a lookup: an empty lookup is "
						  "left as it is, never cleared", name);
				else
					m->fields[idx].clear_nulls = !which;
			}
			p += n;
			p += strspn(p, ", \t");
		}
	}
}

static void derive_lookups(struct mapping *m)
{
	size_t i, j;

	for (i = 0; i < m->nfields; i++) {
		const char *rel = m->fields[i].relationship;
		size_t len;
		char *obj;

		if (!rel)
			continue;
		for (j = 0; j < m->nlookups; j++)
			if (!strcasecmp(m->lookups[j].relationship, rel))
				break;
		if (j < m->nlookups) {
			/* spelt as the field spells it, whatever the case in
			   [lookups]: the field's name is the one compared */
			m->lookups[j].relationship = rel;
			continue;
		}
		if (m->nlookups == MAPPING_MAX_LOOKUPS)
			continue;
		len = strlen(rel);
		obj = arena_strdup(&m->arena, rel);
		if (!obj)
			continue;
		if (len > 3 && !strcasecmp(rel + len - 3, "__r"))
			obj[len - 1] = 'c';        /* Foo__r -> Foo__c */
		m->lookups[m->nlookups].relationship = rel;
		m->lookups[m->nlookups].object = obj;
		m->lookups[m->nlookups].line = m->fields[i].line;
		m->lookups[m->nlookups].declared = 0;
		m->nlookups++;
	}
	for (j = 0; j < m->nlookups; j++) {
		for (i = 0; i < m->nfields; i++)
			if (m->fields[i].relationship &&
			    !strcasecmp(m->fields[i].relationship,
					m->lookups[j].relationship))
				break;
		if (i == m->nfields &&
		    !mp_failed_relationship(m, m->lookups[j].relationship))
			mp_errorf(m, m->lookups[j].line, "[lookups] names '%s' but "
				  "no field uses it", m->lookups[j].relationship);
	}
}

/* The operation's key field: external_id for upsert, Id for update and
 * delete, none for insert; at is the line of [object]. */
static void check_key(struct mapping *m, unsigned long at)
{
	m->key_index = -1;
	switch (m->op) {
	case MAP_UPSERT:
		if (!m->key_lines[K_EXTERNAL_ID]) {
			mp_errorf(m, at, "upsert needs 'external_id = FIELD' in "
				  "[object] (the External ID field, e.g. OrbId__c)");
			break;
		}
		if (!m->key_field)
			break;    /* given, but wrong: said already */
		m->key_index = field_index(m, m->key_field);
		if (m->key_index < 0 && m->nfields)
			field_hint(m, m->key_lines[K_EXTERNAL_ID],
				   "external_id", m->key_field);
		/* spelt as the field is, which is the bulk files' header */
		if (m->key_index >= 0)
			m->key_field = m->fields[m->key_index].target;
		break;
	case MAP_UPDATE:
	case MAP_DELETE:
		if (m->key_field)
			mp_errorf(m, m->key_lines[K_EXTERNAL_ID], "external_id is "
				  "only for upsert; %s matches records by 'Id'",
				  mapping_op_name(m->op));
		m->key_field = "Id";
		m->key_index = field_index(m, "Id");
		/* the loader matches records on a column spelt "Id" */
		if (m->key_index >= 0)
			m->fields[m->key_index].target = "Id";
		if (m->key_index < 0 && !mp_failed_field(m, "Id"))
			mp_errorf(m, at, "%s needs an 'Id' field (the Salesforce "
				  "record id)", mapping_op_name(m->op));
		if (m->op == MAP_DELETE && m->nfields > 1)
			mp_errorf(m, at, "delete takes only the 'Id' field");
		break;
	case MAP_INSERT:
		if (m->key_field)
			mp_errorf(m, m->key_lines[K_EXTERNAL_ID], "external_id is "
				  "only for upsert; insert always creates records");
		break;
	}
}

/* the watermark is a speed-up that skips rows: it must say how far back
 * late rows arrive */
static void check_watermark(struct mapping *m)
{
	if (m->key_lines[K_WATERMARK] && !m->key_lines[K_LOOKBACK])
		mp_errorf(m, m->key_lines[K_WATERMARK], "watermark needs a lookback "
			  "(e.g. 'lookback = 3d'): rows up to that long before the "
			  "newest one seen are still read, for rows that arrive "
			  "late; write 'lookback = 0d' if none ever do");
	if (m->key_lines[K_LOOKBACK] && !m->key_lines[K_WATERMARK])
		mp_errorf(m, m->key_lines[K_LOOKBACK], "lookback is for a watermark: "
			  "add 'watermark = COLUMN' (a date column that only grows, "
			  "e.g. timeframe_start) or remove it");
}

/* The [delete] section as a whole; a deletion marker that deletes becomes
 * the first filter: a marked row is not loaded, whatever the other
 * filters say of it, and is counted and told (export.h skipped) as
 * filtered by MAP_DELETE_FILTER. */
static void check_delete(struct mapping *m)
{
	unsigned long line;
	struct bs_err e;

	bs_err_clear(&e);
	if (m->del.line && m->nkeys) {
		mp_errorf(m, m->del.line, "[delete] is not for group mappings: "
			  "their records are sums of rows, not rows");
		return;
	}
	if (map_delete_check(&m->del, m->op, &line, &e) < 0) {
		mp_add_error(m, line, &e);
		return;
	}
	if (!map_delete_active(&m->del) || !m->del.when.cond)
		return;
	if (m->nfilters == MAPPING_MAX_FILTERS) {
		mp_errorf(m, m->del.when.line, "more than %d filters, with "
			  "[delete] when", MAPPING_MAX_FILTERS - 1);
		return;
	}
	memmove(&m->filters[1], &m->filters[0],
		m->nfilters * sizeof(m->filters[0]));
	m->filters[0] = m->del.when;
	m->nfilters++;
	m->del_filter = 1;
}

/* group_by = FIELD, ...: the lookups that order the bulk files, up to
 * MAP_GROUP_MAX; by default the first lookup, none with "none". */
static void check_group_by(struct mapping *m)
{
	size_t i;
	long k;

	m->ngroup = 0;
	if (m->group_by && strcmp(m->group_by, "none")) {
		const char *p = m->group_by;
		char name[256];

		while (*p) {
			size_t n = strcspn(p, ", \t");

			if (n && n < sizeof(name)) {
				memcpy(name, p, n);
				name[n] = '\0';
				k = field_index(m, name);
				if (k < 0)
					field_hint(m, m->group_line, "group_by",
						   name);
				else if (m->ngroup == MAP_GROUP_MAX)
					mp_errorf(m, m->group_line, "group_by "
						  "takes at most %d fields",
						  MAP_GROUP_MAX);
				else
					m->group_fields[m->ngroup++] = k;
			}
			p += n;
			p += strspn(p, ", \t");
		}
	} else if (!m->group_by) {
		for (i = 0; i < m->nfields; i++) {
			if (m->fields[i].relationship) {
				m->group_fields[m->ngroup++] = (long)i;
				break;
			}
		}
	}
}

void mp_check_whole(struct mapping *m)
{
	unsigned long at = m->object_line ? m->object_line : 1;
	size_t i;

	for (i = 0; i < m->nfields; i++)
		m->fields[i].clear_nulls = m->clear_nulls &&
					   !m->fields[i].relationship;
	if (!m->key_lines[K_NAME])
		mp_errorf(m, at, "[object] needs 'name = ObjectApiName__c'");
	if (!m->key_lines[K_SOURCE])
		mp_errorf(m, at, "[object] needs 'source = DATASET' (e.g. invoices)");
	if (!m->nfields && !m->nfailed && !m->fields_misspelt)
		mp_errorf(m, at, "no [fields]: map at least one field");
	apply_null_lists(m);
	derive_lookups(m);

	check_key(m, at);
	/* the key is never cleared: an empty key rejects the row (it is
	 * never a lookup: external_id cannot name one, nor can "Id") */
	if (m->key_index >= 0)
		m->fields[m->key_index].clear_nulls = 0;

	check_watermark(m);
	check_delete(m);
	check_group_by(m);
	mp_check_group(m);
}
