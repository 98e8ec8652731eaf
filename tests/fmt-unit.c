/* fmt-unit.c -- unit test of the output formats beyond Sentry (report,
 * collapsed, flamegraph, pprof, speedscope) on a hand-built profile model,
 * so they are tested without the shim or the symbolizer.
 *
 * The model: process "hotapp" (pid 4242), 100 samples at 100 Hz over two
 * threads.  Main thread (82 samples): hot_a 40 self (+20 through an inlined
 * "square"), hot_b 15 self (+5 in unnamed libc code), 2 in a function whose
 * name needs escaping everywhere.  Worker thread (18): recurse (3 deep, to
 * check totals count a function once per sample) 12, an address outside any
 * image 6.
 *
 * Usage: fmt-unit DIR -- writes every format into DIR (for fmt-unit.sh to
 * check with external tools: XML parser, go tool pprof, the speedscope
 * schema), checks the text formats itself, and exits 0 when all is well. */
#include "config.h"
#include "convert/model.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct output_format format_collapsed, format_report, format_flamegraph,
	format_pprof, format_speedscope;

static int failures;

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fmt-unit: FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	failures++;
}

/* control bytes, a terminal escape, stray and truncated UTF-8, an encoded
 * surrogate (U+D800) and an overlong '/' */
#define HOSTILE "\"\\\n\r\033[31m\001\377\303(;<>&\355\240\200\300\257"
#define WEIRD "operator<< <A&, \"q\">;x"

static struct model_image images[] = {
	{.path = "/usr/bin/hotapp", .code_id = "0123456789abcdef0123456789abcdef01234567",
	 .start = 0x400000, .size = 0x10000, .used = true},
	{.path = "/lib/x86_64-linux-gnu/libc.so.6", .code_id = "feedface",
	 .start = 0x7f0000000000, .size = 0x200000, .used = true},
};

static struct model_frame frames[] = {
	/* 0 */ {.function = "main", .filename = "hotapp.c", .abs_path = "/src/hotapp.c", .lineno = 50, .addr = 0x401000, .image = 0, .in_app = true},
	/* 1 */ {.function = "hot_a", .filename = "hotapp.c", .abs_path = "/src/hotapp.c", .lineno = 10, .addr = 0x401100, .image = 0, .in_app = true},
	/* 2 */ {.function = "hot_b", .filename = "hotapp.c", .abs_path = "/src/hotapp.c", .lineno = 20, .addr = 0x401200, .image = 0, .in_app = true},
	/* 3 */ {.function = "square", .filename = "hotapp.h", .abs_path = "/src/hotapp.h", .lineno = 5, .addr = 0x401110, .image = 0, .in_app = true, .inlined = true},
	/* 4 */ {.function = "hot_a", .filename = "hotapp.c", .abs_path = "/src/hotapp.c", .lineno = 12, .addr = 0x401110, .image = 0, .in_app = true},
	/* 5 */ {.function = NULL, .addr = 0x7f0000001234, .image = 1},
	/* 6 */ {.function = NULL, .addr = 0xdead, .image = -1},
	/* 7 */ {.function = "worker_loop", .filename = "hotapp.c", .abs_path = "/src/hotapp.c", .lineno = 70, .addr = 0x401300, .image = 0, .in_app = true},
	/* 8 */ {.function = "recurse", .filename = "hotapp.c", .abs_path = "/src/hotapp.c", .lineno = 60, .addr = 0x401400, .image = 0, .in_app = true},
	/* 9 */ {.function = WEIRD, .filename = "hotapp.c", .abs_path = "/src/hotapp.c", .lineno = 80, .addr = 0x401500, .image = 0, .in_app = true},
	/* 10 */ {.function = "start_thread", .addr = 0x7f0000002000, .image = 1},
};

static uint32_t s0[] = {1, 0}, s1[] = {3, 4, 0}, s2[] = {2, 0}, s3[] = {5, 2, 0},
	s4[] = {8, 8, 8, 7, 10}, s5[] = {6, 7, 10}, s6[] = {9, 0};
