/* crash.c -- deadly signals: the final block before a crash or a kill, and
 * faults of the shim's own unwinder that must never reach the program.
 *
 * For the crash signals (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP,
 * SIGSYS) and the signals whose default action ends the process that CI
 * runners, shells and pipes send (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE,
 * SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ, SIGVTALRM; never the sampling
 * signal) left at the default disposition when the shim starts, a handler is installed that
 * has the writer write the final block (REC_END how=RAW_END_SIGNAL,
 * status=signo) and waits for it at most about a second (the crashed thread
 * may hold a lock the writer needs, malloc's), then restores SIG_DFL and
 * raises the signal again: it is blocked while the handler runs, so it is
 * delivered as the handler returns, from the original context -- the exit
 * status and the core dump are the program's own.  SA_ONSTACK: with the
 * program's sigaltstack a stack overflow still gets its final block;
 * without one the kernel cannot run any handler and the process dies as it
 * would (the file is then cut but readable).
 *
 * When the program installs its own handler for one of these signals, it
 * wins: the shim's handler stays in front only as a faithful trampoline --
 * installed with the program's sa_mask and sa_flags (SA_NODEFER,
 * SA_RESETHAND, SA_ONSTACK, SA_RESTART keep their kernel-side meaning), it
 * calls the program's function with the arguments its SA_SIGINFO asks for,
 * and sigaction/signal report the program's own disposition back.  The one
 * thing it does besides: a SIGSEGV/SIGBUS raised by the shim's unwinder
 * (an image unmapped during a walk, garbage CFI or frame pointers, see
 * unwind.c) jumps back to shim_unwind_guarded, which drops the sample.  SIG_IGN is passed
 * through and the shim steps aside for that signal; anything that changes
 * the disposition behind the wrappers' back (sigset, a raw syscall) is
 * noticed at the next call and the shim steps aside too. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "raw/format.h"
#include "shim/shim.h"
#include "shim/unwind.h"

#define CRASH_WAIT_NS 1500000000u       /* a second crashing thread waits this */

enum mode {
	MODE_NONE = 0,  /* not ours: the wrappers pass straight through */
	MODE_CRASH,     /* program left the default: final block, then die */
	MODE_CHAIN,     /* program's handler, called through ours */
};

static const int crash_signals[] = {
	SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS,
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2, SIGXCPU, SIGXFSZ,
	SIGVTALRM,
};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])

static _Atomic int mode[NSIG];
static struct sigaction prog[NSIG];     /* what the program believes is installed */
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static _Atomic int crashing;

__thread sigjmp_buf *shim_unwind_jb __attribute__((tls_model("initial-exec")));

/* The shim's own code: a fault there while a walk is armed is the walk's. */
static uintptr_t own_start, own_end;

static void on_crash(int sig, siginfo_t *si, void *uc);

static int install(int sig, const sigset_t *mask, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_crash;
	sa.sa_mask = *mask;
	sa.sa_flags = flags | SA_SIGINFO;
	return real_sigaction(sig, &sa, NULL);
}

void shim_crash_init(void)
{
	struct dl_find_object self;
	if (_dl_find_object((void *)(uintptr_t)&uw_walk, &self) == 0) {
		own_start = (uintptr_t)self.dlfo_map_start;
		own_end = (uintptr_t)self.dlfo_map_end;
	}
	real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(
		RTLD_NEXT, "sigaction");
	if (!real_sigaction)
		return;
	sigset_t none;
	sigemptyset(&none);
	for (size_t i = 0; i < NCRASH; i++) {
		int sig = crash_signals[i];
		struct sigaction cur;
		if (sig == shim_cfg.signo)
			continue;       /* --signal picked it: the sampler's */
		if (real_sigaction(sig, NULL, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) ||
		    cur.sa_handler != SIG_DFL)
			continue;       /* ignored (inherited) or taken already */
		prog[sig] = cur;
		if (install(sig, &none, SA_ONSTACK | SA_RESTART) == 0)
			atomic_store(&mode[sig], MODE_CRASH);
	}
}

/* Final block, default disposition, signal raised again (delivered when
 * this handler returns). */
static void die_of(int sig)
{
	if (atomic_exchange(&crashing, 1)) {
		/* another thread is writing the final block: give it time */
		uint64_t until = shim_now_ns() + CRASH_WAIT_NS;
		struct timespec ts = { 0, 10000000 };
		while (shim_now_ns() < until)
			nanosleep(&ts, NULL);
	} else {
		shim_exit_status = sig;
		shim_end_how = RAW_END_SIGNAL;
		shim_shutdown(true);
	}
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	atomic_store(&mode[sig], MODE_NONE);
	real_sigaction(sig, &dfl, NULL);
	syscall(SYS_tgkill, getpid(), shim_gettid(), sig);
}

