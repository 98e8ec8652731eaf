/* unwind.c -- the shim's stack walker (see unwind.h for the contract).
 *
 * Why not libunwind: its local unwinder finds tables with dl_iterate_phdr,
 * which waits for the loader's write lock, and guards its caches with a lock
 * of its own taken with all signals blocked.  A sampling signal that lands
 * while the interrupted thread holds the loader lock (inside dlopen, or in
 * glibc's internal dlopen/dlclose of gconv and NSS modules) then waits
 * forever, and so does every thread behind it.  Here the only lookup is
 * _dl_find_object (glibc 2.35+): the loader keeps its object table for it
 * in a form readers walk without a lock, retrying only if an update was
 * published during the read -- which the interrupted thread cannot do while
 * its own handler runs.  The object's PT_GNU_EH_FRAME segment gives the
 * binary-search table of FDEs; the FDE's instructions are run up to the pc
 * to get the frame's rules.  Nothing is cached, so nothing goes stale when
 * an image is unloaded and another mapped at its address.
 *
 * Every read of a table or a stack may fault (an image unmapped under us,
 * corrupt CFI, a garbage frame pointer): the caller has crash.c's recovery
 * armed.  Every loop is bounded, so garbage cannot make a walk spin. */
#include "config.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "shim/unwind.h"

#if !defined(__x86_64__)
#error "unwind.c walks x86-64 frames only (register numbers, uw_here)"
#endif

/* ---- DWARF constants (the subset .eh_frame uses) ------------------------ */
enum {
	PE_OMIT = 0xff, PE_ABSPTR = 0x00, PE_ULEB128 = 0x01, PE_UDATA2 = 0x02, PE_UDATA4 = 0x03,
	PE_UDATA8 = 0x04, PE_SLEB128 = 0x09, PE_SDATA2 = 0x0a, PE_SDATA4 = 0x0b, PE_SDATA8 = 0x0c,
	PE_PCREL = 0x10, PE_DATAREL = 0x30, PE_INDIRECT = 0x80,
};

#define MAX_STATE_STACK 4               /* DW_CFA_remember_state nesting */
#define CACHE_SLOTS 4096                /* rows remembered, process-wide */
#define MAX_CFA_INSNS 4096              /* instructions run for one frame */
#define MAX_EXPR_OPS 64                 /* DWARF expression operations */

enum rule_kind { R_SAME = 0, R_UNDEF, R_OFFSET, R_VAL_OFFSET, R_REGISTER, R_EXPR, R_VAL_EXPR };

/* Kept small: the rows live on the stack of the interrupted thread. */
struct rule {
	uint8_t kind;
	uint32_t expr_len;              /* R_EXPR / R_VAL_EXPR: the block's length */
	int64_t val;                    /* offset, register number, or the
					 * expression block's address */
};

struct row {
	int cfa_reg;                    /* -1: cfa_expr */
	int64_t cfa_off;
	const uint8_t *cfa_expr;
	uint64_t cfa_expr_len;
	struct rule reg[UW_NREG];
};

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra_reg;
	uint8_t fde_enc;
	bool has_z, signal_frame;
	const uint8_t *insns, *end;
};

struct fde {
	uint64_t pc_begin, pc_end;
	const uint8_t *insns, *end;
	struct cie cie;
};

/* ---- byte readers: p advances, end bounds every read -------------------- */
struct cursor {
	const uint8_t *p, *end;
	bool bad;
};

static inline bool need(struct cursor *c, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return false;
	}
	return true;
}

#define FIXED_READER(name, type)                                  \
	static inline type name(struct cursor *c)                 \
	{                                                         \
		type v = 0;                                       \
		if (need(c, sizeof v)) {                          \
			memcpy(&v, c->p, sizeof v);               \
			c->p += sizeof v;                         \
		}                                                 \
		return v;                                         \
	}
FIXED_READER(rd_u8, uint8_t)
FIXED_READER(rd_u16, uint16_t)
FIXED_READER(rd_u32, uint32_t)
FIXED_READER(rd_u64, uint64_t)

static uint64_t rd_uleb(struct cursor *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0; need(c, 1); shift += 7) {
		uint8_t b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	return 0;
}

