/* writer.c -- the "sprof-writer" thread: drains every thread's ring, turns
 * stacks into ids, and about once a second writes one compressed block to
 * the raw file with a single write(2), so a kill -9 loses at most a second.
 * At exit it writes the final block with REC_END.
 *
 * A block holds, in this order: REC_PROCESS and the images (first block
 * only), image and thread changes, the new stacks, one REC_SAMPLES with the
 * block's samples sorted by time (small µs deltas compress well), REC_STATS,
 * REC_RATE and, last, REC_END. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <zlib.h>

#include "raw/format.h"
#include "shim/buf.h"
#include "shim/images.h"
#include "shim/shim.h"
#include "shim/stacks.h"

#define BLOCK_NS 1000000000u            /* a block at least this often */
#define ZLIB_LEVEL 6                    /* a block a second: cheap at any level */
#define KEEP_RINGS 64                   /* slots below this keep their ring */
#define BOUNDED_WAIT_NS 1000000000u     /* longest wait for the final block in _exit */

struct sample {
	uint64_t t_ns;
	uint32_t tid;
	uint32_t stack;
	uint8_t state;
};

static int out_fd = -1;
static dev_t out_dev;
static ino_t out_ino;

static _Atomic int writer_cmd;          /* 0 run, 1 stop */
static _Atomic int writer_done;         /* the final block is written */
static int final_status;
int shim_end_how = RAW_END_EXIT;        /* crash.c: RAW_END_SIGNAL */
/* A failed or short write (disk full, file size limit, I/O error, file
 * gone) ends the writing for good: a later block could not name the stacks
 * the lost one defined, and after a torn block readers stop anyway.  The
 * part of a block that went out is truncated away, so the file keeps every
 * whole block before it and can take a last small one at exit (counters,
 * REC_WRITE_ERROR, REC_END) if the disk or the limit leaves room; samples
 * from then on are only counted (write_failed, below). */
static bool out_failed, out_torn;      /* torn: part of a block stayed */
static uint64_t lost_unwritten;         /* samples not written since, counted
					 * as lost_other in a last stats-only
					 * block at exit, if the file takes it */
static int write_errno;                 /* why it stopped */
static uint64_t fail_ns, fail_basis_ns; /* when, and the sampled time then */
static bool counted_after;              /* the samples not taken, counted */
static bool displaced_noted;
static uint32_t seq;
static struct buf meta, stacks_rec;     /* pending records for the next block */
static struct sample *samples;
static size_t nsamples, samples_cap;
static uint64_t stored_total, retired_lost_full, lost_oom;
static uint64_t last_check_us;

int shim_writer_open(void);
void shim_writer_atfork_child(void);
SHIM_HIDDEN bool shim_writer_thread_is_self(void);
SHIM_HIDDEN void shim_join_writer(void);

