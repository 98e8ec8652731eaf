/* reader.c -- loads a raw file (format.h) into memory: validates the file
 * header, then every block (magic, header crc, lengths, payload crc,
 * inflate) and every record inside it, and files the records under the
 * process that wrote them.
 *
 * A block is applied atomically: its records are parsed into the process's
 * arrays, and if anything in the block turns out bad, everything it added is
 * rolled back, the read stops and the file is reported cut.  So callers only
 * ever see whole, consistent blocks.  Nothing here trusts a length from the
 * file for an allocation: counts are bounded by the bytes that would have to
 * hold them, and compressed payloads by zlib's maximum expansion ratio. */
#include "config.h"
#include "raw/reader.h"
#include "raw/format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

bool raw_reader_ignore_checksums;

#define MAX_DEPTH 1024          /* format.h: --max-depth is at most 1024 */
#define MAX_BUILD_ID 64         /* sizeof raw_image.build_id */
/* zlib's deflate cannot expand more than ~1032:1; anything claiming more is
 * a lie, and believing it would make a tiny file allocate 64 MiB. */
#define ZLIB_MAX_RATIO 1040u

/* ---- small helpers ------------------------------------------------------ */

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Grows *arr (element size es) so that it can hold need elements; the
 * capacity doubles so appends stay amortised O(1). */
static int grow(void **arr, size_t *cap, size_t need, size_t es)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need) {
		if (n > SIZE_MAX / 2 / es)
			return -1;
		n *= 2;
	}
	void *p = realloc(*arr, n * es);
	if (!p)
		return -1;
	*arr = p;
	*cap = n;
	return 0;
}

/* A cursor over one record body; every read is bounded by end. */
struct cur {
	const uint8_t *p, *end;
};

static int get_u64(struct cur *c, uint64_t *v)
{
	/* fast path for the common one-byte varint */
	if (c->p < c->end && !(*c->p & 0x80)) {
		*v = *c->p++;
		return 0;
	}
	return raw_get_varint(&c->p, c->end, v);
}