static int64_t rd_sleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (; need(c, 1);) {
		uint8_t b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80)) {
			if (shift < 64 && (b & 0x40))
				v |= ~(uint64_t)0 << shift;
			return (int64_t)v;
		}
	}
	return 0;
}

/* A pointer in encoding enc (DW_EH_PE_*), relative to datarel_base for
 * datarel.  Encodings .eh_frame does not use here (textrel, funcrel,
 * aligned) make the cursor bad. */
static uint64_t rd_encoded(struct cursor *c, uint8_t enc, uint64_t datarel_base)
{
	uint64_t here = (uint64_t)(uintptr_t)c->p, v;
	if (enc == PE_OMIT)
		return 0;
	switch (enc & 0x0f) {
	case PE_ABSPTR: v = rd_u64(c); break;
	case PE_ULEB128: v = rd_uleb(c); break;
	case PE_UDATA2: v = rd_u16(c); break;
	case PE_UDATA4: v = rd_u32(c); break;
	case PE_UDATA8: v = rd_u64(c); break;
	case PE_SLEB128: v = (uint64_t)rd_sleb(c); break;
	case PE_SDATA2: v = (uint64_t)(int64_t)(int16_t)rd_u16(c); break;
	case PE_SDATA4: v = (uint64_t)(int64_t)(int32_t)rd_u32(c); break;
	case PE_SDATA8: v = rd_u64(c); break;
	default: c->bad = true; return 0;
	}
	switch (enc & 0x70) {
	case 0: break;
	case PE_PCREL: v += here; break;
	case PE_DATAREL: v += datarel_base; break;
	default: c->bad = true; return 0;
	}
	if (enc & PE_INDIRECT)
		v = *(const volatile uint64_t *)(uintptr_t)v;
	return v;
}

/* ---- finding the FDE ---------------------------------------------------- */

/* The length field of a CIE or FDE at p: the record is [*body, *end). */
static bool record_bounds(const uint8_t *p, const uint8_t **body, const uint8_t **end)
{
	struct cursor c = { p, p + 12, false };
	uint64_t len = rd_u32(&c);
	if (len == 0xffffffffu)
		len = rd_u64(&c);
	if (c.bad || len == 0 || len > (1u << 24))
		return false;
	*body = c.p;
	*end = c.p + len;
	return true;
}

static bool parse_cie(const uint8_t *p, struct cie *cie)
{
	const uint8_t *body, *end;
	if (!record_bounds(p, &body, &end))
		return false;
	struct cursor c = { body, end, false };
	if (rd_u32(&c) != 0)            /* CIE id: 0 in .eh_frame */
		return false;
	uint8_t version = rd_u8(&c);
	if (c.bad || (version != 1 && version != 3))
		return false;
	const char *aug = (const char *)c.p;
	size_t aug_len = strnlen(aug, (size_t)(end - c.p));
	c.p += aug_len + 1;
	memset(cie, 0, sizeof *cie);
	cie->code_align = rd_uleb(&c);
	cie->data_align = rd_sleb(&c);
	cie->ra_reg = version == 1 ? rd_u8(&c) : rd_uleb(&c);
	cie->fde_enc = PE_ABSPTR;
	const uint8_t *aug_end = NULL;
	if (aug_len > 0 && aug[0] == 'z') {
		cie->has_z = true;
		uint64_t n = rd_uleb(&c);
		if (c.bad || n > (uint64_t)(end - c.p))
			return false;
		aug_end = c.p + n;
	}
	for (size_t i = cie->has_z; i < aug_len && !c.bad; i++) {
		if (aug[i] == 'R') {
			cie->fde_enc = rd_u8(&c);
		} else if (aug[i] == 'L') {
			rd_u8(&c);
		} else if (aug[i] == 'P') {
			uint8_t enc = rd_u8(&c);
			/* the personality pointer is not needed: skip its bytes */
			rd_encoded(&c, (uint8_t)(enc & 0x0f), 0);
		} else if (aug[i] == 'S') {
			cie->signal_frame = true;
		} else if (!cie->has_z) {
			return false;   /* unknown data, and no length to skip it */
		} else {
			break;          /* the rest is skipped by its length */
		}
	}
	if (cie->has_z)
		c.p = aug_end;
	if (c.bad || c.p > end)
		return false;
	cie->insns = c.p;
	cie->end = end;
	return true;
}

