/* buf.h -- a growable byte buffer for the writer thread (never used in the
 * signal handler), with the record encoders of raw/format.h.  An allocation
 * failure sets oom and turns every later append into a no-op, so callers
 * check once per block instead of at every append. */
#ifndef SPROF_SHIM_BUF_H
#define SPROF_SHIM_BUF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raw/format.h"

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static inline bool buf_reserve(struct buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static inline void buf_bytes(struct buf *b, const void *d, size_t n)
{
	if (n && buf_reserve(b, n)) {
		memcpy(b->p + b->len, d, n);
		b->len += n;
	}
}

static inline void buf_u8(struct buf *b, uint8_t v)
{
	buf_bytes(b, &v, 1);
}

static inline void buf_varint(struct buf *b, uint64_t v)
{
	if (buf_reserve(b, 10))
		b->len += raw_put_varint(b->p + b->len, v);
}

static inline void buf_str(struct buf *b, const char *s, size_t n)
{
	buf_varint(b, n);
	buf_bytes(b, s, n);
}

/* Appends a whole record: type, LEB128 length, body. */
static inline void buf_record(struct buf *b, uint8_t type, const struct buf *body)
{
	if (body->oom) {
		b->oom = true;
		return;
	}
	buf_u8(b, type);
	buf_varint(b, body->len);
	buf_bytes(b, body->p, body->len);
}

static inline void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

#endif
