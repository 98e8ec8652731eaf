/* diff.h -- `sprof diff`'s data, shared by its parts: each side (base, new)
 * as per-function sample counts of one or more runs (side.c), the
 * statistics of the difference (stats.c), the gate (gate.c) and the writers
 * (out-text.c, out-json.c, out-flame.c).  cmd-diff.c owns the command line.
 *
 * A function is its name plus the base name of its module, so a rebuilt
 * binary (new build-id, moved addresses) still matches by function; self
 * counts the sample's leaf frame, total every function on the stack once per
 * sample (as the report format does). */
#ifndef SPROF_DIFF_DIFF_H
#define SPROF_DIFF_DIFF_H

#include "convert/strtab.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_REGRESSION 3       /* the gate found a regression (see doc/sprof.1) */

enum { BASE, NEW };

/* One run (raw file) of a side. */
struct diff_run {
	const char *path;
	uint32_t pid, hz, mode;
	uint64_t samples;
	uint64_t *self, *total;         /* by function id of the side's table */
	size_t self_cap, total_cap;     /* entries of self / total (may be < nfns) */
};

/* All runs of one side.  Functions are keyed "name\0module" in fns. */
struct diff_side {
	struct diff_run *runs;
	size_t nruns;
	struct strtab fns;
	char *command;                  /* of the first run's process */
	/* folded stacks, pooled over runs (only for the flame graph): paths are
	 * frame names joined by ';' (folded.c never leaves one in a name), the
	 * thread frame without its tid, which differs between runs */
	struct strtab paths;
	uint64_t *path_counts;
	size_t path_cap;
	bool want_paths;
};

/* What to select and how, the same for every file (cmd-diff.c fills it). */
struct diff_select {
	bool have_pid;
	uint32_t pid;
	bool merge_threads;             /* one flame graph root instead of one per thread name */
	bool no_inline;                 /* inlined calls charged to their real function */
	const char *const *debug_dirs;
	size_t ndebug_dirs;
};

/* Loads paths[0..n) into side; returns 0, or EXIT_DATA after one line on
 * stderr. */
int diff_side_load(struct diff_side *side, const char *const *paths, size_t n,
                   const struct diff_select *sel);
void diff_side_free(struct diff_side *side);

/* ---- statistics (stats.c) ------------------------------------------------ */

/* One compared quantity: a function's self or total share, or the process's
 * CPU time. */
struct diff_metric {
	double v[2];                    /* share 0..1 (functions) or seconds per run (cpu) */
	double sd[2];                   /* standard error of v[side] */
	double delta;                   /* v[NEW] - v[BASE] */
	double rel;                     /* v[NEW] / v[BASE] - 1; INFINITY when base is 0 */
	double z, p;                    /* test statistic and two-sided p-value */
	bool significant;               /* p below the corrected level */
	bool tested;                    /* counted in the correction */
};

struct diff_fn {
	const char *name, *module;      /* point into the result's table */
	struct diff_metric self, total;
	bool failed;                    /* a gate rule fired on it */
};

struct diff_result {
	struct strtab fns;              /* union of both sides' functions */
	struct diff_fn *fns_v;
	size_t nfns;
	struct diff_metric cpu;         /* the process's CPU time per run, seconds */
	uint64_t samples[2];
	size_t runs[2];
	double confidence;              /* e.g. 0.99 */
	size_t ntests;                  /* tests the correction divides by */
	double alpha_each;              /* (1 - confidence) / ntests: Bonferroni */
};

/* Compares the sides; returns 0 or -1 when memory runs out (said). */
int diff_compute(struct diff_result *r, const struct diff_side *s, double confidence);
void diff_result_free(struct diff_result *r);

/* ---- the gate (gate.c) --------------------------------------------------- */

enum gate_metric { GATE_SELF, GATE_TOTAL, GATE_CPU };
enum gate_unit { GATE_PP, GATE_PCT, GATE_SEC };

struct gate_rule {
	char *text;                     /* as written, for messages */
	enum gate_metric metric;
	enum gate_unit unit;
	double threshold;               /* in the unit: pp, percent or seconds */
	char *glob;                     /* function names it applies to, or NULL for all */
	size_t fired;                   /* functions (or the process) it fired on */
};

struct gate {
	struct gate_rule *rules;
	size_t n;
	bool is_default;
};

#define GATE_DEFAULT_RULES { "self>+2pp", "cpu>+5%" }

/* Parses one --fail-on expression ("none" clears the gate) into g; returns
 * 0, or -1 with a one-line reason in err. */
int gate_add(struct gate *g, const char *expr, char *err, size_t errlen);
/* Marks the functions the rules fire on; returns true when any did. */
bool gate_eval(struct gate *g, struct diff_result *r);
void gate_free(struct gate *g);
/* The rule's value of a metric in its unit (pp, percent or seconds). */
double gate_value(const struct gate_rule *rule, const struct diff_metric *m);

/* ---- writers ------------------------------------------------------------- */

struct diff_out {
	const char *const *paths[2];
	size_t npaths[2];
	int top;                        /* rows of the tables */
	bool color;
	bool merge_threads;
	const char *title;
	int width;
	bool failed;                    /* the gate's verdict */
};

int diff_write_text(FILE *out, const struct diff_result *r, const struct gate *g,
                    const struct diff_out *o, bool markdown);
int diff_write_json(FILE *out, const struct diff_result *r, const struct gate *g,
                    const struct diff_out *o);
int diff_write_flame(FILE *out, const struct diff_side *s, const struct diff_result *r,
                     const struct diff_out *o);

/* Indices into r->fns_v, changes first (the order of every table); the
 * caller frees it.  NULL when memory runs out. */
size_t *diff_order(const struct diff_result *r);

#endif
