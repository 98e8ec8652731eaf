/* cmd-diff.c -- `sprof diff`: compares two profiles (each one raw file or
 * several of repeated runs), says which functions' shares and whether the CPU
 * time changed beyond sampling noise, and exits EXIT_REGRESSION when the gate
 * (--fail-on, or its default) finds a regression.  This file owns the command
 * line; the work is in src/diff/. */
#include "config.h"
#include "diff/diff.h"
#include "sprof.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum diff_format { F_TABLE, F_MARKDOWN, F_JSON, F_FLAME };
static const char *const format_names[] = { "table", "markdown", "json", "flamegraph", NULL };

static void usage(FILE *f)
{
	fprintf(f,
	"Usage: sprof diff [OPTIONS] BASE NEW\n"
	"       sprof diff [OPTIONS] --base FILE... --new FILE...\n"
	"Compare two profiles (raw files; several runs per side are pooled) and say what\n"
	"got slower beyond sampling noise.  Exit status 0: the gate passed; 3: it found\n"
	"a regression; 1: unreadable input; 2: bad options.\n\n"
	"Inputs:\n"
	"      --base FILE          a raw file of the base side (repeatable: repeated runs)\n"
	"      --new FILE           a raw file of the new side (repeatable)\n"
	"      --pid PID            the process PID in every file (default: the command\n"
	"                           sprof ran, as for convert)\n"
	"      --debug-dir DIR      also look for debug files in DIR (repeatable)\n"
	"      --inline WHEN        yes (default): inlined calls are functions of their\n"
	"                           own; no: their time goes to the real function\n\n"
	"Gate:\n"
	"      --fail-on RULE       fail (exit 3) when RULE fires, beyond noise; repeatable.\n"
	"                           RULE: self|total[(GLOB)]>+N(pp|%%) or cpu>+N(%%|ms|s);\n"
	"                           'none': no gate.  Default: self>+2pp and cpu>+5%%\n"
	"      --confidence PCT     confidence of the noise test (default 99), shared by\n"
	"                           all tests (Bonferroni)\n\n"
	"Output:\n"
	"  -f, --format FMT         table (default), markdown, json or flamegraph (a\n"
	"                           differential SVG: the new shape, red grew, blue shrank)\n"
	"  -o, --output FILE        write to FILE instead of stdout\n"
	"      --top N              functions in the table (default 20)\n"
	"      --color[=WHEN]       never, always or auto (default auto)\n"
	"      --merge-threads      flame graph: one root, not one per thread name\n"
	"      --title T, --width W flame graph settings\n"
	"  -h, --help               show this help\n");
}

enum {
	O_BASE = 256, O_NEW, O_PID, O_DEBUG_DIR, O_FAIL_ON, O_CONFIDENCE, O_TOP, O_COLOR,
	O_MERGE_THREADS, O_TITLE, O_WIDTH, O_INLINE,
};

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "base", required_argument, NULL, O_BASE },
	{ "new", required_argument, NULL, O_NEW },
	{ "pid", required_argument, NULL, O_PID },
	{ "debug-dir", required_argument, NULL, O_DEBUG_DIR },
	{ "fail-on", required_argument, NULL, O_FAIL_ON },
	{ "confidence", required_argument, NULL, O_CONFIDENCE },
	{ "top", required_argument, NULL, O_TOP },
	{ "color", optional_argument, NULL, O_COLOR },
	{ "merge-threads", no_argument, NULL, O_MERGE_THREADS },
	{ "inline", required_argument, NULL, O_INLINE },
	{ "title", required_argument, NULL, O_TITLE },
	{ "width", required_argument, NULL, O_WIDTH },
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char **paths[2];
	size_t npaths[2];
	const char **dirs;              /* --debug-dir, made absolute */
	char **owned;
	size_t ndirs;
	enum diff_format format;
	const char *output;
	struct diff_select sel;
	struct gate gate;
	bool gate_given;
	double confidence;
	struct diff_out out;
	int color;
};

static int add(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	*v = nv;
	nv[(*n)++] = s;
	return 0;
}

