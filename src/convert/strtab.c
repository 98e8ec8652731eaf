/* strtab.c -- string interning for the output writers (see strtab.h).
 * FNV-1a hashing and linear probing at most half full: the tables hold
 * thousands of names at most, so simplicity beats cleverness here. */
#include "config.h"
#include "convert/strtab.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const void *s, size_t len)
{
	const unsigned char *p = s;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static size_t probe(const struct strtab *t, const void *s, size_t len)
{
	size_t mask = t->nslots - 1;
	size_t i = (size_t)hash_bytes(s, len) & mask;
	while (t->slots[i]) {
		uint32_t k = t->slots[i] - 1;
		if (t->lens[k] == len && memcmp(t->strs[k], s, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

uint32_t strtab_find(const struct strtab *t, const void *s, size_t len)
{
	if (!t->nslots)
		return STRTAB_NONE;
	size_t i = probe(t, s, len);
	return t->slots[i] ? t->slots[i] - 1 : STRTAB_NONE;
}

static int grow_slots(struct strtab *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slots = calloc(n, sizeof *slots);
	if (!slots)
		return -1;
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	for (size_t k = 0; k < t->n; k++)
		t->slots[probe(t, t->strs[k], t->lens[k])] = (uint32_t)k + 1;
	return 0;
}

uint32_t strtab_intern(struct strtab *t, const void *s, size_t len)
{
	if ((t->n + 1) * 2 > t->nslots && grow_slots(t) < 0)
		return STRTAB_NONE;
	size_t i = probe(t, s, len);
	if (t->slots[i])
		return t->slots[i] - 1;
	if (t->n >= UINT32_MAX - 1)
		return STRTAB_NONE;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **strs = realloc(t->strs, cap * sizeof *strs);
		if (!strs)
			return STRTAB_NONE;
		t->strs = strs;
		size_t *lens = realloc(t->lens, cap * sizeof *lens);
		if (!lens)
			return STRTAB_NONE;
		t->lens = lens;
		t->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return STRTAB_NONE;
	memcpy(copy, s, len);
	copy[len] = '\0';
	t->strs[t->n] = copy;
	t->lens[t->n] = len;
	t->slots[i] = (uint32_t)++t->n;
	return (uint32_t)(t->n - 1);
}

uint32_t strtab_tally(struct strtab *t, const void *key, size_t len, uint64_t **counts,
                      size_t *cap, uint64_t n)
{
	uint32_t id = strtab_intern(t, key, len);
	if (id == STRTAB_NONE)
		return STRTAB_NONE;
	if (id >= *cap) {               /* ids grow one at a time: one doubling is enough */
		size_t ncap = *cap ? *cap * 2 : 256;
		uint64_t *c = realloc(*counts, ncap * sizeof *c);
		if (!c)
			return STRTAB_NONE;
		memset(c + *cap, 0, (ncap - *cap) * sizeof *c);
		*counts = c;
		*cap = ncap;
	}
	(*counts)[id] += n;
	return id;
}

void strtab_free(struct strtab *t)
{
	for (size_t k = 0; k < t->n; k++)
		free(t->strs[k]);
	free(t->strs);
	free(t->lens);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
