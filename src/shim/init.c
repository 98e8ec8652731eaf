/* init.c -- start-up and shut-down of libsprof.so: reads the SPROF_*
 * settings (and hides them from the program), opens nothing until it knows
 * it is wanted, starts the sampler and writer threads, and at exit has the
 * writer drain everything and write the final block.  A child after fork()
 * turns the shim dormant: it has none of the parent's threads. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>


#include "raw/format.h"
#include "shim/shim.h"

struct shim_config shim_cfg;
_Atomic int shim_active;
uint64_t shim_mono_start_ns, shim_wall_start_ns;
pid_t shim_pid;
_Atomic pid_t shim_sampler_tid, shim_writer_tid;
_Atomic int shim_main_exited;
int shim_exit_status;
int (*shim_real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* Set once the threads run; cleared in a fork child so nothing is flushed
 * twice and the child never waits for threads it does not have. */
static _Atomic int started;

uint64_t shim_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

pid_t shim_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* The per-thread CPU clock of any thread of this process, without needing
 * its pthread_t (threads found in /proc have none): CPUCLOCK_PERTHREAD |
 * CPUCLOCK_SCHED on the negated tid, as glibc's pthread_getcpuclockid does. */
uint64_t shim_tid_cpu_ns(pid_t tid, bool *gone)
{
	struct timespec ts;
	clockid_t c = (clockid_t)((~(unsigned)tid << 3) | 6);
	if (clock_gettime(c, &ts) != 0) {
		*gone = true;
		return 0;
	}
	*gone = false;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- settings ----------------------------------------------------------- */

static const char *const sprof_vars[] = {
	"SPROF_OUTPUT", "SPROF_FREQUENCY", "SPROF_MAX_DEPTH", "SPROF_MODE", "SPROF_SIGNAL",
	"SPROF_FOLLOW",         /* last: follow.c hands the others on */
};
#define NVARS (sizeof sprof_vars / sizeof sprof_vars[0])

/* Copies the values out, removes the variables from environ and zeroes their
 * bytes in place: environ's strings live in the block the kernel shows as
 * /proc/PID/environ, and children inherit environ. */
static void take_env(char values[NVARS][4096], bool have[NVARS])
{
	extern char **environ;
	if (!environ)
		return;
	char **out = environ;
	for (char **e = environ; *e; e++) {
		bool ours = false;
		for (size_t i = 0; i < NVARS; i++) {
			size_t n = strlen(sprof_vars[i]);
			if (strncmp(*e, sprof_vars[i], n) == 0 && (*e)[n] == '=') {
				ours = true;
				snprintf(values[i], 4096, "%s", *e + n + 1);
				have[i] = true;
				memset(*e, 0, strlen(*e));
				break;
			}
		}
		if (!ours)
			*out++ = *e;
	}
	*out = NULL;
}

static bool parse_num(const char *s, unsigned long min, unsigned long max, uint32_t *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* One line on stderr: the only output the shim ever makes, and only when the
 * launcher handed it settings it cannot use. */
static void setup_error(const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof line, "sprof: profiling disabled: %s\n", what);
	if (n > 0 && write(2, line, (size_t)n) < 0) {
		/* nothing left to tell */
	}
}

static void on_fork_child(void)
{
	shim_fork_child_locks();
	if (shim_cfg.follow && atomic_load(&started)) {
		shim_follow_fork_child();       /* profiled too, on its own */
		return;
	}
	if (!atomic_exchange(&started, 0))
		return;
	atomic_store(&shim_active, 0);
	extern void shim_writer_atfork_child(void);
	shim_writer_atfork_child();
	shim_restore_handler();
}

__attribute__((constructor)) static void shim_init(void)
{
	char values[NVARS][4096];
	bool have[NVARS] = { false };
	shim_interpose_init();
	take_env(values, have);
	if (!have[0] || !values[0][0])
		return;         /* not asked to profile: stay dormant */

	shim_real_pthread_create = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
					    void *))dlsym(RTLD_NEXT, "pthread_create");
	if (!shim_real_pthread_create) {
		setup_error("pthread_create not found");
		return;
	}
	if (values[0][0] != '/' || strlen(values[0]) >= sizeof shim_cfg.output) {
		setup_error("SPROF_OUTPUT is not an absolute path");
		return;
	}
	snprintf(shim_cfg.output, sizeof shim_cfg.output, "%s", values[0]);
	shim_cfg.hz = 101;
	shim_cfg.max_depth = 128;
	if (have[1] && !parse_num(values[1], 1, 10000, &shim_cfg.hz)) {
		setup_error("SPROF_FREQUENCY is not in 1..10000");
		return;
	}
	if (have[2] && !parse_num(values[2], 1, 1024, &shim_cfg.max_depth)) {
		setup_error("SPROF_MAX_DEPTH is not in 1..1024");
		return;
	}
	shim_cfg.mode = RAW_MODE_CPU;
	if (have[3] && strcmp(values[3], "wall") == 0)
		shim_cfg.mode = RAW_MODE_WALL;
	else if (have[3] && strcmp(values[3], "cpu") != 0) {
		setup_error("SPROF_MODE is not cpu or wall");
		return;
	}
	/* any catchable signal but glibc's two internal real-time ones (32, 33)
	 * and those whose default is a crash (crash.c needs them) */
	uint32_t signo = SIGPROF;
	if (have[4] && (!parse_num(values[4], 1, (unsigned long)SIGRTMAX, &signo) || signo == SIGKILL ||
			signo == SIGSTOP || (signo > 31 && (int)signo < SIGRTMIN) || signo == SIGSEGV ||
			signo == SIGBUS || signo == SIGILL || signo == SIGFPE || signo == SIGABRT ||
			signo == SIGTRAP || signo == SIGSYS)) {
		setup_error("SPROF_SIGNAL is not a usable signal number");
		return;
	}
	shim_cfg.signo = (int)signo;
	shim_cfg.period_ns = 1000000000u / shim_cfg.hz;
	/* SPROF_FOLLOW=0 (sprof run --no-follow): this process only, and the
	 * settings stay hidden; else children and exec'ed programs get them */
	shim_cfg.follow = !have[5] || strcmp(values[5], "0") != 0;
	if (shim_cfg.follow)
		shim_follow_init(sprof_vars, values, have, NVARS);

	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	shim_wall_start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	shim_mono_start_ns = shim_now_ns();
	shim_pid = getpid();

	extern int shim_writer_open(void);
	if (shim_writer_open() != 0)
		return;         /* no file: stay dormant, silently */
	if (!shim_register(shim_gettid())) {
		setup_error("cannot register the main thread");
		return;
	}
	if (shim_install_handler() != 0) {
		setup_error("cannot install the sampling signal handler");
		return;
	}
	pthread_atfork(shim_fork_prepare, shim_fork_parent, on_fork_child);
	atomic_store(&shim_active, 1);
	if (shim_start_threads() != 0) {
		atomic_store(&shim_active, 0);
		shim_restore_handler();
		setup_error("cannot start the sampler threads");
		return;
	}
	atomic_store(&started, 1);
	shim_crash_init();      /* once there is a writer to flush */
}