static bool fault_in_walk(int sig, const siginfo_t *si, const void *ucv)
{
	if (!shim_unwind_jb || (sig != SIGSEGV && sig != SIGBUS) || !si || si->si_code <= 0 || !ucv)
		return false;
	uintptr_t pc = (uintptr_t)((const ucontext_t *)ucv)->uc_mcontext.gregs[REG_RIP];
	return pc >= own_start && pc < own_end;
}

static void on_crash(int sig, siginfo_t *si, void *uc)
{
	if (fault_in_walk(sig, si, uc)) {
		sigjmp_buf *jb = shim_unwind_jb;
		shim_unwind_jb = NULL;
		siglongjmp(*jb, 1);
	}
	int saved_errno = errno;
	if (sig <= 0 || sig >= NSIG)
		return;
	if (atomic_load(&mode[sig]) == MODE_CHAIN) {
		struct sigaction p = prog[sig];
		if (p.sa_flags & SA_RESETHAND) {
			/* the kernel has reset the disposition already */
			atomic_store(&mode[sig], MODE_NONE);
		}
		errno = saved_errno;
		if (p.sa_flags & SA_SIGINFO)
			p.sa_sigaction(sig, si, uc);
		else
			p.sa_handler(sig);
		return;
	}
	die_of(sig);
	errno = saved_errno;
}

/* The shim's handler is still the one the kernel has for sig. */
static bool still_ours(int sig)
{
	struct sigaction cur;
	return real_sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	       cur.sa_sigaction == on_crash;
}

bool shim_crash_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *ret)
{
	if (sig <= 0 || sig >= NSIG || atomic_load(&mode[sig]) == MODE_NONE)
		return false;
	if (!still_ours(sig)) {
		atomic_store(&mode[sig], MODE_NONE);
		return false;
	}
	struct sigaction before = prog[sig];
	*ret = 0;
	if (act) {
		int r;
		sigset_t none;
		sigemptyset(&none);
		if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_IGN) {
			r = real_sigaction(sig, act, NULL);
			if (r == 0)
				atomic_store(&mode[sig], MODE_NONE);
		} else if (!(act->sa_flags & SA_SIGINFO) && act->sa_handler == SIG_DFL) {
			r = install(sig, &none, SA_ONSTACK | SA_RESTART);
			if (r == 0)
				atomic_store(&mode[sig], MODE_CRASH);
		} else {
			r = install(sig, &act->sa_mask, act->sa_flags);
			if (r == 0)
				atomic_store(&mode[sig], MODE_CHAIN);
		}
		if (r != 0) {
			*ret = -1;
			return true;
		}
		prog[sig] = *act;
	}
	if (old)
		*old = before;
	return true;
}

bool shim_crash_signal(int sig, sighandler_t handler, sighandler_t *prev)
{
	/* glibc's signal(): BSD semantics, the signal blocked in its handler */
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sig > 0 && sig < NSIG)
		sigaddset(&sa.sa_mask, sig);
	sa.sa_flags = SA_RESTART;
	int r;
	if (!shim_crash_sigaction(sig, &sa, &old, &r))
		return false;
	*prev = r == 0 ? old.sa_handler : SIG_ERR;
	return true;
}

/* A walk can fault only where this file's handler catches SIGSEGV and
 * SIGBUS: where the program ignores them a fault would kill it.  (A program
 * that changes them by a raw system call, behind the wrappers, is not
 * looked for here: that would cost a system call per sample.) */
static bool recovery_armed(void)
{
	return own_end && atomic_load(&mode[SIGSEGV]) != MODE_NONE &&
	       atomic_load(&mode[SIGBUS]) != MODE_NONE;
}

int shim_unwind_guarded(struct uw_regs *regs, uint64_t *pcs, int max, enum uw_end *end)
{
	if (!recovery_armed()) {
		/* the interrupted pc is certain and needs no read */
		pcs[0] = regs->r[UW_RA];
		*end = UW_END_STUCK;
		return max > 0 ? 1 : 0;
	}
	sigjmp_buf jb;
	if (sigsetjmp(jb, 0)) {
		/* siglongjmp from on_crash: the fault's signal is still blocked
		 * (no sigreturn ran); a later fault of the program must kill it */
		sigset_t faults;
		sigemptyset(&faults);
		sigaddset(&faults, SIGSEGV);
		sigaddset(&faults, SIGBUS);
		shim_sigmask(SIG_UNBLOCK, &faults, NULL);
		return -1;
	}
	shim_unwind_jb = &jb;
	int n = uw_walk(regs, pcs, max, end);
	shim_unwind_jb = NULL;
	return n;
}
