/* symbolize.c -- address to function/file/line with elfutils libdwfl.
 *
 * One Dwfl session per image, reported with dwfl_report_elf at the load bias
 * recorded at run time: images can reuse each other's addresses over a run
 * (dlclose then dlopen), which one shared session could not represent.
 * Debug info is found by the standard libdwfl search (the binary itself,
 * .gnu_debuglink, build-id under /usr/lib/debug and every --debug-dir, and
 * debuginfod when elfutils was built with it and DEBUGINFOD_URLS is set).
 * Without DWARF the ELF symbol tables (.symtab/.dynsym) still give names.
 *
 * Demangling: elfutils has no demangler.  We call __cxa_demangle from
 * libstdc++, which every system with a C++ compiler has, rather than
 * libiberty's cplus_demangle (libiberty-dev is not installed by default and
 * is a static archive).  The cost is linking -lstdc++; Rust legacy symbols
 * then read as "path::to::fn::h<hash>", which is still usable.
 *
 * The vDSO has no file: its frames are named from this process's own vDSO
 * (copied to a memfd for libdwfl) when its build-id is the one recorded at
 * run time, i.e. the profile is converted under the kernel it was made on. */
#include "config.h"
#include "convert/symbolize.h"
#include "convert/text.h"
#include "sprof.h"

#include <dwarf.h>
#include <errno.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

struct sym_img {
	char *path;
	uint64_t bias;
	uint8_t build_id[64];
	size_t build_id_len;
	Dwfl *dwfl;                     /* NULL when unusable */
	Dwfl_Module *mod;
	bool warned;                    /* said why it is unusable */
};

struct symbolizer {
	char *debuginfo_path;           /* for Dwfl_Callbacks, colon-separated */
	Dwfl_Callbacks cb;
	bool quiet;
	struct sym_img *imgs;
	size_t nimgs, cap;
};

struct symbolizer *sym_new(const char *const *debug_dirs, size_t ndebug_dirs, bool quiet)
{
	struct symbolizer *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	/* "-": skip the CRC check of .gnu_debuglink files (slow, and the
	 * build-id check covers mismatches); ".debug" beside the binary;
	 * /usr/lib/debug; then the user's directories. */
	size_t len = 64;
	for (size_t i = 0; i < ndebug_dirs; i++)
		len += strlen(debug_dirs[i]) + 1;
	s->debuginfo_path = malloc(len);
	if (!s->debuginfo_path) {
		free(s);
		return NULL;
	}
	strcpy(s->debuginfo_path, "-:.debug:/usr/lib/debug");
	for (size_t i = 0; i < ndebug_dirs; i++) {
		strcat(s->debuginfo_path, ":");
		strcat(s->debuginfo_path, debug_dirs[i]);
	}
	s->cb.find_elf = dwfl_build_id_find_elf;
	s->cb.find_debuginfo = dwfl_standard_find_debuginfo;
	s->cb.section_address = dwfl_offline_section_address;
	s->cb.debuginfo_path = &s->debuginfo_path;
	s->quiet = quiet;
	return s;
}

void sym_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nimgs; i++) {
		if (s->imgs[i].dwfl)
			dwfl_end(s->imgs[i].dwfl);
		free(s->imgs[i].path);
	}
	free(s->imgs);
	free(s->debuginfo_path);
	free(s);
}

/* Says why image im cannot be symbolized: once per path, however many
 * images (a library loaded at several addresses over the run, one per
 * process with --all) share it.  The path comes from the raw file, so it is
 * shown escaped (text.h). */
static void warn_unusable(struct symbolizer *s, struct sym_img *im, const char *why)
{
	if (s->quiet)
		return;
	for (size_t i = 0; i < s->nimgs; i++)
		if (&s->imgs[i] != im && s->imgs[i].warned && !strcmp(s->imgs[i].path, im->path))
			return;
	im->warned = true;
	char *path = text_for_terminal(im->path);
	sprof_error("%s: %s; its frames are left unsymbolized", path ? path : "(image)", why);
	free(path);
}

