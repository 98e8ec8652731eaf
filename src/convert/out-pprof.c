/* out-pprof.c -- the "pprof" format: a gzipped profile.proto, as read by
 * `go tool pprof`, pprof and the many viewers that import it.
 *
 * Schema: github.com/google/pprof/blob/main/proto/profile.proto.  The message
 * is encoded with the small encoder in pbenc.c (why not libprotobuf: see
 * pbenc.h) and gzipped with zlib.
 *
 * Mapping of the model:
 *  - sample types "samples"/"count" and "cpu"/"nanoseconds" ("wall" in wall
 *    mode); the second value is count x period, the period being one over
 *    the requested rate.  period_type is the second type.
 *  - one Sample per distinct (process, thread, stack), with labels "thread"
 *    (name) and "tid" unless --merge-threads, and "pid" with several
 *    processes, so `pprof -tagfocus` can still split them.
 *  - one Location per distinct frame address (more exactly, per distinct
 *    chain of frames sharing an address: a leaf and a return address can
 *    symbolize differently), whose Lines list the inlined functions innermost
 *    first and the real function last, as profile.proto asks.
 *  - one Function per (name, source file); a frame without a name gets the
 *    "module+0xOFFSET" name the other text formats use, so all formats agree.
 *  - one Mapping per image: memory start/limit, file offset 0, path,
 *    build id (hex); the has_* flags are set because sprof has already
 *    symbolized, so pprof must not try again.
 *  - time_nanos / duration_nanos from the profile window; string_table[0]
 *    is "". */
#include "config.h"
#include "convert/folded.h"
#include "convert/model.h"
#include "convert/pbenc.h"
#include "convert/strtab.h"
#include "raw/format.h"
#include "sprof.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* profile.proto field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3, PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6, PROFILE_TIME_NANOS = 9,
	PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11, PROFILE_PERIOD = 12,
	PROFILE_COMMENT = 13,
	VALUETYPE_TYPE = 1, VALUETYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
	LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
	MAPPING_ID = 1, MAPPING_START = 2, MAPPING_LIMIT = 3, MAPPING_OFFSET = 4,
	MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_FILENAMES = 8, MAPPING_HAS_LINE_NUMBERS = 9, MAPPING_HAS_INLINE_FRAMES = 10,
	LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1, LINE_LINE = 2,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
};

struct pp {
	struct pb main, locs, funcs;    /* concatenated at the end: field order is free */
	struct strtab strings;          /* string_table */
	struct strtab functions;        /* "name\0file" -> id - 1 */
	struct strtab locations;        /* model index + frame chain -> id - 1 */
	bool failed;
};

static uint64_t str(struct pp *p, const char *s)
{
	uint32_t id = strtab_intern_str(&p->strings, s ? s : "");
	if (id == STRTAB_NONE)
		p->failed = true;
	return id;
}

static void value_type(struct pp *p, uint32_t field, const char *type, const char *unit)
{
	pb_mark m = pb_begin(&p->main, field);
	pb_varint(&p->main, VALUETYPE_TYPE, str(p, type));
	pb_varint(&p->main, VALUETYPE_UNIT, str(p, unit));
	pb_end(&p->main, m);
}

static uint64_t function_id(struct pp *p, const struct profile_model *m, uint32_t fi)
{
	const struct model_frame *fr = &m->frames[fi];
	char buf[FRAME_NAME_MAX];
	const char *name = frame_name(m, fi, buf);
	const char *file = fr->abs_path ? fr->abs_path : fr->filename ? fr->filename : "";
	size_t nl = strlen(name), fl = strlen(file);
	char *key = malloc(nl + fl + 2);
	if (!key) {
		p->failed = true;
		return 0;
	}
	memcpy(key, name, nl + 1);
	memcpy(key + nl + 1, file, fl + 1);
	size_t before = p->functions.n;
	uint32_t id = strtab_intern(&p->functions, key, nl + fl + 2);
	free(key);
	if (id == STRTAB_NONE) {
		p->failed = true;
		return 0;
	}
	if (p->functions.n != before) {         /* new: emit it */
		pb_mark mk = pb_begin(&p->funcs, PROFILE_FUNCTION);
		pb_varint(&p->funcs, FUNCTION_ID, id + 1);
		pb_varint(&p->funcs, FUNCTION_NAME, str(p, name));
		pb_varint(&p->funcs, FUNCTION_SYSTEM_NAME, str(p, name));
		pb_varint_nz(&p->funcs, FUNCTION_FILENAME, str(p, file));
		pb_end(&p->funcs, mk);
	}
	return id + 1;
}

