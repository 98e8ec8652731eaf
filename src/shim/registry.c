/* registry.c -- the table of sampled threads.  A thread gets a slot when it
 * is created through pthread_create (it registers itself before running user
 * code), when it is the main thread, or when the sampler's periodic scan of
 * /proc/self/task finds it (threads made with raw clone(), or before the
 * shim started).  Each slot owns a preallocated ring the signal handler
 * fills without allocating.  Slots of vanished threads are recycled by the
 * writer once drained, rings and all, so short-lived threads cost nothing
 * lasting. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw/format.h"
#include "shim/shim.h"

struct slot shim_slots[SHIM_MAX_SLOTS];
_Atomic uint32_t shim_slots_hwm;
_Atomic uint64_t shim_cpu_total_ns;
_Atomic uint64_t shim_lost_other;
size_t shim_ring_words;

/* Serialises registrations only (never taken by the handler, sampler polls
 * or writer drains): it keeps a tid from being registered twice when a new
 * thread registers itself while the sampler's scan finds it. */
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

void shim_read_comm(pid_t tid, char name[SHIM_NAME_LEN])
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
	name[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, name, SHIM_NAME_LEN - 1);
	close(fd);
	if (n <= 0)
		n = 0;
	name[n] = 0;
	char *nl = strchr(name, '\n');
	if (nl)
		*nl = 0;
}

/* Ring size: room for two drain intervals of samples at the requested rate,
 * all of the largest size (deep stacks are what fill a ring), so that a
 * thread running flat out never loses samples while the writer keeps up.
 * Only the pages actually written become resident. */
static size_t ring_words_for_config(void)
{
	/* the handler's largest entry is RING_HDR_WORDS + max_depth; the
	 * slack sized the rings when libunwind's frames came first, and is
	 * kept so that ring capacity did not shrink with the new walker */
	size_t entry = RING_HDR_WORDS + shim_cfg.max_depth + SHIM_SKIP_MAX + 1;
	size_t entries = (size_t)((uint64_t)shim_cfg.hz * 2 * shim_drain_ns() / 1000000000u);
	if (entries < 64)
		entries = 64;
	size_t words = entries * entry;
	if (words > (16u << 20) / sizeof(uint64_t))
		words = (16u << 20) / sizeof(uint64_t);
	size_t page = (size_t)sysconf(_SC_PAGESIZE) / sizeof(uint64_t);
	return (words + page - 1) / page * page;
}

static bool tid_known(pid_t tid)
{
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		int st = atomic_load(&shim_slots[i].state);
		if ((st == SLOT_LIVE || st == SLOT_CLAIMED) && shim_slots[i].tid == tid)
			return true;
	}
	return false;
}

static struct slot *claim_slot(void)
{
	for (uint32_t i = 0; i < SHIM_MAX_SLOTS; i++) {
		int expect = SLOT_FREE;
		if (atomic_compare_exchange_strong(&shim_slots[i].state, &expect, SLOT_CLAIMED)) {
			uint32_t hwm = atomic_load(&shim_slots_hwm);
			while (hwm < i + 1 &&
			       !atomic_compare_exchange_weak(&shim_slots_hwm, &hwm, i + 1))
				;
			return &shim_slots[i];
		}
	}
	return NULL;
}

struct slot *shim_register(pid_t tid)
{
	if (!shim_ring_words)
		shim_ring_words = ring_words_for_config();
	pthread_mutex_lock(&reg_lock);
	struct slot *s = NULL;
	if (tid_known(tid) || !(s = claim_slot()))
		goto out;
	if (!s->ring) {
		void *m = mmap(NULL, shim_ring_words * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			atomic_store(&s->state, SLOT_FREE);
			s = NULL;
			goto out;
		}
		s->ring = m;
		s->ring_words = shim_ring_words;
	}
	bool gone;
	s->tid = tid;
	s->clock = (clockid_t)((~(unsigned)tid << 3) | 6);
	s->reg_ns = shim_now_ns();
	s->last_cpu_ns = shim_tid_cpu_ns(tid, &gone);
	/* A random head start in [0, period): a thread using less than a period
	 * of CPU in its life still gets a sample with the right probability,
	 * so many short-lived threads are not missing from the profile. */
	uint64_t r = (s->reg_ns ^ ((uint64_t)tid << 32)) * 0x9e3779b97f4a7c15u;
	r ^= r >> 29;
	s->debt_ns = (int64_t)(r % shim_cfg.period_ns);
	s->idle_polls = 0;
	s->sent_ns = 0;
	atomic_store(&s->sent, 0);
	atomic_store(&s->handled, 0);
	s->perf_seen = 0;
	s->perf_owed = 0;
	s->perf_check = false;
	atomic_store(&s->head, 0);
	atomic_store(&s->tail, 0);
	atomic_store(&s->lost_full, 0);
	atomic_store(&s->cpu_ns, 0);
	s->name_emitted = false;
	s->name_check_cpu = 0;
	atomic_store(&s->blocked, 0);
	s->blk_seen = 0;
	s->blk_first = 0;
	s->wall_ns = s->reg_ns;
	atomic_store(&s->hcpu_ns, UINT64_MAX);
	s->last_stack = s->prev_stack = s->blk_stack = -1;
	s->last_stack_ns = s->prev_stack_ns = 0;
	s->next_n = 0;
	shim_read_comm(tid, s->name);
	atomic_fetch_add(&s->gen, 1);
	if (gone) {
		atomic_store(&s->state, SLOT_FREE);
		s = NULL;
		goto out;
	}
	atomic_store(&s->state, SLOT_LIVE);
	shim_perf_attach(s);
out:
	pthread_mutex_unlock(&reg_lock);
	return s;
}

/* getdents64 into a static buffer rather than opendir(): the scan runs in the
 * sampler thread every ~50 ms and has no business in the program's heap. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int shim_scan_tasks(bool force)
{
	static char buf[16384] __attribute__((aligned(8)));
	static nlink_t last_nlink;
	/* The link count of /proc/self/task is 2 + the number of threads: one
	 * stat() tells whether a full listing can find anything new. */
	struct stat st;
	if (stat("/proc/self/task", &st) == 0) {
		if (!force && st.st_nlink == last_nlink)
			return -1;
		last_nlink = st.st_nlink;
	}
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	pid_t sampler = atomic_load(&shim_sampler_tid), writer = atomic_load(&shim_writer_tid);
	int others = 0;
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (d->d_name[0] < '0' || d->d_name[0] > '9')
				continue;
			pid_t tid = (pid_t)atoi(d->d_name);
			if (tid == sampler || tid == writer)
				continue;
			others++;
			if (!tid_known(tid))
				shim_register(tid);
		}
	}
	close(fd);
	return others;
}

/* In a fork child: only the forking thread exists.  Every slot is freed
 * (rings and buffers stay mapped for reuse) and the lock re-made, since
 * another thread of the parent may have held it at the fork. */
SHIM_HIDDEN void shim_registry_reset_child(void);
void shim_registry_reset_child(void)
{
	pthread_mutex_init(&reg_lock, NULL);
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		struct slot *s = &shim_slots[i];
		atomic_store(&s->in_handler, 0);
		atomic_store(&s->state, SLOT_FREE);
	}
	atomic_store(&shim_cpu_total_ns, 0);
	atomic_store(&shim_lost_other, 0);
}
