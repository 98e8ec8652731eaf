/* sprof.c -- entry point: picks the subcommand from argv[1] and runs it.
 * A new subcommand is one cmd-NAME.c file and one line in `commands`. */
#include "config.h"
#include "sprof.h"

#include <stdio.h>
#include <string.h>

static const struct sprof_command commands[] = {
	{ "run",     "profile a command and write a raw sample file", cmd_run },
	{ "convert", "turn a raw file into a Sentry profile (or another format)", cmd_convert },
	{ "info",    "summarize a raw file", cmd_info },
	{ "diff",    "compare two profiles; exit 3 when something got slower", cmd_diff },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: sprof COMMAND [OPTIONS] [ARGS]\n"
	           "A sampling profiler for native Linux programs, writing Sentry profiles.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-8s  %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nOptions:\n"
	           "  -h, --help     show this help\n"
	           "  -V, --version  show the version\n\n"
	           "Run 'sprof COMMAND --help' for a command's options; 'man sprof' for more.\n"
	           "Typical use:\n"
	           "  sprof run -- ./myapp args...\n"
	           "  sprof convert sprof.raw > profile.json\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
		printf("sprof %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	return sprof_usage_error(NULL, "unknown command '%s'", cmd);
}
