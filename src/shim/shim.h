/* shim.h -- what the parts of libsprof.so share: the settings read from the
 * environment, the thread registry (one slot per sampled thread, each with
 * its own sample ring), and the entry points of the sampler thread, the
 * writer thread and the SIGPROF handler.
 *
 * Ownership of slot fields, so that no lock is needed on the hot paths:
 *   - registration (registry.c, under reg_lock) fills a FREE slot and
 *     publishes it LIVE;
 *   - the sampler thread owns the CPU accounting fields and is the only one
 *     that turns a LIVE slot DEAD (its thread vanished);
 *   - the signal handler is the single producer of the slot's ring;
 *   - the writer thread is the single consumer, and turns a DEAD slot FREE
 *     once the ring is empty and no handler is inside it. */
#ifndef SPROF_SHIM_H
#define SPROF_SHIM_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Visibility: only the interposed libc functions are exported. */
#define SHIM_HIDDEN __attribute__((visibility("hidden")))

#define SHIM_MAX_SLOTS 4096             /* threads sampled at once */
#define SHIM_SKIP_MAX 16                /* the shim's own frames that may precede
					 * the caller's in blocking.c's capture (the
					 * handler walks from the interrupted
					 * context and has none) */
#define SHIM_NAME_LEN 16                /* TASK_COMM_LEN */

enum slot_state { SLOT_FREE = 0, SLOT_CLAIMED, SLOT_LIVE, SLOT_DEAD };

/* One ring entry, followed by depth pcs (leaf first).  Sizes are in 64-bit
 * words.  An entry never wraps around the end of the ring: a header with
 * words == 0, or a rest shorter than a header, means "go on at the start". */
struct ring_entry {
	uint64_t t_ns;                  /* CLOCK_MONOTONIC */
	uint32_t words;                 /* header + pcs, in words */
	uint16_t depth;
	uint16_t state;                 /* RAW_STATE_* */
};
#define RING_HDR_WORDS (sizeof(struct ring_entry) / sizeof(uint64_t))

struct slot {
	_Atomic int state;              /* enum slot_state */
	_Atomic uint32_t gen;           /* bumped at each registration */
	_Atomic int in_handler;         /* handlers currently writing the ring */
	pid_t tid;
	clockid_t clock;                /* the thread's CPU-time clock */
	uint64_t reg_ns;                /* CLOCK_MONOTONIC at registration */
	char name[SHIM_NAME_LEN];       /* comm at registration */

	/* sampler-owned */
	uint64_t last_cpu_ns;           /* thread CPU clock at the last poll */
	int64_t debt_ns;                /* CPU time not yet paid for by a sample */
	uint32_t idle_polls;            /* consecutive polls without CPU use */
	uint64_t sent_ns;               /* when the pending signal was sent */
	_Atomic uint32_t sent;          /* signals sent (sampler) */
	_Atomic uint32_t handled;       /* signals seen by the handler */
	uint32_t perf_seen;             /* handled at the last poll (counter) */
	int32_t perf_owed;              /* counter samples due, not handled */
	bool perf_check;                /* samples due, not handled: is the
					 * counter's fd still ours? (perfclock.c) */

	/* the ring: mapped once per slot and kept across reuse of the slot */
	uint64_t *ring;
	size_t ring_words;
	_Atomic uint64_t head __attribute__((aligned(64)));     /* producer */
	_Atomic uint64_t tail __attribute__((aligned(64)));     /* consumer */
	_Atomic uint64_t lost_full;      /* ring full: sample dropped */

	/* wall mode (see sampler.c, blocking.c).  blocked is a seqlock word:
	 * odd while the thread sits in a non-restartable blocking call whose
	 * stack is in blk_pcs[0..blk_depth), even otherwise; only the thread
	 * itself writes it and the buffer. */
	_Atomic uint32_t blocked;
	uint32_t blk_depth;
	uint64_t *blk_pcs;              /* SHIM_BLK_WORDS, mapped on first use */
	uint64_t wall_ns;               /* sampler: wall clock at the last poll */
	_Atomic uint64_t hcpu_ns;       /* handler: the thread's CPU clock as it
					 * finished its last sample */
	uint32_t blk_seen;              /* sampler: blocked seq last copied */
	uint32_t blk_first;             /* sampler: odd blocked seq first seen ... */
	uint64_t blk_cpu_ns;            /* ... at this CPU clock (stale-mark test) */
	uint64_t sent_cpu_ns;           /* sampler: CPU clock when the pending
					 * signal was sent */

