/* pbenc.h -- a minimal Protocol Buffers encoder, enough to write pprof's
 * profile.proto: varint and length-delimited fields, nested messages and
 * packed repeated varints, appended to a growable byte buffer.
 *
 * Why not libprotobuf(-c): profile.proto needs two wire types and no
 * decoding, reflection or schema evolution; ~100 lines here avoid a build
 * dependency and a code generator for the sake of one output format.
 *
 * Errors are sticky: after an allocation fails every call is a no-op and
 * pb.failed is set, so callers check once at the end. */
#ifndef SPROF_CONVERT_PBENC_H
#define SPROF_CONVERT_PBENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

/* A nested message or packed field under construction (see pb_begin). */
typedef size_t pb_mark;

void pb_raw_varint(struct pb *pb, uint64_t v);
/* Field with wire type 0 (int32/int64/uint32/uint64/bool); negative int64
 * values are encoded as their 64-bit two's complement, as protobuf does. */
void pb_varint(struct pb *pb, uint32_t field, uint64_t v);
/* The same, omitted when v is 0 (proto3 default). */
void pb_varint_nz(struct pb *pb, uint32_t field, uint64_t v);
/* Field with wire type 2 holding len bytes (string, bytes). */
void pb_bytes(struct pb *pb, uint32_t field, const void *data, size_t len);
/* Starts a length-delimited field (sub-message or packed repeated scalars);
 * everything appended until pb_end(mark) is its content. */
pb_mark pb_begin(struct pb *pb, uint32_t field);
void pb_end(struct pb *pb, pb_mark mark);
void pb_free(struct pb *pb);

#endif