#define STACK(a) {sizeof a / sizeof a[0], a}
static struct model_stack stacks[] = {STACK(s0), STACK(s1), STACK(s2), STACK(s3), STACK(s4),
                                      STACK(s5), STACK(s6)};

static struct model_thread threads[] = {
	{.tid = 4242, .name = "hotapp", .nsamples = 82, .is_main = true},
	{.tid = 4243, .name = "worker", .nsamples = 18},
};

static char *argv_[] = {"./hotapp", "--fast"};
static struct model_sample samples[100];

static struct profile_model model = {
	.pid = 4242, .ppid = 1, .command = "hotapp", .exe = "/usr/bin/hotapp", .argv = argv_,
	.argc = 2, .arch = "x86_64", .os_name = "Linux", .os_release = "6.1.0",
	.mechanism = "timer_create", .mode = 0, .requested_hz = 100, .delivered_hz = 98.5,
	.wall_start_ns = 1700000000000000000ull, .duration_ns = 2000000000ull, .lost = 3,
	.images = images, .nimages = 2, .frames = frames, .nframes = 11,
	.stacks = stacks, .nstacks = 7, .samples = samples, .nsamples = 100,
	.threads = threads, .nthreads = 2,
};

static void fill_samples(void)
{
	/* (stack, count, tid), interleaved in time as a real run would be */
	static const struct { uint32_t stack, count, tid; } plan[] = {
		{0, 40, 4242}, {1, 20, 4242}, {2, 15, 4242}, {3, 5, 4242}, {6, 2, 4242},
		{4, 12, 4243}, {5, 6, 4243},
	};
	uint32_t left[7], n = 0;
	for (int i = 0; i < 7; i++)
		left[i] = plan[i].count;
	while (n < 100)
		for (int i = 0; i < 7; i++)
			if (left[i]) {
				left[i]--;
				samples[n] = (struct model_sample){.t_ns = n * 10000000ull,
				                                   .tid = plan[i].tid, .stack = plan[i].stack};
				n++;
			}
}

static struct convert_options defaults(void)
{
	return (struct convert_options){.top = 20, .color = 0, .width = 1200};
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

static char *run(const char *dir, const char *file, const struct output_format *fmt,
                 struct profile_model *const *models, size_t n, const struct convert_options *opt)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *out = fopen(path, "wb");
	if (!out) {
		fail("cannot create %s", path);
		return NULL;
	}
	int rc = fmt->write(models, n, opt, out);
	if (fclose(out) != 0 || rc != 0) {
		fail("%s writer returned %d for %s", fmt->name, rc, file);
		return NULL;
	}
	return slurp(path);
}

static void expect_text(const char *what, const char *got, const char *want)
{
	if (!got || strcmp(got, want) != 0)
		fail("%s:\n--- got ---\n%s--- want ---\n%s", what, got ? got : "(none)\n", want);
}

/* First table row of the report after the line containing `after`:
 * self, self%, total, total%, function. */
static bool report_row(const char *text, const char *after, int skip, uint64_t *self,
                       double *selfp, uint64_t *total, double *totalp, char *fn, size_t fnsize)
{
	const char *p = text ? strstr(text, after) : NULL;
	if (!p)
		return false;
	p = strchr(p, '\n');                    /* end of the section line */
	if (!p || !(p = strchr(p + 1, '\n')))   /* skip the column headings */
		return false;
	for (p++; skip-- > 0;)
		if (!(p = strchr(p, '\n')) || !*++p)
			return false;
	char module[256];
	int used = 0;
	if (sscanf(p, "%" SCNu64 " %lf%% %" SCNu64 " %lf%% %255s %n", self, selfp, total, totalp,
	           module, &used) != 5)
		return false;
	const char *end = strchr(p + used, '\n');
	size_t len = end ? (size_t)(end - (p + used)) : strlen(p + used);
	if (len >= fnsize)
		len = fnsize - 1;
	memcpy(fn, p + used, len);
	fn[len] = '\0';
	return true;
}

