/* sampler.c -- the "sprof-sampler" thread: accounts every thread's CPU
 * time, and decides when a thread without a counter is due a sample and
 * signals it.
 *
 * Which mechanism, when: in cpu mode a thread normally has a task-clock
 * counter (perfclock.c) whose overflow signals it on its own CPU, on the
 * interrupted user instruction -- no cross-CPU IPI and no skid of samples
 * onto system call exits, as the polling below has -- and then this thread
 * only reads its CPU clock at the 50 ms scan, counting as lost the samples
 * the counter was due but the program kept from being delivered.  Polling
 * is the fallback, per thread, when no counter could be had
 * (perf_event_paranoid >= 2 for an unprivileged user, seccomp, no fds,
 * SPROF_MECHANISM=poll), and wall
 * mode's only mechanism.  Either way the trigger and the signal cost ~13 us
 * a sample on this VM, the handler's own work ~0.8 us of it
 * (doc/performance.md): that is the floor.
 *
 * Polling:
 * POSIX CPU-time timers (setitimer, timer_create on CPU clocks) only fire on
 * the scheduler tick (250 Hz here), so a 1 kHz request would get 250 Hz.
 * Instead this thread sleeps on CLOCK_MONOTONIC (high resolution, timer
 * slack 1 ns) at the sampling period, reads every registered thread's CPU
 * clock, adds what the thread used to its "debt", and when the debt reaches
 * one period sends that thread SIGPROF and pays one period.  Samples are so
 * proportional to CPU time, at any rate up to 10 kHz.  A thread is only
 * signalled right after a poll that saw it use CPU: a thread blocked in a
 * system call is not interrupted (some calls, like epoll_wait, return EINTR
 * even with SA_RESTART), its debt waits until it runs again.
 *
 * Wall mode (SPROF_MODE=wall) samples every thread at the requested rate of
 * wall time, whatever it is doing: the debt grows with wall time, and a
 * thread that is due a sample is
 *   - blocked in a call a handler would cut short (blocking.c marked it and
 *     left its stack in the slot): an off-CPU sample with that stack goes
 *     into the sampler's own "synthetic" ring, no signal;
 *   - otherwise, if its CPU clock has not moved since just after its last
 *     signal was handled, it has not run since, so its stack is the same:
 *     an off-CPU sample "same as the last one" goes into the synthetic ring;
 *   - otherwise it ran: it is signalled like in cpu mode (if it is blocked in
 *     a restartable call, SA_RESTART hides the signal; the handler then
 *     marks the sample off-CPU).
 * The writer turns synthetic entries into samples (writer.c).
 *
 * The thread blocks all signals and is never sampled itself. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw/format.h"
#include "shim/shim.h"

#define SCAN_NS 50000000u               /* /proc/self/task rescan period */
#define MAX_TICK_NS 50000000u           /* wake at least this often */
#define SHORT_SLEEP_NS 4000000u         /* see the end of shim_sampler_main */
#define IDLE_TICK_NS 5000000u           /* tick when no thread runs */
#define MAX_DEBT_NS 250000000u         /* catch up at most this much CPU time */
#define PENDING_TIMEOUT_NS 100000000u   /* a signal not handled by then is lost */
#define NEXT_TIMEOUT_NS 1000000000u     /* wall mode: longest wait for a CPU
					 * covered by SYN_NEXT samples */
#define STALE_BLOCKED_NS 5000000u       /* wall mode: CPU a thread marked blocked
					 * may use before the mark is doubted */
#define SAME_CPU_NS 20000u              /* wall mode: CPU a thread may use after
					 * its handler without having "run" */

static _Atomic int sampler_stop;
uint64_t *shim_synth_ring;
size_t shim_synth_words;
_Atomic uint64_t shim_synth_head, shim_synth_tail, shim_synth_lost;
_Atomic uint64_t shim_thread_wall_ns;
uint64_t shim_debt_dropped_ns;
#ifdef SHIM_DEBUG
uint64_t shim_dbg_ticks, shim_dbg_behind;
#endif
static pthread_t sampler_thread, writer_thread;
static bool sampler_started, writer_started;

