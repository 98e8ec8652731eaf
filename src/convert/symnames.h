/* symnames.h -- the names symbolize.c gives functions: demangling, the one
 * short style every output uses, and C++ names rebuilt from DWARF (lambdas,
 * functions without a linkage name).  Internal to the symbolizer. */
#ifndef SPROF_CONVERT_SYMNAMES_H
#define SPROF_CONVERT_SYMNAMES_H

#include <elfutils/libdw.h>

/* A symbol table name as a function name: the ELF version suffix
 * ("memcpy@@GLIBC_2.14") dropped, demangled, in the short style. */
char *symname_from_symbol(const char *name);

/* The name DWARF gives a subprogram or inlined-call DIE of unit cu, in the
 * short style, or NULL.  *has_linkage: it came from a linkage name (so it is
 * fully qualified), not a bare DW_AT_name. */
char *symname_from_die(Dwarf_Die *die, Dwarf_Die *cu, bool *has_linkage);

/* The short style, in place: what Sentry shows as a native frame's
 * function -- scope and name, template arguments kept, no return type, no
 * parameter list or qualifiers after it, no compiler clone suffix
 * (".lto_priv.0", ".cold", " [clone .isra.0]"), so that the clones and
 * parts of one function read as one. */
void symname_shorten(char *name);

#endif