static void check_report(const char *dir, struct profile_model **models)
{
	struct convert_options opt = defaults();
	uint64_t self, total;
	double sp, tp;
	char fn[256];

	char *txt = run(dir, "report.txt", &format_report, models, 1, &opt);
	if (!txt)
		return;
	if (!strstr(txt, "Process 4242 (hotapp)") || !strstr(txt, "100 (3 lost)") ||
	    !strstr(txt, "100 Hz requested, 98.5 Hz delivered") || !strstr(txt, "./hotapp --fast"))
		fail("report header is missing facts:\n%s", txt);
	if (strchr(txt, '\033'))
		fail("report has colour with --color=never");
	/* per thread: the main thread comes first and hot_a leads it */
	if (!report_row(txt, "Thread 4242 (hotapp)", 0, &self, &sp, &total, &tp, fn, sizeof fn) ||
	    strcmp(fn, "hot_a") || self != 40 || total != 60 || sp < 48.77 || sp > 48.79)
		fail("report: main thread's first row is not hot_a 40 (48.78%%) total 60: %s %" PRIu64
		     " %.2f %" PRIu64 "\n%s", fn, self, sp, total, txt);
	if (strstr(txt, "Thread 4243") < strstr(txt, "Thread 4242"))
		fail("report: the busier thread is not first");
	/* worker: recurse is 3 deep in 12 samples; its total must be 12, not 36 */
	if (!report_row(txt, "Thread 4243 (worker)", 0, &self, &sp, &total, &tp, fn, sizeof fn) ||
	    strcmp(fn, "recurse") || self != 12 || total != 12 || tp < 66.66 || tp > 66.67)
		fail("report: worker's first row is not recurse 12/12 (66.67%%): %s %" PRIu64 " %" PRIu64
		     " %.2f", fn, self, total, tp);
	free(txt);

	opt.merge_threads = true;
	opt.top = 3;
	txt = run(dir, "report-merged.txt", &format_report, models, 1, &opt);
	if (!txt)
		return;
	if (!report_row(txt, "All threads: 100 samples", 0, &self, &sp, &total, &tp, fn, sizeof fn) ||
	    strcmp(fn, "hot_a") || self != 40 || sp != 40.0 || total != 60)
		fail("report --merge-threads: first row is not hot_a 40%%: %s\n%s", fn, txt);
	if (!report_row(txt, "All threads: 100 samples", 1, &self, &sp, &total, &tp, fn, sizeof fn) ||
	    strcmp(fn, "square") || self != 20)
		fail("report --merge-threads: the inlined square is not second: %s", fn);
	if (!report_row(txt, "All threads: 100 samples", 2, &self, &sp, &total, &tp, fn, sizeof fn) ||
	    strcmp(fn, "hot_b") || self != 15 || total != 20)
		fail("report --merge-threads: hot_b is not third with total 20: %s", fn);
	if (strstr(txt, "recurse") || !strstr(txt, "more functions"))
		fail("report --top 3 shows more than 3 rows:\n%s", txt);
	free(txt);

	opt.top = 0;
	opt.color = 1;
	txt = run(dir, "report-color.txt", &format_report, models, 1, &opt);
	if (txt && (!strchr(txt, '\033') || !strstr(txt, "libc.so.6+0x1234") || !strstr(txt, "0xdead")))
		fail("report --color=always --top 0: no colour or unknown frames missing:\n%s", txt);
	free(txt);
}