void shim_futex_wait_until(_Atomic int *w, int val, uint64_t abs_ns)
{
	struct timespec ts = { (time_t)(abs_ns / 1000000000u), (long)(abs_ns % 1000000000u) };
	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so the
	 * ticks do not drift */
	syscall(SYS_futex, w, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, val, &ts, NULL,
		FUTEX_BITSET_MATCH_ANY);
}

void shim_futex_wake(_Atomic int *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX, NULL, NULL, 0);
}

static void send_sample_signal(struct slot *s, uint32_t idx, uid_t uid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	si.si_signo = shim_cfg.signo;
	si.si_code = SI_QUEUE;
	si.si_pid = shim_pid;
	si.si_uid = uid;
	si.si_value.sival_ptr = (void *)(uintptr_t)shim_sigval(idx, atomic_load(&s->gen));
	if (syscall(SYS_rt_tgsigqueueinfo, shim_pid, s->tid, shim_cfg.signo, &si) != 0) {
		if (errno == ESRCH)
			atomic_store(&s->state, SLOT_DEAD);
		atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
		return;
	}
	atomic_fetch_add(&s->sent, 1);
}

/* A thread with a counter: the samples its CPU time was due (with the
 * remainder kept in debt_ns) against those its handler took since the last
 * poll.  Those the program kept from being delivered (signal blocked, a
 * merge with one still pending) are lost, as they are for the sampler's own
 * signals; a sample or two either way is the overflow in flight or the
 * counter's phase, not a loss. */
#define COUNTER_SLACK 2
static void counter_lost(struct slot *s, uint64_t delta, uint64_t period)
{
	s->debt_ns += (int64_t)delta;
	int64_t due = s->debt_ns / (int64_t)period;
	s->debt_ns -= due * (int64_t)period;
	uint32_t h = atomic_load(&s->handled);
	int64_t owed = (int64_t)s->perf_owed + due - (int64_t)(h - s->perf_seen);
	/* what a counter the program closed looks like (shim_perf_tick) */
	if ((due > 0 && h == s->perf_seen) || owed > COUNTER_SLACK)
		s->perf_check = true;
	s->perf_seen = h;
	/* sent follows handled, so that a thread given back to polling
	 * (perfclock.c) has no signal pending */
	atomic_store(&s->sent, h);
	if (owed > COUNTER_SLACK) {
		atomic_fetch_add_explicit(&shim_lost_other, (uint64_t)(owed - COUNTER_SLACK),
					  memory_order_relaxed);
		owed = COUNTER_SLACK;
	} else if (owed < -COUNTER_SLACK) {
		owed = -COUNTER_SLACK;
	}
	s->perf_owed = (int32_t)owed;
}

/* One poll of every live thread; returns POLL_BEHIND when some thread is
 * still owed a sample (the next tick then comes sooner to catch up) and
 * POLL_ACTIVE when some thread used CPU since the last poll. */
