/* side.c -- loads one side of a diff (one raw file, or several of repeated
 * runs): picks each file's process as `sprof convert` does, symbolizes it
 * with the side's own images, and counts each function's self and total
 * samples per run.  For the flame graph it also pools the side's folded
 * stacks.  One symbolizer per side: the base's and the new binary may share
 * a path, and the symbolizer caches images by path. */
#include "config.h"
#include "convert/folded.h"
#include "convert/model.h"
#include "convert/symbolize.h"
#include "diff/diff.h"
#include "raw/reader.h"
#include "sprof.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int oom(void)
{
	sprof_error("out of memory");
	return EXIT_DATA;
}

/* Function id of every frame of m, keyed "name\0module". */
static uint32_t *map_frames(struct diff_side *side, const struct profile_model *m)
{
	uint32_t *fn = malloc((m->nframes ? m->nframes : 1) * sizeof *fn);
	if (!fn)
		return NULL;
	for (size_t fi = 0; fi < m->nframes; fi++) {
		char buf[FRAME_NAME_MAX];
		const struct model_frame *fr = &m->frames[fi];
		const char *name = frame_name(m, (uint32_t)fi, buf);
		const char *module = fr->image >= 0 && (size_t)fr->image < m->nimages
		                     ? path_base(m->images[fr->image].path) : "";
		size_t nl = strlen(name), ml = strlen(module);
		char *k = malloc(nl + ml + 2);
		if (!k) {
			free(fn);
			return NULL;
		}
		memcpy(k, name, nl + 1);
		memcpy(k + nl + 1, module, ml + 1);
		fn[fi] = strtab_intern(&side->fns, k, nl + ml + 2);
		free(k);
		if (fn[fi] == STRTAB_NONE) {
			free(fn);
			return NULL;
		}
	}
	return fn;
}

static int tally(struct diff_side *side, struct diff_run *run, const struct profile_model *m)
{
	uint32_t *fn = map_frames(side, m);
	size_t n = side->fns.n ? side->fns.n : 1;
	uint64_t *stamp = calloc(n, sizeof *stamp);
	run->self = calloc(n, sizeof *run->self);
	run->total = calloc(n, sizeof *run->total);
	if (!fn || !stamp || !run->self || !run->total) {
		free(fn);
		free(stamp);
		return oom();
	}
	run->self_cap = run->total_cap = side->fns.n;
	for (size_t si = 0; si < m->nsamples; si++) {
		const struct model_sample *s = &m->samples[si];
		if (s->stack >= m->nstacks)
			continue;
		const struct model_stack *st = &m->stacks[s->stack];
		run->samples++;
		for (uint32_t i = 0; i < st->nframes; i++) {
			if (st->frames[i] >= m->nframes)
				continue;
			uint32_t f = fn[st->frames[i]];
			if (i == 0)
				run->self[f]++;
			if (stamp[f] != si + 1) {       /* once per sample, recursion or not */
				stamp[f] = si + 1;
				run->total[f]++;
			}
		}
	}
	free(fn);
	free(stamp);
	return 0;
}

/* Pools m's folded stacks into side->paths, the thread frame's "-TID"
 * dropped so that threads of the same name match between runs. */
static int fold(struct diff_side *side, struct profile_model *m, bool merge_threads)
{
	struct folded f;
	if (folded_build(&f, &m, 1, merge_threads) < 0)
		return EXIT_DATA;
	char *buf = NULL;
	size_t room = 0;
	int rc = 0;
	for (size_t i = 0; i < f.nstacks && !rc; i++) {
		const struct folded_stack *st = &f.stacks[i];
		size_t len = 0;
		for (uint32_t d = 0; d < st->depth; d++) {
			const char *name = f.names.strs[st->names[d]];
			size_t nl = strlen(name);
			if (d == 0 && !merge_threads) {
				size_t k = nl;
				while (k > 0 && isdigit((unsigned char)name[k - 1]))
					k--;
				if (k > 0 && k < nl && name[k - 1] == '-')
					nl = k - 1;
			}
			if (len + nl + 2 > room) {
				room = (len + nl + 2) * 2;
				char *b = realloc(buf, room);
				if (!b) {
					rc = oom();
					break;
				}
				buf = b;
			}
			if (d)
				buf[len++] = ';';
			memcpy(buf + len, name, nl);
			len += nl;
		}
		if (!rc && strtab_tally(&side->paths, buf ? buf : "", len, &side->path_counts,
		                        &side->path_cap, st->count) == STRTAB_NONE)
			rc = oom();
	}
	free(buf);
	folded_free(&f);
	return rc;
}