/* The location of frames[0..n) of m (an inline chain sharing one address,
 * innermost first), emitted the first time it is seen. */
static uint64_t location_id(struct pp *p, uint32_t model, const struct profile_model *m,
                            const uint32_t *frames, uint32_t n, uint64_t mapping_base)
{
	uint32_t key[n + 1];
	key[0] = model;
	memcpy(key + 1, frames, n * sizeof *frames);
	size_t before = p->locations.n;
	uint32_t id = strtab_intern(&p->locations, key, sizeof key);
	if (id == STRTAB_NONE) {
		p->failed = true;
		return 0;
	}
	if (p->locations.n == before)
		return id + 1;

	const struct model_frame *real = &m->frames[frames[n - 1]];
	uint64_t fids[n];
	for (uint32_t i = 0; i < n; i++)        /* functions first: they use p->funcs */
		fids[i] = function_id(p, m, frames[i]);
	pb_mark mk = pb_begin(&p->locs, PROFILE_LOCATION);
	pb_varint(&p->locs, LOCATION_ID, id + 1);
	if (real->image >= 0 && (size_t)real->image < m->nimages)
		pb_varint(&p->locs, LOCATION_MAPPING_ID, mapping_base + (uint64_t)real->image + 1);
	pb_varint_nz(&p->locs, LOCATION_ADDRESS, real->addr);
	for (uint32_t i = 0; i < n; i++) {
		pb_mark lm = pb_begin(&p->locs, LOCATION_LINE);
		pb_varint(&p->locs, LINE_FUNCTION_ID, fids[i]);
		pb_varint_nz(&p->locs, LINE_LINE, m->frames[frames[i]].lineno);
		pb_end(&p->locs, lm);
	}
	pb_end(&p->locs, mk);
	return id + 1;
}

static void label_str(struct pp *p, const char *key, const char *val)
{
	pb_mark m = pb_begin(&p->main, SAMPLE_LABEL);
	pb_varint(&p->main, LABEL_KEY, str(p, key));
	pb_varint(&p->main, LABEL_STR, str(p, val));
	pb_end(&p->main, m);
}

static void label_num(struct pp *p, const char *key, uint64_t val)
{
	pb_mark m = pb_begin(&p->main, SAMPLE_LABEL);
	pb_varint(&p->main, LABEL_KEY, str(p, key));
	pb_varint(&p->main, LABEL_NUM, val);
	pb_end(&p->main, m);
}

struct skey {                           /* what samples are aggregated under */
	uint32_t model, tid, stack;
};

