/* prog-shim-dump.c -- prints the facts the shim tests check about a raw file,
 * one "key value..." line each, read with the real reader (src/raw/reader.h):
 *   file cut C blocks N procs N
 *   proc PID samples N stat_samples N lost_full N lost_other N cpu_ns N
 *        millihz N ended 0|1 status N blocks N images N stacks N
 *   thread PID TID NAME SAMPLES
 *   depth PID MAX_DEPTH_SEEN TRUNCATED_SAMPLES
 *   image PID SEEN_US GONE_US|- LEAF_SAMPLES PATH
 *       (LEAF_SAMPLES: samples whose leaf pc was in the image at the time)
 * Thread names print as "?" when unknown; a name never has spaces here
 * because the test programs choose them. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raw/format.h"
#include "raw/reader.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: prog-shim-dump FILE\n");
		return 2;
	}
	struct raw_file rf;
	char err[256];
	if (raw_read_path(argv[1], &rf, err, sizeof err) != 0) {
		fprintf(stderr, "prog-shim-dump: %s\n", err);
		return 1;
	}
	printf("file cut %d blocks %zu procs %zu\n", rf.cut ? 1 : 0, rf.nblocks, rf.nprocs);
	if (rf.cut)
		printf("problem %s\n", rf.problem);
	for (size_t i = 0; i < rf.nprocs; i++) {
		const struct raw_process *p = &rf.procs[i];
		printf("proc %" PRIu32 " samples %zu stat_samples %" PRIu64 " lost_full %" PRIu64
		       " lost_other %" PRIu64 " cpu_ns %" PRIu64 " millihz %" PRIu64
		       " ended %d status %" PRIu32 " blocks %" PRIu32 " images %zu stacks %zu\n",
		       p->pid, p->nsamples, p->stat_samples, p->lost_full, p->lost_other, p->cpu_ns,
		       p->delivered_millihz, p->ended ? 1 : 0, p->end_status, p->nblocks, p->nimages,
		       p->nstacks);
		/* per-thread sample counts, named by the thread's last name */
		size_t cap = 64, n = 0;
		uint32_t *tids = calloc(cap, sizeof *tids);
		size_t *counts = calloc(cap, sizeof *counts);
		uint32_t maxd = 0;
		size_t trunc = 0;
		for (size_t j = 0; j < p->nsamples; j++) {
			const struct raw_sample *s = &p->samples[j];
			size_t k = 0;
			while (k < n && tids[k] != s->tid)
				k++;
			if (k == n) {
				if (n == cap) {
					cap *= 2;
					tids = realloc(tids, cap * sizeof *tids);
					counts = realloc(counts, cap * sizeof *counts);
				}
				tids[n] = s->tid;
				counts[n++] = 0;
			}
			counts[k]++;
			if (p->stacks[s->stack].depth > maxd)
				maxd = p->stacks[s->stack].depth;
			if (s->state & RAW_STATE_TRUNCATED)
				trunc++;
		}
		for (size_t k = 0; k < n; k++) {
			const char *name = raw_thread_name_at(p, tids[k], UINT64_MAX);
			printf("thread %" PRIu32 " %" PRIu32 " %s %zu\n", p->pid, tids[k],
			       name ? name : "?", counts[k]);
		}
		printf("depth %" PRIu32 " %" PRIu32 " %zu\n", p->pid, maxd, trunc);
		size_t *hits = calloc(p->nimages + 1, sizeof *hits);
		for (size_t j = 0; j < p->nsamples; j++) {
			const struct raw_sample *s = &p->samples[j];
			const struct raw_stack *st = &p->stacks[s->stack];
			const struct raw_image *im =
				st->depth ? raw_image_for(p, st->pcs[0], s->t_us) : NULL;
			if (im)
				hits[im - p->images]++;
		}
		for (size_t k = 0; k < p->nimages; k++) {
			const struct raw_image *im = &p->images[k];
			char gone[32] = "-";
			if (im->gone_us != UINT64_MAX)
				snprintf(gone, sizeof gone, "%" PRIu64, im->gone_us);
			printf("image %" PRIu32 " %" PRIu64 " %s %zu %s\n", p->pid, im->seen_us, gone,
			       hits[k], im->path);
		}
		free(hits);
		free(tids);
		free(counts);
	}
	raw_file_free(&rf);
	return 0;
}
