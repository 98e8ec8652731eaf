/* stacks.c -- deduplication of stacks in the writer thread: an open
 * addressing hash table over an append-only array of pcs.  A steady program
 * has a few hundred distinct stacks, so each is written once (REC_STACK) and
 * samples name it by id; this is most of the reason samples are cheap on
 * disk. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shim/stacks.h"

struct entry {
	uint64_t hash;
	size_t off;                     /* into pcs_all */
	uint32_t depth;
};

static uint32_t *index_;                /* 0 = empty, else entry id + 1 */
static size_t index_cap;                /* power of two */
static struct entry *entries;
static size_t nentries, entries_cap;
static uint64_t *pcs_all;
static size_t npcs, pcs_cap;

static uint64_t hash_pcs(const uint64_t *pcs, uint32_t depth)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ depth;
	for (uint32_t i = 0; i < depth; i++) {
		h ^= pcs[i];
		h *= 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	return h;
}

static bool grow_index(void)
{
	size_t cap = index_cap ? index_cap * 2 : 1024;
	uint32_t *ix = calloc(cap, sizeof *ix);
	if (!ix)
		return false;
	for (size_t i = 0; i < nentries; i++) {
		size_t j = entries[i].hash & (cap - 1);
		while (ix[j])
			j = (j + 1) & (cap - 1);
		ix[j] = (uint32_t)(i + 1);
	}
	free(index_);
	index_ = ix;
	index_cap = cap;
	return true;
}

int64_t stacks_intern(const uint64_t *pcs, uint32_t depth, bool *added)
{
	*added = false;
	if ((nentries + 1) * 2 > index_cap && !grow_index())
		return -1;
	uint64_t h = hash_pcs(pcs, depth);
	size_t j = h & (index_cap - 1);
	for (; index_[j]; j = (j + 1) & (index_cap - 1)) {
		struct entry *e = &entries[index_[j] - 1];
		if (e->hash == h && e->depth == depth &&
		    memcmp(pcs_all + e->off, pcs, depth * sizeof *pcs) == 0)
			return index_[j] - 1;
	}
	if (nentries == entries_cap) {
		size_t cap = entries_cap ? entries_cap * 2 : 512;
		struct entry *ne = realloc(entries, cap * sizeof *ne);
		if (!ne)
			return -1;
		entries = ne;
		entries_cap = cap;
	}
	if (npcs + depth > pcs_cap) {
		size_t cap = pcs_cap ? pcs_cap : 8192;
		while (cap < npcs + depth)
			cap *= 2;
		uint64_t *np = realloc(pcs_all, cap * sizeof *np);
		if (!np)
			return -1;
		pcs_all = np;
		pcs_cap = cap;
	}
	memcpy(pcs_all + npcs, pcs, depth * sizeof *pcs);
	entries[nentries] = (struct entry){ h, npcs, depth };
	npcs += depth;
	index_[j] = (uint32_t)(nentries + 1);
	*added = true;
	return (int64_t)nentries++;
}

/* A fork child: the table is dropped, not freed (the parent's writer may
 * have been changing it at the fork), and ids start again from 0. */
SHIM_HIDDEN void stacks_reset_child(void);
void stacks_reset_child(void)
{
	index_ = NULL;
	index_cap = 0;
	entries = NULL;
	nentries = entries_cap = 0;
	pcs_all = NULL;
	npcs = pcs_cap = 0;
}
