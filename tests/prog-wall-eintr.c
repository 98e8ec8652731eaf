/* prog-wall-eintr.c -- threads blocked in the calls a signal handler can cut
 * short (nanosleep, sleep, usleep, clock_nanosleep, poll, select, epoll_wait,
 * read on a pipe, pthread_cond_timedwait, sigwait, sem_timedwait,
 * sigtimedwait, recv on a socket with SO_RCVTIMEO), each for a known time
 * (pause is left out: it never returns by itself), while the
 * program is profiled.  Any EINTR or early return is a failure: the program
 * prints what happened and exits 1.  Used by tests/wall-eintr.sh.
 *
 * Usage: prog-wall-eintr [MS]   (each wait lasts MS milliseconds, default 300) */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long wait_ms = 300;
static int fails;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void report(const char *what, double t0, int r, int err, double want_ms)
{
	double took = now_ms() - t0;
	/* 2 ms of slack: timer rounding, never a cut-short wait */
	if (r < 0 || took < want_ms - 2) {
		pthread_mutex_lock(&lock);
		fprintf(stderr, "prog-wall-eintr: %s returned %d (%s) after %.1f ms of %.0f\n", what, r,
			r < 0 ? strerror(err) : "ok", took, want_ms);
		fails++;
		pthread_mutex_unlock(&lock);
	}
}

static void *t_nanosleep(void *a)
{
	(void)a;
	struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000 };
	double t0 = now_ms();
	int r = nanosleep(&ts, NULL);
	report("nanosleep", t0, r, errno, (double)wait_ms);
	return NULL;
}

static void *t_clock_nanosleep(void *a)
{
	(void)a;
	struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000 };
	double t0 = now_ms();
	int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	report("clock_nanosleep", t0, r ? -1 : 0, r, (double)wait_ms);
	return NULL;
}

static void *t_usleep(void *a)
{
	(void)a;
	double t0 = now_ms();
	int r = usleep((useconds_t)(wait_ms * 1000));
	report("usleep", t0, r, errno, (double)wait_ms);
	return NULL;
}

static void *t_sleep(void *a)
{
	(void)a;
	double t0 = now_ms();
	unsigned left = sleep(1);
	report("sleep", t0, left ? -1 : 0, EINTR, 1000.0);
	return NULL;
}

static void *t_poll(void *a)
{
	(void)a;
	int p[2];
	if (pipe(p) != 0)
		return NULL;
	struct pollfd pf = { p[0], POLLIN, 0 };
	double t0 = now_ms();
	int r = poll(&pf, 1, (int)wait_ms);
	report("poll", t0, r, errno, (double)wait_ms);
	close(p[0]);
	close(p[1]);
	return NULL;
}

static void *t_select(void *a)
{
	(void)a;
	int p[2];
	if (pipe(p) != 0)
		return NULL;
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };
	double t0 = now_ms();
	int r = select(p[0] + 1, &rd, NULL, NULL, &tv);
	report("select", t0, r, errno, (double)wait_ms);
	close(p[0]);
	close(p[1]);
	return NULL;
}

static void *t_epoll(void *a)
{
	(void)a;
	int p[2];
	if (pipe(p) != 0)
		return NULL;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
	double t0 = now_ms();
	int r = epoll_wait(ep, &ev, 1, (int)wait_ms);
	report("epoll_wait", t0, r, errno, (double)wait_ms);
	close(ep);
	close(p[0]);
	close(p[1]);
	return NULL;
}

struct pipe_arg {
	int fd;
};

static void *writer_later(void *a)
{
	int fd = ((struct pipe_arg *)a)->fd;
	struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
	if (write(fd, "x", 1) != 1)
		perror("write");
	return NULL;
}

static void *t_read(void *a)
{
	(void)a;
	int p[2];
	if (pipe(p) != 0)
		return NULL;
	struct pipe_arg pa = { p[1] };
	pthread_t w;
	pthread_create(&w, NULL, writer_later, &pa);
	char c;
	double t0 = now_ms();
	int r = (int)read(p[0], &c, 1);
	report("read", t0, r, errno, (double)wait_ms);
	pthread_join(w, NULL);
	close(p[0]);
	close(p[1]);
	return NULL;
}

