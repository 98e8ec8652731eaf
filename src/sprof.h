/* sprof.h -- what the subcommands share: the command table entry point
 * signature, and small helpers for one-line errors and option parsing. */
#ifndef SPROF_SPROF_H
#define SPROF_SPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses of sprof itself (not of a profiled program). */
#define EXIT_USAGE 2        /* bad options, or a program the shim cannot enter */
#define EXIT_DATA 1         /* unreadable or bad input file */

struct sprof_command {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);     /* argv[0] is the command name */
};

int cmd_run(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* cmd-convert.c's choice of process, which `sprof diff` shares: the pid sprof
 * ran (root_pid), and the entry of a pid with the most samples (-1: none). */
struct raw_file;
uint32_t root_pid(const struct raw_file *rf);
ptrdiff_t busiest_of_pid(const struct raw_file *rf, uint32_t pid);

/* "sprof: " + message + newline on stderr. */
void sprof_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same plus "Try 'sprof CMD --help'." and returns EXIT_USAGE. */
int sprof_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a whole decimal number in [min, max]; false when it is not one. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
bool parse_double(const char *s, double min, double max, double *out);

#endif
