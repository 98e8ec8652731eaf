/* out-collapsed.c -- the "collapsed" format: Brendan Gregg's folded stacks,
 * one line per distinct stack, "root;caller;leaf COUNT", as read by
 * flamegraph.pl, inferno, speedscope and many other tools.
 *
 * Frames are named as in folded.h (function, else module+0xOFFSET).  Unless
 * --merge-threads is given, each line starts with a "threadname-tid" frame,
 * like `stackcollapse-perf.pl --tid`, so the thread split survives into any
 * flame graph drawn from the file; with several processes a "command-pid"
 * frame comes first.  Lines are sorted, and the counts add up to the number
 * of samples. */
#include "config.h"
#include "convert/folded.h"
#include "convert/model.h"
#include "sprof.h"

#include <inttypes.h>
#include <stdio.h>

static int write_collapsed(struct profile_model *const *models, size_t nmodels,
                           const struct convert_options *opt, FILE *out)
{
	struct folded f;
	if (folded_build(&f, models, nmodels, opt->merge_threads) < 0)
		return 1;
	for (size_t i = 0; i < f.nstacks; i++) {
		const struct folded_stack *fs = &f.stacks[i];
		for (uint32_t d = 0; d < fs->depth; d++) {
			if (d)
				fputc(';', out);
			fputs(f.names.strs[fs->names[d]], out);
		}
		fprintf(out, " %" PRIu64 "\n", fs->count);
	}
	folded_free(&f);
	return 0;
}

const struct output_format format_collapsed = {
	.name = "collapsed",
	.summary = "folded stacks (root;caller;leaf COUNT) for flamegraph.pl and friends",
	.write = write_collapsed,
};