	/* writer-owned */
	int64_t last_stack, prev_stack; /* ids of the last two ring samples */
	uint64_t last_stack_ns, prev_stack_ns;
	uint64_t *next_t;               /* SYN_NEXT times waiting for the next
					 * ring sample (next_n of next_cap) */
	uint32_t next_n, next_cap;
	int64_t blk_stack;              /* id of the last blocked stack */
	bool name_emitted;
	char emitted_name[SHIM_NAME_LEN];
	uint64_t name_check_cpu;        /* cpu_ns at the last rename check */
	_Atomic uint64_t cpu_ns;        /* CPU time accounted while registered */
};

struct shim_config {
	char output[4096];
	uint32_t hz;
	uint32_t max_depth;
	uint64_t period_ns;
	uint32_t mode;                  /* RAW_MODE_* (SPROF_MODE) */
	bool follow;                    /* profile children and exec'ed programs */
	int signo;                      /* the sampling signal (SPROF_SIGNAL, SIGPROF) */
};

#define SHIM_BLK_WORDS (1024 + 2)       /* blocked-stack buffer, in pcs */

/* ---- globals (init.c) --------------------------------------------------- */
SHIM_HIDDEN extern struct shim_config shim_cfg;
SHIM_HIDDEN extern _Atomic int shim_active;     /* sampling running */
SHIM_HIDDEN extern uint64_t shim_mono_start_ns, shim_wall_start_ns;
SHIM_HIDDEN extern pid_t shim_pid;
SHIM_HIDDEN extern _Atomic pid_t shim_sampler_tid, shim_writer_tid;
SHIM_HIDDEN extern _Atomic int shim_main_exited;  /* main called pthread_exit */
SHIM_HIDDEN extern int shim_exit_status;

/* Real libc functions, looked up with dlsym(RTLD_NEXT). */
SHIM_HIDDEN extern int (*shim_real_pthread_create)(pthread_t *, const pthread_attr_t *,
						   void *(*)(void *), void *);

/* interpose.c: resolves the real libc functions (constructor) */
SHIM_HIDDEN void shim_interpose_init(void);
SHIM_HIDDEN uint64_t shim_now_ns(void);         /* CLOCK_MONOTONIC */
SHIM_HIDDEN uint64_t shim_tid_cpu_ns(pid_t tid, bool *gone);
SHIM_HIDDEN pid_t shim_gettid(void);

/* ---- registry.c --------------------------------------------------------- */
SHIM_HIDDEN extern struct slot shim_slots[SHIM_MAX_SLOTS];
SHIM_HIDDEN extern _Atomic uint32_t shim_slots_hwm;     /* slots in use < hwm */
SHIM_HIDDEN extern _Atomic uint64_t shim_cpu_total_ns;  /* all threads, ever */
/* samples lost otherwise: a signal that came too late for its thread, or
 * never came (displaced handler, thread gone) */
SHIM_HIDDEN extern _Atomic uint64_t shim_lost_other;
SHIM_HIDDEN extern size_t shim_ring_words;
/* Registers tid (the caller itself when self is true).  Returns the slot or
 * NULL (registry full, out of memory, already registered). */
SHIM_HIDDEN struct slot *shim_register(pid_t tid);
/* Registers threads listed in /proc/self/task that are not yet known.
 * Returns how many tasks other than the shim's own threads exist, or -1
 * when the thread count did not change since the last scan (then nothing is
 * listed, unless force). */
SHIM_HIDDEN int shim_scan_tasks(bool force);
SHIM_HIDDEN void shim_read_comm(pid_t tid, char name[SHIM_NAME_LEN]);

/* ---- handler.c ---------------------------------------------------------- */
#define SHIM_SIGVAL_MAGIC 0x5350u       /* "SP": marks our own signals */
SHIM_HIDDEN int shim_install_handler(void);
SHIM_HIDDEN void shim_restore_handler(void);
/* False once the program replaced our SIGPROF handler with its own. */
SHIM_HIDDEN bool shim_handler_in_place(void);
/* Set when the program installs its own SIGPROF disposition: from then on
 * the sampler sends no more signals (they would reach the program). */
