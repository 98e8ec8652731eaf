/* interpose.c -- the libc functions the shim wraps, each passing straight
 * through to the real one (dlsym RTLD_NEXT) when the shim is dormant:
 *   pthread_create     the new thread registers itself before user code runs,
 *                      so it is sampled from its first instruction;
 *   pthread_exit       notes that the main thread left (see sampler.c);
 *   exit, __libc_start_main   remember the exit status for REC_END;
 *   _exit, _Exit       write the final block first (dash, for one, ends with
 *                      _exit, which runs no destructor);
 *   sigaction, signal  a program taking SIGPROF for itself stops our signals
 *                      first, so its handler never sees one of ours; crash
 *                      signals are crash.c's to arbitrate.
 * The loader is not wrapped at all: the sampling handler's unwinder needs
 * nothing from it but _dl_find_object (unwind.c).  dlopen in particular
 * must not be wrapped: glibc resolves $ORIGIN, RPATH and the
 * namespace from the caller's address, which a wrapper would change; new
 * images are found by the writer instead. */
#include "config.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "shim/shim.h"


static void (*real_pthread_exit)(void *);
static void (*real_exit)(int);
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
static sighandler_t (*real_signal)(int, sighandler_t);
static void (*real__exit)(int);
static void (*real__Exit)(int);

/* Looks the real functions up once, from the constructor: dlsym is not
 * async-signal-safe, and sigaction or signal may first be called from a
 * signal handler. */
void shim_interpose_init(void)
{
	real_pthread_exit = (void (*)(void *))dlsym(RTLD_NEXT, "pthread_exit");
	real_exit = (void (*)(int))dlsym(RTLD_NEXT, "exit");
	real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(
		RTLD_NEXT, "sigaction");
	real_signal = (sighandler_t(*)(int, sighandler_t))dlsym(RTLD_NEXT, "signal");
	real__exit = (void (*)(int))dlsym(RTLD_NEXT, "_exit");
	real__Exit = (void (*)(int))dlsym(RTLD_NEXT, "_Exit");
}

struct start {
	void *(*fn)(void *);
	void *arg;
	bool sig_blocked;       /* the creator's wish for the sampling signal
				 * (sigmask.c), inherited like the mask */
};

/* in the section whose frames the writer drops, like main_wrapper below */
__attribute__((section("sprof_wrap"), noinline)) static void *start_thread(void *p)
{
	struct start st = *(struct start *)p;
	free(p);
	shim_sigmask_set_prog_blocked(st.sig_blocked);
	if (atomic_load(&shim_active))
		shim_register(shim_gettid());
	void *ret = st.fn(st.arg);
	shim_perf_thread_exit();
	return ret;
}

__attribute__((visibility("default"))) int pthread_create(pthread_t *t, const pthread_attr_t *attr,
							  void *(*fn)(void *), void *arg)
{
	int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *) =
		shim_real_pthread_create;
	if (!real)
		real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))dlsym(
			RTLD_NEXT, "pthread_create");
	if (!atomic_load(&shim_active))
		return real(t, attr, fn, arg);
	struct start *st = malloc(sizeof *st);
	if (!st)
		return real(t, attr, fn, arg);  /* the periodic scan will find it */
	st->fn = fn;
	st->arg = arg;
	st->sig_blocked = shim_sigmask_prog_blocked();
	int err = real(t, attr, start_thread, st);
	if (err)
		free(st);
	return err;
}

__attribute__((visibility("default"), noreturn)) void pthread_exit(void *ret)
{
	if (!real_pthread_exit)
		shim_interpose_init();
	if (atomic_load(&shim_active) && shim_gettid() == shim_pid)
		atomic_store(&shim_main_exited, 1);
	shim_perf_thread_exit();
	real_pthread_exit(ret);
	__builtin_unreachable();
}

__attribute__((visibility("default"), noreturn)) void exit(int status)
{
	if (!real_exit)
		shim_interpose_init();
	shim_exit_status = status;
	real_exit(status);
	__builtin_unreachable();
}

__attribute__((noreturn)) static void exit_now(int status, void (*real)(int))
{
	shim_exit_status = status;
	shim_shutdown(true);
	real(status);
	__builtin_unreachable();
}

__attribute__((visibility("default"), noreturn)) void _exit(int status)
{
	if (!real__exit)
		shim_interpose_init();
	exit_now(status, real__exit);
}

__attribute__((visibility("default"), noreturn)) void _Exit(int status)
{
	if (!real__Exit)
		shim_interpose_init();
	exit_now(status, real__Exit);
}

static int (*real_main)(int, char **, char **);

/* Alone in its own section, so that the writer can drop its frame (between
 * __libc_start_call_main and main) from stacks by address range:
 * __start_/__stop_sprof_wrap are provided by the linker. */
__attribute__((section("sprof_wrap"), noinline)) static int main_wrapper(int argc, char **argv,
									     char **envp)
{
	int status = real_main(argc, argv, envp);
	shim_exit_status = status;
	return status;
}

typedef int (*main_fn)(int, char **, char **);
__attribute__((visibility("default"))) int __libc_start_main(main_fn main, int argc, char **argv,
							     void (*init)(void), void (*fini)(void),
							     void (*rtld_fini)(void), void *stack_end)
{
	int (*real)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *) =
		(int (*)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void),
			 void *))dlsym(RTLD_NEXT, "__libc_start_main");
	real_main = main;
	return real(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

const char *shim_displaced_how = "installed its own handler for";

void shim_displace(const char *how)
{
	if (atomic_exchange(&shim_sigprof_displaced, 1))
		return;
	shim_displaced_how = how;
	/* now, not at the sampler's next tick: an overflow meanwhile would
	 * reach the program */
	shim_perf_pause();
}

static void note_sigprof(int sig, bool installs)
{
	if (sig == shim_cfg.signo && installs && atomic_load(&shim_active))
		shim_displace("installed its own handler for");
}

__attribute__((visibility("default"))) int sigaction(int sig, const struct sigaction *act,
						     struct sigaction *old)
{
	if (!real_sigaction)
		shim_interpose_init();
	note_sigprof(sig, act != NULL);
	int r;
	if (shim_crash_sigaction(sig, act, old, &r))
		return r;
	return real_sigaction(sig, act, old);
}

__attribute__((visibility("default"))) sighandler_t signal(int sig, sighandler_t handler)
{
	if (!real_signal)
		shim_interpose_init();
	note_sigprof(sig, true);
	sighandler_t prev;
	if (shim_crash_signal(sig, handler, &prev))
		return prev;
	return real_signal(sig, handler);
}