#define POLL_BEHIND 1
#define POLL_ACTIVE 2
#define POLL_SIGNALS 4  /* some thread is signalled by the sampler */
static int poll_threads(uint64_t now, uint32_t tickno, uid_t uid)
{
	uint64_t period = shim_cfg.period_ns;
	int64_t max_debt = (int64_t)(8 * period > MAX_DEBT_NS ? 8 * period : MAX_DEBT_NS);
	int behind = 0, active = 0, signalled = 0;
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		struct slot *s = &shim_slots[i];
		if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_LIVE)
			continue;
		/* Threads idle for a while are polled every 8th tick: their
		 * debt is exact anyway, only the sample comes a little later. */
		if (s->idle_polls > 16 && ((tickno + i) & 7) != 0)
			continue;
		struct timespec ts;
		if (clock_gettime(s->clock, &ts) != 0 && !shim_perf_final_cpu(i, &ts)) {
			atomic_store(&s->state, SLOT_DEAD);
			continue;
		}
		uint64_t cpu = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		uint64_t delta = cpu > s->last_cpu_ns ? cpu - s->last_cpu_ns : 0;
		s->last_cpu_ns = cpu;
		if (delta == 0) {
			s->idle_polls++;
			continue;
		}
		s->idle_polls = 0;
		active = POLL_ACTIVE;
		atomic_fetch_add_explicit(&shim_cpu_total_ns, delta, memory_order_relaxed);
		atomic_fetch_add_explicit(&s->cpu_ns, delta, memory_order_relaxed);
		if (shim_perf_owns(i)) {
			/* its counter signals it (perfclock.c) */
			counter_lost(s, delta, period);
			continue;
		}
		signalled = POLL_SIGNALS;
		s->debt_ns += (int64_t)delta;
		/* A long stall of the sampler must not turn into a burst: debt
		 * beyond max_debt is forgiven (and those samples are lost). */
		if (s->debt_ns > max_debt) {
			shim_debt_dropped_ns += (uint64_t)(s->debt_ns - max_debt);
			s->debt_ns = max_debt;
		}
		if (s->debt_ns < (int64_t)period)
			continue;
		uint32_t sent = atomic_load(&s->sent), handled = atomic_load(&s->handled);
		if (sent != handled) {
			/* still pending: a second SIGPROF would merge with it.  No
			 * quicker tick for this: the thread is not running, and
			 * waking more often only takes CPU from it.  If it does
			 * run, it blocks the signal (or sits in a long system
			 * call): each further period it runs is a sample lost,
			 * not a burst of catch-up samples once it unblocks. */
			while (s->debt_ns >= 2 * (int64_t)period) {
				s->debt_ns -= (int64_t)period;
				atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
			}
			if (now - s->sent_ns < PENDING_TIMEOUT_NS)
				continue;
			atomic_store(&s->sent, handled);
			atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
		}
		s->sent_ns = now;
		s->debt_ns -= (int64_t)period;
		send_sample_signal(s, i, uid);
		if (s->debt_ns >= (int64_t)period)
			behind = POLL_BEHIND;
	}
	return behind | active | signalled;
}

/* Appends a synthetic sample (and, for SYN_STACK, its pcs); false when the
 * ring is full or absent (the sample is then counted lost). */
static bool synth_push(uint64_t t_ns, uint32_t idx, pid_t tid, uint16_t kind, const uint64_t *pcs,
		       uint32_t depth)
{
	size_t need = SYNTH_HDR_WORDS + depth, cap = shim_synth_words;
	if (!shim_synth_ring || need > cap / 2)
		goto lost;
	uint64_t head = atomic_load_explicit(&shim_synth_head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&shim_synth_tail, memory_order_acquire);
	size_t i = head % cap;
	if (cap - i < need) {
		if (head - tail + (cap - i) + need > cap)
			goto lost;
		if (cap - i >= SYNTH_HDR_WORDS)
			((struct synth *)&shim_synth_ring[i])->words = 0;
		head += cap - i;
		i = 0;
	} else if (head - tail + need > cap) {
		goto lost;
	}
	struct synth *e = (struct synth *)&shim_synth_ring[i];
	e->t_ns = t_ns;
	e->words = (uint32_t)need;
	e->depth = (uint16_t)depth;
	e->kind = kind;
	e->slot = idx;
	e->tid = (uint32_t)tid;
	if (depth)
		memcpy(&shim_synth_ring[i + SYNTH_HDR_WORDS], pcs, depth * sizeof *pcs);
	atomic_store_explicit(&shim_synth_head, head + need, memory_order_release);
	return true;
lost:
	atomic_fetch_add_explicit(&shim_synth_lost, 1, memory_order_relaxed);
	return false;
}

/* One off-CPU sample of a thread marked blocked (seqlock word v, odd): the
 * stack is copied into the synthetic ring the first time this blocking call
 * is sampled, then referred to.  False when the thread left the call while
 * we looked (the caller then treats it as running). */
