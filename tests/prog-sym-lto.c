/* prog-sym-lto.c -- with prog-sym-lto2.c, a program built with -flto -O2 -g
 * for tests/convert-sym-agree.sh: functions of one unit inlined into the
 * other only at link time, static helpers GCC renames ".lto_priv.0", and
 * libc work (qsort, memcpy, malloc) for the libc6-dbg part.
 *
 * Usage: prog-sym-lto [SECONDS]   (default 0.5) */
#include <stdlib.h>
#include <string.h>
#include <time.h>

double lto_mix(double a, long i);          /* prog-sym-lto2.c */
long lto_hash(const unsigned char *p, size_t n);

static volatile double sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

static void lto_sort_round(long seed)
{
	long v[512];
	for (int i = 0; i < 512; i++)
		v[i] = (seed * 2654435761u + i * 40503u) % 100003;
	qsort(v, 512, sizeof v[0], cmp_long);
	unsigned char *copy = malloc(sizeof v);
	if (copy) {
		memcpy(copy, v, sizeof v);
		sink += (double)lto_hash(copy, sizeof v);
		free(copy);
	}
}

static double lto_math_round(long seed)
{
	double s = 0;
	for (long i = 0; i < 4000; i++)
		s = lto_mix(s, i + seed);
	return s;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 0.5;
	double end = now() + seconds;
	for (long r = 0; now() < end; r++) {
		sink += lto_math_round(r);
		lto_sort_round(r);
	}
	return 0;
}
