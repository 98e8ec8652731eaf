/* hard-dl.c -- the library tests/prog-hard-dlopen loads and unloads in a
 * loop.  Built twice (VARIANT 1 and 2) with different code layouts, so that
 * one image often lands where the other was and the same addresses hold
 * different code: what stale unwinder caches would trip over. */
#include <stdint.h>

#ifndef VARIANT
#define VARIANT 1
#endif

uint64_t hard_dl_work(uint64_t n);

static volatile uint64_t sink;

#if VARIANT == 1
/* deep-ish recursion with a frame pointer-less leaf */
static __attribute__((noinline)) uint64_t step(uint64_t x, int depth)
{
	if (depth == 0) {
		for (int i = 0; i < 200; i++)
			x = x * 6364136223846793005u + 1442695040888963407u;
		return x;
	}
	return step(x ^ (uint64_t)depth, depth - 1) + 1;
}

uint64_t hard_dl_work(uint64_t n)
{
	uint64_t x = n;
	for (uint64_t i = 0; i < n; i++)
		x += step(x, 6);
	sink = x;
	return x;
}
#else
/* a big stack frame and a different layout */
static __attribute__((noinline)) uint64_t mix(const volatile uint64_t *v, int len)
{
	uint64_t h = 1469598103934665603u;
	for (int i = 0; i < len; i++)
		h = (h ^ v[i]) * 1099511628211u;
	return h;
}

uint64_t hard_dl_work(uint64_t n)
{
	volatile uint64_t buf[300];
	uint64_t x = n;
	for (uint64_t i = 0; i < n; i++) {
		for (int j = 0; j < 300; j++)
			buf[j] = x + (uint64_t)j;
		x += mix(buf, 300);
	}
	sink = x;
	return x;
}
#endif