/* The FDE covering pc in the image whose PT_GNU_EH_FRAME segment is hdr:
 * binary search of the sorted table the linker put there.  Images whose
 * table is missing or in another encoding are not walked (the caller falls
 * back to the frame pointer). */
static bool find_fde(const uint8_t *hdr, uint64_t pc, struct fde *f)
{
	struct cursor c = { hdr, hdr + 16, false };
	uint8_t version = rd_u8(&c), ptr_enc = rd_u8(&c), count_enc = rd_u8(&c);
	uint8_t table_enc = rd_u8(&c);
	if (c.bad || version != 1 || table_enc != (PE_DATAREL | PE_SDATA4))
		return false;
	c.end = hdr + 32;
	rd_encoded(&c, ptr_enc, (uint64_t)(uintptr_t)hdr);
	uint64_t count = rd_encoded(&c, count_enc, (uint64_t)(uintptr_t)hdr);
	if (c.bad || count == 0 || count > (1u << 24))
		return false;
	const int32_t *table = (const int32_t *)c.p;    /* pairs: start, fde */
	uint64_t base = (uint64_t)(uintptr_t)hdr;
	uint64_t lo = 0, hi = count;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (base + (uint64_t)(int64_t)table[2 * mid] <= pc)
			lo = mid;
		else
			hi = mid;
	}
	if (base + (uint64_t)(int64_t)table[2 * lo] > pc)
		return false;
	const uint8_t *fp = (const uint8_t *)(uintptr_t)(base + (uint64_t)(int64_t)table[2 * lo + 1]);
	const uint8_t *body, *end;
	if (!record_bounds(fp, &body, &end))
		return false;
	struct cursor fc = { body, end, false };
	uint32_t cie_off = rd_u32(&fc);
	if (fc.bad || cie_off == 0 || !parse_cie(body - cie_off, &f->cie))
		return false;
	f->pc_begin = rd_encoded(&fc, f->cie.fde_enc, 0);
	f->pc_end = f->pc_begin + rd_encoded(&fc, (uint8_t)(f->cie.fde_enc & 0x0f), 0);
	if (f->cie.has_z) {
		uint64_t n = rd_uleb(&fc);
		if (fc.bad || n > (uint64_t)(end - fc.p))
			return false;
		fc.p += n;
	}
	if (fc.bad || pc < f->pc_begin || pc >= f->pc_end)
		return false;
	f->insns = fc.p;
	f->end = end;
	return true;
}

/* ---- running the call-frame instructions -------------------------------- */

struct run {
	struct row row, init;           /* current row; the CIE's, for DW_CFA_restore */
	struct row stack[MAX_STATE_STACK];
	int depth;
	uint64_t loc;
};

static void set_rule(struct row *r, uint64_t reg, uint8_t kind, int64_t val)
{
	if (reg < UW_NREG) {
		r->reg[reg].kind = kind;
		r->reg[reg].val = val;
	}
}

static void set_expr(struct row *r, uint64_t reg, uint8_t kind, struct cursor *c)
{
	uint64_t n = rd_uleb(c);
	if (!need(c, n) || n > UINT32_MAX)
		return;
	if (reg < UW_NREG) {
		r->reg[reg].kind = kind;
		r->reg[reg].val = (int64_t)(uintptr_t)c->p;
		r->reg[reg].expr_len = (uint32_t)n;
	}
	c->p += n;
}

