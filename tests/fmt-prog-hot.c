/* fmt-prog-hot.c -- a program with known hot spots for the end-to-end format
 * tests (fmt-e2e*.sh): the main thread spends 70% of its CPU in burn_seventy
 * and 30% in burn_thirty, interleaved in small rounds so timing noise hits
 * both alike; a thread named "fmt-worker" burns in worker_spin about a
 * quarter as much CPU as the main thread.
 *
 * Usage: fmt-prog-hot [MILLISECONDS] -- roughly how long the main thread
 * burns (default 1000).  The work is counted in iterations calibrated at
 * start, not in wall time, so a sampler measuring CPU time sees the 70/30
 * split however busy the machine is. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void spin(unsigned long n)
{
	unsigned long x = sink;
	for (unsigned long i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

/* Each has its own loop (not a call to spin) so the samples land in it, and
 * its own constants so identical code folding (-O2 -fipa-icf) cannot merge
 * it with another. */
__attribute__((noinline)) void burn_seventy(unsigned long n)
{
	unsigned long x = sink;
	for (unsigned long i = 0; i < 7 * n; i++)
		x = x * 2862933555777941757ul + 3037000493ul;
	sink = x;
}

__attribute__((noinline)) void burn_thirty(unsigned long n)
{
	unsigned long x = sink;
	for (unsigned long i = 0; i < 3 * n; i++)
		x = x * 3935559000370003845ul + 2691343689449507681ul;
	sink = x;
}

__attribute__((noinline)) void worker_spin(unsigned long n)
{
	unsigned long x = sink;
	for (unsigned long i = 0; i < n; i++)
		x = x * 3202034522624059733ul + 4354685564936845319ul;
	sink = x;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct work {
	unsigned long round, rounds;
};

static void *worker(void *arg)
{
	const struct work *w = arg;
	pthread_setname_np(pthread_self(), "fmt-worker");     /* before any sample */
	for (unsigned long r = 0; r < w->rounds; r++)
		worker_spin(w->round * 10 / 4);
	return NULL;
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 1000;
	if (ms <= 0 || ms > 60000) {
		fprintf(stderr, "usage: fmt-prog-hot [MILLISECONDS]\n");
		return 2;
	}
	/* iterations per millisecond of this CPU, measured over ~20 ms */
	double t0 = cpu_seconds();
	unsigned long calib = 0;
	while (cpu_seconds() - t0 < 0.02) {
		spin(100000);
		calib += 100000;
	}
	double per_ms = (double)calib / ((cpu_seconds() - t0) * 1000);

	/* rounds of ~10 ms: 7 ms in burn_seventy, 3 ms in burn_thirty */
	struct work w = {(unsigned long)per_ms, (unsigned long)(ms / 10)};
	if (w.rounds == 0)
		w.rounds = 1;
	pthread_t t;
	if (pthread_create(&t, NULL, worker, &w) != 0) {
		fprintf(stderr, "fmt-prog-hot: cannot create a thread\n");
		return 1;
	}
	for (unsigned long r = 0; r < w.rounds; r++) {
		burn_seventy(w.round);
		burn_thirty(w.round);
	}
	pthread_join(t, NULL);
	return 0;
}
