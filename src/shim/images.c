/* images.c -- which ELF images are mapped, for the converter to resolve pcs:
 * REC_IMAGE for each one present at start and each that appears later
 * (dlopen), REC_IMAGE_GONE when one goes (dlclose).  Run by the writer each
 * cycle; dl_iterate_phdr's dlpi_adds/dlpi_subs counters make the check cheap
 * when nothing changed.  Build ids are read from the PT_NOTE segments in
 * memory, so nothing is opened. */
#include "config.h"

#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>


#include "raw/format.h"
#include "shim/buf.h"
#include "shim/images.h"

struct image {
	uint64_t start, size, bias;
	uint8_t build_id[64];
	size_t build_id_len;
	char path[4096];
	bool present;                   /* seen in the current pass */
};

static struct image *images;
static size_t nimages, images_cap;
static unsigned long long last_adds = ~0ull, last_subs = ~0ull;

struct pass {
	struct buf *out;
	uint64_t seen_us;
	bool first;                     /* first callback: the main program */
};

static size_t note_build_id(const struct dl_phdr_info *info, const ElfW(Phdr) *ph, uint8_t *out)
{
	const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
	const uint8_t *end = p + ph->p_memsz;
	size_t align = ph->p_align == 8 ? 8 : 4;
	while (p + sizeof(ElfW(Nhdr)) <= end) {
		const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
		size_t name_sz = (n->n_namesz + align - 1) & ~(align - 1);
		size_t desc_sz = (n->n_descsz + align - 1) & ~(align - 1);
		const uint8_t *name = p + sizeof *n, *desc = name + name_sz;
		if (desc + desc_sz > end)
			break;
		if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
		    n->n_descsz > 0 && n->n_descsz <= 64) {
			memcpy(out, desc, n->n_descsz);
			return n->n_descsz;
		}
		p = desc + desc_sz;
	}
	return 0;
}

static void emit_image(struct buf *out, const struct image *im, uint64_t t_us)
{
	struct buf b = { 0 };
	buf_varint(&b, im->start);
	buf_varint(&b, im->size);
	buf_varint(&b, im->bias);
	buf_varint(&b, t_us);
	buf_str(&b, (const char *)im->build_id, im->build_id_len);
	buf_str(&b, im->path, strlen(im->path));
	buf_record(out, REC_IMAGE, &b);
	buf_free(&b);
}

static int on_image(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct pass *ps = arg;
	bool first = ps->first;
	ps->first = false;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_vaddr < lo)
			lo = ph->p_vaddr;
		if (ph->p_vaddr + ph->p_memsz > hi)
			hi = ph->p_vaddr + ph->p_memsz;
	}
	if (lo >= hi)
		return 0;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = (info->dlpi_addr + lo) & ~(page - 1);
	uint64_t end = (info->dlpi_addr + hi + page - 1) & ~(page - 1);
	for (size_t i = 0; i < nimages; i++)
		if (images[i].start == start && images[i].bias == info->dlpi_addr) {
			images[i].present = true;
			return 0;
		}
	if (nimages == images_cap) {
		size_t cap = images_cap ? images_cap * 2 : 32;
		struct image *ni = realloc(images, cap * sizeof *ni);
		if (!ni)
			return 0;
		images = ni;
		images_cap = cap;
	}
	struct image *im = &images[nimages++];
	memset(im, 0, sizeof *im);
	im->start = start;
	im->size = end - start;
	im->bias = info->dlpi_addr;
	im->present = true;
	for (int i = 0; i < info->dlpi_phnum && !im->build_id_len; i++)
		if (info->dlpi_phdr[i].p_type == PT_NOTE)
			im->build_id_len = note_build_id(info, &info->dlpi_phdr[i], im->build_id);
	const char *name = info->dlpi_name;
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
	if (vdso && start <= vdso && vdso < end) {
		snprintf(im->path, sizeof im->path, "[vdso]");
	} else if (first || !name || !*name) {
		ssize_t n = readlink("/proc/self/exe", im->path, sizeof im->path - 1);
		im->path[n > 0 ? n : 0] = 0;
	} else {
		snprintf(im->path, sizeof im->path, "%s", name);
	}
	emit_image(ps->out, im, ps->seen_us);
	return 0;
}

static int read_counters(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long long *c = arg;
	if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs) {
		c[0] = info->dlpi_adds;
		c[1] = info->dlpi_subs;
	} else {
		c[0] = c[1] = ~0ull - 1;        /* unknown: always rescan */
	}
	return 1;
}

void images_update(struct buf *out, uint64_t seen_us, uint64_t now_us)
{
	unsigned long long c[2] = { 0, 0 };
	dl_iterate_phdr(read_counters, c);
	if (c[0] == last_adds && c[1] == last_subs)
		return;
	last_adds = c[0];
	last_subs = c[1];
	for (size_t i = 0; i < nimages; i++)
		images[i].present = false;
	struct pass ps = { out, seen_us, true };
	dl_iterate_phdr(on_image, &ps);
	size_t keep = 0;
	for (size_t i = 0; i < nimages; i++) {
		if (images[i].present) {
			images[keep++] = images[i];
			continue;
		}
		struct buf b = { 0 };
		buf_varint(&b, images[i].start);
		buf_varint(&b, now_us);
		buf_record(out, REC_IMAGE_GONE, &b);
		buf_free(&b);
	}
	nimages = keep;
}

/* A fork child lists every image again in its own first block. */
SHIM_HIDDEN void images_reset_child(void);
void images_reset_child(void)
{
	images = NULL;
	nimages = images_cap = 0;
	last_adds = last_subs = ~0ull;
}