static int add_samples(struct pp *p, struct profile_model *const *models, size_t nmodels,
                       bool merge, const uint64_t *mapping_base)
{
	struct strtab keys = {0};
	uint64_t *counts = NULL;
	size_t cap = 0;
	for (size_t mi = 0; mi < nmodels; mi++) {
		const struct profile_model *m = models[mi];
		for (size_t si = 0; si < m->nsamples; si++) {
			const struct model_sample *s = &m->samples[si];
			if (s->stack >= m->nstacks)
				continue;
			struct skey k = {(uint32_t)mi, merge ? 0 : s->tid, s->stack};
			if (strtab_tally(&keys, &k, sizeof k, &counts, &cap, 1) == STRTAB_NONE)
				goto fail;
		}
	}

	for (size_t ki = 0; ki < keys.n && !p->failed; ki++) {
		struct skey k;
		memcpy(&k, keys.strs[ki], sizeof k);
		const struct profile_model *m = models[k.model];
		const struct model_stack *st = &m->stacks[k.stack];
		uint64_t *locs = malloc((st->nframes ? st->nframes : 1) * sizeof *locs);
		uint32_t *chain = malloc((st->nframes ? st->nframes : 1) * sizeof *chain);
		if (!locs || !chain) {
			free(locs);
			free(chain);
			goto fail;
		}
		uint32_t nlocs = 0;
		for (uint32_t i = 0; i < st->nframes;) {
			/* an inline chain: inlined frames at one address, then the real one */
			uint32_t n = 0;
			while (i < st->nframes) {
				uint32_t fi = st->frames[i++];
				if (fi >= m->nframes)
					continue;
				chain[n++] = fi;
				const struct model_frame *fr = &m->frames[fi];
				if (!fr->inlined || i >= st->nframes || st->frames[i] >= m->nframes ||
				    m->frames[st->frames[i]].addr != fr->addr)
					break;
			}
			if (n)
				locs[nlocs++] = location_id(p, k.model, m, chain, n, mapping_base[k.model]);
		}
		free(chain);

		uint64_t period = m->requested_hz ? 1000000000ull / m->requested_hz : 0;
		pb_mark sm = pb_begin(&p->main, PROFILE_SAMPLE);
		pb_mark lm = pb_begin(&p->main, SAMPLE_LOCATION_ID);
		for (uint32_t i = 0; i < nlocs; i++)
			pb_raw_varint(&p->main, locs[i]);
		pb_end(&p->main, lm);
		free(locs);
		pb_mark vm = pb_begin(&p->main, SAMPLE_VALUE);
		pb_raw_varint(&p->main, counts[ki]);
		pb_raw_varint(&p->main, counts[ki] * period);
		pb_end(&p->main, vm);
		if (!merge) {
			const char *tname = "?";
			for (size_t ti = 0; ti < m->nthreads; ti++)
				if (m->threads[ti].tid == k.tid && m->threads[ti].name)
					tname = m->threads[ti].name;
			label_str(p, "thread", tname);
			label_num(p, "tid", k.tid);
		}
		if (nmodels > 1)
			label_num(p, "pid", m->pid);
		pb_end(&p->main, sm);
	}
	strtab_free(&keys);
	free(counts);
	return 0;
fail:
	p->failed = true;
	strtab_free(&keys);
	free(counts);
	return -1;
}

static void add_mappings(struct pp *p, struct profile_model *const *models, size_t nmodels,
                         uint64_t *mapping_base)
{
	uint64_t next = 0;
	for (size_t mi = 0; mi < nmodels; mi++) {
		const struct profile_model *m = models[mi];
		mapping_base[mi] = next;
		for (size_t i = 0; i < m->nimages; i++) {
			const struct model_image *im = &m->images[i];
			pb_mark mk = pb_begin(&p->main, PROFILE_MAPPING);
			pb_varint(&p->main, MAPPING_ID, next + i + 1);
			pb_varint(&p->main, MAPPING_START, im->start);
			pb_varint(&p->main, MAPPING_LIMIT, im->start + im->size);
			pb_varint(&p->main, MAPPING_OFFSET, 0);
			pb_varint_nz(&p->main, MAPPING_FILENAME, str(p, im->path));
			pb_varint_nz(&p->main, MAPPING_BUILD_ID, str(p, im->code_id));
			pb_varint(&p->main, MAPPING_HAS_FUNCTIONS, 1);
			pb_varint(&p->main, MAPPING_HAS_FILENAMES, 1);
			pb_varint(&p->main, MAPPING_HAS_LINE_NUMBERS, 1);
			pb_varint(&p->main, MAPPING_HAS_INLINE_FRAMES, 1);
			pb_end(&p->main, mk);
		}
		next += m->nimages;
	}
}

