/* symbolize.c -- address to function/file/line with elfutils libdwfl.
 *
 * One Dwfl session per distinct binary (path and build-id), reported at
 * address 0 so that its addresses are the file's own: every process and
 * every load address of that binary share it (a make tree runs the same
 * compiler hundreds of times at as many ASLR addresses), and a lookup
 * subtracts the load bias recorded at run time.  Images that reuse each
 * other's addresses over a run (dlclose then dlopen) are distinct handles.
 * Debug info is found by the standard libdwfl search (the binary itself,
 * .gnu_debuglink, build-id under /usr/lib/debug and every --debug-dir, and
 * debuginfod when elfutils was built with it and DEBUGINFOD_URLS is set).
 * Without DWARF the ELF symbol tables (.symtab/.dynsym) still give names,
 * and PLT stubs are named "sym@plt" from the PLT relocations.
 *
 * The unit holding an address is found in our own index of every unit's
 * ranges, not with dwfl_module_addrdie: elfutils 0.188 picks a wrong unit
 * of LTO programs (Debian's python3.11), losing their inline chains, and
 * an address covered by no unit (crt1's _start, padding past a line
 * table's end) gets no file and line rather than the nearest row.
 *
 * The vDSO has no file: its frames are named from this process's own vDSO
 * (copied to a memfd for libdwfl) when its build-id is the one recorded at
 * run time, i.e. the profile is converted under the kernel it was made on. */
#include "config.h"
#include "convert/symbolize.h"
#include "convert/symnames.h"
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

/* One unit's address range, for finding the unit of an address. */
struct cu_range {
	uint64_t lo, hi;                /* module addresses */
	Dwarf_Addr dbias;               /* module address - DWARF address */
	Dwarf_Die cu;
};

/* One function symbol, for finding the symbol of an address. */
struct sym_entry {
	uint64_t lo, size;
	const char *name;               /* in the ELF file's string table */
	int rank;                       /* binding: global 2, weak 1, local 0 */
};

/* One distinct binary: a Dwfl session at address 0 and its indexes. */
struct sym_file {
	char *path;
	uint8_t build_id[64];
	size_t build_id_len;
	Dwfl *dwfl;                     /* NULL when unusable */
	Dwfl_Module *mod;
	struct cu_range *cus;           /* sorted by lo; built on first lookup */
	size_t ncus;
	bool cus_built;
	struct sym_entry *syms;         /* sorted by lo; built on first lookup */
	size_t nsyms;
	bool syms_built;
	uint64_t plt_lo, plt_hi;        /* .plt and .plt.sec, module addresses */
	bool warned;                    /* said why it is unusable */
};

/* One image as a process mapped it: a file at a load bias. */
struct sym_img {
	size_t file;
	uint64_t bias;
};

struct symbolizer {
	char *debuginfo_path;           /* for Dwfl_Callbacks, colon-separated */
	Dwfl_Callbacks cb;
	bool quiet;
	struct sym_file *files;
	size_t nfiles, cap_files;
	struct sym_img *imgs;
	size_t nimgs, cap_imgs;
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
	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i].dwfl)
			dwfl_end(s->files[i].dwfl);
		free(s->files[i].path);
		free(s->files[i].cus);
		free(s->files[i].syms);
	}
	free(s->files);
	free(s->imgs);
	free(s->debuginfo_path);
	free(s);
}

/* Says why file im cannot be symbolized: once per path, however many
 * builds of it the file names.  The path comes from the raw file, so it is
 * shown escaped (text.h). */
