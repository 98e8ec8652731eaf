/* reader.h -- loads a raw file (format.h) into memory, one struct per process.
 * Shared by `sprof info` and `sprof convert`, and the fuzz target.
 *
 * The reader never trusts the file: every length is bounded, every index is
 * checked, and a block that fails its checks ends the read.  Whatever came
 * before the first bad block is kept, and the file is then reported as cut
 * (raw_file.cut) with the reason in raw_file.problem, so callers can still
 * use the good part and warn once. */
#ifndef SPROF_RAW_READER_H
#define SPROF_RAW_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct raw_image {
	uint64_t start, size, bias;
	uint8_t build_id[64];
	size_t build_id_len;
	char *path;
	uint64_t seen_us;               /* since the process's mono_start */
	uint64_t gone_us;               /* UINT64_MAX while mapped */
};

struct raw_thread_name {                /* one per REC_THREAD, in file order */
	uint32_t tid;
	uint64_t t_us;
	char *name;
};

struct raw_note {                       /* one per REC_NOTE, in file order */
	uint64_t t_us;
	char *text;
};

struct raw_unprofiled {                 /* one per REC_UNPROFILED, in file order */
	uint64_t t_us;
	char *path, *reason;
};

struct raw_stack {
	uint32_t depth;
	uint64_t *pcs;                  /* leaf first */
};

struct raw_sample {
	uint64_t t_us;                  /* since mono_start */
	uint32_t tid;
	uint32_t stack;                 /* index into raw_process.stacks */
	uint8_t state;                  /* RAW_STATE_* */
};

struct raw_process {
	uint32_t pid, ppid;
	bool have_header;               /* REC_PROCESS seen */
	uint64_t wall_start_ns, mono_start_ns;
	uint32_t requested_hz, mode, max_depth;
	char *mechanism, *exe, *arch, *os_name, *os_release;
	char *runtime_name, *runtime_version;   /* NULL before format 1.1 */
	uint32_t argc;
	char **argv;

	struct raw_image *images;
	size_t nimages;
	struct raw_thread_name *thread_names;
	size_t nthread_names;
	struct raw_stack *stacks;
	size_t nstacks;
	struct raw_sample *samples;     /* in time order */
	size_t nsamples;
	struct raw_note *notes;
	size_t nnotes;
	struct raw_unprofiled *unprofiled;      /* programs it started unprofiled */
	size_t nunprofiled;

	/* latest REC_STATS / REC_RATE / REC_END */
	uint64_t stat_samples, lost_full, lost_other, cpu_ns, last_us;
	uint64_t delivered_millihz;
	bool ended;                     /* REC_END seen */
	uint32_t end_how, end_status;
	uint64_t end_us;
	uint32_t nblocks;

	/* REC_WRITE_ERROR (format 1.2): write_errno 0 when none */
	uint32_t write_errno;
	uint64_t write_error_us, not_written;
	char *write_error;              /* strerror text, NULL when none */

	uint32_t *name_order;           /* private: thread_names sorted for lookups */
};

struct raw_file {
	uint16_t version_major, version_minor;
	struct raw_process *procs;      /* in order of first appearance */
	size_t nprocs;
	size_t nblocks;
	uint64_t size;                  /* bytes read */
	bool cut;                       /* stopped before the end of the data */
	char problem[256];              /* why, when cut */
};

/* Reads FILE ("-" is stdin).  Returns 0 and fills *rf when the file is a raw
 * file (possibly cut: check rf->cut); returns -1 with a one-line message in
 * err (no trailing newline, the path not included) when nothing usable could
 * be read: missing, unreadable, empty, not a raw file, newer version. */
int raw_read_path(const char *path, struct raw_file *rf, char *err, size_t errlen);

/* The same on a buffer already in memory (used by the fuzz target). */
int raw_read_buffer(const uint8_t *buf, size_t len, struct raw_file *rf, char *err, size_t errlen);

void raw_file_free(struct raw_file *rf);

/* Fuzzing only: when set, blocks are not rejected for bad checksums, so a
 * fuzzer can reach the record parsers.  Never set in sprof itself. */
extern bool raw_reader_ignore_checksums;

/* The name thread tid had at time t_us (last rename at or before t_us, else
 * its first name), or NULL when it never had one. */
const char *raw_thread_name_at(const struct raw_process *p, uint32_t tid, uint64_t t_us);

/* The image that held pc at time t_us, or NULL. */
const struct raw_image *raw_image_for(const struct raw_process *p, uint64_t pc, uint64_t t_us);

#endif
