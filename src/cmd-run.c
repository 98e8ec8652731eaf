/* cmd-run.c -- `sprof run`: the launcher.  Parses options, finds the program
 * like a shell would, refuses programs the shim cannot enter, creates the raw
 * file with its header, runs the program with the shim LD_PRELOADed (the
 * launcher <-> shim contract is in doc/HACKING.md), forwards signals to it,
 * and at the end reads the raw file back for a one-line summary.
 *
 * The program's stdin/stdout/stderr, signal mask and signal dispositions are
 * left as sprof found them; sprof writes nothing but its own stderr lines.
 *
 * Exit statuses: sprof's own failures before the program runs are 125 (as
 * env, nice and timeout do), which a program rarely uses; after that, the
 * program's status, and a program killed by SIGINT or SIGQUIT makes sprof
 * die of the same signal, so a calling shell loop stops as it would
 * without sprof.  The program gets SIGKILL should the launcher die first
 * (PR_SET_PDEATHSIG): a CI runner that kills the launcher expects it gone. */
#include "config.h"
#include "sprof.h"
#include "raw/elfcheck.h"
#include "raw/format.h"
#include "raw/reader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_OUTPUT "sprof.raw"
#define DEFAULT_HZ 101
#define DEFAULT_DEPTH 128
#define EXIT_RUN_FAILED 125             /* sprof's own failure, program not run */

/* A usage error of `sprof run`: the usual line, but exit 125. */
#define RUN_USAGE(...) (sprof_usage_error("run", __VA_ARGS__), EXIT_RUN_FAILED)

struct run_opts {
	const char *output;
	uint64_t hz, depth;
	int signo;                      /* sampling signal, SPROF_SIGNAL */
	bool wall;                      /* --mode wall */
	bool no_follow;                 /* --no-follow: the first process only */
	bool allow_unprofiled, quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: sprof run [OPTIONS] -- COMMAND [ARGS...]\n"
	        "Run COMMAND with the sprof sampler preloaded and write its samples to a raw file.\n"
	        "\n"
	        "Options:\n"
	        "  -o, --output FILE      raw file to write (default " DEFAULT_OUTPUT "); an existing\n"
	        "                         FILE is renamed to FILE.old first; FILE must be a\n"
	        "                         regular file or absent, and not in use by another run\n"
	        "  -F, --frequency HZ     samples per second per thread, 1-10000 (default %d):\n"
	        "                         of CPU time in cpu mode, of wall time in wall mode\n"
	        "  -m, --mode MODE        cpu: sample threads as they use CPU (default);\n"
	        "                         wall: sample every thread all the time, running or\n"
	        "                         blocked (blocked samples are marked off-CPU)\n"
	        "      --no-follow        profile the first process only, not its children\n"
	        "                         (fork, posix_spawn, system) nor programs it exec()s\n"
	        "      --max-depth N      frames kept per stack, 1-1024 (default %d)\n"
	        "      --signal SIG       signal the sampler uses: a name (PROF, VTALRM,\n"
	        "                         RTMIN+3) or a number (default PROF)\n"
	        "      --allow-unprofiled run programs the sampler cannot enter (static, setuid,\n"
	        "                         other architecture) anyway, without profiling them\n"
	        "  -q, --quiet            no summary line\n"
	        "  -h, --help             show this help\n"
	        "  -V, --version          show the version\n"
	        "\n"
	        "Options stop at the first non-option: everything from COMMAND on is the program's.\n"
	        "Exit status: the program's; 128+N if it died of signal N (sprof says so on\n"
	        "stderr, even with -q, except for SIGINT and SIGPIPE; for SIGINT and SIGQUIT\n"
	        "sprof dies of the same signal); 127 command not found; 126 not executable;\n"
	        "125 sprof itself failed before running the program (bad usage, a program\n"
	        "that cannot be profiled, the raw file cannot be made or is in use).\n"
	        "If sprof is killed, the program is killed too (SIGKILL).\n"
	        "Environment: SPROF_SHIM overrides the path of libsprof.so (for testing).\n",
	        DEFAULT_HZ, DEFAULT_DEPTH);
}

