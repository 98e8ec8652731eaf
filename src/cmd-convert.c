/* cmd-convert.c -- `sprof convert`: reads a raw file, builds the symbolized
 * model of the chosen process(es) and hands it to one output format.  This
 * file owns the command line; the work is in src/convert/. */
#include "config.h"
#include "convert/model.h"
#include "convert/symbolize.h"
#include "convert/text.h"
#include "raw/reader.h"
#include "sprof.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A pid holds one entry per program it exec'd (`env`, a shell wrapper,
 * then the real program); the one with the most samples is the program the
 * process was run for (the first entry of `env X=1 ./app` has none).  The
 * index of that entry, or -1 when no entry has this pid.  (sprof.h) */
ptrdiff_t busiest_of_pid(const struct raw_file *rf, uint32_t pid)
{
	ptrdiff_t best = -1;
	for (size_t i = 0; i < rf->nprocs; i++)
		if (rf->procs[i].pid == pid &&
		    (best < 0 || rf->procs[i].nsamples > rf->procs[best].nsamples))
			best = (ptrdiff_t)i;
	return best;
}

/* The pid converted when neither --pid nor --all is given: the command
 * sprof ran, the one whose parent is not in the file (the launcher); file
 * order is no guide, since a child's blocks can come first.  (sprof.h) */
uint32_t root_pid(const struct raw_file *rf)
{
	for (size_t i = 0; i < rf->nprocs; i++) {
		bool parent_in_file = false;
		for (size_t k = 0; k < rf->nprocs && !parent_in_file; k++)
			parent_in_file = rf->procs[k].pid == rf->procs[i].ppid;
		if (!parent_in_file)
			return rf->procs[i].pid;
	}
	return rf->procs[0].pid;
}

static void usage(FILE *f)
{
	fprintf(f,
	"Usage: sprof convert [OPTIONS] FILE\n"
	"Turn a raw sample file (FILE, '-' for stdin) into a Sentry profile or another\n"
	"format, on stdout or into -o FILE.\n\n"
	"Output:\n"
	"  -f, --format FMT         output format (default sentry):\n");
	for (size_t i = 0; output_formats[i]; i++)
		fprintf(f, "      %-20s %s\n", output_formats[i]->name, output_formats[i]->summary);
	fprintf(f,
	"  -o, --output FILE        write to FILE instead of stdout\n"
	"      --pretty             indent JSON\n\n"
	"What to convert:\n"
	"      --pid PID            the process PID (default: the command sprof ran)\n"
	"      --all                every process: sentry/sentry-chunk write one JSON array\n"
	"                           of them; envelope formats need -o FILE and write one\n"
	"                           envelope per process to FILE.PID\n"
	"      --start SEC          drop samples before SEC seconds after the process start\n"
	"      --end SEC            drop samples after SEC seconds after the process start\n"
	"      --max-duration SEC   longest v1 profile (default 30, Sentry's limit); the rest\n"
	"                           is dropped with a note (use -f sentry-chunk for all)\n"
	"      --force              write a profile even with fewer than 2 samples\n\n"
	"Symbols:\n"
	"      --debug-dir DIR      also look for debug files in DIR (DIR/.build-id/xx/yy.debug);\n"
	"                           repeatable.  The binary, .gnu_debuglink, /usr/lib/debug and\n"
	"                           debuginfod (DEBUGINFOD_URLS) are searched anyway\n"
	"      --in-app-include P   frames whose function or image path starts with P are in_app\n"
	"      --in-app-exclude P   ... are not in_app (wins over include); both repeatable\n"
	"      --inline WHEN        yes (default): inlined calls are frames of their own;\n"
	"                           no: their time goes to the function they were inlined\n"
	"                           into, at the line of the call (as perf report groups)\n\n"
	"Sentry fields:\n"
	"      --transaction NAME   transaction name (default: the command's base name)\n"
	"      --trace-id HEX32     trace to attach the profile to (default: random)\n"
	"      --release R, --environment E, --dist D\n"
	"      --platform P         (default native)\n"
	"      --dsn DSN            put DSN into the envelope header\n"
	"      --seed N             derive ids from N instead of random (reproducible output)\n\n"
	"Other formats:\n"
	"      --top N              rows in the report (default 20)\n"
	"      --merge-threads      one profile for all threads\n"
	"      --color[=WHEN]       never, always or auto (default auto)\n"
	"      --title T, --width W, --reverse   flamegraph settings\n\n"
	"  -h, --help               show this help\n\n"
	"To send a profile to Sentry, write an envelope (-f envelope) and give it to\n"
	"sentry-cli send-envelope; 'man sprof' shows how.\n");
}