static bool blocked_sample(struct slot *s, uint32_t idx, uint32_t v, uint64_t t)
{
	if (v == s->blk_seen)
		return synth_push(t, idx, s->tid, SYN_BLOCKED, NULL, 0), true;
	uint64_t pcs[SHIM_BLK_WORDS];
	uint32_t depth = s->blk_depth;
	if (depth > SHIM_BLK_WORDS || !s->blk_pcs)
		return false;
	memcpy(pcs, s->blk_pcs, depth * sizeof *pcs);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&s->blocked, memory_order_relaxed) != v)
		return false;
	if (synth_push(t, idx, s->tid, SYN_STACK, pcs, depth))
		s->blk_seen = v;
	return true;
}

/* The wall-mode poll (see the top of the file); same return as
 * poll_threads. */
static int poll_threads_wall(uint64_t now, uint32_t tickno, uid_t uid)
{
	uint64_t period = shim_cfg.period_ns;
	int64_t max_debt = (int64_t)(8 * period > MAX_DEBT_NS ? 8 * period : MAX_DEBT_NS);
	int behind = 0, active = 0;
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		struct slot *s = &shim_slots[i];
		if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_LIVE)
			continue;
		/* idle threads are looked at every 8th tick: the wall debt is
		 * exact anyway, their samples come in a small batch */
		if (s->idle_polls > 16 && ((tickno + i) & 7) != 0)
			continue;
		struct timespec ts;
		if (clock_gettime(s->clock, &ts) != 0) {
			atomic_store(&s->state, SLOT_DEAD);
			continue;
		}
		uint64_t cpu = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		uint64_t delta = cpu > s->last_cpu_ns ? cpu - s->last_cpu_ns : 0;
		s->last_cpu_ns = cpu;
		if (delta) {
			s->idle_polls = 0;
			active = POLL_ACTIVE;
			atomic_fetch_add_explicit(&shim_cpu_total_ns, delta, memory_order_relaxed);
			atomic_fetch_add_explicit(&s->cpu_ns, delta, memory_order_relaxed);
		} else {
			s->idle_polls++;
		}
		uint64_t wall = now > s->wall_ns ? now - s->wall_ns : 0;
		s->wall_ns = now;
		atomic_fetch_add_explicit(&shim_thread_wall_ns, wall, memory_order_relaxed);
		s->debt_ns += (int64_t)wall;
		if (s->debt_ns > max_debt) {
			shim_debt_dropped_ns += (uint64_t)(s->debt_ns - max_debt);
			s->debt_ns = max_debt;
		}
		uint32_t sent = atomic_load(&s->sent), handled = atomic_load(&s->handled);
		/* Not run since its last sample: its CPU clock is where the
		 * handler left it, give or take the return from the handler and
		 * the restart of the call it was blocked in (SAME_CPU_NS). */
		uint64_t hcpu = atomic_load_explicit(&s->hcpu_ns, memory_order_relaxed);
		bool same = sent == handled && hcpu != UINT64_MAX && cpu >= hcpu &&
			    cpu - hcpu <= SAME_CPU_NS;
		/* Marked blocked, yet running: a handler of the program that
		 * siglongjmp'd out of the wrapped call skipped its leave(), and
		 * the mark would show that stale stack for good.  Signal the
		 * thread instead; its handler repairs the mark (handler.c).  A
		 * thread really blocked (a long send() copying data) keeps the
		 * signal pending until the call returns: no EINTR either way. */
		uint32_t bv = atomic_load_explicit(&s->blocked, memory_order_acquire);
		if ((bv & 1) && bv != s->blk_first) {
			s->blk_first = bv;
			s->blk_cpu_ns = cpu;
		}
		uint32_t stale = (bv & 1) && bv == s->blk_first && cpu >= s->blk_cpu_ns &&
				 cpu - s->blk_cpu_ns > STALE_BLOCKED_NS ? bv : 0;
		while (s->debt_ns >= (int64_t)period) {
			/* the sample was due when the debt reached one period */
			uint64_t t = now - (uint64_t)(s->debt_ns - (int64_t)period);
			uint32_t v = atomic_load_explicit(&s->blocked, memory_order_acquire);
			if ((v & 1) && v != stale && blocked_sample(s, i, v, t)) {
				s->debt_ns -= (int64_t)period;
				continue;
			}
			if (same) {
				synth_push(t, i, s->tid, SYN_LAST, NULL, 0);
				s->debt_ns -= (int64_t)period;
				continue;
			}
			if (sent != handled) {
				/* Not run since the signal was sent: it waits for a
				 * CPU, where the handler will find it, so these
				 * samples are that stack (resolved by the writer). */
				if (cpu == s->sent_cpu_ns && now - s->sent_ns < NEXT_TIMEOUT_NS) {
					synth_push(t, i, s->tid, SYN_NEXT, NULL, 0);
					s->debt_ns -= (int64_t)period;
					continue;
				}
				if (now - s->sent_ns < PENDING_TIMEOUT_NS)
					break;
				atomic_store(&s->sent, handled);
				sent = handled;
				atomic_fetch_add_explicit(&shim_lost_other, 1, memory_order_relaxed);
			}
			s->sent_ns = now;
			s->sent_cpu_ns = cpu;
			s->debt_ns -= (int64_t)period;
			atomic_store_explicit(&s->hcpu_ns, UINT64_MAX, memory_order_relaxed);
			send_sample_signal(s, i, uid);
			break;
		}
		if (s->debt_ns >= (int64_t)period)
			behind = POLL_BEHIND;
	}
	return behind | active;
}