/* One extended (low-6-bits) instruction.  Returns false on an unknown one. */
static bool run_extended(struct run *st, uint8_t op, struct cursor *c, const struct cie *cie,
			 uint64_t pc)
{
	struct row *r = &st->row;
	uint64_t reg, delta = 0;
	switch (op) {
	case 0x00: return true;                                         /* nop */
	case 0x01: st->loc = rd_encoded(c, cie->fde_enc, 0); return true;  /* set_loc */
	case 0x02: delta = rd_u8(c); break;                             /* advance_loc1 */
	case 0x03: delta = rd_u16(c); break;                            /* advance_loc2 */
	case 0x04: delta = rd_u32(c); break;                            /* advance_loc4 */
	case 0x05: reg = rd_uleb(c); set_rule(r, reg, R_OFFSET, (int64_t)rd_uleb(c) * cie->data_align); return true;
	case 0x06: reg = rd_uleb(c); if (reg < UW_NREG) r->reg[reg] = st->init.reg[reg]; return true;
	case 0x07: set_rule(r, rd_uleb(c), R_UNDEF, 0); return true;
	case 0x08: set_rule(r, rd_uleb(c), R_SAME, 0); return true;
	case 0x09: reg = rd_uleb(c); set_rule(r, reg, R_REGISTER, (int64_t)rd_uleb(c)); return true;
	case 0x0a:                                                      /* remember_state */
		if (st->depth >= MAX_STATE_STACK)
			return false;
		st->stack[st->depth++] = *r;
		return true;
	case 0x0b:                                                      /* restore_state */
		if (st->depth == 0)
			return false;
		*r = st->stack[--st->depth];
		return true;
	case 0x0c: r->cfa_reg = (int)rd_uleb(c); r->cfa_off = (int64_t)rd_uleb(c); return true;
	case 0x0d: r->cfa_reg = (int)rd_uleb(c); return true;
	case 0x0e: r->cfa_off = (int64_t)rd_uleb(c); return true;
	case 0x0f:                                                      /* def_cfa_expression */
		r->cfa_expr_len = rd_uleb(c);
		if (!need(c, r->cfa_expr_len))
			return false;
		r->cfa_reg = -1;
		r->cfa_expr = c->p;
		c->p += r->cfa_expr_len;
		return true;
	case 0x10: reg = rd_uleb(c); set_expr(r, reg, R_EXPR, c); return true;
	case 0x11: reg = rd_uleb(c); set_rule(r, reg, R_OFFSET, rd_sleb(c) * cie->data_align); return true;
	case 0x12: r->cfa_reg = (int)rd_uleb(c); r->cfa_off = rd_sleb(c) * cie->data_align; return true;
	case 0x13: r->cfa_off = rd_sleb(c) * cie->data_align; return true;
	case 0x14: reg = rd_uleb(c); set_rule(r, reg, R_VAL_OFFSET, (int64_t)rd_uleb(c) * cie->data_align); return true;
	case 0x15: reg = rd_uleb(c); set_rule(r, reg, R_VAL_OFFSET, rd_sleb(c) * cie->data_align); return true;
	case 0x16: reg = rd_uleb(c); set_expr(r, reg, R_VAL_EXPR, c); return true;
	case 0x2e: rd_uleb(c); return true;                             /* GNU_args_size */
	case 0x2f: reg = rd_uleb(c); set_rule(r, reg, R_OFFSET, -(int64_t)rd_uleb(c) * cie->data_align); return true;
	default: return false;
	}
	/* an advance: stop before the row that starts past pc */
	st->loc += delta * cie->code_align;
	(void)pc;
	return true;
}

/* Runs [p, end) until the row that covers pc.  Returns false on bad CFI. */
static bool run_insns(struct run *st, const uint8_t *p, const uint8_t *end, const struct cie *cie,
		      uint64_t pc)
{
	struct cursor c = { p, end, false };
	for (int n = 0; c.p < c.end && !c.bad; n++) {
		if (n >= MAX_CFA_INSNS)
			return false;
		uint8_t op = *c.p++;
		uint8_t low = op & 0x3f;
		switch (op >> 6) {
		case 1:                                                 /* advance_loc */
			if (st->loc + low * cie->code_align > pc)
				return true;
			st->loc += low * cie->code_align;
			continue;
		case 2:                                                 /* offset */
			set_rule(&st->row, low, R_OFFSET, (int64_t)rd_uleb(&c) * cie->data_align);
			continue;
		case 3:                                                 /* restore */
			if (low < UW_NREG)
				st->row.reg[low] = st->init.reg[low];
			continue;
		}
		uint64_t before = st->loc;
		const uint8_t *at = c.p - 1;
		if (!run_extended(st, op, &c, cie, pc))
			return false;
		if (st->loc > pc && st->loc != before) {
			/* advanced past pc (or a set_loc beyond it): the row that
			 * covers pc is the one before this instruction */
			st->loc = before;
			(void)at;
			return true;
		}
	}
	return !c.bad;
}

/* ---- DWARF expressions (the stack machine, bounded) --------------------- */

