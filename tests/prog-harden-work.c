/* prog-harden-work.c -- the program the hardening tests profile to get real
 * raw files to damage: a few threads spinning through distinct call chains
 * (so the file has several threads, stacks and blocks), optionally for ever
 * so that it can be killed with SIGKILL mid-run.
 *
 * Usage: prog-harden-work THREADS SECONDS [READY-FILE]
 *   THREADS extra threads (0..8) spin beside the main thread for SECONDS of
 *   wall time (SECONDS < 0: until killed); READY-FILE, when given, is
 *   created once every thread is running. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;
static double seconds;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void harden_leaf(long n)
{
	unsigned long x = sink;
	for (long i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

__attribute__((noinline)) static void harden_mid_a(long n)
{
	harden_leaf(n);
	sink++;
}

__attribute__((noinline)) static void harden_mid_b(long n)
{
	harden_mid_a(n / 2);
	harden_leaf(n / 2);
	sink++;
}

static void spin(int which)
{
	double end = now() + seconds;
	while (seconds < 0 || now() < end) {
		if (which & 1)
			harden_mid_b(20000);
		else
			harden_mid_a(20000);
	}
}

static void *thread_main(void *arg)
{
	char name[16];
	snprintf(name, sizeof name, "harden-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	spin((int)(long)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: prog-harden-work THREADS SECONDS [READY-FILE]\n");
		return 99;
	}
	int n = atoi(argv[1]);
	if (n < 0 || n > 8)
		return 99;
	seconds = atof(argv[2]);
	pthread_t t[8];
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, thread_main, (void *)(long)(i + 1)))
			return 98;
	if (argc == 4) {
		int fd = open(argv[3], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return 98;
		close(fd);
	}
	spin(0);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}
