/* text.c -- validation and sanitizing of untrusted text (text.h). */
#include "config.h"
#include "convert/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_char_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp, min;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	/* a NUL fails the continuation test, so nothing past the string is read */
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Code point of the valid n-byte character at p. */
static unsigned decode(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned cp = p[0] & lead_mask[n];
	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

char *text_for_terminal(const char *s)
{
	if (!s)
		s = "";
	/* at worst every byte becomes four */
	size_t len = strlen(s);
	char *out = malloc(len * 4 + 1), *o = out;
	if (!out)
		return NULL;
	static const char hexd[] = "0123456789abcdef";
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = utf8_char_len((const char *)p);
		size_t bad = !n ? 1 : text_is_control(decode(p, n)) ? n : 0;
		if (!bad) {
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		for (; bad; bad--, p++) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hexd[*p >> 4];
			*o++ = hexd[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

bool text_put_terminal(FILE *f, const char *s)
{
	char *safe = text_for_terminal(s);
	if (!safe)
		return false;
	fputs(safe, f);
	free(safe);
	return true;
}

void text_replace_unsafe(char *s)
{
	char *o = s;
	for (const char *p = s; *p;) {
		size_t n = utf8_char_len(p);
		if (n && !text_is_control(decode((const unsigned char *)p, n))) {
			memmove(o, p, n);
			o += n;
			p += n;
		} else {
			*o++ = '?';
			p += n ? n : 1;
		}
	}
	*o = '\0';
}