int shim_writer_open(void)
{
	out_fd = open(shim_cfg.output, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (out_fd < 0)
		return -1;
	struct stat st;
	if (fstat(out_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(out_fd);
		out_fd = -1;
		return -1;
	}
	out_dev = st.st_dev;
	out_ino = st.st_ino;
	return 0;
}

void shim_writer_atfork_child(void)
{
	/* the parent's buffers are the parent's to write */
	if (out_fd >= 0)
		close(out_fd);
	out_fd = -1;
}

/* Some programs close every descriptor they did not open (daemons, shells);
 * make sure the fd is still our file before writing, else reopen by name. */
static bool fd_still_ours(void)
{
	struct stat st;
	if (out_fd >= 0 && fstat(out_fd, &st) == 0 && st.st_dev == out_dev && st.st_ino == out_ino)
		return true;
	int fd = open(shim_cfg.output, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || st.st_dev != out_dev || st.st_ino != out_ino) {
		close(fd);
		return false;
	}
	out_fd = fd;            /* the old number is not ours any more: leave it */
	return true;
}

static uint64_t to_us(uint64_t mono_ns)
{
	return mono_ns > shim_mono_start_ns ? (mono_ns - shim_mono_start_ns) / 1000 : 0;
}

static void put_file_str(struct buf *b, const char *path, bool nul_list, uint64_t *count)
{
	char tmp[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, tmp, sizeof tmp) : -1;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		n = 0;
	if (!nul_list) {
		buf_str(b, tmp, (size_t)n);
		return;
	}
	uint64_t argc = 0;
	for (ssize_t i = 0; i < n; i++)
		if (tmp[i] == 0)
			argc++;
	if (n > 0 && tmp[n - 1] != 0)
		argc++;
	buf_varint(b, argc);
	for (ssize_t i = 0; i < n;) {
		size_t len = strnlen(tmp + i, (size_t)(n - i));
		buf_str(b, tmp + i, len);
		i += (ssize_t)len + 1;
	}
	if (count)
		*count = argc;
}

static void emit_process(struct buf *out)
{
	struct buf b = { 0 };
	struct utsname u;
	if (uname(&u) != 0)
		memset(&u, 0, sizeof u);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[n > 0 ? n : 0] = 0;
	const char *mech = shim_cfg.mode == RAW_MODE_WALL ? "wall-poll+sigqueue+blocking-wrappers"
							  : shim_perf_mechanism();
	buf_varint(&b, (uint64_t)shim_pid);
	buf_varint(&b, (uint64_t)getppid());
	buf_varint(&b, shim_wall_start_ns);
	buf_varint(&b, shim_mono_start_ns);
	buf_varint(&b, shim_cfg.hz);
	buf_varint(&b, shim_cfg.mode);
	buf_varint(&b, shim_cfg.max_depth);
	buf_str(&b, mech, strlen(mech));
	buf_str(&b, exe, strlen(exe));
	buf_str(&b, u.machine, strlen(u.machine));
	buf_str(&b, u.sysname, strlen(u.sysname));
	buf_str(&b, u.release, strlen(u.release));
	put_file_str(&b, "/proc/self/cmdline", true, NULL);
	/* "glibc 2.36": the libc this process really loaded, which may differ
	 * from the machine that converts the profile */
	char rt[64];
	size_t n_rt = confstr(_CS_GNU_LIBC_VERSION, rt, sizeof rt);
	const char *space = n_rt > 0 && n_rt <= sizeof rt ? strchr(rt, ' ') : NULL;
	if (space) {
		buf_str(&b, rt, (size_t)(space - rt));
		buf_str(&b, space + 1, strlen(space + 1));
	} else {
		buf_str(&b, "", 0);
		buf_str(&b, "", 0);
	}
	buf_record(out, REC_PROCESS, &b);
	buf_free(&b);
}

static void emit_thread(pid_t tid, uint64_t t_us, const char *name)
{
	struct buf b = { 0 };
	buf_varint(&b, (uint64_t)tid);
	buf_varint(&b, t_us);
	buf_str(&b, name, strlen(name));
	buf_record(&meta, REC_THREAD, &b);
	buf_free(&b);
}

/* REC_NOTE: something a reader of the profile should be told. */
static void emit_note(const char *text)
{
	struct buf b = { 0 };
	buf_varint(&b, to_us(shim_now_ns()));
	buf_str(&b, text, strlen(text));
	buf_record(&meta, REC_NOTE, &b);
	buf_free(&b);
}

/* Said once, when the sampler stopped because the program took the signal. */
static void note_displaced(void)
{
	if (displaced_noted || out_failed || !atomic_load(&shim_sigprof_displaced))
		return;
	displaced_noted = true;
	char text[200];
	snprintf(text, sizeof text,
		 "sampling stopped: the program %s signal %d "
		 "(sprof run --signal picks another)", shim_displaced_how, shim_cfg.signo);
	emit_note(text);
}

/* Stores a sample of the stack pcs[0..depth); returns the stack's id, or
 * -1 when out of memory. */
static int64_t add_sample(uint64_t t_ns, uint32_t tid, const uint64_t *pcs, uint32_t depth,
			  uint8_t state)
{
	bool added;
	int64_t id = stacks_intern(pcs, depth, &added);
	if (id < 0) {
		lost_oom++;
		return -1;
	}
	if (added) {
		struct buf b = { 0 };
		buf_varint(&b, (uint64_t)id);
		buf_varint(&b, depth);
		if (depth) {
			buf_varint(&b, pcs[0]);
			for (uint32_t i = 1; i < depth; i++)
				buf_varint(&b, raw_zigzag((int64_t)(pcs[i] - pcs[i - 1])));
		}
		buf_record(&stacks_rec, REC_STACK, &b);
		buf_free(&b);
	}
	if (nsamples == samples_cap) {
		size_t cap = samples_cap ? samples_cap * 2 : 4096;
		struct sample *ns = realloc(samples, cap * sizeof *ns);
		if (!ns) {
			lost_oom++;
			return id;
		}
		samples = ns;
		samples_cap = cap;
	}
	samples[nsamples++] = (struct sample){ t_ns, tid, (uint32_t)id, state };
	return id;
}

/* A sample naming a stack already interned (wall mode's repeats). */
static void add_sample_id(uint64_t t_ns, uint32_t tid, int64_t id, uint8_t state)
{
	if (id < 0) {
		atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
		return;
	}
	if (nsamples == samples_cap) {
		size_t cap = samples_cap ? samples_cap * 2 : 4096;
		struct sample *ns = realloc(samples, cap * sizeof *ns);
		if (!ns) {
			lost_oom++;
			return;
		}
		samples = ns;
		samples_cap = cap;
	}
	samples[nsamples++] = (struct sample){ t_ns, tid, (uint32_t)id, state };
}

/* The exit-status wrapper around main (interpose.c) is not the program's:
 * its frame is left out of every stack. */
extern const char __start_sprof_wrap[] __attribute__((visibility("hidden")));
extern const char __stop_sprof_wrap[] __attribute__((visibility("hidden")));

static uint32_t drop_shim_frames(uint64_t *pcs, uint32_t depth)
{
	uint64_t lo = (uint64_t)(uintptr_t)__start_sprof_wrap;
	uint64_t hi = (uint64_t)(uintptr_t)__stop_sprof_wrap;
	uint32_t n = depth ? 1 : 0;     /* never the leaf: that pc is real */
	for (uint32_t i = 1; i < depth; i++)
		if (!(pcs[i] > lo && pcs[i] <= hi))     /* return addresses */
			pcs[n++] = pcs[i];
	return n;
}

static void drain_ring(struct slot *s)
{
	uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
	size_t cap = s->ring_words;
	while (tail < head) {
		size_t idx = tail % cap;
		const struct ring_entry *e = (const struct ring_entry *)&s->ring[idx];
		if (cap - idx < RING_HDR_WORDS || e->words == 0) {
			tail += cap - idx;      /* wrap (see ring_reserve) */
			continue;
		}
		/* the ring is ours to edit until tail moves past the entry */
		uint64_t *pcs = &s->ring[idx + RING_HDR_WORDS];
		int64_t id = add_sample(e->t_ns, (uint32_t)s->tid, pcs,
					drop_shim_frames(pcs, e->depth), (uint8_t)e->state);
		/* the last two, for wall mode's "same stack as the last" */
		s->prev_stack = s->last_stack;
		s->prev_stack_ns = s->last_stack_ns;
		s->last_stack = id;
		s->last_stack_ns = e->t_ns;
		/* SYN_NEXT samples that waited for this one */
		uint32_t keep = 0;
		for (uint32_t k = 0; k < s->next_n; k++) {
			if (s->next_t[k] <= e->t_ns)
				add_sample_id(s->next_t[k], (uint32_t)s->tid, id, RAW_STATE_OFFCPU);
			else
				s->next_t[keep++] = s->next_t[k];
		}
		s->next_n = keep;
		tail += e->words;
	}
	atomic_store_explicit(&s->tail, tail, memory_order_release);
}

/* Keeps a SYN_NEXT time until the slot's next ring sample (drain_ring);
 * the oldest go, counted lost, when too many wait (a signal never came). */
static void next_wait(struct slot *s, uint64_t t_ns)
{
	if (s->next_n == s->next_cap) {
		uint32_t cap = s->next_cap ? s->next_cap * 2 : 64;
		uint64_t *nt = cap <= 65536 ? realloc(s->next_t, cap * sizeof *nt) : NULL;
		if (!nt) {
			atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
			return;
		}
		s->next_t = nt;
		s->next_cap = cap;
	}
	s->next_t[s->next_n++] = t_ns;
}

/* Wall mode: the sampler's off-CPU samples (sampler.c).  Run after the
 * rings were drained, so "the last sample" of a slot is known, and before
 * dead slots are freed, so the slot still describes the thread. */
static void drain_synth(void)
{
	if (!shim_synth_ring)
		return;
	uint64_t head = atomic_load_explicit(&shim_synth_head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&shim_synth_tail, memory_order_relaxed);
	size_t cap = shim_synth_words;
	while (tail < head) {
		size_t idx = tail % cap;
		struct synth *e = (struct synth *)&shim_synth_ring[idx];
		if (cap - idx < SYNTH_HDR_WORDS || e->words == 0) {
			tail += cap - idx;
			continue;
		}
		struct slot *s = e->slot < SHIM_MAX_SLOTS ? &shim_slots[e->slot] : NULL;
		int st = s ? atomic_load(&s->state) : SLOT_FREE;
		if (!s || (st != SLOT_LIVE && st != SLOT_DEAD) || s->tid != (pid_t)e->tid) {
			atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
		} else if (e->kind == SYN_STACK) {
			uint64_t *pcs = &shim_synth_ring[idx + SYNTH_HDR_WORDS];
			s->blk_stack = add_sample(e->t_ns, e->tid, pcs, drop_shim_frames(pcs, e->depth),
						  RAW_STATE_OFFCPU);
		} else if (e->kind == SYN_BLOCKED) {
			add_sample_id(e->t_ns, e->tid, s->blk_stack, RAW_STATE_OFFCPU);
		} else if (e->kind == SYN_NEXT) {
			/* the first ring sample at or after it, else wait for it */
			if (s->prev_stack >= 0 && s->prev_stack_ns >= e->t_ns)
				add_sample_id(e->t_ns, e->tid, s->prev_stack, RAW_STATE_OFFCPU);
			else if (s->last_stack >= 0 && s->last_stack_ns >= e->t_ns)
				add_sample_id(e->t_ns, e->tid, s->last_stack, RAW_STATE_OFFCPU);
			else
				next_wait(s, e->t_ns);
		} else {
			/* a ring sample newer than this one cannot be the stack it
			 * repeats: take the one before */
			int64_t id = s->last_stack_ns > e->t_ns ? s->prev_stack : s->last_stack;
			add_sample_id(e->t_ns, e->tid, id, RAW_STATE_OFFCPU);
		}
		tail += e->words;
	}
	atomic_store_explicit(&shim_synth_tail, tail, memory_order_release);
}

/* Held while the writer walks the loaded images: dl_iterate_phdr holds the
 * loader's lock meanwhile, and a fork then would leave it locked forever in
 * the child (glibc does not reset it), hanging the child's first
 * dl_iterate_phdr, ours or the program's.  fork waits for it (below).
 * Sampling handlers need no such care: they take no lock (unwind.c). */
static pthread_mutex_t images_fork_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_fork_prepare(void)
{
	pthread_mutex_lock(&images_fork_lock);
}

void shim_fork_parent(void)
{
	pthread_mutex_unlock(&images_fork_lock);
}

void shim_fork_child_locks(void)
{
	pthread_mutex_init(&images_fork_lock, NULL);
}

static void drain_all(void)
{
	uint64_t now = shim_now_ns();
	pthread_mutex_lock(&images_fork_lock);
	images_update(&meta, last_check_us, to_us(now));
	pthread_mutex_unlock(&images_fork_lock);
	last_check_us = to_us(now);
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		struct slot *s = &shim_slots[i];
		int st = atomic_load(&s->state);
		if (st != SLOT_LIVE && st != SLOT_DEAD)
			continue;
		if (!s->name_emitted) {
			emit_thread(s->tid, to_us(s->reg_ns), s->name);
			memcpy(s->emitted_name, s->name, sizeof s->name);
			s->name_emitted = true;
		}
		drain_ring(s);
	}
	drain_synth();
	for (uint32_t i = 0; i < hwm; i++) {
		struct slot *s = &shim_slots[i];
		int st = atomic_load(&s->state);
		/* a slot registered after the first pass saw it waits for the
		 * next drain, which records its name first */
		if (st != SLOT_DEAD || atomic_load(&s->in_handler) != 0 || !s->name_emitted)
			continue;
		/* DEAD and no handler inside: nothing more can arrive */
		drain_ring(s);
		atomic_fetch_add_explicit(&shim_lost_other, s->next_n, memory_order_relaxed);
		s->next_n = 0;
		retired_lost_full += atomic_load(&s->lost_full);
		if (i >= KEEP_RINGS && s->ring) {
			munmap(s->ring, s->ring_words * sizeof(uint64_t));
			s->ring = NULL;
		} else if (s->ring) {
			/* give back the pages a busy thread touched */
			madvise(s->ring, s->ring_words * sizeof(uint64_t), MADV_DONTNEED);
		}
		atomic_store(&s->state, SLOT_FREE);
	}
}

/* Threads rename themselves (pthread_setname_np) after they start; only a
 * thread that ran since the last look can have done so to itself.  Checked
 * at every drain, so that short-lived threads are caught with their name. */
static void check_renames(void)
{
	uint64_t now_us = to_us(shim_now_ns());
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		struct slot *s = &shim_slots[i];
		if (atomic_load(&s->state) != SLOT_LIVE || !s->name_emitted)
			continue;
		uint64_t cpu = atomic_load(&s->cpu_ns);
		if (cpu == s->name_check_cpu)
			continue;
		s->name_check_cpu = cpu;
		char name[SHIM_NAME_LEN];
		shim_read_comm(s->tid, name);
		if (name[0] && strcmp(name, s->emitted_name) != 0) {
			emit_thread(s->tid, now_us, name);
			memcpy(s->emitted_name, name, sizeof name);
		}
	}
}

