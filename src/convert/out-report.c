/* out-report.c -- the "report" format: a plain-text summary for terminals and
 * CI logs, in the spirit of `perf report --stdio` and `pprof -top`.
 *
 * For each process: a header (command, pid, duration, mode, requested and
 * delivered rate, samples, lost), then, per thread (busiest first) or for all
 * threads together with --merge-threads, the top --top functions ordered by
 * self samples, with total samples beside them (top 0, which only callers
 * other than the command line can ask for, lists them all).
 *
 * A function is its name plus the base name of its module; a frame without a
 * name is "module+0xOFFSET" (folded.h), so unknown code still shows where it
 * is.  Self counts the sample's leaf frame (the innermost inlined function
 * when there is one); total counts every function on the stack once per
 * sample, so recursion cannot push a total past 100%.
 *
 * Colour (--color=always, or auto when out is a terminal) only marks the
 * headings and the weight of the percentages; the text is the same without
 * it, so logs stay greppable.
 *
 * Every string from the profile (command line, thread, function and module
 * names) goes through text_for_terminal (text.h): a name from a damaged or
 * crafted file cannot break a line, send escape sequences to the terminal
 * or be invalid UTF-8. */
#include "config.h"
#include "convert/folded.h"
#include "convert/model.h"
#include "convert/strtab.h"
#include "convert/text.h"
#include "raw/format.h"
#include "sprof.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_OFF "\033[0m"

struct fn_stat {
	uint32_t key;                   /* id in the function strtab */
	uint64_t self, total;
};

struct report {
	FILE *out;
	bool color;
	int top;
	struct strtab fns;              /* "name\0module" */
	uint32_t *frame_fn;             /* frame index -> fns id */
	uint64_t *self, *total;         /* by fns id, for the group being printed */
	uint64_t *stamp;                /* by fns id: last stack counted into total */
	size_t nfns_room;
};

static const char *pct_color(const struct report *r, double pct)
{
	if (!r->color)
		return "";
	return pct >= 5.0 ? C_RED : pct >= 0.5 ? C_GREEN : "";
}

static int cmp_stat(const void *pa, const void *pb, void *ctx)
{
	const struct fn_stat *a = pa, *b = pb;
	const struct strtab *fns = ctx;
	if (a->self != b->self)
		return a->self < b->self ? 1 : -1;
	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	return strcmp(fns->strs[a->key], fns->strs[b->key]);
}

/* Returns false when memory runs out. */
static bool print_header(const struct report *r, const struct profile_model *m)
{
	FILE *out = r->out;
	const char *b = r->color ? C_BOLD : "", *o = r->color ? C_OFF : "";
	bool ok = true;
	fprintf(out, "%sProcess %" PRIu32 " (", b, m->pid);
	ok &= text_put_terminal(out, m->command ? m->command : "?");
	fprintf(out, ")%s\n", o);
	if (m->argc && m->argv) {
		fputs("  command:   ", out);
		for (uint32_t i = 0; i < m->argc; i++) {
			if (i)
				fputc(' ', out);
			ok &= text_put_terminal(out, m->argv[i]);
		}
		fputc('\n', out);
	}
	fprintf(out, "  duration:  %.3f s\n", (double)m->duration_ns / 1e9);
	fprintf(out, "  mode:      %s%s", m->mode == RAW_MODE_WALL ? "wall" : "cpu", m->mechanism ? ", " : "");
	ok &= text_put_terminal(out, m->mechanism);
	fputc('\n', out);
	fprintf(out, "  rate:      %" PRIu32 " Hz requested, ", m->requested_hz);
	if (m->delivered_hz > 0)
		fprintf(out, "%.1f Hz delivered\n", m->delivered_hz);
	else
		fputs("delivered unknown\n", out);
	fprintf(out, "  samples:   %zu (%" PRIu64 " lost)%s\n", m->nsamples, m->lost,
	        m->cut ? ", data cut short" : "");
	return ok;
}