/* ---- finding the program ------------------------------------------------ */

/* Resolves cmd the way a shell does: as a path when it has a '/', else by
 * searching PATH.  Returns a malloc'ed path, or NULL with *status set to the
 * shell's exit status (127 not found, 126 found but not executable) after
 * printing the reason. */
static char *resolve_command(const char *cmd, int *status)
{
	struct stat st;
	if (strchr(cmd, '/')) {
		if (stat(cmd, &st) != 0) {
			sprof_error("%s: %s", cmd, strerror(errno));
			*status = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
			return NULL;
		}
		if (S_ISDIR(st.st_mode)) {
			sprof_error("%s: Is a directory", cmd);
			*status = 126;
			return NULL;
		}
		if (access(cmd, X_OK) != 0 || !S_ISREG(st.st_mode)) {
			sprof_error("%s: Permission denied", cmd);
			*status = 126;
			return NULL;
		}
		return strdup(cmd);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	bool denied = false;
	size_t clen = strlen(cmd);
	for (const char *p = path;; ) {
		const char *colon = strchrnul(p, ':');
		size_t dlen = (size_t)(colon - p);
		char *cand = malloc(dlen + clen + 3);
		if (!cand) {
			sprof_error("out of memory");
			*status = EXIT_RUN_FAILED;
			return NULL;
		}
		if (dlen == 0)
			strcpy(cand, "./");     /* an empty PATH entry is the cwd */
		else {
			memcpy(cand, p, dlen);
			cand[dlen] = '/';
			cand[dlen + 1] = 0;
		}
		strcat(cand, cmd);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(cand, X_OK) == 0)
				return cand;
			denied = true;
		}
		free(cand);
		if (!*colon)
			break;
		p = colon + 1;
	}
	if (denied) {
		sprof_error("%s: Permission denied", cmd);
		*status = 126;
	} else {
		sprof_error("%s: command not found", cmd);
		*status = 127;
	}
	return NULL;
}

/* ---- the raw file ------------------------------------------------------- */