static void *t_cond(void *a)
{
	(void)a;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += wait_ms / 1000;
	dl.tv_nsec += (wait_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	double t0 = now_ms();
	int r;
	do
		r = pthread_cond_timedwait(&c, &m, &dl);
	while (r == 0);         /* spurious wake-ups are allowed by POSIX */
	pthread_mutex_unlock(&m);
	report("pthread_cond_timedwait", t0, r == ETIMEDOUT ? 0 : -1, r, (double)wait_ms);
	return NULL;
}

static void *t_sem(void *a)
{
	(void)a;
	sem_t s;
	sem_init(&s, 0, 0);
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += wait_ms / 1000;
	dl.tv_nsec += (wait_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	double t0 = now_ms();
	int r = sem_timedwait(&s, &dl);
	report("sem_timedwait", t0, r < 0 && errno == ETIMEDOUT ? 0 : -1, errno, (double)wait_ms);
	return NULL;
}

/* a socket with a receive timeout: EINTR whatever SA_RESTART says */
static void *t_sockrecv(void *a)
{
	(void)a;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return NULL;
	struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	char c;
	double t0 = now_ms();
	int r = (int)recv(sv[0], &c, 1, 0);
	int e = errno;
	report("recv with SO_RCVTIMEO", t0, r < 0 && (e == EAGAIN || e == EWOULDBLOCK) ? 0 : -1, e,
	       (double)wait_ms);
	close(sv[0]);
	close(sv[1]);
	return NULL;
}

static pthread_t sigwaiter;
static volatile double kill_at;         /* when main sent SIGUSR1 */
static void *t_sigwait(void *a)
{
	(void)a;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	int sig = 0;
	double t0 = now_ms();
	int r = sigwait(&set, &sig);
	/* the wait ends when the signal comes, not after wait_ms: it must
	 * not end before main sent it */
	double sent = kill_at;
	report("sigwait", t0, r || sent == 0 || now_ms() < sent ? -1 : 0, r, 0);
	if (!r && sig != SIGUSR1) {
		fprintf(stderr, "prog-wall-eintr: sigwait got signal %d\n", sig);
		fails++;
	}
	return NULL;
}

static void *t_sigtimedwait(void *a)
{
	(void)a;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000 };
	double t0 = now_ms();
	int r = sigtimedwait(&set, NULL, &ts);
	report("sigtimedwait", t0, r < 0 && errno == EAGAIN ? 0 : -1, errno, (double)wait_ms);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		wait_ms = atol(argv[1]);
	/* the signals sigwait waits for are blocked in every thread */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	void *(*fns[])(void *) = { t_nanosleep, t_clock_nanosleep, t_usleep, t_sleep, t_poll,
				   t_select, t_epoll, t_read, t_cond, t_sem, t_sigtimedwait,
				   t_sockrecv };
	enum { N = sizeof fns / sizeof fns[0] };
	pthread_t t[N];
	/* several rounds: each wait starts at a different phase of the sampler */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < N; i++)
			pthread_create(&t[i], NULL, fns[i], NULL);
		pthread_create(&sigwaiter, NULL, t_sigwait, NULL);
		/* the main thread burns meanwhile, so the program is busy too */
		double t0 = now_ms();
		volatile unsigned long x = 0;
		while (now_ms() - t0 < wait_ms)
			x++;
		struct timespec ts = { 0, 20000000 };
		nanosleep(&ts, NULL);
		kill_at = now_ms();
		pthread_kill(sigwaiter, SIGUSR1);
		for (int i = 0; i < N; i++)
			pthread_join(t[i], NULL);
		pthread_join(sigwaiter, NULL);
		kill_at = 0;
	}
	if (fails) {
		fprintf(stderr, "prog-wall-eintr: %d calls cut short\n", fails);
		return 1;
	}
	printf("prog-wall-eintr: all waits complete\n");
	return 0;
}
