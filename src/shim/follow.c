/* follow.c -- profiling whole process trees (the default; sprof run
 * --no-follow turns it off):
 *   - the settings stay in environ (SPROF_* as the launcher gave them), so
 *     that every way of starting a program that passes environ on (system(),
 *     popen(), execvp, posix_spawn, a shell ...) starts it profiled;
 *   - the exec and posix_spawn wrappers put LD_PRELOAD and the settings into
 *     an envp that lacks them (a program building its own environment), in
 *     a copy, and record a target the shim cannot enter (elfcheck.c) as
 *     REC_UNPROFILED;
 *   - before this process itself exec()s, sampling stops and the final
 *     block (REC_END, RAW_END_EXEC) is written; if the exec fails, sampling
 *     starts again in the same process;
 *   - a fork child (pthread_atfork) starts over with empty buffers and its
 *     own sampler and writer, appending to the same file under its own pid.
 * A vfork child shares the parent's memory: it only gets the environment
 * fix (in mmap'ed memory, never malloc, whose locks other threads of the
 * parent may hold) and leaves everything else alone.
 *
 * A nested `sprof run` (a profiled script that runs sprof run -o inner.raw)
 * starts its program with its own settings: an envp whose SPROF_OUTPUT is
 * not ours is left as it is, so the inner run's file and rate win, and the
 * outer profile records that program as REC_UNPROFILED "profiled by its own
 * sprof run into FILE" (the inner launcher itself stays in the outer
 * profile). */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw/elfcheck.h"
#include "raw/format.h"
#include "shim/shim.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_KEPT 16

static char *kept[MAX_KEPT];            /* "SPROF_X=value" */
static size_t nkept;
static char shim_path[PATH_MAX];

void shim_follow_init(const char *const *names, char (*values)[4096], const bool *have, size_t n)
{
	for (size_t i = 0; i < n && nkept < MAX_KEPT; i++) {
		if (!have[i])
			continue;
		char *e;
		if (asprintf(&e, "%s=%s", names[i], values[i]) >= 0)
			kept[nkept++] = e;
	}
	/* take_env took at least as many entries out of environ as we put
	 * back, so the array has room */
	extern char **environ;
	if (environ) {
		size_t k = 0;
		while (environ[k])
			k++;
		for (size_t i = 0; i < nkept; i++)
			environ[k++] = kept[i];
		environ[k] = NULL;
	}
	Dl_info info;
	if (dladdr((void *)shim_follow_init, &info) && info.dli_fname && info.dli_fname[0] == '/')
		snprintf(shim_path, sizeof shim_path, "%s", info.dli_fname);
}

/* ---- the environment of a new program ------------------------------------ */

static bool has_entry(char *const *envp, const char *entry)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strcmp(envp[i], entry) == 0)
			return true;
	return false;
}

static const char *preload_of(char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0)
			return envp[i] + 11;
	return NULL;
}

static bool ours(const char *e)
{
	for (size_t i = 0; i < nkept; i++) {
		size_t len = strcspn(kept[i], "=") + 1;
		if (strncmp(e, kept[i], len) == 0)
			return true;
	}
	return false;
}

/* The raw file another launcher gave envp, or NULL when envp has none or
 * ours. */
static const char *nested_output(char *const *envp)
{
	for (size_t i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], "SPROF_OUTPUT=", 13) != 0)
			continue;
		for (size_t k = 0; k < nkept; k++)
			if (strcmp(envp[i], kept[k]) == 0)
				return NULL;
		return envp[i] + 13;
	}
	return NULL;
}

struct envcopy {
	char **env;
	size_t maplen;          /* 0: env is the caller's, nothing mapped */
};

/* envp, or a copy with the settings and the shim in LD_PRELOAD when it
 * lacks them.  The copy lives in its own mapping (see the top). */
