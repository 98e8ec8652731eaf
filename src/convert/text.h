/* text.h -- strings from raw files and debug info are untrusted: the one
 * place that decides what is valid UTF-8, used by every writer that escapes
 * text (JSON, XML, terminal, folded lines), so none of them lets through a
 * byte another accepts. */
#ifndef SPROF_CONVERT_TEXT_H
#define SPROF_CONVERT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Bytes of the UTF-8 character starting at s (1 for ASCII, NUL included),
 * or 0 when s does not start a well-formed one: a stray continuation byte,
 * a truncated sequence, an overlong form, a surrogate or a code point past
 * U+10FFFF (the bytes strict decoders, Python's and expat's among them,
 * reject). */
size_t utf8_char_len(const char *s);

/* True for the code points a terminal may act on rather than show: C0
 * (U+0000..U+001F), DEL and C1 (U+0080..U+009F, e.g. the one-character CSI). */
static inline int text_is_control(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* A copy of s fit for a terminal or a log: valid UTF-8 other than control
 * characters as it is; each control character's bytes and each byte that is
 * not valid UTF-8 as "\xNN", so nothing in a name can move the cursor,
 * change colours, break the line or garble the terminal's decoding.  NULL
 * when memory runs out. */
char *text_for_terminal(const char *s);

/* fputs of text_for_terminal(s) (s NULL: ""); false when memory runs out. */
bool text_put_terminal(FILE *f, const char *s);

/* In place: each control character and invalid UTF-8 byte of s becomes one
 * '?', so s stays one line and decodes (the folded formats). */
void text_replace_unsafe(char *s);

#endif
