/* symnames.c -- function names for the symbolizer: demangling, the short
 * style (symnames.h) and C++ names DWARF holds only in pieces.
 *
 * Demangling: elfutils has no demangler.  We call __cxa_demangle from
 * libstdc++, which every system with a C++ compiler has, rather than
 * libiberty's cplus_demangle (libiberty-dev is not installed by default and
 * is a static archive).  The cost is linking -lstdc++; Rust legacy symbols
 * then read as "path::to::fn::h<hash>", which is still usable.
 *
 * Lambdas: GCC gives an inlined lambda's operator() no linkage name, only
 * "operator()" inside an anonymous closure type, so three lambdas of one
 * function would read alike.  We rebuild the name the demangler gives the
 * out-of-line copy (and perf shows): "main::{lambda(int)#2}::operator()",
 * numbered as the Itanium ABI numbers closures, by order of appearance
 * among the enclosing function's lambdas with the same parameter types. */
#include "config.h"
#include "convert/symnames.h"

#include <dwarf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

static bool is_open(char c) { return c == '(' || c == '<' || c == '[' || c == '{'; }
static bool is_close(char c) { return c == ')' || c == '>' || c == ']' || c == '}'; }

/* Length of name without the qualifiers after a parameter list
 * (" const", " volatile", " noexcept", "&", "&&"). */
static size_t without_qualifiers(const char *name, size_t len)
{
	static const char *const q[] = { " const", " volatile", " noexcept", " &&", " &", "&&", "&" };
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
			size_t n = strlen(q[i]);
			if (len > n && !memcmp(name + len - n, q[i], n)) {
				len -= n;
				again = true;
				break;
			}
		}
	}
	return len;
}

/* Drops the trailing parameter list and the qualifiers after it
 * ("(int) const"); a name that does not end in one stays as it is. */
static void strip_params(char *name)
{
	size_t len = without_qualifiers(name, strlen(name));
	if (!len || name[len - 1] != ')')
		return;
	int depth = 0;
	for (size_t i = len; i-- > 0;) {
		char c = name[i];
		if (is_close(c)) {
			depth++;
		} else if (is_open(c)) {
			if (--depth < 0)
				return;         /* operator< and the like: leave as is */
			if (depth == 0 && c == '(') {
				if (i > 0)
					name[i] = 0;
				return;
			}
		}
	}
}

/* Drops a return type ("void ns::f<int>" -> "ns::f<int>"): the text up to
 * the last space outside brackets and before any "operator" token (whose
 * own spaces, as in "operator new", belong to the name). */
static void strip_return_type(char *name)
{
	int depth = 0;
	size_t cut = 0;
	for (size_t i = 0; name[i]; i++) {
		char c = name[i];
		if (is_open(c))
			depth++;
		else if (is_close(c) && depth > 0)
			depth--;
		else if (depth == 0 && !strncmp(name + i, "operator", 8) &&
		         (i == 0 || name[i - 1] == ':' || name[i - 1] == ' '))
			break;
		else if (depth == 0 && c == ' ')
			cut = i + 1;
	}
	if (cut)
		memmove(name, name + cut, strlen(name + cut) + 1);
}

void symname_shorten(char *name)
{
	char *clone = strstr(name, " [clone ");
	if (clone)
		*clone = 0;
	if (!strpbrk(name, "(<: ")) {
		/* a C symbol: ".lto_priv.0", ".cold", ".isra.0", ".part.1" */
		char *dot = strchr(name, '.');
		if (dot && dot > name)
			*dot = 0;
		return;
	}
	strip_params(name);
	strip_return_type(name);
}

static char *demangle(const char *name)
{
	if (name[0] == '_' && name[1] == 'Z') {
		int status = -1;
		char *d = __cxa_demangle(name, NULL, NULL, &status);
		if (d && status == 0)
			return d;
		free(d);
	}
	return strdup(name);
}