static char *const *env_for_child(char *const *envp, struct envcopy *c)
{
	c->env = (char **)envp;
	c->maplen = 0;
	if (!shim_cfg.follow || !nkept || !shim_path[0] || nested_output(envp))
		return envp;
	const char *pre = preload_of(envp);
	bool pre_ok = pre && strstr(pre, shim_path);
	bool all = pre_ok;
	for (size_t i = 0; all && i < nkept; i++)
		all = has_entry(envp, kept[i]);
	if (all)
		return envp;
	size_t n = 0;
	while (envp && envp[n])
		n++;
	size_t prelen = 11 + strlen(shim_path) + (pre && *pre ? 1 + strlen(pre) : 0) + 1;
	size_t len = (n + nkept + 2) * sizeof(char *) + prelen;
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return envp;
	char **env = m;
	char *pstr = (char *)(env + n + nkept + 2);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], "LD_PRELOAD=", 11) != 0 && !ours(envp[i]))
			env[k++] = envp[i];
	for (size_t i = 0; i < nkept; i++)
		env[k++] = kept[i];
	if (pre_ok)
		snprintf(pstr, prelen, "LD_PRELOAD=%s", pre);
	else if (pre && *pre)
		snprintf(pstr, prelen, "LD_PRELOAD=%s:%s", shim_path, pre);
	else
		snprintf(pstr, prelen, "LD_PRELOAD=%s", shim_path);
	env[k++] = pstr;
	env[k] = NULL;
	c->env = env;
	c->maplen = len;
	return env;
}

static void env_done(struct envcopy *c)
{
	if (c->maplen)
		munmap(c->env, c->maplen);
}

/* ---- programs the shim cannot enter -------------------------------------- */

/* file as execvp would find it (for the check only) into buf */
static const char *search_path(const char *file, char *buf, size_t len)
{
	if (strchr(file, '/'))
		return file;
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		if (snprintf(buf, len, "%.*s%s%s", (int)n, path, n ? "/" : "", file) < (int)len) {
			struct stat st;
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
				return buf;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

/* Notes a target we cannot enter.  A vfork child (dash runs commands so,
 * and posix_spawn) must not touch the parent's heap or locks: it leaves
 * the note in a fixed table the parent's writer reads (writer.c). */
static void check_target(const char *path, char *const *envp)
{
	if (!path || !shim_cfg.follow || !atomic_load(&shim_active))
		return;
	char buf[512];
	const char *nested = nested_output(envp);
	const char *why = buf;
	if (nested)
		snprintf(buf, sizeof buf, "profiled by its own sprof run into %s", nested);
	else
		why = sprof_unprofilable(path, buf, sizeof buf);
	if (!why)
		return;
	if (getpid() == shim_pid)
		shim_note_unprofiled(path, why);
	else
		shim_note_unprofiled_vfork(path, why);
}

/* ---- exec ---------------------------------------------------------------- */

SHIM_HIDDEN void shim_writer_restart(void);

/* Stops sampling and writes the final block before this process becomes
 * another program.  Returns whether it did (then resume() after a failure). */
static bool before_exec(const char *path, char *const *envp)
{
	int e = errno;
	check_target(path, envp);
	if (!atomic_load(&shim_active) || getpid() != shim_pid) {
		errno = e;
		return false;
	}
	shim_end_how = RAW_END_EXEC;
	atomic_store(&shim_active, 0);
	shim_stop_sampler();
	shim_stop_writer(0, false);
	/* the counters too, or one could overflow after the drain below */
	shim_perf_pause();
	/* A sampling signal still pending for this thread would survive the
	 * exec and, its handler gone, kill the new program: take it. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, shim_cfg.signo);
	struct timespec zero = { 0, 0 };
	while (syscall(SYS_rt_sigtimedwait, &set, NULL, &zero, _NSIG / 8) > 0)
		;
	errno = e;
	return true;
}

static void resume(bool stopped)
{
	if (!stopped)
		return;
	int e = errno;
	shim_writer_restart();
	shim_perf_resume();
	atomic_store(&shim_active, 1);
	if (shim_start_threads() != 0)
		atomic_store(&shim_active, 0);
	errno = e;
}

#define REAL(type, name) ((type)dlsym(RTLD_NEXT, name))
typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);

static execve_fn r_execve, r_execvpe;
static fexecve_fn r_fexecve;

__attribute__((constructor(101))) static void follow_resolve(void)
{
	r_execve = REAL(execve_fn, "execve");
	r_execvpe = REAL(execve_fn, "execvpe");
	r_fexecve = REAL(fexecve_fn, "fexecve");
}

static int do_execve(const char *path, char *const argv[], char *const envp[], bool search)
{
	char buf[PATH_MAX];
	if (!r_execve)
		follow_resolve();
	bool stopped = before_exec(search ? search_path(path, buf, sizeof buf) : path, envp);
	struct envcopy c;
	char *const *env = env_for_child(envp, &c);
	int r = search ? r_execvpe(path, argv, env) : r_execve(path, argv, env);
	int e = errno;
	env_done(&c);
	resume(stopped);
	errno = e;
	return r;
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	return do_execve(path, argv, envp, false);
}

EXPORT int execv(const char *path, char *const argv[])
{
	extern char **environ;
	return do_execve(path, argv, environ, false);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	return do_execve(file, argv, envp, true);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	extern char **environ;
	return do_execve(file, argv, environ, true);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	if (!r_fexecve)
		follow_resolve();
	bool stopped = before_exec(NULL, envp);
	struct envcopy c;
	char *const *env = env_for_child(envp, &c);
	int r = r_fexecve(fd, argv, env);
	int e = errno;
	env_done(&c);
	resume(stopped);
	errno = e;
	return r;
}

/* The list forms gather their arguments and go through the vector ones. */
#define GATHER(first, ap, argv, with_env, envp_out)                                          \
	size_t argc_ = 1;                                                                   \
	va_start(ap, first);                                                                \
	while (va_arg(ap, char *))                                                          \
		argc_++;                                                                    \
	va_end(ap);                                                                         \
	char *argv[argc_ + 1];                                                              \
	argv[0] = (char *)(first);                                                          \
	va_start(ap, first);                                                                \
	for (size_t i_ = 1; i_ <= argc_; i_++)                                              \
		argv[i_] = va_arg(ap, char *);                                              \
	if (with_env)                                                                       \
		*(char *const **)(envp_out) = va_arg(ap, char *const *);                    \
	va_end(ap)

EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;
	GATHER(arg, ap, argv, false, (void *)NULL);
	extern char **environ;
	return do_execve(path, argv, environ, false);
}

EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	GATHER(arg, ap, argv, false, (void *)NULL);
	extern char **environ;
	return do_execve(file, argv, environ, true);
}

EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char *const *envp = NULL;
	GATHER(arg, ap, argv, true, &envp);
	return do_execve(path, argv, envp, false);
}

