/* folded.c -- folds the model's stacks into counted root-first name paths
 * (see folded.h), shared by out-collapsed.c and out-flamegraph.c so the two
 * always agree on names and counts.
 *
 * Work is done per distinct (process, thread, stack) rather than per sample:
 * samples are first counted under that key, and each key's path is built
 * once. */
#include "config.h"
#include "convert/folded.h"
#include "convert/text.h"
#include "sprof.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char *path_base(const char *path)
{
	if (!path)
		return "";
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

const char *frame_name(const struct profile_model *m, uint32_t fi, char buf[FRAME_NAME_MAX])
{
	const struct model_frame *fr = &m->frames[fi];
	if (fr->function && *fr->function)
		return fr->function;
	if (fr->image >= 0 && (size_t)fr->image < m->nimages) {
		const struct model_image *im = &m->images[fr->image];
		snprintf(buf, FRAME_NAME_MAX, "%.256s+0x%" PRIx64, path_base(im->path),
		         fr->addr - im->start);
	} else {
		snprintf(buf, FRAME_NAME_MAX, "0x%" PRIx64, fr->addr);
	}
	return buf;
}

/* Interns a name with the characters that would break a folded line
 * replaced: the frame separator by ':', line breaks by ' ', and (text.h)
 * other control characters and bytes that are not UTF-8 by '?', so the
 * collapsed file stays one stack per line and any consumer can decode it. */
static uint32_t intern_name(struct strtab *t, const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	while (*p >= 0x20 && *p < 0x7f && *p != ';')
		p++;
	if (!*p)                                /* printable ASCII: the usual case */
		return strtab_intern(t, name, (size_t)(p - (const unsigned char *)name));
	char *copy = strdup(name);
	if (!copy)
		return STRTAB_NONE;
	for (char *c = copy; *c; c++)
		if (*c == ';')
			*c = ':';
		else if (*c == '\n' || *c == '\r')
			*c = ' ';
	text_replace_unsafe(copy);
	uint32_t id = strtab_intern(t, copy, strlen(copy));
	free(copy);
	return id;
}

struct sample_key {                     /* what samples are counted under */
	uint32_t model, per_thread, tid, stack;
};

static int cmp_stacks(const void *pa, const void *pb, void *names)
{
	const struct folded_stack *a = pa, *b = pb;
	const struct strtab *sort_names = names;
	uint32_t n = a->depth < b->depth ? a->depth : b->depth;
	for (uint32_t i = 0; i < n; i++) {
		if (a->names[i] == b->names[i])
			continue;
		return strcmp(sort_names->strs[a->names[i]], sort_names->strs[b->names[i]]);
	}
	return (a->depth > b->depth) - (a->depth < b->depth);
}

static int oom(void)
{
	sprof_error("out of memory while folding stacks");
	return -1;
}

int folded_build(struct folded *f, struct profile_model *const *models, size_t nmodels,
                 bool merge_threads)
{
	struct strtab keys = {0}, paths = {0};
	uint64_t *key_counts = NULL, *path_counts = NULL;
	size_t key_cap = 0, path_cap = 0;
	uint32_t *path = NULL;
	size_t path_room = 0;
	int rc = -1;

	memset(f, 0, sizeof *f);

	/* 1. count samples per (process, thread, stack) */
	for (size_t mi = 0; mi < nmodels; mi++) {
		const struct profile_model *m = models[mi];
		for (size_t si = 0; si < m->nsamples; si++) {
			const struct model_sample *s = &m->samples[si];
			if (s->stack >= m->nstacks)
				continue;       /* the model promises valid indices; stay safe */
			struct sample_key k = {(uint32_t)mi, !merge_threads, s->tid, s->stack};
			if (merge_threads)
				k.tid = 0;
			if (strtab_tally(&keys, &k, sizeof k, &key_counts, &key_cap, 1) == STRTAB_NONE)
				goto out_oom;
		}
	}

	/* 2. one name path per key; identical paths merge */
	for (size_t ki = 0; ki < keys.n; ki++) {
		struct sample_key k;
		memcpy(&k, keys.strs[ki], sizeof k);
		const struct profile_model *m = models[k.model];
		const struct model_stack *st = &m->stacks[k.stack];
		size_t need = (size_t)st->nframes + 2;
		if (need > path_room) {
			uint32_t *p = realloc(path, need * sizeof *p);
			if (!p)
				goto out_oom;
			path = p;
			path_room = need;
		}
		size_t d = 0;
		char buf[FRAME_NAME_MAX];
		if (nmodels > 1) {
			snprintf(buf, sizeof buf, "%.256s-%" PRIu32,
			         m->command ? m->command : "?", m->pid);
			if ((path[d++] = intern_name(&f->names, buf)) == STRTAB_NONE)
				goto out_oom;
		}
		if (k.per_thread) {
			const char *tname = "?";
			for (size_t ti = 0; ti < m->nthreads; ti++)
				if (m->threads[ti].tid == k.tid && m->threads[ti].name) {
					tname = m->threads[ti].name;
					break;
				}
			snprintf(buf, sizeof buf, "%.256s-%" PRIu32, tname, k.tid);
			if ((path[d++] = intern_name(&f->names, buf)) == STRTAB_NONE)
				goto out_oom;
		}
		for (uint32_t i = st->nframes; i-- > 0;) {
			uint32_t fi = st->frames[i];
			if (fi >= m->nframes)
				continue;
			if ((path[d++] = intern_name(&f->names, frame_name(m, fi, buf))) == STRTAB_NONE)
				goto out_oom;
		}
		if (strtab_tally(&paths, path, d * sizeof *path, &path_counts, &path_cap,
		                 key_counts[ki]) == STRTAB_NONE)
			goto out_oom;
	}

	/* 3. the folded stacks, sorted so siblings come out alphabetically */
	if (paths.n) {
		f->stacks = calloc(paths.n, sizeof *f->stacks);
		if (!f->stacks)
			goto out_oom;
	}
	for (size_t pi = 0; pi < paths.n; pi++) {
		struct folded_stack *fs = &f->stacks[f->nstacks];
		fs->depth = (uint32_t)(paths.lens[pi] / sizeof(uint32_t));
		fs->names = malloc(paths.lens[pi] + 1);
		if (!fs->names)
			goto out_oom;
		memcpy(fs->names, paths.strs[pi], paths.lens[pi]);
		fs->count = path_counts[pi];
		f->total += fs->count;
		if (fs->depth > f->max_depth)
			f->max_depth = fs->depth;
		f->nstacks++;
	}
	if (f->nstacks)
		qsort_r(f->stacks, f->nstacks, sizeof *f->stacks, cmp_stacks, &f->names);
	rc = 0;
	goto out;

out_oom:
	oom();
	folded_free(f);
out:
	strtab_free(&keys);
	strtab_free(&paths);
	free(key_counts);
	free(path_counts);
	free(path);
	return rc;
}

void folded_free(struct folded *f)
{
	for (size_t i = 0; i < f->nstacks; i++)
		free(f->stacks[i].names);
	free(f->stacks);
	strtab_free(&f->names);
	memset(f, 0, sizeof *f);
}