enum {
	O_TRANSACTION = 256, O_TRACE_ID, O_RELEASE, O_ENVIRONMENT, O_DIST, O_PLATFORM, O_DSN,
	O_PID, O_ALL, O_START, O_END, O_MAX_DURATION, O_PRETTY, O_SEED, O_FORCE, O_DEBUG_DIR,
	O_IN_APP_INCLUDE, O_IN_APP_EXCLUDE, O_TOP, O_MERGE_THREADS, O_COLOR, O_TITLE, O_WIDTH,
	O_REVERSE, O_INLINE,
};

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ "transaction", required_argument, NULL, O_TRANSACTION },
	{ "trace-id", required_argument, NULL, O_TRACE_ID },
	{ "release", required_argument, NULL, O_RELEASE },
	{ "environment", required_argument, NULL, O_ENVIRONMENT },
	{ "dist", required_argument, NULL, O_DIST },
	{ "platform", required_argument, NULL, O_PLATFORM },
	{ "dsn", required_argument, NULL, O_DSN },
	{ "pid", required_argument, NULL, O_PID },
	{ "all", no_argument, NULL, O_ALL },
	{ "start", required_argument, NULL, O_START },
	{ "end", required_argument, NULL, O_END },
	{ "max-duration", required_argument, NULL, O_MAX_DURATION },
	{ "pretty", no_argument, NULL, O_PRETTY },
	{ "seed", required_argument, NULL, O_SEED },
	{ "force", no_argument, NULL, O_FORCE },
	{ "debug-dir", required_argument, NULL, O_DEBUG_DIR },
	{ "in-app-include", required_argument, NULL, O_IN_APP_INCLUDE },
	{ "in-app-exclude", required_argument, NULL, O_IN_APP_EXCLUDE },
	{ "top", required_argument, NULL, O_TOP },
	{ "merge-threads", no_argument, NULL, O_MERGE_THREADS },
	{ "color", optional_argument, NULL, O_COLOR },
	{ "title", required_argument, NULL, O_TITLE },
	{ "width", required_argument, NULL, O_WIDTH },
	{ "reverse", no_argument, NULL, O_REVERSE },
	{ "inline", required_argument, NULL, O_INLINE },
	{ NULL, 0, NULL, 0 },
};

struct strlist {
	const char **v;
	size_t n;
};

static int strlist_add(struct strlist *l, const char *s)
{
	const char **n = realloc(l->v, (l->n + 1) * sizeof *n);
	if (!n)
		return -1;
	l->v = n;
	l->v[l->n++] = s;
	return 0;
}

static bool valid_trace_id(char *s)
{
	if (strlen(s) != 32)
		return false;
	bool nonzero = false;
	for (char *p = s; *p; p++) {
		if (!isxdigit((unsigned char)*p))
			return false;
		*p = (char)tolower((unsigned char)*p);
		nonzero |= *p != '0';
	}
	return nonzero;
}

/* Runs the format on models and writes to path (NULL: stdout).  A failed
 * write leaves no partial regular file behind; anything else (a device such
 * as /dev/full, a FIFO) is never removed. */