static int cmp_sample(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;
	return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

/* One deflate stream for the writer's life, reset for each block: the same
 * bytes as compress2() at ZLIB_LEVEL, without allocating its ~270 KB of
 * state every block: freed, it went back to the kernel and was faulted in
 * again (~20 page faults a block).  Measured on the 2-core VM at 101 Hz:
 * ~240 -> ~140 us of writer CPU a block. */
static z_stream zs;
static bool zs_ready;

static bool deflate_block(uint8_t *dst, uLongf *dst_len, const uint8_t *src, size_t src_len)
{
	if (!zs_ready) {
		memset(&zs, 0, sizeof zs);
		if (deflateInit(&zs, ZLIB_LEVEL) != Z_OK)
			return false;
		zs_ready = true;
	} else if (deflateReset(&zs) != Z_OK) {
		return false;
	}
	zs.next_in = (Bytef *)src;
	zs.avail_in = (uInt)src_len;
	zs.next_out = dst;
	zs.avail_out = (uInt)*dst_len;
	/* dst holds compressBound(src_len): one call finishes the stream */
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		return false;
	*dst_len = zs.total_out;
	return true;
}

/* ---- a write that failed ------------------------------------------------- */

/* Samples the threads were due since writing stopped, which nobody takes
 * any more (the sampler stops its accounting too): an estimate from the
 * process's CPU time since in cpu mode, from the wall time since times the
 * threads alive now in wall mode. */
static uint64_t process_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t not_taken_since_failure(void)
{
	uint64_t span;
	if (shim_cfg.mode == RAW_MODE_WALL) {
		uint64_t live = 0;
		uint32_t hwm = atomic_load(&shim_slots_hwm);
		for (uint32_t i = 0; i < hwm; i++)
			live += atomic_load(&shim_slots[i].state) == SLOT_LIVE;
		span = (shim_now_ns() - fail_ns) * live;
	} else {
		uint64_t now = process_cpu_ns();
		span = now > fail_basis_ns ? now - fail_basis_ns : 0;
	}
	return (uint64_t)((unsigned __int128)span * shim_cfg.hz / 1000000000u);
}

/* One line on stderr when it happens: the run's summary comes only at the
 * end, and the program may run for hours more. */
static void say_write_failed(void)
{
	char line[PATH_MAX + 256], lost[64] = "";
	if (lost_unwritten)
		snprintf(lost, sizeof lost, ", %llu samples not written",
			 (unsigned long long)lost_unwritten);
	int n = snprintf(line, sizeof line,
			 "sprof: %s: %s; sampling stopped (pid %d)%s; the rest are counted in the file\n",
			 shim_cfg.output, strerror(write_errno), (int)shim_pid, lost);
	if (n > 0 && write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
		return;         /* no stderr: the record in the file is what remains */
}

/* Room for the last small block should the disk fill up: space allocated
 * past the end of the file (KEEP_SIZE: the size does not change, readers
 * see nothing), which the next blocks use first.  When it can no longer be
 * had, the disk is as good as full: writing stops there (ENOSPC), with the
 * room still held for the last block at exit.  A file size limit is known
 * in advance: past_size_limit keeps room below it. */
#define RESERVE_BYTES 8192

static void write_failed(ssize_t w, int e, off_t size, bool attempted);

static void keep_reserve(off_t end)
{
	static bool unsupported;
	if (unsupported || fallocate(out_fd, FALLOC_FL_KEEP_SIZE, end, RESERVE_BYTES) == 0)
		return;
	if (errno == ENOSPC)
		write_failed(-1, ENOSPC, end, false);
	else
		unsupported = true;     /* EOPNOTSUPP and the like: do without */
}

/* The same for a file size limit (ulimit -f): a block that would leave
 * less than this below it is not written (EFBIG), so the last one fits. */
#define LIMIT_ROOM 1024

static bool past_size_limit(off_t size, size_t total)
{
	struct rlimit fs;
	return size >= 0 && getrlimit(RLIMIT_FSIZE, &fs) == 0 && fs.rlim_cur != RLIM_INFINITY &&
	       (rlim_t)size + total + LIMIT_ROOM > fs.rlim_cur;
}

/* A block went out in part (w bytes) or not at all (w < 0, error e); the
 * file was size bytes before (attempted: a write was made and seq counted
 * it).  A short write says no errno: a file size limit reached is EFBIG,
 * else the disk is full.  The part that went out
 * is cut off again, when no other process appended since, so the file ends
 * on a whole block.  Writing stops for good (see out_failed). */
static void write_failed(ssize_t w, int e, off_t size, bool attempted)
{
	if (w >= 0) {
		struct rlimit fs;
		e = getrlimit(RLIMIT_FSIZE, &fs) == 0 && fs.rlim_cur != RLIM_INFINITY &&
		    size >= 0 && (rlim_t)size + (rlim_t)w >= fs.rlim_cur ? EFBIG : ENOSPC;
	}
	bool gone = w <= 0;
	struct stat st;
	if (w > 0 && size >= 0 && fstat(out_fd, &st) == 0 && st.st_size == size + w &&
	    ftruncate(out_fd, size) == 0)
		gone = true;
	if (gone && attempted)
		seq--;          /* the next block takes its number */
	out_torn = out_torn || !gone;
	if (out_failed)
		return;
	out_failed = true;
	write_errno = e ? e : EIO;
	fail_ns = shim_now_ns();
	fail_basis_ns = process_cpu_ns();
	/* nothing more can be kept: stop signalling the program's threads
	 * (the sampler's displaced mode keeps only its scans) */
	atomic_store(&shim_sigprof_displaced, 1);
}

static void write_block(bool first, bool end)
{
	bool failed_before = out_failed;
	uint64_t now = shim_now_ns();
	struct buf pay = { 0 }, b = { 0 };
	uint64_t stored = stored_total;
	if (out_failed) {
		/* only the counters and REC_END, which name no stack: the file
		 * stays consistent should the disk have room again at exit */
		lost_unwritten += nsamples;
		nsamples = 0;
		if (!end || out_torn)
			goto done;
		if (!counted_after) {
			lost_unwritten += not_taken_since_failure();
			counted_after = true;
		}
		first = seq == 0;       /* nothing of this process in the file yet */
		meta.len = stacks_rec.len = 0;
	}
	if (first)
		emit_process(&pay);
	buf_bytes(&pay, meta.p, meta.len);
	buf_bytes(&pay, stacks_rec.p, stacks_rec.len);
	if (nsamples) {
		qsort(samples, nsamples, sizeof *samples, cmp_sample);
		buf_varint(&b, nsamples);
		uint64_t prev = 0;
		for (size_t i = 0; i < nsamples; i++) {
			uint64_t t = to_us(samples[i].t_ns);
			buf_varint(&b, samples[i].tid);
			buf_varint(&b, t - prev);
			buf_varint(&b, samples[i].stack);
			buf_varint(&b, samples[i].state);
			prev = t;
		}
		buf_record(&pay, REC_SAMPLES, &b);
		buf_free(&b);
	}
	uint64_t lost_full = retired_lost_full,
		 lost_other = atomic_load(&shim_lost_other) + lost_oom + lost_unwritten +
			      atomic_load(&shim_synth_lost);
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		int st = atomic_load(&shim_slots[i].state);
		if (st == SLOT_LIVE || st == SLOT_DEAD) {
			lost_full += atomic_load(&shim_slots[i].lost_full);
		}
	}
	stored = stored_total + nsamples;
	uint64_t cpu = atomic_load(&shim_cpu_total_ns);
	if (out_failed && shim_cfg.mode != RAW_MODE_WALL) {
		/* the sampler stopped accounting: the CPU time since, for the
		 * rate of the samples counted */
		uint64_t pc = process_cpu_ns();
		cpu += pc > fail_basis_ns ? pc - fail_basis_ns : 0;
	}
	buf_varint(&b, stored);
	buf_varint(&b, lost_full);
	buf_varint(&b, lost_other);
	buf_varint(&b, cpu);
	buf_varint(&b, to_us(now));
	buf_record(&pay, REC_STATS, &b);
	buf_free(&b);
	/* per second of CPU time, or of each thread's wall time in wall mode */
	uint64_t per = shim_cfg.mode == RAW_MODE_WALL ? atomic_load(&shim_thread_wall_ns) : cpu;
	buf_varint(&b, per ? (uint64_t)((unsigned __int128)stored * 1000000000000u / per) : 0);
	buf_varint(&b, to_us(now));
	buf_record(&pay, REC_RATE, &b);
	buf_free(&b);
	if (out_failed) {
		buf_varint(&b, to_us(fail_ns));
		buf_varint(&b, (uint64_t)write_errno);
		buf_varint(&b, lost_unwritten);
		const char *text = strerror(write_errno);
		buf_str(&b, text, strlen(text));
		buf_record(&pay, REC_WRITE_ERROR, &b);
		buf_free(&b);
	}
	if (end) {
		buf_varint(&b, to_us(now));
		buf_varint(&b, (uint64_t)shim_end_how);
		buf_varint(&b, (uint64_t)(final_status & 0xff));
		buf_record(&pay, REC_END, &b);
		buf_free(&b);
	}
	if (pay.oom || pay.len > RAW_BLOCK_MAX_RAW)
		goto done;      /* cannot happen short of memory exhaustion: skip the block */

	uLong bound = compressBound((uLong)pay.len);
	uint8_t *blk = malloc(RAW_BLOCK_HEADER_SIZE + bound);
	if (!blk)
		goto done;
	uLongf zlen = bound;
	uint32_t flags = RAW_BLOCK_ZLIB;
	const uint8_t *stored_p = blk + RAW_BLOCK_HEADER_SIZE;
	size_t stored_len;
	if (deflate_block(blk + RAW_BLOCK_HEADER_SIZE, &zlen, pay.p, pay.len) && zlen < pay.len) {
		stored_len = zlen;
	} else {
		flags = 0;
		memcpy(blk + RAW_BLOCK_HEADER_SIZE, pay.p, pay.len);
		stored_len = pay.len;
	}
	uint32_t h[9] = {
		RAW_BLOCK_MAGIC, (uint32_t)shim_pid, seq, flags, (uint32_t)pay.len, (uint32_t)stored_len,
		(uint32_t)crc32(0, stored_p, (uInt)stored_len), 0, 0,
	};
	h[8] = (uint32_t)crc32(0, (const Bytef *)h, 32);
	memcpy(blk, h, sizeof h);       /* little-endian host: x86-64 only for now */
	size_t total = RAW_BLOCK_HEADER_SIZE + stored_len;
	ssize_t w = -1;
	struct stat before = { .st_size = -2 };        /* -2: no write made */
	int e = 0;
	if (fd_still_ours()) {
		if (fstat(out_fd, &before) != 0)
			before.st_size = -1;
		/* SIGXFSZ (file size limit) stays pending here: this thread
		 * blocks every signal, so the program never sees it */
		if (!end && past_size_limit(before.st_size, total))
			errno = EFBIG;
		else
			do
				w = write(out_fd, blk, total);
			while (w < 0 && errno == EINTR);
		e = errno;
		seq++;
		if (w == (ssize_t)total && before.st_size >= 0 && !out_failed && !end)
			keep_reserve(before.st_size + w);
	} else {
		e = errno ? errno : ENOENT;
	}
	free(blk);
	if (w == (ssize_t)total) {
		/* whole, but the reserve behind it could not be had
		 * (keep_reserve): from now on, only counted */
		if (!failed_before && out_failed)
			say_write_failed();
	} else {
		write_failed(w, e, before.st_size, before.st_size != -2);
		if (!failed_before) {
			lost_unwritten += nsamples;
			stored -= nsamples;
			say_write_failed();
			/* the last block: try the small one in what room is left */
			if (end && !out_torn) {
				nsamples = 0;
				stored_total = stored;
				buf_free(&pay);
				write_block(false, true);
				return;
			}
		}
	}
done:
	stored_total = stored;
	nsamples = 0;
	meta.len = 0;
	stacks_rec.len = 0;
	buf_free(&pay);
	if (samples_cap > 65536) {
		free(samples);
		samples = NULL;
		samples_cap = 0;
	}
}

/* ---- notes from program threads (renames, unprofiled children) ---------- */

struct note {
	pid_t tid;              /* 0: an unprofiled program */
	uint64_t t_ns;
	char name[SHIM_NAME_LEN];
	char *text;             /* "path\0reason" for an unprofiled program */
};
static pthread_mutex_t notes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct note *notes;
static size_t nnotes, notes_cap;
static bool process_emitted;
static bool defer_first;                /* a fork child (see shim_writer_main) */
static bool noted_unprofiled;

static void add_note(const struct note *n)
{
	pthread_mutex_lock(&notes_lock);
	if (nnotes == notes_cap) {
		size_t cap = notes_cap ? notes_cap * 2 : 16;
		struct note *nn = realloc(notes, cap * sizeof *nn);
		if (!nn) {
			pthread_mutex_unlock(&notes_lock);
			free(n->text);
			return;
		}
		notes = nn;
		notes_cap = cap;
	}
	notes[nnotes++] = *n;
	pthread_mutex_unlock(&notes_lock);
}

void shim_note_thread_name(pid_t tid, const char *name)
{
	struct note n = { .tid = tid, .t_ns = shim_now_ns() };
	snprintf(n.name, sizeof n.name, "%s", name);
	add_note(&n);
}

void shim_note_unprofiled(const char *path, const char *why)
{
	struct note n = { .tid = 0, .t_ns = shim_now_ns() };
	size_t lp = strlen(path), lw = strlen(why);
	n.text = malloc(lp + lw + 2);
	if (!n.text)
		return;
	memcpy(n.text, path, lp + 1);
	memcpy(n.text + lp + 1, why, lw + 1);
	add_note(&n);
}

/* Notes from vfork children, which share our memory: claimed with a
 * compare-and-swap, filled, then published; the writer empties them. */
#define VNOTES 16
static struct vnote {
	_Atomic int state;      /* 0 free, 1 being filled, 2 ready */
	uint64_t t_ns;
	char path[512], why[256];
} vnotes[VNOTES];

void shim_note_unprofiled_vfork(const char *path, const char *why)
{
	for (int i = 0; i < VNOTES; i++) {
		int expect = 0;
		if (!atomic_compare_exchange_strong(&vnotes[i].state, &expect, 1))
			continue;
		vnotes[i].t_ns = shim_now_ns();
		snprintf(vnotes[i].path, sizeof vnotes[i].path, "%s", path);
		snprintf(vnotes[i].why, sizeof vnotes[i].why, "%s", why);
		atomic_store(&vnotes[i].state, 2);
		return;
	}
}

static void take_vfork_notes(void)
{
	for (int i = 0; i < VNOTES; i++) {
		if (atomic_load(&vnotes[i].state) != 2)
			continue;
		shim_note_unprofiled(vnotes[i].path, vnotes[i].why);
		atomic_store(&vnotes[i].state, 0);
	}
}

/* Turns the notes into records.  A rename also becomes the slot's emitted
 * name, so check_renames does not record it a second time. */
static void take_notes(void)
{
	take_vfork_notes();
	pthread_mutex_lock(&notes_lock);
	struct note *list = notes;
	size_t n = nnotes;
	notes = NULL;
	nnotes = notes_cap = 0;
	pthread_mutex_unlock(&notes_lock);
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (size_t i = 0; i < n; i++) {
		struct note *e = &list[i];
		if (e->tid == 0) {
			struct buf b = { 0 };
			size_t lp = strlen(e->text);
			buf_varint(&b, to_us(e->t_ns));
			buf_str(&b, e->text, lp);
			buf_str(&b, e->text + lp + 1, strlen(e->text + lp + 1));
			buf_record(&meta, REC_UNPROFILED, &b);
			noted_unprofiled = true;
			buf_free(&b);
			free(e->text);
			continue;
		}
		emit_thread(e->tid, to_us(e->t_ns), e->name);
		for (uint32_t k = 0; k < hwm; k++) {
			struct slot *s = &shim_slots[k];
			int st = atomic_load(&s->state);
			if ((st == SLOT_LIVE || st == SLOT_DEAD) && s->tid == e->tid && s->name_emitted)
				memcpy(s->emitted_name, e->name, sizeof e->name);
		}
	}
	free(list);
}

/* A fork child starts over: the parent's pending data is the parent's.
 * Buffers are dropped without free(): the parent's writer may have been in
 * the middle of changing them when the fork happened. */
void shim_writer_reset_child(void)
{
	pthread_mutex_init(&notes_lock, NULL);
	notes = NULL;
	nnotes = notes_cap = 0;
	memset(&meta, 0, sizeof meta);
	memset(&stacks_rec, 0, sizeof stacks_rec);
	samples = NULL;
	nsamples = samples_cap = 0;
	zs_ready = false;       /* the parent's stream, dropped like the rest */
	seq = 0;
	stored_total = retired_lost_full = lost_oom = 0;
	last_check_us = 0;
	process_emitted = false;
	defer_first = true;
	noted_unprofiled = false;
	displaced_noted = false;        /* the child's file needs its own note */
	atomic_store(&writer_cmd, 0);
	atomic_store(&writer_done, 0);
	atomic_store(&shim_synth_head, 0);
	atomic_store(&shim_synth_tail, 0);
	atomic_store(&shim_synth_lost, 0);
	atomic_store(&shim_thread_wall_ns, 0);
	shim_end_how = RAW_END_EXIT;
	extern void stacks_reset_child(void);
	extern void images_reset_child(void);
	stacks_reset_child();
	images_reset_child();
}

/* After a failed exec: the same process goes on, in the same file. */
SHIM_HIDDEN void shim_writer_restart(void);
void shim_writer_restart(void)
{
	atomic_store(&writer_cmd, 0);
	atomic_store(&writer_done, 0);
	shim_end_how = RAW_END_EXIT;
}

void *shim_writer_main(void *arg)
{
	(void)arg;
	atomic_store(&shim_writer_tid, shim_gettid());
	prctl(PR_SET_NAME, "sprof-writer", 0, 0, 0);
	uint64_t drain_ns = shim_drain_ns();
	drain_all();
	take_notes();
	/* REC_PROCESS once: after a failed exec the writer starts again.  A
	 * fork child waits for a first block of its own: most exec at once,
	 * and a child that had nothing to show leaves nothing (below). */
	if (!process_emitted && !defer_first) {
		write_block(true, false);
		process_emitted = true;
	}
	uint64_t last_block = shim_now_ns();
	uint64_t next = last_block + drain_ns;
	while (!atomic_load(&writer_cmd)) {
		shim_futex_wait_until(&writer_cmd, 0, next);
		if (atomic_load(&writer_cmd))
			break;
		uint64_t now = shim_now_ns();
		next = now + drain_ns;
		drain_all();
		take_notes();
		check_renames();
		note_displaced();
		if (now - last_block + drain_ns / 2 >= BLOCK_NS || nsamples > 1000000) {
			if (nsamples || meta.len) {
				write_block(!process_emitted, false);
				process_emitted = true;
			}
			last_block = now;
		}
	}
	if (final_status >= 0) {
		drain_all();
		take_notes();
		check_renames();
		note_displaced();
		/* a fork child that exec()s before its first sample is only
		 * the program it became: no process of its own in the file */
		if (process_emitted || nsamples || noted_unprofiled || shim_end_how != RAW_END_EXEC)
			write_block(!process_emitted, true);
		process_emitted = true;
	}
	atomic_store(&writer_done, 1);
	shim_futex_wake(&writer_done);
	return NULL;
}

void shim_stop_writer(int status, bool bounded)
{
	final_status = status;
	atomic_store(&writer_cmd, 1);
	shim_futex_wake(&writer_cmd);
	if (!bounded) {
		shim_join_writer();
		return;
	}
	/* _exit() may come from a signal handler that interrupted a thread
	 * holding a lock the writer needs (malloc's): wait a bounded time, then
	 * let the process go, with its file cut rather than hung. */
	uint64_t deadline = shim_now_ns() + BOUNDED_WAIT_NS;
	while (!atomic_load(&writer_done) && shim_now_ns() < deadline)
		shim_futex_wait_until(&writer_done, 0, deadline);
}
