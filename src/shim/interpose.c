/* interpose.c -- the libc functions the shim wraps, each passing straight
 * through to the real one (dlsym RTLD_NEXT) when the shim is dormant:
 *   pthread_create     the new thread registers itself before user code runs,
 *                      so it is sampled from its first instruction;
 *   pthread_exit       notes that the main thread left (see sampler.c);
 *   exit, __libc_start_main   remember the exit status for REC_END;
 *   dlclose            flushes libunwind's caches at once, before a new
 *                      image can reuse the addresses.
 * dlopen is deliberately not wrapped: glibc resolves $ORIGIN, RPATH and the
 * namespace from the caller's address, which a wrapper would change; new
 * images are found by the writer instead. */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <libunwind.h>

#include "shim/shim.h"

SHIM_HIDDEN void shim_shutdown(void);

struct start {
	void *(*fn)(void *);
	void *arg;
};

/* in the section whose frames the writer drops, like main_wrapper below */
__attribute__((section("sprof_wrap"), noinline)) static void *start_thread(void *p)
{
	struct start st = *(struct start *)p;
	free(p);
	if (atomic_load(&shim_active))
		shim_register(shim_gettid());
	return st.fn(st.arg);
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
	int err = real(t, attr, start_thread, st);
	if (err)
		free(st);
	return err;
}

__attribute__((visibility("default"), noreturn)) void pthread_exit(void *ret)
{
	static void (*real)(void *);
	if (!real)
		real = (void (*)(void *))dlsym(RTLD_NEXT, "pthread_exit");
	if (atomic_load(&shim_active) && shim_gettid() == shim_pid)
		atomic_store(&shim_main_exited, 1);
	real(ret);
	__builtin_unreachable();
}

__attribute__((visibility("default"), noreturn)) void exit(int status)
{
	static void (*real)(int);
	if (!real)
		real = (void (*)(int))dlsym(RTLD_NEXT, "exit");
	shim_exit_status = status;
	real(status);
	__builtin_unreachable();
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

__attribute__((visibility("default"))) int dlclose(void *handle)
{
	static int (*real)(void *);
	if (!real)
		real = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	int r = real(handle);
	if (atomic_load(&shim_active))
		unw_flush_cache(unw_local_addr_space, 0, 0);
	return r;
}
