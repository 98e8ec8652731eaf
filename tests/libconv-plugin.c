/* libconv-plugin.c -- the library prog-conv-dlopen loads at run time; its
 * functions must come out of `sprof convert` with their names and lines. */
#include <time.h>

static volatile double sink;

__attribute__((noinline)) void conv_plugin_leaf(long n)
{
	double s = 0;
	for (long i = 0; i < n; i++)
		s += (double)i * 0.25;
	sink += s;
}

void conv_plugin_run(double seconds)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double end = ts.tv_sec + ts.tv_nsec / 1e9 + seconds;
	for (;;) {
		conv_plugin_leaf(20000); /* CALL:plugin */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec + ts.tv_nsec / 1e9 >= end)
			break;
	}
}