char *symname_from_symbol(const char *name)
{
	const char *at = strchr(name, '@');
	char *plain = at && at != name ? strndup(name, (size_t)(at - name)) : strdup(name);
	if (!plain)
		return NULL;
	char *d = demangle(plain);
	free(plain);
	if (d)
		symname_shorten(d);
	return d;
}

/* ---- names from DWARF ------------------------------------------------------ */

/* A growing string; on allocation failure it turns NULL and stays so. */
struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *t)
{
	if (!b->s && b->cap)
		return;
	size_t n = strlen(t);
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			free(b->s);
			b->s = NULL;
			b->cap = 1;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, t, n + 1);
	b->len += n;
}

static bool die_ref(Dwarf_Die *die, int attr, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_attr(die, attr, &a) && dwarf_formref_die(&a, out);
}

/* A type as the demangler prints it: "int", "double const&", "char*". */
static void type_name(struct sbuf *b, Dwarf_Die *t, int depth)
{
	Dwarf_Die inner;
	bool has_inner = die_ref(t, DW_AT_type, &inner);
	const char *suffix = NULL;
	switch (dwarf_tag(t)) {
	case DW_TAG_pointer_type: suffix = "*"; break;
	case DW_TAG_reference_type: suffix = "&"; break;
	case DW_TAG_rvalue_reference_type: suffix = "&&"; break;
	case DW_TAG_const_type: suffix = " const"; break;
	case DW_TAG_volatile_type: suffix = " volatile"; break;
	default: {
		const char *n = dwarf_diename(t);
		sb_add(b, n ? n : "?");
		return;
	}
	}
	if (depth > 16)
		sb_add(b, "?");
	else if (has_inner)
		type_name(b, &inner, depth + 1);
	else
		sb_add(b, "void");
	sb_add(b, suffix);
}