/* The process of rf that `sprof convert` would take (or --pid's). */
static const struct raw_process *pick(const struct raw_file *rf, const struct diff_select *sel,
                                      const char *name)
{
	ptrdiff_t k = rf->nprocs ? busiest_of_pid(rf, sel->have_pid ? sel->pid : root_pid(rf)) : -1;
	if (k >= 0)
		return &rf->procs[k];
	if (rf->cut && rf->nprocs == 0)
		sprof_error("%s: %s", name, rf->problem[0] ? rf->problem : "the file is cut short");
	else if (sel->have_pid)
		sprof_error("%s: no process %u in the file", name, sel->pid);
	else
		sprof_error("%s: no process in the file (no samples were written)", name);
	return NULL;
}

static int load_run(struct diff_side *side, struct diff_run *run, const struct diff_select *sel,
                    struct symbolizer *sym)
{
	const char *name = strcmp(run->path, "-") ? run->path : "stdin";
	struct raw_file rf;
	char err[256];
	if (raw_read_path(run->path, &rf, err, sizeof err)) {
		sprof_error("%s: %s", name, err);
		return EXIT_DATA;
	}
	const struct raw_process *p = pick(&rf, sel, name);
	if (!p) {
		raw_file_free(&rf);
		return EXIT_DATA;
	}
	if (rf.cut)
		sprof_error("%s: %s; comparing the data before it", name,
		            rf.problem[0] ? rf.problem : "the file is cut short");
	struct model_build_options bo = { .start = 0, .end = -1 };
	struct profile_model *m = model_build(p, rf.cut, &bo, sym);
	int rc = m ? 0 : oom();
	if (m && sel->no_inline)
		model_drop_inlined(m);
	if (!rc) {
		run->pid = m->pid;
		run->hz = m->requested_hz;
		run->mode = m->mode;
		if (!side->command && m->command && !(side->command = strdup(m->command)))
			rc = oom();
	}
	if (!rc)
		rc = tally(side, run, m);
	if (!rc && side->want_paths)
		rc = fold(side, m, sel->merge_threads);
	if (!rc && run->samples == 0) {
		sprof_error("%s: process %u has no samples to compare", name, run->pid);
		rc = EXIT_DATA;
	}
	if (m)
		model_free(m);
	raw_file_free(&rf);
	return rc;
}

int diff_side_load(struct diff_side *side, const char *const *paths, size_t n,
                   const struct diff_select *sel)
{
	side->runs = calloc(n, sizeof *side->runs);
	struct symbolizer *sym = sym_new(sel->debug_dirs, sel->ndebug_dirs, false);
	if (!side->runs || !sym) {
		sym_free(sym);
		return oom();
	}
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		side->runs[i].path = paths[i];
		side->nruns++;
		rc = load_run(side, &side->runs[i], sel, sym);
	}
	sym_free(sym);
	return rc;
}

void diff_side_free(struct diff_side *side)
{
	for (size_t i = 0; i < side->nruns; i++) {
		free(side->runs[i].self);
		free(side->runs[i].total);
	}
	free(side->runs);
	strtab_free(&side->fns);
	strtab_free(&side->paths);
	free(side->path_counts);
	free(side->command);
	memset(side, 0, sizeof *side);
}