/* True when the main thread called pthread_exit and has finished: glibc would
 * now end the process with exit(0) from the last thread, but our two threads
 * keep its thread count up, so we do it. */
static bool main_thread_gone(void)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)shim_pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

void *shim_sampler_main(void *arg)
{
	(void)arg;
	atomic_store(&shim_sampler_tid, shim_gettid());
	prctl(PR_SET_NAME, "sprof-sampler", 0, 0, 0);
	prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
	/* The first scan must not mistake the writer for a program thread. */
	for (int i = 0; i < 1000 && !atomic_load(&shim_writer_tid); i++) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	uid_t uid = getuid();
	uint64_t period = shim_cfg.period_ns;
	uint64_t tick = period < MAX_TICK_NS ? period : MAX_TICK_NS;
	uint64_t next = shim_now_ns(), next_scan = 0;
	uint32_t tickno = 0, idle_ticks = 0, scans = 0;
	while (!atomic_load(&sampler_stop)) {
		uint64_t now = shim_now_ns();
		if (now >= next_scan) {
			/* a full listing once a second anyway: a thread may have
			 * been born as another died, leaving the count unchanged */
			bool main_exited = atomic_load(&shim_main_exited);
			int others = shim_scan_tasks(main_exited || ++scans % 20 == 0);
			next_scan = now + SCAN_NS;
			/* A program that installs its own SIGPROF handler (its own
			 * profiler, setitimer) must not get our signals: stop. */
			if (!shim_handler_in_place())
				atomic_store(&shim_sigprof_displaced, 1);
			if (main_exited && others >= 0 && others <= 1 && main_thread_gone())
				exit(0);
		}
		bool displaced = atomic_load_explicit(&shim_sigprof_displaced, memory_order_relaxed);
		int polled = displaced ? 0
				       : shim_cfg.mode == RAW_MODE_WALL ? poll_threads_wall(now, tickno++, uid)
									: poll_threads(now, tickno++, uid);
		shim_perf_tick();
#ifdef SHIM_DEBUG
		shim_dbg_ticks++;
		shim_dbg_behind += polled & POLL_BEHIND;
#endif
		/* Nobody ran: sleep longer (the debts stay exact, at most the
		 * first sample of a thread waking up comes later).  An idle
		 * program at 10 kHz so costs 200 wake-ups a second, not 10 000. */
		idle_ticks = polled & POLL_ACTIVE ? 0 : idle_ticks + 1;
		uint64_t step = polled & POLL_BEHIND ? tick / 2 : tick;
		if (idle_ticks > 8 && step < IDLE_TICK_NS)
			step = IDLE_TICK_NS;
		/* every thread has its own counter: the sampler only accounts
		 * CPU time and watches for lost signals */
		if (displaced || (atomic_load_explicit(&shim_perf_on, memory_order_relaxed) &&
				  shim_cfg.mode != RAW_MODE_WALL && !(polled & POLL_SIGNALS)))
			step = SCAN_NS;
		next += step;
		if (next + tick < now)
			next = now + step;      /* we were stalled: do not race to catch up */
		/* Short ticks sleep in clock_nanosleep (a little cheaper per
		 * wake-up than a futex); long ones on the stop word, so that
		 * stopping never waits more than a few milliseconds. */
		if (next - now < SHORT_SLEEP_NS) {
			struct timespec ts = { (time_t)(next / 1000000000u), (long)(next % 1000000000u) };
			/* the system call: libc's clock_nanosleep is our wrapper */
			syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} else {
			shim_futex_wait_until(&sampler_stop, 0, next);
		}
	}
	/* the CPU time used since the last tick, long when every thread has
	 * its own counter */
	if (atomic_load(&shim_perf_on) && shim_cfg.mode != RAW_MODE_WALL)
		poll_threads(shim_now_ns(), 0, uid);
	return NULL;
}