static int get_u32(struct cur *c, uint32_t *v)
{
	uint64_t x;
	if (get_u64(c, &x) || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* A length-prefixed string, returned as a new NUL-terminated copy.  Embedded
 * NULs are kept out so that C callers see the whole string. */
static int get_str(struct cur *c, char **out)
{
	uint64_t n;
	if (get_u64(c, &n) || n > (uint64_t)(c->end - c->p))
		return -1;
	char *s = malloc(n + 1);
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		s[i] = c->p[i] ? (char)c->p[i] : '?';
	s[n] = 0;
	c->p += n;
	*out = s;
	return 0;
}

/* ---- per-process state and block rollback ------------------------------ */

/* What a process looked like before the current block, so a bad block can be
 * undone.  Arrays only grow during a block, so their old lengths suffice;
 * the header strings are only set by the block that carries REC_PROCESS. */
struct snapshot {
	struct raw_process p;
};

/* Array capacities live beside the file, not in the public struct. */
struct caps {
	size_t images, names, stacks, samples, notes, unprofiled;
};

struct reader {
	struct raw_file *rf;
	struct caps *caps;              /* one per rf->procs entry */
	size_t procs_cap;
	uint8_t *inflated;              /* reused across blocks */
	size_t inflated_cap;
	z_stream zs;
	bool zs_ready;
	size_t block_no;                /* 1-based, for messages */
	uint64_t block_off;
	char why[160];                  /* what was wrong with the current block */
};

static int bad(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
	return -1;
}

static void free_header(struct raw_process *p)
{
	free(p->mechanism);
	free(p->exe);
	free(p->arch);
	free(p->os_name);
	free(p->os_release);
	free(p->runtime_name);
	free(p->runtime_version);
	if (p->argv)
		for (uint32_t i = 0; i < p->argc; i++)
			free(p->argv[i]);
	free(p->argv);
	p->mechanism = p->exe = p->arch = p->os_name = p->os_release = NULL;
	p->runtime_name = p->runtime_version = NULL;
	p->argv = NULL;
	p->argc = 0;
}

/* Undoes everything a failed block added to p (see struct snapshot). */
static void rollback(struct raw_process *p, const struct snapshot *s)
{
	for (size_t i = s->p.nimages; i < p->nimages; i++)
		free(p->images[i].path);
	for (size_t i = s->p.nthread_names; i < p->nthread_names; i++)
		free(p->thread_names[i].name);
	for (size_t i = s->p.nstacks; i < p->nstacks; i++)
		free(p->stacks[i].pcs);
	for (size_t i = s->p.nnotes; i < p->nnotes; i++)
		free(p->notes[i].text);
	for (size_t i = s->p.nunprofiled; i < p->nunprofiled; i++) {
		free(p->unprofiled[i].path);
		free(p->unprofiled[i].reason);
	}
	if (p->have_header && !s->p.have_header)
		free_header(p);
	struct raw_process keep = *p;
	*p = s->p;
	/* the arrays may have been reallocated: keep the new pointers */
	p->images = keep.images;
	p->thread_names = keep.thread_names;
	p->stacks = keep.stacks;
	p->samples = keep.samples;
	p->notes = keep.notes;
	p->unprofiled = keep.unprofiled;
}

/* ---- records ------------------------------------------------------------ */

static int rec_process(struct reader *r, struct raw_process *p, struct cur *c)
{
	if (p->have_header)
		return bad(r, "second process record for pid %u", p->pid);
	uint32_t pid;
	uint64_t mode;
	if (get_u32(c, &pid) || get_u32(c, &p->ppid) || get_u64(c, &p->wall_start_ns) ||
	    get_u64(c, &p->mono_start_ns) || get_u32(c, &p->requested_hz) || get_u64(c, &mode) ||
	    get_u32(c, &p->max_depth))
		return bad(r, "bad process record");
	if (pid != p->pid)
		return bad(r, "process record for pid %u in a block of pid %u", pid, p->pid);
	if (mode > UINT32_MAX)
		return bad(r, "bad process record");
	p->mode = (uint32_t)mode;
	p->have_header = true;      /* from here on rollback frees the strings */
	uint64_t argc;
	if (get_str(c, &p->mechanism) || get_str(c, &p->exe) || get_str(c, &p->arch) ||
	    get_str(c, &p->os_name) || get_str(c, &p->os_release) || get_u64(c, &argc) ||
	    argc > (uint64_t)(c->end - c->p))   /* each argument takes >= 1 byte */
		return bad(r, "bad process record");
	p->argv = calloc(argc + 1, sizeof *p->argv);
	if (!p->argv)
		return bad(r, "out of memory");
	for (uint64_t i = 0; i < argc; i++) {
		if (get_str(c, &p->argv[i]))
			return bad(r, "bad process record");
		p->argc = (uint32_t)i + 1;
	}
	/* 1.1 appended the runtime; a 1.0 record ends here */
	if (c->p < c->end &&
	    (get_str(c, &p->runtime_name) || get_str(c, &p->runtime_version)))
		return bad(r, "bad process record");
	return 0;
}

static int rec_image(struct reader *r, struct raw_process *p, struct caps *cp, struct cur *c)
{
	struct raw_image im = { .gone_us = UINT64_MAX };
	uint64_t idlen;
	if (get_u64(c, &im.start) || get_u64(c, &im.size) || get_u64(c, &im.bias) ||
	    get_u64(c, &im.seen_us) || get_u64(c, &idlen) || idlen > MAX_BUILD_ID ||
	    idlen > (uint64_t)(c->end - c->p))
		return bad(r, "bad image record");
	memcpy(im.build_id, c->p, idlen);
	im.build_id_len = idlen;
	c->p += idlen;
	if (get_str(c, &im.path))
		return bad(r, "bad image record");
	if (grow((void **)&p->images, &cp->images, p->nimages + 1, sizeof *p->images)) {
		free(im.path);
		return bad(r, "out of memory");
	}
	p->images[p->nimages++] = im;
	return 0;
}

/* Marks the newest still-mapped image starting at start as gone.  Remembers
 * what it changed in *undo so a rejected block can put it back. */
static int rec_image_gone(struct reader *r, struct raw_process *p, struct cur *c,
                          size_t **undo, size_t *nundo, size_t *undo_cap)
{
	uint64_t start, t;
	if (get_u64(c, &start) || get_u64(c, &t))
		return bad(r, "bad image-gone record");
	for (size_t i = p->nimages; i-- > 0;) {
		struct raw_image *im = &p->images[i];
		if (im->start == start && im->gone_us == UINT64_MAX) {
			if (grow((void **)undo, undo_cap, *nundo + 1, sizeof **undo))
				return bad(r, "out of memory");
			(*undo)[(*nundo)++] = i;
			im->gone_us = t == UINT64_MAX ? UINT64_MAX - 1 : t;
			break;
		}
	}
	return 0;
}

static int rec_thread(struct reader *r, struct raw_process *p, struct caps *cp, struct cur *c)
{
	struct raw_thread_name tn;
	if (get_u32(c, &tn.tid) || get_u64(c, &tn.t_us) || get_str(c, &tn.name))
		return bad(r, "bad thread record");
	if (grow((void **)&p->thread_names, &cp->names, p->nthread_names + 1, sizeof *p->thread_names)) {
		free(tn.name);
		return bad(r, "out of memory");
	}
	p->thread_names[p->nthread_names++] = tn;
	return 0;
}

static int rec_note(struct reader *r, struct raw_process *p, struct caps *cp, struct cur *c)
{
	struct raw_note n;
	if (get_u64(c, &n.t_us) || get_str(c, &n.text))
		return bad(r, "bad note record");
	if (grow((void **)&p->notes, &cp->notes, p->nnotes + 1, sizeof *p->notes)) {
		free(n.text);
		return bad(r, "out of memory");
	}
	p->notes[p->nnotes++] = n;
	return 0;
}

static int rec_write_error(struct reader *r, struct raw_process *p, struct cur *c)
{
	uint64_t t, e, n;
	char *text = NULL;
	if (get_u64(c, &t) || get_u64(c, &e) || get_u64(c, &n) || get_str(c, &text) ||
	    e == 0 || e > UINT32_MAX) {
		free(text);
		return bad(r, "bad write-error record");
	}
	free(p->write_error);           /* the last one wins */
	p->write_error = text;
	p->write_errno = (uint32_t)e;
	p->write_error_us = t;
	p->not_written = n;
	return 0;
}

static int rec_unprofiled(struct reader *r, struct raw_process *p, struct caps *cp, struct cur *c)
{
	struct raw_unprofiled u = { 0 };
	if (get_u64(c, &u.t_us) || get_str(c, &u.path) || get_str(c, &u.reason)) {
		free(u.path);
		return bad(r, "bad unprofiled-program record");
	}
	if (grow((void **)&p->unprofiled, &cp->unprofiled, p->nunprofiled + 1,
		 sizeof *p->unprofiled)) {
		free(u.path);
		free(u.reason);
		return bad(r, "out of memory");
	}
	p->unprofiled[p->nunprofiled++] = u;
	return 0;
}

static int rec_stack(struct reader *r, struct raw_process *p, struct caps *cp, struct cur *c)
{
	uint64_t id, depth;
	if (get_u64(c, &id) || get_u64(c, &depth))
		return bad(r, "bad stack record");
	if (id != p->nstacks)
		return bad(r, "stack %llu defined out of order (expected %zu)",
		           (unsigned long long)id, p->nstacks);
	if (depth > MAX_DEPTH || depth > (uint64_t)(c->end - c->p))
		return bad(r, "bad stack depth %llu", (unsigned long long)depth);
	if (grow((void **)&p->stacks, &cp->stacks, p->nstacks + 1, sizeof *p->stacks))
		return bad(r, "out of memory");
	uint64_t *pcs = malloc((depth ? depth : 1) * sizeof *pcs);
	if (!pcs)
		return bad(r, "out of memory");
	uint64_t pc = 0;
	for (uint64_t i = 0; i < depth; i++) {
		uint64_t v;
		if (get_u64(c, &v)) {
			free(pcs);
			return bad(r, "bad stack record");
		}
		pc = i == 0 ? v : pc + (uint64_t)raw_unzigzag(v);
		pcs[i] = pc;
	}
	p->stacks[p->nstacks].depth = (uint32_t)depth;
	p->stacks[p->nstacks].pcs = pcs;
	p->nstacks++;
	return 0;
}

static int rec_samples(struct reader *r, struct raw_process *p, struct caps *cp, struct cur *c)
{
	uint64_t count;
	if (get_u64(c, &count))
		return bad(r, "bad samples record");
	/* a sample is at least four one-byte varints */
	if (count > (uint64_t)(c->end - c->p) / 4)
		return bad(r, "bad sample count %llu", (unsigned long long)count);
	if (count == 0)
		return 0;
	if (grow((void **)&p->samples, &cp->samples, p->nsamples + count, sizeof *p->samples))
		return bad(r, "out of memory");
	struct raw_sample *s = p->samples + p->nsamples;
	uint64_t t = 0;
	const uint64_t nstacks = p->nstacks;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t tid, dt, stack, state;
		/* all four fields are usually one byte except dt; the generic
		 * path handles the rest */
		if (get_u64(c, &tid) || get_u64(c, &dt) || get_u64(c, &stack) || get_u64(c, &state))
			return bad(r, "bad samples record");
		if (tid > UINT32_MAX || state > 0xff)
			return bad(r, "bad sample");
		if (stack >= nstacks)
			return bad(r, "sample names undefined stack %llu", (unsigned long long)stack);
		if (dt > RAW_MAX_T_US - t)
			return bad(r, "sample time past %llu s", RAW_MAX_T_US / 1000000);
		t += dt;
		s[i].t_us = t;
		s[i].tid = (uint32_t)tid;
		s[i].stack = (uint32_t)stack;
		s[i].state = (uint8_t)state;
	}
	p->nsamples += count;
	return 0;
}

static int rec_stats(struct reader *r, struct raw_process *p, struct cur *c)
{
	if (get_u64(c, &p->stat_samples) || get_u64(c, &p->lost_full) ||
	    get_u64(c, &p->lost_other) || get_u64(c, &p->cpu_ns) || get_u64(c, &p->last_us))
		return bad(r, "bad stats record");
	return 0;
}

static int rec_end(struct reader *r, struct raw_process *p, struct cur *c)
{
	uint64_t t;
	uint32_t how, status;
	if (get_u64(c, &t) || get_u32(c, &how) || get_u32(c, &status))
		return bad(r, "bad end record");
	if (t > RAW_MAX_T_US)
		return bad(r, "end time past %llu s", RAW_MAX_T_US / 1000000);
	p->end_us = t;
	p->end_how = how;
	p->end_status = status;
	p->ended = true;
	return 0;
}

static int rec_rate(struct reader *r, struct raw_process *p, struct cur *c)
{
	uint64_t t;
	if (get_u64(c, &p->delivered_millihz) || get_u64(c, &t))
		return bad(r, "bad rate record");
	return 0;
}

/* Parses one inflated payload into p.  On failure r->why says why; the
 * caller rolls back. */
static int parse_payload(struct reader *r, struct raw_process *p, struct caps *cp,
                         const uint8_t *buf, size_t len, size_t **undo, size_t *nundo,
                         size_t *undo_cap)
{
	struct cur all = { buf, buf + len };
	while (all.p < all.end) {
		uint8_t type = *all.p++;
		uint64_t rlen;
		if (raw_get_varint(&all.p, all.end, &rlen) || rlen > (uint64_t)(all.end - all.p))
			return bad(r, "record runs past the end of the block");
		/* Fields a newer minor version appends to a record are skipped:
		 * each parser reads only what it knows from a cursor bounded by
		 * the record. */
		struct cur c = { all.p, all.p + rlen };
		all.p += rlen;
		int rc = 0;
		switch (type) {
		case REC_PROCESS: rc = rec_process(r, p, &c); break;
		case REC_IMAGE: rc = rec_image(r, p, cp, &c); break;
		case REC_IMAGE_GONE: rc = rec_image_gone(r, p, &c, undo, nundo, undo_cap); break;
		case REC_THREAD: rc = rec_thread(r, p, cp, &c); break;
		case REC_STACK: rc = rec_stack(r, p, cp, &c); break;
		case REC_SAMPLES: rc = rec_samples(r, p, cp, &c); break;
		case REC_STATS: rc = rec_stats(r, p, &c); break;
		case REC_END: rc = rec_end(r, p, &c); break;
		case REC_RATE: rc = rec_rate(r, p, &c); break;
		case REC_NOTE: rc = rec_note(r, p, cp, &c); break;
		case REC_UNPROFILED: rc = rec_unprofiled(r, p, cp, &c); break;
		case REC_WRITE_ERROR: rc = rec_write_error(r, p, &c); break;
		default: break;     /* a newer minor's record type */
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* ---- processes ---------------------------------------------------------- */

/* The process a block of pid with sequence number seq belongs to: the latest
 * one of that pid, unless this block starts a new one (seq 0 after a process
 * that already had its header: the pid exec()ed or was reused). */
static struct raw_process *process_for(struct reader *r, uint32_t pid, uint32_t seq,
                                       size_t *idx)
{
	struct raw_file *rf = r->rf;
	for (size_t i = rf->nprocs; i-- > 0;) {
		if (rf->procs[i].pid != pid)
			continue;
		if (seq == 0 && (rf->procs[i].have_header || rf->procs[i].nblocks))
			break;
		*idx = i;
		return &rf->procs[i];
	}
	if (rf->nprocs == r->procs_cap) {
		size_t n = r->procs_cap ? r->procs_cap * 2 : 4;
		struct raw_process *np = realloc(rf->procs, n * sizeof *np);
		if (!np)
			return NULL;
		rf->procs = np;
		struct caps *nc = realloc(r->caps, n * sizeof *nc);
		if (!nc)
			return NULL;
		r->caps = nc;
		r->procs_cap = n;
	}
	struct raw_process *p = &rf->procs[rf->nprocs];
	memset(p, 0, sizeof *p);
	memset(&r->caps[rf->nprocs], 0, sizeof r->caps[0]);
	p->pid = pid;
	*idx = rf->nprocs++;
	return p;
}

static void process_free(struct raw_process *p)
{
	free_header(p);
	for (size_t i = 0; i < p->nimages; i++)
		free(p->images[i].path);
	free(p->images);
	for (size_t i = 0; i < p->nthread_names; i++)
		free(p->thread_names[i].name);
	free(p->thread_names);
	for (size_t i = 0; i < p->nstacks; i++)
		free(p->stacks[i].pcs);
	free(p->stacks);
	free(p->samples);
	for (size_t i = 0; i < p->nnotes; i++)
		free(p->notes[i].text);
	free(p->notes);
	for (size_t i = 0; i < p->nunprofiled; i++) {
		free(p->unprofiled[i].path);
		free(p->unprofiled[i].reason);
	}
	free(p->unprofiled);
	free(p->write_error);
	free(p->name_order);
}

/* Stable merge sort of samples by time.  Each REC_SAMPLES record is already
 * in order, so this merges natural runs: linear when the file is in order,
 * O(n log runs) otherwise. */
static int sort_samples(struct raw_process *p)
{
	size_t n = p->nsamples;
	struct raw_sample *a = p->samples;
	size_t i;
	for (i = 1; i < n && a[i - 1].t_us <= a[i].t_us; i++)
		;
	if (i >= n)
		return 0;
	struct raw_sample *b = malloc(n * sizeof *b);
	if (!b)
		return -1;
	struct raw_sample *src = a, *dst = b;
	for (;;) {
		size_t runs = 0, lo = 0;
		while (lo < n) {
			size_t mid = lo + 1;
			while (mid < n && src[mid - 1].t_us <= src[mid].t_us)
				mid++;
			size_t hi = mid;
			if (mid < n) {
				hi = mid + 1;
				while (hi < n && src[hi - 1].t_us <= src[hi].t_us)
					hi++;
			}
			size_t x = lo, y = mid, k = lo;
			while (x < mid && y < hi)
				dst[k++] = src[y].t_us < src[x].t_us ? src[y++] : src[x++];
			while (x < mid)
				dst[k++] = src[x++];
			while (y < hi)
				dst[k++] = src[y++];
			runs++;
			lo = hi;
		}
		struct raw_sample *t = src;
		src = dst;
		dst = t;
		if (runs <= 1)
			break;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
	free(b);
	return 0;
}

static int name_cmp(const void *x, const void *y, void *proc)
{
	const struct raw_thread_name *names = ((const struct raw_process *)proc)->thread_names;
	const struct raw_thread_name *a = &names[*(const uint32_t *)x];
	const struct raw_thread_name *b = &names[*(const uint32_t *)y];
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	if (a->t_us != b->t_us)
		return a->t_us < b->t_us ? -1 : 1;
	/* same time: file order, so the later record wins the lookup */
	return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

/* Builds name_order: thread_names indices sorted by (tid, t_us, file order)
 * so raw_thread_name_at is a binary search. */
static int index_names(struct raw_process *p)
{
	if (!p->nthread_names || p->nthread_names > UINT32_MAX)
		return 0;
	p->name_order = malloc(p->nthread_names * sizeof *p->name_order);
	if (!p->name_order)
		return -1;
	for (size_t i = 0; i < p->nthread_names; i++)
		p->name_order[i] = (uint32_t)i;
	qsort_r(p->name_order, p->nthread_names, sizeof *p->name_order, name_cmp, p);
	return 0;
}

/* ---- blocks ------------------------------------------------------------- */

static const uint8_t *inflate_payload(struct reader *r, const uint8_t *in, uint32_t inlen,
                                      uint32_t outlen)
{
	/* one spare byte: a stream longer than promised shows up as output
	 * past outlen, and an empty one still has room to finish */
	if (grow((void **)&r->inflated, &r->inflated_cap, (size_t)outlen + 1, 1)) {
		bad(r, "out of memory");
		return NULL;
	}
	if (!r->zs_ready) {
		memset(&r->zs, 0, sizeof r->zs);
		if (inflateInit(&r->zs) != Z_OK) {
			bad(r, "zlib failed to start");
			return NULL;
		}
		r->zs_ready = true;
	} else if (inflateReset(&r->zs) != Z_OK) {
		bad(r, "zlib failed to reset");
		return NULL;
	}
	r->zs.next_in = (Bytef *)in;
	r->zs.avail_in = inlen;
	r->zs.next_out = r->inflated;
	r->zs.avail_out = outlen + 1;
	int rc = inflate(&r->zs, Z_FINISH);
	/* the stream must fill the payload exactly: bytes after its end would
	 * be data that no check covers (a second stream, garbage) */
	if (rc != Z_STREAM_END || r->zs.total_out != outlen || r->zs.avail_in != 0) {
		bad(r, "bad compressed data");
		return NULL;
	}
	return r->inflated;
}

/* Reads the block at off.  Returns its total size, 0 when the data ends
 * cleanly, or -1 with rf->problem set (the file is cut there). */
static int64_t read_block(struct reader *r, const uint8_t *buf, size_t len, size_t off)
{
	struct raw_file *rf = r->rf;
	size_t remain = len - off;
	r->why[0] = 0;
	if (remain < RAW_BLOCK_HEADER_SIZE) {
		snprintf(rf->problem, sizeof rf->problem, "truncated in block %zu at offset %zu",
		         r->block_no, off);
		return -1;
	}
	const uint8_t *h = buf + off;
	uint32_t magic = get_le32(h), pid = get_le32(h + 4), seq = get_le32(h + 8),
	         flags = get_le32(h + 12), raw_len = get_le32(h + 16),
	         stored_len = get_le32(h + 20), payload_crc = get_le32(h + 24),
	         header_crc = get_le32(h + 32);
	const bool check = !raw_reader_ignore_checksums;
	if (magic != RAW_BLOCK_MAGIC)
		bad(r, "bad block magic");
	else if (check && crc32(0, h, 32) != header_crc)
		bad(r, "bad header checksum");
	else if (flags & ~RAW_BLOCK_ZLIB)
		bad(r, "unknown block flags 0x%x", flags);
	else if (raw_len > RAW_BLOCK_MAX_RAW)
		bad(r, "payload of %u bytes is too large", raw_len);
	else if (stored_len > remain - RAW_BLOCK_HEADER_SIZE) {
		snprintf(rf->problem, sizeof rf->problem, "truncated in block %zu at offset %zu",
		         r->block_no, off);
		return -1;
	} else if (!(flags & RAW_BLOCK_ZLIB) && stored_len != raw_len)
		bad(r, "stored and raw lengths differ");
	else if ((flags & RAW_BLOCK_ZLIB) &&
	         (uint64_t)raw_len > (uint64_t)stored_len * ZLIB_MAX_RATIO + 64)
		bad(r, "impossible compression ratio");
	else if (check && crc32(0, h + RAW_BLOCK_HEADER_SIZE, stored_len) != payload_crc)
		bad(r, "bad checksum");
	if (r->why[0])
		goto fail;

	const uint8_t *payload = h + RAW_BLOCK_HEADER_SIZE;
	if (flags & RAW_BLOCK_ZLIB) {
		payload = inflate_payload(r, payload, stored_len, raw_len);
		if (!payload)
			goto fail;
	}

	size_t idx;
	struct raw_process *p = process_for(r, pid, seq, &idx);
	if (!p) {
		bad(r, "out of memory");
		goto fail;
	}
	struct snapshot snap = { *p };
	size_t *undo = NULL, nundo = 0, undo_cap = 0;
	if (parse_payload(r, p, &r->caps[idx], payload, raw_len, &undo, &nundo, &undo_cap)) {
		for (size_t i = 0; i < nundo; i++)
			p->images[undo[i]].gone_us = UINT64_MAX;
		free(undo);
		rollback(p, &snap);
		/* a process that only existed for this block goes away */
		if (!p->nblocks && idx == rf->nprocs - 1) {
			process_free(p);
			rf->nprocs--;
		}
		goto fail;
	}
	free(undo);
	p->nblocks++;
	rf->nblocks++;
	return RAW_BLOCK_HEADER_SIZE + (int64_t)stored_len;

fail:
	snprintf(rf->problem, sizeof rf->problem, "block %zu at offset %zu: %s", r->block_no,
	         off, r->why);
	return -1;
}

/* ---- entry points ------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int raw_read_buffer(const uint8_t *buf, size_t len, struct raw_file *rf, char *err, size_t errlen)
{
	memset(rf, 0, sizeof *rf);
	rf->size = len;
	if (len == 0)
		return fail(err, errlen, "empty file");
	if (len < RAW_FILE_HEADER_SIZE || memcmp(buf, RAW_MAGIC, 8))
		return fail(err, errlen, "not a sprof raw file");
	rf->version_major = get_le16(buf + 8);
	rf->version_minor = get_le16(buf + 10);
	uint32_t hsize = get_le32(buf + 12);
	if (rf->version_major > RAW_VERSION_MAJOR)
		return fail(err, errlen, "format version %u.%u is newer than this sprof supports (%u.%u)",
		            rf->version_major, rf->version_minor, RAW_VERSION_MAJOR, RAW_VERSION_MINOR);
	if (rf->version_major == 0 || hsize < RAW_FILE_HEADER_SIZE)
		return fail(err, errlen, "not a sprof raw file (bad file header)");

	struct reader r = { .rf = rf, .block_no = 1 };
	size_t off = hsize;
	if (hsize > len) {
		rf->cut = true;
		snprintf(rf->problem, sizeof rf->problem, "truncated in the file header");
		off = len;
	}
	while (off < len) {
		r.block_off = off;
		int64_t n = read_block(&r, buf, len, off);
		if (n < 0) {
			rf->cut = true;
			break;
		}
		off += (size_t)n;
		r.block_no++;
	}
	if (r.zs_ready)
		inflateEnd(&r.zs);
	free(r.inflated);
	free(r.caps);
	for (size_t i = 0; i < rf->nprocs; i++)
		if (sort_samples(&rf->procs[i]) || index_names(&rf->procs[i])) {
			raw_file_free(rf);
			return fail(err, errlen, "out of memory");
		}
	return 0;
}

/* Reads all of fd into a malloc'ed buffer, or only its first bytes when
 * they are not a raw file's.  Read rather than mmap: the file may still be
 * growing (or shrinking) under a running program. */
static int slurp(int fd, uint8_t **out, size_t *outlen)
{
	struct stat st;
	size_t cap = 1 << 16, len = 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -1;
	for (;;) {
		if (len == cap) {
			if (cap > SIZE_MAX / 2) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -1;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* Not a raw file (say /dev/zero or a pipe of something else):
		 * stop at its first bytes rather than read it all into memory;
		 * raw_read_buffer rejects what was read. */
		if (len >= 8 && memcmp(buf, RAW_MAGIC, 8) != 0)
			break;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int raw_read_path(const char *path, struct raw_file *rf, char *err, size_t errlen)
{
	memset(rf, 0, sizeof *rf);
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s", strerror(errno));
	uint8_t *buf;
	size_t len;
	int rc = slurp(fd, &buf, &len);
	int e = errno;
	if (!is_stdin)
		close(fd);
	if (rc)
		return fail(err, errlen, "%s", strerror(e));
	rc = raw_read_buffer(buf, len, rf, err, errlen);
	free(buf);
	return rc;
}

void raw_file_free(struct raw_file *rf)
{
	for (size_t i = 0; i < rf->nprocs; i++)
		process_free(&rf->procs[i]);
	free(rf->procs);
	rf->procs = NULL;
	rf->nprocs = 0;
}

const char *raw_thread_name_at(const struct raw_process *p, uint32_t tid, uint64_t t_us)
{
	if (!p->name_order)
		return NULL;
	const struct raw_thread_name *tn = p->thread_names;
	/* first entry with tid >= wanted */
	size_t lo = 0, hi = p->nthread_names;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (tn[p->name_order[mid]].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == p->nthread_names || tn[p->name_order[lo]].tid != tid)
		return NULL;
	const char *name = tn[p->name_order[lo]].name;   /* its first name */
	for (size_t i = lo; i < p->nthread_names; i++) {
		const struct raw_thread_name *e = &tn[p->name_order[i]];
		if (e->tid != tid || e->t_us > t_us)
			break;
		name = e->name;
	}
	return name;
}

const struct raw_image *raw_image_for(const struct raw_process *p, uint64_t pc, uint64_t t_us)
{
	/* Prefer the newest image mapped at t_us; failing that, one that
	 * appeared just after (the shim may notice a dlopen() a little after
	 * the first sample in it), but never one already unmapped. */
	const struct raw_image *best = NULL, *later = NULL;
	for (size_t i = 0; i < p->nimages; i++) {
		const struct raw_image *im = &p->images[i];
		if (pc < im->start || pc - im->start >= im->size || t_us >= im->gone_us)
			continue;
		if (im->seen_us <= t_us) {
			if (!best || im->seen_us >= best->seen_us)
				best = im;
		} else if (!later || im->seen_us < later->seen_us) {
			later = im;
		}
	}
	return best ? best : later;
}
