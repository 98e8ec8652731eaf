/* report.h -- how a bench workload tells the driver (bench/run.py) what it
 * cost from the inside: at the end of main it appends one JSON line with its
 * own CPU time (getrusage RUSAGE_SELF) and wall time to the file named by
 * BENCH_REPORT.  The driver needs this because under `perf record` the wait4
 * rusage of the command also holds perf's own CPU time, and rates must be
 * computed against the profiled program's CPU time alone. */
#ifndef SPROF_BENCH_REPORT_H
#define SPROF_BENCH_REPORT_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double bench_tv(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* extra: a JSON fragment (without braces) to add, or NULL. */
static inline void bench_report(double wall_start, const char *extra)
{
	const char *path = getenv("BENCH_REPORT");
	if (!path || !*path)
		return;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	FILE *f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "{\"wall\": %.6f, \"utime\": %.6f, \"stime\": %.6f%s%s}\n",
	        bench_now() - wall_start, bench_tv(ru.ru_utime), bench_tv(ru.ru_stime),
	        extra ? ", " : "", extra ? extra : "");
	fclose(f);
}

#endif
