/* elfcheck.h -- whether the shim can enter a program (see elfcheck.c). */
#ifndef SPROF_RAW_ELFCHECK_H
#define SPROF_RAW_ELFCHECK_H

#include <stddef.h>

/* NULL when libsprof.so can be preloaded into the program at path (or when
 * that cannot be told: execve will say), else why not, in words: a static
 * string or one written into buf. */
const char *sprof_unprofilable(const char *path, char *buf, size_t buflen);

#endif
