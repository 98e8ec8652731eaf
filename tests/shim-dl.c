/* shim-dl.c -- a library the shim tests dlopen() at run time, to see the
 * shim report it appearing (REC_IMAGE) and going (REC_IMAGE_GONE). */
#include <time.h>

double shim_dl_spin(double x);
void shim_dl_burn(double secs);

static volatile double sink;

double shim_dl_spin(double x)
{
	for (int i = 0; i < 2000; i++)
		x = x * 1.0000001 + 0.5;
	return x;
}

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void shim_dl_burn(double secs)
{
	double t0 = thread_cpu(), x = 0;
	while (thread_cpu() - t0 < secs)
		x += shim_dl_spin(x);
	sink = x;
}
