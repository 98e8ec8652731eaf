/* sprof-demo.c -- the bundled program `make demo` profiles: a small log
 * pipeline whose threads each spend their time in a few named functions, so
 * the profile shows something recognizable.
 *
 *   thread "parser":     parser_main -> parse_records -> tokenize, parse_number,
 *                        parser_main -> generate_line (snprintf)
 *   thread "compressor": compressor_main -> compress_block -> find_match,
 *                        compressor_main -> crc32_update
 *   main thread:         main -> hash_results (FNV-1a), then joins the others
 *
 * Each thread works for the same wall-clock time (default 2.5 s, or argv[1]
 * seconds) and the program prints what it did, so the result cannot be
 * optimized away.  Built with -g -O2 -fno-omit-frame-pointer; the named
 * functions are noinline and noclone so each gets its own frame under its
 * own name (no ".constprop.0" clones). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static double run_seconds = 2.5;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64: a fast deterministic source for the synthetic input */
static uint64_t next_random(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* ---- parser thread ------------------------------------------------------ */

struct parse_totals {
	uint64_t records, fields, value_sum;
};

/* One synthetic log line: "timestamp,level,host-N,latency_us,bytes,message". */
static NOINLINE size_t generate_line(char *buf, size_t len, uint64_t *seed)
{
	static const char *levels[] = { "INFO", "WARN", "ERROR", "DEBUG" };
	uint64_t r = next_random(seed);
	int n = snprintf(buf, len, "%llu,%s,host-%u,%u,%u,request served in time\n",
	                 (unsigned long long)(1700000000000ull + (r >> 24) % 100000000),
	                 levels[r & 3], (unsigned)(r >> 8) % 64,
	                 (unsigned)(r >> 16) % 250000, (unsigned)(r >> 40) % 65536);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

/* Splits line at commas into at most max fields; returns how many. */
static NOINLINE int tokenize(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		fields[n++] = p;
		while (*p && *p != ',' && *p != '\n')
			p++;
		if (*p != ',') {
			*p = '\0';
			break;
		}
		*p++ = '\0';
	}
	return n;
}

static NOINLINE uint64_t parse_number(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

static NOINLINE void parse_records(char *text, struct parse_totals *t)
{
	char *fields[8];
	char *line = text;
	while (*line) {
		char *nl = strchr(line, '\n');
		char *next = nl ? nl + 1 : line + strlen(line);
		int n = tokenize(line, fields, 8);
		t->fields += (uint64_t)n;
		if (n >= 5)
			t->value_sum += parse_number(fields[0]) % 1000 +
			                parse_number(fields[3]) + parse_number(fields[4]);
		t->records++;
		line = next;
	}
}

static void *parser_main(void *arg)
{
	struct parse_totals *t = arg;
	pthread_setname_np(pthread_self(), "parser");
	/* parse_records cuts the text into fields in place, so it works on a
	 * copy; fresh input is generated every eighth batch, keeping most of
	 * the thread's time in the parser rather than in snprintf */
	static char input[64 * 1024], text[sizeof input];
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t used = 0;
	double end = now() + run_seconds;
	for (unsigned batch = 0; now() < end; batch++) {
		if (batch % 8 == 0) {
			used = 0;
			while (used + 128 < sizeof input)
				used += generate_line(input + used, sizeof input - used, &seed);
			input[used] = '\0';
		}
		memcpy(text, input, used + 1);
		parse_records(text, t);
	}
	return NULL;
}

/* ---- compressor thread -------------------------------------------------- */

struct compress_totals {
	uint64_t in_bytes, out_bytes;
	uint32_t crc;
};

static uint32_t crc_table[256];

static void crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static NOINLINE uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

#define HASH_BITS 14
#define MIN_MATCH 4

/* Length of the match between p and the earlier position cand (bounded). */
static NOINLINE size_t find_match(const uint8_t *p, const uint8_t *cand, const uint8_t *end)
{
	size_t n = 0;
	while (p + n < end && n < 255 && p[n] == cand[n])
		n++;
	return n;
}

/* An LZ77-style pass with a one-entry hash table, counting the output size
 * (1 byte per literal, 3 per match) rather than writing it. */
static NOINLINE size_t compress_block(const uint8_t *in, size_t len)
{
	static uint32_t head[1u << HASH_BITS];
	memset(head, 0xff, sizeof head);
	size_t out = 0, i = 0;
	while (i + MIN_MATCH <= len) {
		uint32_t v;
		memcpy(&v, in + i, sizeof v);
		uint32_t h = (v * 2654435761u) >> (32 - HASH_BITS);
		uint32_t cand = head[h];
		head[h] = (uint32_t)i;
		size_t m = cand != 0xffffffffu ? find_match(in + i, in + cand, in + len) : 0;
		if (m >= MIN_MATCH) {
			out += 3;
			i += m;
		} else {
			out += 1;
			i++;
		}
	}
	return out + (len - i);
}

static void *compressor_main(void *arg)
{
	struct compress_totals *t = arg;
	pthread_setname_np(pthread_self(), "compressor");
	static uint8_t block[256 * 1024];
	uint64_t seed = 42;
	double end = now() + run_seconds;
	while (now() < end) {
		/* compressible input: words from a small vocabulary */
		static const char *words[] = { "alpha ", "beta ", "gamma ", "delta ", "epsilon ",
		                               "zeta ", "eta ", "theta " };
		size_t used = 0;
		while (used + 16 < sizeof block) {
			const char *w = words[next_random(&seed) & 7];
			size_t wl = strlen(w);
			memcpy(block + used, w, wl);
			used += wl;
		}
		t->out_bytes += compress_block(block, used);
		t->crc = crc32_update(t->crc, block, used);
		t->in_bytes += used;
	}
	return NULL;
}

/* ---- main thread -------------------------------------------------------- */

/* FNV-1a, run repeatedly over a buffer derived from the digest so far, so
 * the main thread has CPU work of its own while the workers run. */
static NOINLINE uint64_t hash_results(uint64_t h)
{
	uint8_t buf[4096];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)((h >> (i & 56)) + i * 31);
	for (int round = 0; round < 64; round++)
		for (size_t i = 0; i < sizeof buf; i++) {
			h ^= buf[i];
			h *= 0x100000001b3ull;
		}
	return h;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		char *end;
		run_seconds = strtod(argv[1], &end);
		if (*end || run_seconds <= 0 || run_seconds > 600) {
			fprintf(stderr, "usage: %s [SECONDS]   (0 < SECONDS <= 600, default 2.5)\n", argv[0]);
			return 2;
		}
	}
	crc32_init();

	struct parse_totals pt = { 0 };
	struct compress_totals ct = { 0 };
	pthread_t parser, compressor;
	if (pthread_create(&parser, NULL, parser_main, &pt) ||
	    pthread_create(&compressor, NULL, compressor_main, &ct)) {
		fprintf(stderr, "sprof-demo: cannot start threads\n");
		return 1;
	}

	uint64_t digest = 0xcbf29ce484222325ull;
	double end = now() + run_seconds;
	while (now() < end)
		digest = hash_results(digest);

	pthread_join(parser, NULL);
	pthread_join(compressor, NULL);
	printf("sprof-demo: parsed %llu records (%llu fields), compressed %.1f MB to %.1f%%, "
	       "crc %08x, digest %016llx\n",
	       (unsigned long long)pt.records, (unsigned long long)pt.fields,
	       ct.in_bytes / 1e6, ct.in_bytes ? 100.0 * ct.out_bytes / ct.in_bytes : 0.0,
	       ct.crc, (unsigned long long)digest);
	return 0;
}
