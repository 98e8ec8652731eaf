/* out-sentry.c -- the Sentry outputs: `sentry` (v1 transaction profile),
 * `sentry-chunk` (v2 profile chunks), `envelope` (v1 profile + its
 * transaction event) and `envelope-chunk` (v2 chunks as profile_chunk
 * items).  The rules they follow are Relay's ingestion rules, summarized in
 * shared/spec/sentry-profile.md: sprof drops up front what Relay would drop
 * (edge samples without a stack, threads with a single sample, samples past
 * 30 s in v1) so what is sent is what is kept, and says so on stderr. */
#include "config.h"
#include "convert/json.h"
#include "convert/model.h"
#include "sprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define V1_DEFAULT_MAX_S 30.0
#define CHUNK_NS 60000000000ull         /* SDKs cut chunks every 60 s; Relay allows 66 */

/* ---- wall clock ------------------------------------------------------------ */
/* Sentry places samples by Unix time, computed as the wall-clock start plus
 * each sample's offset.  A damaged or crafted file can give a start no clock
 * ever showed, near 2^64 (so the sums wrap and chunk timestamps fall back
 * to 1970) or near 0 (not Unix seconds to Relay): no Sentry output from it.
 * The bounds: 2001-09-09 (10^9 s, what the checker takes for Unix seconds)
 * to 2262-04-11 (INT64_MAX ns, what signed-nanosecond consumers hold). */
#define WALL_MIN_NS 1000000000000000000ull
#define WALL_MAX_NS 9223372036854775807ull

static bool wall_clock_ok(const struct convert_options *opt, struct profile_model *const *models,
                          size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct profile_model *m = models[k];
		uint64_t span = m->duration_ns;
		for (size_t i = 0; i < m->nsamples; i++)
			if (m->samples[i].t_ns > span)
				span = m->samples[i].t_ns;
		if (m->wall_start_ns >= WALL_MIN_NS && m->wall_start_ns <= WALL_MAX_NS &&
		    span <= WALL_MAX_NS - m->wall_start_ns)
			continue;
		sprof_error("%s: process %u: its wall-clock start (%llu ns after 1970) is not a real "
		            "time, which the Sentry formats need", opt->input_name, m->pid,
		            (unsigned long long)m->wall_start_ns);
		return false;
	}
	return true;
}

/* ---- ids ------------------------------------------------------------------ */
struct idgen {
	bool seeded;
	uint64_t state;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* --seed makes every id a function of the seed and the process, so two
 * processes of one file still get different ids. */
static void idgen_init(struct idgen *g, const struct convert_options *opt, uint32_t pid)
{
	g->seeded = opt->have_seed;
	g->state = opt->seed ^ ((uint64_t)pid * 0xd1b54a32d192ed03ull);
}

static void random_bytes(struct idgen *g, uint8_t *b, size_t n)
{
	if (g->seeded || getrandom(b, n, 0) != (ssize_t)n) {
		/* getrandom cannot fail for 16 bytes once the pool is ready;
		 * the fallback keeps ids unique anyway. */
		if (!g->seeded && !g->state) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			g->state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30);
		}
		for (size_t i = 0; i < n; i += 8) {
			uint64_t v = splitmix(&g->state);
			memcpy(b + i, &v, n - i < 8 ? n - i : 8);
		}
	}
}