/* Prints the table for the samples of one thread (tid), or all when !one. */
static int print_group(struct report *r, const struct profile_model *m, bool one, uint32_t tid,
                       const char *tname)
{
	FILE *out = r->out;
	size_t nfns = r->fns.n;
	uint64_t n = 0;
	/* Without frames the tables were never allocated: memset(NULL, 0, 0)
	 * is still undefined behaviour. */
	if (nfns) {
		memset(r->self, 0, nfns * sizeof *r->self);
		memset(r->total, 0, nfns * sizeof *r->total);
		memset(r->stamp, 0, nfns * sizeof *r->stamp);
	}

	for (size_t si = 0; si < m->nsamples; si++) {
		const struct model_sample *s = &m->samples[si];
		if ((one && s->tid != tid) || s->stack >= m->nstacks)
			continue;
		const struct model_stack *st = &m->stacks[s->stack];
		n++;
		for (uint32_t i = 0; i < st->nframes; i++) {
			if (st->frames[i] >= m->nframes)
				continue;
			uint32_t fn = r->frame_fn[st->frames[i]];
			if (i == 0)
				r->self[fn]++;
			if (r->stamp[fn] != si + 1) {  /* once per sample, recursion or not */
				r->stamp[fn] = si + 1;
				r->total[fn]++;
			}
		}
	}

	const char *b = r->color ? C_BOLD : "", *o = r->color ? C_OFF : "";
	if (one) {
		char *name = text_for_terminal(tname);
		if (!name) {
			sprof_error("out of memory while writing the report");
			return -1;
		}
		fprintf(out, "\n%sThread %" PRIu32 " (%s): %" PRIu64 " samples (%.1f%% of the process)%s\n",
		        b, tid, name, n, m->nsamples ? 100.0 * (double)n / (double)m->nsamples : 0.0, o);
		free(name);
	} else
		fprintf(out, "\n%sAll threads: %" PRIu64 " samples%s\n", b, n, o);
	if (!n) {
		fputs("  (no samples)\n", out);
		return 0;
	}

	size_t nstat = 0;
	struct fn_stat *stats = malloc((nfns ? nfns : 1) * sizeof *stats);
	if (!stats) {
		sprof_error("out of memory while writing the report");
		return -1;
	}
	for (uint32_t k = 0; k < nfns; k++)
		if (r->total[k])
			stats[nstat++] = (struct fn_stat){k, r->self[k], r->total[k]};
	qsort_r(stats, nstat, sizeof *stats, cmp_stat, &r->fns);
	size_t rows = r->top > 0 && (size_t)r->top < nstat ? (size_t)r->top : nstat;

	int modw = 6;
	for (size_t i = 0; i < rows; i++) {
		const char *key = r->fns.strs[stats[i].key];
		int len = (int)strlen(key + strlen(key) + 1);
		if (len > modw)
			modw = len > 32 ? 32 : len;
	}
	fprintf(out, "%s%8s %7s %8s %7s  %-*s  %s%s\n", b, "self", "self%", "total", "total%",
	        modw, "module", "function", o);
	for (size_t i = 0; i < rows; i++) {
		const char *name = r->fns.strs[stats[i].key];
		const char *module = name + strlen(name) + 1;
		double sp = 100.0 * (double)stats[i].self / (double)n;
		double tp = 100.0 * (double)stats[i].total / (double)n;
		/* a module name cut to the column: never inside a character */
		int cut = modw;
		if ((int)strlen(module) > cut)
			while (cut > 0 && ((unsigned char)module[cut] & 0xc0) == 0x80)
				cut--;
		fprintf(out, "%8" PRIu64 " %s%6.2f%%%s %8" PRIu64 " %s%6.2f%%%s  %-*.*s  %s\n",
		        stats[i].self, pct_color(r, sp), sp, r->color ? C_OFF : "",
		        stats[i].total, pct_color(r, tp), tp, r->color ? C_OFF : "",
		        modw, cut, *module ? module : "?", name);
	}
	if (rows < nstat)
		fprintf(out, "  (%zu more function%s; raise --top to see them)\n", nstat - rows,
		        nstat - rows == 1 ? "" : "s");
	free(stats);
	return 0;
}

