/* burn.h -- CPU-time burning for the test programs that must put a known
 * amount of CPU into a named function.  Measured on the thread's own CPU
 * clock, so time lost to the scheduler (or to the profiler) is not counted.
 * Header-only: each program includes it once. */
#ifndef SPROF_TESTS_BURN_H
#define SPROF_TESTS_BURN_H

#include <time.h>

static volatile unsigned long burn_sink;

static double burn_thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Burns ms of this thread's CPU time, reading the clock every `chunk`
 * iterations: a small chunk keeps short burns (~1 ms) accurate, a large
 * one keeps the clock's own frames out of most samples. */
static void burn_cpu_ms(double ms, int chunk)
{
	double t0 = burn_thread_cpu_ms();
	unsigned long x = 0;
	while (burn_thread_cpu_ms() - t0 < ms)
		for (int i = 0; i < chunk; i++)
			x += (unsigned long)i * 13;
	burn_sink += x;
}

#endif
