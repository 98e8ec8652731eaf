/* prog-hard-dlopen.c -- dlopen/dlclose in a loop on several threads while
 * being sampled: the profiled program must finish every time (no deadlock
 * in the loader, no crash from unwinding through an image being removed).
 *
 *   prog-hard-dlopen LIBA LIBB SECONDS [THREADS]
 *
 * Each thread loads one of the two libraries (alternating), calls into it,
 * calls dl_iterate_phdr now and then (the loader lock from the program's
 * side), and unloads it, until SECONDS of wall time are over.  Prints
 * "cycles some" (the count goes to stderr) and exits 0. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *libs[2];
static double seconds;
static _Atomic long cycles;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_image(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info;
	(void)size;
	/* a little work with the loader lock held */
	volatile uint64_t x = 0;
	for (int i = 0; i < 2000; i++)
		x = x + (uint64_t)i;
	++*(int *)arg;
	return 0;
}

static void *worker(void *arg)
{
	long id = (long)arg;
	double end = now() + seconds;
	for (long i = 0; now() < end; i++) {
		void *h = dlopen(libs[(i + id) & 1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			exit(3);
		}
		uint64_t (*work)(uint64_t) = (uint64_t(*)(uint64_t))dlsym(h, "hard_dl_work");
		if (!work) {
			fprintf(stderr, "dlsym: %s\n", dlerror());
			exit(3);
		}
		work(200);
		if (i % 4 == 0) {
			int n = 0;
			dl_iterate_phdr(count_image, &n);
		}
		if (dlclose(h) != 0) {
			fprintf(stderr, "dlclose: %s\n", dlerror());
			exit(3);
		}
		cycles++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: %s LIBA LIBB SECONDS [THREADS]\n", argv[0]);
		return 2;
	}
	libs[0] = argv[1];
	libs[1] = argv[2];
	seconds = atof(argv[3]);
	int n = argc > 4 ? atoi(argv[4]) : 4;
	if (n < 1 || n > 64)
		n = 4;
	pthread_t t[64];
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0)
			return 3;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("cycles %s\n", cycles > 0 ? "some" : "none");
	fprintf(stderr, "cycles %ld\n", (long)cycles);
	return 0;
}
