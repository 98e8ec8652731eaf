/* images.h -- tracking of the mapped ELF images (see images.c). */
#ifndef SPROF_SHIM_IMAGES_H
#define SPROF_SHIM_IMAGES_H

#include <stdint.h>

#include "shim/buf.h"
#include "shim/shim.h"

/* Appends REC_IMAGE for images that appeared (stamped seen_us: the last
 * check, since they may have been mapped any time after it) and
 * REC_IMAGE_GONE for those that went (stamped now_us) since the last call.
 * The first call lists every image. */
SHIM_HIDDEN void images_update(struct buf *out, uint64_t seen_us, uint64_t now_us);

#endif
