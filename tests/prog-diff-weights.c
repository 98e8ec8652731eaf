/* prog-diff-weights.c -- a program whose functions' shares are its arguments,
 * for the `sprof diff` tests: run it with two weightings and the diff must
 * find the change.
 *
 * Usage: prog-diff-weights MILLISECONDS W_ALPHA W_BETA W_GAMMA W_DELTA
 *
 * The main thread burns about MILLISECONDS of CPU in rounds of ~10 ms, each
 * split between four leaf functions in proportion to the weights, in a
 * random order every round and in short calls of random length, so a
 * periodic sampler cannot lock onto the loop's rhythm (bench/shares.c says
 * why).  Work is counted in iterations calibrated at start, not in time.
 *
 * Built twice (tests/diff.mk): the second build, with DIFF_MOVED, has extra
 * code before the hot functions and other constants, so a different
 * build-id and other addresses -- a "rebuilt binary" with the same
 * function names. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile uint64_t sink;

#ifdef DIFF_MOVED
/* never called with a true argument: only moves what follows */
__attribute__((noinline)) void moved_padding(int really)
{
	static volatile uint64_t pad[64];
	for (int i = 0; really && i < 64; i++)
		pad[i] = (uint64_t)i * 0x9e3779b97f4a7c15ull + pad[(i * 7) & 63];
}
#define SALT 0x51ed27ull
#else
#define SALT 0
#endif

#define SPIN(n)                                                 \
	do {                                                    \
		uint64_t x = sink | 1;                          \
		for (long i = 0; i < (n); i++) {                \
			x ^= x << 13;                           \
			x ^= x >> 7;                            \
			x ^= (x << 17) + SALT;                  \
		}                                               \
		sink = x;                                       \
	} while (0)

/* One copy of the loop each, so that it (not a callee) is the leaf frame. */
__attribute__((noinline)) void fn_alpha(long n) { SPIN(n); }
__attribute__((noinline)) void fn_beta(long n) { SPIN(n + 1); }
__attribute__((noinline)) void fn_gamma(long n) { SPIN(n + 2); }
__attribute__((noinline)) void fn_delta(long n) { SPIN(n + 3); }

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double w[4], sum = 0, ms = argc == 6 ? atof(argv[1]) : 0;
	for (int i = 0; i < 4 && argc == 6; i++)
		sum += w[i] = atof(argv[i + 2]);
	if (argc != 6 || ms <= 0 || ms > 60000 || sum <= 0) {
		fprintf(stderr, "usage: prog-diff-weights MILLISECONDS W_ALPHA W_BETA W_GAMMA W_DELTA\n");
		return 2;
	}
	/* iterations per millisecond of this CPU, measured over ~20 ms */
	double t0 = cpu_seconds();
	long calib = 0;
	while (cpu_seconds() - t0 < 0.02) {
		fn_alpha(10000);
		calib += 10000;
	}
	double per_ms = (double)calib / ((cpu_seconds() - t0) * 1000);

	static void (*const fn[4])(long) = { fn_alpha, fn_beta, fn_gamma, fn_delta };
	long rounds = (long)(ms / 10) > 0 ? (long)(ms / 10) : 1;
	for (long r = 0; r < rounds; r++) {
		/* each function's share of the round in 4 calls of random length */
		for (int k = 0; k < 4; k++) {
			int order[4] = { 0, 1, 2, 3 };
			for (int i = 3; i > 0; i--) {
				int j = (int)(next_random() % (uint64_t)(i + 1)), t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
			for (int i = 0; i < 4; i++) {
				double len = 10 * per_ms * w[order[i]] / sum / 4;
				len *= 0.5 + (double)(next_random() % 1001) / 1000;
				fn[order[i]]((long)len);
			}
		}
	}
	return 0;
}
