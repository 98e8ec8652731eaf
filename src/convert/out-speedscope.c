/* out-speedscope.c -- the "speedscope" format: speedscope's own file format
 * (https://www.speedscope.app/file-format-schema.json), to open in
 * https://www.speedscope.app or the `speedscope` command.
 *
 * Layout: shared.frames holds one frame per (function, source file), so a
 * function is one box however many lines of it were sampled; its "line" is
 * the lowest line sampled in it (an approximation of where it starts, which
 * the model does not know).  Then one "sampled" profile per thread in tid
 * order (one per process with --merge-threads), whose samples are frame-index
 * lists ROOT FIRST in time order, each weighted by the sampling period in
 * nanoseconds (unit "none" and weight 1 when the rate is unknown).
 * activeProfileIndex points at the busiest profile.
 *
 * The document is streamed rather than built as one cJSON tree: a profile
 * of a million samples would otherwise cost gigabytes of cJSON nodes.  Names
 * go through json.c's escaper, the one every JSON writer uses, so no bytes in
 * them (control characters, invalid UTF-8) can break the JSON. */
#include "config.h"
#include "convert/folded.h"
#include "convert/json.h"
#include "convert/model.h"
#include "convert/strtab.h"
#include "sprof.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCHEMA_URL "https://www.speedscope.app/file-format-schema.json"

struct ss {
	FILE *out;
	struct strtab frames;           /* "name\0file" -> shared frame index */
	uint32_t *lines;                /* by shared frame: lowest line, 0 unknown */
	size_t lines_room;
	uint32_t **frame_map;           /* per model: model frame -> shared index */
};

static const char *frame_file(const struct model_frame *fr)
{
	return fr->abs_path ? fr->abs_path : fr->filename ? fr->filename : "";
}

static int map_frames(struct ss *s, struct profile_model *const *models, size_t nmodels)
{
	for (size_t mi = 0; mi < nmodels; mi++) {
		const struct profile_model *m = models[mi];
		s->frame_map[mi] = malloc((m->nframes ? m->nframes : 1) * sizeof(uint32_t));
		if (!s->frame_map[mi])
			return -1;
		for (size_t fi = 0; fi < m->nframes; fi++) {
			char buf[FRAME_NAME_MAX];
			const char *name = frame_name(m, (uint32_t)fi, buf);
			const char *file = frame_file(&m->frames[fi]);
			size_t nl = strlen(name), fl = strlen(file);
			char *key = malloc(nl + fl + 2);
			if (!key)
				return -1;
			memcpy(key, name, nl + 1);
			memcpy(key + nl + 1, file, fl + 1);
			uint32_t id = strtab_intern(&s->frames, key, nl + fl + 2);
			free(key);
			if (id == STRTAB_NONE)
				return -1;
			if (id >= s->lines_room) {
				size_t room = s->lines_room ? s->lines_room * 2 : 256;
				uint32_t *l = realloc(s->lines, room * sizeof *l);
				if (!l)
					return -1;
				memset(l + s->lines_room, 0, (room - s->lines_room) * sizeof *l);
				s->lines = l;
				s->lines_room = room;
			}
			uint32_t line = m->frames[fi].lineno;
			if (line && (!s->lines[id] || line < s->lines[id]))
				s->lines[id] = line;
			s->frame_map[mi][fi] = id;
		}
	}
	return 0;
}

struct ref {                            /* a sample, for grouping by thread */
	uint32_t tid;
	uint32_t idx;
};

