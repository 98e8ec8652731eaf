/* prog-sym-lto2.c -- the second unit of prog-sym-lto (see prog-sym-lto.c):
 * small functions LTO inlines into the first unit's loops. */
#include <math.h>
#include <stddef.h>

static double lto_step(double a, long i)
{
	return a * 0.999 + sqrt((double)(i & 1023)) * 0.001;
}

double lto_mix(double a, long i)
{
	if (i % 7 == 0)
		return lto_step(a, i) + 1e-9 * (double)i;
	return lto_step(a, i);
}

long lto_hash(const unsigned char *p, size_t n)
{
	long h = 5381;
	for (size_t i = 0; i < n; i++)
		h = h * 33 + p[i];
	return h;
}
