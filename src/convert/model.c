/* model.c -- builds the symbolized profile model (model.h) of one process
 * from what the reader loaded: picks the samples of the time window, maps
 * each address to the image mapped there at the time, symbolizes it once per
 * (image, address), and deduplicates frames and stacks so that writers only
 * index arrays.  Caching makes a million-sample file a matter of seconds:
 * each raw stack id is translated once, each distinct address once. */
#include "config.h"
#include "convert/model.h"
#include "convert/symbolize.h"
#include "raw/format.h"
#include "raw/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INLINE 64                   /* frames one address may expand to */

/* ---- a small open-addressing hash table: (k1, k2) -> value ------------- */
struct htab {
	uint64_t *k1, *k2;
	uint64_t *val;                  /* 0 = empty slot, else value + 1 */
	size_t cap, n;
};

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6) + (a >> 2));
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static int ht_grow(struct htab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1024;
	uint64_t *k1 = calloc(cap, 8), *k2 = calloc(cap, 8), *val = calloc(cap, 8);
	if (!k1 || !k2 || !val) {
		free(k1), free(k2), free(val);
		return -1;
	}
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->val[i])
			continue;
		size_t j = mix(t->k1[i], t->k2[i]) & (cap - 1);
		while (val[j])
			j = (j + 1) & (cap - 1);
		k1[j] = t->k1[i], k2[j] = t->k2[i], val[j] = t->val[i];
	}
	free(t->k1), free(t->k2), free(t->val);
	t->k1 = k1, t->k2 = k2, t->val = val, t->cap = cap;
	return 0;
}

/* Finds (a, b); returns its slot, or the empty slot where it would go. */
static size_t ht_slot(const struct htab *t, uint64_t a, uint64_t b)
{
	size_t j = mix(a, b) & (t->cap - 1);
	while (t->val[j] && (t->k1[j] != a || t->k2[j] != b))
		j = (j + 1) & (t->cap - 1);
	return j;
}

static void ht_free(struct htab *t)
{
	free(t->k1), free(t->k2), free(t->val);
}

/* ---- building ------------------------------------------------------------ */
struct builder {
	const struct raw_process *p;
	const struct model_build_options *o;
	struct symbolizer *sym;
	struct profile_model *m;
	int *sym_handle;                /* per image: -2 not opened yet, -1 unusable */
	bool *img_in_app;
	bool *img_is_shim;              /* libsprof.so: its frames are dropped */
	char *exe_dir;
	struct htab frame_cache;        /* (image+1, pc<<1|is_return) -> first<<8 | count */
	struct htab stack_index;        /* (hash, nframes) -> stack ids (chained by probing) */
	int64_t *raw_to_stack;          /* per raw stack: model stack, -1 unknown */
	size_t cap_frames, cap_stacks, cap_samples;
	uint32_t *tmp;                  /* frame indices of the stack being built */
	size_t cap_tmp;
};

static bool has_prefix(const char *s, const char *pre)
{
	return s && !strncmp(s, pre, strlen(pre));
}