/* ---- posix_spawn: a new process, this one goes on ------------------------ */

typedef int (*spawn_fn)(pid_t *, const char *, const posix_spawn_file_actions_t *,
			const posix_spawnattr_t *, char *const[], char *const[]);

static int do_spawn(const char *name, pid_t *pid, const char *path,
		    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
		    char *const argv[], char *const envp[], bool search)
{
	spawn_fn real = REAL(spawn_fn, name);
	if (!real)
		return ENOSYS;
	char buf[PATH_MAX];
	check_target(search ? search_path(path, buf, sizeof buf) : path, envp);
	struct envcopy c;
	char *const *env = env_for_child(envp, &c);
	int r = real(pid, path, fa, attr, argv, env);
	env_done(&c);
	return r;
}

EXPORT int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return do_spawn("posix_spawn", pid, path, fa, attr, argv, envp, false);
}

EXPORT int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return do_spawn("posix_spawnp", pid, file, fa, attr, argv, envp, true);
}

/* ---- fork ----------------------------------------------------------------- */

SHIM_HIDDEN void shim_registry_reset_child(void);
SHIM_HIDDEN void shim_sampler_reset_child(void);

/* Runs in the child of fork() (pthread_atfork, so not after vfork or
 * clone): only this thread exists.  Nothing of the parent's is written
 * again: every buffer starts empty, every lock afresh. */
void shim_follow_fork_child(void)
{
	atomic_store(&shim_active, 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	shim_wall_start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	shim_mono_start_ns = shim_now_ns();
	shim_pid = getpid();
	shim_exit_status = 0;
	atomic_store(&shim_main_exited, 0);
	/* the parent's task-clock counters came along as fds: closed here
	 * (only ours, checked by id), the child's thread gets its own as it
	 * registers below */
	shim_perf_reset_child();
	shim_registry_reset_child();
	shim_sampler_reset_child();
	shim_writer_reset_child();
	if (!shim_register(shim_gettid()))
		return;
	atomic_store(&shim_active, 1);
	if (shim_start_threads() != 0)
		atomic_store(&shim_active, 0);
}
