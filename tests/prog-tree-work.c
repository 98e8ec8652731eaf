/* prog-tree-work.c -- programs for the process-tree tests (tests/tree-*.sh),
 * each burning CPU in a function with a distinct name so that a profile
 * tells which process did what:
 *   alpha MS | beta MS | gamma MS   burn MS ms in burn_alpha/beta/gamma
 *   fork-mt MS      three threads burn in parent_thread_work while the main
 *                   thread forks; the child burns MS ms in child_work and
 *                   exits; the parent then burns MS ms in parent_work
 *   exec-fail MS    execvp of a missing program (must fail with ENOENT),
 *                   then burn MS ms in after_exec_fail
 *   exec SELF MS    fork; the child execs SELF gamma MS; the parent burns
 *                   MS ms in burn_alpha and waits
 *   fork-storm N    four threads keep creating threads and renaming
 *                   themselves (the shim's registry and note locks busy)
 *                   while main forks N children, one after another; each
 *                   child creates a thread, renames itself, burns 5 ms in
 *                   child_work and exits 0.  A child hung on a lock held at
 *                   the fork hangs the program (the test has a timeout).
 *   system SELF MS  system("SELF beta MS"), then popen("SELF gamma MS")
 *                   and pclose: children of /bin/sh started inside libc
 *   spawn PROG      posix_spawn PROG beta 200 with an environment of PATH
 *                   only (no LD_PRELOAD, no settings), wait
 * Each burn function is noipa: identical bodies would be folded into one. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static void spin(double ms)
{
	burn_cpu_ms(ms, 2000);
}

__attribute__((noipa)) void burn_alpha(double ms) { spin(ms); }
__attribute__((noipa)) void burn_beta(double ms) { spin(ms); }
__attribute__((noipa)) void burn_gamma(double ms) { spin(ms); }
__attribute__((noipa)) void child_work(double ms) { spin(ms); }
__attribute__((noipa)) void parent_work(double ms) { spin(ms); }
__attribute__((noipa)) void after_exec_fail(double ms) { spin(ms); }

static volatile int stop;
void parent_thread_work(void)
{
	while (!stop)
		spin(1);
}

static void *thread_main(void *a)
{
	(void)a;
	parent_thread_work();
	return NULL;
}

static void *short_thread(void *a)
{
	(void)a;
	spin(0.2);
	return NULL;
}

static void *storm_thread(void *a)
{
	(void)a;
	char name[16];
	for (unsigned i = 0; !stop; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, short_thread, NULL) == 0)
			pthread_join(t, NULL);
		snprintf(name, sizeof name, "storm-%u", i % 100);
		pthread_setname_np(pthread_self(), name);
	}
	return NULL;
}

static int fork_storm(int n)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, storm_thread, NULL);
	int bad = 0;
	for (int k = 0; k < n; k++) {
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			pthread_t c;
			if (pthread_create(&c, NULL, short_thread, NULL) == 0)
				pthread_join(c, NULL);
			pthread_setname_np(pthread_self(), "storm-child");
			child_work(5);
			exit(0);
		}
		int st;
		waitpid(pid, &st, 0);
		bad += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return bad ? 1 : 0;
}

static int fork_mt(double ms)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, thread_main, NULL);
	spin(50);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		child_work(ms);
		exit(0);
	}
	parent_work(ms);
	int st;
	waitpid(pid, &st, 0);
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: prog-tree-work MODE ARG...\n");
		return 2;
	}
	const char *m = argv[1];
	double ms = atof(argv[argc - 1]);
	if (!strcmp(m, "alpha"))
		burn_alpha(ms);
	else if (!strcmp(m, "beta"))
		burn_beta(ms);
	else if (!strcmp(m, "gamma"))
		burn_gamma(ms);
	else if (!strcmp(m, "fork-mt"))
		return fork_mt(ms);
	else if (!strcmp(m, "fork-storm"))
		return fork_storm(atoi(argv[2]));
	else if (!strcmp(m, "exec-fail")) {
		char *args[] = { "/nonexistent/sprof-missing-program", NULL };
		execvp(args[0], args);
		if (errno != ENOENT) {
			fprintf(stderr, "prog-tree-work: execvp: %s\n", strerror(errno));
			return 1;
		}
		after_exec_fail(ms);
	} else if (!strcmp(m, "exec") && argc == 4) {
		pid_t pid = fork();
		if (pid == 0) {
			execl(argv[2], argv[2], "gamma", argv[3], (char *)NULL);
			_exit(127);
		}
		burn_alpha(ms);
		int st;
		waitpid(pid, &st, 0);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	} else if (!strcmp(m, "system") && argc == 4) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "'%s' beta %s", argv[2], argv[3]);
		if (system(cmd) != 0)
			return 1;
		snprintf(cmd, sizeof cmd, "'%s' gamma %s", argv[2], argv[3]);
		FILE *f = popen(cmd, "r");
		if (!f)
			return 1;
		char line[256];
		while (fgets(line, sizeof line, f))
			fputs(line, stdout);
		return pclose(f) == 0 ? 0 : 1;
	} else if (!strcmp(m, "spawn")) {
		char *args[] = { argv[2], "beta", "200", NULL };
		char *env[] = { "PATH=/usr/bin:/bin", NULL };
		pid_t pid;
		int err = posix_spawn(&pid, argv[2], NULL, NULL, args, env);
		if (err) {
			fprintf(stderr, "prog-tree-work: posix_spawn: %s\n", strerror(err));
			return 1;
		}
		int st;
		waitpid(pid, &st, 0);
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	} else {
		fprintf(stderr, "prog-tree-work: unknown mode %s\n", m);
		return 2;
	}
	return 0;
}
