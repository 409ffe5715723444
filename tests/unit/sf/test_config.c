/* test_config.c - billsync.conf loading, checking and secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "base/config.h"
#include "sf/secret.h"

static char dir[] = "/tmp/billsync-config-XXXXXX";

static const char *write_file(const char *name, const char *text, int mode)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	chmod(path, (mode_t)mode);
	return path;
}

static void test_values_and_defaults(void)
{
	struct bs_err e;
	struct config *c;
	const char *const *v;
	unsigned long long n, ms;
	char *p;
	int b;

	c = config_load(write_file("a.conf",
				   "[source]\npath = exports/\npath = /abs/drops\n"
				   "[output]\nmax_file_bytes = 5000\n"
				   "[load]\npoll_max = 2.5s\n"
				   "[dataset invoices]\nfiles = inv/*.csv\n", 0644), &e);
	REQUIRE(c != NULL);
	CHECK_INT(config_get_list(c, "source", "path", &v), 2);
	CHECK_STR(v[1], "/abs/drops");
	p = config_get_path(c, "source", "path");  /* last one */
	CHECK_STR(p, "/abs/drops");
	free(p);
	p = config_resolve(c, "exports/");
	CHECK(p && strstr(p, "/tmp/billsync-config-") == p);
	free(p);
	CHECK_INT(config_get_u64(c, "output", "max_file_bytes", &n, &e), 0);
	CHECK_INT(n, 5000);
	CHECK_INT(config_get_u64(c, "output", "max_file_rows", &n, &e), 0);
	CHECK_INT(n, 0);
	CHECK_INT(config_get_ms(c, "load", "poll_max", &ms, &e), 0);
	CHECK_INT(ms, 2500);
	CHECK_INT(config_get_ms(c, "load", "job_deadline", &ms, &e), 0);
	CHECK_INT(ms, 6ULL * 3600 * 1000);
	CHECK_INT(config_get_bool(c, "salesforce", "gzip_upload", &b, &e), 0);
	CHECK_INT(b, 1);
	CHECK_STR(config_get(c, "salesforce", "api_version"), "62.0");
	CHECK_INT(config_datasets(c, &v), 1);
	CHECK_STR(v[0], "invoices");
	CHECK_INT(config_line(c, "output", "max_file_bytes"), 5);
	config_free(c);
	config_free(NULL);
}

static void test_mistakes(void)
{
	struct bs_err e;
	char buf[512];

	CHECK(config_load(write_file("b.conf", "[output]\nmax_file_byts = 1\n",
				     0644), &e) == NULL);
	bs_err_format(&e, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "b.conf:2: unknown key 'max_file_byts' in [output]; "
		       "did you mean 'max_file_bytes'?");
	CHECK(config_load(write_file("c.conf", "[salesfroce]\n", 0644), &e) == NULL);
	bs_err_format(&e, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "did you mean '[salesforce]'?");
	CHECK(config_load(write_file("d.conf", "[salesforce]\nclient_secret = x\n",
				     0644), &e) == NULL);
	bs_err_format(&e, buf, sizeof(buf));
	CHECK_CONTAINS(buf, "d.conf:2: secrets are never read from the configuration");
	CHECK(config_load(write_file("e.conf", "[output]\ndir = a\ndir = b\n",
				     0644), &e) == NULL);
	CHECK_INT(e.line, 3);
	CHECK(config_load("/nonexistent.conf", &e) == NULL);
	CHECK_INT(e.kind, BS_E_CONFIG);
}

/* Every mistake at once, each with its line; the keys of an unknown
 * section are not reported again (issue 13, point 8). */
static void test_all_mistakes(void)
{
	static const char *const want[] = {
		"m.conf:2: unknown key 'max_file_byts' in [output]; did you mean 'max_file_bytes'?",
		"m.conf:4: unknown section '[salesfroce]'; did you mean '[salesforce]'?",
		"m.conf:7: [salesforce] api_version: 'x' is not a version such as 62.0",
		"m.conf:10: unknown key 'max_jbos' in [load]; did you mean 'max_jobs'?",
		"m.conf:11: 'poll_min' in [load] is already set on line 9",
	};
	struct bs_errlist l;
	struct bs_err e;
	char buf[512], cwd[4096], label[4200];
	struct config *c;
	size_t i;

	bs_errlist_init(&l);
	bs_err_clear(&e);
	CHECK(config_load_all(write_file("m.conf",
		"[output]\nmax_file_byts = 1\ndir = out\n"
		"[salesfroce]\ninstance_url = https://x\n[salesforce]\n"
		"api_version = x\n[load]\npoll_min = 1\nmax_jbos = 2\n"
		"poll_min = 2\n", 0644), &l, &e) == NULL);
	CHECK_INT(e.kind, BS_E_NONE);
	CHECK_INT(l.n, 5);
	for (i = 0; i < l.n && i < 5; i++) {
		bs_err_format(&l.v[i], buf, sizeof(buf));
		CHECK_CONTAINS(buf, want[i]);
	}
	bs_errlist_release(&l);
	/* no file: says so, and where it looked */
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_INT(chdir(dir), 0);
	c = config_load(NULL, &e);
	CHECK(c != NULL);
	snprintf(label, sizeof(label), "(no billsync.conf in %s)", dir);
	if (c)
		CHECK_STR(config_file(c), label);
	config_free(c);
	CHECK_INT(chdir(cwd), 0);
}

static void test_secrets(void)
{
	struct bs_err e;
	struct config *c;
	char text[1024], *s = NULL;

	write_file("secret", "s3cr3t\n", 0600);
	write_file("open-secret", "s3cr3t\n", 0644);
	snprintf(text, sizeof(text),
		 "[salesforce]\nclient_secret_file = secret\n"
		 "private_key_file = open-secret\nrefresh_token_env = BS_TEST_TOKEN\n");
	c = config_load(write_file("s.conf", text, 0644), &e);
	REQUIRE(c != NULL);
	CHECK_INT(secret_read(c, "salesforce", "client_secret", &s, &e), 1);
	CHECK_STR(s, "s3cr3t");
	secret_free(s);
	CHECK_INT(secret_read(c, "salesforce", "private_key", &s, &e), -1);
	CHECK_CONTAINS(e.msg, "readable only by you");
	unsetenv("BS_TEST_TOKEN");
	CHECK_INT(secret_read(c, "salesforce", "refresh_token", &s, &e), -1);
	CHECK_CONTAINS(e.msg, "'BS_TEST_TOKEN' is not set");
	setenv("BS_TEST_TOKEN", "tok", 1);
	CHECK_INT(secret_read(c, "salesforce", "refresh_token", &s, &e), 1);
	CHECK_STR(s, "tok");
	secret_free(s);
	CHECK_INT(secret_read(c, "salesforce", "access_token", &s, &e), 0);
	config_free(c);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_values_and_defaults);
	RUN(test_mistakes);
	RUN(test_all_mistakes);
	RUN(test_secrets);
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return tap_done();
}
