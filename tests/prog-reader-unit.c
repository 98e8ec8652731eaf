/* prog-reader-unit.c -- unit test of the reader API (src/raw/reader.h) on
 * hand-built raw files: the cases a real shim rarely produces but a reader
 * must get right -- thread renames, dlclose()d images, records out of time
 * order, and blocks that break the rules (stack ids out of order, samples
 * naming undefined stacks, lying counts), which must be rejected whole,
 * leaving everything before them intact. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "raw/format.h"
#include "raw/reader.h"

static int failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

struct buf {
	uint8_t p[1 << 16];
	size_t len;
};

static void v(struct buf *b, uint64_t x)
{
	b->len += raw_put_varint(b->p + b->len, x);
}

static void str(struct buf *b, const char *s)
{
	v(b, strlen(s));
	memcpy(b->p + b->len, s, strlen(s));
	b->len += strlen(s);
}

/* Appends a record of type t whose body is the varints/strings in fmt:
 * 'v' a uint64_t, 's' a string. */
static void rec(struct buf *pl, int t, const char *fmt, ...)
{
	struct buf body = { .len = 0 };
	va_list ap;
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++) {
		if (*f == 'v')
			v(&body, va_arg(ap, uint64_t));
		else
			str(&body, va_arg(ap, const char *));
	}
	va_end(ap);
	pl->p[pl->len++] = (uint8_t)t;
	v(pl, body.len);
	memcpy(pl->p + pl->len, body.p, body.len);
	pl->len += body.len;
}

