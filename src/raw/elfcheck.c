/* elfcheck.c -- can the shim be preloaded into a program?  Static
 * executables, setuid/setgid or file-capability programs (the loader
 * ignores LD_PRELOAD for them) and programs of another architecture cannot
 * be entered.  Shared by the launcher (sprof run refuses them) and the shim
 * (a profiled program exec'ing one records it as unprofiled), so both judge
 * alike.  Reads headers only, bounds-checked, never trusting the file. */
#include "config.h"

#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "raw/elfcheck.h"

struct elf_info {
	unsigned char cls, data;
	uint16_t machine;
	bool is_elf, has_interp;
};

/* Reads the ELF header and program headers of fd (bounds-checked against
 * the file size).  Returns 0 with *ei filled (is_elf false for non-ELF). */
static int read_elf(int fd, struct elf_info *ei)
{
	memset(ei, 0, sizeof *ei);
	unsigned char eh[sizeof(Elf64_Ehdr)];
	ssize_t n = pread(fd, eh, sizeof eh, 0);
	if (n < EI_NIDENT || memcmp(eh, ELFMAG, SELFMAG))
		return 0;
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;
	uint64_t fsize = (uint64_t)st.st_size;
	ei->cls = eh[EI_CLASS];
	ei->data = eh[EI_DATA];
	bool swap = ei->data != (__BYTE_ORDER == __LITTLE_ENDIAN ? ELFDATA2LSB : ELFDATA2MSB);
#define E16(x) (swap ? __builtin_bswap16(x) : (x))
#define E32(x) (swap ? __builtin_bswap32(x) : (x))
#define E64(x) (swap ? __builtin_bswap64(x) : (x))
	uint64_t phoff;
	uint16_t phentsize, phnum;
	if (ei->cls == ELFCLASS64 && (size_t)n >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr h;
		memcpy(&h, eh, sizeof h);
		ei->machine = E16(h.e_machine);
		phoff = E64(h.e_phoff);
		phentsize = E16(h.e_phentsize);
		phnum = E16(h.e_phnum);
		if (phentsize < sizeof(Elf64_Phdr))
			return 0;
	} else if (ei->cls == ELFCLASS32 && (size_t)n >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr h;
		memcpy(&h, eh, sizeof h);
		ei->machine = E16(h.e_machine);
		phoff = E32(h.e_phoff);
		phentsize = E16(h.e_phentsize);
		phnum = E16(h.e_phnum);
		if (phentsize < sizeof(Elf32_Phdr))
			return 0;
	} else {
		ei->is_elf = true;      /* an ELF we cannot parse: "another architecture" */
		return 0;
	}
	ei->is_elf = true;
	if (phoff > fsize || (uint64_t)phnum * phentsize > fsize - phoff)
		return 0;               /* malformed: the kernel will refuse it */
	for (unsigned i = 0; i < phnum; i++) {
		uint32_t type;
		unsigned char ph[sizeof(Elf64_Phdr)];
		if (pread(fd, ph, sizeof type, (off_t)(phoff + (uint64_t)i * phentsize)) != sizeof type)
			return -1;
		memcpy(&type, ph, sizeof type);     /* p_type is first in both classes */
		if (E32(type) == PT_INTERP) {
			ei->has_interp = true;
			break;
		}
	}
#undef E16
#undef E32
#undef E64
	return 0;
}

/* Returns NULL when the shim can be preloaded into path, else why not.  The
 * reason is a static string or written into buf. */
static const char *check(const char *path, char *buf, size_t buflen, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NULL;            /* execve will report it */
	if (depth == 0 && (st.st_mode & (S_ISUID | S_ISGID)))
		return st.st_mode & S_ISUID ? "it is setuid (the loader ignores LD_PRELOAD)"
		                            : "it is setgid (the loader ignores LD_PRELOAD)";
	if (depth == 0 && getxattr(path, "security.capability", NULL, 0) > 0)
		return "it has file capabilities (the loader ignores LD_PRELOAD)";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;            /* execute-only: cannot look, let it run */
	char head[256];
	ssize_t n = pread(fd, head, sizeof head - 1, 0);
	if (n >= 2 && head[0] == '#' && head[1] == '!') {
		close(fd);
		if (depth >= 4)
			return NULL;    /* the kernel gives up on deep nesting itself */
		head[n] = 0;
		char *s = head + 2;
		s += strspn(s, " \t");
		s[strcspn(s, " \t\n")] = 0;
		if (!*s)
			return NULL;
		char interp[256];
		snprintf(interp, sizeof interp, "%s", s);
		const char *why = check(interp, buf, buflen, depth + 1);
		if (!why)
			return NULL;
		/* copy first: why may point into buf */
		char inner[200];
		snprintf(inner, sizeof inner, "%s", why);
		snprintf(buf, buflen, "its interpreter %.100s: %.150s", interp, inner);
		return buf;
	}
	struct elf_info ei, self;
	int rc = read_elf(fd, &ei);
	close(fd);
	if (rc != 0 || !ei.is_elf)
		return NULL;            /* not ELF: run through /bin/sh like a shell */
	int sfd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (sfd >= 0) {
		rc = read_elf(sfd, &self);
		close(sfd);
		if (rc == 0 && self.is_elf &&
		    (ei.cls != self.cls || ei.data != self.data || ei.machine != self.machine))
			return "it is built for another architecture";
	}
	if (!ei.has_interp)
		return "it is statically linked (the sampler is a shared library)";
	return NULL;
}

const char *sprof_unprofilable(const char *path, char *buf, size_t buflen)
{
	return check(path, buf, buflen, 0);
}
