/* model.h -- the symbolized, format-neutral profile of one process that every
 * output writer reads.  model.c builds it from a raw_process (reader.h) with
 * the symbolizer; writers (out-*.c) only read it.
 *
 * Frames and stacks are deduplicated: a stack is a list of frame indices, leaf
 * first; an inlined call expands into several frames sharing one address. */
#ifndef SPROF_CONVERT_MODEL_H
#define SPROF_CONVERT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct model_image {
	char *path;                     /* as recorded at run time */
	char *code_id;                  /* build-id hex, or NULL */
	char *debug_id;                 /* Sentry debug id from the build-id, or NULL */
	uint64_t start, size;
	uint64_t bias;                  /* load bias: file vaddr = address - bias */
	bool used;                      /* some stack frame resolves into it */
};

struct model_frame {
	char *function;                 /* demangled, or NULL when unknown */
	char *filename;                 /* basename of the source file, or NULL */
	char *abs_path;                 /* full source path, or NULL */
	uint32_t lineno;                /* 0 when unknown */
	uint64_t addr;                  /* instruction address (the return address for callers) */
	int image;                      /* index into images, -1 when none */
	bool in_app;
	bool inlined;                   /* an inlined call at addr, not the real frame */
};

struct model_stack {
	uint32_t nframes;
	uint32_t *frames;               /* leaf first */
};

struct model_sample {
	uint64_t t_ns;                  /* since the profile's start (wall_start_ns) */
	uint32_t tid;
	uint32_t stack;
	uint8_t state;                  /* RAW_STATE_* */
};

struct model_thread {
	uint32_t tid;
	char *name;                     /* name during its samples; never NULL */
	uint64_t nsamples;
	bool is_main;                   /* tid == pid */
};

struct profile_model {
	/* the process */
	uint32_t pid, ppid;
	char *command;                  /* base name of argv[0] or exe */
	char *exe;
	char **argv;
	uint32_t argc;
	char *arch, *os_name, *os_release, *mechanism;
	char *runtime_name, *runtime_version;   /* both NULL when not recorded */
	uint32_t mode;                  /* RAW_MODE_* */
	uint32_t requested_hz;
	double delivered_hz;            /* 0 when unknown */
	uint64_t wall_start_ns;         /* Unix ns of the first kept sample window start */
	uint64_t duration_ns;           /* of the kept window */
	uint64_t lost;                  /* samples the shim lost */
	bool cut;                       /* the raw data for this process was cut */

	struct model_image *images;
	size_t nimages;
	struct model_frame *frames;
	size_t nframes;
	struct model_stack *stacks;
	size_t nstacks;
	struct model_sample *samples;   /* time order */
	size_t nsamples;
	struct model_thread *threads;
	size_t nthreads;
};

/* Options shared by every output format; each writer uses what applies. */
struct convert_options {
	const char *transaction;        /* NULL: the command's base name */
	const char *trace_id, *release, *environment, *dist, *platform, *dsn;
	double max_duration;            /* seconds; 0 = format default */
	bool pretty, force;
	bool have_seed;
	uint64_t seed;
	/* report, flamegraph ... */
	int top;
	bool merge_threads;
	int color;                      /* 0 never, 1 always, -1 auto */
	const char *title;
	int width;
	bool reverse;
	/* set by cmd-convert.c for every writer */
	const char *input_name;         /* the raw file as named on the command line */
	bool all;                       /* --all: models holds every process */
	size_t file_processes;          /* processes in the raw file, converted or not */
	bool one_of_several;            /* --all written one process per call (envelopes
					 * to FILE.PID): a process without enough samples
					 * is skipped with a note, write() returns
					 * OUTPUT_SKIPPED */
	const char *output_path;        /* -o FILE, or NULL for stdout */
	size_t *skipped;                /* non-NULL: count processes skipped for too
					 * few samples here instead of a line each
					 * (the caller says it once) */
};

/* One output format: one file out-NAME.c defines it, formats.c lists it.
 * write() gets every selected process's model (usually one) and writes the
 * whole output to out.  It returns 0, or prints one line on stderr and
 * returns non-zero. */
#define OUTPUT_SKIPPED 3         /* write(): nothing written, see one_of_several */

struct output_format {
	const char *name;
	const char *summary;            /* one line for --help */
	int (*write)(struct profile_model *const *models, size_t nmodels,
	             const struct convert_options *opt, FILE *out);
};

extern const struct output_format *const output_formats[];   /* NULL-terminated */
const struct output_format *output_format_find(const char *name);

/* ---- building a model (model.c) ----------------------------------------- */
struct raw_process;
struct symbolizer;

struct model_build_options {
	double start, end;              /* seconds since process start; end < 0: no end */
	const char *const *in_app_include;   /* function-name or image-path prefixes */
	size_t nin_app_include;
	const char *const *in_app_exclude;
	size_t nin_app_exclude;
};

/* Builds the model of one process, symbolizing with sym.  cut says the raw
 * data of the file was cut short.  Returns NULL only when out of memory. */
struct profile_model *model_build(const struct raw_process *p, bool cut,
                                  const struct model_build_options *o,
                                  struct symbolizer *sym);

/* --inline=no: takes every inlined frame out of every stack, so that time
 * goes to the real function (whose frame already has the line of the
 * inlined call). */
void model_drop_inlined(struct profile_model *m);

void model_free(struct profile_model *m);

#endif
