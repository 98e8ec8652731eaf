/* prog-conv-symtest.c -- unit test of the symbolizer (src/convert/symbolize.c)
 * on this very program: the addresses of known functions, a return address
 * inside an inlined call, a wrong build-id and a missing file must give the
 * names, files and lines the compiler recorded, or nothing (never a wrong
 * name).  Exit 0 pass, 1 fail, 99 setup problem. */
#define _GNU_SOURCE
#include "config.h"
#include "convert/symbolize.h"

#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile uint64_t captured;
static int inl_line, outer_line;

__attribute__((noinline)) void conv_capture(void)
{
	captured = (uint64_t)(uintptr_t)__builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void conv_inlined(void)
{
	conv_capture(); inl_line = __LINE__;
}

__attribute__((noinline)) void conv_outer(void)
{
	conv_inlined(); outer_line = __LINE__;
	__asm__ volatile("" ::: "memory");
}

static uint64_t bias;
static uint8_t build_id[64];
static size_t build_id_len;

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size, (void)data;
	bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
		const uint8_t *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const uint8_t *name = p + sizeof *n;
			const uint8_t *desc = name + ((n->n_namesz + 3) & ~3u);
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
			    n->n_descsz <= sizeof build_id) {
				memcpy(build_id, desc, n->n_descsz);
				build_id_len = n->n_descsz;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1;                       /* the first entry is the program */
}

static int failures;

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "FAIL: %s\n", what);
		failures++;
	}
}

static void free_frames(struct sym_frame *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].function);
		free(f[i].filename);
		free(f[i].abs_path);
	}
}

int main(void)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return 99;
	exe[len] = 0;
	dl_iterate_phdr(find_self, NULL);
	if (!build_id_len) {
		fprintf(stderr, "no build-id in %s (linker without --build-id?)\n", exe);
		return 99;
	}
	conv_outer();

	struct symbolizer *s = sym_new(NULL, 0, false);
	if (!s)
		return 99;
	int img = sym_image(s, exe, bias, build_id, build_id_len);
	expect(img >= 0, "own executable opens");
	expect(sym_image(s, exe, bias, build_id, build_id_len) == img, "second open returns the same handle");

	struct sym_frame f[8];
	/* a function's entry address, as a leaf */
	size_t n = sym_lookup(s, img, (uint64_t)(uintptr_t)conv_capture, false, f, 8);
	expect(n == 1 && f[0].function && !strcmp(f[0].function, "conv_capture"), "conv_capture by address");
	expect(n >= 1 && f[0].filename && !strcmp(f[0].filename, "prog-conv-symtest.c"), "conv_capture's file");
	expect(n >= 1 && f[0].abs_path && f[0].abs_path[0] == '/', "absolute path");
	free_frames(f, n);

	/* a return address inside an inlined call: the inlined function first,
	 * at the call's line, then the function it was inlined into, at the
	 * line of the inlined call */
	n = sym_lookup(s, img, captured, true, f, 8);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "frame %zu: %s %s:%u%s\n", i, f[i].function ? f[i].function : "?",
		        f[i].filename ? f[i].filename : "?", f[i].lineno, f[i].inlined ? " (inlined)" : "");
	expect(n == 2, "two frames at the inlined call");
	expect(n >= 1 && f[0].inlined && f[0].function && !strcmp(f[0].function, "conv_inlined"), "inlined frame name");
	expect(n >= 1 && (int)f[0].lineno == inl_line, "inlined frame line");
	expect(n >= 2 && !f[1].inlined && f[1].function && !strcmp(f[1].function, "conv_outer"), "outer frame name");
	expect(n >= 2 && (int)f[1].lineno == outer_line, "outer frame line (the inlined call site)");
	free_frames(f, n);

	/* an address in no function at all: nothing, not a neighbour's name */
	n = sym_lookup(s, img, bias + 8, false, f, 8);
	expect(n == 0 || !f[0].function, "ELF header address has no function");
	free_frames(f, n);

	/* C++ demangling */
	char *d = sym_demangle("_ZN2ns3fooIiEEvT_");
	expect(d && !strcmp(d, "ns::foo<int>"), "demangle, in the short style");
	free(d);
	d = sym_demangle("main");
	expect(d && !strcmp(d, "main"), "plain names stay");
	free(d);

	/* a rebuilt binary (other build-id) and a missing one: unusable, quiet */
	struct symbolizer *q = sym_new(NULL, 0, true);
	uint8_t other[20] = { 1, 2, 3 };
	expect(sym_image(q, exe, bias, other, sizeof other) < 0, "build-id mismatch refused");
	expect(sym_image(q, "/nonexistent/lib.so", 0, other, sizeof other) < 0, "missing file refused");
	expect(sym_image(q, "[vdso]", 0x7fff0000, NULL, 0) < 0, "[vdso] is not a file");
	sym_free(q);
	sym_free(s);
	return failures ? 1 : 0;
}
