/* prog-shim-work.c -- the program the shim tests profile.  Each mode does
 * one thing the shim must cope with, burning known amounts of per-thread CPU
 * time so the tests can compare sample counts with it:
 *   burn SECS [DEPTH]   the main thread burns SECS of CPU at stack depth DEPTH
 *   threads             threads made by raw clone() (while main blocks), by a
 *                       constructor, and by main, burning 0.2/0.2/0.4/0.6 s;
 *                       each names itself (clone, ctor, w1, w2)
 *   env                 prints /proc/self/environ, then runs `sh -c env`
 *   deep N              burns 0.3 s at the bottom of an N-deep recursion
 *   exit-thread         a thread calls exit(5) while main burns
 *   fork                the child of a fork burns CPU; both exit 0
 *   many N              N short-lived threads, 10 at a time; prints
 *                       "rss KB fds N" after the first 100 and after all
 *   main-exit           main calls pthread_exit while a worker still burns
 *   dlopen LIB          burns in a dlopen()ed library, then dlclose()s it
 *   tasks               prints how many threads the process has
 *   underscore-exit     burns 0.3 s, then _exit(4) (no destructors run)
 *   vfork               a vfork() child whose exec fails calls _exit(3) in
 *                       the parent's memory; the parent burns on, exits 0
 *   own-sigprof         burns 0.3 s, installs its own SIGPROF handler, burns
 *                       0.3 s more, prints "sigprof N": queued SIGPROFs it got
 * Built with -O1 -fno-inline so every function keeps its frame. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

static double thread_cpu(void)
{
	/* raw syscall: also usable from the raw clone() thread, which has no
	 * TLS of its own (errno) */
	struct timespec ts;
	syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile double sink;

double spin(double x)
{
	for (int i = 0; i < 2000; i++)
		x = x * 1.0000001 + 0.5;
	return x;
}

void burn(double secs)
{
	double t0 = thread_cpu(), x = 0;
	while (thread_cpu() - t0 < secs)
		x += spin(x);
	sink = x;
}

int recurse(int depth, double secs)
{
	if (depth <= 1) {
		burn(secs);
		return 1;
	}
	int r = recurse(depth - 1, secs);
	sink = sink + 1;        /* work after the call: no tail call */
	return r + 1;
}

static void name_self(const char *name)
{
	syscall(SYS_prctl, PR_SET_NAME, name, 0, 0, 0);
}

/* ---- threads ------------------------------------------------------------ */

static pthread_t ctor_thread;

static void *ctor_main(void *arg)
{
	(void)arg;
	name_self("ctor");
	burn(0.2);
	return NULL;
}

/* The constructor runs before main, after the preloaded shim started. */
__attribute__((constructor)) static void start_ctor_thread(void)
{
	const char *mode = getenv("PROG_SHIM_CTOR_THREAD");
	if (mode && *mode == '1')
		pthread_create(&ctor_thread, NULL, ctor_main, NULL);
}

static volatile int clone_done;

static int clone_main(void *arg)
{
	(void)arg;
	name_self("clone");
	burn(0.2);
	clone_done = 1;
	syscall(SYS_futex, &clone_done, FUTEX_WAKE, 1, NULL, NULL, 0);
	return 0;
}

static void *worker(void *arg)
{
	double secs = *(double *)arg;
	name_self(secs < 0.5 ? "w1" : "w2");
	burn(secs);
	return NULL;
}

