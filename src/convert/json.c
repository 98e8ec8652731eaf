/* json.c -- streaming JSON writer (json.h): commas, indentation and string
 * escaping, written with the unlocked stdio calls since one profile can mean
 * tens of millions of small writes. */
#include "config.h"
#include "convert/json.h"
#include "convert/text.h"

#include <string.h>
#include <time.h>

void jw_init(struct jw *w, FILE *f, bool pretty)
{
	memset(w, 0, sizeof *w);
	w->f = f;
	w->pretty = pretty;
}

static void indent(struct jw *w)
{
	putc_unlocked('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs_unlocked("  ", w->f);
}

/* Before any value or key: the comma and, pretty, the line break. */
static void pre(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->need_comma)
		putc_unlocked(',', w->f);
	if (w->pretty && w->depth > 0)
		indent(w);
	w->need_comma = true;
}

static void open_(struct jw *w, char c)
{
	pre(w);
	putc_unlocked(c, w->f);
	w->depth++;
	w->need_comma = false;
}

static void close_(struct jw *w, char c)
{
	w->depth--;
	if (w->pretty && w->need_comma)
		indent(w);
	putc_unlocked(c, w->f);
	w->need_comma = true;
	if (w->depth == 0 && w->pretty)
		putc_unlocked('\n', w->f);
}

void jw_obj(struct jw *w) { open_(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w) { open_(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

void json_put_string(FILE *f, const char *s)
{
	putc_unlocked('"', f);
	for (const char *p = s ? s : ""; *p;) {
		unsigned char c = (unsigned char)*p;
		if (c == '"' || c == '\\') {
			putc_unlocked('\\', f);
			putc_unlocked(c, f);
			p++;
		} else if (c < 0x20) {
			static const char hexd[] = "0123456789abcdef";
			switch (c) {
			case '\n': fputs_unlocked("\\n", f); break;
			case '\t': fputs_unlocked("\\t", f); break;
			case '\r': fputs_unlocked("\\r", f); break;
			default:
				fputs_unlocked("\\u00", f);
				putc_unlocked(hexd[c >> 4], f);
				putc_unlocked(hexd[c & 15], f);
			}
			p++;
		} else if (c < 0x80) {
			putc_unlocked(c, f);
			p++;
		} else {
			/* Pass valid UTF-8 through; replace each invalid byte
			 * (names come from files we do not trust) with U+FFFD. */
			size_t n = utf8_char_len(p);
			if (n) {
				fwrite_unlocked(p, 1, n, f);
				p += n;
			} else {
				fputs_unlocked("\\ufffd", f);
				p++;
			}
		}
	}
	putc_unlocked('"', f);
}

void jw_key(struct jw *w, const char *k)
{
	pre(w);
	json_put_string(w->f, k);
	putc_unlocked(':', w->f);
	if (w->pretty)
		putc_unlocked(' ', w->f);
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	pre(w);
	json_put_string(w->f, s);
}

static void put_u64(FILE *f, uint64_t v)
{
	char buf[24], *p = buf + sizeof buf;
	*--p = 0;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fputs_unlocked(p, f);
}

void jw_u64(struct jw *w, uint64_t v)
{
	pre(w);
	put_u64(w->f, v);
}

void jw_u64_str(struct jw *w, uint64_t v)
{
	pre(w);
	putc_unlocked('"', w->f);
	put_u64(w->f, v);
	putc_unlocked('"', w->f);
}

void jw_hex_str(struct jw *w, uint64_t v)
{
	pre(w);
	fprintf(w->f, "\"0x%llx\"", (unsigned long long)v);
}

void jw_bool(struct jw *w, bool v)
{
	pre(w);
	fputs_unlocked(v ? "true" : "false", w->f);
}

void jw_raw(struct jw *w, const char *text)
{
	pre(w);
	fputs_unlocked(text, w->f);
}

void jw_rawn(struct jw *w, const char *text, size_t len)
{
	pre(w);
	fwrite_unlocked(text, 1, len, w->f);
}

/* Two digits per division: this formats every sample's numbers. */
static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *jw_fmt_u64(char *p, uint64_t v)
{
	char tmp[24], *t = tmp + sizeof tmp;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		*--t = digit_pairs[2 * r + 1];
		*--t = digit_pairs[2 * r];
	}
	if (v >= 10) {
		*--t = digit_pairs[2 * v + 1];
		*--t = digit_pairs[2 * v];
	} else {
		*--t = (char)('0' + v);
	}
	size_t n = (size_t)(tmp + sizeof tmp - t);
	memcpy(p, t, n);
	return p + n;
}

void jw_unix_seconds(struct jw *w, uint64_t ns)
{
	pre(w);
	put_u64(w->f, ns / 1000000000u);
	fprintf(w->f, ".%06u", (unsigned)(ns % 1000000000u / 1000u));
}

void jw_kstr(struct jw *w, const char *k, const char *s)
{
	if (!s)
		return;
	jw_key(w, k);
	jw_str(w, s);
}

void rfc3339(uint64_t unix_ns, char *buf, size_t len)
{
	time_t t = (time_t)(unix_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	char d[24];
	strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06uZ", d, (unsigned)(unix_ns % 1000000000u / 1000u));
}
