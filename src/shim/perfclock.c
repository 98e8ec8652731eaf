/* perfclock.c -- cpu mode's preferred sample trigger: one perf_event_open
 * task-clock counter per thread, whose overflow signals the thread itself.
 *
 * The sampler's polling (sampler.c) costs a sampler wake-up and a cross-CPU
 * signal per sample, and a signal sent from another CPU is delivered at the
 * target's next kernel exit, so samples pile up on system call returns.  A
 * PERF_COUNT_SW_TASK_CLOCK counter with sample_period = the period overflows
 * on the thread's own CPU, in its timer interrupt, while it runs: the
 * signal (O_ASYNC, F_SETSIG = our signal, F_SETOWN_EX = the thread) is taken
 * at the return from that interrupt, on the interrupted user instruction.
 *
 * The counter runs freely: it is not re-armed per overflow (the
 * PERF_EVENT_IOC_REFRESH 1 + re-arm in the handler of async-profiler cost
 * two more system calls, ~7 us a sample on this VM's kernel, and a signal
 * lost on the way left the counter off).  An overflow while the handler
 * runs merges with the signal it blocks, like a late signal of the
 * sampler: never a burst; the sampler counts such merged and blocked
 * overflows as lost from the thread's CPU time.  The counter's fd is moved to a high
 * number (programs that close or count their low fds are not disturbed) and
 * is close-on-exec; si_fd leads the handler to the slot through fd_map.
 *
 * Whenever a counter cannot be had (perf_event_paranoid 2 or more without
 * CAP_PERFMON, seccomp, no fds left, SPROF_MECHANISM=poll), the thread is left to the sampler's polling:
 * per thread, automatically.  The sampler keeps reading every thread's CPU
 * clock (accounting, thread death) but only at its slow tick while every
 * thread has a counter. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw/format.h"
#include "shim/shim.h"

#define FD_MAP_N 65536          /* counters above this fd are not used */
#define FD_HIGH 1000            /* where counter fds are moved */

_Atomic int shim_perf_on;
/* slot -> its counter's fd + 1 (0: none) */
static _Atomic int slot_fd[SHIM_MAX_SLOTS];
/* fd -> 1 << 63 | gen << 32 | slot (0: not ours) */
static _Atomic uint64_t fd_map[FD_MAP_N];
static uint64_t counter_id[SHIM_MAX_SLOTS];
/* a thread's CPU clock + 1 as it left (0: not left yet): the sampler, at
 * its slow tick, would find the thread gone and lose its last ~50 ms */
static _Atomic uint64_t final_cpu[SHIM_MAX_SLOTS];

static int open_counter(pid_t tid)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.sample_period = shim_cfg.period_ns;
	a.disabled = 1;
	/* Time in the kernel counted, though perf_event_paranoid 2 then
	 * refuses the counter to an unprivileged user: with exclude_kernel an
	 * overflow in the kernel is not a sample delayed to the system call's
	 * return (as with polling) but no sample at all, and a program living
	 * in system calls lost 70-90% of its samples (prog-tree-work fork-mt:
	 * 80 samples against polling's 290).  Polling is the better choice
	 * there. */
	a.exclude_kernel = 0;
	a.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* fd is still slot idx's counter (the program may have closed it and
 * opened something of its own there, perhaps a perf event of its own) */
static bool still_ours(uint32_t idx, int fd)
{
	uint64_t id = 0;
	return ioctl(fd, PERF_EVENT_IOC_ID, &id) == 0 && id == counter_id[idx];
}

/* Closes slot idx's counter fd, unless the program closed it and has
 * something else of its own at that number now. */
static void drop_fd(uint32_t idx, int fd)
{
	if (fd >= 0 && fd < FD_MAP_N)
		atomic_store(&fd_map[fd], 0);
	if (still_ours(idx, fd))
		close(fd);
}

void shim_perf_init(void)
{
	const char *m = getenv("SPROF_MECHANISM");
	if (shim_cfg.mode != RAW_MODE_CPU || (m && strcmp(m, "poll") == 0))
		return;
	int fd = open_counter(0);
	if (fd < 0)
		return;
	close(fd);
	atomic_store(&shim_perf_on, 1);
	/* threads registered before the handler was in place */
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++)
		if (atomic_load(&shim_slots[i].state) == SLOT_LIVE)
			shim_perf_attach(&shim_slots[i]);
}