static void le32(uint8_t *p, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

static void file_header(struct buf *f)
{
	memcpy(f->p, RAW_MAGIC, 8);
	memset(f->p + 8, 0, 8);
	f->p[8] = RAW_VERSION_MAJOR;
	f->p[12] = RAW_FILE_HEADER_SIZE;
	f->len = RAW_FILE_HEADER_SIZE;
}

/* Appends payload pl as a stored block of pid/seq to f, and empties pl. */
static void block(struct buf *f, uint32_t pid, uint32_t seq, struct buf *pl)
{
	uint8_t *h = f->p + f->len;
	le32(h, RAW_BLOCK_MAGIC);
	le32(h + 4, pid);
	le32(h + 8, seq);
	le32(h + 12, 0);
	le32(h + 16, (uint32_t)pl->len);
	le32(h + 20, (uint32_t)pl->len);
	le32(h + 24, (uint32_t)crc32(0, pl->p, (uInt)pl->len));
	le32(h + 28, 0);
	le32(h + 32, (uint32_t)crc32(0, h, 32));
	memcpy(h + 36, pl->p, pl->len);
	f->len += 36 + pl->len;
	pl->len = 0;
}

#define U(x) ((uint64_t)(x))

static void process_rec(struct buf *pl, uint32_t pid)
{
	rec(pl, REC_PROCESS, "vvvvvvvsssssvs", U(pid), U(1), U(1000000000), U(0), U(99),
	    U(RAW_MODE_CPU), U(64), "test", "/bin/x", "x86_64", "Linux", "6", U(1), "x");
}

static int read_buf(struct buf *f, struct raw_file *rf)
{
	char err[256] = "";
	int rc = raw_read_buffer(f->p, f->len, rf, err, sizeof err);
	if (rc)
		fprintf(stderr, "read failed: %s\n", err);
	return rc;
}

static void test_names_images_order(void)
{
	static struct buf f, pl;
	file_header(&f);
	process_rec(&pl, 7);
	rec(&pl, REC_THREAD, "vvs", U(7), U(0), "main");
	rec(&pl, REC_THREAD, "vvs", U(8), U(100), "pool");
	rec(&pl, REC_THREAD, "vvs", U(8), U(500), "pool-renamed");
	rec(&pl, REC_IMAGE, "vvvvvs", U(0x1000), U(0x1000), U(0x1000), U(0), U(0), "/bin/x");
	rec(&pl, REC_IMAGE, "vvvvvs", U(0x8000), U(0x1000), U(0x8000), U(200), U(0), "/lib/a.so");
	rec(&pl, REC_STACK, "vvvv", U(0), U(2), U(0x1010), raw_zigzag(0x10));
	rec(&pl, REC_STACK, "vvv", U(1), U(1), U(0x8010));
	/* two records, each in order, interleaved in time */
	rec(&pl, REC_SAMPLES, "vvvvvvvvv", U(2), U(7), U(100), U(0), U(0), U(7), U(200), U(0), U(0));
	rec(&pl, REC_SAMPLES, "vvvvvvvvv", U(2), U(8), U(150), U(1), U(0), U(8), U(300), U(1), U(2));
	block(&f, 7, 0, &pl);
	rec(&pl, REC_IMAGE_GONE, "vv", U(0x8000), U(600));
	rec(&pl, REC_IMAGE, "vvvvvs", U(0x8000), U(0x2000), U(0x8000), U(700), U(0), "/lib/b.so");
	rec(&pl, REC_STATS, "vvvvv", U(4), U(1), U(2), U(4000000), U(800));
	rec(&pl, REC_END, "vvv", U(900), U(RAW_END_EXIT), U(3));
	block(&f, 7, 1, &pl);

	struct raw_file rf;
	if (read_buf(&f, &rf)) {
		failures++;
		return;
	}
	CHECK(!rf.cut);
	CHECK(rf.nprocs == 1 && rf.nblocks == 2);
	const struct raw_process *p = &rf.procs[0];
	CHECK(p->have_header && p->pid == 7 && p->ppid == 1 && p->requested_hz == 99);
	CHECK(p->argc == 1 && !strcmp(p->argv[0], "x") && !strcmp(p->exe, "/bin/x"));
	CHECK(p->nstacks == 2 && p->stacks[0].depth == 2 && p->stacks[0].pcs[0] == 0x1010 &&
	      p->stacks[0].pcs[1] == 0x1020);
	/* sorted by time: 100 (7), 150 (8), 300 (7), 450 (8) */
	CHECK(p->nsamples == 4);
	if (p->nsamples == 4) {
		CHECK(p->samples[0].t_us == 100 && p->samples[0].tid == 7);
		CHECK(p->samples[1].t_us == 150 && p->samples[1].tid == 8 && p->samples[1].stack == 1);
		CHECK(p->samples[2].t_us == 300 && p->samples[2].tid == 7);
		CHECK(p->samples[3].t_us == 450 && p->samples[3].state == 2);
	}
	CHECK(!strcmp(raw_thread_name_at(p, 8, 100), "pool"));
	CHECK(!strcmp(raw_thread_name_at(p, 8, 499), "pool"));
	CHECK(!strcmp(raw_thread_name_at(p, 8, 500), "pool-renamed"));
	CHECK(!strcmp(raw_thread_name_at(p, 8, 50), "pool"));      /* before: its first */
	CHECK(!strcmp(raw_thread_name_at(p, 7, 1000000), "main"));
	CHECK(raw_thread_name_at(p, 9, 100) == NULL);
	const struct raw_image *im = raw_image_for(p, 0x1010, 100);
	CHECK(im && !strcmp(im->path, "/bin/x"));
	im = raw_image_for(p, 0x8010, 300);
	CHECK(im && !strcmp(im->path, "/lib/a.so"));
	im = raw_image_for(p, 0x8010, 650);    /* a.so gone, b.so not yet there */
	CHECK(im && !strcmp(im->path, "/lib/b.so"));
	im = raw_image_for(p, 0x9010, 300);    /* only b.so spans it, seen later */
	CHECK(im && !strcmp(im->path, "/lib/b.so"));
	im = raw_image_for(p, 0x8010, 800);
	CHECK(im && !strcmp(im->path, "/lib/b.so"));
	CHECK(raw_image_for(p, 0x5000, 100) == NULL);
	CHECK(p->stat_samples == 4 && p->lost_full == 1 && p->lost_other == 2 && p->cpu_ns == 4000000);
	CHECK(p->ended && p->end_status == 3 && p->end_us == 900);
	CHECK(p->images[1].gone_us == 600 && p->images[0].gone_us == UINT64_MAX);
	raw_file_free(&rf);
}

/* A good block, then bad block BAD (built by the callback), then a good
 * block: the read keeps exactly the first one. */
static void expect_rejected(const char *what, void (*bad)(struct buf *pl), const char *problem)
{
	static struct buf f, pl;
	file_header(&f);
	process_rec(&pl, 7);
	rec(&pl, REC_THREAD, "vvs", U(7), U(0), "main");
	rec(&pl, REC_IMAGE, "vvvvvs", U(0x1000), U(0x1000), U(0x1000), U(0), U(0), "/bin/x");
	rec(&pl, REC_STACK, "vvv", U(0), U(1), U(0x1010));
	rec(&pl, REC_SAMPLES, "vvvvv", U(1), U(7), U(100), U(0), U(0));
	block(&f, 7, 0, &pl);
	/* the bad block first adds things that must all be rolled back */
	rec(&pl, REC_THREAD, "vvs", U(9), U(0), "rolled-back");
	rec(&pl, REC_IMAGE, "vvvvvs", U(0x9000), U(0x1000), U(0x9000), U(0), U(0), "/rolled/back");
	rec(&pl, REC_IMAGE_GONE, "vv", U(0x1000), U(150));
	rec(&pl, REC_STACK, "vvv", U(1), U(1), U(0x1020));
	rec(&pl, REC_SAMPLES, "vvvvv", U(1), U(7), U(200), U(1), U(0));
	rec(&pl, REC_STATS, "vvvvv", U(2), U(0), U(0), U(1), U(1));
	bad(&pl);
	block(&f, 7, 1, &pl);
	rec(&pl, REC_SAMPLES, "vvvvv", U(1), U(7), U(300), U(0), U(0));
	block(&f, 7, 2, &pl);

	struct raw_file rf;
	if (read_buf(&f, &rf)) {
		failures++;
		return;
	}
	const struct raw_process *p = &rf.procs[0];
	if (!rf.cut || rf.nblocks != 1 || p->nsamples != 1 || p->nstacks != 1 ||
	    p->nthread_names != 1 || p->nimages != 1 || p->images[0].gone_us != UINT64_MAX ||
	    p->stat_samples != 0 || !strstr(rf.problem, "block 2 at offset") ||
	    !strstr(rf.problem, problem)) {
		fprintf(stderr, "FAIL %s: cut=%d blocks=%zu samples=%zu stacks=%zu problem '%s'\n",
		        what, rf.cut, rf.nblocks, p->nsamples, p->nstacks, rf.problem);
		failures++;
	}
	raw_file_free(&rf);
}

static void bad_stack_order(struct buf *pl)
{
	rec(pl, REC_STACK, "vvv", U(5), U(1), U(0x1030));
}

static void bad_undefined_stack(struct buf *pl)
{
	rec(pl, REC_SAMPLES, "vvvvv", U(1), U(7), U(100), U(9), U(0));
}

static void bad_count(struct buf *pl)
{
	rec(pl, REC_SAMPLES, "vvvvv", U(1000000000), U(7), U(100), U(0), U(0));
}

static void bad_depth(struct buf *pl)
{
	rec(pl, REC_STACK, "vvvvv", U(2), U(1025), U(1), U(2), U(3));
}

static void bad_record_length(struct buf *pl)
{
	pl->p[pl->len++] = REC_THREAD;
	v(pl, 200);     /* longer than what follows */
	pl->p[pl->len++] = 1;
}

static void bad_varint(struct buf *pl)
{
	pl->p[pl->len++] = REC_STATS;
	v(pl, 11);
	memset(pl->p + pl->len, 0xff, 11);
	pl->len += 11;
}

static void bad_second_process(struct buf *pl)
{
	process_rec(pl, 7);
}

static void bad_string(struct buf *pl)
{
	pl->p[pl->len++] = REC_THREAD;
	v(pl, 4);
	v(pl, 7);
	v(pl, 0);
	v(pl, 100);     /* string longer than the record */
	pl->p[pl->len++] = 'x';
}

static void test_versions_and_interleaving(void)
{
	static struct buf f, pl;
	/* several processes interleaved; a pid whose seq restarts at 0 after
	 * exec is a new process */
	file_header(&f);
	process_rec(&pl, 10);
	block(&f, 10, 0, &pl);
	process_rec(&pl, 11);
	block(&f, 11, 0, &pl);
	rec(&pl, REC_END, "vvv", U(5), U(RAW_END_EXEC), U(0));
	block(&f, 10, 1, &pl);
	process_rec(&pl, 10);
	block(&f, 10, 0, &pl);
	rec(&pl, 200, "vv", U(1), U(2));     /* unknown record type: skipped */
	block(&f, 11, 1, &pl);
	struct raw_file rf;
	if (read_buf(&f, &rf)) {
		failures++;
		return;
	}
	CHECK(!rf.cut && rf.nprocs == 3 && rf.nblocks == 5);
	if (rf.nprocs == 3) {
		CHECK(rf.procs[0].pid == 10 && rf.procs[0].nblocks == 2 && rf.procs[0].ended &&
		      rf.procs[0].end_how == RAW_END_EXEC);
		CHECK(rf.procs[1].pid == 11 && rf.procs[1].nblocks == 2);
		CHECK(rf.procs[2].pid == 10 && rf.procs[2].nblocks == 1 && !rf.procs[2].ended);
	}
	raw_file_free(&rf);

	/* newer minor: accepted; newer major: refused */
	char err[256];
	f.p[10] = 7;
	CHECK(raw_read_buffer(f.p, f.len, &rf, err, sizeof err) == 0);
	raw_file_free(&rf);
	f.p[8] = RAW_VERSION_MAJOR + 1;
	CHECK(raw_read_buffer(f.p, f.len, &rf, err, sizeof err) == -1 && strstr(err, "newer"));
	CHECK(raw_read_buffer(f.p, 0, &rf, err, sizeof err) == -1 && !strcmp(err, "empty file"));
	CHECK(raw_read_buffer((const uint8_t *)"SPROFRAX________", 16, &rf, err, sizeof err) == -1 &&
	      !strcmp(err, "not a sprof raw file"));
}

int main(void)
{
	test_names_images_order();
	expect_rejected("stack out of order", bad_stack_order, "out of order");
	expect_rejected("undefined stack", bad_undefined_stack, "undefined stack");
	expect_rejected("huge count", bad_count, "sample count");
	expect_rejected("deep stack", bad_depth, "depth");
	expect_rejected("record length", bad_record_length, "past the end");
	expect_rejected("long varint", bad_varint, "stats");
	expect_rejected("second process record", bad_second_process, "second process record");
	expect_rejected("long string", bad_string, "thread");
	test_versions_and_interleaving();
	if (failures)
		fprintf(stderr, "%d failures\n", failures);
	return failures ? 1 : 0;
}
