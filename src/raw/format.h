/* format.h -- the sprof raw file format, shared by the shim (writer side) and
 * the reader (sprof info / sprof convert).  doc/raw-format.md is the prose
 * version of this file; keep the two in step.
 *
 * A raw file is a 16-byte file header followed by blocks.  Each block is a
 * 36-byte block header and a payload, usually zlib-compressed.  The payload,
 * once inflated, is a sequence of records: a type byte, a LEB128 length and
 * that many bytes of body.  Blocks are self-contained apart from the stack
 * table (a sample may name a stack defined in an earlier block of the same
 * process), and each is written with a single write(2) on an O_APPEND file
 * descriptor, so several processes can share one file without interleaving
 * bytes and a crash loses at most the block being written.
 *
 * Everything is little-endian.  Integers inside records are unsigned LEB128
 * ("varint") unless said otherwise; "svarint" is zigzag-encoded signed LEB128;
 * "str" is a varint byte length followed by the bytes (no NUL). */
#ifndef SPROF_RAW_FORMAT_H
#define SPROF_RAW_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* ---- file header (written once, by the launcher) ------------------------ */
#define RAW_MAGIC "SPROFRAW"            /* 8 bytes, no NUL */
#define RAW_VERSION_MAJOR 1             /* a reader refuses a newer major */
#define RAW_VERSION_MINOR 2             /* minors only add record types or
                                         * trailing fields (1: runtime,
                                         * 2: REC_WRITE_ERROR) */
#define RAW_FILE_HEADER_SIZE 16

struct raw_file_header {
	char magic[8];
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t header_size;           /* RAW_FILE_HEADER_SIZE; readers skip the rest */
};

/* ---- block header ------------------------------------------------------- */
#define RAW_BLOCK_MAGIC 0x4b4c4253u     /* "SBLK" read as little-endian bytes */
#define RAW_BLOCK_HEADER_SIZE 36
#define RAW_BLOCK_ZLIB 0x1u             /* flags: payload is a zlib stream */
#define RAW_BLOCK_MAX_RAW (64u << 20)   /* readers reject larger payloads */

/* Times in records are µs since the process start.  Readers reject sample
 * and end times past 2^52 µs (142 years): converters multiply them by 1000
 * into ns and add the Unix start, which must not wrap. */
#define RAW_MAX_T_US (1ull << 52)

struct raw_block_header {
	uint32_t magic;                 /* RAW_BLOCK_MAGIC */
	uint32_t pid;                   /* process that wrote the block */
	uint32_t seq;                   /* 0, 1, 2 ... per process */
	uint32_t flags;                 /* RAW_BLOCK_* */
	uint32_t raw_len;               /* payload length once inflated */
	uint32_t stored_len;            /* payload bytes following this header */
	uint32_t payload_crc;           /* crc32 (zlib's) of the stored payload */
	uint32_t reserved;              /* 0 */
	uint32_t header_crc;            /* crc32 of the 32 bytes before it */
};

/* ---- records ------------------------------------------------------------ */
enum raw_record_type {
	/* varint pid, varint ppid, varint wall_start_ns (Unix epoch),
	 * varint mono_start_ns (CLOCK_MONOTONIC), varint requested_hz,
	 * varint mode (RAW_MODE_*), varint max_depth, str mechanism,
	 * str exe (absolute path), str arch (uname -m), str os_name (uname -s),
	 * str os_release (uname -r), varint argc, argc x str argv[i],
	 * then (since 1.1) str runtime_name, str runtime_version: the C library
	 * the process runs on ("glibc", "2.36"), for Sentry's `runtime`.
	 * First record of a process's first block.  Sample times of the process
	 * are relative to mono_start_ns. */
	REC_PROCESS = 1,

	/* varint start (lowest mapped address), varint size (span of the
	 * PT_LOAD segments), varint bias (load bias: file vaddr = addr - bias),
	 * varint t_us (when it was seen), str build_id (raw bytes, may be
	 * empty), str path.  Emitted for every image present at start and for
	 * every dlopen()ed one as it appears. */
	REC_IMAGE = 2,

