/* prog-wall-namecheck.c -- for each thread of each process of a raw file and
 * each name the thread had at the time of its samples (raw_thread_name_at),
 * one line:  name PID TID NAME SAMPLES FIRST_US LAST_US
 * so tests/wall-names.sh can check which samples carry which name. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raw/format.h"
#include "raw/reader.h"

struct row {
	uint32_t tid;
	const char *name;
	size_t n;
	uint64_t first, last;
};

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: prog-wall-namecheck FILE\n");
		return 2;
	}
	struct raw_file rf;
	char err[256];
	if (raw_read_path(argv[1], &rf, err, sizeof err) != 0) {
		fprintf(stderr, "prog-wall-namecheck: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < rf.nprocs; i++) {
		const struct raw_process *p = &rf.procs[i];
		struct row *rows = NULL;
		size_t nrows = 0;
		for (size_t k = 0; k < p->nsamples; k++) {
			const struct raw_sample *s = &p->samples[k];
			const char *name = raw_thread_name_at(p, s->tid, s->t_us);
			if (!name)
				name = "?";
			size_t r = 0;
			while (r < nrows && !(rows[r].tid == s->tid && !strcmp(rows[r].name, name)))
				r++;
			if (r == nrows) {
				struct row *nr = realloc(rows, (nrows + 1) * sizeof *rows);
				if (!nr)
					return 1;
				rows = nr;
				rows[nrows++] = (struct row){ s->tid, name, 0, s->t_us, s->t_us };
			}
			rows[r].n++;
			rows[r].last = s->t_us;
		}
		for (size_t r = 0; r < nrows; r++)
			printf("name %" PRIu32 " %" PRIu32 " %s %zu %" PRIu64 " %" PRIu64 "\n", p->pid,
			       rows[r].tid, rows[r].name, rows[r].n, rows[r].first, rows[r].last);
		free(rows);
	}
	raw_file_free(&rf);
	return 0;
}
