/* prog-hard-sigwait.c -- a program that blocks every signal and takes them
 * synchronously, with signalfd (main thread) and sigtimedwait (a second
 * thread), while both burn CPU.  Unprofiled, the only signal it ever reads
 * is the SIGUSR1 it sends itself; any other is "unexpected" (exit 1).  It
 * also checks that the mask it set is the mask it reads back, and that
 * sigpending shows nothing it did not send.
 *
 *   prog-hard-sigwait SECONDS
 * Prints "sigusr1 1" and "ok" and exits 0.
 *   prog-hard-sigwait own
 * Burns 0.2 s, blocks SIGPROF alone, sends it to itself, waits for it with
 * sigwait and prints "got 27". */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static double seconds;
static _Atomic int got_usr1;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(int sig, const char *who)
{
	if (sig == SIGUSR1) {
		got_usr1++;
		return;
	}
	printf("unexpected signal %d (%s)\n", sig, who);
	fflush(stdout);
	exit(1);
}

static void check_mask(void)
{
	sigset_t cur, pend;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && !sigismember(&cur, s)) {
			printf("signal %d no longer blocked\n", s);
			exit(1);
		}
	if (sigpending(&pend) == 0)
		for (int s = 1; s < 32; s++)
			if (s != SIGUSR1 && sigismember(&pend, s)) {
				printf("signal %d pending\n", s);
				exit(1);
			}
}

static void *waiter(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	double end = now() + seconds;
	while (now() < end) {
		burn_cpu_ms(1, 1000);
		struct timespec ts = { 0, 1000000 };
		siginfo_t si;
		int s = sigtimedwait(&all, &si, &ts);
		if (s > 0)
			check(s, "sigtimedwait");
		else if (errno != EAGAIN && errno != EINTR) {
			printf("sigtimedwait failed: errno %d\n", errno);
			exit(1);
		}
		check_mask();
	}
	return NULL;
}

static int own_signal(void)
{
	burn_cpu_ms(200, 1000);
	sigset_t prof;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	sigprocmask(SIG_BLOCK, &prof, NULL);
	kill(getpid(), SIGPROF);
	int sig = 0;
	if (sigwait(&prof, &sig) != 0)
		return 1;
	printf("got %d\n", sig);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "own"))
		return own_signal();
	seconds = argc > 1 ? atof(argv[1]) : 1.0;
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	int fd = signalfd(-1, &all, SFD_NONBLOCK);
	if (fd < 0) {
		perror("signalfd");
		return 2;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, waiter, NULL) != 0)
		return 2;
	double start = now(), end = start + seconds;
	int sent = 0;
	while (now() < end) {
		burn_cpu_ms(1, 1000);
		if (!sent && now() > start + seconds / 2) {
			kill(getpid(), SIGUSR1);
			sent = 1;
		}
		struct signalfd_siginfo si;
		while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
			check((int)si.ssi_signo, "signalfd");
		check_mask();
	}
	pthread_join(t, NULL);
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si)
		check((int)si.ssi_signo, "signalfd");
	printf("sigusr1 %d\nok\n", got_usr1);
	return 0;
}