static int write_output(const struct output_format *fmt, struct profile_model *const *models,
                        size_t n, const struct convert_options *opt, const char *path)
{
	FILE *out = stdout;
	if (path && !(out = fopen(path, "w"))) {
		sprof_error("%s: cannot create: %s", path, strerror(errno));
		return EXIT_DATA;
	}
	struct stat st;
	bool regular = path && fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode);
	int r = fmt->write(models, n, opt, out);
	if (fflush(out) || ferror(out)) {
		if (!r)
			sprof_error("%s: write error: %s", path ? path : "stdout", strerror(errno));
		r = 1;
	}
	if (path && fclose(out) && !r) {
		sprof_error("%s: write error: %s", path, strerror(errno));
		r = 1;
	}
	if (r && regular)
		unlink(path);
	return r == OUTPUT_SKIPPED ? OUTPUT_SKIPPED : r ? EXIT_DATA : 0;
}

int cmd_convert(int argc, char **argv)
{
	const char *format = "sentry", *output = NULL;
	struct convert_options opt = { .top = 20, .color = -1, .width = 1200 };
	struct model_build_options bo = { .start = 0, .end = -1 };
	struct strlist debug_dirs = { 0 }, inc = { 0 }, exc = { 0 };
	char **owned = NULL;            /* realpath()s of relative --debug-dirs */
	size_t nowned = 0;
	uint64_t pid = 0;
	bool have_pid = false, no_inline = false;
	int status = EXIT_USAGE, c;
	uint64_t u;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': output = optarg; break;
		case 'h':
			usage(stdout);
			status = 0;
			goto out;
		case O_TRANSACTION:
			if (!*optarg) {
				sprof_usage_error("convert", "--transaction: the name must not be empty");
				goto out;
			}
			opt.transaction = optarg;
			break;
		case O_TRACE_ID:
			if (!valid_trace_id(optarg)) {
				sprof_usage_error("convert", "--trace-id '%s': expected 32 hex digits, not all zero", optarg);
				goto out;
			}
			opt.trace_id = optarg;
			break;
		case O_RELEASE: opt.release = optarg; break;
		case O_ENVIRONMENT: opt.environment = optarg; break;
		case O_DIST: opt.dist = optarg; break;
		case O_PLATFORM:
			if (!*optarg) {
				sprof_usage_error("convert", "--platform: must not be empty");
				goto out;
			}
			opt.platform = optarg;
			break;
		case O_DSN: opt.dsn = optarg; break;
		case O_PID:
			if (!parse_u64(optarg, 1, UINT32_MAX, &pid)) {
				sprof_usage_error("convert", "--pid '%s': expected a process id", optarg);
				goto out;
			}
			have_pid = true;
			break;
		case O_ALL: opt.all = true; break;
		case O_START:
			if (!parse_double(optarg, 0, 1e9, &bo.start)) {
				sprof_usage_error("convert", "--start '%s': expected seconds >= 0", optarg);
				goto out;
			}
			break;
		case O_END:
			if (!parse_double(optarg, 0, 1e9, &bo.end)) {
				sprof_usage_error("convert", "--end '%s': expected seconds >= 0", optarg);
				goto out;
			}
			break;
		case O_MAX_DURATION:
			if (!parse_double(optarg, 0.001, 1e9, &opt.max_duration)) {
				sprof_usage_error("convert", "--max-duration '%s': expected seconds > 0", optarg);
				goto out;
			}
			break;
		case O_PRETTY: opt.pretty = true; break;
		case O_SEED:
			if (!parse_u64(optarg, 0, UINT64_MAX, &opt.seed)) {
				sprof_usage_error("convert", "--seed '%s': expected a whole number", optarg);
				goto out;
			}
			opt.have_seed = true;
			break;
		case O_FORCE: opt.force = true; break;
		case O_DEBUG_DIR:
			if (optarg[0] != '/') {
				/* libdwfl ignores relative entries of its search path */
				char *abs = realpath(optarg, NULL);
				if (!abs) {
					sprof_usage_error("convert", "--debug-dir '%s': %s", optarg, strerror(errno));
					goto out;
				}
				char **o = realloc(owned, (nowned + 1) * sizeof *o);
				if (!o) {
					free(abs);
					goto oom;
				}
				owned = o;
				owned[nowned++] = abs;
				optarg = abs;
			}
			if (strchr(optarg, ':')) {
				sprof_usage_error("convert", "--debug-dir '%s': a ':' cannot be searched", optarg);
				goto out;
			}
			if (strlist_add(&debug_dirs, optarg))
				goto oom;
			break;
		case O_IN_APP_INCLUDE:
			if (strlist_add(&inc, optarg))
				goto oom;
			break;
		case O_IN_APP_EXCLUDE:
			if (strlist_add(&exc, optarg))
				goto oom;
			break;
		case O_TOP:
			if (!parse_u64(optarg, 1, 100000, &u)) {
				sprof_usage_error("convert", "--top '%s': expected a number from 1", optarg);
				goto out;
			}
			opt.top = (int)u;
			break;
		case O_MERGE_THREADS: opt.merge_threads = true; break;
		case O_COLOR:
			if (!optarg || !strcmp(optarg, "always"))
				opt.color = 1;
			else if (!strcmp(optarg, "never"))
				opt.color = 0;
			else if (!strcmp(optarg, "auto"))
				opt.color = -1;
			else {
				sprof_usage_error("convert", "--color '%s': expected never, always or auto", optarg);
				goto out;
			}
			break;
		case O_TITLE: opt.title = optarg; break;
		case O_WIDTH:
			if (!parse_u64(optarg, 100, 100000, &u)) {
				sprof_usage_error("convert", "--width '%s': expected pixels, 100 to 100000", optarg);
				goto out;
			}
			opt.width = (int)u;
			break;
		case O_REVERSE: opt.reverse = true; break;
		case O_INLINE:
			if (!strcmp(optarg, "yes"))
				no_inline = false;
			else if (!strcmp(optarg, "no"))
				no_inline = true;
			else {
				sprof_usage_error("convert", "--inline '%s': expected yes or no", optarg);
				goto out;
			}
			break;
		case ':':
			sprof_usage_error("convert", "option '%s' needs a value", argv[optind - 1]);
			goto out;
		default:
			sprof_usage_error("convert", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	const struct output_format *fmt = output_format_find(format);
	if (!fmt) {
		sprof_usage_error("convert", "unknown format '%s'", format);
		goto out;
	}
	if (optind >= argc) {
		sprof_usage_error("convert", "no input file");
		goto out;
	}
	if (argc - optind > 1) {
		sprof_usage_error("convert", "one input file at a time ('%s' is extra)", argv[optind + 1]);
		goto out;
	}
	if (have_pid && opt.all) {
		sprof_usage_error("convert", "--pid and --all exclude each other");
		goto out;
	}
	if (opt.all && !output && !strncmp(fmt->name, "envelope", 8)) {
		/* envelopes one after another are no file sentry-cli takes */
		sprof_usage_error("convert", "--all -f %s writes one envelope per process: "
		                  "give -o FILE (each process goes to FILE.PID)", fmt->name);
		goto out;
	}
	if (bo.end >= 0 && bo.end <= bo.start) {
		sprof_usage_error("convert", "--end must be after --start");
		goto out;
	}
	const char *input = argv[optind];
	opt.input_name = !strcmp(input, "-") ? "stdin" : input;
	opt.output_path = output;
	bo.in_app_include = inc.v;
	bo.nin_app_include = inc.n;
	bo.in_app_exclude = exc.v;
	bo.nin_app_exclude = exc.n;

	status = EXIT_DATA;
	struct raw_file rf;
	char err[256];
	if (raw_read_path(input, &rf, err, sizeof err)) {
		sprof_error("%s: %s", opt.input_name, err);
		goto out;
	}
	struct raw_process **sel = calloc(rf.nprocs + 1, sizeof *sel);
	size_t nsel = 0;
	if (!sel) {
		raw_file_free(&rf);
		goto oom;
	}
	opt.file_processes = rf.nprocs;
	if (opt.all) {
		for (size_t i = 0; i < rf.nprocs; i++)
			sel[nsel++] = &rf.procs[i];
	} else if (rf.nprocs > 0) {
		ptrdiff_t k = busiest_of_pid(&rf, have_pid ? (uint32_t)pid : root_pid(&rf));
		if (k >= 0)
			sel[nsel++] = &rf.procs[k];
	}
	if (nsel == 0) {
		if (rf.cut && rf.nprocs == 0)   /* damaged before anything usable */
			sprof_error("%s: %s", opt.input_name,
			            rf.problem[0] ? rf.problem : "the file is cut short");
		else if (have_pid)
			sprof_error("%s: no process %llu in the file", opt.input_name, (unsigned long long)pid);
		else
			sprof_error("%s: no process in the file (no samples were written)", opt.input_name);
		free(sel);
		raw_file_free(&rf);
		goto out;
	}

	/* Warned once: what came before the damage is still worth converting. */
	if (rf.cut)
		sprof_error("%s: %s; converting the data before it", opt.input_name,
		            rf.problem[0] ? rf.problem : "the file is cut short");

	struct symbolizer *sym = sym_new(debug_dirs.v, debug_dirs.n, false);
	struct profile_model **models = calloc(nsel, sizeof *models);
	if (!sym || !models) {
		sym_free(sym);
		free(models);
		free(sel);
		raw_file_free(&rf);
		goto oom;
	}
	for (size_t i = 0; i < nsel; i++) {
		if (!(models[i] = model_build(sel[i], rf.cut, &bo, sym))) {
			status = EXIT_DATA;
			sprof_error("out of memory");
			goto done;
		}
		if (no_inline)
			model_drop_inlined(models[i]);
	}

	size_t skipped = 0;
	opt.skipped = opt.all ? &skipped : NULL;
	if (opt.all && output && !strncmp(fmt->name, "envelope", 8)) {
		/* An envelope is one event; concatenated envelopes would not be
		 * one file sentry-cli can send, so each process gets FILE.PID,
		 * and the second program a pid exec'd FILE.PID-2, and so on. */
		status = 0;
		opt.one_of_several = true;
		size_t written = 0;
		for (size_t i = 0; i < nsel && !status; i++) {
			char path[4096];
			unsigned nth = 1;
			for (size_t k = 0; k < i; k++)
				nth += models[k]->pid == models[i]->pid;
			if (nth == 1)
				snprintf(path, sizeof path, "%s.%u", output, models[i]->pid);
			else
				snprintf(path, sizeof path, "%s.%u-%u", output, models[i]->pid, nth);
			status = write_output(fmt, &models[i], 1, &opt, path);
			if (status == OUTPUT_SKIPPED) { /* counted; the others may do */
				status = 0;
			} else if (!status) {
				written++;
				char *name = text_for_terminal(models[i]->command);
				char *shown = text_for_terminal(path);
				sprof_error("%s: pid %u (%s), %zu samples", shown ? shown : "?",
				            models[i]->pid, name ? name : "?", models[i]->nsamples);
				free(name);
				free(shown);
			}
		}
		if (!status && !written) {
			sprof_error("%s: not enough samples in any process for a Sentry profile",
			            opt.input_name);
			status = EXIT_DATA;
		}
	} else {
		status = write_output(fmt, models, nsel, &opt, output);
	}
	if (skipped)    /* one line, not one per process: a make has hundreds */
		sprof_error("%s: %zu of %zu processes have too few samples for a Sentry profile; "
		            "skipped (sprof info lists them)", opt.input_name, skipped, nsel);
	if (status == 0 && !have_pid && !opt.all && rf.nprocs > 1) {
		/* after the output, so that an error stays one line; the command
		 * name comes from the file, so it is escaped for the terminal */
		char *name = text_for_terminal(models[0]->command);
		sprof_error("%s: %zu processes in the file; converted pid %u (%s), --pid or --all for the others",
		            opt.input_name, rf.nprocs, models[0]->pid, name ? name : "?");
		free(name);
	}
done:
	for (size_t i = 0; i < nsel; i++)
		model_free(models[i]);
	free(models);
	sym_free(sym);
	free(sel);
	raw_file_free(&rf);
	goto out;
oom:
	sprof_error("out of memory");
	status = EXIT_DATA;
out:
	for (size_t i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(debug_dirs.v);
	free(inc.v);
	free(exc.v);
	return status;
}
