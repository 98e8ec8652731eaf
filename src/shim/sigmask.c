/* sigmask.c -- keeps the sampling signal out of the program's sight.
 *
 * A program that blocks every signal and reads them synchronously
 * (signalfd, sigtimedwait, sigwaitinfo, sigwait) would otherwise collect
 * the shim's sampling signals: a blocked signal stays pending, and those
 * calls dequeue whatever pending signal their set names.  So, while the
 * shim samples with its handler in place, a catch-all set (most of the
 * standard signals: sigfillset, "all but SIGINT") is taken to mean
 * "whatever arrives", not the sampling signal in particular:
 *   - sigprocmask / pthread_sigmask with such a set do not really block the
 *     sampling signal; each thread's wish is remembered (prog_blocked) and
 *     reported back in the old mask, so the program sees the mask it set;
 *   - such sets given to signalfd and to the sigwait family lose the
 *     sampling signal (blocking.c passes its wait calls through
 *     shim_sigmask_strip), and sigpending never shows it.
 * A small set that names the sampling signal means that signal: blocking it
 * really blocks it (the thread is not sampled meanwhile; the samples are
 * counted lost), and waiting for it hands the signal to the program, which
 * may have sent it to itself -- sampling stops then, with a note.
 * The handler itself is invisible (SA_RESTART, and blocking.c keeps the
 * calls SA_RESTART does not cover from seeing EINTR).  Once the program
 * takes the sampling signal for itself (shim_sigprof_displaced) the sets
 * pass through untouched: from then on the signal is the program's.
 *
 * The shim's own mask changes use shim_sigmask, a raw system call, so they
 * do not come back through these wrappers. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim/shim.h"

#define EXPORT __attribute__((visibility("default")))

/* the program asked for the sampling signal to be blocked in this thread */
static __thread bool prog_blocked __attribute__((tls_model("initial-exec")));

static int (*r_signalfd)(int, const sigset_t *, int);
static int (*r_sigpending)(sigset_t *);

/* glibc's two internal signals (SIGCANCEL 32, SIGSETXID 33) must never be
 * blocked -- setuid() in any thread waits until every thread has handled
 * SIGSETXID -- and sigdelset refuses to name them, hence the bits. */
static const sigset_t *without_internal(const sigset_t *set, sigset_t *copy)
{
	if (!set)
		return set;
	*copy = *set;
	copy->__val[0] &= ~((1ul << (32 - 1)) | (1ul << (33 - 1)));
	return copy;
}

int shim_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;
	return (int)syscall(SYS_rt_sigprocmask, how, without_internal(set, &copy), old, _NSIG / 8);
}

static bool filtering(void)
{
	return atomic_load_explicit(&shim_active, memory_order_relaxed) &&
	       !atomic_load_explicit(&shim_sigprof_displaced, memory_order_relaxed);
}

/* Most of the standard signals: a catch-all, not a set about one signal. */
static bool catch_all(const sigset_t *set)
{
	int n = 0;
	for (int sig = 1; sig < 32; sig++)
		n += sigismember(set, sig) == 1;
	return n >= 16;
}

static const sigset_t *strip(const sigset_t *set, sigset_t *copy)
{
	if (!set || !filtering() || sigismember(set, shim_cfg.signo) != 1 || !catch_all(set))
		return set;
	*copy = *set;
	sigdelset(copy, shim_cfg.signo);
	return copy;
}

const sigset_t *shim_sigmask_strip(const sigset_t *set, sigset_t *copy)
{
	const sigset_t *r = strip(set, copy);
	if (r == set && set && filtering() && sigismember(set, shim_cfg.signo) == 1)
		shim_displace("waits for");     /* a small set naming it */
	return r;
}

/* The mask change the program asked for, minus the sampling signal; the
 * old mask as the program believes it was. */
static int change_mask(int how, const sigset_t *set, sigset_t *old)
{
	if (!filtering())
		return shim_sigmask(how, set, old);
	bool was = prog_blocked;
	sigset_t copy;
	const sigset_t *real = how == SIG_UNBLOCK ? set : strip(set, &copy);
	int r = shim_sigmask(how, real, old);
	if (r != 0)
		return r;
	if (set) {
		bool names = sigismember(set, shim_cfg.signo) == 1;
		if (how == SIG_SETMASK)
			prog_blocked = names;
		else if (how == SIG_BLOCK && names)
			prog_blocked = true;
		else if (how == SIG_UNBLOCK && names)
			prog_blocked = false;
	}
	if (old) {
		if (was)
			sigaddset(old, shim_cfg.signo);
		else
			sigdelset(old, shim_cfg.signo);
	}
	return 0;
}

EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return EINVAL;
	int saved = errno;
	int r = change_mask(how, set, old) == 0 ? 0 : errno;
	errno = saved;
	return r;
}

EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) {
		errno = EINVAL;
		return -1;
	}
	return change_mask(how, set, old);
}

EXPORT int signalfd(int fd, const sigset_t *mask, int flags)
{
	if (!r_signalfd)
		r_signalfd = (int (*)(int, const sigset_t *, int))dlsym(RTLD_NEXT, "signalfd");
	sigset_t copy;
	return r_signalfd(fd, shim_sigmask_strip(mask, &copy), flags);
}

EXPORT int sigpending(sigset_t *set)
{
	if (!r_sigpending)
		r_sigpending = (int (*)(sigset_t *))dlsym(RTLD_NEXT, "sigpending");
	int r = r_sigpending(set);
	if (r == 0 && filtering() && !prog_blocked)
		sigdelset(set, shim_cfg.signo);
	return r;
}

/* A new thread inherits its creator's wish, as it inherits the mask (a
 * fork child keeps it by itself: thread-local storage is copied). */
bool shim_sigmask_prog_blocked(void)
{
	return prog_blocked;
}

void shim_sigmask_set_prog_blocked(bool blocked)
{
	prog_blocked = blocked;
}