static int cmp_ref(const void *pa, const void *pb)
{
	const struct ref *a = pa, *b = pb;
	if (a->tid != b->tid)
		return a->tid < b->tid ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Writes one profile from refs[0..n) of model mi.  Returns false on OOM. */
static bool write_profile(struct ss *s, struct profile_model *const *models, size_t mi,
                          size_t nmodels, const struct ref *refs, size_t n, bool whole)
{
	const struct profile_model *m = models[mi];
	FILE *out = s->out;
	uint64_t weight = m->requested_hz ? 1000000000ull / m->requested_hz : 1;
	char name[600];
	int len = 0;
	if (nmodels > 1 || whole)
		len = snprintf(name, sizeof name, "%.200s (pid %" PRIu32 ")%s",
		               m->command ? m->command : "?", m->pid, whole ? "" : ": ");
	if (!whole) {
		const char *tname = "?";
		for (size_t ti = 0; ti < m->nthreads; ti++)
			if (m->threads[ti].tid == refs[0].tid && m->threads[ti].name)
				tname = m->threads[ti].name;
		snprintf(name + len, sizeof name - (size_t)len, "%.200s (tid %" PRIu32 ")", tname,
		         refs[0].tid);
	}
	fputs("{\"type\":\"sampled\",\"name\":", out);
	json_put_string(out, name);
	fprintf(out, ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":%" PRIu64 ",\"samples\":[",
	        m->requested_hz ? "nanoseconds" : "none", weight * n);
	for (size_t i = 0; i < n; i++) {
		const struct model_stack *st = &m->stacks[m->samples[refs[i].idx].stack];
		fputs(i ? ",[" : "[", out);
		bool first = true;
		for (uint32_t d = st->nframes; d-- > 0;) {
			if (st->frames[d] >= m->nframes)
				continue;
			fprintf(out, first ? "%" PRIu32 : ",%" PRIu32, s->frame_map[mi][st->frames[d]]);
			first = false;
		}
		fputc(']', out);
	}
	fputs("],\"weights\":[", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, i ? ",%" PRIu64 : "%" PRIu64, weight);
	fputs("]}", out);
	return true;
}

static int write_speedscope(struct profile_model *const *models, size_t nmodels,
                            const struct convert_options *opt, FILE *out)
{
	struct ss s = {.out = out};
	struct ref *refs = NULL;
	int rc = 1;
	s.frame_map = calloc(nmodels ? nmodels : 1, sizeof *s.frame_map);
	if (!s.frame_map || map_frames(&s, models, nmodels) < 0)
		goto oom;

	fputs("{\"$schema\":\"" SCHEMA_URL "\",\"exporter\":\"sprof " PACKAGE_VERSION "\",\"name\":", out);
	char title[300];
	if (nmodels)
		snprintf(title, sizeof title, "%.200s (pid %" PRIu32 ")",
		         models[0]->command ? models[0]->command : "?", models[0]->pid);
	json_put_string(out, nmodels ? title : "sprof");
	fputs(",\"shared\":{\"frames\":[", out);
	for (size_t i = 0; i < s.frames.n; i++) {
		const char *name = s.frames.strs[i];
		const char *file = name + strlen(name) + 1;
		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		json_put_string(out, name);
		if (*file) {
			fputs(",\"file\":", out);
			json_put_string(out, file);
		}
		if (s.lines[i])
			fprintf(out, ",\"line\":%" PRIu32, s.lines[i]);
		fputc('}', out);
	}
	fputs("]},\"profiles\":[", out);

	size_t nprofiles = 0, active = 0, active_n = 0;
	for (size_t mi = 0; mi < nmodels; mi++) {
		const struct profile_model *m = models[mi];
		free(refs);
		refs = malloc((m->nsamples ? m->nsamples : 1) * sizeof *refs);
		if (!refs)
			goto oom;
		size_t n = 0;
		for (size_t i = 0; i < m->nsamples; i++)
			if (m->samples[i].stack < m->nstacks)
				refs[n++] = (struct ref){opt->merge_threads ? 0 : m->samples[i].tid, (uint32_t)i};
		qsort(refs, n, sizeof *refs, cmp_ref);
		for (size_t a = 0; a < n;) {
			size_t b = a;
			while (b < n && refs[b].tid == refs[a].tid)
				b++;
			if (nprofiles++)
				fputc(',', out);
			if (!write_profile(&s, models, mi, nmodels, refs + a, b - a, opt->merge_threads))
				goto oom;
			if (b - a > active_n) {
				active_n = b - a;
				active = nprofiles - 1;
			}
			a = b;
		}
	}
	fprintf(out, "],\"activeProfileIndex\":%zu}\n", active);
	rc = 0;
	goto done;
oom:
	sprof_error("out of memory while writing the speedscope profile");
done:
	free(refs);
	if (s.frame_map)
		for (size_t i = 0; i < nmodels; i++)
			free(s.frame_map[i]);
	free(s.frame_map);
	free(s.lines);
	strtab_free(&s.frames);
	return rc;
}

const struct output_format format_speedscope = {
	.name = "speedscope",
	.summary = "speedscope JSON, one sampled profile per thread",
	.write = write_speedscope,
};
