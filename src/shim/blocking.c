/* blocking.c -- wrappers of the blocking calls that a signal handler cuts
 * short with EINTR whatever SA_RESTART says (signal(7)): poll, ppoll,
 * select, pselect, epoll_wait, epoll_pwait, nanosleep, clock_nanosleep,
 * sleep, usleep, sem_wait, sem_timedwait, sem_clockwait, sigtimedwait,
 * sigwaitinfo, sigwait, pause, sigsuspend, msgrcv, msgsnd, semop,
 * semtimedop, and the socket calls that fail so when the socket has a
 * timeout (SO_RCVTIMEO/SO_SNDTIMEO): recv, recvfrom, recvmsg, send, sendto,
 * sendmsg, accept, accept4, connect.  read and write on such a socket are
 * not wrapped (far too hot for the rare case).  A profiled program must never see EINTR or a short sleep
 * because of the sampling signal, so each wrapper:
 *   - blocks the sampling signal around the real call (for the calls that
 *     install their own mask for the wait, the signal is added to a copy of
 *     that mask too), so a signal the sampler sent just as the thread went
 *     to sleep stays pending until the call returns by itself;
 *   - in wall mode, first captures the caller's stack (in normal context,
 *     the wrapper's frames left out, libc's function as the leaf) into the
 *     slot's blocked-stack buffer and marks the slot blocked, so the sampler
 *     records off-CPU samples of it without any signal (sampler.c).
 * The calls that SA_RESTART restarts (read, write, futex waits) are left
 * alone: the sampler signals threads blocked in them and the kernel resumes
 * the call.  Dormant, or with a zero timeout (nothing to wait for), a wrapper
 * goes straight to libc. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "raw/format.h"
#include "shim/shim.h"
#include "shim/unwind.h"

#define EXPORT __attribute__((visibility("default")))

static int (*r_poll)(struct pollfd *, nfds_t, int);
static int (*r_ppoll)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);
static int (*r_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
static int (*r_pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *);
static int (*r_epoll_wait)(int, struct epoll_event *, int, int);
static int (*r_epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
static int (*r_nanosleep)(const struct timespec *, struct timespec *);
static int (*r_clock_nanosleep)(clockid_t, int, const struct timespec *, struct timespec *);
static unsigned (*r_sleep)(unsigned);
static int (*r_usleep)(useconds_t);
static int (*r_sem_wait)(sem_t *);
static int (*r_sem_timedwait)(sem_t *, const struct timespec *);
static int (*r_sem_clockwait)(sem_t *, clockid_t, const struct timespec *);
static int (*r_sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
static int (*r_sigwaitinfo)(const sigset_t *, siginfo_t *);
static int (*r_sigwait)(const sigset_t *, int *);
static int (*r_pause)(void);
static int (*r_sigsuspend)(const sigset_t *);
static ssize_t (*r_msgrcv)(int, void *, size_t, long, int);
static int (*r_msgsnd)(int, const void *, size_t, int);
static int (*r_semop)(int, struct sembuf *, size_t);
static int (*r_semtimedop)(int, struct sembuf *, size_t, const struct timespec *);
static ssize_t (*r_recv)(int, void *, size_t, int);
static ssize_t (*r_recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
static ssize_t (*r_recvmsg)(int, struct msghdr *, int);
static ssize_t (*r_send)(int, const void *, size_t, int);
static ssize_t (*r_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static ssize_t (*r_sendmsg)(int, const struct msghdr *, int);
static int (*r_accept)(int, struct sockaddr *, socklen_t *);
static int (*r_accept4)(int, struct sockaddr *, socklen_t *, int);
static int (*r_connect)(int, const struct sockaddr *, socklen_t);

#define LOOK(name) (r_##name = (__typeof__(r_##name))dlsym(RTLD_NEXT, #name))

/* Early, so that other libraries' constructors find the real functions; a
 * wrapper called before still resolves its own on first use. */
__attribute__((constructor(101))) void shim_blocking_init(void)
{
	LOOK(poll); LOOK(ppoll); LOOK(select); LOOK(pselect); LOOK(epoll_wait);
	LOOK(epoll_pwait); LOOK(nanosleep); LOOK(clock_nanosleep); LOOK(sleep);
	LOOK(usleep); LOOK(sem_wait); LOOK(sem_timedwait); LOOK(sem_clockwait);
	LOOK(sigtimedwait); LOOK(sigwaitinfo); LOOK(sigwait); LOOK(pause);
	LOOK(sigsuspend); LOOK(msgrcv); LOOK(msgsnd); LOOK(semop); LOOK(semtimedop);
	LOOK(recv); LOOK(recvfrom); LOOK(recvmsg); LOOK(send); LOOK(sendto); LOOK(sendmsg);
	LOOK(accept); LOOK(accept4); LOOK(connect);
}