static bool eval_expr(const uint8_t *p, uint64_t len, const struct uw_regs *regs, uint64_t push,
		      bool has_push, uint64_t *out)
{
	uint64_t st[16];
	int sp = 0;
	if (has_push)
		st[sp++] = push;
	struct cursor c = { p, p + len, false };
	for (int n = 0; c.p < c.end && !c.bad; n++) {
		if (n >= MAX_EXPR_OPS)
			return false;
		uint8_t op = *c.p++;
		uint64_t a, b;
		if (op >= 0x30 && op <= 0x4f) {                 /* lit0..31 */
			if (sp >= 16) return false;
			st[sp++] = op - 0x30u;
			continue;
		}
		if (op >= 0x70 && op <= 0x8f) {                 /* breg0..31 */
			unsigned reg = op - 0x70u;
			int64_t off = rd_sleb(&c);
			if (reg >= UW_NREG || !(regs->known & (1u << reg)) || sp >= 16)
				return false;
			st[sp++] = regs->r[reg] + (uint64_t)off;
			continue;
		}
		switch (op) {
		case 0x06:                                      /* deref */
			if (sp < 1) return false;
			st[sp - 1] = *(const volatile uint64_t *)(uintptr_t)st[sp - 1];
			continue;
		case 0x08: a = rd_u8(&c); goto push;
		case 0x09: a = (uint64_t)(int64_t)(int8_t)rd_u8(&c); goto push;
		case 0x0a: a = rd_u16(&c); goto push;
		case 0x0b: a = (uint64_t)(int64_t)(int16_t)rd_u16(&c); goto push;
		case 0x0c: a = rd_u32(&c); goto push;
		case 0x0d: a = (uint64_t)(int64_t)(int32_t)rd_u32(&c); goto push;
		case 0x0e: case 0x0f: a = rd_u64(&c); goto push;
		case 0x10: a = rd_uleb(&c); goto push;
		case 0x11: a = (uint64_t)rd_sleb(&c); goto push;
		case 0x12: if (sp < 1) return false; a = st[sp - 1]; goto push;        /* dup */
		case 0x13: if (sp < 1) return false; sp--; continue;                   /* drop */
		case 0x16: if (sp < 2) return false; a = st[sp - 1]; st[sp - 1] = st[sp - 2]; st[sp - 2] = a; continue;
		case 0x23: if (sp < 1) return false; st[sp - 1] += rd_uleb(&c); continue; /* plus_uconst */
		case 0x1a: case 0x1c: case 0x1e: case 0x21: case 0x22: case 0x24: case 0x25:
		case 0x26: case 0x27: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
			if (sp < 2) return false;
			b = st[--sp];
			a = st[sp - 1];
			switch (op) {
			case 0x1a: a &= b; break;
			case 0x1c: a -= b; break;
			case 0x1e: a *= b; break;
			case 0x21: a |= b; break;
			case 0x22: a += b; break;
			case 0x24: a = b < 64 ? a << b : 0; break;
			case 0x25: a = b < 64 ? a >> b : 0; break;
			case 0x26: a = (uint64_t)((int64_t)a >> (b < 63 ? b : 63)); break;
			case 0x27: a ^= b; break;
			case 0x29: a = a == b; break;
			case 0x2a: a = (int64_t)a >= (int64_t)b; break;
			case 0x2b: a = (int64_t)a > (int64_t)b; break;
			case 0x2c: a = (int64_t)a <= (int64_t)b; break;
			case 0x2d: a = (int64_t)a < (int64_t)b; break;
			case 0x2e: a = a != b; break;
			}
			st[sp - 1] = a;
			continue;
		case 0x96: continue;                            /* nop */
		default: return false;
		}
push:
		if (sp >= 16) return false;
		st[sp++] = a;
	}
	if (c.bad || sp < 1)
		return false;
	*out = st[sp - 1];
	return true;
}

/* ---- one step ----------------------------------------------------------- */

static bool reg_value(const struct uw_regs *regs, int64_t reg, uint64_t *v)
{
	if (reg < 0 || reg >= UW_NREG || !(regs->known & (1u << reg)))
		return false;
	*v = regs->r[reg];
	return true;
}

/* Applies the row's rules to regs (the callee's registers) to get the
 * caller's.  Returns false when the CFA cannot be computed. */