/* libdwfl ignores relative entries of its search path. */
static int add_debug_dir(struct args *a, const char *dir)
{
	char *abs = realpath(dir, NULL);
	if (!abs)
		return sprof_usage_error("diff", "--debug-dir '%s': %s", dir, strerror(errno));
	char **o = realloc(a->owned, (a->ndirs + 1) * sizeof *o);
	if (o)
		a->owned = o;
	if (!o || add(&a->dirs, &a->ndirs, abs)) {
		free(abs);
		sprof_error("out of memory");
		return EXIT_DATA;
	}
	a->owned[a->ndirs - 1] = abs;
	return 0;
}

/* One option; returns 0, or an exit status (message printed). */
static int option(struct args *a, int c, char **argv)
{
	uint64_t u;
	char err[160];
	switch (c) {
	case 'f':
		for (int i = 0; format_names[i]; i++)
			if (!strcmp(optarg, format_names[i])) {
				a->format = (enum diff_format)i;
				return 0;
			}
		return sprof_usage_error("diff", "unknown format '%s' (table, markdown, json or flamegraph)", optarg);
	case 'o': a->output = optarg; return 0;
	case O_BASE: case O_NEW:
		if (!add(&a->paths[c == O_NEW], &a->npaths[c == O_NEW], optarg))
			return 0;
		sprof_error("out of memory");
		return EXIT_DATA;
	case O_PID:
		if (!parse_u64(optarg, 1, UINT32_MAX, &u))
			return sprof_usage_error("diff", "--pid '%s': expected a process id", optarg);
		a->sel.have_pid = true;
		a->sel.pid = (uint32_t)u;
		return 0;
	case O_DEBUG_DIR: return add_debug_dir(a, optarg);
	case O_FAIL_ON:
		a->gate_given = true;
		if (gate_add(&a->gate, optarg, err, sizeof err))
			return sprof_usage_error("diff", "--fail-on '%s': %s", optarg, err);
		return 0;
	case O_CONFIDENCE:
		if (!parse_double(optarg, 50, 99.9999, &a->confidence))
			return sprof_usage_error("diff", "--confidence '%s': expected a percentage from 50 to 99.9999", optarg);
		a->confidence /= 100;
		return 0;
	case O_TOP:
		if (!parse_u64(optarg, 1, 100000, &u))
			return sprof_usage_error("diff", "--top '%s': expected a number from 1", optarg);
		a->out.top = (int)u;
		return 0;
	case O_COLOR:
		if (!optarg || !strcmp(optarg, "always"))
			a->color = 1;
		else if (!strcmp(optarg, "never"))
			a->color = 0;
		else if (!strcmp(optarg, "auto"))
			a->color = -1;
		else
			return sprof_usage_error("diff", "--color '%s': expected never, always or auto", optarg);
		return 0;
	case O_MERGE_THREADS: a->sel.merge_threads = a->out.merge_threads = true; return 0;
	case O_INLINE:
		if (strcmp(optarg, "yes") && strcmp(optarg, "no"))
			return sprof_usage_error("diff", "--inline '%s': expected yes or no", optarg);
		a->sel.no_inline = !strcmp(optarg, "no");
		return 0;
	case O_TITLE: a->out.title = optarg; return 0;
	case O_WIDTH:
		if (!parse_u64(optarg, 100, 100000, &u))
			return sprof_usage_error("diff", "--width '%s': expected pixels, 100 to 100000", optarg);
		a->out.width = (int)u;
		return 0;
	case ':': return sprof_usage_error("diff", "option '%s' needs a value", argv[optind - 1]);
	default: return sprof_usage_error("diff", "unknown option '%s'", argv[optind - 1]);
	}
}

