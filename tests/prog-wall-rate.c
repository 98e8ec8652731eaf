/* prog-wall-rate.c -- a CPU-bound main thread plus N mostly blocked threads,
 * for wall mode's delivered rate and overhead.  Each extra thread loops:
 * wait 50 ms (in turn: nanosleep, pthread_cond_timedwait, poll), then burn
 * about 0.5 ms of CPU.  The main thread does a fixed amount of work, then
 * stops the others.  Also the 80%-asleep case of tests/wall-sleep.sh.
 *
 * Usage: prog-wall-rate THREADS WORK      (WORK: main's loops, in millions)
 *        prog-wall-rate sleepy MS         (one thread: 80% asleep in
 *                                          nanosleep, 20% in burn_cpu) */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile int stop;
static volatile unsigned long sink;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void burn_cpu(double ms)
{
	double t0 = now_ms();
	unsigned long x = 0;
	while (now_ms() - t0 < ms)
		for (int i = 0; i < 1000; i++)
			x += (unsigned long)i * 7;
	sink += x;
}

void wait_sleep(void)
{
	struct timespec ts = { 0, 50000000 };
	nanosleep(&ts, NULL);
}

void wait_cond(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 50000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	while (pthread_cond_timedwait(&c, &m, &dl) == 0)
		;
	pthread_mutex_unlock(&m);
}

void wait_poll(void)
{
	poll(NULL, 0, 50);
}

static void *worker(void *a)
{
	long k = (long)a;
	while (!stop) {
		switch (k % 3) {
		case 0: wait_sleep(); break;
		case 1: wait_cond(); break;
		default: wait_poll(); break;
		}
		burn_cpu(0.5);
	}
	return NULL;
}

void main_work(long millions)
{
	unsigned long x = 0;
	for (long j = 0; j < millions; j++)
		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005u + (unsigned long)i;
	sink += x;
}

/* 80% asleep: 40 ms in nanosleep, 10 ms burning, for ms milliseconds */
void sleepy(double ms)
{
	double t0 = now_ms();
	while (now_ms() - t0 < ms) {
		struct timespec ts = { 0, 40000000 };
		nanosleep(&ts, NULL);
		burn_cpu(10);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "sleepy")) {
		sleepy(atof(argv[2]));
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: prog-wall-rate THREADS WORK | sleepy MS\n");
		return 2;
	}
	long n = atol(argv[1]);
	pthread_t *t = calloc((size_t)n + 1, sizeof *t);
	for (long i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	main_work(atol(argv[2]));
	stop = 1;
	for (long i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	return 0;
}