static bool apply_row(const struct row *row, const struct cie *cie, struct uw_regs *regs,
		      bool *ra_undefined)
{
	uint64_t cfa;
	if (row->cfa_reg >= 0) {
		if (!reg_value(regs, row->cfa_reg, &cfa))
			return false;
		cfa += (uint64_t)row->cfa_off;
	} else if (!eval_expr(row->cfa_expr, row->cfa_expr_len, regs, 0, false, &cfa)) {
		return false;
	}
	/* registers without a rule keep their value in the caller only if the
	 * ABI has the callee preserve them (rbx, rbp, r12-r15), or the frame
	 * left is a signal frame, whose rules restore everything */
	struct uw_regs out = *regs;
	if (!cie->signal_frame)
		out.known &= (1u << 3) | (1u << UW_RBP) | (0xfu << 12);
	for (int i = 0; i < UW_NREG; i++) {
		const struct rule *ru = &row->reg[i];
		uint64_t v;
		switch (ru->kind) {
		case R_SAME: continue;
		case R_UNDEF: out.known &= ~(1u << i); continue;
		case R_OFFSET: v = *(const volatile uint64_t *)(uintptr_t)(cfa + (uint64_t)ru->val); break;
		case R_VAL_OFFSET: v = cfa + (uint64_t)ru->val; break;
		case R_REGISTER:
			if (!reg_value(regs, ru->val, &v)) {
				out.known &= ~(1u << i);
				continue;
			}
			break;
		case R_EXPR:
		case R_VAL_EXPR:
			if (!eval_expr((const uint8_t *)(uintptr_t)ru->val, ru->expr_len, regs, cfa,
				       true, &v)) {
				out.known &= ~(1u << i);
				continue;
			}
			if (ru->kind == R_EXPR)
				v = *(const volatile uint64_t *)(uintptr_t)v;
			break;
		default: continue;
		}
		out.r[i] = v;
		out.known |= 1u << i;
	}
	*ra_undefined = cie->ra_reg >= UW_NREG || row->reg[cie->ra_reg].kind == R_UNDEF;
	if (!*ra_undefined && cie->ra_reg != UW_RA) {
		/* the return address lives in another column: it is the pc */
		out.r[UW_RA] = out.r[cie->ra_reg];
		if (out.known & (1u << cie->ra_reg))
			out.known |= 1u << UW_RA;
	}
	out.r[UW_RSP] = cfa;
	out.known |= 1u << UW_RSP;
	*regs = out;
	return true;
}

/* The caller's frame by the frame-pointer chain: for code with no unwind
 * information (JIT compilers keep rbp chains) or a table we cannot read. */
static bool step_frame_pointer(struct uw_regs *regs)
{
	uint64_t fp = regs->r[UW_RBP], sp = regs->r[UW_RSP];
	uint32_t need_regs = (1u << UW_RBP) | (1u << UW_RSP);
	if ((regs->known & need_regs) != need_regs || fp < sp || (fp & 7) || fp - sp > (64u << 20))
		return false;
	const volatile uint64_t *frame = (const volatile uint64_t *)(uintptr_t)fp;
	regs->r[UW_RBP] = frame[0];
	regs->r[UW_RA] = frame[1];
	regs->r[UW_RSP] = fp + 16;
	regs->known = need_regs | (1u << UW_RA);
	return true;
}

/* ---- the row cache -----------------------------------------------------
 * Running a function's CFI up to a pc costs a table search and a short
 * interpretation per frame; a cache of the common shape of row -- CFA = rsp
 * or rbp + offset, return address and rbp (if saved) at offsets from the
 * CFA -- makes deep stacks cheap.  Direct-mapped, shared by all threads,
 * without a lock: each slot is two words, the row and key ^ row, so a slot
 * torn by two handlers writing at once reads as a miss.  The key mixes the
 * pc with the loader's object for it (_dl_find_object's link map), so an
 * image unloaded and another loaded at the same address do not share rows.
 * Other callee-saved registers are not restored from a cached row: later
 * frames that would need them (never the case for GCC's or Clang's CFA
 * rules) stop the walk there. */
struct cache_slot {
	_Atomic uint64_t check;         /* key ^ row */
	_Atomic uint64_t row;
};
static struct cache_slot row_cache[CACHE_SLOTS];

enum { C_VALID = 1, C_CFA_RBP = 2, C_RBP_SAVED = 4, C_OUTERMOST = 8 };

