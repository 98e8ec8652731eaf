/* json.h -- a streaming JSON writer for the Sentry outputs.  Profiles hold
 * millions of samples; building a cJSON tree of them would need many times
 * the output's size in memory, so values go straight to a FILE. */
#ifndef SPROF_CONVERT_JSON_H
#define SPROF_CONVERT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct jw {
	FILE *f;
	bool pretty;
	int depth;
	bool need_comma;                /* the open container already has an element */
	bool after_key;                 /* a key was written; its value comes next */
};

void jw_init(struct jw *w, FILE *f, bool pretty);
void jw_obj(struct jw *w);              /* { */
void jw_obj_end(struct jw *w);          /* } */
void jw_arr(struct jw *w);              /* [ */
void jw_arr_end(struct jw *w);          /* ] */
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s);
void jw_u64(struct jw *w, uint64_t v);
void jw_u64_str(struct jw *w, uint64_t v);      /* "123": Sentry wants decimal strings */
void jw_hex_str(struct jw *w, uint64_t v);      /* "0x7f..." */
void jw_bool(struct jw *w, bool v);
void jw_raw(struct jw *w, const char *text);    /* a preformatted value */
void jw_rawn(struct jw *w, const char *text, size_t len);
/* Decimal digits of v at p (no NUL); returns the end.  For writers that
 * format hot records themselves. */
char *jw_fmt_u64(char *p, uint64_t v);
/* s (NULL: "") as a quoted JSON string, escaped so that any bytes give
 * valid JSON: the one string escaper of every JSON writer. */
void json_put_string(FILE *f, const char *s);
/* Unix seconds from ns as a JSON number with µs precision, exactly. */
void jw_unix_seconds(struct jw *w, uint64_t ns);
/* Convenience: key + string value, skipped when s is NULL. */
void jw_kstr(struct jw *w, const char *k, const char *s);
/* RFC 3339 UTC with microseconds for Unix ns, into buf (at least 32 bytes). */
void rfc3339(uint64_t unix_ns, char *buf, size_t len);

#endif
