/* symbolize.h -- turns (image file, load bias, address) into function names
 * and source lines with elfutils libdwfl, including inlined calls.  Used by
 * model.c; knows nothing of raw files or Sentry. */
#ifndef SPROF_CONVERT_SYMBOLIZE_H
#define SPROF_CONVERT_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symbolizer;

/* One source-level frame at an address; strings are malloc'ed and owned by
 * whoever receives them. */
struct sym_frame {
	char *function;                 /* demangled, or NULL */
	char *filename;                 /* basename, or NULL */
	char *abs_path;                 /* or NULL */
	uint32_t lineno;                /* 0 when unknown */
	bool inlined;                   /* an inlined call, not the real frame */
};

/* debug_dirs: extra roots searched for DIR/.build-id/xx/yyyy.debug and
 * DIR/<path>.debug, besides the binary itself, .gnu_debuglink and
 * /usr/lib/debug.  quiet: no warnings on stderr (the fuzz target). */
struct symbolizer *sym_new(const char *const *debug_dirs, size_t ndebug_dirs, bool quiet);
void sym_free(struct symbolizer *s);

/* Opens (once; later calls return the same handle) the image file path as
 * loaded with bias, whose build-id at run time was build_id.  Returns a
 * handle >= 0, or -1 when the image cannot be symbolized (not a file, gone,
 * rebuilt since: one warning on stderr per path, however many images share
 * it). */
int sym_image(struct symbolizer *s, const char *path, uint64_t bias,
              const uint8_t *build_id, size_t build_id_len);

/* Symbolizes pc in image img.  is_return: pc is a return address (look up
 * pc - 1, the call instruction).  Fills up to max frames, innermost inlined
 * call first, the real function last; returns how many (0: unknown). */
size_t sym_lookup(struct symbolizer *s, int img, uint64_t pc, bool is_return,
                  struct sym_frame *out, size_t max);

/* Demangles a C++ (Itanium ABI) symbol; returns a malloc'ed copy of name
 * when it is not mangled. */
char *sym_demangle(const char *name);

#endif