static const char *base_name(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

static char *hex(const uint8_t *b, size_t n)
{
	char *s = malloc(2 * n + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", b[i]);
	s[2 * n] = 0;
	return s;
}

/* Sentry's debug id for an ELF build-id (what sentry-cli / symbolic
 * compute): the first 16 bytes, zero-padded, read as a little-endian GUID,
 * i.e. the first three fields byte-swapped. */
static char *debug_id(const uint8_t *b, size_t n)
{
	uint8_t g[16] = { 0 };
	memcpy(g, b, n < 16 ? n : 16);
	char *s = malloc(37);
	if (!s)
		return NULL;
	snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
	         g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
	return s;
}

/* Default in_app of an image: the program and what lives beside it are the
 * application; system libraries, the loader and the vdso are not. */
/* The shim: its interposed wrappers (pthread_create, the blocking calls)
 * sit between the program's own frames but are no part of the program, so
 * its frames never reach an output. */
static bool image_is_shim(const char *path)
{
	return has_prefix(base_name(path), "libsprof.so");
}

static bool image_in_app(const struct builder *b, const char *path)
{
	if (path[0] != '/')
		return false;
	static const char *const sys[] = { "/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/",
	                                   "/usr/libexec/", "/usr/local/lib/", NULL };
	for (int i = 0; sys[i]; i++)
		if (has_prefix(path, sys[i]))
			return false;
	if (strstr(base_name(path), "ld-linux") || has_prefix(base_name(path), "ld.so") ||
	    has_prefix(base_name(path), "ld64.so"))
		return false;
	if (b->p->exe && !strcmp(path, b->p->exe))
		return true;
	if (b->exe_dir && has_prefix(path, b->exe_dir) && path[strlen(b->exe_dir)] == '/')
		return true;
	return false;
}

static bool frame_in_app(const struct builder *b, int img, const char *function)
{
	bool in = img >= 0 && b->img_in_app[img];
	const char *path = img >= 0 ? b->p->images[img].path : NULL;
	for (size_t i = 0; i < b->o->nin_app_include; i++)
		if (has_prefix(function, b->o->in_app_include[i]) || has_prefix(path, b->o->in_app_include[i]))
			in = true;
	for (size_t i = 0; i < b->o->nin_app_exclude; i++)
		if (has_prefix(function, b->o->in_app_exclude[i]) || has_prefix(path, b->o->in_app_exclude[i]))
			in = false;
	return in;
}

/* The image holding pc at time t, by the reader's one rule (raw_image_for:
 * the newest mapped then, else the first mapped a little later).  *stable
 * turns false when several images ever held pc, so the answer depends on t
 * and the translated stack cannot be cached per raw stack. */
static int image_at(const struct builder *b, uint64_t pc, uint64_t t, bool *stable)
{
	int found = 0;
	for (size_t i = 0; i < b->p->nimages && found < 2; i++) {
		const struct raw_image *im = &b->p->images[i];
		found += pc >= im->start && pc - im->start < im->size;
	}
	if (found > 1)
		*stable = false;
	const struct raw_image *im = found ? raw_image_for(b->p, pc, t) : NULL;
	return im ? (int)(im - b->p->images) : -1;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *n = realloc(*arr, c * elem);
	if (!n)
		return -1;
	*arr = n;
	*cap = c;
	return 0;
}

/* Frames for pc (first index and count), symbolizing it on first sight. */
static int frames_for(struct builder *b, int img, uint64_t pc, bool is_return,
                      uint32_t *first, uint32_t *count)
{
	struct profile_model *m = b->m;
	if (b->frame_cache.n * 2 >= b->frame_cache.cap && ht_grow(&b->frame_cache))
		return -1;
	uint64_t k1 = (uint64_t)(img + 1), k2 = pc << 1 | is_return;
	size_t slot = ht_slot(&b->frame_cache, k1, k2);
	if (b->frame_cache.val[slot]) {
		uint64_t v = b->frame_cache.val[slot] - 1;
		*first = (uint32_t)(v >> 8);
		*count = (uint32_t)(v & 0xff);
		return 0;
	}
	struct sym_frame sf[MAX_INLINE];
	size_t n = 0;
	if (img >= 0) {
		if (b->sym_handle[img] == -2) {
			const struct raw_image *im = &b->p->images[img];
			b->sym_handle[img] = b->sym ? sym_image(b->sym, im->path, im->bias,
			                                        im->build_id, im->build_id_len) : -1;
		}
		if (b->sym_handle[img] >= 0)
			n = sym_lookup(b->sym, b->sym_handle[img], pc, is_return, sf, MAX_INLINE);
	}
	if (n == 0) {
		memset(&sf[0], 0, sizeof sf[0]);
		n = 1;
	}
	if (grow((void **)&m->frames, &b->cap_frames, m->nframes + n, sizeof *m->frames))
		return -1;
	*first = (uint32_t)m->nframes;
	*count = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		struct model_frame *f = &m->frames[m->nframes++];
		f->function = sf[i].function;
		f->filename = sf[i].filename;
		f->abs_path = sf[i].abs_path;
		f->lineno = sf[i].lineno;
		f->addr = pc;
		f->image = img;
		f->inlined = sf[i].inlined;
		f->in_app = frame_in_app(b, img, f->function);
		if (img >= 0)
			m->images[img].used = true;
	}
	b->frame_cache.val[slot] = ((uint64_t)*first << 8 | n) + 1;
	b->frame_cache.k1[slot] = k1;
	b->frame_cache.k2[slot] = k2;
	b->frame_cache.n++;
	return 0;
}

/* The model stack with exactly the frames in b->tmp[0..n), added if new. */
static int64_t intern_stack(struct builder *b, size_t n)
{
	struct profile_model *m = b->m;
	uint64_t h = 0x12345;
	for (size_t i = 0; i < n; i++)
		h = mix(h, b->tmp[i]);
	if (b->stack_index.n * 2 >= b->stack_index.cap && ht_grow(&b->stack_index))
		return -1;
	/* Several stacks may share (h, n): probe on, comparing contents. */
	size_t j = mix(h, n) & (b->stack_index.cap - 1);
	while (b->stack_index.val[j]) {
		if (b->stack_index.k1[j] == h && b->stack_index.k2[j] == n) {
			struct model_stack *s = &m->stacks[b->stack_index.val[j] - 1];
			/* n == 0 (a stack with no frames) with b->tmp still
			 * NULL: memcmp/memcpy of NULL is undefined even for 0 */
			if (!n || !memcmp(s->frames, b->tmp, n * sizeof *b->tmp))
				return (int64_t)(b->stack_index.val[j] - 1);
		}
		j = (j + 1) & (b->stack_index.cap - 1);
	}
	if (grow((void **)&m->stacks, &b->cap_stacks, m->nstacks + 1, sizeof *m->stacks))
		return -1;
	struct model_stack *s = &m->stacks[m->nstacks];
	s->nframes = (uint32_t)n;
	s->frames = malloc((n ? n : 1) * sizeof *s->frames);
	if (!s->frames)
		return -1;
	if (n)
		memcpy(s->frames, b->tmp, n * sizeof *b->tmp);
	b->stack_index.k1[j] = h;
	b->stack_index.k2[j] = n;
	b->stack_index.val[j] = m->nstacks + 1;
	b->stack_index.n++;
	return (int64_t)m->nstacks++;
}

static int64_t translate_stack(struct builder *b, uint32_t raw, uint64_t t)
{
	if (b->raw_to_stack[raw] >= 0)
		return b->raw_to_stack[raw];
	const struct raw_stack *rs = &b->p->stacks[raw];
	bool stable = true;
	size_t n = 0;
	for (uint32_t i = 0; i < rs->depth; i++) {
		uint64_t pc = rs->pcs[i];
		if (pc == 0)
			continue;
		int img = image_at(b, pc, t, &stable);
		if (img >= 0 && b->img_is_shim[img])
			continue;
		uint32_t first, count;
		if (frames_for(b, img, pc, i > 0, &first, &count))
			return -1;
		if (grow((void **)&b->tmp, &b->cap_tmp, n + count, sizeof *b->tmp))
			return -1;
		for (uint32_t k = 0; k < count; k++)
			b->tmp[n++] = first + k;
	}
	int64_t id = intern_stack(b, n);
	if (id >= 0 && stable)
		b->raw_to_stack[raw] = id;
	return id;
}

struct tinfo {
	uint32_t tid;
	uint64_t n, first_us, last_us;
	/* the names it had at its samples, in time order, as runs: the
	 * current run and the longest so far */
	const char *cur, *best;
	uint64_t cur_n, best_n;
};

static int build_threads(struct builder *b, struct tinfo *ti, size_t nti)
{
	struct profile_model *m = b->m;
	m->threads = calloc(nti ? nti : 1, sizeof *m->threads);
	if (!m->threads)
		return -1;
	for (size_t i = 0; i < nti; i++) {
		struct model_thread *th = &m->threads[m->nthreads++];
		th->tid = ti[i].tid;
		th->nsamples = ti[i].n;
		th->is_main = ti[i].tid == b->p->pid;
		/* The name it had during most of its samples (a thread renamed
		 * half-way has one name here, the one most of its time went
		 * under; per-sample names are in the raw file). */
		const char *name = ti[i].cur_n > ti[i].best_n ? ti[i].cur : ti[i].best;
		char buf[32];
		if (!name || !*name) {
			if (th->is_main)
				name = m->command;
			else {
				snprintf(buf, sizeof buf, "thread %u", ti[i].tid);
				name = buf;
			}
		}
		th->name = strdup(name);
		if (!th->name)
			return -1;
	}
	return 0;
}

static int build(struct builder *b, bool cut)
{
	const struct raw_process *p = b->p;
	struct profile_model *m = b->m;
	m->pid = p->pid;
	m->ppid = p->ppid;
	const char *cmd = p->argc > 0 && p->argv[0] && *p->argv[0] ? p->argv[0] : p->exe ? p->exe : "program";
	m->command = strdup(base_name(cmd));
	m->exe = strdup(p->exe ? p->exe : "");
	m->argc = p->argc;
	m->argv = calloc(p->argc + 1, sizeof *m->argv);
	if (!m->command || !m->exe || !m->argv)
		return -1;
	for (uint32_t i = 0; i < p->argc; i++)
		if (!(m->argv[i] = strdup(p->argv[i] ? p->argv[i] : "")))
			return -1;
	m->arch = strdup(p->arch ? p->arch : "unknown");
	m->os_name = strdup(p->os_name ? p->os_name : "Linux");
	m->os_release = strdup(p->os_release ? p->os_release : "");
	m->mechanism = strdup(p->mechanism ? p->mechanism : "");
	if (!m->arch || !m->os_name || !m->os_release || !m->mechanism)
		return -1;
	if (p->runtime_name && *p->runtime_name && p->runtime_version && *p->runtime_version) {
		m->runtime_name = strdup(p->runtime_name);
		m->runtime_version = strdup(p->runtime_version);
		if (!m->runtime_name || !m->runtime_version)
			return -1;
	}
	m->mode = p->mode;
	m->requested_hz = p->requested_hz;
	m->delivered_hz = p->delivered_millihz / 1000.0;
	m->lost = p->lost_full + p->lost_other;
	m->cut = cut && !p->ended;

	if (p->exe) {
		b->exe_dir = strdup(p->exe);
		if (!b->exe_dir)
			return -1;
		char *sl = strrchr(b->exe_dir, '/');
		if (sl)
			*sl = 0;
		if (!*b->exe_dir) {             /* a program in / would claim everything */
			free(b->exe_dir);
			b->exe_dir = NULL;
		}
	}

	/* images, one to one with the raw ones so indices carry over */
	m->images = calloc(p->nimages ? p->nimages : 1, sizeof *m->images);
	b->sym_handle = malloc((p->nimages ? p->nimages : 1) * sizeof *b->sym_handle);
	b->img_in_app = calloc(p->nimages ? p->nimages : 1, sizeof *b->img_in_app);
	b->img_is_shim = calloc(p->nimages ? p->nimages : 1, sizeof *b->img_is_shim);
	if (!m->images || !b->sym_handle || !b->img_in_app || !b->img_is_shim)
		return -1;
	m->nimages = p->nimages;
	for (size_t i = 0; i < p->nimages; i++) {
		const struct raw_image *ri = &p->images[i];
		struct model_image *mi = &m->images[i];
		mi->path = strdup(ri->path ? ri->path : "");
		if (!mi->path)
			return -1;
		if (ri->build_id_len) {
			mi->code_id = hex(ri->build_id, ri->build_id_len);
			mi->debug_id = debug_id(ri->build_id, ri->build_id_len);
			if (!mi->code_id || !mi->debug_id)
				return -1;
		}
		mi->start = ri->start;
		mi->size = ri->size;
		mi->bias = ri->bias;
		b->sym_handle[i] = -2;
		b->img_in_app[i] = image_in_app(b, mi->path);
		b->img_is_shim[i] = image_is_shim(mi->path);
	}

	b->raw_to_stack = malloc((p->nstacks ? p->nstacks : 1) * sizeof *b->raw_to_stack);
	if (!b->raw_to_stack)
		return -1;
	for (size_t i = 0; i < p->nstacks; i++)
		b->raw_to_stack[i] = -1;

	/* the window, in µs since the process start */
	uint64_t w0 = b->o->start > 0 ? (uint64_t)(b->o->start * 1e6) : 0;
	uint64_t w1 = b->o->end >= 0 ? (uint64_t)(b->o->end * 1e6) : UINT64_MAX;
	m->wall_start_ns = p->wall_start_ns + w0 * 1000;

	struct tinfo *ti = NULL;
	size_t nti = 0, cap_ti = 0;
	uint64_t last = w0;
	for (size_t i = 0; i < p->nsamples; i++) {
		const struct raw_sample *rs = &p->samples[i];
		if (rs->t_us < w0 || rs->t_us > w1 || rs->stack >= p->nstacks)
			continue;
		int64_t sid = translate_stack(b, rs->stack, rs->t_us);
		if (sid < 0)
			return -1;
		if (grow((void **)&m->samples, &b->cap_samples, m->nsamples + 1, sizeof *m->samples))
			return -1;
		struct model_sample *ms = &m->samples[m->nsamples++];
		ms->t_ns = (rs->t_us - w0) * 1000;
		ms->tid = rs->tid;
		ms->stack = (uint32_t)sid;
		ms->state = rs->state;
		if (rs->t_us > last)
			last = rs->t_us;
		/* threads are few: a linear search */
		size_t k;
		for (k = 0; k < nti && ti[k].tid != rs->tid; k++)
			;
		if (k == nti) {
			if (grow((void **)&ti, &cap_ti, nti + 1, sizeof *ti)) {
				free(ti);
				return -1;
			}
			ti[nti++] = (struct tinfo){ rs->tid, 0, rs->t_us, rs->t_us, NULL, NULL, 0, 0 };
		}
		ti[k].n++;
		ti[k].last_us = rs->t_us;
		const char *nm = raw_thread_name_at(p, rs->tid, rs->t_us);
		if (ti[k].cur_n && nm != ti[k].cur && (!nm || !ti[k].cur || strcmp(nm, ti[k].cur))) {
			if (ti[k].cur_n > ti[k].best_n) {
				ti[k].best = ti[k].cur;
				ti[k].best_n = ti[k].cur_n;
			}
			ti[k].cur_n = 0;
		}
		ti[k].cur = nm;
		ti[k].cur_n++;
	}
	uint64_t end = last;
	if (p->ended && p->end_us > end)
		end = p->end_us;
	if (end > w1)
		end = w1;
	m->duration_ns = (end - w0) * 1000;
	int r = build_threads(b, ti, nti);
	free(ti);
	return r;
}

struct profile_model *model_build(const struct raw_process *p, bool cut,
                                  const struct model_build_options *o,
                                  struct symbolizer *sym)
{
	struct builder b = { .p = p, .o = o, .sym = sym };
	b.m = calloc(1, sizeof *b.m);
	if (!b.m)
		return NULL;
	int r = build(&b, cut);
	ht_free(&b.frame_cache);
	ht_free(&b.stack_index);
	free(b.raw_to_stack);
	free(b.sym_handle);
	free(b.img_in_app);
	free(b.img_is_shim);
	free(b.exe_dir);
	free(b.tmp);
	if (r) {
		model_free(b.m);
		return NULL;
	}
	return b.m;
}

void model_drop_inlined(struct profile_model *m)
{
	/* Stacks that become equal stay separate entries: every writer sums
	 * by frame or function, none relies on stacks being distinct. */
	for (size_t i = 0; i < m->nstacks; i++) {
		struct model_stack *st = &m->stacks[i];
		uint32_t n = 0;
		for (uint32_t k = 0; k < st->nframes; k++)
			if (!m->frames[st->frames[k]].inlined)
				st->frames[n++] = st->frames[k];
		st->nframes = n;
	}
}

void model_free(struct profile_model *m)
{
	if (!m)
		return;
	free(m->command);
	free(m->exe);
	if (m->argv)
		for (uint32_t i = 0; i < m->argc; i++)
			free(m->argv[i]);
	free(m->argv);
	free(m->arch);
	free(m->os_name);
	free(m->os_release);
	free(m->runtime_name);
	free(m->runtime_version);
	free(m->mechanism);
	for (size_t i = 0; i < m->nimages; i++) {
		free(m->images[i].path);
		free(m->images[i].code_id);
		free(m->images[i].debug_id);
	}
	free(m->images);
	for (size_t i = 0; i < m->nframes; i++) {
		free(m->frames[i].function);
		free(m->frames[i].filename);
		free(m->frames[i].abs_path);
	}
	free(m->frames);
	for (size_t i = 0; i < m->nstacks; i++)
		free(m->stacks[i].frames);
	free(m->stacks);
	free(m->samples);
	for (size_t i = 0; i < m->nthreads; i++)
		free(m->threads[i].name);
	free(m->threads);
	free(m);
}