static void check_collapsed(const char *dir, struct profile_model **models)
{
	struct convert_options opt = defaults();
	char *txt = run(dir, "collapsed.txt", &format_collapsed, models, 1, &opt);
	expect_text("collapsed",
	            txt,
	            "hotapp-4242;main;hot_a 40\n"
	            "hotapp-4242;main;hot_a;square 20\n"
	            "hotapp-4242;main;hot_b 15\n"
	            "hotapp-4242;main;hot_b;libc.so.6+0x1234 5\n"
	            "hotapp-4242;main;operator<< <A&, \"q\">:x 2\n"
	            "worker-4243;start_thread;worker_loop;0xdead 6\n"
	            "worker-4243;start_thread;worker_loop;recurse;recurse;recurse 12\n");
	free(txt);

	opt.merge_threads = true;
	txt = run(dir, "collapsed-merged.txt", &format_collapsed, models, 1, &opt);
	expect_text("collapsed --merge-threads",
	            txt,
	            "main;hot_a 40\n"
	            "main;hot_a;square 20\n"
	            "main;hot_b 15\n"
	            "main;hot_b;libc.so.6+0x1234 5\n"
	            "main;operator<< <A&, \"q\">:x 2\n"
	            "start_thread;worker_loop;0xdead 6\n"
	            "start_thread;worker_loop;recurse;recurse;recurse 12\n");
	free(txt);

	/* two processes: each line names its process first; counts add up */
	struct profile_model second = model;
	second.pid = 5000;
	second.command = "other";
	struct profile_model *two[] = {models[0], &second};
	txt = run(dir, "collapsed-two.txt", &format_collapsed, two, 2, &opt);
	if (txt) {
		uint64_t sum = 0;
		int lines = 0, other = 0;
		for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
			lines++;
			other += !strncmp(line, "other-5000;", 11);
			if (strncmp(line, "hotapp-4242;", 12) && strncmp(line, "other-5000;", 11))
				fail("collapsed, two processes: line without its process: %s", line);
			sum += strtoull(strrchr(line, ' ') + 1, NULL, 10);
		}
		if (lines != 14 || other != 7 || sum != 200)
			fail("collapsed, two processes: %d lines, %d of pid 5000, %" PRIu64 " samples", lines,
			     other, sum);
	}
	free(txt);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fmt-unit DIR\n");
		return 99;
	}
	const char *dir = argv[1];
	fill_samples();
	struct profile_model *models[] = {&model};

	check_report(dir, models);
	check_collapsed(dir, models);

	/* written here, checked by fmt-unit.sh */
	struct convert_options opt = defaults();
	free(run(dir, "flame.svg", &format_flamegraph, models, 1, &opt));
	opt.reverse = true;
	opt.width = 800;
	opt.title = "T&T <icicle>";
	opt.merge_threads = true;
	free(run(dir, "icicle.svg", &format_flamegraph, models, 1, &opt));
	opt = defaults();
	free(run(dir, "profile.pb.gz", &format_pprof, models, 1, &opt));
	free(run(dir, "speedscope.json", &format_speedscope, models, 1, &opt));
	opt.merge_threads = true;
	free(run(dir, "speedscope-merged.json", &format_speedscope, models, 1, &opt));

	/* two processes (sprof convert --all): every format takes both */
	struct profile_model second = model;
	second.pid = 5000;
	second.command = "other";
	second.wall_start_ns += 500000000;
	struct profile_model *two[] = {&model, &second};
	opt = defaults();
	free(run(dir, "two.svg", &format_flamegraph, two, 2, &opt));
	free(run(dir, "two.pb.gz", &format_pprof, two, 2, &opt));
	free(run(dir, "two-speedscope.json", &format_speedscope, two, 2, &opt));
	char *two_report = run(dir, "two-report.txt", &format_report, two, 2, &opt);
	if (!two_report || !strstr(two_report, "Process 4242 (hotapp)") ||
	    !strstr(two_report, "Process 5000 (other)"))
		fail("report of two processes lacks one:\n%s", two_report ? two_report : "");
	free(two_report);

	/* a process without samples must still give valid (empty) output */
	struct profile_model empty = model;
	empty.nsamples = 0;
	empty.nthreads = 0;
	struct profile_model *none[] = {&empty};
	opt = defaults();
	free(run(dir, "empty.svg", &format_flamegraph, none, 1, &opt));
	free(run(dir, "empty.pb.gz", &format_pprof, none, 1, &opt));
	free(run(dir, "empty-speedscope.json", &format_speedscope, none, 1, &opt));
	char *txt = run(dir, "empty-collapsed.txt", &format_collapsed, none, 1, &opt);
	expect_text("collapsed of no samples", txt, "");
	free(txt);
	txt = run(dir, "empty-report.txt", &format_report, none, 1, &opt);
	if (!txt || !strstr(txt, "(no samples)"))
		fail("report of no samples does not say so:\n%s", txt ? txt : "");
	free(txt);

	/* ... nor when it has no frames at all: the report's per-function
	 * tables are then empty, and clearing them must not be memset(NULL)
	 * (an abort under UBSan) */
	static struct model_sample bare_samples[] = {{.t_ns = 0, .tid = 4242, .stack = 0}};
	static struct model_stack bare_stacks[] = {{0, NULL}};
	struct profile_model bare = empty;
	bare.frames = NULL;
	bare.nframes = 0;
	bare.stacks = NULL;
	bare.nstacks = 0;
	struct profile_model *bare1[] = {&bare};
	txt = run(dir, "bare-report.txt", &format_report, bare1, 1, &opt);
	if (!txt || !strstr(txt, "(no samples)"))
		fail("report of no frames and no samples does not say so:\n%s", txt ? txt : "");
	free(txt);
	bare.samples = bare_samples;
	bare.nsamples = 1;
	bare.stacks = bare_stacks;
	bare.nstacks = 1;
	txt = run(dir, "bare-empty-stack-report.txt", &format_report, bare1, 1, &opt);
	if (!txt || !strstr(txt, "All threads: 1 samples"))
		fail("report of one empty stack does not count it:\n%s", txt ? txt : "");
	free(txt);

	/* hostile strings (as a damaged or crafted raw file gives): control
	 * bytes, invalid UTF-8, a UTF-8 surrogate and an overlong form in the
	 * command, the command line, thread and function names; fmt-unit.sh
	 * parses what every format makes of them */
	static struct model_frame hframes[sizeof frames / sizeof frames[0]];
	memcpy(hframes, frames, sizeof frames);
	hframes[1].function = HOSTILE "hot_a";
	static struct model_thread hthreads[] = {
		{.tid = 4242, .name = HOSTILE, .nsamples = 82, .is_main = true},
		{.tid = 4243, .name = "w\xffr\nk", .nsamples = 18},
	};
	static char *hargv[] = {"./hot" HOSTILE, "a\nb", "\xfe"};
	struct profile_model hostile = model;
	hostile.command = HOSTILE;
	hostile.argv = hargv;
	hostile.argc = 3;
	hostile.threads = hthreads;
	hostile.frames = hframes;
	struct profile_model *hostile1[] = {&hostile};
	opt = defaults();
	free(run(dir, "hostile-speedscope.json", &format_speedscope, hostile1, 1, &opt));
	free(run(dir, "hostile.svg", &format_flamegraph, hostile1, 1, &opt));
	free(run(dir, "hostile-collapsed.txt", &format_collapsed, hostile1, 1, &opt));
	opt.top = 0;
	txt = run(dir, "hostile-report.txt", &format_report, hostile1, 1, &opt);
	/* the escapes are readable: the terminal escape and the stray bytes */
	if (!txt || !strstr(txt, "\\x1b[31m") || !strstr(txt, "\\xff\\xc3(") ||
	    !strstr(txt, "./hot\"\\\\x0a") || !strstr(txt, " a\\x0ab \\xfe\n") ||
	    !strstr(txt, "Thread 4243 (w\\xffr\\x0ak)"))
		fail("report of hostile names does not show them escaped:\n%s", txt ? txt : "");
	free(txt);

	if (failures)
		fprintf(stderr, "fmt-unit: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
