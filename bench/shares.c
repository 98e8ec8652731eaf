/* shares.c -- the attribution ground-truth bench workload.
 *
 *   bench-shares [-n ROUNDS]
 *
 * Four leaf functions do fixed amounts of arithmetic in a ratio of about
 * 50:25:15:10, interleaved in short calls (0.5x..1.5x of their base
 * length, in a random order every round) so that any sampling period sees
 * all of them and none can lock onto the rhythm of the loop: a strictly
 * periodic loop aliases with a periodic sampler and biases the shares for
 * reasons that have nothing to do with the profiler.  The program times every call with CLOCK_THREAD_CPUTIME_ID
 * and prints, as one JSON object on stdout, each function's measured CPU time
 * and the thread's total, so the driver can compare the profile's leaf-frame
 * shares with what really happened (the rest, "other", is the loop, the clock
 * reads and start-up).  Each function has its own copy of the loop (a macro,
 * not a shared helper) so that it, not a callee, is the leaf frame.
 *
 * The clock reads are system calls (a thread CPU clock has no vDSO path),
 * and a call's measured interval holds about one read's worth of them: the
 * end of the read that started it and the start of the read that ended it.
 * A sampler rightly puts that time in clock_gettime, i.e. "other".  So the
 * program also reports how many calls each function had and what one read
 * costs (timed over 2 000 reads before the work), and the driver moves
 * calls x read cost from each function to "other". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static volatile uint64_t sink;

#define SPIN(n)                                         \
	do {                                            \
		uint64_t x = sink | 1;                  \
		for (long i = 0; i < (n) * len; i++) {  \
			x ^= x << 13;                   \
			x ^= x >> 7;                    \
			x ^= x << 17;                   \
		}                                       \
		sink = x;                               \
	} while (0)

/* len: iterations per unit, 5000..15000 */
__attribute__((noinline)) static void share_alpha(long len) { SPIN(10); }
__attribute__((noinline)) static void share_beta(long len) { SPIN(5); }
__attribute__((noinline)) static void share_gamma(long len) { SPIN(3); }
__attribute__((noinline)) static void share_delta(long len) { SPIN(2); }

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t thread_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long rounds = 1000;
	int c;
	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: bench-shares [-n ROUNDS]\n");
			return 2;
		}
		rounds = atol(optarg);
	}
	if (rounds < 1) {
		fprintf(stderr, "bench-shares: bad arguments\n");
		return 2;
	}
	static void (*const fn[4])(long) = { share_alpha, share_beta, share_gamma, share_delta };
	static const char *const name[4] = { "share_alpha", "share_beta", "share_gamma", "share_delta" };
	uint64_t spent[4] = { 0 }, calls[4] = { 0 };
	enum { READS = 2000 };
	uint64_t r0 = thread_ns();
	for (int i = 0; i < READS; i++)
		(void)thread_ns();
	double read_ns = (double)(thread_ns() - r0) / (READS + 1);
	double t0 = bench_now();
	for (long r = 0; r < rounds; r++) {
		int order[4] = { 0, 1, 2, 3 };
		for (int i = 3; i > 0; i--) {
			int j = (int)(next_random() % (uint64_t)(i + 1)), t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (int i = 0; i < 4; i++) {
			int f = order[i];
			long len = 5000 + (long)(next_random() % 10001);
			uint64_t a = thread_ns();
			fn[f](len);
			spent[f] += thread_ns() - a;
			calls[f]++;
		}
	}
	uint64_t total = thread_ns();
	printf("{\"total_ns\": %llu", (unsigned long long)total);
	for (int f = 0; f < 4; f++)
		printf(", \"%s\": %llu", name[f], (unsigned long long)spent[f]);
	printf(", \"calls\": {");
	for (int f = 0; f < 4; f++)
		printf("%s\"%s\": %llu", f ? ", " : "", name[f], (unsigned long long)calls[f]);
	printf("}, \"clock_read_ns\": %.1f}\n", read_ns);
	bench_report(t0, NULL);
	return 0;
}
