/* cmd-info.c -- `sprof info FILE`: a human summary of a raw file, in stable
 * line formats that scripts and the tests grep.  The layout:
 *
 *   file: NAME
 *   size: N bytes (H)
 *   format: MAJOR.MINOR
 *   blocks: N
 *   end: clean | cut (crash or kill): PROBLEM; showing everything up to the last good block
 *        | writing failed: ERROR; ... (a process recorded REC_WRITE_ERROR)
 *   processes: N
 *   process PID                          one group per process, fields indented by 2
 *     ppid: N
 *     command: ARGV (shell-quoted)
 *     exe: PATH
 *     system: ARCH OS RELEASE
 *     runtime: NAME VERSION               the C library, "unknown" before format 1.1
 *     mechanism: NAME
 *     mode: cpu|wall
 *     max depth: N
 *     started: YYYY-MM-DD HH:MM:SS.mmm UTC
 *     duration: S.mmm s
 *     samples: N
 *     lost: N (full N, other N)
 *     rate: requested N Hz, delivered R Hz   (or "delivered unknown")
 *     stacks: N
 *     blocks: N
 *     threads: N
 *     thread TID "NAME": N samples     indented by 4, most samples first
 *     images: N
 *     image 0xSTART 0xSIZE BUILDID|- PATH  indented by 4, [gone] appended when unmapped
 *     note: S.mmm s: TEXT                 one per REC_NOTE, in file order
 *     write error: S.mmm s: TEXT; sampling stopped, N samples not written
 *     end: exit STATUS | killed by signal N (NAME) | exec | cut (no end record)
 *
 * Fields the file does not have (no process record) read "unknown". */
#include "config.h"
#include "sprof.h"
#include "raw/format.h"
#include "convert/text.h"
#include "raw/reader.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void usage(FILE *f)
{
	fprintf(f, "Usage: sprof info [OPTIONS] FILE\n"
	           "Summarize a raw file written by 'sprof run' (FILE '-' is stdin): its processes,\n"
	           "threads, sample counts, rates and loaded images.\n"
	           "\n"
	           "Options:\n"
	           "  -h, --help  show this help\n"
	           "\n"
	           "Exit status: 0, also for a cut file (it says so); 1 when FILE cannot be read\n"
	           "or is not a raw file; 2 bad usage.\n");
}

static const char *or_unknown(const char *s)
{
	return s && *s ? s : "unknown";
}

static void put_shell_quoted(const char *s);

/* Prints s (made safe for a terminal first) quoted for a POSIX shell when
 * it needs it. */
static void put_shell_word(const char *raw)
{
	char *safe = text_for_terminal(raw);
	const char *s = safe ? safe : "?";
	put_shell_quoted(s);
	free(safe);
}