static char *absolute_path(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	char *abs;
	if (asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	free(cwd);
	return abs;
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device" :
	       S_ISBLK(m) ? "a block device" : S_ISFIFO(m) ? "a FIFO" :
	       S_ISSOCK(m) ? "a socket" : S_ISLNK(m) ? "a symbolic link" : "not a regular file";
}

/* Whether path may be moved aside: absent (0) or a regular file that no
 * other run holds (1); else -1 after saying why.  Only a regular file is
 * ever renamed: a device node, FIFO, socket, directory or symlink at the
 * path (/dev/null, /dev/stdout) is refused, never replaced nor opened. */
static int may_replace(const char *shown, const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		sprof_error("%s: %s", shown, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		sprof_error("%s: is %s; the raw file must be a regular file or absent", shown,
		            file_kind(st.st_mode));
		return -1;
	}
	/* O_NONBLOCK: should a FIFO have been swapped in meanwhile, the open
	 * must not wait for a writer (fstat then refuses it) */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 1;       /* unreadable: still ours to rename, as before */
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int busy = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1;
	if (!busy && fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK)
		busy = 1;
	close(fd);
	if (busy < 0) {
		sprof_error("%s: is not a regular file any more; not replacing it", shown);
		return -1;
	}
	if (busy) {
		sprof_error("%s: in use by another sprof run; pick another -o FILE", shown);
		return -1;
	}
	return 1;
}

/* Moves an existing FILE aside to FILE.old, then creates FILE afresh with its
 * header.  O_EXCL|O_NOFOLLOW: a symlink raced in after the rename makes
 * this fail instead of writing through it.  Returns the file's descriptor,
 * kept open with an OFD write lock until sprof exits: a second run on the
 * same path sees the lock and refuses, and as the kernel drops the lock with
 * the last descriptor, a killed sprof never leaves it stale. */
static int create_raw(const char *shown, const char *path)
{
	int r = may_replace(shown, path);
	if (r < 0)
		return -1;
	if (r > 0) {
		char *old;
		if (asprintf(&old, "%s.old", path) < 0) {
			sprof_error("out of memory");
			return -1;
		}
		/* a symlink there is replaced, its target untouched; a device
		 * node or FIFO would be gone for its other users */
		struct stat st;
		if (lstat(old, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			sprof_error("%s.old: is %s; not replacing it", shown, file_kind(st.st_mode));
			free(old);
			return -1;
		}
		if (rename(path, old) != 0) {
			sprof_error("cannot rename %s to %s.old: %s", shown, shown, strerror(errno));
			free(old);
			return -1;
		}
		free(old);
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		sprof_error("cannot create %s: %s", shown, strerror(errno));
		return -1;
	}
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct stat mine, now;
	if (fcntl(fd, F_OFD_SETLK, &l) != 0 || fstat(fd, &mine) != 0 || stat(path, &now) != 0 ||
	    mine.st_ino != now.st_ino || mine.st_dev != now.st_dev) {
		/* another run moved it aside between our create and our lock */
		sprof_error("%s: in use by another sprof run; pick another -o FILE", shown);
		close(fd);
		return -1;
	}
	uint8_t h[RAW_FILE_HEADER_SIZE];
	memcpy(h, RAW_MAGIC, 8);
	h[8] = RAW_VERSION_MAJOR & 0xff;
	h[9] = RAW_VERSION_MAJOR >> 8;
	h[10] = RAW_VERSION_MINOR & 0xff;
	h[11] = RAW_VERSION_MINOR >> 8;
	h[12] = RAW_FILE_HEADER_SIZE;
	h[13] = h[14] = h[15] = 0;
	ssize_t n = write(fd, h, sizeof h);
	if (n != (ssize_t)sizeof h) {
		sprof_error("cannot write %s: %s", shown, n < 0 ? strerror(errno) : "short write");
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* ---- the shim and the child's environment ------------------------------- */

/* The shim beside the running sprof: in the build tree (sprof is
 * src/sprof, the shim src/shim/.libs/), or installed under a DESTDIR
 * (sprof is DESTDIR/BINDIR/sprof, the shim DESTDIR/PKGLIBDIR/). */
static char *shim_beside_self(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	char *slash = n > 0 ? (self[n] = 0, strrchr(self, '/')) : NULL;
	if (!slash)
		return NULL;
	*slash = 0;
	size_t dl = strlen(self), bl = strlen(BINDIR);
	char *cand[2] = { NULL, NULL };
	if (asprintf(&cand[0], "%s/shim/.libs/libsprof.so", self) < 0)
		cand[0] = NULL;
	if (dl > bl && !strcmp(self + dl - bl, BINDIR) &&
	    asprintf(&cand[1], "%.*s%s/libsprof.so", (int)(dl - bl), self, PKGLIBDIR) < 0)
		cand[1] = NULL;
	char *found = NULL;
	for (int i = 0; i < 2; i++) {
		if (!found && cand[i] && access(cand[i], R_OK) == 0)
			found = cand[i];
		else
			free(cand[i]);
	}
	return found;
}

static char *find_shim(void)
{
	const char *env = getenv("SPROF_SHIM");
	if (env && *env)
		return strdup(env);
	char *beside = shim_beside_self();
	if (beside)
		return beside;
	if (access(PKGLIBDIR "/libsprof.so", R_OK) == 0)
		return strdup(PKGLIBDIR "/libsprof.so");
	sprof_error("cannot find the sampler library libsprof.so (looked in %s)", PKGLIBDIR);
	return NULL;
}

/* Builds the child's environment: ours minus any SPROF_* the contract uses,
 * plus the contract variables and LD_PRELOAD with the shim first. */
static char **child_env(const char *shim, const char *output, const struct run_opts *o)
{
	extern char **environ;
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 8, sizeof *env);
	if (!env)
		return NULL;
	size_t k = 0;
	const char *preload = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];
		if (!strncmp(e, "LD_PRELOAD=", 11)) {
			preload = e + 11;
			continue;
		}
		if (!strncmp(e, "SPROF_OUTPUT=", 13) || !strncmp(e, "SPROF_FREQUENCY=", 16) ||
		    !strncmp(e, "SPROF_MAX_DEPTH=", 16) || !strncmp(e, "SPROF_MODE=", 11) ||
		    !strncmp(e, "SPROF_SIGNAL=", 13) || !strncmp(e, "SPROF_FOLLOW=", 13))
			continue;
		env[k++] = (char *)e;
	}
	int r = 0;
	if (preload && *preload)
		r |= asprintf(&env[k++], "LD_PRELOAD=%s:%s", shim, preload) < 0;
	else
		r |= asprintf(&env[k++], "LD_PRELOAD=%s", shim) < 0;
	r |= asprintf(&env[k++], "SPROF_OUTPUT=%s", output) < 0;
	r |= asprintf(&env[k++], "SPROF_FREQUENCY=%llu", (unsigned long long)o->hz) < 0;
	r |= asprintf(&env[k++], "SPROF_MAX_DEPTH=%llu", (unsigned long long)o->depth) < 0;
	r |= asprintf(&env[k++], "SPROF_MODE=%s", o->wall ? "wall" : "cpu") < 0;
	r |= asprintf(&env[k++], "SPROF_FOLLOW=%d", o->no_follow ? 0 : 1) < 0;
	r |= asprintf(&env[k++], "SPROF_SIGNAL=%d", o->signo) < 0;
	env[k] = NULL;
	return r ? NULL : env;
}

/* ---- running it --------------------------------------------------------- */

static const int fwd_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
#define NFWD (sizeof fwd_signals / sizeof fwd_signals[0])
static volatile sig_atomic_t child_pid;

/* Passes a signal sent to sprof on to the program.  A signal the kernel made
 * for the terminal (Ctrl-C, hangup) already went to the whole foreground
 * process group, program included, so it is not sent twice. */
static void forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si && si->si_code == SI_KERNEL)
		return;
	int saved = errno;
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
	errno = saved;
}

