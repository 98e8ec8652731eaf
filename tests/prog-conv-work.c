/* prog-conv-work.c -- a CPU-bound program with known functions on known
 * lines for the `sprof convert` tests.  The lines marked CALL:x are where
 * the callers call; the tests find them in this file and expect them as the
 * caller frames' line numbers.
 *
 * Usage: prog-conv-work single|threads|clock|spawn [SECONDS]   (default 0.4)
 * threads: the main thread and two threads named conv-worker-1/2 all spin.
 * clock: the main thread reads CLOCK_MONOTONIC in a loop (in the vDSO).
 * spawn: the main thread creates and joins threads that return at once,
 * so that samples land inside pthread_create (the shim wraps it). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile double sink;
static double seconds = 0.4;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) void conv_spin_leaf(long n)
{
	double s = 0;
	for (long i = 0; i < n; i++)
		s += (double)i * 0.5;
	sink += s;
}

__attribute__((noinline)) void conv_work_a(long n)
{
	conv_spin_leaf(n); /* CALL:work_a */
	sink += 1;
}

__attribute__((noinline)) void conv_work_b(long n)
{
	conv_spin_leaf(n); /* CALL:work_b */
	sink += 2;
}

static void *conv_thread_main(void *arg)
{
	char name[16];
	snprintf(name, sizeof name, "conv-worker-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	double end = now() + seconds;
	while (now() < end)
		conv_work_b(20000); /* CALL:thread */
	return NULL;
}

__attribute__((noinline)) void conv_clock_loop(void)
{
	double end = now() + seconds;
	while (now() < end)
		;
}

static void *conv_nothing(void *arg)
{
	return arg;
}

__attribute__((noinline)) void conv_spawn_loop(void)
{
	double end = now() + seconds;
	while (now() < end) {
		pthread_t t;
		if (pthread_create(&t, NULL, conv_nothing, NULL) == 0) /* CALL:spawn */
			pthread_join(t, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "single") && strcmp(argv[1], "threads") &&
	                 strcmp(argv[1], "clock") && strcmp(argv[1], "spawn"))) {
		fprintf(stderr, "usage: prog-conv-work single|threads|clock|spawn [SECONDS]\n");
		return 2;
	}
	if (argc > 2)
		seconds = atof(argv[2]);
	if (!strcmp(argv[1], "clock")) {
		conv_clock_loop();
		return 0;
	}
	if (!strcmp(argv[1], "spawn")) {
		conv_spawn_loop();
		return 0;
	}
	int nthreads = !strcmp(argv[1], "threads") ? 2 : 0;
	pthread_t t[2];
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, conv_thread_main, (void *)(long)(i + 1));
	double end = now() + seconds;
	while (now() < end)
		conv_work_a(20000); /* CALL:main */
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