int shim_start_threads(void)
{
	if (shim_cfg.mode == RAW_MODE_WALL && !shim_synth_ring) {
		/* 4 MiB of address space; only the pages used become resident */
		size_t words = (4u << 20) / sizeof(uint64_t);
		void *m = mmap(NULL, words * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED) {
			shim_synth_ring = m;
			shim_synth_words = words;
		}
	}
	atomic_store(&sampler_stop, 0);
	sigset_t all, old;
	sigfillset(&all);
	/* created with every signal blocked, which they inherit */
	shim_sigmask(SIG_SETMASK, &all, &old);
	int err = shim_real_pthread_create(&writer_thread, NULL, shim_writer_main, NULL);
	if (!err) {
		writer_started = true;
		err = shim_real_pthread_create(&sampler_thread, NULL, shim_sampler_main, NULL);
		if (!err)
			sampler_started = true;
	}
	shim_sigmask(SIG_SETMASK, &old, NULL);
	if (err && writer_started) {
		shim_stop_writer(-1, false);
		writer_started = false;
	}
	return err ? -1 : 0;
}

void shim_signal_sampler_stop(void)
{
	atomic_store(&sampler_stop, 1);
	shim_futex_wake(&sampler_stop);
}

void shim_stop_sampler(void)
{
	if (!sampler_started)
		return;
	sampler_started = false;
	atomic_store(&sampler_stop, 1);
	shim_futex_wake(&sampler_stop);
	if (!pthread_equal(pthread_self(), sampler_thread))
		pthread_join(sampler_thread, NULL);
}

/* Called by the writer when asked to stop, so both live in one place. */
SHIM_HIDDEN bool shim_writer_thread_is_self(void);
bool shim_writer_thread_is_self(void)
{
	return writer_started && pthread_equal(pthread_self(), writer_thread);
}

SHIM_HIDDEN void shim_join_writer(void);
void shim_join_writer(void)
{
	if (writer_started && !pthread_equal(pthread_self(), writer_thread)) {
		writer_started = false;
		pthread_join(writer_thread, NULL);
	}
}

/* A fork child has neither thread: start them anew (follow.c). */
SHIM_HIDDEN void shim_sampler_reset_child(void);
void shim_sampler_reset_child(void)
{
	sampler_started = writer_started = false;
	atomic_store(&sampler_stop, 0);
	atomic_store(&shim_sampler_tid, 0);
	atomic_store(&shim_writer_tid, 0);
}