	/* varint start, varint t_us: the image that began at start was unmapped
	 * (dlclose).  Samples after t_us do not resolve to it. */
	REC_IMAGE_GONE = 3,

	/* varint tid, varint t_us, str name: the thread had this name from t_us
	 * on (first sighting or a rename). */
	REC_THREAD = 4,

	/* varint stack_id, varint depth, then depth addresses, leaf first: the
	 * first as a varint, each following one as an svarint delta from the
	 * previous.  Stack ids are dense per process, starting at 0, and each is
	 * defined before (in file order) the first sample that names it. */
	REC_STACK = 5,

	/* varint count, then count samples of:
	 *   varint tid, varint dt_us, varint stack_id, varint state
	 * dt_us is the time since the previous sample of this record; for the
	 * first sample it is the time since the process's mono_start_ns.
	 * state is RAW_STATE_* flags.  Samples are in time order within a
	 * record. */
	REC_SAMPLES = 6,

	/* Cumulative counters for the process at the time of the block:
	 * varint samples (taken and stored), varint lost_full (buffer full),
	 * varint lost_other (unwind failed, thread vanished ...),
	 * varint cpu_ns (CPU time of the sampled threads, for the delivered rate),
	 * varint t_us (when).  The last one wins. */
	REC_STATS = 7,

	/* varint t_us, varint how (RAW_END_*), varint status: the process ended
	 * cleanly (exit status for RAW_END_EXIT).  A process whose last block has
	 * no REC_END was cut (crash, kill -9, exec). */
	REC_END = 8,

	/* varint measured_millihz, varint t_us: the delivered sampling rate as
	 * measured by the shim over the run so far (samples per second of CPU
	 * time in cpu mode, per thread-second in wall mode).  Last one wins. */
	REC_RATE = 9,

	/* varint t_us, str path, str reason: the process started a program
	 * the shim cannot enter (static, setuid, another architecture ...),
	 * which runs unprofiled. */
	REC_UNPROFILED = 10,

	/* varint t_us, str text: something the profile's reader should be told
	 * (sampling stopped because the program took the signal ...), one line
	 * of UTF-8 text.  Kept in file order. */
	REC_NOTE = 11,

	/* (since 1.2) varint t_us, varint errno, varint not_written, str text:
	 * writing the file failed at t_us (errno: ENOSPC, EFBIG, EIO ...; text
	 * is strerror's), so the process stopped sampling.  not_written counts
	 * the samples lost to it: those of the block that failed and, estimated
	 * from the CPU (wall, in wall mode) time since, those not taken; they
	 * are in REC_STATS's lost_other too.  In the process's last block, when
	 * the file still takes one: a block that went out only in part is
	 * truncated away first. */
	REC_WRITE_ERROR = 12,
};

enum raw_mode { RAW_MODE_CPU = 0, RAW_MODE_WALL = 1 };

enum raw_state {
	RAW_STATE_ONCPU = 0,
	RAW_STATE_OFFCPU = 1,           /* wall mode: thread was blocked */
	RAW_STATE_TRUNCATED = 2,        /* stack hit --max-depth */
};

enum raw_end_how { RAW_END_EXIT = 0, RAW_END_EXEC = 1, RAW_END_SIGNAL = 2 };

/* ---- varint helpers (async-signal-safe, no allocation) ------------------ */

/* Writes v at p (at least 10 bytes free); returns bytes written. */
static inline size_t raw_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static inline uint64_t raw_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t raw_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Reads a varint from [*p, end); returns 0 on success, -1 when it runs past
 * end or is longer than 10 bytes.  Advances *p. */
static inline int raw_get_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (*p >= end)
			return -1;
		uint8_t b = *(*p)++;
		if (shift == 63 && b > 1)
			return -1;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -1;
}

#endif
