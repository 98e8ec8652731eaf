/* handler.c -- the SIGPROF handler: records the interrupted thread's stack
 * into that thread's ring.  Async-signal-safe only: no allocation, no lock,
 * no stdio, no loader call that can wait, errno preserved -- it never waits,
 * whatever the interrupted thread holds (see unwind.c).
 *
 * The sampler aims each signal at one slot and says which in si_value, so the
 * handler needs neither a lookup nor thread-local storage.  The stack is
 * walked from the interrupted context's registers (unwind.c), so none of the
 * handler's own frames is in it. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <ucontext.h>

#include "raw/format.h"
#include "shim/shim.h"
#include "shim/unwind.h"

static struct sigaction old_action;
_Atomic int shim_sigprof_displaced;
#ifdef SHIM_DEBUG
_Atomic uint64_t shim_dbg_handler_ns, shim_dbg_handler_n;
#endif
static bool installed;

/* Reserves room for the largest entry at the producer's position; returns the
 * word index, or -1 when the ring is full (the sample is then dropped). */
static long ring_reserve(struct slot *s, size_t need)
{
	uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_acquire);
	size_t cap = s->ring_words;
	size_t idx = head % cap;
	uint64_t used = head - tail;
	if (cap - idx < need) {
		/* not enough contiguous room before the end: wrap, leaving a
		 * marker where a header fits (the reader skips a shorter rest) */
		if (used + (cap - idx) + need > cap)
			return -1;
		if (cap - idx >= RING_HDR_WORDS)
			((struct ring_entry *)&s->ring[idx])->words = 0;
		atomic_store_explicit(&s->head, head + (cap - idx), memory_order_release);
		return 0;
	}
	if (used + need > cap)
		return -1;
	return (long)idx;
}

static void record(struct slot *s, const ucontext_t *uc)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint32_t max_depth = shim_cfg.max_depth;
	long idx = ring_reserve(s, RING_HDR_WORDS + max_depth);
	if (idx < 0) {
		atomic_fetch_add_explicit(&s->lost_full, 1, memory_order_relaxed);
		return;
	}
	struct ring_entry *e = (struct ring_entry *)&s->ring[idx];
	uint64_t *pcs = &s->ring[idx + RING_HDR_WORDS];
	struct uw_regs regs;
	uw_regs_from_ucontext(&regs, uc);
	uint64_t rip = regs.r[UW_RA];
	enum uw_end end;
	int n = shim_unwind_guarded(&regs, pcs, (int)max_depth, &end);
	if (n < 0) {
		/* the walk faulted (crash.c brought it back): nothing of the
		 * entry is published */
		atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
		return;
	}
	uint16_t state = RAW_STATE_ONCPU;
	/* Wall mode: a thread interrupted in a system call that SA_RESTART
	 * will restart (futex waits, read, accept ...) has its pc moved back
	 * onto the syscall instruction (0f 05): it was blocked, not running.
	 * The second byte is read only after 0x0f, which starts a 2-byte
	 * opcode, so both are mapped. */
	const volatile uint8_t *ip = (const volatile uint8_t *)(uintptr_t)rip;
	if (shim_cfg.mode == RAW_MODE_WALL && ip[0] == 0x0f && ip[1] == 0x05)
		state = RAW_STATE_OFFCPU;
	if (n == 0) {
		pcs[0] = rip;
		n = 1;
	}
	if (end == UW_END_DEPTH)
		state |= RAW_STATE_TRUNCATED;
	uint32_t depth = (uint32_t)n;
	e->t_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	e->words = (uint32_t)(RING_HDR_WORDS + depth);
	e->depth = (uint16_t)depth;
	e->state = state;
	uint64_t head = atomic_load_explicit(&s->head, memory_order_relaxed);
	atomic_store_explicit(&s->head, head + e->words, memory_order_release);
	if (shim_cfg.mode == RAW_MODE_WALL) {
		/* This handler runs only with the signal unblocked, which the
		 * blocking wrappers keep from happening while the thread is
		 * marked blocked: an odd mark here is stale (a siglongjmp out of
		 * a wrapped call skipped its leave()), so even it again. */
		uint32_t b = atomic_load_explicit(&s->blocked, memory_order_relaxed);
		if (b & 1)
			atomic_store_explicit(&s->blocked, b + 1, memory_order_release);
		/* the sampler's test for "has not run since" (sampler.c) */
		struct timespec c;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
		atomic_store_explicit(&s->hcpu_ns, (uint64_t)c.tv_sec * 1000000000u + (uint64_t)c.tv_nsec,
				      memory_order_relaxed);
	}
}

static void on_sigprof(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	int saved_errno = errno;
	uint32_t idx, gen;
	if (si->si_code > 0 && si->si_code <= POLL_HUP) {
		/* a task-clock counter's overflow (perfclock.c), POLL_IN */
		if (!shim_perf_lookup(si->si_fd, &idx, &gen))
			goto out;
	} else {
		if (si->si_code != SI_QUEUE)
			goto out;       /* not ours (kill, setitimer): ignore */
		uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
		if ((v >> 48) != SHIM_SIGVAL_MAGIC)
			goto out;
		idx = (uint32_t)(v & 0xffffffu);
		gen = (uint32_t)((v >> 24) & 0xffffffu);
		if (idx >= SHIM_MAX_SLOTS)
			goto out;
	}
	struct slot *s = &shim_slots[idx];
	/* Entering before checking the state pairs with the writer marking the
	 * slot DEAD before waiting for in_handler to drop to zero: either the
	 * writer sees us, or we see DEAD.  seq_cst on both sides. */
	atomic_fetch_add(&s->in_handler, 1);
	if (!atomic_load_explicit(&shim_active, memory_order_relaxed)) {
		/* stopping: not a loss, sampling is over */
	} else if (atomic_load(&s->state) != SLOT_LIVE || (atomic_load(&s->gen) & 0xffffffu) != gen) {
		atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
	} else {
		atomic_fetch_add_explicit(&s->handled, 1, memory_order_release);
#ifdef SHIM_DEBUG
		uint64_t t0 = shim_now_ns();
#endif
		record(s, (const ucontext_t *)ucv);
#ifdef SHIM_DEBUG
		atomic_fetch_add(&shim_dbg_handler_ns, shim_now_ns() - t0);
		atomic_fetch_add(&shim_dbg_handler_n, 1);
#endif
	}
	atomic_fetch_sub(&s->in_handler, 1);
out:
	errno = saved_errno;
}

int shim_install_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(shim_cfg.signo, &sa, &old_action) != 0)
		return -1;
	installed = true;
	shim_perf_init();
	return 0;
}

bool shim_handler_in_place(void)
{
	struct sigaction cur;
	if (sigaction(shim_cfg.signo, NULL, &cur) != 0)
		return false;
	return (cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigprof;
}

void shim_restore_handler(void)
{
	if (installed) {
		sigaction(shim_cfg.signo, &old_action, NULL);
		installed = false;
	}
}