static void warn_unusable(struct symbolizer *s, struct sym_file *im, const char *why)
{
	if (s->quiet)
		return;
	for (size_t i = 0; i < s->nfiles; i++)
		if (&s->files[i] != im && s->files[i].warned && !strcmp(s->files[i].path, im->path))
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

static void open_file(struct symbolizer *s, struct sym_file *im)
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
	/* dwfl takes fd over; at base 0 its addresses are the file's */
	Dwfl_Module *mod = dwfl_report_elf(d, im->path, im->path, fd, 0, true);
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

/* The file path with build_id, opened on first sight; its index. */
static ptrdiff_t file_index(struct symbolizer *s, const char *path,
                            const uint8_t *build_id, size_t build_id_len)
{
	for (size_t i = 0; i < s->nfiles; i++) {
		struct sym_file *f = &s->files[i];
		if (f->build_id_len == build_id_len &&
		    (!build_id_len || !memcmp(f->build_id, build_id, build_id_len)) &&
		    !strcmp(f->path, path))
			return (ptrdiff_t)i;
	}
	if (s->nfiles == s->cap_files) {
		size_t cap = s->cap_files ? 2 * s->cap_files : 16;
		struct sym_file *n = realloc(s->files, cap * sizeof *n);
		if (!n)
			return -1;
		s->files = n;
		s->cap_files = cap;
	}
	struct sym_file *f = &s->files[s->nfiles];
	memset(f, 0, sizeof *f);
	if (!(f->path = strdup(path)))
		return -1;
	if (build_id_len)
		memcpy(f->build_id, build_id, build_id_len);
	f->build_id_len = build_id_len;
	s->nfiles++;
	open_file(s, f);
	return (ptrdiff_t)(s->nfiles - 1);
}

int sym_image(struct symbolizer *s, const char *path, uint64_t bias,
              const uint8_t *build_id, size_t build_id_len)
{
	if (build_id_len > sizeof s->files[0].build_id)
		build_id_len = sizeof s->files[0].build_id;
	ptrdiff_t fi = file_index(s, path, build_id, build_id_len);
	if (fi < 0 || !s->files[fi].dwfl)
		return -1;
	for (size_t i = 0; i < s->nimgs; i++)
		if (s->imgs[i].bias == bias && s->imgs[i].file == (size_t)fi)
			return (int)i;
	if (s->nimgs == s->cap_imgs) {
		size_t cap = s->cap_imgs ? 2 * s->cap_imgs : 16;
		struct sym_img *n = realloc(s->imgs, cap * sizeof *n);
		if (!n)
			return -1;
		s->imgs = n;
		s->cap_imgs = cap;
	}
	s->imgs[s->nimgs] = (struct sym_img){ (size_t)fi, bias };
	return (int)s->nimgs++;
}

char *sym_demangle(const char *name)
{
	return symname_from_symbol(name);
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

static int cmp_range(const void *x, const void *y)
{
	const struct cu_range *a = x, *b = y;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Every unit's ranges, sorted: a few per unit, built once per file. */
static void build_cu_index(struct sym_file *f)
{
	f->cus_built = true;
	size_t cap = 0;
	Dwarf_Die *cu = NULL;
	Dwarf_Addr dbias;
	while ((cu = dwfl_module_nextcu(f->mod, cu, &dbias))) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		while ((off = dwarf_ranges(cu, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			if (f->ncus == cap) {
				size_t c = cap ? 2 * cap : 256;
				struct cu_range *n = realloc(f->cus, c * sizeof *n);
				if (!n)
					return;         /* the index so far still serves */
				f->cus = n;
				cap = c;
			}
			f->cus[f->ncus++] = (struct cu_range){ lo + dbias, hi + dbias, dbias, *cu };
		}
	}
	if (f->ncus)
		qsort(f->cus, f->ncus, sizeof *f->cus, cmp_range);
}

/* Where the PLT stubs are: no symbol covers them, and the nearest
 * sizeless one before them (_init) is no name for them. */
static void plt_bounds(struct sym_file *f)
{
	GElf_Addr ebias;
	Elf *e = dwfl_module_getelf(f->mod, &ebias);
	size_t shstrndx;
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		return;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (!n || (strcmp(n, ".plt") && strcmp(n, ".plt.sec")) || !sh.sh_size)
			continue;
		uint64_t lo = sh.sh_addr + ebias, hi = lo + sh.sh_size;
		if (!f->plt_hi || lo < f->plt_lo)
			f->plt_lo = lo;
		if (hi > f->plt_hi)
			f->plt_hi = hi;
	}
}

static int cmp_sym(const void *x, const void *y)
{
	const struct sym_entry *a = x, *b = y;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return b->rank - a->rank;       /* the preferred alias first */
}

/* Every code symbol of .symtab (or .dynsym), sorted.  Not
 * dwfl_module_addrinfo: it scans the whole table per lookup, which made
 * converting a compiler's hundreds of processes take minutes. */
static void build_sym_index(struct sym_file *f)
{
	f->syms_built = true;
	int n = dwfl_module_getsymtab(f->mod);
	if (n <= 0)
		return;
	f->syms = malloc((size_t)n * sizeof *f->syms);
	if (!f->syms)
		return;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name = dwfl_module_getsym_info(f->mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);
		if (!name || !*name || shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE))
			continue;
		int bind = GELF_ST_BIND(sym.st_info);
		f->syms[f->nsyms++] = (struct sym_entry){ addr, sym.st_size, name,
			bind == STB_GLOBAL ? 2 : bind == STB_WEAK ? 1 : 0 };
	}
	qsort(f->syms, f->nsyms, sizeof *f->syms, cmp_sym);
	plt_bounds(f);
}

/* The symbol naming module address a: the closest one at or before a whose
 * size covers a; failing that a sizeless one (assembly labels) with no
 * sized symbol ending between it and a.  NULL when none. */
static const char *symbol_at(struct sym_file *f, uint64_t a)
{
	if (!f->syms_built)
		build_sym_index(f);
	size_t lo = 0, hi = f->nsyms;
	while (lo < hi) {               /* first symbol starting after a */
		size_t mid = (lo + hi) / 2;
		if (f->syms[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct sym_entry *sizeless = NULL;
	for (size_t i = lo, tries = 0; i-- > 0 && tries < 64; tries++) {
		const struct sym_entry *e = &f->syms[i];
		if (e->size && a - e->lo < e->size) {
			while (i > 0 && f->syms[i - 1].lo == e->lo && f->syms[i - 1].size)
				e = &f->syms[--i];      /* the preferred alias */
			return e->name;
		}
		if (e->size)                    /* a sized symbol ended before a */
			return sizeless ? sizeless->name : NULL;
		if (!sizeless)
			sizeless = e;
	}
	return sizeless ? sizeless->name : NULL;
}

/* The innermost function or inlined call under parent whose ranges hold
 * DWARF address a.  Not dwarf_getscopes: it finds no scope at all in LTO
 * units whose functions name an abstract origin in another unit
 * (python3.11), and in an out-of-line copy (".isra.0") its innermost scope
 * can be a block of the abstract tree, which doubled the frame. */
static bool innermost_at(Dwarf_Die *parent, Dwarf_Addr a, Dwarf_Die *out, int depth)
{
	Dwarf_Die c;
	bool found = false;
	if (depth > 64 || dwarf_child(parent, &c) != 0)
		return false;
	do {
		int tag = dwarf_tag(&c);
		bool code = tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine;
		if (code || tag == DW_TAG_lexical_block) {
			if (dwarf_haspc(&c, a) <= 0)
				continue;
			if (code) {
				*out = c;
				found = true;
			}
			return innermost_at(&c, a, out, depth + 1) || found;
		}
		if (tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
		    tag == DW_TAG_structure_type || tag == DW_TAG_union_type)
			found = innermost_at(&c, a, out, depth + 1);
	} while (!found && dwarf_siblingof(&c, &c) == 0);
	return found;
}

/* The scopes at a (file address), innermost first, in the unit whose
 * ranges hold a and which has a function there; *cu gets that unit and
 * *da the DWARF address of a.  Returns how many (0: no unit has a function
 * at a).  *covered: some unit's ranges hold a, so its line table speaks
 * for it. */
static int scopes_at(struct sym_file *f, uint64_t a, Dwarf_Die *cu, Dwarf_Addr *da,
                     Dwarf_Die **scopes, bool *covered)
{
	if (!f->cus_built)
		build_cu_index(f);
	size_t lo = 0, hi = f->ncus;
	while (lo < hi) {               /* first range starting after a */
		size_t mid = (lo + hi) / 2;
		if (f->cus[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	*covered = false;
	/* ranges of different units may nest (LTO partitions): try the
	 * closest few that start at or before a */
	for (size_t i = lo, tries = 0; i-- > 0 && tries < 16; tries++) {
		struct cu_range *r = &f->cus[i];
		if (a >= r->hi)
			continue;
		*covered = true;
		Dwarf_Die *sc = NULL, inner;
		int n = innermost_at(&r->cu, a - r->dbias, &inner, 0) ?
		        dwarf_getscopes_die(&inner, &sc) : 0;
		for (int k = 0; k < n; k++) {
			int tag = dwarf_tag(&sc[k]);
			if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
				*cu = r->cu;
				*da = a - r->dbias;
				*scopes = sc;
				return n;
			}
		}
		free(sc);
	}
	return 0;
}

/* The GOT slot the PLT stub holding file address a jumps through, or 0:
 * the stub's "jmp *disp(%rip)" (ff 25 disp32) read from .plt or .plt.sec,
 * as objdump does (stub order and relocation order differ in libc).
 * *rela gets the .rela.plt section. */
static uint64_t plt_slot(Elf *e, uint64_t a, Elf_Scn **rela)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx))
		return 0;
	Elf_Scn *scn = NULL, *stubs = NULL;
	GElf_Shdr sh, stubs_sh = { 0 };
	*rela = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n = gelf_getshdr(scn, &sh) ? elf_strptr(e, shstrndx, sh.sh_name) : NULL;
		if (!n)
			continue;
		if (!strcmp(n, ".rela.plt"))
			*rela = scn;
		else if ((!strcmp(n, ".plt") || !strcmp(n, ".plt.sec")) &&
		         a >= sh.sh_addr && a - sh.sh_addr < sh.sh_size)
			stubs = scn, stubs_sh = sh;
	}
	Elf_Data *d = stubs ? elf_getdata(stubs, NULL) : NULL;
	if (!d || !*rela)
		return 0;
	size_t off = (a - stubs_sh.sh_addr) / 16 * 16;
	const uint8_t *p = d->d_buf;
	for (size_t i = off; i + 6 <= off + 16 && i + 6 <= d->d_size; i++) {
		if (p[i] != 0xff || p[i + 1] != 0x25)
			continue;
		int32_t disp;
		memcpy(&disp, p + i + 2, 4);
		return stubs_sh.sh_addr + i + 6 + (int64_t)disp;
	}
	return 0;
}

/* "sym@plt" for the relocation of GOT slot got in rela, or NULL. */
static char *plt_slot_name(Elf *e, Elf_Scn *rela, uint64_t got)
{
	GElf_Shdr rsh;
	Elf_Data *d = elf_getdata(rela, NULL);
	if (!d || !gelf_getshdr(rela, &rsh) || !rsh.sh_entsize)
		return NULL;
	GElf_Rela r;
	size_t n = rsh.sh_size / rsh.sh_entsize, i;
	for (i = 0; i < n; i++)
		if (gelf_getrela(d, (int)i, &r) && r.r_offset == got)
			break;
	if (i == n)
		return NULL;
	char *out = NULL;
	if (GELF_R_SYM(r.r_info) == 0) {
		/* an IRELATIVE slot: no symbol, named as objdump does */
		if (asprintf(&out, "*ABS*+0x%llx@plt", (unsigned long long)r.r_addend) < 0)
			out = NULL;
		return out;
	}
	Elf_Scn *symscn = elf_getscn(e, rsh.sh_link);
	GElf_Shdr ssh;
	Elf_Data *sd = symscn ? elf_getdata(symscn, NULL) : NULL;
	GElf_Sym sym;
	if (!sd || !gelf_getshdr(symscn, &ssh) || !gelf_getsym(sd, (int)GELF_R_SYM(r.r_info), &sym))
		return NULL;
	const char *name = elf_strptr(e, ssh.sh_link, sym.st_name);
	if (!name || !*name)
		return NULL;
	char *base = symname_from_symbol(name);
	if (base && asprintf(&out, "%s@plt", base) < 0)
		out = NULL;
	free(base);
	return out;
}

/* "sym@plt" when module address a is in a PLT stub, as perf and objdump
 * name them; NULL otherwise. */
static char *plt_name(Dwfl_Module *mod, uint64_t a)
{
	GElf_Addr ebias;
	Elf *e = dwfl_module_getelf(mod, &ebias);
	Elf_Scn *rela;
	uint64_t got = e ? plt_slot(e, a - ebias, &rela) : 0;
	return got ? plt_slot_name(e, rela, got) : NULL;
}

/* The source position of a in unit cu, or none. */
static void line_at(Dwarf_Die *cu, uint64_t a, const char **file, int *line)
{
	Dwarf_Line *l = dwarf_getsrc_die(cu, a);
	*file = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
	*line = 0;
	if (l)
		dwarf_lineno(l, line);
}

/* The inline chain at DWARF address a: one frame per inlined call,
 * innermost first, then the real function.  symname: the symbol table's
 * name for a, or NULL. */
static size_t chain_at(Dwarf_Die *cu, Dwarf_Die *scopes, int nscopes, uint64_t a,
                       const char *symname, struct sym_frame *out, size_t max)
{
	const char *file;
	int line;
	line_at(cu, a, &file, &line);
	Dwarf_Files *files = NULL;
	size_t nfiles = 0, n = 0;
	Dwarf_Attribute cda;
	const char *comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &cda));
	for (int i = 0; i < nscopes && n < max; i++) {
		int tag = dwarf_tag(&scopes[i]);
		if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram)
			continue;
		struct sym_frame *f = &out[n++];
		memset(f, 0, sizeof *f);
		f->inlined = tag == DW_TAG_inlined_subroutine;
		bool linkage;
		f->function = symname_from_die(&scopes[i], cu, &linkage);
		/* the symbol when DWARF has a bare name only and the symbol is
		 * a mangled one (it carries the scope) */
		if (!f->inlined && symname && (!f->function ||
		    (!linkage && symname[0] == '_' && symname[1] == 'Z'))) {
			free(f->function);
			f->function = symname_from_symbol(symname);
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
		f->function = symname_from_symbol(symname);
	}
	return n;
}