/* A file descriptor holding a copy of this process's vDSO image, or -1.
 * The kernel maps the whole ELF file, section headers included, so its
 * size is the furthest of the segments' and the section table's ends. */
static int own_vdso_fd(void)
{
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)getauxval(AT_SYSINFO_EHDR);
	if (!eh || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return -1;
	size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)eh + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	if (size > (1u << 20))          /* a few pages in practice */
		return -1;
	int fd = memfd_create("vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, eh, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void open_image(struct symbolizer *s, struct sym_img *im)
{
	int fd;
	if (!strcmp(im->path, "[vdso]") && im->build_id_len) {
		/* a different kernel's vDSO fails the build-id check below */
		if ((fd = own_vdso_fd()) < 0)
			return;
	} else if (im->path[0] != '/') {        /* [heap], anonymous: module only */
		return;
	} else {
		fd = open(im->path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		char why[160];
		snprintf(why, sizeof why, "cannot open (%s)", strerror(errno));
		warn_unusable(s, im, why);
		return;
	}
	Dwfl *d = dwfl_begin(&s->cb);
	if (!d) {
		close(fd);
		return;
	}
	/* dwfl takes fd over.  add_p_vaddr=true makes base the load bias. */
	Dwfl_Module *mod = dwfl_report_elf(d, im->path, im->path, fd, im->bias, true);
	if (!mod) {
		close(fd);
		dwfl_end(d);
		char why[300];
		snprintf(why, sizeof why, "not a usable ELF file (%s)", dwfl_errmsg(-1));
		warn_unusable(s, im, why);
		return;
	}
	dwfl_report_end(d, NULL, NULL);
	if (im->build_id_len) {
		const unsigned char *bits;
		GElf_Addr vaddr;
		int n = dwfl_module_build_id(mod, &bits, &vaddr);
		if (n != (int)im->build_id_len || memcmp(bits, im->build_id, im->build_id_len)) {
			dwfl_end(d);
			warn_unusable(s, im, im->path[0] == '/' ?
			              "build-id differs from the one recorded at run time (rebuilt since?)" :
			              "build-id differs from this kernel's (converted under another kernel?)");
			return;
		}
	}
	im->dwfl = d;
	im->mod = mod;
}

int sym_image(struct symbolizer *s, const char *path, uint64_t bias,
              const uint8_t *build_id, size_t build_id_len)
{
	if (build_id_len > sizeof s->imgs[0].build_id)
		build_id_len = sizeof s->imgs[0].build_id;
	for (size_t i = 0; i < s->nimgs; i++) {
		struct sym_img *im = &s->imgs[i];
		if (im->bias == bias && im->build_id_len == build_id_len &&
		    (!build_id_len || !memcmp(im->build_id, build_id, build_id_len)) &&
		    !strcmp(im->path, path))
			return im->dwfl ? (int)i : -1;
	}
	if (s->nimgs == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		struct sym_img *n = realloc(s->imgs, cap * sizeof *n);
		if (!n)
			return -1;
		s->imgs = n;
		s->cap = cap;
	}
	struct sym_img *im = &s->imgs[s->nimgs];
	memset(im, 0, sizeof *im);
	im->path = strdup(path);
	if (!im->path)
		return -1;
	im->bias = bias;
	if (build_id_len)
		memcpy(im->build_id, build_id, build_id_len);
	im->build_id_len = build_id_len;
	s->nimgs++;
	open_image(s, im);
	return im->dwfl ? (int)(s->nimgs - 1) : -1;
}

/* A symbol name without its ELF version suffix ("memcpy@@GLIBC_2.14"). */
static char *symbol_name(const char *name)
{
	const char *at = strchr(name, '@');
	if (!at || at == name)
		return sym_demangle(name);
	char *plain = strndup(name, (size_t)(at - name));
	if (!plain)
		return NULL;
	char *d = sym_demangle(plain);
	free(plain);
	return d;
}

char *sym_demangle(const char *name)
{
	if (name[0] == '_' && name[1] == 'Z') {
		int status = -1;
		char *d = __cxa_demangle(name, NULL, NULL, &status);
		if (d && status == 0)
			return d;
		free(d);
	}
	return strdup(name);
}

/* comp_dir: the CU's compilation directory, which relative file names
 * (common in distribution debug info: "../csu/libc-start.c") are relative
 * to; NULL when unknown. */
static void set_source(struct sym_frame *f, const char *file, int line, const char *comp_dir)
{
	if (file && *file) {
		if (file[0] != '/' && comp_dir && comp_dir[0] == '/') {
			size_t n = strlen(comp_dir) + strlen(file) + 2;
			f->abs_path = malloc(n);
			if (f->abs_path)
				snprintf(f->abs_path, n, "%s/%s", comp_dir, file);
		} else {
			f->abs_path = strdup(file);
		}
		const char *b = strrchr(file, '/');
		f->filename = strdup(b ? b + 1 : file);
	}
	f->lineno = line > 0 ? (uint32_t)line : 0;
}

/* The DIE that holds a function's names: the abstract origin of an inlined
 * call or of an out-of-line clone, else the DIE itself. */
static Dwarf_Die *name_die(Dwarf_Die *die, Dwarf_Die *mem)
{
	Dwarf_Attribute a;
	if (dwarf_attr(die, DW_AT_abstract_origin, &a) && dwarf_formref_die(&a, mem))
		return mem;
	return die;
}

/* "ns::Class::" for a C++ function whose DIE has no linkage name (GCC gives
 * none to static and inline-only functions): the names of the namespaces
 * and types around its declaration. */
static char *qualified(Dwarf_Die *die, const char *name)
{
	Dwarf_Die mem, *d = name_die(die, &mem), spec;
	Dwarf_Attribute a;
	if (dwarf_attr(d, DW_AT_specification, &a) && dwarf_formref_die(&a, &spec))
		d = &spec;
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes_die(d, &scopes);
	size_t len = strlen(name) + 1;
	for (int i = 1; i < n; i++)
		if (dwarf_diename(&scopes[i]))
			len += strlen(dwarf_diename(&scopes[i])) + 2;
	char *q = malloc(len);
	if (q) {
		q[0] = 0;
		for (int i = n - 1; i >= 1; i--) {
			int tag = dwarf_tag(&scopes[i]);
			const char *sn = dwarf_diename(&scopes[i]);
			if (sn && (tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
			           tag == DW_TAG_structure_type || tag == DW_TAG_union_type)) {
				strcat(q, sn);
				strcat(q, "::");
			}
		}
		strcat(q, name);
	}
	free(scopes);
	return q;
}

static bool is_cplusplus(Dwarf_Die *cu)
{
	Dwarf_Word lang;
	Dwarf_Attribute a;
	if (dwarf_formudata(dwarf_attr(cu, DW_AT_language, &a), &lang))
		return false;
	return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
	       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

/* The function name DWARF gives a subprogram or inlined-call DIE: the
 * demangled linkage name (qualified, with parameter types) when there is
 * one, else the plain name, qualified by hand for C++.
 * dwarf_attr_integrate follows abstract_origin and specification, where
 * inlined and member functions keep their names. */
static char *die_function(Dwarf_Die *die, Dwarf_Die *cu)
{
	Dwarf_Attribute a;
	const char *ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
	if (!ln)
		ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	if (ln)
		return sym_demangle(ln);
	const char *name = dwarf_diename(die);
	if (!name)
		return NULL;
	return is_cplusplus(cu) ? qualified(die, name) : strdup(name);
}

size_t sym_lookup(struct symbolizer *s, int img, uint64_t pc, bool is_return,
                  struct sym_frame *out, size_t max)
{
	if (img < 0 || (size_t)img >= s->nimgs || !s->imgs[img].mod || max == 0)
		return 0;
	Dwfl_Module *mod = s->imgs[img].mod;
	GElf_Addr a = is_return && pc > 0 ? pc - 1 : pc;
	size_t n = 0;

	/* The symbol table name: the real function's full (mangled) name, which
	 * DWARF lacks for some C++ functions; also the only name without DWARF. */
	GElf_Off off;
	GElf_Sym sym;
	const char *symname = dwfl_module_addrinfo(mod, a, &off, &sym, NULL, NULL, NULL);

	GElf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, a, &bias);
	Dwarf_Die *scopes = NULL;
	int nscopes = cu ? dwarf_getscopes(cu, a - bias, &scopes) : 0;
	if (nscopes > 0) {
		/* dwarf_getscopes continues past an inlined call into the
		 * abstract definition's scopes; the physical nesting (inlined
		 * call -> caller -> ... -> subprogram) comes from
		 * dwarf_getscopes_die on the innermost scope, as eu-addr2line -i
		 * does. */
		Dwarf_Die inner;
		GElf_Addr dbias;
		Dwarf *dw = dwfl_module_getdwarf(mod, &dbias);
		bool ok = dw && dwarf_offdie(dw, dwarf_dieoffset(&scopes[0]), &inner);
		free(scopes);
		scopes = NULL;
		nscopes = ok ? dwarf_getscopes_die(&inner, &scopes) : 0;
		if (nscopes < 0)
			nscopes = 0;
	}
	if (nscopes > 0) {
		const char *file = NULL;
		int line = 0;
		Dwfl_Line *l = dwfl_module_getsrc(mod, a);
		if (l)
			file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
		Dwarf_Files *files = NULL;
		size_t nfiles = 0;
		Dwarf_Attribute cda;
		const char *comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &cda));
		for (int i = 0; i < nscopes && n < max; i++) {
			int tag = dwarf_tag(&scopes[i]);
			if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
				continue;
			struct sym_frame *f = &out[n++];
			memset(f, 0, sizeof *f);
			f->inlined = tag == DW_TAG_inlined_subroutine;
			/* DWARF's name first (a clone's symbol reads
			 * "f [clone .isra.0]"); the symbol when DWARF has a
			 * plain name only but the symbol is a mangled one. */
			f->function = die_function(&scopes[i], cu);
			if (!f->inlined && symname &&
			    (!f->function || (symname[0] == '_' && symname[1] == 'Z' &&
			                      !strchr(f->function, '(')))) {
				free(f->function);
				f->function = symbol_name(symname);
			}
			set_source(f, file, line, comp_dir);
			if (!f->inlined)
				break;
			/* The caller's position is where this call was inlined. */
			Dwarf_Attribute at;
			Dwarf_Word cf = 0, cl = 0;
			file = NULL;
			line = 0;
			if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &at), &cf) == 0) {
				if (!files)
					dwarf_getsrcfiles(cu, &files, &nfiles);
				if (files && cf < nfiles)
					file = dwarf_filesrc(files, cf, NULL, NULL);
			}
			if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &at), &cl) == 0)
				line = (int)cl;
		}
		free(scopes);
		if (n > 0 && out[n - 1].inlined && n < max && symname) {
			/* The scopes ended inside inlined calls only (no enclosing
			 * subprogram DIE, e.g. a partial unit): close the chain with
			 * the symbol. */
			struct sym_frame *f = &out[n++];
			memset(f, 0, sizeof *f);
			f->function = symbol_name(symname);
		}
	}
	if (n == 0 && symname) {
		struct sym_frame *f = &out[n++];
		memset(f, 0, sizeof *f);
		f->function = symbol_name(symname);
		Dwfl_Line *l = dwfl_module_getsrc(mod, a);
		int line = 0;
		const char *file = l ? dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
		set_source(f, file, line, NULL);
	}
	return n;
}
