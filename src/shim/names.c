/* names.c -- thread renames recorded when they happen: pthread_setname_np
 * and prctl(PR_SET_NAME) are wrapped, so a thread that renames itself and
 * exits before the writer next looks still has both names in the profile,
 * each from the time it was set (REC_THREAD).  The writer's check of
 * /proc comm (writer.c) still catches renames made any other way (a write
 * to /proc/self/task/TID/comm). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "shim/shim.h"

#define EXPORT __attribute__((visibility("default")))

static bool ours_to_note(void)
{
	/* not in a vfork child, which shares our memory and must not lock */
	if (!atomic_load(&shim_active) || getpid() != shim_pid)
		return false;
	pid_t tid = shim_gettid();
	/* the shim's own threads name themselves and are not sampled */
	return tid != atomic_load(&shim_sampler_tid) && tid != atomic_load(&shim_writer_tid);
}

EXPORT int prctl(int option, ...)
{
	static int (*real)(int, ...);
	if (!real)
		real = (int (*)(int, ...))dlsym(RTLD_NEXT, "prctl");
	va_list ap;
	va_start(ap, option);
	unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
	unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
	va_end(ap);
	int r = real(option, a2, a3, a4, a5);
	if (r == 0 && option == PR_SET_NAME && ours_to_note()) {
		int e = errno;
		char name[SHIM_NAME_LEN];
		snprintf(name, sizeof name, "%s", (const char *)a2);
		shim_note_thread_name(shim_gettid(), name);
		errno = e;
	}
	return r;
}

EXPORT int pthread_setname_np(pthread_t t, const char *name)
{
	static int (*real)(pthread_t, const char *);
	if (!real)
		real = (int (*)(pthread_t, const char *))dlsym(RTLD_NEXT, "pthread_setname_np");
	int r = real(t, name);
	if (r != 0 || !ours_to_note())
		return r;
	int e = errno;
	if (pthread_equal(t, pthread_self())) {
		shim_note_thread_name(shim_gettid(), name);
	} else {
		/* another thread, whose tid glibc does not tell: every live
		 * thread now bearing that name (a thread already so named is
		 * noted again, harmlessly) */
		char want[SHIM_NAME_LEN], have[SHIM_NAME_LEN];
		snprintf(want, sizeof want, "%s", name);
		uint32_t hwm = atomic_load(&shim_slots_hwm);
		for (uint32_t i = 0; i < hwm; i++) {
			struct slot *s = &shim_slots[i];
			if (atomic_load(&s->state) != SLOT_LIVE)
				continue;
			shim_read_comm(s->tid, have);
			if (strcmp(have, want) == 0)
				shim_note_thread_name(s->tid, want);
		}
	}
	errno = e;
	return r;
}