size_t sym_lookup(struct symbolizer *s, int img, uint64_t pc, bool is_return,
                  struct sym_frame *out, size_t max)
{
	if (img < 0 || (size_t)img >= s->nimgs || max == 0)
		return 0;
	struct sym_file *fl = &s->files[s->imgs[img].file];
	Dwfl_Module *mod = fl->mod;
	if (!mod)
		return 0;
	uint64_t a = pc - s->imgs[img].bias;
	if (is_return && a > 0)
		a--;            /* the call instruction */

	/* The symbol table name: the real function's full (mangled) name, which
	 * DWARF lacks for some C++ functions; also the only name without DWARF. */
	const char *symname = symbol_at(fl, a);
	if (a >= fl->plt_lo && a < fl->plt_hi)
		symname = NULL;         /* named by plt_name below */

	Dwarf_Die cu, *scopes = NULL;
	Dwarf_Addr da;
	bool covered = false;
	int nscopes = scopes_at(fl, a, &cu, &da, &scopes, &covered);
	if (nscopes > 0)
		return chain_at(&cu, scopes, nscopes, da, symname, out, max);
	char *name = symname ? symname_from_symbol(symname) : plt_name(mod, a);
	if (!name)
		return 0;
	struct sym_frame *f = &out[0];
	memset(f, 0, sizeof *f);
	f->function = name;
	/* a line only from a unit that covers a: past the end of main's
	 * line table, crt1's _start would get main's last line */
	Dwfl_Line *l = covered ? dwfl_module_getsrc(mod, a) : NULL;
	int line = 0;
	const char *file = l ? dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL) : NULL;
	set_source(f, file, line, NULL);
	return 1;
}
