/* util.c -- one-line error reporting and strict number parsing for the
 * subcommands, so every command words its errors the same way. */
#include "config.h"
#include "sprof.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sprof_error(const char *fmt, ...)
{
	va_list ap;
	fputs("sprof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int sprof_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("sprof: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (cmd)
		fprintf(stderr, " (try 'sprof %s --help')\n", cmd);
	else
		fputs(" (try 'sprof --help')\n", stderr);
	return EXIT_USAGE;
}

bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}