SHIM_HIDDEN extern _Atomic int shim_sigprof_displaced;
/* Sets it, saying how the program took the signal (for the note), and
 * stops the counters at once (interpose.c). */
SHIM_HIDDEN void shim_displace(const char *how);
SHIM_HIDDEN extern const char *shim_displaced_how;
/* si_value payload for a signal aimed at slot s */
static inline uint64_t shim_sigval(uint32_t idx, uint32_t gen)
{
	return ((uint64_t)SHIM_SIGVAL_MAGIC << 48) | ((uint64_t)(gen & 0xffffffu) << 24) | idx;
}

/* ---- sampler.c / writer.c ----------------------------------------------- */
SHIM_HIDDEN int shim_start_threads(void);
SHIM_HIDDEN void shim_stop_sampler(void);         /* and join it */
SHIM_HIDDEN void shim_signal_sampler_stop(void);  /* without waiting */
/* Has the writer write the final block (with REC_END unless status < 0) and
 * stop; bounded: wait at most a second, and without joining. */
SHIM_HIDDEN void shim_stop_writer(int status, bool bounded);
/* Stops sampling and writes the final block, once, in the process that
 * started the shim (not in a vfork child sharing its memory). */
SHIM_HIDDEN void shim_shutdown(bool bounded);
SHIM_HIDDEN void *shim_writer_main(void *);
/* How often the writer drains the rings: often enough at high rates that the
 * rings stay small, rarely at low rates so the writer costs nothing. */
static inline uint64_t shim_drain_ns(void)
{
	return shim_cfg.hz >= 200 ? 100000000u : 250000000u;
}
SHIM_HIDDEN void *shim_sampler_main(void *);
SHIM_HIDDEN void shim_writer_wake(void);
SHIM_HIDDEN extern _Atomic int shim_images_changed;   /* dlclose seen */

/* ---- wall mode: the sampler's queue of synthetic samples (sampler.c) ----
 * Off-CPU samples of threads the sampler did not signal: a single-producer
 * (sampler) single-consumer (writer) ring of struct synth entries, each
 * followed by depth pcs for SYN_STACK. */
enum synth_kind {
	SYN_STACK = 1,          /* a new blocked stack of the slot (pcs follow) */
	SYN_BLOCKED = 2,        /* the slot's last SYN_STACK again */
	SYN_LAST = 3,           /* the slot's last signalled sample again */
	SYN_NEXT = 4,           /* the stack the pending signal will record: the
				 * thread waits for a CPU and has not run since */
};
struct synth {
	uint64_t t_ns;
	uint32_t words;                 /* header + pcs, in words; 0 = wrap */
	uint16_t depth;
	uint16_t kind;
	uint32_t slot;
	uint32_t tid;
};
#define SYNTH_HDR_WORDS (sizeof(struct synth) / sizeof(uint64_t))
SHIM_HIDDEN extern uint64_t *shim_synth_ring;
SHIM_HIDDEN extern size_t shim_synth_words;
SHIM_HIDDEN extern _Atomic uint64_t shim_synth_head, shim_synth_tail;
SHIM_HIDDEN extern _Atomic uint64_t shim_synth_lost;
SHIM_HIDDEN extern _Atomic uint64_t shim_thread_wall_ns;  /* wall time of sampled threads */

/* ---- blocking.c: wrappers of the calls a handler would cut short -------- */
SHIM_HIDDEN void shim_blocking_init(void);

/* ---- notes from program threads to the writer (writer.c) ---------------
 * Renames and unprofiled children are recorded when they happen, from any
 * thread, under a lock the writer takes only to swap the notes out. */
SHIM_HIDDEN void shim_note_thread_name(pid_t tid, const char *name);
SHIM_HIDDEN void shim_note_unprofiled(const char *path, const char *why);
/* the same from a vfork child: no allocation, no lock (a few at a time) */
SHIM_HIDDEN void shim_note_unprofiled_vfork(const char *path, const char *why);
SHIM_HIDDEN void shim_writer_reset_child(void);
/* pthread_atfork: no fork while the writer is inside the loader's lock
 * (writer.c), which a fork child would inherit locked. */