/* Runs in whichever thread ends the process (exit() may come from any thread
 * while others still run), at most once.  Bounded (from _exit, perhaps in a
 * signal handler): the sampler is told to stop but not joined. */
void shim_shutdown(bool bounded)
{
	/* a vfork() child shares our memory: it must not stop the parent's
	 * profile (and a fork child turned dormant already) */
	if (getpid() != shim_pid)
		return;
	if (!atomic_exchange(&started, 0))
		return;
	atomic_store(&shim_active, 0);
#ifdef SHIM_DEBUG
	/* development aid (make CFLAGS=-DSHIM_DEBUG): the shim's own costs */
	bool gone;
	uint64_t scpu = shim_tid_cpu_ns(shim_sampler_tid, &gone);
	uint64_t wcpu = shim_tid_cpu_ns(shim_writer_tid, &gone);
	extern uint64_t shim_debt_dropped_ns;
	extern _Atomic uint64_t shim_dbg_handler_ns, shim_dbg_handler_n;
	fprintf(stderr, "sprof-debug: handler %.2f us/sample over %llu\n",
		shim_dbg_handler_n ? shim_dbg_handler_ns / 1e3 / shim_dbg_handler_n : 0.0,
		(unsigned long long)shim_dbg_handler_n);
	extern uint64_t shim_dbg_ticks, shim_dbg_behind;
	fprintf(stderr, "sprof-debug: ticks %llu behind %llu\n", (unsigned long long)shim_dbg_ticks,
		(unsigned long long)shim_dbg_behind);
	fprintf(stderr, "sprof-debug: sampler %.3f ms cpu, writer %.3f ms cpu, debt dropped %.3f ms, cpu total %.3f ms\n",
		scpu / 1e6, wcpu / 1e6, shim_debt_dropped_ns / 1e6, atomic_load(&shim_cpu_total_ns) / 1e6);
#endif
	if (bounded)
		shim_signal_sampler_stop();
	else
		shim_stop_sampler();
	shim_stop_writer(shim_exit_status, bounded);
}

/* A destructor rather than atexit(): preloaded, the shim is finalised after
 * the program and its libraries, so their exit-time work is still sampled. */
__attribute__((destructor)) static void shim_fini(void)
{
	shim_shutdown(false);
}
