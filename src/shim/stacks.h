/* stacks.h -- the writer's table of distinct stacks: each new stack gets the
 * next dense id (from 0, per process), so a sample is a small number. */
#ifndef SPROF_SHIM_STACKS_H
#define SPROF_SHIM_STACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim/shim.h"

/* Returns the id of the stack pcs[0..depth), adding it when new (then *added
 * is set).  Returns -1 when out of memory. */
SHIM_HIDDEN int64_t stacks_intern(const uint64_t *pcs, uint32_t depth, bool *added);

#endif