/* Parses argv into a; returns -1 to go on, else an exit status. */
static int parse(struct args *a, int argc, char **argv)
{
	int c, rc;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if ((rc = option(a, c, argv)))
			return rc;
	}
	int npos = argc - optind;
	if (npos != 0 && npos != 2)
		return sprof_usage_error("diff", npos == 1 ? "expected BASE and NEW, got one file"
		                                 : "expected BASE and NEW ('%s' is extra)",
		                         npos > 2 ? argv[optind + 2] : "");
	for (int s = 0; s < 2 && npos == 2; s++)
		if (add(&a->paths[s], &a->npaths[s], argv[optind + s])) {
			sprof_error("out of memory");
			return EXIT_DATA;
		}
	if (!a->npaths[BASE] || !a->npaths[NEW])
		return sprof_usage_error("diff", "expected BASE and NEW raw files (or --base and --new)");
	if (!a->gate_given) {
		static const char *const defaults[] = GATE_DEFAULT_RULES;
		for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
			if (gate_add(&a->gate, defaults[i], (char[160]){0}, 160)) {
				sprof_error("out of memory");
				return EXIT_DATA;
			}
		a->gate.is_default = true;
	}
	a->sel.debug_dirs = a->dirs;
	a->sel.ndebug_dirs = a->ndirs;
	return -1;
}

static int write_to(FILE *out, const struct args *a, const struct diff_side *sides,
                    const struct diff_result *r)
{
	switch (a->format) {
	case F_JSON: return diff_write_json(out, r, &a->gate, &a->out);
	case F_FLAME: return diff_write_flame(out, sides, r, &a->out);
	default: return diff_write_text(out, r, &a->gate, &a->out, a->format == F_MARKDOWN);
	}
}

/* Writes the output; a failed write leaves no partial regular file. */
static int write_output(struct args *a, const struct diff_side *sides, const struct diff_result *r)
{
	FILE *out = stdout;
	if (a->output && !(out = fopen(a->output, "w"))) {
		sprof_error("%s: cannot create: %s", a->output, strerror(errno));
		return EXIT_DATA;
	}
	struct stat st;
	bool regular = a->output && fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode);
	a->out.color = a->color > 0 || (a->color < 0 && isatty(fileno(out)));
	int rc = write_to(out, a, sides, r);
	if (fflush(out) || ferror(out)) {
		if (!rc)
			sprof_error("%s: write error: %s", a->output ? a->output : "stdout", strerror(errno));
		rc = 1;
	}
	if (a->output && fclose(out) && !rc) {
		sprof_error("%s: write error: %s", a->output, strerror(errno));
		rc = 1;
	}
	if (rc && regular)
		unlink(a->output);
	return rc ? EXIT_DATA : 0;
}

static int compare(struct args *a)
{
	struct diff_side sides[2] = {{0}};
	struct diff_result r = {0};
	int rc = 0;
	for (int s = 0; s < 2 && !rc; s++) {
		sides[s].want_paths = a->format == F_FLAME;
		rc = diff_side_load(&sides[s], a->paths[s], a->npaths[s], &a->sel);
	}
	for (int s = 0; s < 2 && !rc; s++)
		for (size_t i = 0; i < sides[s].nruns && !rc; i++)
			if (sides[s].runs[i].mode != sides[BASE].runs[0].mode) {
				sprof_error("%s and %s were sampled in different modes (cpu, wall): "
				            "their shares do not compare", a->paths[BASE][0],
				            sides[s].runs[i].path);
				rc = EXIT_DATA;
			}
	if (!rc && diff_compute(&r, sides, a->confidence))
		rc = EXIT_DATA;
	if (!rc) {
		a->out.failed = gate_eval(&a->gate, &r);
		for (int s = 0; s < 2; s++) {
			a->out.paths[s] = a->paths[s];
			a->out.npaths[s] = a->npaths[s];
		}
		rc = write_output(a, sides, &r);
		if (!rc && a->out.failed)
			rc = EXIT_REGRESSION;
	}
	diff_result_free(&r);
	diff_side_free(&sides[BASE]);
	diff_side_free(&sides[NEW]);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct args a = { .confidence = 0.99, .color = -1, .out = { .top = 20, .width = 1200 } };
	int rc = parse(&a, argc, argv);
	if (rc < 0)
		rc = compare(&a);
	gate_free(&a.gate);
	for (size_t i = 0; i < a.ndirs; i++)
		free(a.owned[i]);
	free(a.owned);
	free(a.dirs);
	free(a.paths[BASE]);
	free(a.paths[NEW]);
	return rc;
}