static uint64_t cache_key(uint64_t lookup, const void *map)
{
	return lookup ^ ((uint64_t)(uintptr_t)map * 0x9e3779b97f4a7c15ull);
}

static struct cache_slot *cache_slot_for(uint64_t key)
{
	uint64_t h = key * 0xff51afd7ed558ccdull;
	return &row_cache[(h >> 40) % CACHE_SLOTS];
}

/* Packs a row of the common shape; 0 when it has another shape. */
static uint64_t pack_row(const struct row *r, const struct cie *cie)
{
	if (cie->signal_frame || cie->ra_reg != UW_RA || (r->cfa_reg != UW_RSP && r->cfa_reg != UW_RBP))
		return 0;
	const struct rule *ra = &r->reg[UW_RA], *bp = &r->reg[UW_RBP];
	if (ra->kind != R_OFFSET || ra->val < -2048 || ra->val > 2047)
		return 0;
	if (bp->kind != R_SAME && (bp->kind != R_OFFSET || bp->val < -2048 || bp->val > 2047))
		return 0;
	if (r->cfa_off < INT32_MIN || r->cfa_off > INT32_MAX)
		return 0;
	uint64_t v = C_VALID;
	v |= r->cfa_reg == UW_RBP ? C_CFA_RBP : 0;
	v |= bp->kind == R_OFFSET ? C_RBP_SAVED : 0;
	v |= ((uint64_t)ra->val & 0xfff) << 8;
	v |= (bp->kind == R_OFFSET ? ((uint64_t)bp->val & 0xfff) : 0) << 20;
	v |= (uint64_t)(uint32_t)(int32_t)r->cfa_off << 32;
	return v;
}

static int64_t sext12(uint64_t v)
{
	return (int64_t)(v << 52) >> 52;
}

/* Applies a packed row; false when a register it needs is unknown. */
static bool apply_packed(uint64_t v, struct uw_regs *regs)
{
	int base = (v & C_CFA_RBP) ? UW_RBP : UW_RSP;
	if (!(regs->known & (1u << base)))
		return false;
	uint64_t cfa = regs->r[base] + (uint64_t)(int64_t)(int32_t)(v >> 32);
	uint64_t ra = *(const volatile uint64_t *)(uintptr_t)(cfa + (uint64_t)sext12(v >> 8));
	if (v & C_RBP_SAVED)
		regs->r[UW_RBP] = *(const volatile uint64_t *)(uintptr_t)(cfa + (uint64_t)sext12(v >> 20));
	regs->known &= (1u << UW_RBP);
	regs->known |= (1u << UW_RSP) | (1u << UW_RA);
	regs->r[UW_RSP] = cfa;
	regs->r[UW_RA] = ra;
	return true;
}

/* Runs the FDE's instructions up to lookup and applies the row. */
static enum uw_end step_cfi(const struct fde *f, uint64_t lookup, struct uw_regs *regs,
			    uint64_t *packed)
{
	struct run st;
	memset(&st.row, 0, sizeof st.row);
	st.row.cfa_reg = UW_RSP;
	st.depth = 0;
	st.loc = f->pc_begin;
	if (!run_insns(&st, f->cie.insns, f->cie.end, &f->cie, ~(uint64_t)0))
		return UW_END_STUCK;
	st.init = st.row;
	st.loc = f->pc_begin;
	if (!run_insns(&st, f->insns, f->end, &f->cie, lookup))
		return UW_END_STUCK;
	bool ra_undefined;
	if (!apply_row(&st.row, &f->cie, regs, &ra_undefined))
		return UW_END_STUCK;
	if (ra_undefined) {
		/* _start, clone3: remembered too, every stack ends in one */
		*packed = C_VALID | C_OUTERMOST;
		return UW_END_OUTERMOST;
	}
	*packed = pack_row(&st.row, &f->cie);
	return UW_END_DEPTH;
}

/* One frame up.  *signal_frame: the frame just left was a signal frame, so
 * the new pc is an interrupted instruction, not a return address. */
