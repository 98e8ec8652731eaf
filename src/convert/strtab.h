/* strtab.h -- a string interning table: each distinct byte string gets a
 * dense index 0, 1, 2 ... in first-seen order.  The output writers use it to
 * deduplicate function names, folded-stack frame names, pprof's string table
 * and any other key that can be spelled as bytes, so each writer needs no
 * hash table of its own.  strtab_tally adds a count per key on top. */
#ifndef SPROF_CONVERT_STRTAB_H
#define SPROF_CONVERT_STRTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STRTAB_NONE UINT32_MAX          /* returned when memory runs out */

struct strtab {
	char **strs;                    /* strs[i] is NUL-terminated, lens[i] bytes */
	size_t *lens;
	size_t n, cap;
	uint32_t *slots;                /* open addressing: index + 1, 0 = empty */
	size_t nslots;                  /* power of two */
};

/* Index of the len bytes at s, adding a copy when new; STRTAB_NONE when out
 * of memory.  The bytes may contain NULs (keys built from binary data). */
uint32_t strtab_intern(struct strtab *t, const void *s, size_t len);
/* Index of the bytes, or STRTAB_NONE when absent. */
uint32_t strtab_find(const struct strtab *t, const void *s, size_t len);
void strtab_free(struct strtab *t);

/* Interns the len bytes at key and adds n to (*counts)[index]: a count per
 * distinct key, as the writers need for samples per stack.  *counts (*cap
 * entries) grows zero-filled along with the table.  Returns the index, or
 * STRTAB_NONE when out of memory. */
uint32_t strtab_tally(struct strtab *t, const void *key, size_t len, uint64_t **counts,
                      size_t *cap, uint64_t n);

/* The same for a NUL-terminated string. */
static inline uint32_t strtab_intern_str(struct strtab *t, const char *s)
{
	return strtab_intern(t, s, strlen(s));
}

#endif
