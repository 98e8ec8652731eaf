/* pbenc.c -- the minimal Protocol Buffers encoder of pbenc.h.
 *
 * Wire format (https://protobuf.dev/programming-guides/encoding/): a field
 * is a key varint (field number << 3 | wire type) and a value; wire type 0
 * is a base-128 varint, least significant group first; wire type 2 is a
 * varint byte length then the bytes.  A nested message is written by
 * reserving room for the longest length varint (5 bytes, messages stay
 * under 4 GiB) at pb_begin and moving the content back at pb_end once the
 * length is known. */
#include "config.h"
#include "convert/pbenc.h"
/* raw_put_varint: protobuf varints are the raw format's LEB128 varints,
 * byte for byte, so one writer serves both. */
#include "raw/format.h"

#include <stdlib.h>
#include <string.h>

enum { WIRE_VARINT = 0, WIRE_LEN = 2, LEN_ROOM = 5 };

static bool reserve(struct pb *pb, size_t n)
{
	if (pb->failed)
		return false;
	if (pb->cap - pb->len >= n)
		return true;
	size_t cap = pb->cap ? pb->cap : 4096;
	while (cap - pb->len < n) {
		if (cap > SIZE_MAX / 2) {
			pb->failed = true;
			return false;
		}
		cap *= 2;
	}
	uint8_t *b = realloc(pb->buf, cap);
	if (!b) {
		pb->failed = true;
		return false;
	}
	pb->buf = b;
	pb->cap = cap;
	return true;
}

void pb_raw_varint(struct pb *pb, uint64_t v)
{
	if (reserve(pb, 10))
		pb->len += raw_put_varint(pb->buf + pb->len, v);
}

static void key(struct pb *pb, uint32_t field, unsigned wire)
{
	pb_raw_varint(pb, (uint64_t)field << 3 | wire);
}

void pb_varint(struct pb *pb, uint32_t field, uint64_t v)
{
	key(pb, field, WIRE_VARINT);
	pb_raw_varint(pb, v);
}

void pb_varint_nz(struct pb *pb, uint32_t field, uint64_t v)
{
	if (v)
		pb_varint(pb, field, v);
}

void pb_bytes(struct pb *pb, uint32_t field, const void *data, size_t len)
{
	key(pb, field, WIRE_LEN);
	pb_raw_varint(pb, len);
	if (len && reserve(pb, len)) {
		memcpy(pb->buf + pb->len, data, len);
		pb->len += len;
	}
}

pb_mark pb_begin(struct pb *pb, uint32_t field)
{
	key(pb, field, WIRE_LEN);
	if (!reserve(pb, LEN_ROOM))
		return 0;
	pb->len += LEN_ROOM;
	return pb->len;                 /* where the content starts */
}

void pb_end(struct pb *pb, pb_mark mark)
{
	if (pb->failed)
		return;
	size_t content = pb->len - mark;
	if (content > UINT32_MAX) {
		pb->failed = true;
		return;
	}
	uint8_t lenbuf[10];
	size_t n = raw_put_varint(lenbuf, content);
	uint8_t *start = pb->buf + mark - LEN_ROOM;
	memcpy(start, lenbuf, n);
	memmove(start + n, pb->buf + mark, content);
	pb->len = mark - LEN_ROOM + n + content;
}

void pb_free(struct pb *pb)
{
	free(pb->buf);
	memset(pb, 0, sizeof *pb);
}