#define REAL(name) (r_##name ?: (shim_blocking_init(), r_##name))

/* The calling thread's slot, cached per thread; the generation tells a slot
 * reused by another thread (or re-registered in a fork child). */
static __thread struct slot *tls_slot __attribute__((tls_model("initial-exec")));
static __thread uint32_t tls_gen __attribute__((tls_model("initial-exec")));

static struct slot *self_slot(void)
{
	struct slot *s = tls_slot;
	if (s && atomic_load_explicit(&s->gen, memory_order_relaxed) == tls_gen &&
	    atomic_load_explicit(&s->state, memory_order_relaxed) == SLOT_LIVE)
		return s;
	pid_t tid = shim_gettid();
	uint32_t hwm = atomic_load(&shim_slots_hwm);
	for (uint32_t i = 0; i < hwm; i++) {
		s = &shim_slots[i];
		if (atomic_load(&s->state) == SLOT_LIVE && s->tid == tid) {
			tls_slot = s;
			tls_gen = atomic_load(&s->gen);
			return s;
		}
	}
	return NULL;
}

struct blk {
	bool on;
	struct slot *s;
	sigset_t old;
};

/* Captures the stack of the wrapper's caller into the slot's buffer: leaf
 * first the libc functions (leaf, then outer+1 as a return address when the
 * call goes through another libc function), then the caller's frames. */
__attribute__((noinline)) static void capture(struct slot *s, const void *ret, const void *leaf,
					      const void *outer)
{
	if (!s->blk_pcs) {
		void *m = mmap(NULL, SHIM_BLK_WORDS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return;
		s->blk_pcs = m;
	}
	uint32_t max = shim_cfg.max_depth;
	uint64_t *pcs = s->blk_pcs;
	uint32_t head = outer ? 2 : 1;
	int room = (int)(max - head + SHIM_SKIP_MAX);
	if (room + head > SHIM_BLK_WORDS)
		room = SHIM_BLK_WORDS - (int)head;
	struct uw_regs regs;
	uw_here(&regs);
	enum uw_end end;
	int n = shim_unwind_guarded(&regs, pcs + head, room, &end);
	if (n < 0)
		n = 0;          /* the walk faulted: the libc leaf alone */
	int skip = -1;
	for (int i = 0; i < n && i <= SHIM_SKIP_MAX; i++)
		if (pcs[head + (unsigned)i] == (uint64_t)(uintptr_t)ret) {
			skip = i;
			break;
		}
	if (skip < 0)
		skip = n >= 2 ? 2 : n;  /* capture and the wrapper */
	uint32_t depth = (uint32_t)(n - skip);
	if (depth > max - head)
		depth = max - head;
	memmove(pcs + head, pcs + head + skip, depth * sizeof *pcs);
	pcs[0] = (uint64_t)(uintptr_t)leaf;
	if (outer)
		pcs[1] = (uint64_t)(uintptr_t)outer + 1;   /* a return address inside it */
	s->blk_depth = depth + head;
}

static inline __attribute__((always_inline)) void enter(struct blk *b, const void *ret,
							 const void *leaf, const void *outer)
{
	b->on = atomic_load_explicit(&shim_active, memory_order_relaxed) != 0;
	b->s = NULL;
	if (!b->on)
		return;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, shim_cfg.signo);
	shim_sigmask(SIG_BLOCK, &set, &b->old);
	if (shim_cfg.mode != RAW_MODE_WALL || !(b->s = self_slot()))
		return;
	capture(b->s, ret, leaf, outer);
	if (!b->s->blk_pcs) {
		b->s = NULL;
		return;
	}
	/* odd: blocked, and the buffer is complete (seqlock, see sampler.c) */
	atomic_store_explicit(&b->s->blocked, atomic_load(&b->s->blocked) + 1, memory_order_release);
}

static inline __attribute__((always_inline)) void leave(struct blk *b)
{
	if (!b->on)
		return;
	int e = errno;
	if (b->s)
		atomic_store_explicit(&b->s->blocked, atomic_load(&b->s->blocked) + 1,
				      memory_order_release);
	shim_sigmask(SIG_SETMASK, &b->old, NULL);
	errno = e;
}

/* The given wait mask plus the sampling signal. */
static const sigset_t *with_ours(const sigset_t *mask, sigset_t *copy, const struct blk *b)
{
	if (!mask || !b->on)
		return mask;
	*copy = *mask;
	sigaddset(copy, shim_cfg.signo);
	return copy;
}

