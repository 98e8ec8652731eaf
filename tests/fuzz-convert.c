/* fuzz-convert.c -- libFuzzer target over the whole conversion: the raw
 * reader (raw_read_buffer), the model builder with the symbolizer (images
 * named in the input are opened when they exist; missing ones are fine) and
 * the Sentry v1 and v2 writers, to /dev/null.  Built and run by
 * tests/fuzz.sh; crashing inputs go to tests/corpus/regress/, which
 * tests/convert-regress.sh replays through `sprof convert`. */
#include "config.h"
#include "convert/model.h"
#include "convert/symbolize.h"
#include "raw/reader.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern const struct output_format format_sentry, format_sentry_chunk;

static struct symbolizer *sym;
static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sym) {
		sym = sym_new(NULL, 0, true);   /* shared: images stay cached */
		devnull = fopen("/dev/null", "w");
		if (!sym || !devnull)
			abort();
	}
	struct raw_file rf;
	char err[256];
	if (raw_read_buffer(data, size, &rf, err, sizeof err))
		return 0;
	struct model_build_options bo = { .start = 0, .end = -1 };
	struct convert_options opt = { .force = true, .have_seed = true, .seed = 1,
	                               .input_name = "fuzz", .all = true };
	struct profile_model **models = calloc(rf.nprocs + 1, sizeof *models);
	size_t n = 0;
	for (size_t i = 0; models && i < rf.nprocs; i++)
		if ((models[n] = model_build(&rf.procs[i], rf.cut, &bo, sym)))
			n++;
	if (n) {
		format_sentry.write(models, n, &opt, devnull);
		format_sentry_chunk.write(models, n, &opt, devnull);
	}
	for (size_t i = 0; i < n; i++)
		model_free(models[i]);
	free(models);
	raw_file_free(&rf);
	return 0;
}