static int mode_threads(void)
{
	/* a thread the launcher, libc and the shim know nothing about */
	size_t stack_size = 1 << 20;
	char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return 99;
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
	if (clone(clone_main, stack + stack_size, flags, NULL) < 0)
		return 99;
	while (!clone_done)
		syscall(SYS_futex, &clone_done, FUTEX_WAIT, 0, NULL, NULL, 0);

	static double s1 = 0.4, s2 = 0.6;
	pthread_t t1, t2;
	pthread_create(&t1, NULL, worker, &s1);
	pthread_create(&t2, NULL, worker, &s2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	if (ctor_thread)
		pthread_join(ctor_thread, NULL);
	return 0;
}

/* ---- env ---------------------------------------------------------------- */

static int mode_env(void)
{
	FILE *f = fopen("/proc/self/environ", "r");
	if (!f)
		return 99;
	int c;
	while ((c = getc(f)) != EOF)
		putchar(c ? c : '\n');
	fclose(f);
	fflush(stdout);
	return system("sh -c env") == 0 ? 0 : 99;
}

/* ---- exit from a thread ------------------------------------------------- */

static void *exiter(void *arg)
{
	(void)arg;
	burn(0.3);
	exit(5);
}

static int mode_exit_thread(void)
{
	pthread_t t;
	pthread_create(&t, NULL, exiter, NULL);
	burn(30);               /* exit(5) ends this long before */
	return 0;
}

/* ---- fork --------------------------------------------------------------- */

static int mode_fork(void)
{
	burn(0.2);
	pid_t pid = fork();
	if (pid < 0)
		return 99;
	if (pid == 0) {
		burn(0.3);
		exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 98;
	burn(0.2);
	return 0;
}

/* ---- many short threads ------------------------------------------------- */

static void *short_main(void *arg)
{
	(void)arg;
	burn(0.0005);
	return NULL;
}

static void report_usage(void)
{
	long rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		long size;
		if (fscanf(f, "%ld %ld", &size, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	int fds = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		while (readdir(d))
			fds++;
		closedir(d);
	}
	printf("rss %ld fds %d\n", rss * (sysconf(_SC_PAGESIZE) / 1024), fds);
	fflush(stdout);
}

static int mode_many(int n)
{
	for (int i = 0; i < n; i += 10) {
		pthread_t t[10];
		for (int j = 0; j < 10; j++)
			if (pthread_create(&t[j], NULL, short_main, NULL) != 0)
				return 99;
		for (int j = 0; j < 10; j++)
			pthread_join(t[j], NULL);
		if (i + 10 == 100) {
			/* let the shim see the deaths and recycle, as it will at the end */
			struct timespec ts = { 0, 300000000 };
			nanosleep(&ts, NULL);
			report_usage();
		}
	}
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	report_usage();
	return 0;
}

/* ---- main thread leaves first ------------------------------------------- */

static void *late_worker(void *arg)
{
	(void)arg;
	burn(0.3);
	return NULL;
}

static int mode_main_exit(void)
{
	pthread_t t;
	pthread_create(&t, NULL, late_worker, NULL);
	pthread_exit(NULL);
}

/* ---- dlopen ------------------------------------------------------------- */

static int mode_dlopen(const char *lib)
{
	burn(0.2);
	void *h = dlopen(lib, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 99;
	}
	void (*fn)(double) = (void (*)(double))dlsym(h, "shim_dl_burn");
	if (!fn)
		return 99;
	fn(0.4);
	dlclose(h);
	burn(0.4);
	return 0;
}

static int mode_tasks(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return 99;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	printf("tasks %d\n", n);
	return 0;
}

static int mode_vfork(void)
{
	burn(0.2);
	pid_t pid = vfork();
	if (pid < 0)
		return 99;
	if (pid == 0) {
		execl("/nonexistent/prog-shim-none", "none", (char *)NULL);
		_exit(3);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
		return 98;
	burn(0.3);
	return 0;
}

static volatile sig_atomic_t queued_sigprofs;

static void own_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_QUEUE)
		queued_sigprofs++;
}

static int mode_own_sigprof(void)
{
	burn(0.3);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = own_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	if (sigaction(SIGPROF, &sa, NULL) != 0)
		return 99;
	burn(0.3);
	printf("sigprof %d\n", (int)queued_sigprofs);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *m = argv[1];
	if (!strcmp(m, "burn") && argc >= 3) {
		recurse(argc >= 4 ? atoi(argv[3]) : 1, atof(argv[2]));
		return 0;
	}
	if (!strcmp(m, "threads"))
		return mode_threads();
	if (!strcmp(m, "env"))
		return mode_env();
	if (!strcmp(m, "deep") && argc >= 3)
		return recurse(atoi(argv[2]), 0.3) == atoi(argv[2]) ? 0 : 98;
	if (!strcmp(m, "exit-thread"))
		return mode_exit_thread();
	if (!strcmp(m, "fork"))
		return mode_fork();
	if (!strcmp(m, "many") && argc >= 3)
		return mode_many(atoi(argv[2]));
	if (!strcmp(m, "main-exit"))
		return mode_main_exit();
	if (!strcmp(m, "underscore-exit")) {
		burn(0.3);
		_exit(4);
	}
	if (!strcmp(m, "vfork"))
		return mode_vfork();
	if (!strcmp(m, "own-sigprof"))
		return mode_own_sigprof();
	if (!strcmp(m, "tasks"))
		return mode_tasks();
	if (!strcmp(m, "dlopen") && argc >= 3)
		return mode_dlopen(argv[2]);
	return 2;
}