void shim_perf_attach(struct slot *s)
{
	if (!atomic_load(&shim_perf_on) || atomic_load(&shim_sigprof_displaced))
		return;
	uint32_t idx = (uint32_t)(s - shim_slots);
	int old = atomic_exchange(&slot_fd[idx], 0);
	if (old)
		drop_fd(idx, old - 1);
	int fd = open_counter(s->tid);
	if (fd < 0)
		return;
	int hi = fcntl(fd, F_DUPFD_CLOEXEC, FD_HIGH);
	if (hi >= 0) {
		close(fd);
		fd = hi;
	}
	struct f_owner_ex own = { F_OWNER_TID, s->tid };
	uint64_t id = 0;
	if (fd >= FD_MAP_N || fcntl(fd, F_SETFL, O_ASYNC) != 0 ||
	    fcntl(fd, F_SETSIG, shim_cfg.signo) != 0 || fcntl(fd, F_SETOWN_EX, &own) != 0 ||
	    ioctl(fd, PERF_EVENT_IOC_ID, &id) != 0) {
		close(fd);
		return;
	}
	counter_id[idx] = id;
	atomic_store(&final_cpu[idx], 0);
	uint32_t gen = atomic_load(&s->gen) & 0xffffffu;
	atomic_store(&fd_map[fd], (1ull << 63) | ((uint64_t)gen << 32) | idx);
	atomic_store(&slot_fd[idx], fd + 1);
	if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
		atomic_store(&slot_fd[idx], 0);
		drop_fd(idx, fd);
	}
}

bool shim_perf_lookup(int fd, uint32_t *idx, uint32_t *gen)
{
	if (fd < 0 || fd >= FD_MAP_N)
		return false;
	uint64_t v = atomic_load_explicit(&fd_map[fd], memory_order_acquire);
	if (!v)
		return false;
	*idx = (uint32_t)(v & 0xffffffffu);
	*gen = (uint32_t)((v >> 32) & 0xffffffu);
	return *idx < SHIM_MAX_SLOTS;
}

bool shim_perf_owns(uint32_t idx)
{
	return atomic_load_explicit(&slot_fd[idx], memory_order_relaxed) != 0;
}

void shim_perf_tick(void)
{
	if (!atomic_load_explicit(&shim_perf_on, memory_order_relaxed))
		return;
	bool off = atomic_load(&shim_sigprof_displaced);
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		int f = atomic_load_explicit(&slot_fd[i], memory_order_relaxed);
		if (!f)
			continue;
		struct slot *s = &shim_slots[i];
		uint64_t v = f - 1 < FD_MAP_N ? atomic_load(&fd_map[f - 1]) : 0;
		bool stale = off || atomic_load(&s->state) != SLOT_LIVE ||
			     ((v >> 32) & 0xffffffu) != (atomic_load(&s->gen) & 0xffffffu);
		if (!stale) {
			/* The program closed our fd (closefrom, a close loop),
			 * maybe opened something else there: give the thread
			 * a new counter (the fd number is the program's now,
			 * not ours to close), or polling when none can be had.
			 * Asked only about a thread whose poll found samples
			 * due that its handler did not take (sampler.c): an
			 * ioctl per counter per tick cost a program with 200
			 * idle threads ~5 ms of CPU a second. */
			if (s->perf_check) {
				s->perf_check = false;
				if (!still_ours(i, f - 1) &&
				    atomic_compare_exchange_strong(&slot_fd[i], &f, 0)) {
					atomic_store(&fd_map[f - 1], 0);
					shim_perf_attach(s);
				}
			}
			continue;
		}
		if (atomic_compare_exchange_strong(&slot_fd[i], &f, 0))
			drop_fd(i, f - 1);
	}
	if (off)
		atomic_store(&shim_perf_on, 0);
}

void shim_perf_reset_child(void)
{
	/* the counters watch the parent's threads: not ours to touch, only to
	 * close (the parent's own fds stay open) */
	for (uint32_t i = 0; i < SHIM_MAX_SLOTS; i++) {
		int f = atomic_exchange(&slot_fd[i], 0);
		if (f)
			drop_fd(i, f - 1);
	}
}

static void set_all(unsigned long req)
{
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		int f = atomic_load(&slot_fd[i]);
		if (f && still_ours(i, f - 1))
			ioctl(f - 1, req, 0);
	}
}

void shim_perf_pause(void)
{
	if (atomic_load(&shim_perf_on))
		set_all(PERF_EVENT_IOC_DISABLE);
}

void shim_perf_resume(void)
{
	if (atomic_load(&shim_perf_on))
		set_all(PERF_EVENT_IOC_ENABLE);
}

void shim_perf_thread_exit(void)
{
	if (!atomic_load_explicit(&shim_perf_on, memory_order_relaxed))
		return;
	pid_t tid = shim_gettid();
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		struct slot *s = &shim_slots[i];
		if (s->tid != tid || atomic_load(&s->state) != SLOT_LIVE || !atomic_load(&slot_fd[i]))
			continue;
		struct timespec ts;
		if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
			atomic_store(&final_cpu[i],
				     (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + 1);
		return;
	}
}

bool shim_perf_final_cpu(uint32_t idx, struct timespec *ts)
{
	uint64_t v = atomic_exchange(&final_cpu[idx], 0);
	if (!v--)
		return false;
	ts->tv_sec = (time_t)(v / 1000000000u);
	ts->tv_nsec = (long)(v % 1000000000u);
	return true;
}

const char *shim_perf_mechanism(void)
{
	return atomic_load(&shim_perf_on) ? "perf-task-clock" : "cpu-clock-poll+sigqueue";
}
