/* formats.c -- the table of output formats `sprof convert -f` knows.  Each
 * format lives in its own out-NAME.c; adding one is one line here.  The first
 * entry is the default. */
#include "config.h"
#include "convert/model.h"

#include <string.h>

extern const struct output_format format_sentry;
extern const struct output_format format_sentry_chunk;
extern const struct output_format format_envelope;
extern const struct output_format format_envelope_chunk;
extern const struct output_format format_report, format_flamegraph, format_pprof,
	format_speedscope, format_collapsed;

const struct output_format *const output_formats[] = {
	&format_sentry,
	&format_sentry_chunk,
	&format_envelope,
	&format_envelope_chunk,
	&format_report,
	&format_flamegraph,
	&format_pprof,
	&format_speedscope,
	&format_collapsed,
	NULL,
};

const struct output_format *output_format_find(const char *name)
{
	for (size_t i = 0; output_formats[i]; i++)
		if (!strcmp(output_formats[i]->name, name))
			return output_formats[i];
	return NULL;
}