static enum uw_end step(struct uw_regs *regs, bool exact_pc, bool *signal_frame)
{
	uint64_t pc = regs->r[UW_RA];
	uint64_t lookup = exact_pc ? pc : pc - 1;
	uint64_t old_sp = regs->r[UW_RSP];
	struct dl_find_object fo;
	*signal_frame = false;
	if (_dl_find_object((void *)(uintptr_t)lookup, &fo) == 0 && fo.dlfo_eh_frame) {
		uint64_t key = cache_key(lookup, fo.dlfo_link_map);
		struct cache_slot *cs = cache_slot_for(key);
		uint64_t row = atomic_load_explicit(&cs->row, memory_order_relaxed);
		uint64_t check = atomic_load_explicit(&cs->check, memory_order_relaxed);
		struct fde f;
		if ((row & C_VALID) && (check ^ row) == key) {
			if (row & C_OUTERMOST)
				return UW_END_OUTERMOST;
			if (!apply_packed(row, regs))
				return UW_END_STUCK;
		} else if (find_fde(fo.dlfo_eh_frame, lookup, &f)) {
			uint64_t packed = 0;
			enum uw_end e = step_cfi(&f, lookup, regs, &packed);
			if (packed) {
				atomic_store_explicit(&cs->row, packed, memory_order_relaxed);
				atomic_store_explicit(&cs->check, key ^ packed, memory_order_relaxed);
			}
			if (e != UW_END_DEPTH)
				return e;
			*signal_frame = f.cie.signal_frame;
		} else if (!step_frame_pointer(regs)) {
			return UW_END_STUCK;
		}
	} else if (!step_frame_pointer(regs)) {
		return UW_END_STUCK;
	}
	/* stacks grow down: a caller's frame is above its callee's, except
	 * across a signal frame (sigaltstack) */
	if (!*signal_frame && regs->r[UW_RSP] <= old_sp)
		return UW_END_STUCK;
	if (!(regs->known & (1u << UW_RA)))
		return UW_END_STUCK;
	return regs->r[UW_RA] == 0 ? UW_END_OUTERMOST : UW_END_DEPTH;
}

int uw_walk(struct uw_regs *regs, uint64_t *pcs, int max, enum uw_end *end)
{
	int n = 0;
	bool exact = true;
	*end = UW_END_DEPTH;
	if (!(regs->known & (1u << UW_RA)) || regs->r[UW_RA] == 0) {
		*end = UW_END_STUCK;
		return 0;
	}
	while (n < max) {
		pcs[n++] = regs->r[UW_RA];
		bool sig;
		enum uw_end e = step(regs, exact, &sig);
		if (e != UW_END_DEPTH) {
			*end = e;
			return n;
		}
		exact = sig;
	}
	return n;
}

void uw_regs_from_ucontext(struct uw_regs *regs, const ucontext_t *uc)
{
	static const int greg[UW_NREG] = {
		REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP,
		REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP,
	};
	for (int i = 0; i < UW_NREG; i++)
		regs->r[i] = (uint64_t)uc->uc_mcontext.gregs[greg[i]];
	regs->known = (1u << UW_NREG) - 1;
}

/* uw_here: the caller's registers as they will be once the call returns
 * (pc = the return address, rsp above it); the callee-saved ones are the
 * caller's own, since uw_here saves nothing.  In assembly so that the
 * compiler cannot move a register before it is read. */
_Static_assert(offsetof(struct uw_regs, known) == 136, "uw_here's offsets");
__asm__(".text\n"
	".globl uw_here\n"
	".hidden uw_here\n"
	".type uw_here,@function\n"
	"uw_here:\n"
	".cfi_startproc\n"
	"\tmovq (%rsp), %rax\n"
	"\tmovq %rax, 128(%rdi)\n"      /* r[16] = return address */
	"\tleaq 8(%rsp), %rax\n"
	"\tmovq %rax, 56(%rdi)\n"       /* r[7] = rsp after the return */
	"\tmovq %rbp, 48(%rdi)\n"
	"\tmovq %rbx, 24(%rdi)\n"
	"\tmovq %r12, 96(%rdi)\n"
	"\tmovq %r13, 104(%rdi)\n"
	"\tmovq %r14, 112(%rdi)\n"
	"\tmovq %r15, 120(%rdi)\n"
	"\tmovl $0x1f0c8, 136(%rdi)\n"  /* rbx, rbp, rsp, r12-r15, rip */
	"\tret\n"
	".cfi_endproc\n"
	".size uw_here, .-uw_here\n");