static int cmp_thread(const void *pa, const void *pb)
{
	const struct model_thread *a = *(const struct model_thread *const *)pa;
	const struct model_thread *b = *(const struct model_thread *const *)pb;
	if (a->nsamples != b->nsamples)
		return a->nsamples < b->nsamples ? 1 : -1;
	if (a->is_main != b->is_main)
		return a->is_main ? -1 : 1;
	return (a->tid > b->tid) - (a->tid < b->tid);
}

static int report_model(struct report *r, const struct profile_model *m, bool merge)
{
	/* function key of every frame */
	free(r->frame_fn);
	r->frame_fn = malloc((m->nframes ? m->nframes : 1) * sizeof *r->frame_fn);
	if (!r->frame_fn)
		goto oom;
	for (size_t fi = 0; fi < m->nframes; fi++) {
		char buf[FRAME_NAME_MAX];
		const struct model_frame *fr = &m->frames[fi];
		char *name = text_for_terminal(frame_name(m, (uint32_t)fi, buf));
		char *module = text_for_terminal(fr->image >= 0 && (size_t)fr->image < m->nimages
		                                         ? path_base(m->images[fr->image].path) : "");
		size_t nl = name ? strlen(name) : 0, ml = module ? strlen(module) : 0;
		char *k = name && module ? malloc(nl + ml + 2) : NULL;
		uint32_t id = STRTAB_NONE;
		if (k) {
			memcpy(k, name, nl + 1);
			memcpy(k + nl + 1, module, ml + 1);
			id = strtab_intern(&r->fns, k, nl + ml + 2);
		}
		free(name);
		free(module);
		free(k);
		if (id == STRTAB_NONE)
			goto oom;
		r->frame_fn[fi] = id;
	}
	if (r->fns.n > r->nfns_room) {
		size_t room = r->fns.n;
		uint64_t *a = realloc(r->self, room * sizeof *a);
		if (a)
			r->self = a;
		uint64_t *c = realloc(r->total, room * sizeof *c);
		if (c)
			r->total = c;
		uint64_t *d = realloc(r->stamp, room * sizeof *d);
		if (d)
			r->stamp = d;
		if (!a || !c || !d)
			goto oom;
		r->nfns_room = room;
	}

	if (!print_header(r, m))
		goto oom;
	if (merge || m->nthreads == 0)
		return print_group(r, m, false, 0, NULL);

	const struct model_thread **order = malloc(m->nthreads * sizeof *order);
	if (!order)
		goto oom;
	for (size_t i = 0; i < m->nthreads; i++)
		order[i] = &m->threads[i];
	qsort(order, m->nthreads, sizeof *order, cmp_thread);
	int rc = 0;
	for (size_t i = 0; i < m->nthreads && rc == 0; i++)
		rc = print_group(r, m, true, order[i]->tid, order[i]->name ? order[i]->name : "?");
	free(order);
	return rc;
oom:
	sprof_error("out of memory while writing the report");
	return -1;
}

static int write_report(struct profile_model *const *models, size_t nmodels,
                        const struct convert_options *opt, FILE *out)
{
	struct report r = {
		.out = out,
		.color = opt->color > 0 || (opt->color < 0 && isatty(fileno(out))),
		.top = opt->top,
	};
	int rc = 0;
	for (size_t i = 0; i < nmodels && rc == 0; i++) {
		if (i)
			fputc('\n', out);
		rc = report_model(&r, models[i], opt->merge_threads);
	}
	strtab_free(&r.fns);
	free(r.frame_fn);
	free(r.self);
	free(r.total);
	free(r.stamp);
	return rc ? 1 : 0;
}

const struct output_format format_report = {
	.name = "report",
	.summary = "text table of the top functions by self and total samples",
	.write = write_report,
};