#define RET __builtin_return_address(0)
#define LEAF(name) ((const void *)REAL(name))

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (timeout == 0)
		return REAL(poll)(fds, n, timeout);
	struct blk b;
	enter(&b, RET, LEAF(poll), NULL);
	int r = r_poll(fds, n, timeout);
	leave(&b);
	return r;
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	struct blk b;
	sigset_t copy;
	enter(&b, RET, LEAF(ppoll), NULL);
	int r = r_ppoll(fds, n, ts, with_ours(mask, &copy, &b));
	leave(&b);
	return r;
}

EXPORT int select(int n, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv)
{
	if (tv && tv->tv_sec == 0 && tv->tv_usec == 0)
		return REAL(select)(n, rd, wr, ex, tv);
	struct blk b;
	enter(&b, RET, LEAF(select), NULL);
	int r = r_select(n, rd, wr, ex, tv);
	leave(&b);
	return r;
}

EXPORT int pselect(int n, fd_set *rd, fd_set *wr, fd_set *ex, const struct timespec *ts,
		   const sigset_t *mask)
{
	struct blk b;
	sigset_t copy;
	enter(&b, RET, LEAF(pselect), NULL);
	int r = r_pselect(n, rd, wr, ex, ts, with_ours(mask, &copy, &b));
	leave(&b);
	return r;
}

EXPORT int epoll_wait(int fd, struct epoll_event *ev, int max, int timeout)
{
	if (timeout == 0)
		return REAL(epoll_wait)(fd, ev, max, timeout);
	struct blk b;
	enter(&b, RET, LEAF(epoll_wait), NULL);
	int r = r_epoll_wait(fd, ev, max, timeout);
	leave(&b);
	return r;
}

EXPORT int epoll_pwait(int fd, struct epoll_event *ev, int max, int timeout, const sigset_t *mask)
{
	struct blk b;
	sigset_t copy;
	enter(&b, RET, LEAF(epoll_pwait), NULL);
	int r = r_epoll_pwait(fd, ev, max, timeout, with_ours(mask, &copy, &b));
	leave(&b);
	return r;
}

EXPORT int nanosleep(const struct timespec *req, struct timespec *rem)
{
	struct blk b;
	enter(&b, RET, LEAF(nanosleep), NULL);
	int r = r_nanosleep(req, rem);
	leave(&b);
	return r;
}

EXPORT int clock_nanosleep(clockid_t c, int flags, const struct timespec *req, struct timespec *rem)
{
	struct blk b;
	enter(&b, RET, LEAF(clock_nanosleep), NULL);
	int r = r_clock_nanosleep(c, flags, req, rem);
	leave(&b);
	return r;
}

/* sleep and usleep call clock_nanosleep inside libc, where no wrapper sees
 * it: the stack shows both */
EXPORT unsigned sleep(unsigned secs)
{
	struct blk b;
	enter(&b, RET, LEAF(clock_nanosleep), LEAF(sleep));
	unsigned r = r_sleep(secs);
	leave(&b);
	return r;
}

EXPORT int usleep(useconds_t us)
{
	struct blk b;
	enter(&b, RET, LEAF(clock_nanosleep), LEAF(usleep));
	int r = r_usleep(us);
	leave(&b);
	return r;
}

EXPORT int sem_wait(sem_t *sem)
{
	struct blk b;
	enter(&b, RET, LEAF(sem_wait), NULL);
	int r = r_sem_wait(sem);
	leave(&b);
	return r;
}

EXPORT int sem_timedwait(sem_t *sem, const struct timespec *abs)
{
	struct blk b;
	enter(&b, RET, LEAF(sem_timedwait), NULL);
	int r = r_sem_timedwait(sem, abs);
	leave(&b);
	return r;
}

EXPORT int sem_clockwait(sem_t *sem, clockid_t c, const struct timespec *abs)
{
	struct blk b;
	enter(&b, RET, LEAF(sem_clockwait), NULL);
	int r = r_sem_clockwait(sem, c, abs);
	leave(&b);
	return r;
}

EXPORT int sigtimedwait(const sigset_t *set, siginfo_t *si, const struct timespec *ts)
{
	struct blk b;
	sigset_t copy;
	enter(&b, RET, LEAF(sigtimedwait), NULL);
	int r = r_sigtimedwait(shim_sigmask_strip(set, &copy), si, ts);
	leave(&b);
	return r;
}

