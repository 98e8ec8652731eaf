/* text.h -- strings from raw files and debug info are untrusted: the one
 * place that decides what is valid UTF-8, used by every writer that escapes
 * text (JSON, XML, terminal, folded lines), so none of them lets through a
 * byte another accepts. */
#ifndef SPROF_CONVERT_TEXT_H
#define SPROF_CONVERT_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Bytes of the UTF-8 character starting at s (1 for ASCII, NUL included),
 * or 0 when s does not start a well-formed one: a stray continuation byte,
 * a truncated sequence, an overlong form, a surrogate or a code point past
 * U+10FFFF (the bytes strict decoders, Python's and expat's among them,
 * reject). */
size_t utf8_char_len(const char *s);

#endif
