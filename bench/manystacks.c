/* manystacks.c -- the many-distinct-stacks bench workload.
 *
 *   bench-manystacks [-n PATHS]
 *
 * Walks PATHS random call paths: eight near-identical functions call each
 * other in a random order to a random depth (8..40), and the innermost does
 * a short burst of arithmetic.  Nearly every sample therefore lands on a
 * stack never seen before, the worst case for a profiler that stores each
 * distinct stack once (bytes per sample here vs bench-burn's steady stack). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "report.h"

static volatile uint64_t sink;
static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void leaf_burst(void)
{
	uint64_t x = sink | 1;
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	sink = x;
}

typedef void step_fn(int left);
static step_fn *const *steps;

/* Each calls a random one of the eight until left reaches 0; the sink store
 * after the call keeps the frame (no tail call). */
#define STEP(NAME)                                              \
	__attribute__((noinline)) static void NAME(int left)    \
	{                                                       \
		if (left <= 0) {                                \
			leaf_burst();                           \
			return;                                 \
		}                                               \
		steps[next_random() & 7](left - 1);             \
		sink += (uint64_t)left;                         \
	}
STEP(path_a) STEP(path_b) STEP(path_c) STEP(path_d)
STEP(path_e) STEP(path_f) STEP(path_g) STEP(path_h)

static step_fn *const all_steps[8] = {
	path_a, path_b, path_c, path_d, path_e, path_f, path_g, path_h,
};

int main(int argc, char **argv)
{
	long paths = 10000;
	int c;
	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: bench-manystacks [-n PATHS]\n");
			return 2;
		}
		paths = atol(optarg);
	}
	if (paths < 1) {
		fprintf(stderr, "bench-manystacks: bad arguments\n");
		return 2;
	}
	steps = all_steps;
	double t0 = bench_now();
	for (long p = 0; p < paths; p++)
		all_steps[next_random() & 7]((int)(8 + next_random() % 33));
	bench_report(t0, NULL);
	return 0;
}
