/* out-flame.c -- `sprof diff -f flamegraph`: a differential flame graph in the
 * spirit of Brendan Gregg's difffolded.pl.  The shape is the new profile's
 * (the new side's stacks, pooled over its runs); each frame is coloured by how
 * its share of the samples (the frame and everything above it) changed from
 * the base: red grew, blue shrank, the deeper the larger the change (full at
 * 5 pp), and pale grey when the change is within sampling noise (the same
 * two-proportion test as the table's, Bonferroni over the frames drawn).  A
 * frame's tooltip gives both shares.  Frames match by their path of names,
 * the thread frame by thread name (tids differ between runs). */
#include "config.h"
#include "convert/flamegraph.h"
#include "diff/diff.h"
#include "sprof.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inclusive samples of every path prefix of a side, keyed like side->paths. */
struct prefixes {
	struct strtab keys;
	uint64_t *counts;
	size_t cap;
	uint64_t total;
};

static int prefixes_build(struct prefixes *p, const struct diff_side *s)
{
	for (size_t i = 0; i < s->paths.n; i++) {
		const char *path = s->paths.strs[i];
		size_t len = s->paths.lens[i];
		uint64_t c = s->path_counts[i];
		p->total += c;
		for (size_t k = 0; k <= len; k++)
			if ((k == len || path[k] == ';') && k > 0 &&
			    strtab_tally(&p->keys, path, k, &p->counts, &p->cap, c) == STRTAB_NONE)
				return -1;
	}
	return 0;
}

static void prefixes_free(struct prefixes *p)
{
	strtab_free(&p->keys);
	free(p->counts);
}

/* The new side's pooled stacks as a struct folded, sorted as folded.c sorts
 * (level by level by name) so that flamegraph_draw can lay it out. */
static int cmp_stacks(const void *pa, const void *pb, void *names)
{
	const struct folded_stack *a = pa, *b = pb;
	const struct strtab *t = names;
	uint32_t n = a->depth < b->depth ? a->depth : b->depth;
	for (uint32_t i = 0; i < n; i++)
		if (a->names[i] != b->names[i])
			return strcmp(t->strs[a->names[i]], t->strs[b->names[i]]);
	return (a->depth > b->depth) - (a->depth < b->depth);
}

static int to_folded(struct folded *f, const struct diff_side *s)
{
	memset(f, 0, sizeof *f);
	if (s->paths.n && !(f->stacks = calloc(s->paths.n, sizeof *f->stacks)))
		return -1;
	for (size_t i = 0; i < s->paths.n; i++) {
		const char *path = s->paths.strs[i];
		size_t len = s->paths.lens[i];
		uint32_t depth = 1;
		for (size_t k = 0; k < len; k++)
			depth += path[k] == ';';
		struct folded_stack *st = &f->stacks[f->nstacks++];
		if (!(st->names = malloc(depth * sizeof *st->names)))
			return -1;
		size_t start = 0;
		for (uint32_t d = 0; d < depth; d++) {
			const char *end = memchr(path + start, ';', len - start);
			size_t n = end ? (size_t)(end - path) - start : len - start;
			if ((st->names[d] = strtab_intern(&f->names, path + start, n)) == STRTAB_NONE)
				return -1;
			start += n + 1;
		}
		st->depth = depth;
		st->count = s->path_counts[i];
		f->total += st->count;
		if (depth > f->max_depth)
			f->max_depth = depth;
	}
	if (f->nstacks)
		qsort_r(f->stacks, f->nstacks, sizeof *f->stacks, cmp_stacks, &f->names);
	return 0;
}

struct painter {
	struct prefixes side[2];
	double alpha;                   /* per frame, after Bonferroni */
	char *key;
	size_t room;
};

static void paint(void *ctx, const struct folded *f, const struct folded_stack *st,
                  uint32_t depth, unsigned rgb[3], char *note, size_t notelen)
{
	struct painter *p = ctx;
	size_t len = 0;
	for (uint32_t d = 0; st && d < depth; d++) {
		const char *name = f->names.strs[st->names[d]];
		size_t n = strlen(name);
		if (len + n + 2 > p->room) {
			char *k = realloc(p->key, (len + n + 2) * 2);
			if (!k) {
				rgb[0] = rgb[1] = rgb[2] = 200;
				return;
			}
			p->key = k;
			p->room = (len + n + 2) * 2;
		}
		if (d)
			p->key[len++] = ';';
		memcpy(p->key + len, name, n);
		len += n;
	}
	double share[2];
	for (int s = 0; s < 2; s++) {
		uint32_t id = depth ? strtab_find(&p->side[s].keys, p->key, len) : STRTAB_NONE;
		double c = !depth ? (double)p->side[s].total : id == STRTAB_NONE ? 0 : (double)p->side[s].counts[id];
		share[s] = p->side[s].total ? c / (double)p->side[s].total : 0;
	}
	double pooled = (share[0] * (double)p->side[0].total + share[1] * (double)p->side[1].total) /
	                (double)(p->side[0].total + p->side[1].total);
	double se = sqrt(pooled * (1 - pooled) * (1.0 / (double)p->side[0].total +
	                                          1.0 / (double)p->side[1].total));
	double delta = share[1] - share[0];
	bool beyond = se > 0 && erfc(fabs(delta / se) / M_SQRT2) < p->alpha;
	double strength = fmin(1.0, fabs(delta) * 100 / 5.0);
	unsigned fade = (unsigned)(190 * strength);
	if (!beyond) {
		rgb[0] = rgb[1] = rgb[2] = 225;
	} else if (delta > 0) {
		rgb[0] = 255, rgb[1] = 215 - fade, rgb[2] = 215 - fade;
	} else {
		rgb[0] = 215 - fade, rgb[1] = 215 - fade, rgb[2] = 255;
	}
	snprintf(note, notelen, "; base %.2f%%, %+.2f pp%s", 100 * share[0], 100 * delta,
	         beyond ? "" : ", within noise");
}

int diff_write_flame(FILE *out, const struct diff_side *s, const struct diff_result *r,
                     const struct diff_out *o)
{
	struct painter p = {0};
	struct folded f;
	int rc = 1;
	if (to_folded(&f, &s[NEW]) || prefixes_build(&p.side[BASE], &s[BASE]) ||
	    prefixes_build(&p.side[NEW], &s[NEW])) {
		sprof_error("out of memory while drawing the flame graph");
		goto out;
	}
	p.alpha = (1 - r->confidence) / (double)(p.side[NEW].keys.n ? p.side[NEW].keys.n : 1);
	char title[300], sub[300];
	snprintf(title, sizeof title, "Differential flame graph: %.200s", s[NEW].command ? s[NEW].command : "?");
	snprintf(sub, sizeof sub, "shape: new (%llu samples, %zu run%s); red grew, blue shrank "
	         "since base (%llu samples), grey within noise%s",
	         (unsigned long long)r->samples[NEW], r->runs[NEW], r->runs[NEW] == 1 ? "" : "s",
	         (unsigned long long)r->samples[BASE], o->merge_threads ? "; threads merged" : "");
	struct flamegraph_look look = {
		.width = o->width, .title = o->title ? o->title : title, .subtitle = sub,
		.color = paint, .ctx = &p,
	};
	rc = flamegraph_draw(&f, &look, out);
out:
	folded_free(&f);
	prefixes_free(&p.side[BASE]);
	prefixes_free(&p.side[NEW]);
	free(p.key);
	return rc;
}
