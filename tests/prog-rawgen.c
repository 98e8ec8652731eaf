/* prog-rawgen.c -- writes a synthetic raw file (format.h) with known
 * contents, so the reader and `sprof info` can be tested (and timed) without
 * depending on the shim's timing.  The blocks are built exactly as the shim
 * writes them: zlib payloads, crc'ed headers, a 16-byte file header.
 *
 * Usage: prog-rawgen OUT [samples N] [threads N] [stacks N] [procs N]
 *                        [per-block N] [no-end] [stored]
 *   samples    samples per process (default 1000)
 *   threads    threads per process, named "worker-K" (default 3)
 *   stacks     distinct stacks per process (default 50)
 *   procs      processes sharing the file, blocks interleaved (default 1)
 *   per-block  samples per block (default 4096)
 *   no-end     leave out the end record (a killed process)
 *   stored     store payloads uncompressed
 *
 * Each process: pid 1000+i, ppid 999, 1000 Hz, exits with status 7; sample k
 * is on thread pid+(k % threads) at t = 1000*(k+1) us, stack k % stacks.
 * Thread pid+j gets samples/threads (+1 for the first samples%threads). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "raw/format.h"

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void need(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 4096;
	b->p = realloc(b->p, b->cap);
	if (!b->p) {
		perror("realloc");
		exit(99);
	}
}

static void put_v(struct buf *b, uint64_t v)
{
	need(b, 10);
	b->len += raw_put_varint(b->p + b->len, v);
}

static void put_s(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	put_v(b, n);
	need(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void put_bytes(struct buf *b, const void *p, size_t n)
{
	need(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

/* Appends record type/body from rec to payload. */
static void put_rec(struct buf *payload, int type, struct buf *rec)
{
	need(payload, 1);
	payload->p[payload->len++] = (uint8_t)type;
	put_v(payload, rec->len);
	put_bytes(payload, rec->p, rec->len);
	rec->len = 0;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void write_block(FILE *f, uint32_t pid, uint32_t seq, struct buf *payload, bool stored)
{
	uint8_t h[RAW_BLOCK_HEADER_SIZE];
	uLongf zlen = compressBound(payload->len);
	uint8_t *z = malloc(zlen ? zlen : 1);
	const uint8_t *data = payload->p;
	uint32_t dlen = (uint32_t)payload->len;
	if (!stored) {
		if (compress2(z, &zlen, payload->p, payload->len, 1) != Z_OK) {
			fprintf(stderr, "compress failed\n");
			exit(99);
		}
		data = z;
		dlen = (uint32_t)zlen;
	}
	le32(h, RAW_BLOCK_MAGIC);
	le32(h + 4, pid);
	le32(h + 8, seq);
	le32(h + 12, stored ? 0 : RAW_BLOCK_ZLIB);
	le32(h + 16, (uint32_t)payload->len);
	le32(h + 20, dlen);
	le32(h + 24, (uint32_t)crc32(0, data, dlen));
	le32(h + 28, 0);
	le32(h + 32, (uint32_t)crc32(0, h, 32));
	if (fwrite(h, 1, sizeof h, f) != sizeof h || fwrite(data, 1, dlen, f) != dlen) {
		perror("write");
		exit(99);
	}
	free(z);
	payload->len = 0;
}

struct proc {
	uint32_t pid, seq;
	uint64_t next;          /* next sample index */
	bool done;
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: prog-rawgen OUT [samples N] [threads N] [stacks N] [procs N] [per-block N] [no-end] [stored]\n");
		return 99;
	}
	uint64_t nsamples = 1000, nthreads = 3, nstacks = 50, nprocs = 1, per_block = 4096;
	bool end = true, stored = false;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "no-end"))
			end = false;
		else if (!strcmp(argv[i], "stored"))
			stored = true;
		else if (i + 1 < argc) {
			uint64_t v = strtoull(argv[i + 1], NULL, 10);
			if (!strcmp(argv[i], "samples")) nsamples = v;
			else if (!strcmp(argv[i], "threads")) nthreads = v ? v : 1;
			else if (!strcmp(argv[i], "stacks")) nstacks = v ? v : 1;
			else if (!strcmp(argv[i], "procs")) nprocs = v ? v : 1;
			else if (!strcmp(argv[i], "per-block")) per_block = v ? v : 1;
			else {
				fprintf(stderr, "prog-rawgen: unknown '%s'\n", argv[i]);
				return 99;
			}
			i++;
		} else {
			fprintf(stderr, "prog-rawgen: unknown '%s'\n", argv[i]);
			return 99;
		}
	}
	FILE *f = fopen(argv[1], "wb");
	if (!f) {
		perror(argv[1]);
		return 99;
	}
	uint8_t fh[RAW_FILE_HEADER_SIZE] = "SPROFRAW";
	fh[8] = RAW_VERSION_MAJOR;
	fh[10] = RAW_VERSION_MINOR;
	fh[12] = RAW_FILE_HEADER_SIZE;
	fwrite(fh, 1, sizeof fh, f);

	struct buf payload = { 0 }, rec = { 0 };
	struct proc *procs = calloc(nprocs, sizeof *procs);
	for (uint64_t i = 0; i < nprocs; i++)
		procs[i].pid = (uint32_t)(1000 + i);
	const uint64_t base = 0x555555554000ull;
	uint64_t ndone = 0;
	/* round-robin: one block per process in turn, so blocks interleave */
	while (ndone < nprocs) {
		for (uint64_t i = 0; i < nprocs; i++) {
			struct proc *p = &procs[i];
			if (p->done)
				continue;
			if (p->seq == 0) {
				put_v(&rec, p->pid);
				put_v(&rec, 999);
				put_v(&rec, 1700000000000000000ull);
				put_v(&rec, 5000000000ull);
				put_v(&rec, 1000);
				put_v(&rec, RAW_MODE_CPU);
				put_v(&rec, 128);
				put_s(&rec, "synthetic");
				put_s(&rec, "/usr/bin/synthetic app");
				put_s(&rec, "x86_64");
				put_s(&rec, "Linux");
				put_s(&rec, "6.1.0-test");
				put_v(&rec, 3);
				put_s(&rec, "synthetic app");
				put_s(&rec, "--flag");
				put_s(&rec, "it's");
				put_s(&rec, "glibc");
				put_s(&rec, "2.36-test");
				put_rec(&payload, REC_PROCESS, &rec);
				static const uint8_t id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
				                                7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
				put_v(&rec, base);
				put_v(&rec, 0x10000);
				put_v(&rec, base);
				put_v(&rec, 0);
				put_v(&rec, sizeof id);
				put_bytes(&rec, id, sizeof id);
				put_s(&rec, "/usr/bin/synthetic app");
				put_rec(&payload, REC_IMAGE, &rec);
				put_v(&rec, 0x7f0000000000ull);
				put_v(&rec, 0x200000);
				put_v(&rec, 0x7f0000000000ull);
				put_v(&rec, 0);
				put_v(&rec, 0);
				put_s(&rec, "/lib/x86_64-linux-gnu/libc.so.6");
				put_rec(&payload, REC_IMAGE, &rec);
				for (uint64_t t = 0; t < nthreads; t++) {
					char name[32];
					snprintf(name, sizeof name, t ? "worker-%llu" : "main",
					         (unsigned long long)t);
					put_v(&rec, p->pid + t);
					put_v(&rec, 0);
					put_s(&rec, name);
					put_rec(&payload, REC_THREAD, &rec);
				}
				for (uint64_t s = 0; s < nstacks; s++) {
					uint64_t depth = 1 + s % 40;
					put_v(&rec, s);
					put_v(&rec, depth);
					uint64_t pc = base + 0x1000 + s * 16, prev = 0;
					for (uint64_t d = 0; d < depth; d++) {
						uint64_t cur = d == 0 ? pc : base + 0x2000 + d * 64 + (s % 3) * 8;
						if (d == 0)
							put_v(&rec, cur);
						else
							put_v(&rec, raw_zigzag((int64_t)(cur - prev)));
						prev = cur;
					}
					put_rec(&payload, REC_STACK, &rec);
				}
			}
			uint64_t n = nsamples - p->next;
			if (n > per_block)
				n = per_block;
			put_v(&rec, n);
			uint64_t t = 0;
			for (uint64_t k = p->next; k < p->next + n; k++) {
				uint64_t at = 1000 * (k + 1);
				put_v(&rec, p->pid + k % nthreads);
				put_v(&rec, at - t);
				put_v(&rec, k % nstacks);
				put_v(&rec, RAW_STATE_ONCPU);
				t = at;
			}
			put_rec(&payload, REC_SAMPLES, &rec);
			p->next += n;
			put_v(&rec, p->next);
			put_v(&rec, 2);
			put_v(&rec, 1);
			put_v(&rec, p->next * 1000000ull);    /* 1 ms CPU per sample */
			put_v(&rec, 1000 * p->next);
			put_rec(&payload, REC_STATS, &rec);
			put_v(&rec, 999500);
			put_v(&rec, 1000 * p->next);
			put_rec(&payload, REC_RATE, &rec);
			if (p->next >= nsamples) {
				if (end) {
					put_v(&rec, 1000 * (nsamples + 1));
					put_v(&rec, RAW_END_EXIT);
					put_v(&rec, 7);
					put_rec(&payload, REC_END, &rec);
				}
				p->done = true;
				ndone++;
			}
			write_block(f, p->pid, p->seq++, &payload, stored);
		}
	}
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 99;
	}
	free(procs);
	free(payload.p);
	free(rec.p);
	return 0;
}
