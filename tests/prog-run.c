/* prog-run.c -- the program the launcher tests run under `sprof run`: one
 * small behaviour per mode, so each test can check exactly one thing the
 * launcher must pass through (exit status, death by signal, arguments,
 * standard streams, forwarded signals, environment) or a profile with known
 * hot functions (spin).
 *
 * Usage: prog-run MODE [ARGS...]
 *   exit N                  exit with status N
 *   signal N                die of signal N
 *   args ARGS...            print each argument as [ARG] on its own line
 *   cat                     copy stdin to stdout, then "to stderr" on stderr
 *   touch FILE              create FILE (proves the program ran)
 *   env NAME                print NAME's value, or "(unset)"
 *   wait-signal READY OUT   create READY once handlers are set, wait for
 *                           SIGTERM/SIGINT/SIGHUP/SIGUSR1, write "got NAME" (TERM ...) to
 *                           OUT and exit 42 (exit 99 after 20 s)
 *   count-int READY OUT     create READY once a SIGINT counter is set, and
 *                           0.5 s after the first SIGINT write "count N"
 *                           to OUT and exit 42 (exit 99 after 20 s)
 *   spin SECONDS            burn SECONDS of CPU time in spin_outer ->
 *                           spin_inner, exit 0 */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, count;

static void on_signal(int sig)
{
	got = sig;
	count++;
}

static double clock_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time, so that the number of samples does not depend on how busy the
 * machine is. */
static double cpu_now(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

volatile unsigned long sink;

__attribute__((noinline)) static unsigned long spin_inner(unsigned long x)
{
	for (int i = 0; i < 100000; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	return x;
}

__attribute__((noinline)) static void spin_outer(double secs)
{
	double end = cpu_now() + secs;
	unsigned long x = 1;
	while (cpu_now() < end)
		x = spin_inner(x);
	sink = x;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: prog-run MODE [ARGS...]\n");
		return 99;
	}
	const char *mode = argv[1];
	if (!strcmp(mode, "exit") && argc == 3)
		return atoi(argv[2]);
	if (!strcmp(mode, "signal") && argc == 3) {
		int sig = atoi(argv[2]);
		signal(sig, SIG_DFL);
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, sig);
		sigprocmask(SIG_UNBLOCK, &s, NULL);
		raise(sig);
		return 98;
	}
	if (!strcmp(mode, "args")) {
		for (int i = 2; i < argc; i++)
			printf("[%s]\n", argv[i]);
		return 0;
	}
	if (!strcmp(mode, "cat")) {
		char buf[4096];
		ssize_t n;
		while ((n = read(0, buf, sizeof buf)) > 0)
			if (write(1, buf, (size_t)n) != n)
				return 98;
		fputs("to stderr\n", stderr);
		return 0;
	}
	if (!strcmp(mode, "touch") && argc == 3) {
		int fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
		return fd < 0 ? 98 : 0;
	}
	if (!strcmp(mode, "env") && argc == 3) {
		const char *v = getenv(argv[2]);
		printf("%s\n", v ? v : "(unset)");
		return 0;
	}
	if (!strcmp(mode, "wait-signal") && argc == 4) {
		static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			sigaction(sigs[i], &sa, NULL);
		int fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return 98;
		close(fd);
		double end = now() + 20;
		while (!got && now() < end)
			usleep(10000);
		if (!got)
			return 99;
		FILE *f = fopen(argv[3], "w");
		if (!f)
			return 98;
		/* by name: signal numbers differ between architectures */
		const char *name = sigabbrev_np((int)got);
		fprintf(f, "got %s\n", name ? name : "?");
		fclose(f);
		return 42;
	}
	if (!strcmp(mode, "count-int") && argc == 4) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		int fd = open(argv[2], O_WRONLY | O_CREAT, 0644);
		if (fd < 0)
			return 98;
		close(fd);
		double end = now() + 20;
		while (!count && now() < end)
			usleep(10000);
		if (!count)
			return 99;
		usleep(500000);     /* time for a second (wrong) delivery */
		FILE *f = fopen(argv[3], "w");
		if (!f)
			return 98;
		fprintf(f, "count %d\n", (int)count);
		fclose(f);
		return 42;
	}
	if (!strcmp(mode, "spin") && argc == 3) {
		spin_outer(atof(argv[2]));
		return 0;
	}
	fprintf(stderr, "prog-run: bad arguments\n");
	return 99;
}
