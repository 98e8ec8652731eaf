/* prog-wall-threads.c -- thread lifecycles under the profiler
 * (tests/wall-churn.sh, tests/wall-names.sh):
 *   churn N BATCH   N short-lived threads, BATCH alive at a time, each
 *                   burning ~1 ms; prints "done N" and checks that open file
 *                   descriptors and RSS do not grow with the threads
 *                   (measured after the first batches and at the end; exits
 *                   1 with the figures when they do)
 *   names MS        a thread named "before-rename" burns MS ms in
 *                   work_before, renames itself (pthread_setname_np) to
 *                   "after-rename" and burns MS ms in work_after; a second
 *                   thread renames itself with prctl(PR_SET_NAME) to
 *                   "prctl-named", burns MS ms in work_prctl and exits at
 *                   once, well before the program ends
 *   longjmp MS      the main thread waits in poll() (no fds, 10 s); a
 *                   SIGALRM handler siglongjmps out of it after 100 ms, and
 *                   the thread burns MS ms in work_after_jump */
#define _GNU_SOURCE
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static void spin(double ms)
{
	burn_cpu_ms(ms, 500);
}

__attribute__((noipa)) void work_before(double ms) { spin(ms); }
__attribute__((noipa)) void work_after(double ms) { spin(ms); }
__attribute__((noipa)) void work_prctl(double ms) { spin(ms); }
__attribute__((noipa)) void churn_work(void) { spin(1); }
__attribute__((noipa)) void work_after_jump(double ms) { spin(ms); }

static void *churn_thread(void *a)
{
	(void)a;
	churn_work();
	return NULL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
		rss = -1;
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int churn(int n, int batch)
{
	pthread_t *t = calloc((size_t)batch, sizeof *t);
	int done = 0, fds0 = -1;
	long rss0 = -1;
	while (done < n) {
		int k = n - done < batch ? n - done : batch;
		for (int i = 0; i < k; i++)
			if (pthread_create(&t[i], NULL, churn_thread, NULL) != 0) {
				fprintf(stderr, "prog-wall-threads: pthread_create failed at %d\n", done + i);
				return 1;
			}
		for (int i = 0; i < k; i++)
			pthread_join(t[i], NULL);
		done += k;
		if (done == 2 * batch) {
			/* the baseline once every stack and ring ever needed exists */
			fds0 = count_fds();
			rss0 = rss_kb();
		}
	}
	free(t);
	/* give the profiler's writer a drain to recycle the last slots */
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	int fds1 = count_fds();
	long rss1 = rss_kb();
	printf("done %d fds %d->%d rss %ld->%ld kB\n", done, fds0, fds1, rss0, rss1);
	if (fds0 >= 0 && fds1 > fds0) {
		fprintf(stderr, "prog-wall-threads: file descriptors grew: %d -> %d\n", fds0, fds1);
		return 1;
	}
	/* 8 MiB of slack: malloc arenas and the stacks glibc caches */
	if (rss0 > 0 && rss1 > rss0 + 8192) {
		fprintf(stderr, "prog-wall-threads: RSS grew: %ld -> %ld kB\n", rss0, rss1);
		return 1;
	}
	return 0;
}

static double names_ms;

static void *renamer(void *a)
{
	(void)a;
	pthread_setname_np(pthread_self(), "before-rename");
	work_before(names_ms);
	pthread_setname_np(pthread_self(), "after-rename");
	work_after(names_ms);
	return NULL;
}

static void *prctl_thread(void *a)
{
	(void)a;
	prctl(PR_SET_NAME, "prctl-named", 0, 0, 0);
	work_prctl(names_ms);
	return NULL;
}

static sigjmp_buf jump;

static void on_alarm(int sig)
{
	(void)sig;
	siglongjmp(jump, 1);
}

/* Leaves poll() through a signal handler, as programs with a timeout
 * implemented by SIGALRM + siglongjmp do: the call never returns. */
static int longjmp_out(double ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (!sigsetjmp(jump, 1)) {
		struct itimerval it = { { 0, 0 }, { 0, 100000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		poll(NULL, 0, 10000);
		fprintf(stderr, "prog-wall-threads: poll returned\n");
		return 1;
	}
	work_after_jump(ms);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "longjmp"))
		return longjmp_out(atof(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "churn"))
		return churn(atoi(argv[2]), atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "names")) {
		names_ms = atof(argv[2]);
		pthread_t a, b;
		pthread_create(&b, NULL, prctl_thread, NULL);
		pthread_join(b, NULL);
		pthread_create(&a, NULL, renamer, NULL);
		pthread_join(a, NULL);
		/* outlive the threads by a while: their names must stay */
		struct timespec ts = { 0, 300000000 };
		nanosleep(&ts, NULL);
		return 0;
	}
	fprintf(stderr, "usage: prog-wall-threads churn N BATCH | names MS | longjmp MS\n");
	return 2;
}
