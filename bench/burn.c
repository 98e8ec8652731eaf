/* burn.c -- the fixed-work CPU-bound bench workload.
 *
 *   bench-burn [-t THREADS] [-n UNITS] [-d DEPTH]
 *
 * Each of THREADS threads recurses DEPTH frames deep, then does UNITS units
 * of arithmetic (one unit is ~1e5 dependent multiply/xor steps) and returns.
 * The work is fixed, so any extra CPU or wall time under a profiler is the
 * profiler's; the stack depth is fixed, so the per-sample cost can be
 * measured as a function of depth.  Built with frame pointers so perf -g and
 * gperftools can walk the same stacks sprof does. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static long units = 100;
static int depth = 8;
static volatile uint64_t sink;
/* CPU time of the threads doing the work, in ns: the denominator of a
 * delivered rate (a profiler's own helper threads are not "the program"). */
static _Atomic uint64_t worker_cpu_ns;

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((noinline)) static uint64_t burn_unit(uint64_t x)
{
	for (int i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		x *= 0x9e3779b97f4a7c15ull;
	}
	return x;
}

__attribute__((noinline)) static uint64_t burn(uint64_t seed)
{
	uint64_t x = seed | 1;
	for (long u = 0; u < units; u++)
		x = burn_unit(x);
	return x;
}

/* Not a tail call (the add after it), so every level keeps its frame. */
__attribute__((noinline)) static uint64_t descend(int level, uint64_t seed)
{
	if (level <= 0)
		return burn(seed);
	uint64_t r = descend(level - 1, seed + 1);
	sink = r;
	return r + (uint64_t)level;
}

static void *worker(void *arg)
{
	/* Single-threaded the stack is _start, __libc_start_main,
	 * __libc_start_call_main, main, worker, descend x (depth - 7), burn,
	 * burn_unit: depth frames in all (one fewer in other threads). */
	sink = descend(depth > 8 ? depth - 8 : 0, (uint64_t)(uintptr_t)arg);
	if (arg != (void *)0)
		worker_cpu_ns += thread_cpu_ns();
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1, c;
	while ((c = getopt(argc, argv, "t:n:d:")) != -1) {
		switch (c) {
		case 't': threads = atoi(optarg); break;
		case 'n': units = atol(optarg); break;
		case 'd': depth = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench-burn [-t THREADS] [-n UNITS] [-d DEPTH]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 256 || units < 0 || depth < 0 || depth > 100000) {
		fprintf(stderr, "bench-burn: bad arguments\n");
		return 2;
	}
	double t0 = bench_now();
	if (threads == 1) {
		worker((void *)0);  /* main's own CPU is counted below */
	} else {
		pthread_t tid[256];
		for (int i = 0; i < threads; i++)
			if (pthread_create(&tid[i], NULL, worker, (void *)(uintptr_t)(i + 1)) != 0) {
				fprintf(stderr, "bench-burn: pthread_create failed\n");
				return 1;
			}
		for (int i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
	}
	char extra[64];
	snprintf(extra, sizeof extra, "\"thread_cpu\": %.6f",
	         (double)(worker_cpu_ns + thread_cpu_ns()) / 1e9);
	bench_report(t0, extra);
	return 0;
}
