/* flamegraph.h -- the SVG flame graph writer of out-flamegraph.c, open to
 * callers other than `sprof convert -f flamegraph`: it draws any folded
 * stacks, and a hook may colour each frame and add to its tooltip (the
 * differential flame graph of `sprof diff` is drawn so). */
#ifndef SPROF_CONVERT_FLAMEGRAPH_H
#define SPROF_CONVERT_FLAMEGRAPH_H

#include "convert/folded.h"

#include <stdio.h>

struct flamegraph_look {
	int width;                      /* pixels; <= 0: the default */
	bool reverse;                   /* icicle graph */
	const char *title;              /* NULL: "Flame Graph: command (pid N)" */
	const char *subtitle;           /* NULL: samples, mode and rate of models */
	struct profile_model *const *models;    /* for the default title/subtitle */
	size_t nmodels;
	bool merge_threads;             /* said in the default subtitle */
	/* NULL: flamegraph.pl's hot colours by name.  Else colours the frame
	 * whose path is st->names[0..depth) (st NULL, depth 0: the root) and may
	 * write a note for its tooltip, shown after its samples and share
	 * (without " (", which the script reads as the end of the name). */
	void (*color)(void *ctx, const struct folded *f, const struct folded_stack *st,
	              uint32_t depth, unsigned rgb[3], char *note, size_t notelen);
	void *ctx;
};

/* Writes the SVG of f to out; 0, or 1 after one line on stderr. */
int flamegraph_draw(const struct folded *f, const struct flamegraph_look *look, FILE *out);

#endif