static int gzip_out(FILE *out, const struct pb *parts[], size_t nparts)
{
	z_stream z = {0};
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK) {
		sprof_error("cannot start gzip compression");
		return -1;
	}
	unsigned char buf[65536];
	int rc = 0;
	for (size_t i = 0; i < nparts && rc == 0; i++) {
		const uint8_t *data = parts[i]->buf;
		size_t left = parts[i]->len;
		int flush;
		do {
			uInt chunk = left > (1u << 30) ? (1u << 30) : (uInt)left;
			z.next_in = (Bytef *)(uintptr_t)data;
			z.avail_in = chunk;
			data += chunk;
			left -= chunk;
			flush = (i + 1 == nparts && left == 0) ? Z_FINISH : Z_NO_FLUSH;
			do {
				z.next_out = buf;
				z.avail_out = sizeof buf;
				int zr = deflate(&z, flush);
				if (zr == Z_STREAM_ERROR) {
					sprof_error("gzip compression failed");
					rc = -1;
					break;
				}
				size_t have = sizeof buf - z.avail_out;
				if (have && fwrite(buf, 1, have, out) != have) {
					sprof_error("cannot write the pprof output");
					rc = -1;
					break;
				}
			} while (z.avail_out == 0);
		} while (rc == 0 && left > 0);
	}
	deflateEnd(&z);
	return rc;
}

static int write_pprof(struct profile_model *const *models, size_t nmodels,
                       const struct convert_options *opt, FILE *out)
{
	struct pp p = {0};
	struct pb strings = {0};
	int rc = 1;
	uint64_t *mapping_base = calloc(nmodels ? nmodels : 1, sizeof *mapping_base);
	if (!mapping_base)
		goto done;
	str(&p, "");                            /* string_table[0] must be "" */

	bool wall = nmodels && models[0]->mode == RAW_MODE_WALL;
	value_type(&p, PROFILE_SAMPLE_TYPE, "samples", "count");
	value_type(&p, PROFILE_SAMPLE_TYPE, wall ? "wall" : "cpu", "nanoseconds");
	value_type(&p, PROFILE_PERIOD_TYPE, wall ? "wall" : "cpu", "nanoseconds");
	uint32_t hz = nmodels ? models[0]->requested_hz : 0;
	pb_varint_nz(&p.main, PROFILE_PERIOD, hz ? 1000000000ull / hz : 0);

	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (size_t i = 0; i < nmodels; i++) {
		const struct profile_model *m = models[i];
		if (m->wall_start_ns < t0)
			t0 = m->wall_start_ns;
		if (m->wall_start_ns + m->duration_ns > t1)
			t1 = m->wall_start_ns + m->duration_ns;
		char comment[512];
		snprintf(comment, sizeof comment, "sprof %s: %.200s (pid %" PRIu32 ")",
		         PACKAGE_VERSION, m->exe ? m->exe : m->command ? m->command : "?", m->pid);
		pb_varint(&p.main, PROFILE_COMMENT, str(&p, comment));
	}
	if (nmodels) {
		pb_varint_nz(&p.main, PROFILE_TIME_NANOS, t0);
		pb_varint_nz(&p.main, PROFILE_DURATION_NANOS, t1 - t0);
	}

	add_mappings(&p, models, nmodels, mapping_base);
	if (add_samples(&p, models, nmodels, opt->merge_threads, mapping_base) < 0 || p.failed)
		goto done;

	for (size_t i = 0; i < p.strings.n; i++)
		pb_bytes(&strings, PROFILE_STRING_TABLE, p.strings.strs[i], p.strings.lens[i]);
	if (p.main.failed || p.locs.failed || p.funcs.failed || strings.failed)
		goto done;
	const struct pb *parts[] = {&p.main, &p.locs, &p.funcs, &strings};
	rc = gzip_out(out, parts, 4) < 0 ? 2 : 0;
done:
	if (rc == 1)
		sprof_error("out of memory while writing the pprof profile");
	else if (rc == 2)
		rc = 1;
	free(mapping_base);
	pb_free(&p.main);
	pb_free(&p.locs);
	pb_free(&p.funcs);
	pb_free(&strings);
	strtab_free(&p.strings);
	strtab_free(&p.functions);
	strtab_free(&p.locations);
	return rc;
}

const struct output_format format_pprof = {
	.name = "pprof",
	.summary = "gzipped profile.proto for go tool pprof",
	.write = write_pprof,
};