/* "(int, double const&)": a closure's operator() parameters. */
static void lambda_sig(struct sbuf *b, Dwarf_Die *op)
{
	Dwarf_Die c, t;
	bool first = true;
	sb_add(b, "(");
	if (dwarf_child(op, &c) == 0) {
		do {
			if (dwarf_tag(&c) != DW_TAG_formal_parameter || dwarf_hasattr(&c, DW_AT_artificial))
				continue;
			if (!first)
				sb_add(b, ", ");
			first = false;
			if (die_ref(&c, DW_AT_type, &t))
				type_name(b, &t, 0);
			else
				sb_add(b, "...");
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	sb_add(b, ")");
}

/* The operator() of a closure type (an anonymous class holding one). */
static bool closure_op(Dwarf_Die *type, Dwarf_Die *op)
{
	int tag = dwarf_tag(type);
	if ((tag != DW_TAG_structure_type && tag != DW_TAG_class_type) || dwarf_diename(type))
		return false;
	if (dwarf_child(type, op) != 0)
		return false;
	do {
		const char *n = dwarf_diename(op);
		if (dwarf_tag(op) == DW_TAG_subprogram && n && !strcmp(n, "operator()"))
			return true;
	} while (dwarf_siblingof(op, op) == 0);
	return false;
}

struct lambda_count {
	Dwarf_Off target;
	const char *sig;
	int before;                     /* same-signature closures before target */
	bool found;
};

/* Counts closures with signature sig in DIE order under die, up to target. */
static void count_closures(Dwarf_Die *die, struct lambda_count *lc, int depth)
{
	Dwarf_Die c, op;
	if (depth > 32 || dwarf_child(die, &c) != 0)
		return;
	do {
		if (lc->found)
			return;
		if (closure_op(&c, &op)) {
			if (dwarf_dieoffset(&c) == lc->target) {
				lc->found = true;
				return;
			}
			struct sbuf s = { 0 };
			lambda_sig(&s, &op);
			if (s.s && !strcmp(s.s, lc->sig))
				lc->before++;
			free(s.s);
		}
		int tag = dwarf_tag(&c);
		if (tag == DW_TAG_lexical_block || tag == DW_TAG_structure_type ||
		    tag == DW_TAG_class_type || tag == DW_TAG_subprogram)
			count_closures(&c, lc, depth + 1);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* "{lambda(int)#2}" for the closure type of scopes[i]; fn: the function
 * it is defined in (scopes[k], k > i), or NULL. */
static void lambda_part(struct sbuf *b, Dwarf_Die *closure, Dwarf_Die *op, Dwarf_Die *fn)
{
	struct sbuf sig = { 0 };
	lambda_sig(&sig, op);
	if (!sig.s)
		return;
	struct lambda_count lc = { dwarf_dieoffset(closure), sig.s, 0, false };
	if (fn)
		count_closures(fn, &lc, 0);
	char num[24];
	snprintf(num, sizeof num, "#%d}", lc.before + 1);
	sb_add(b, "{lambda");
	sb_add(b, sig.s);
	sb_add(b, num);
	free(sig.s);
}

/* "ns::Class::name", "main::{lambda(int)#1}::operator()": the scopes
 * around the declaration of d, which has no linkage name. */
static char *qualified(Dwarf_Die *d, const char *name, Dwarf_Die *cu)
{
	Dwarf_Die *scopes = NULL, op;
	int n = dwarf_getscopes_die(d, &scopes);
	struct sbuf b = { 0 };
	sb_add(&b, "");
	for (int i = n - 1; i >= 1; i--) {
		int tag = dwarf_tag(&scopes[i]);
		const char *sn = dwarf_diename(&scopes[i]);
		if (tag == DW_TAG_subprogram) {
			/* a function-local entity: the function's own name */
			bool lk;
			char *fn = symname_from_die(&scopes[i], cu, &lk);
			b.len = 0;
			sb_add(&b, fn ? fn : "?");
			sb_add(&b, "::");
			free(fn);
		} else if (tag == DW_TAG_namespace) {
			sb_add(&b, sn ? sn : "(anonymous namespace)");
			sb_add(&b, "::");
		} else if (closure_op(&scopes[i], &op)) {
			Dwarf_Die *fn = NULL;
			for (int k = i + 1; k < n && !fn; k++)
				if (dwarf_tag(&scopes[k]) == DW_TAG_subprogram)
					fn = &scopes[k];
			lambda_part(&b, &scopes[i], &op, fn);
			sb_add(&b, "::");
		} else if (sn && (tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
		                  tag == DW_TAG_union_type)) {
			sb_add(&b, sn);
			sb_add(&b, "::");
		}
	}
	sb_add(&b, name);
	free(scopes);
	return b.s;
}

static bool is_cplusplus(Dwarf_Die *cu)
{
	Dwarf_Word lang;
	Dwarf_Attribute a;
	if (dwarf_formudata(dwarf_attr(cu, DW_AT_language, &a), &lang))
		return false;
	return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
	       lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

/* dwarf_attr_integrate follows abstract_origin and specification, where
 * inlined and member functions keep their names. */
char *symname_from_die(Dwarf_Die *die, Dwarf_Die *cu, bool *has_linkage)
{
	Dwarf_Attribute a;
	*has_linkage = false;
	if (!is_cplusplus(cu)) {
		/* C: the name in the source.  A linkage name here is an asm
		 * label, glibc's internal alias ("__GI___libc_realloc" for
		 * __libc_realloc) that no user calls. */
		const char *name = dwarf_diename(die);
		return name ? strdup(name) : NULL;
	}
	const char *ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
	if (!ln)
		ln = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	*has_linkage = ln != NULL;
	if (ln) {
		char *d = demangle(ln);
		if (d)
			symname_shorten(d);
		return d;
	}
	const char *name = dwarf_diename(die);
	if (!name)
		return NULL;
	/* the declaration: abstract origin, then specification */
	Dwarf_Die org, spec, *d = die;
	if (die_ref(d, DW_AT_abstract_origin, &org))
		d = &org;
	if (die_ref(d, DW_AT_specification, &spec))
		d = &spec;
	return qualified(d, name, cu);
}