/* Runs path with argv and env (env NULL: our own environment), forwarding
 * signals.  Returns the wait status, or -1 after printing why it could not
 * run (with *status set to 126/127/1). */
static int spawn(const char *path, char **argv, char **env, int *status)
{
	extern char **environ;
	if (!env)
		env = environ;
	sigset_t block, oldmask;
	sigemptyset(&block);
	for (size_t i = 0; i < NFWD; i++)
		sigaddset(&block, fwd_signals[i]);
	/* Block first so no forwarded signal can arrive between fork and the
	 * moment the child has its own dispositions back. */
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	struct sigaction sa = { .sa_sigaction = forward, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigemptyset(&sa.sa_mask);
	struct sigaction old[NFWD];
	for (size_t i = 0; i < NFWD; i++)
		sigaction(fwd_signals[i], &sa, &old[i]);

	/* exec failures come back through a close-on-exec pipe */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		sprof_error("pipe: %s", strerror(errno));
		*status = EXIT_RUN_FAILED;
		goto restore_fail;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		sprof_error("fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		*status = EXIT_RUN_FAILED;
		goto restore_fail;
	}
	if (pid == 0) {
		/* the program goes when the launcher dies; a launcher already
		 * gone before the prctl took effect would never send it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			raise(SIGKILL);
		for (size_t i = 0; i < NFWD; i++)
			sigaction(fwd_signals[i], &old[i], NULL);
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		execve(path, argv, env);
		int e = errno;
		if (e == ENOEXEC) {
			/* like a shell: a file that is neither ELF nor #! is a
			 * shell script */
			size_t n = 0;
			while (argv[n])
				n++;
			char **sh = calloc(n + 2, sizeof *sh);
			if (sh) {
				sh[0] = "/bin/sh";
				sh[1] = (char *)path;
				for (size_t i = 1; i < n; i++)
					sh[i + 1] = argv[i];
				execve("/bin/sh", sh, env);
			}
			e = errno;
		}
		if (write(pfd[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	child_pid = pid;
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	/* A closed stderr must not kill sprof before it passes the program's
	 * status on; the child already has its own disposition. */
	signal(SIGPIPE, SIG_IGN);

	int e = 0;
	ssize_t n;
	while ((n = read(pfd[0], &e, sizeof e)) < 0 && errno == EINTR)
		;
	close(pfd[0]);
	/* Wait without reaping first, so that no forwarded signal can reach a
	 * process that reused the pid after the reaping. */
	siginfo_t si;
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
		;
	child_pid = 0;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			sprof_error("waitpid: %s", strerror(errno));
			st = 1 << 8;
			break;
		}
	}
	for (size_t i = 0; i < NFWD; i++)
		sigaction(fwd_signals[i], &old[i], NULL);
	if (n == (ssize_t)sizeof e) {
		sprof_error("%s: %s", argv[0], strerror(e));
		*status = e == ENOENT ? 127 : 126;
		return -1;
	}
	return st;

restore_fail:
	for (size_t i = 0; i < NFWD; i++)
		sigaction(fwd_signals[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return -1;
}

/* ---- the summary line --------------------------------------------------- */

static void human_size(uint64_t b, char *buf, size_t len)
{
	if (b < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)b);
	else if (b < 1024 * 1024)
		snprintf(buf, len, "%.1f KiB", b / 1024.0);
	else if (b < 1024ull * 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", b / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.1f GiB", b / (1024.0 * 1024 * 1024));
}

static void summary(const char *shown_path, const char *abs_path, double secs, uint64_t hz)
{
	struct raw_file rf;
	char err[256];
	if (raw_read_path(abs_path, &rf, err, sizeof err) != 0) {
		sprof_error("cannot read back %s: %s", shown_path, err);
		return;
	}
	uint64_t samples = 0, lost = 0, counted = 0, cpu_ns = 0, millihz = 0, not_written = 0;
	size_t unended = 0;
	const char *write_error = NULL;
	for (size_t i = 0; i < rf.nprocs; i++) {
		const struct raw_process *p = &rf.procs[i];
		samples += p->nsamples;
		lost += p->lost_full + p->lost_other;
		counted += p->stat_samples + p->lost_full + p->lost_other;
		cpu_ns += p->cpu_ns;
		if (!millihz)
			millihz = p->delivered_millihz;
		if (!p->ended)
			unended++;
		if (p->write_error) {
			write_error = p->write_error;
			not_written += p->not_written;
		}
	}
	char size[32], rate[48], procs[48] = "", tail[320] = "";
	human_size(rf.size, size, sizeof size);
	/* Delivered rate: what the shim measured (as sprof info shows it)
	 * for one process; over several, samples per CPU-second of them all. */
	if (millihz && (rf.nprocs == 1 || !cpu_ns))
		snprintf(rate, sizeof rate, "%.1f Hz", millihz / 1000.0);
	else if (cpu_ns)
		snprintf(rate, sizeof rate, "%.1f Hz", counted / (cpu_ns / 1e9));
	else
		snprintf(rate, sizeof rate, "an unknown rate");
	if (rf.nprocs > 1)
		snprintf(procs, sizeof procs, " from %zu processes", rf.nprocs);
	if (write_error)
		snprintf(tail, sizeof tail, "; writing failed: %s, %llu samples not written",
		         write_error, (unsigned long long)not_written);
	else if (rf.cut)
		snprintf(tail, sizeof tail, "; file cut: %s", rf.problem);
	else if (rf.nprocs == 0)
		snprintf(tail, sizeof tail, "; the sampler wrote nothing");
	else if (unended)
		snprintf(tail, sizeof tail, "; cut: %zu process%s left no end record", unended,
		         unended == 1 ? "" : "es");
	fprintf(stderr, "sprof: %llu samples (%llu lost)%s in %.2f s at %s (%llu Hz requested) -> %s (%s%s)\n",
	        (unsigned long long)samples, (unsigned long long)lost, procs, secs, rate,
	        (unsigned long long)hz, shown_path, size, tail);
	raw_file_free(&rf);
}

/* ---- the command -------------------------------------------------------- */

enum { OPT_MAX_DEPTH = 256, OPT_ALLOW_UNPROFILED, OPT_SIGNAL, OPT_NO_FOLLOW };

/* --signal: a name with or without "SIG" (any case), RTMIN+N / RTMAX-N, or a
 * number.  Refused: what cannot be caught, glibc's internal real-time
 * signals, and the crash signals, whose handlers the shim keeps for the
 * final block (and whose meaning a sampling signal would blur). */
static int parse_signal(const char *arg)
{
	static const struct { const char *name; int no; } names[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
		{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT },
		{ "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
		{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
		{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
		{ "IO", SIGIO }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
	};
	const char *s = arg;
	uint64_t n;
	int no = -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	if (parse_u64(arg, 1, 1000, &n)) {
		no = (int)n;
	} else if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		bool max = !strncasecmp(s, "RTMAX", 5);
		n = 0;
		if (s[5] && !((s[5] == (max ? '-' : '+')) && parse_u64(s + 6, 0, 1000, &n)))
			return -1;
		if (n > (uint64_t)(SIGRTMAX - SIGRTMIN))
			return -1;
		no = max ? SIGRTMAX - (int)n : SIGRTMIN + (int)n;
	} else {
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (!strcasecmp(s, names[i].name))
				no = names[i].no;
	}
	if (no < 1 || no > SIGRTMAX || (no > 31 && no < SIGRTMIN))
		return -1;
	if (no == SIGKILL || no == SIGSTOP || no == SIGSEGV || no == SIGBUS || no == SIGILL ||
	    no == SIGFPE || no == SIGABRT || no == SIGTRAP || no == SIGSYS)
		return -1;
	return no;
}

/* What a profiled run needs before the program starts. */
struct prepared {
	char *abs, *shim, **env;
	int rawfd;                      /* the raw file, locked (create_raw) */
};

static int prepare(const struct run_opts *o, struct prepared *pr)
{
	pr->abs = absolute_path(o->output);
	if (!pr->abs) {
		sprof_error("%s: %s", o->output, strerror(errno));
		return -1;
	}
	pr->shim = find_shim();
	if (!pr->shim)
		return -1;
	if (strpbrk(pr->shim, ": ")) {
		/* LD_PRELOAD splits on both */
		sprof_error("cannot preload %s: its path contains ':' or a space", pr->shim);
		return -1;
	}
	pr->rawfd = create_raw(o->output, pr->abs);
	if (pr->rawfd < 0)
		return -1;
	pr->env = child_env(pr->shim, pr->abs, o);
	if (!pr->env) {
		sprof_error("out of memory");
		return -1;
	}
	return 0;
}

static void prepared_free(struct prepared *pr)
{
	if (pr->env) {
		/* ours are at the end, from LD_PRELOAD on (child_env leaves the
		 * inherited LD_PRELOAD out): no count to keep in step */
		size_t i = 0;
		while (pr->env[i] && strncmp(pr->env[i], "LD_PRELOAD=", 11) != 0)
			i++;
		for (; pr->env[i]; i++)
			free(pr->env[i]);
		free(pr->env);
	}
	if (pr->rawfd >= 0)
		close(pr->rawfd);       /* drops the lock */
	free(pr->abs);
	free(pr->shim);
}

/* The program died of SIGINT or SIGQUIT: so does sprof, after its summary.
 * A shell that sees its child die of SIGINT stops its loop or script (the
 * wait-and-cooperative-exit rule); an exit status of 130 would not.  No
 * core file of sprof's own for SIGQUIT: the program's is the one wanted. */
static void die_of(int sig)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	fflush(NULL);
	signal(sig, SIG_DFL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);       /* not reached */
}

int cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "frequency", required_argument, NULL, 'F' },
		{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
		{ "allow-unprofiled", no_argument, NULL, OPT_ALLOW_UNPROFILED },
		{ "signal", required_argument, NULL, OPT_SIGNAL },
		{ "mode", required_argument, NULL, 'm' },
		{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_opts o = { .output = DEFAULT_OUTPUT, .hz = DEFAULT_HZ, .depth = DEFAULT_DEPTH,
			      .signo = SIGPROF };
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "+:o:F:m:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				return RUN_USAGE("empty output file name");
			if (!strcmp(optarg, "-"))
				return RUN_USAGE("the raw file cannot go to stdout (the program's output goes there)");
			o.output = optarg;
			break;
		case 'F':
			if (!parse_u64(optarg, 1, 10000, &o.hz))
				return RUN_USAGE("bad frequency '%s' (want 1-10000 Hz)", optarg);
			break;
		case OPT_MAX_DEPTH:
			if (!parse_u64(optarg, 1, 1024, &o.depth))
				return RUN_USAGE("bad max depth '%s' (want 1-1024)", optarg);
			break;
		case OPT_SIGNAL:
			o.signo = parse_signal(optarg);
			if (o.signo < 0)
				return RUN_USAGE("bad signal '%s' (want a catchable, non-crash signal: PROF, VTALRM, RTMIN+N, a number)", optarg);
			break;
		case OPT_ALLOW_UNPROFILED:
			o.allow_unprofiled = true;
			break;
		case 'm':
			if (!strcmp(optarg, "wall"))
				o.wall = true;
			else if (!strcmp(optarg, "cpu"))
				o.wall = false;
			else
				return RUN_USAGE("bad mode '%s' (want cpu or wall)", optarg);
			break;
		case OPT_NO_FOLLOW:
			o.no_follow = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sprof %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			return RUN_USAGE("option '%s' needs a value", argv[optind - 1]);
		default:
			if (optopt)
				return RUN_USAGE("unknown option '-%c'", optopt);
			return RUN_USAGE("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return RUN_USAGE("missing the command to profile");
	char **cargv = argv + optind;

	int status = 0;
	char *path = resolve_command(cargv[0], &status);
	if (!path)
		return status;
	char why[320];
	const char *reason = sprof_unprofilable(path, why, sizeof why);
	if (reason && !o.allow_unprofiled) {
		sprof_error("%s: cannot profile: %s; not running it (--allow-unprofiled runs it anyway)",
		            cargv[0], reason);
		free(path);
		return EXIT_RUN_FAILED;
	}

	struct prepared pr = { .rawfd = -1 };
	if (reason) {
		/* run it plain: no preload, no raw file (an old one is kept) */
		if (!o.quiet)
			sprof_error("%s: cannot profile: %s; running it unprofiled, no %s written",
			            cargv[0], reason, o.output);
	} else if (prepare(&o, &pr) != 0) {
		prepared_free(&pr);
		free(path);
		return EXIT_RUN_FAILED;
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int st = spawn(path, cargv, pr.env, &status);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	if (st >= 0 && !o.quiet && pr.abs) {
		/* through our descriptor: this run's file, whatever is at the
		 * path by now */
		char self[48];
		snprintf(self, sizeof self, "/proc/self/fd/%d", pr.rawfd);
		summary(o.output, access(self, R_OK) == 0 ? self : pr.abs, secs, o.hz);
	}
	int sig = 0;
	if (st < 0) {
		/* exec failed: status already set */
	} else if (WIFEXITED(st)) {
		status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		sig = WTERMSIG(st);
		/* The exit status 128+N is all a shell sees, so say what happened
		 * (shells stay quiet about SIGINT and SIGPIPE; so do we). */
		if (sig != SIGINT && sig != SIGPIPE) {
			const char *abbrev = sigabbrev_np(sig);
			fprintf(stderr, "sprof: %s killed by signal %d (SIG%s)%s\n", cargv[0], sig,
			        abbrev ? abbrev : "?", WCOREDUMP(st) ? " (core dumped)" : "");
		}
		status = 128 + sig;
	} else {
		status = 1;
	}
	prepared_free(&pr);
	free(path);
	if (sig == SIGINT || sig == SIGQUIT)
		die_of(sig);
	return status;
}
