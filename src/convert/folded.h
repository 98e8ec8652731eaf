/* folded.h -- stacks folded into root-first name paths with counts, the
 * common input of the collapsed and flamegraph writers, plus the one place
 * that decides how a frame is named in the text formats (report, collapsed,
 * flamegraph, speedscope).
 *
 * Folding: every sample's stack becomes a path of frame names, root first;
 * samples whose paths are identical (even from different addresses in the
 * same functions) are merged and counted.  Unless threads are merged, each
 * path starts with a frame naming the thread ("name-tid"), like
 * stackcollapse-perf.pl's --tid; with several processes a frame naming the
 * process ("command-pid") comes before it. */
#ifndef SPROF_CONVERT_FOLDED_H
#define SPROF_CONVERT_FOLDED_H

#include "convert/model.h"
#include "convert/strtab.h"

/* Room for a synthesized frame name ("module+0x1234", "0xdeadbeef"). */
#define FRAME_NAME_MAX 320

/* The name of frame index fi: the function, else "module+0xOFFSET" (offset
 * from the image's start, module being the image's base name), else the
 * bare address "0xADDR".  Returns the function string or buf. */
const char *frame_name(const struct profile_model *m, uint32_t fi, char buf[FRAME_NAME_MAX]);

/* Base name of a path ("" for NULL). */
const char *path_base(const char *path);

struct folded_stack {
	uint32_t *names;                /* ids in folded.names, root first */
	uint32_t depth;
	uint64_t count;
};

struct folded {
	struct strtab names;            /* frame names, ';' and line breaks replaced */
	struct folded_stack *stacks;    /* sorted: level by level, names in byte order */
	size_t nstacks;
	uint64_t total;                 /* samples, the sum of the counts */
	uint32_t max_depth;
};

/* Folds every sample of the models.  Returns 0, or -1 (message printed) when
 * memory runs out. */
int folded_build(struct folded *f, struct profile_model *const *models, size_t nmodels,
                 bool merge_threads);
void folded_free(struct folded *f);

#endif