/* A v4 UUID as 32 lower-case hex digits, never nil. */
static void uuid_hex(struct idgen *g, char out[33])
{
	uint8_t b[16];
	random_bytes(g, b, 16);
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void span_hex(struct idgen *g, char out[17])
{
	uint8_t b[8];
	random_bytes(g, b, 8);
	b[0] |= 1;                      /* non-zero */
	for (int i = 0; i < 8; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* ---- which stacks, frames and images a set of samples uses --------------- */
struct sel {
	int64_t *stack_map, *frame_map;         /* model index -> output index, -1 */
	uint32_t *stacks, *frames;              /* output order -> model index */
	size_t nstacks, nframes;
	bool *img_used;
};

static int sel_init(struct sel *s, const struct profile_model *m)
{
	memset(s, 0, sizeof *s);
	s->stack_map = malloc((m->nstacks + 1) * sizeof *s->stack_map);
	s->frame_map = malloc((m->nframes + 1) * sizeof *s->frame_map);
	s->stacks = malloc((m->nstacks + 1) * sizeof *s->stacks);
	s->frames = malloc((m->nframes + 1) * sizeof *s->frames);
	s->img_used = malloc(m->nimages + 1);
	if (!s->stack_map || !s->frame_map || !s->stacks || !s->frames || !s->img_used)
		return -1;
	return 0;
}

static void sel_reset(struct sel *s, const struct profile_model *m)
{
	for (size_t i = 0; i < m->nstacks; i++)
		s->stack_map[i] = -1;
	for (size_t i = 0; i < m->nframes; i++)
		s->frame_map[i] = -1;
	memset(s->img_used, 0, m->nimages + 1);
	s->nstacks = s->nframes = 0;
}

static void sel_free(struct sel *s)
{
	free(s->stack_map), free(s->frame_map), free(s->stacks), free(s->frames), free(s->img_used);
}

static uint32_t sel_stack(struct sel *s, const struct profile_model *m, uint32_t stack)
{
	if (s->stack_map[stack] < 0) {
		s->stack_map[stack] = (int64_t)s->nstacks;
		s->stacks[s->nstacks++] = stack;
		const struct model_stack *st = &m->stacks[stack];
		for (uint32_t i = 0; i < st->nframes; i++) {
			uint32_t f = st->frames[i];
			if (s->frame_map[f] < 0) {
				s->frame_map[f] = (int64_t)s->nframes;
				s->frames[s->nframes++] = f;
				if (m->frames[f].image >= 0)
					s->img_used[m->frames[f].image] = true;
			}
		}
	}
	return (uint32_t)s->stack_map[stack];
}

/* ---- the parts v1 and v2 share --------------------------------------------- */
static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* The end of the "not enough samples" error: where the samples may be.  A
 * shell script or `make` under sprof has few samples of its own, and its
 * children have the rest. */
static const char *few_samples_hint(const struct convert_options *opt)
{
	if (opt->all)
		return "";
	if (opt->file_processes > 1)
		return " (the file holds other processes: sprof info lists them; --pid PID or --all)";
	return " (--force writes it anyway)";
}

/* A process without enough samples for a Sentry profile among several
 * written one by one (one_of_several): a note, and the caller goes on. */
static int skip_process(const struct convert_options *opt, const struct profile_model *m)
{
	if (opt->skipped) {
		++*opt->skipped;
		return OUTPUT_SKIPPED;
	}
	sprof_error("%s: process %u has too few samples for a Sentry profile; skipped",
	            opt->input_name, m->pid);
	return OUTPUT_SKIPPED;
}

/* The chunk writers' test: no sample in any of the models is an error (or a
 * skip, see skip_process) unless --force.  Returns 0 when there is work. */
static int no_samples(struct profile_model *const *models, size_t n,
                      const struct convert_options *opt)
{
	size_t total = 0;
	for (size_t k = 0; k < n; k++)
		total += models[k]->nsamples;
	if (total > 0 || opt->force)
		return 0;
	if (opt->one_of_several)
		return skip_process(opt, models[0]);
	sprof_error("%s: not enough samples (0) for a Sentry profile%s", opt->input_name,
	            few_samples_hint(opt));
	return 1;
}

/* "os" and, when the raw file recorded it, "runtime": the same two objects
 * in the v1 profile and in the transaction event's contexts */
static void write_os_runtime(struct jw *w, const struct profile_model *m)
{
	jw_key(w, "os");
	jw_obj(w);
	jw_kstr(w, "name", m->os_name);
	jw_kstr(w, "version", m->os_release);
	jw_obj_end(w);
	if (!m->runtime_name)
		return;
	jw_key(w, "runtime");
	jw_obj(w);
	jw_kstr(w, "name", m->runtime_name);
	jw_kstr(w, "version", m->runtime_version);
	jw_obj_end(w);
}

static void write_debug_meta(struct jw *w, const struct profile_model *m, const struct sel *s)
{
	jw_key(w, "debug_meta");
	jw_obj(w);
	jw_key(w, "images");
	jw_arr(w);
	for (size_t i = 0; i < m->nimages; i++) {
		const struct model_image *im = &m->images[i];
		/* Sentry keys images by debug id; one without a build-id
		 * cannot be matched to debug files, so it is left out. */
		if (!s->img_used[i] || !im->debug_id || im->path[0] != '/')
			continue;
		jw_obj(w);
		jw_kstr(w, "type", "symbolic");
		jw_kstr(w, "code_file", im->path);
		jw_kstr(w, "code_id", im->code_id);
		jw_kstr(w, "debug_id", im->debug_id);
		jw_key(w, "image_addr");
		jw_hex_str(w, im->start);
		jw_key(w, "image_size");
		jw_u64(w, im->size);
		if (im->start != im->bias) {
			jw_key(w, "image_vmaddr");
			jw_hex_str(w, im->start - im->bias);
		}
		jw_kstr(w, "arch", m->arch);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void write_frame(struct jw *w, const struct profile_model *m, const struct model_frame *f)
{
	jw_obj(w);
	jw_kstr(w, "function", f->function);
	jw_kstr(w, "filename", f->filename);
	jw_kstr(w, "abs_path", f->abs_path);
	if (f->lineno) {
		jw_key(w, "lineno");
		jw_u64(w, f->lineno);
	}
	jw_key(w, "instruction_addr");
	jw_hex_str(w, f->addr);
	if (f->image >= 0)
		jw_kstr(w, "module", base_name(m->images[f->image].path));
	jw_key(w, "in_app");
	jw_bool(w, f->in_app);
	jw_obj_end(w);
}

static void write_stacks_frames(struct jw *w, const struct profile_model *m, const struct sel *s)
{
	jw_key(w, "stacks");
	jw_arr(w);
	bool pretty = w->pretty;
	for (size_t i = 0; i < s->nstacks; i++) {
		const struct model_stack *st = &m->stacks[s->stacks[i]];
		jw_arr(w);
		w->pretty = false;      /* one stack per line even when pretty */
		for (uint32_t k = 0; k < st->nframes; k++)
			jw_u64(w, (uint64_t)s->frame_map[st->frames[k]]);
		jw_arr_end(w);
		w->pretty = pretty;
	}
	jw_arr_end(w);
	jw_key(w, "frames");
	jw_arr(w);
	for (size_t i = 0; i < s->nframes; i++)
		write_frame(w, m, &m->frames[s->frames[i]]);
	jw_arr_end(w);
}

static int thread_index(const struct profile_model *m, uint32_t tid)
{
	for (size_t i = 0; i < m->nthreads; i++)
		if (m->threads[i].tid == tid)
			return (int)i;
	return -1;
}

/* Thread index of every sample (threads are few, samples many). */
static int *sample_threads(const struct profile_model *m)
{
	int *t = malloc((m->nsamples + 1) * sizeof *t);
	if (!t)
		return NULL;
	uint32_t last_tid = 0;
	int last = -1;
	for (size_t i = 0; i < m->nsamples; i++) {
		if (last < 0 || m->samples[i].tid != last_tid) {
			last_tid = m->samples[i].tid;
			last = thread_index(m, last_tid);
		}
		t[i] = last;
	}
	return t;
}

static void write_thread_metadata(struct jw *w, const struct profile_model *m, const bool *thread_kept)
{
	jw_key(w, "thread_metadata");
	jw_obj(w);
	for (size_t i = 0; i < m->nthreads; i++) {
		if (!thread_kept[i])
			continue;
		char k[16];
		snprintf(k, sizeof k, "%u", m->threads[i].tid);
		jw_key(w, k);
		jw_obj(w);
		jw_kstr(w, "name", m->threads[i].name);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

static const char *platform(const struct convert_options *opt)
{
	return opt->platform ? opt->platform : "native";
}

static const char *transaction_name(const struct profile_model *m, const struct convert_options *opt)
{
	return opt->transaction ? opt->transaction : m->command;
}

/* ---- v1 ------------------------------------------------------------------- */
/* What a v1 profile of one process keeps, decided before anything is
 * written so that a process without enough samples fails cleanly. */
struct v1plan {
	const struct profile_model *m;
	uint32_t *kept;                 /* sample indices */
	size_t nkept;
	bool *thread_kept;
	uint64_t end_ns;                /* relative_end_ns */
	char event_id[33], tx_id[33], trace_id[33], span_id[17];
};

static void v1plan_free(struct v1plan *p)
{
	free(p->kept);
	free(p->thread_kept);
}

/* Returns 0, 1 when the process has too few samples, -1 out of memory. */
static int v1plan_make(struct v1plan *p, const struct profile_model *m,
                       const struct convert_options *opt, bool warn)
{
	memset(p, 0, sizeof *p);
	p->m = m;
	double max_s = opt->max_duration > 0 ? opt->max_duration : V1_DEFAULT_MAX_S;
	uint64_t limit = (uint64_t)(max_s * 1e9);
	int *th = sample_threads(m);
	size_t nt = m->nthreads + 1;
	int64_t *first = malloc(nt * sizeof *first), *last = malloc(nt * sizeof *last);
	uint64_t *count = calloc(nt, sizeof *count);
	p->kept = malloc((m->nsamples + 1) * sizeof *p->kept);
	p->thread_kept = calloc(nt, sizeof *p->thread_kept);
	if (!th || !first || !last || !count || !p->kept || !p->thread_kept) {
		free(th), free(first), free(last), free(count);
		return -1;
	}
	for (size_t i = 0; i < nt; i++)
		first[i] = last[i] = -1;
	/* Relay drops each thread's empty-stack samples at both ends. */
	size_t over = 0;
	for (size_t i = 0; i < m->nsamples; i++) {
		if (m->samples[i].t_ns > limit) {
			over++;
			continue;
		}
		if (th[i] < 0 || m->stacks[m->samples[i].stack].nframes == 0)
			continue;
		if (first[th[i]] < 0)
			first[th[i]] = (int64_t)i;
		last[th[i]] = (int64_t)i;
	}
	size_t usable = 0;
	for (size_t i = 0; i < m->nsamples; i++) {
		int t = th[i];
		if (t >= 0 && m->samples[i].t_ns <= limit && first[t] >= 0 &&
		    (int64_t)i >= first[t] && (int64_t)i <= last[t]) {
			count[t]++;
			usable++;
		}
	}
	/* ... and every sample of a thread that has only one. */
	for (size_t i = 0; i < m->nsamples; i++) {
		int t = th[i];
		if (t >= 0 && m->samples[i].t_ns <= limit && first[t] >= 0 &&
		    (int64_t)i >= first[t] && (int64_t)i <= last[t] && (count[t] >= 2 || opt->force)) {
			p->kept[p->nkept++] = (uint32_t)i;
			p->thread_kept[t] = true;
		}
	}
	free(th), free(first), free(last), free(count);
	/* warn: the only process, so "not enough samples" is the error;
	 * with several, the caller names the skipped ones. */
	if (p->nkept == 0 && !opt->force) {
		if (warn)
			sprof_error("%s: not enough samples (%zu) for a Sentry profile%s",
			            opt->input_name, usable, few_samples_hint(opt));
		return 1;
	}
	if (over)
		sprof_error("%s: process %u ran %.1f s; the Sentry profile keeps the first %g s "
		            "(Sentry rejects longer ones; -f sentry-chunk keeps everything)",
		            opt->input_name, m->pid, m->duration_ns / 1e9, max_s);
	uint64_t end = m->duration_ns < limit ? m->duration_ns : limit;
	if (p->nkept && m->samples[p->kept[p->nkept - 1]].t_ns > end)
		end = m->samples[p->kept[p->nkept - 1]].t_ns;
	p->end_ns = end > 0 ? end : 1;
	struct idgen g;
	idgen_init(&g, opt, m->pid);
	uuid_hex(&g, p->event_id);
	uuid_hex(&g, p->tx_id);
	if (opt->trace_id)
		snprintf(p->trace_id, sizeof p->trace_id, "%s", opt->trace_id);
	else
		uuid_hex(&g, p->trace_id);
	span_hex(&g, p->span_id);
	return 0;
}

static int write_v1(struct jw *w, const struct v1plan *p, const struct convert_options *opt)
{
	const struct profile_model *m = p->m;
	struct sel s;
	if (sel_init(&s, m)) {
		sel_free(&s);
		return -1;
	}
	sel_reset(&s, m);
	for (size_t i = 0; i < p->nkept; i++)
		sel_stack(&s, m, m->samples[p->kept[i]].stack);
	char ts[40], num[24];
	rfc3339(m->wall_start_ns, ts, sizeof ts);
	jw_obj(w);
	jw_kstr(w, "version", "1");
	jw_kstr(w, "event_id", p->event_id);
	jw_kstr(w, "platform", platform(opt));
	jw_kstr(w, "timestamp", ts);
	jw_kstr(w, "release", opt->release);
	jw_kstr(w, "environment", opt->environment);
	jw_kstr(w, "dist", opt->dist);
	jw_key(w, "device");
	jw_obj(w);
	jw_kstr(w, "architecture", m->arch);
	jw_obj_end(w);
	write_os_runtime(w, m);
	write_debug_meta(w, m, &s);
	jw_key(w, "transactions");
	jw_arr(w);
	jw_obj(w);
	jw_kstr(w, "id", p->tx_id);
	jw_kstr(w, "name", transaction_name(m, opt));
	jw_kstr(w, "trace_id", p->trace_id);
	jw_kstr(w, "relative_start_ns", "0");
	jw_key(w, "relative_end_ns");
	jw_u64_str(w, p->end_ns);
	snprintf(num, sizeof num, "%u", m->pid);
	jw_kstr(w, "active_thread_id", num);
	jw_obj_end(w);
	jw_arr_end(w);
	jw_key(w, "profile");
	jw_obj(w);
	jw_key(w, "samples");
	jw_arr(w);
	/* The hot loop: one preformatted record per sample (one per line
	 * when pretty). */
	for (size_t i = 0; i < p->nkept; i++) {
		const struct model_sample *sm = &m->samples[p->kept[i]];
		char rec[128], *q = rec;
		q = stpcpy(q, "{\"stack_id\":");
		q = jw_fmt_u64(q, (uint64_t)s.stack_map[sm->stack]);
		q = stpcpy(q, ",\"thread_id\":\"");
		q = jw_fmt_u64(q, sm->tid);
		q = stpcpy(q, "\",\"elapsed_since_start_ns\":\"");
		q = jw_fmt_u64(q, sm->t_ns);
		q = stpcpy(q, "\"}");
		jw_rawn(w, rec, (size_t)(q - rec));
	}
	jw_arr_end(w);
	write_stacks_frames(w, m, &s);
	write_thread_metadata(w, m, p->thread_kept);
	jw_obj_end(w);
	jw_obj_end(w);
	sel_free(&s);
	return 0;
}

/* Plans every model; models without enough samples are skipped with a note
 * when there are several, fatal when there is one.  Returns how many plans
 * were made, or -1. */
static int v1_plan_all(struct profile_model *const *models, size_t n,
                       const struct convert_options *opt, struct v1plan **out)
{
	struct v1plan *plans = calloc(n + 1, sizeof *plans);
	if (!plans)
		return -1;
	int np = 0;
	for (size_t i = 0; i < n; i++) {
		int r = v1plan_make(&plans[np], models[i], opt, n == 1 && !opt->one_of_several);
		if (r < 0) {
			v1plan_free(&plans[np]);
			goto fail;
		}
		if (r > 0) {
			v1plan_free(&plans[np]);
			if (n > 1 || opt->one_of_several)
				skip_process(opt, models[i]);
			continue;
		}
		np++;
	}
	if (np == 0) {
		if (n > 1)
			sprof_error("%s: not enough samples in any process for a Sentry profile",
			            opt->input_name);
		free(plans);
		return -2;
	}
	*out = plans;
	return np;
fail:
	for (int i = 0; i < np; i++)
		v1plan_free(&plans[i]);
	free(plans);
	return -1;
}

static int oom(void)
{
	sprof_error("out of memory");
	return 1;
}

/* The start both v1 writers (sentry, envelope) share: check the wall clock
 * and plan every model.  Returns 0 with *plans and *np set, or the exit
 * status when there is nothing to write. */
static int v1_start(struct profile_model *const *models, size_t n,
                    const struct convert_options *opt, struct v1plan **plans, int *np)
{
	if (!wall_clock_ok(opt, models, n))
		return 1;
	*np = v1_plan_all(models, n, opt, plans);
	if (*np == -2)
		return opt->one_of_several ? OUTPUT_SKIPPED : 1;
	if (*np < 0)
		return oom();
	return 0;
}

/* ... and their end: free the plans; r non-zero means a write ran out of
 * memory.  Returns the exit status. */
static int v1_finish(struct v1plan *plans, int np, int r)
{
	for (int i = 0; i < np; i++)
		v1plan_free(&plans[i]);
	free(plans);
	return r ? oom() : 0;
}

static int sentry_v1_write(struct profile_model *const *models, size_t n,
                           const struct convert_options *opt, FILE *out)
{
	struct v1plan *plans;
	int np;
	int rc = v1_start(models, n, opt, &plans, &np);
	if (rc)
		return rc;
	struct jw w;
	jw_init(&w, out, opt->pretty);
	int r = 0;
	if (opt->all)
		jw_arr(&w);
	for (int i = 0; i < np && !r; i++)
		r = write_v1(&w, &plans[i], opt);
	if (opt->all)
		jw_arr_end(&w);
	if (!opt->pretty)
		putc('\n', out);
	return v1_finish(plans, np, r);
}

/* ---- v2 chunks ------------------------------------------------------------ */
/* Calls emit for every chunk of every model: samples [a, b) of model m. */
struct chunk_writer {
	int (*emit)(struct chunk_writer *cw, const struct profile_model *m, struct sel *s,
	            size_t a, size_t b, const char *profiler_id, struct idgen *g);
	const struct convert_options *opt;
	FILE *out;
	struct jw w;
	bool pretty;
};

static int write_chunk(struct jw *w, const struct profile_model *m, struct sel *s, size_t a,
                       size_t b, const char *profiler_id, struct idgen *g,
                       const struct convert_options *opt)
{
	bool *thread_kept = calloc(m->nthreads + 1, 1);
	if (!thread_kept)
		return -1;
	sel_reset(s, m);
	for (size_t i = a; i < b; i++) {
		sel_stack(s, m, m->samples[i].stack);
		int t = thread_index(m, m->samples[i].tid);
		if (t >= 0)
			thread_kept[t] = true;
	}
	char chunk_id[33];
	uuid_hex(g, chunk_id);
	jw_obj(w);
	jw_kstr(w, "version", "2");
	jw_kstr(w, "chunk_id", chunk_id);
	jw_kstr(w, "profiler_id", profiler_id);
	jw_kstr(w, "platform", platform(opt));
	jw_kstr(w, "release", opt->release ? opt->release : "");
	jw_kstr(w, "environment", opt->environment);
	jw_kstr(w, "dist", opt->dist);
	jw_key(w, "client_sdk");
	jw_obj(w);
	jw_kstr(w, "name", "sprof");
	jw_kstr(w, "version", PACKAGE_VERSION);
	jw_obj_end(w);
	write_debug_meta(w, m, s);
	jw_key(w, "profile");
	jw_obj(w);
	jw_key(w, "samples");
	jw_arr(w);
	for (size_t i = a; i < b; i++) {
		const struct model_sample *sm = &m->samples[i];
		uint64_t ns = m->wall_start_ns + sm->t_ns;
		unsigned us = (unsigned)(ns % 1000000000u / 1000u);
		char rec[128], *q = rec;
		q = stpcpy(q, "{\"timestamp\":");
		q = jw_fmt_u64(q, ns / 1000000000u);
		*q++ = '.';
		for (unsigned d = 100000; d; d /= 10)   /* exactly six digits */
			*q++ = (char)('0' + us / d % 10);
		q = stpcpy(q, ",\"stack_id\":");
		q = jw_fmt_u64(q, (uint64_t)s->stack_map[sm->stack]);
		q = stpcpy(q, ",\"thread_id\":\"");
		q = jw_fmt_u64(q, sm->tid);
		q = stpcpy(q, "\"}");
		jw_rawn(w, rec, (size_t)(q - rec));
	}
	jw_arr_end(w);
	write_stacks_frames(w, m, s);
	write_thread_metadata(w, m, thread_kept);
	jw_obj_end(w);
	jw_obj_end(w);
	free(thread_kept);
	return 0;
}

static int for_each_chunk(struct profile_model *const *models, size_t n, struct chunk_writer *cw)
{
	int rc = no_samples(models, n, cw->opt);
	if (rc)
		return rc;
	for (size_t k = 0; k < n; k++) {
		const struct profile_model *m = models[k];
		struct idgen g;
		idgen_init(&g, cw->opt, m->pid);
		char profiler_id[33];
		uuid_hex(&g, profiler_id);
		struct sel s;
		if (sel_init(&s, m)) {
			sel_free(&s);
			return oom();
		}
		for (size_t a = 0; a < m->nsamples;) {
			uint64_t t0 = m->samples[a].t_ns;
			size_t b = a;
			while (b < m->nsamples && m->samples[b].t_ns - t0 < CHUNK_NS)
				b++;
			if (cw->emit(cw, m, &s, a, b, profiler_id, &g)) {
				sel_free(&s);
				return oom();
			}
			a = b;
		}
		sel_free(&s);
	}
	return 0;
}

static int emit_json_chunk(struct chunk_writer *cw, const struct profile_model *m, struct sel *s,
                           size_t a, size_t b, const char *profiler_id, struct idgen *g)
{
	return write_chunk(&cw->w, m, s, a, b, profiler_id, g, cw->opt);
}

static int sentry_chunk_write(struct profile_model *const *models, size_t n,
                              const struct convert_options *opt, FILE *out)
{
	if (!wall_clock_ok(opt, models, n))
		return 1;
	struct chunk_writer cw = { .emit = emit_json_chunk, .opt = opt, .out = out };
	jw_init(&cw.w, out, opt->pretty);
	jw_arr(&cw.w);
	int r = for_each_chunk(models, n, &cw);
	if (r)
		return r;
	jw_arr_end(&cw.w);
	if (!opt->pretty)
		putc('\n', out);
	return 0;
}

/* ---- envelopes ------------------------------------------------------------ */
/* An item: header line with the payload's exact length, then the payload.
 * Payloads are rendered compact (a newline inside one would still be fine
 * given the length, but some tools split on lines). */
static int put_item(FILE *out, const char *type, const char *plat, const char *payload, size_t len)
{
	fprintf(out, "{\"type\":\"%s\",\"length\":%zu,\"content_type\":\"application/json\"", type, len);
	if (plat) {
		struct jw w;
		jw_init(&w, out, false);
		w.need_comma = true;
		w.depth = 1;
		jw_key(&w, "platform");
		jw_str(&w, plat);
	}
	fputs("}\n", out);
	fwrite(payload, 1, len, out);
	putc('\n', out);
	return 0;
}

static void envelope_header(FILE *out, const char *event_id, const struct convert_options *opt,
                            uint64_t sent_ns)
{
	char ts[40];
	rfc3339(sent_ns, ts, sizeof ts);
	struct jw w;
	jw_init(&w, out, false);
	jw_obj(&w);
	jw_kstr(&w, "event_id", event_id);
	jw_kstr(&w, "sent_at", ts);
	jw_kstr(&w, "dsn", opt->dsn);
	jw_key(&w, "sdk");
	jw_obj(&w);
	jw_kstr(&w, "name", "sprof");
	jw_kstr(&w, "version", PACKAGE_VERSION);
	jw_obj_end(&w);
	jw_obj_end(&w);
	putc('\n', out);
}

/* sent_at: now, or with --seed the profile's end, so output is reproducible. */
static uint64_t sent_at(const struct profile_model *m, const struct convert_options *opt)
{
	if (opt->have_seed)
		return m->wall_start_ns + m->duration_ns;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void write_transaction(struct jw *w, const struct v1plan *p, const struct convert_options *opt)
{
	const struct profile_model *m = p->m;
	jw_obj(w);
	jw_kstr(w, "type", "transaction");
	jw_kstr(w, "event_id", p->tx_id);
	jw_kstr(w, "transaction", transaction_name(m, opt));
	/* RFC 3339 strings: Relay takes them or Unix seconds, but sentry-cli
	 * send-envelope (Rust sentry-types) insists on RFC 3339 for timestamp. */
	char ts[40];
	rfc3339(m->wall_start_ns, ts, sizeof ts);
	jw_kstr(w, "start_timestamp", ts);
	rfc3339(m->wall_start_ns + p->end_ns, ts, sizeof ts);
	jw_kstr(w, "timestamp", ts);
	jw_kstr(w, "platform", platform(opt));
	jw_kstr(w, "release", opt->release);
	jw_kstr(w, "environment", opt->environment);
	jw_kstr(w, "dist", opt->dist);
	jw_key(w, "contexts");
	jw_obj(w);
	jw_key(w, "trace");
	jw_obj(w);
	jw_kstr(w, "trace_id", p->trace_id);
	jw_kstr(w, "span_id", p->span_id);
	jw_kstr(w, "op", "process");
	jw_kstr(w, "status", "ok");
	jw_obj_end(w);
	jw_key(w, "profile");
	jw_obj(w);
	jw_kstr(w, "profile_id", p->event_id);
	jw_obj_end(w);
	write_os_runtime(w, m);
	jw_key(w, "device");
	jw_obj(w);
	jw_kstr(w, "arch", m->arch);
	jw_obj_end(w);
	jw_obj_end(w);
	jw_key(w, "spans");
	jw_arr(w);
	jw_arr_end(w);
	jw_key(w, "sdk");
	jw_obj(w);
	jw_kstr(w, "name", "sprof");
	jw_kstr(w, "version", PACKAGE_VERSION);
	jw_obj_end(w);
	jw_obj_end(w);
}

static int envelope_write(struct profile_model *const *models, size_t n,
                          const struct convert_options *opt, FILE *out)
{
	struct v1plan *plans;
	int np;
	int rc = v1_start(models, n, opt, &plans, &np);
	if (rc)
		return rc;
	int r = 0;
	for (int i = 0; i < np && !r; i++) {
		char *buf[2] = { NULL, NULL };
		size_t len[2] = { 0, 0 };
		for (int k = 0; k < 2 && !r; k++) {
			FILE *mem = open_memstream(&buf[k], &len[k]);
			if (!mem) {
				r = -1;
				break;
			}
			struct jw w;
			jw_init(&w, mem, false);
			if (k == 0)
				write_transaction(&w, &plans[i], opt);
			else
				r = write_v1(&w, &plans[i], opt);
			if (fclose(mem))
				r = -1;
		}
		if (!r) {
			envelope_header(out, plans[i].tx_id, opt, sent_at(plans[i].m, opt));
			put_item(out, "transaction", NULL, buf[0], len[0]);
			put_item(out, "profile", NULL, buf[1], len[1]);
		}
		free(buf[0]);
		free(buf[1]);
	}
	return v1_finish(plans, np, r);
}

static int emit_item_chunk(struct chunk_writer *cw, const struct profile_model *m, struct sel *s,
                           size_t a, size_t b, const char *profiler_id, struct idgen *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return -1;
	struct jw w;
	jw_init(&w, mem, false);
	int r = write_chunk(&w, m, s, a, b, profiler_id, g, cw->opt);
	if (fclose(mem) || r) {
		free(buf);
		return -1;
	}
	put_item(cw->out, "profile_chunk", platform(cw->opt), buf, len);
	free(buf);
	return 0;
}

/* One envelope per process: chunks of one profiler session travel together. */
static int envelope_chunk_write(struct profile_model *const *models, size_t n,
                                const struct convert_options *opt, FILE *out)
{
	if (!wall_clock_ok(opt, models, n))
		return 1;
	struct chunk_writer cw = { .emit = emit_item_chunk, .opt = opt, .out = out };
	int rc = no_samples(models, n, opt);
	if (rc)
		return rc;
	for (size_t k = 0; k < n; k++) {
		if (models[k]->nsamples == 0)
			continue;
		envelope_header(out, NULL, opt, sent_at(models[k], opt));
		int r = for_each_chunk(&models[k], 1, &cw);
		if (r)
			return r;
	}
	return 0;
}

const struct output_format format_sentry = {
	"sentry", "Sentry v1 transaction profile, JSON (default; first 30 s)", sentry_v1_write,
};
const struct output_format format_sentry_chunk = {
	"sentry-chunk", "Sentry v2 profile chunks (60 s each), a JSON array", sentry_chunk_write,
};
const struct output_format format_envelope = {
	"envelope", "Sentry envelope: transaction + v1 profile, for sentry-cli send-envelope",
	envelope_write,
};
const struct output_format format_envelope_chunk = {
	"envelope-chunk", "Sentry envelope of v2 profile_chunk items", envelope_chunk_write,
};