EXPORT int sigwaitinfo(const sigset_t *set, siginfo_t *si)
{
	struct blk b;
	sigset_t copy;
	enter(&b, RET, LEAF(sigwaitinfo), NULL);
	int r = r_sigwaitinfo(shim_sigmask_strip(set, &copy), si);
	leave(&b);
	return r;
}

EXPORT int sigwait(const sigset_t *set, int *sig)
{
	struct blk b;
	sigset_t copy;
	enter(&b, RET, LEAF(sigwait), NULL);
	int r = r_sigwait(shim_sigmask_strip(set, &copy), sig);
	leave(&b);
	return r;
}

EXPORT int pause(void)
{
	struct blk b;
	enter(&b, RET, LEAF(pause), NULL);
	int r = r_pause();
	leave(&b);
	return r;
}

EXPORT int sigsuspend(const sigset_t *mask)
{
	struct blk b;
	sigset_t copy;
	enter(&b, RET, LEAF(sigsuspend), NULL);
	int r = r_sigsuspend(with_ours(mask, &copy, &b));
	leave(&b);
	return r;
}

EXPORT ssize_t msgrcv(int id, void *msg, size_t size, long type, int flags)
{
	struct blk b;
	enter(&b, RET, LEAF(msgrcv), NULL);
	ssize_t r = r_msgrcv(id, msg, size, type, flags);
	leave(&b);
	return r;
}

EXPORT int msgsnd(int id, const void *msg, size_t size, int flags)
{
	struct blk b;
	enter(&b, RET, LEAF(msgsnd), NULL);
	int r = r_msgsnd(id, msg, size, flags);
	leave(&b);
	return r;
}

EXPORT int semop(int id, struct sembuf *ops, size_t n)
{
	struct blk b;
	enter(&b, RET, LEAF(semop), NULL);
	int r = r_semop(id, ops, n);
	leave(&b);
	return r;
}

EXPORT int semtimedop(int id, struct sembuf *ops, size_t n, const struct timespec *ts)
{
	struct blk b;
	enter(&b, RET, LEAF(semtimedop), NULL);
	int r = r_semtimedop(id, ops, n, ts);
	leave(&b);
	return r;
}

/* Sockets: only a blocking call can be cut short, so a non-blocking one
 * (MSG_DONTWAIT) goes straight through. */
#define NONBLOCK(flags) ((flags) & MSG_DONTWAIT)

EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	if (NONBLOCK(flags))
		return REAL(recv)(fd, buf, len, flags);
	struct blk b;
	enter(&b, RET, LEAF(recv), NULL);
	ssize_t r = r_recv(fd, buf, len, flags);
	leave(&b);
	return r;
}

EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			socklen_t *fromlen)
{
	if (NONBLOCK(flags))
		return REAL(recvfrom)(fd, buf, len, flags, from, fromlen);
	struct blk b;
	enter(&b, RET, LEAF(recvfrom), NULL);
	ssize_t r = r_recvfrom(fd, buf, len, flags, from, fromlen);
	leave(&b);
	return r;
}

EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (NONBLOCK(flags))
		return REAL(recvmsg)(fd, msg, flags);
	struct blk b;
	enter(&b, RET, LEAF(recvmsg), NULL);
	ssize_t r = r_recvmsg(fd, msg, flags);
	leave(&b);
	return r;
}

EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	if (NONBLOCK(flags))
		return REAL(send)(fd, buf, len, flags);
	struct blk b;
	enter(&b, RET, LEAF(send), NULL);
	ssize_t r = r_send(fd, buf, len, flags);
	leave(&b);
	return r;
}

EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		      socklen_t tolen)
{
	if (NONBLOCK(flags))
		return REAL(sendto)(fd, buf, len, flags, to, tolen);
	struct blk b;
	enter(&b, RET, LEAF(sendto), NULL);
	ssize_t r = r_sendto(fd, buf, len, flags, to, tolen);
	leave(&b);
	return r;
}

EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (NONBLOCK(flags))
		return REAL(sendmsg)(fd, msg, flags);
	struct blk b;
	enter(&b, RET, LEAF(sendmsg), NULL);
	ssize_t r = r_sendmsg(fd, msg, flags);
	leave(&b);
	return r;
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct blk b;
	enter(&b, RET, LEAF(accept), NULL);
	int r = r_accept(fd, addr, len);
	leave(&b);
	return r;
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct blk b;
	enter(&b, RET, LEAF(accept4), NULL);
	int r = r_accept4(fd, addr, len, flags);
	leave(&b);
	return r;
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct blk b;
	enter(&b, RET, LEAF(connect), NULL);
	int r = r_connect(fd, addr, len);
	leave(&b);
	return r;
}
