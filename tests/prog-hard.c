/* prog-hard.c -- programs that end or behave badly, for the hardening tests
 * (tests/hard-*.sh): each mode burns some CPU (so there is something to
 * sample), says what it does on stdout, then does it.  Run with and without
 * sprof, the status and stdout must be the same.
 *
 *   segv | abort | fpe | ill | trap | bus      crash with that signal
 *   own-segv       its own SIGSEGV handler (SA_SIGINFO) runs, then dies
 *   own-segv-old   the same with a signal() handler that exits 42
 *   resethand      SA_RESETHAND handler returns: the fault comes back, default
 *   overflow       unbounded recursion: a stack overflow
 *   deep N         recursion N deep, burning at the bottom, then exit 0
 *   exit-thread    exit(7) from a second thread while main waits
 *   exec-fail      execve of a missing path fails; then exit 5
 *   block          a thread burns with SIGNO blocked, then unblocked
 *   own-sig SIGNO  installs a handler for SIGNO, counts what it gets
 *   closefds       closes every descriptor but 0-2, burns, exits 0
 *   chdir          chdir("/") and burns
 *   daemon FILE    daemon(): the child burns, then writes FILE
 *   bigout         burns 1.5 s and prints a few lines (ulimit -f test) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static __attribute__((noinline)) void burn(double secs)
{
	double t0 = thread_cpu();
	uint64_t x = 1;
	while (thread_cpu() - t0 < secs)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005u + 1442695040888963407u;
	sink = x;
}

static void say(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

static void on_segv_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char line[80];
	int n = snprintf(line, sizeof line, "own handler: signal %d code %d\n", sig, si->si_code);
	if (write(1, line, (size_t)n) < 0)
		_exit(99);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_segv_old(int sig)
{
	char line[] = "old-style handler\n";
	if (write(1, line, sizeof line - 1) < 0 || sig != SIGSEGV)
		_exit(99);
	_exit(42);
}

static volatile int resethand_calls;
static void on_resethand(int sig)
{
	(void)sig;
	resethand_calls++;
	if (write(1, "resethand handler\n", 18) < 0)
		_exit(99);
}

static int *volatile bad_ptr = (int *)16;
static __attribute__((noinline)) void fault(void)
{
	*bad_ptr = 1;
}

/* stops only where the stack does: the limit is opaque to the compiler */
static volatile uint64_t recurse_limit = UINT64_MAX;
static __attribute__((noinline)) uint64_t recurse(uint64_t n)
{
	volatile char pad[256];
	pad[0] = (char)n;
	if (n >= recurse_limit)
		return 0;
	return recurse(n + 1) + (uint64_t)pad[0];
}

static __attribute__((noinline)) uint64_t deep(long n)
{
	volatile char pad[64];
	pad[0] = (char)n;
	if (n == 0) {
		burn(0.5);
		return 1;
	}
	return deep(n - 1) + (uint64_t)pad[0];
}

static void *exit_thread(void *arg)
{
	(void)arg;
	burn(0.2);
	say("thread exits");
	exit(7);
}

static int block_signo;
static void *block_thread(void *arg)
{
	(void)arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, block_signo);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	burn(0.6);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	burn(0.3);
	return NULL;
}

static volatile sig_atomic_t own_count;
static void on_own(int sig)
{
	(void)sig;
	own_count++;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: prog-hard MODE [ARG]\n");
		return 2;
	}
	const char *m = argv[1];
	if (strcmp(m, "deep") != 0 && strcmp(m, "daemon") != 0)
		burn(0.3);
	if (!strcmp(m, "segv")) {
		say("segv");
		fault();
	} else if (!strcmp(m, "abort")) {
		say("abort");
		abort();
	} else if (!strcmp(m, "fpe")) {
		say("fpe");
		volatile int zero = 0;
		sink = (uint64_t)(10 / zero);
	} else if (!strcmp(m, "ill")) {
		say("ill");
		__builtin_trap();
	} else if (!strcmp(m, "trap")) {
		say("trap");
		raise(SIGTRAP);
	} else if (!strcmp(m, "bus")) {
		say("bus");
		char path[] = "/tmp/prog-hard-bus.XXXXXX";
		int fd = mkstemp(path);
		if (fd < 0)
			return 3;
		unlink(path);
		volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return 3;
		sink = (uint64_t)p[0];  /* beyond the end of an empty file */
	} else if (!strcmp(m, "own-segv")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_segv_info;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSEGV, &sa, NULL) != 0)
			return 3;
		struct sigaction cur;
		sigaction(SIGSEGV, NULL, &cur);
		say(cur.sa_sigaction == on_segv_info ? "handler reported back" : "handler NOT reported");
		fault();
	} else if (!strcmp(m, "own-segv-old")) {
		void (*prev)(int) = signal(SIGSEGV, on_segv_old);
		say(prev == SIG_DFL ? "previous was SIG_DFL" : "previous was NOT SIG_DFL");
		fault();
	} else if (!strcmp(m, "resethand")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_resethand;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, NULL);
		say("resethand");
		fault();
	} else if (!strcmp(m, "overflow")) {
		say("overflow");
		sink = recurse(0);
	} else if (!strcmp(m, "deep")) {
		sink = deep(argc > 2 ? atol(argv[2]) : 10000);
		say("deep done");
	} else if (!strcmp(m, "exit-thread")) {
		pthread_t t;
		pthread_create(&t, NULL, exit_thread, NULL);
		for (;;)
			pause();
	} else if (!strcmp(m, "exec-fail")) {
		char *args[] = { "/nonexistent/prog-hard", NULL };
		execve(args[0], args, (char *[]){ NULL });
		printf("execve failed: %s\n", strerror(errno));
		burn(0.2);
		return 5;
	} else if (!strcmp(m, "block")) {
		block_signo = argc > 2 ? atoi(argv[2]) : SIGPROF;
		pthread_t t;
		pthread_create(&t, NULL, block_thread, NULL);
		pthread_join(t, NULL);
		say("block done");
	} else if (!strcmp(m, "own-sig")) {
		int sig = argc > 2 ? atoi(argv[2]) : SIGPROF;
		signal(sig, on_own);
		burn(0.3);
		raise(sig);
		printf("own handler calls %d\n", (int)own_count);
	} else if (!strcmp(m, "closefds")) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		/* and take the lowest numbers for files of our own */
		for (int i = 0; i < 4; i++)
			if (open("/dev/null", O_RDONLY) < 0)
				return 3;
		burn(1.3);
		say("closefds done");
	} else if (!strcmp(m, "chdir")) {
		if (chdir("/") != 0)
			return 3;
		burn(1.2);
		say("chdir done");
	} else if (!strcmp(m, "daemon")) {
		if (argc < 3)
			return 2;
		say("daemon");
		if (daemon(0, 0) != 0)
			return 3;
		burn(1.2);
		FILE *f = fopen(argv[2], "w");
		if (!f)
			return 3;
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	} else if (!strcmp(m, "bigout")) {
		burn(1.2);
		for (int i = 0; i < 5; i++)
			printf("line %d\n", i);
	} else {
		fprintf(stderr, "prog-hard: unknown mode %s\n", m);
		return 2;
	}
	return 0;
}
