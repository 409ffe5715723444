/* main.c - billsync-gen's command line: reads the options, creates the
 * output directory and runs the generator (gen.h). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "gen.h"
#include "out.h"

enum { EXIT_IO = 1, EXIT_USAGE = 2 };

struct opts {
	const char *dir;
	uint64_t rows, seed;
	int gzip, bad;
};

static const char usage_text[] =
	"usage: billsync-gen --out DIR [--dlir-rows N] [--seed S] [--gzip] [--bad-rows]\n"
	"Write a large, deterministic billing export: the seven datasets of samples/.\n"
	"\n"
	"  --out DIR        directory to write to (created if missing)\n"
	"  --dlir-rows N    daily line-item revenue rows, exactly (default 3M; at least 100);\n"
	"                   k and M suffixes: 300k, 3M, 10M. The other datasets scale with\n"
	"                   it: per 3M rows about 2k customers, 50k invoices, 200k lines,\n"
	"                   100k ledger entries\n"
	"  --seed S         seed of the pseudo-random numbers (default 1); the same seed\n"
	"                   and size give byte-identical files\n"
	"  --gzip           write NAME.csv.gz through the gzip program (level 1)\n"
	"  --bad-rows       add rows billsync or Salesforce must reject: an impossible\n"
	"                   invoice_date, currency ZZZ, a repeated invoice id, an invalid\n"
	"                   email, an unknown Account id\n"
	"  --help           show this help\n";

/* A count as billsync's options read it (cli_parse_count: 20000, 20k,
 * 3M); o->rows and o->seed are uint64_t, an unsigned long long here. */
static int parse_count(const char *s, uint64_t *out)
{
	unsigned long long v;

	if (cli_parse_count(s, &v) < 0)
		return -1;
	*out = v;
	return 0;
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "billsync-gen: %s '%s'\ntry 'billsync-gen --help'\n", msg, arg);
	return EXIT_USAGE;
}

/* Reads the command line into o: -1 to go on, else the exit status (0 after
 * --help, EXIT_USAGE after a message). */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "dlir-rows", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "bad-rows", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			o->dir = optarg;
			break;
		case 'n':
			if (parse_count(optarg, &o->rows) < 0 || o->rows < GEN_MIN_DLIR ||
			    o->rows > GEN_MAX_DLIR)
				return usage_error("--dlir-rows wants a count "
						   "from 100 to 1000M, not",
						   optarg);
			break;
		case 's':
			if (parse_count(optarg, &o->seed) < 0)
				return usage_error("--seed wants a whole number, not", optarg);
			break;
		case 'z':
			o->gzip = 1;
			break;
		case 'b':
			o->bad = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			return usage_error("unknown option or missing value:", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if (!o->dir)
		return usage_error("missing --out DIR; got", "");
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o = { NULL, GEN_DEFAULT_DLIR, 1, 0, 0 };
	struct gen *g;
	const char *failed = "";
	uint64_t written;
	int k, rc = parse_args(argc, argv, &o);

	if (rc >= 0)
		return rc;
	rc = 0;
	if (mkdirs(o.dir) < 0) {
		fprintf(stderr, "billsync-gen: cannot create '%s': %s\n", o.dir, strerror(errno));
		return EXIT_IO;
	}
	signal(SIGPIPE, SIG_IGN);   /* a dead gzip shows up as EPIPE on write */

	g = gen_new(o.rows, o.seed, o.bad);
	if (!g) {
		fputs("billsync-gen: out of memory\n", stderr);
		return EXIT_IO;
	}
	if (gen_open(g, o.dir, o.gzip, &failed) < 0) {
		fprintf(stderr, "billsync-gen: cannot write '%s': %s\n", failed, strerror(errno));
		rc = EXIT_IO;
	}
	if (!rc) {
		written = gen_run(g);
		if (written != o.rows) {   /* the row budget is exact by design */
			fprintf(stderr, "billsync-gen: internal error: %llu daily rows, not %llu\n",
				(unsigned long long)written, (unsigned long long)o.rows);
			rc = EXIT_IO;
		}
	}
	if (gen_close(g, &failed) < 0 && !rc) {
		fprintf(stderr, "billsync-gen: cannot write '%s': %s\n", failed, strerror(errno));
		rc = EXIT_IO;
	}
	if (!rc)
		for (k = 0; k < GEN_DATASETS; k++)
			printf("%-30s %10llu rows\n", gen_dataset(k),
			       (unsigned long long)gen_rows(g, k));
	gen_free(g);
	return rc;
}