static void put_shell_quoted(const char *s)
{
	if (*s && !s[strcspn(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~")]) {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else if (*s == '\n')
			fputs("'$'\\n''", stdout);
		else
			putchar(*s);
	}
	putchar('\'');
}

/* Every string in a raw file comes from the program or the file: printed
 * through text_put_terminal, so no control byte or invalid UTF-8 reaches
 * the terminal and every field stays on its line. */
static void put_clean(const char *s)
{
	if (!text_put_terminal(stdout, s))
		fputs("?", stdout);
}

struct thread_count {
	uint32_t tid;
	uint64_t n;
	uint64_t off;                   /* of which off-CPU (wall mode) */
};

static int by_tid(const void *a, const void *b)
{
	const struct thread_count *x = a, *y = b;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static int by_samples_desc(const void *a, const void *b)
{
	const struct thread_count *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return by_tid(a, b);
}

/* Threads: every tid that has samples or a name, with its sample count,
 * most samples first.  Counted in an open-addressing table keyed by tid, so
 * this stays linear in the samples however many threads there are. */
static struct thread_count *count_threads(const struct raw_process *p, size_t *nout)
{
	size_t cap = 64;
	while (cap < 2 * (p->nthread_names + 16))
		cap *= 2;
	struct thread_count *tab = calloc(cap, sizeof *tab);
	bool *used = calloc(cap, sizeof *used);
	size_t n = 0;
	if (!tab || !used)
		goto oom;
	for (size_t i = 0; i < p->nsamples + p->nthread_names; i++) {
		bool sample = i < p->nsamples;
		uint32_t tid = sample ? p->samples[i].tid : p->thread_names[i - p->nsamples].tid;
		size_t h = (tid * 2654435761u) & (cap - 1);
		while (used[h] && tab[h].tid != tid)
			h = (h + 1) & (cap - 1);
		if (!used[h]) {
			used[h] = true;
			tab[h].tid = tid;
			if (++n * 2 > cap) {
				/* rehash into a table twice the size */
				size_t ncap = cap * 2;
				struct thread_count *nt = calloc(ncap, sizeof *nt);
				bool *nu = calloc(ncap, sizeof *nu);
				if (!nt || !nu) {
					free(nt);
					free(nu);
					goto oom;
				}
				for (size_t k = 0; k < cap; k++) {
					if (!used[k])
						continue;
					size_t g = (tab[k].tid * 2654435761u) & (ncap - 1);
					while (nu[g])
						g = (g + 1) & (ncap - 1);
					nu[g] = true;
					nt[g] = tab[k];
				}
				free(tab);
				free(used);
				tab = nt;
				used = nu;
				cap = ncap;
				h = (tid * 2654435761u) & (cap - 1);
				while (tab[h].tid != tid || !used[h])
					h = (h + 1) & (cap - 1);
			}
		}
		if (sample) {
			tab[h].n++;
			if (p->samples[i].state & RAW_STATE_OFFCPU)
				tab[h].off++;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < cap; i++)
		if (used[i])
			tab[k++] = tab[i];
	free(used);
	qsort(tab, n, sizeof *tab, by_samples_desc);
	*nout = n;
	return tab;
oom:
	free(tab);
	free(used);
	return NULL;
}

static void print_process(const struct raw_process *p, bool file_cut)
{
	printf("process %u\n", p->pid);
	if (p->have_header)
		printf("  ppid: %u\n", p->ppid);
	else
		printf("  ppid: unknown\n");
	fputs("  command: ", stdout);
	if (p->argc) {
		for (uint32_t i = 0; i < p->argc; i++) {
			if (i)
				putchar(' ');
			put_shell_word(p->argv[i]);
		}
	} else {
		fputs("unknown", stdout);
	}
	putchar('\n');
	fputs("  exe: ", stdout);
	put_clean(or_unknown(p->exe));
	putchar('\n');
	fputs("  system: ", stdout);
	put_clean(or_unknown(p->arch));
	putchar(' ');
	put_clean(or_unknown(p->os_name));
	putchar(' ');
	put_clean(or_unknown(p->os_release));
	fputs("\n  runtime: ", stdout);
	if (p->runtime_name && *p->runtime_name) {
		put_clean(p->runtime_name);
		putchar(' ');
		put_clean(or_unknown(p->runtime_version));
	} else {
		fputs("unknown", stdout);
	}
	fputs("\n  mechanism: ", stdout);
	put_clean(or_unknown(p->mechanism));
	putchar('\n');
	if (p->have_header) {
		printf("  mode: %s\n", p->mode == RAW_MODE_CPU ? "cpu" : p->mode == RAW_MODE_WALL ? "wall" : "unknown");
		printf("  max depth: %u\n", p->max_depth);
		time_t secs = (time_t)(p->wall_start_ns / 1000000000u);
		struct tm tm;
		char when[64];
		if (gmtime_r(&secs, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
			printf("  started: %s.%03u UTC\n", when,
			       (unsigned)(p->wall_start_ns / 1000000u % 1000u));
		else
			printf("  started: unknown\n");
	} else {
		printf("  mode: unknown\n  max depth: unknown\n  started: unknown\n");
	}
	/* the process's own clock: end record, else the last thing it said */
	uint64_t dur = p->ended ? p->end_us : p->last_us;
	if (p->nsamples && p->samples[p->nsamples - 1].t_us > dur)
		dur = p->samples[p->nsamples - 1].t_us;
	printf("  duration: %.3f s\n", dur / 1e6);
	printf("  samples: %zu\n", p->nsamples);
	printf("  lost: %llu (full %llu, other %llu)\n",
	       (unsigned long long)(p->lost_full + p->lost_other),
	       (unsigned long long)p->lost_full, (unsigned long long)p->lost_other);
	if (p->have_header)
		printf("  rate: requested %u Hz, ", p->requested_hz);
	else
		printf("  rate: requested unknown, ");
	if (p->delivered_millihz)
		printf("delivered %.1f Hz\n", p->delivered_millihz / 1000.0);
	else if (p->cpu_ns)
		printf("delivered %.1f Hz\n",
		       (p->stat_samples + p->lost_full + p->lost_other) / (p->cpu_ns / 1e9));
	else
		printf("delivered unknown\n");
	printf("  stacks: %zu\n", p->nstacks);
	printf("  blocks: %u\n", p->nblocks);

	size_t nt = 0;
	struct thread_count *t = count_threads(p, &nt);
	printf("  threads: %zu\n", t ? nt : 0);
	for (size_t i = 0; t && i < nt; i++) {
		/* the name it had during its samples: its latest */
		const char *name = raw_thread_name_at(p, t[i].tid, UINT64_MAX);
		printf("    thread %u \"", t[i].tid);
		put_clean(name ? name : "");
		printf("\": %llu samples", (unsigned long long)t[i].n);
		if (p->mode == RAW_MODE_WALL)
			printf(" (%llu on-CPU, %llu off-CPU)", (unsigned long long)(t[i].n - t[i].off),
			       (unsigned long long)t[i].off);
		putchar('\n');
	}
	free(t);

	printf("  images: %zu\n", p->nimages);
	for (size_t i = 0; i < p->nimages; i++) {
		const struct raw_image *im = &p->images[i];
		printf("    image 0x%llx 0x%llx ", (unsigned long long)im->start,
		       (unsigned long long)im->size);
		if (im->build_id_len)
			for (size_t k = 0; k < im->build_id_len; k++)
				printf("%02x", im->build_id[k]);
		else
			putchar('-');
		putchar(' ');
		put_clean(*im->path ? im->path : "[unnamed]");
		if (im->gone_us != UINT64_MAX)
			fputs(" [gone]", stdout);
		putchar('\n');
	}

	for (size_t i = 0; i < p->nunprofiled; i++) {
		printf("  unprofiled: %.3f s: ", p->unprofiled[i].t_us / 1e6);
		put_clean(p->unprofiled[i].path);
		fputs(": ", stdout);
		put_clean(p->unprofiled[i].reason);
		putchar('\n');
	}

	for (size_t i = 0; i < p->nnotes; i++) {
		printf("  note: %.3f s: ", p->notes[i].t_us / 1e6);
		put_clean(p->notes[i].text);
		putchar('\n');
	}

	if (p->write_errno) {
		printf("  write error: %.3f s: ", p->write_error_us / 1e6);
		put_clean(p->write_error);
		printf("; sampling stopped, %llu samples not written\n",
		       (unsigned long long)p->not_written);
	}

	fputs("  end: ", stdout);
	if (!p->ended)
		printf("cut (%s)\n", file_cut ? "no end record; the file is cut"
		                              : "no end record: crash, kill or still running");
	else if (p->end_how == RAW_END_EXIT)
		printf("exit %u\n", p->end_status);
	else if (p->end_how == RAW_END_SIGNAL) {
		const char *abbrev = p->end_status < 1000 ? sigabbrev_np((int)p->end_status) : NULL;
		printf("killed by signal %u (SIG%s)\n", p->end_status, abbrev ? abbrev : "?");
	} else if (p->end_how == RAW_END_EXEC)
		printf("exec\n");
	else
		printf("unknown (%u)\n", p->end_how);
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (optopt)
			return sprof_usage_error("info", "unknown option '-%c'", optopt);
		return sprof_usage_error("info", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind >= argc)
		return sprof_usage_error("info", "missing the raw file");
	if (optind + 1 < argc)
		return sprof_usage_error("info", "one file at a time");
	const char *path = argv[optind];

	struct raw_file rf;
	char err[256];
	if (raw_read_path(path, &rf, err, sizeof err) != 0) {
		sprof_error("%s: %s", path, err);
		return EXIT_DATA;
	}
	printf("file: %s\n", path);
	printf("size: %llu bytes", (unsigned long long)rf.size);
	if (rf.size >= 1024)
		printf(" (%.1f %s)", rf.size >= 1048576 ? rf.size / 1048576.0 : rf.size / 1024.0,
		       rf.size >= 1048576 ? "MiB" : "KiB");
	putchar('\n');
	printf("format: %u.%u\n", rf.version_major, rf.version_minor);
	printf("blocks: %zu\n", rf.nblocks);
	const char *write_error = NULL;
	for (size_t i = 0; i < rf.nprocs && !write_error; i++)
		write_error = rf.procs[i].write_error;
	if (rf.cut && write_error)
		printf("end: cut (writing failed: %s): %s; showing everything up to the last good block\n",
		       write_error, rf.problem);
	else if (rf.cut)
		printf("end: cut (crash or kill): %s; showing everything up to the last good block\n",
		       rf.problem);
	else if (write_error)
		printf("end: writing failed: %s; showing everything written before\n", write_error);
	else
		printf("end: clean\n");
	printf("processes: %zu\n", rf.nprocs);
	for (size_t i = 0; i < rf.nprocs; i++)
		print_process(&rf.procs[i], rf.cut);
	raw_file_free(&rf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sprof_error("writing the summary failed");
		return EXIT_DATA;
	}
	return 0;
}