SHIM_HIDDEN void shim_fork_prepare(void);
SHIM_HIDDEN void shim_fork_parent(void);
SHIM_HIDDEN void shim_fork_child_locks(void);
/* how the final block's REC_END says the process ended (RAW_END_*) */
SHIM_HIDDEN extern int shim_end_how;

/* ---- follow.c: process trees -------------------------------------------- */
/* Keeps the settings (names[i]=values[i] where have[i]) for children: back
 * in environ, and for the exec wrappers to put in an envp without them. */
SHIM_HIDDEN void shim_follow_init(const char *const *names, char (*values)[4096], const bool *have,
				  size_t n);
/* fork child (pthread_atfork): start over with empty buffers, own threads */
SHIM_HIDDEN void shim_follow_fork_child(void);

/* ---- perfclock.c: per-thread task-clock counters (cpu mode) ------------
 * Threads with a counter are signalled by their own overflows; the others
 * (no counter could be had) by the sampler, as before. */
SHIM_HIDDEN extern _Atomic int shim_perf_on;
SHIM_HIDDEN void shim_perf_init(void);           /* after the handler is in */
SHIM_HIDDEN void shim_perf_attach(struct slot *s);
SHIM_HIDDEN bool shim_perf_lookup(int fd, uint32_t *idx, uint32_t *gen);
/* sampler: true when slot idx has a counter (then it sends no signal) */
SHIM_HIDDEN bool shim_perf_owns(uint32_t idx);
/* sampler, each tick: closes the counters of gone threads, gives threads
 * whose counter fd the program closed back to polling */
SHIM_HIDDEN void shim_perf_tick(void);
SHIM_HIDDEN void shim_perf_reset_child(void);
/* before an exec: no overflow may leave a signal pending for the new
 * program; resume after a failed exec */
SHIM_HIDDEN void shim_perf_pause(void);
SHIM_HIDDEN void shim_perf_resume(void);
SHIM_HIDDEN const char *shim_perf_mechanism(void);
/* a thread leaving (pthread_exit, start routine returned) notes its CPU
 * clock; the sampler takes it (once) when the thread's clock is gone */
SHIM_HIDDEN void shim_perf_thread_exit(void);
SHIM_HIDDEN bool shim_perf_final_cpu(uint32_t idx, struct timespec *ts);

/* ---- sigmask.c: the sampling signal out of the program's sight --------- */
/* The thread's signal mask by raw system call (never the wrappers), with
 * glibc's internal signals left unblocked as pthread_sigmask leaves them. */
SHIM_HIDDEN int shim_sigmask(int how, const sigset_t *set, sigset_t *old);
/* set without the sampling signal (in copy) while the shim samples: for
 * the wait sets of signalfd and the sigwait family */
SHIM_HIDDEN const sigset_t *shim_sigmask_strip(const sigset_t *set, sigset_t *copy);
SHIM_HIDDEN bool shim_sigmask_prog_blocked(void);
SHIM_HIDDEN void shim_sigmask_set_prog_blocked(bool blocked);

/* ---- crash.c: crash signals --------------------------------------------- */
/* Set by shim_unwind_guarded around a walk: a SIGSEGV/SIGBUS in the shim's
 * code meanwhile jumps back there instead of reaching the program. */
SHIM_HIDDEN extern __thread sigjmp_buf *shim_unwind_jb __attribute__((tls_model("initial-exec")));
struct uw_regs;
enum uw_end;
/* uw_walk (unwind.h) with fault recovery: -1 when the walk faulted.  Where
 * recovery cannot be armed (the program ignores SIGSEGV), only the first pc
 * is taken, which needs no memory read. */
SHIM_HIDDEN int shim_unwind_guarded(struct uw_regs *regs, uint64_t *pcs, int max,
				    enum uw_end *end);
SHIM_HIDDEN void shim_crash_init(void);
/* The sigaction/signal wrappers ask these first; true when they did the
 * call themselves (a crash signal the shim's handler fronts). */
SHIM_HIDDEN bool shim_crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old,
				      int *ret);
SHIM_HIDDEN bool shim_crash_signal(int sig, sighandler_t handler, sighandler_t *prev);

/* futex helpers: sleep until *w != val or the CLOCK_MONOTONIC deadline */
SHIM_HIDDEN void shim_futex_wait_until(_Atomic int *w, int val, uint64_t abs_ns);
SHIM_HIDDEN void shim_futex_wake(_Atomic int *w);

#endif
