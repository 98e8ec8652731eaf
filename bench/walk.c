/* walk.c -- `make bench` section "walk": the cost of one stack walk with the
 * shim's own unwinder (src/shim/unwind.c, linked in) next to libunwind's
 * unw_backtrace, the walker the shim used before, at the same depths.
 * Not the per-sample cost (the signal is most of that: see the "cost"
 * section); the part of it that the walker is.
 *
 *   bench-walk DEPTH REPS
 * Prints one JSON line: {"depth": D, "frames_sprof": N, "frames_libunwind":
 * N, "ns_sprof": X, "ns_libunwind": Y} -- thread CPU ns per walk, each the
 * best of 5 rounds of REPS walks (interleaved). */
#include "config.h"

#include <libunwind.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "shim/unwind.h"

#define MAXF 1100

static uint64_t pcs[MAXF];
static int got;
static int use_libunwind;

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void walk(void)
{
	if (use_libunwind) {
		got = unw_backtrace((void **)pcs, MAXF);
	} else {
		struct uw_regs r;
		enum uw_end e;
		uw_here(&r);
		got = uw_walk(&r, pcs, MAXF, &e);
	}
}

__attribute__((noinline)) static int down(int d)
{
	if (d == 0) {
		walk();
		return 0;
	}
	int r = down(d - 1);
	__asm__ volatile("" : "+r"(r));
	return r + 1;
}

static double round_ns(int depth, long reps)
{
	double t0 = cpu_ns();
	for (long i = 0; i < reps; i++)
		down(depth);
	return (cpu_ns() - t0) / (double)reps;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int depth = atoi(argv[1]);
	long reps = atol(argv[2]);
	double best[2] = { 1e18, 1e18 };
	int frames[2] = { 0, 0 };
	for (int round = 0; round < 5; round++)
		for (use_libunwind = 0; use_libunwind < 2; use_libunwind++) {
			down(depth);    /* warm: caches filled, pages touched */
			double ns = round_ns(depth, reps);
			if (ns < best[use_libunwind])
				best[use_libunwind] = ns;
			frames[use_libunwind] = got;
		}
	printf("{\"depth\": %d, \"frames_sprof\": %d, \"frames_libunwind\": %d, "
	       "\"ns_sprof\": %.1f, \"ns_libunwind\": %.1f}\n",
	       depth, frames[0], frames[1], best[0], best[1]);
	return 0;
}
