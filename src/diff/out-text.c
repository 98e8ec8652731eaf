/* out-text.c -- `sprof diff`'s terminal table and its Markdown twin (for a
 * pull-request comment): CPU time per run on each side, then the functions
 * with the largest changes, then each gate rule's verdict.
 *
 * Colour (terminal only, as in the report format) marks headings, changes
 * beyond noise (red: grew, green: shrank) and failed rules; the text is the
 * same without it.  Names from the profiles are untrusted: they go through
 * text_for_terminal, and in Markdown have the characters that would end a
 * table cell or start markup escaped. */
#include "config.h"
#include "convert/text.h"
#include "diff/diff.h"
#include "sprof.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_OFF "\033[0m"

struct tw {
	FILE *out;
	bool color, md;
};

static const char *col(const struct tw *w, const char *c)
{
	return w->color ? c : "";
}

/* Colour of a change: red grew, green shrank, none when within noise. */
static const char *change_color(const struct tw *w, const struct diff_metric *m)
{
	if (!m->significant)
		return "";
	return col(w, m->delta > 0 ? C_RED : C_GREEN);
}

/* Writes s escaped for the output: terminal-safe, plus Markdown's table and
 * inline markup characters backslashed. */
static bool put_name(const struct tw *w, const char *s)
{
	char *t = text_for_terminal(s);
	if (!t)
		return false;
	for (const char *p = t; *p; p++) {
		if (w->md && strchr("\\`*_[]<>|#~&", *p))
			fputc('\\', w->out);
		fputc(*p, w->out);
	}
	free(t);
	return true;
}

static void put_pp(const struct tw *w, const struct diff_metric *m)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%+.2fpp%s", 100 * m->delta, m->significant && !w->md ? "*" : "");
	if (w->md)      /* bold marks "beyond noise" there */
		fprintf(w->out, m->significant ? " **%s** |" : " %s |", buf);
	else
		fprintf(w->out, " %s%9s%s", change_color(w, m), buf, col(w, C_OFF));
}

static void put_share(const struct tw *w, double v)
{
	fprintf(w->out, w->md ? " %.2f%% |" : " %7.2f%%", 100 * v);
}

static void put_cpu(const struct tw *w, const struct diff_result *r)
{
	const struct diff_metric *c = &r->cpu;
	char change[96];
	if (c->tested)
		snprintf(change, sizeof change, "%+.1f%% (p %.2g)%s", 100 * c->rel, c->p,
		         c->significant ? ", beyond noise" : ", within noise");
	else
		snprintf(change, sizeof change, "%+.1f%% (not tested: needs 2 runs per side)",
		         100 * c->rel);
	if (w->md) {
		fprintf(w->out, "| | base | new | change |\n|---|---:|---:|---|\n"
		        "| CPU time per run | %.3f s | %.3f s | %s |\n"
		        "| samples (runs) | %llu (%zu) | %llu (%zu) | |\n\n",
		        c->v[0], c->v[1], change, (unsigned long long)r->samples[0], r->runs[0],
		        (unsigned long long)r->samples[1], r->runs[1]);
		return;
	}
	fprintf(w->out, "%s%-18s %12s %12s  %s%s\n", col(w, C_BOLD), "", "base", "new", "change",
	        col(w, C_OFF));
	fprintf(w->out, "%-18s %10.3f s %10.3f s  %s%s%s\n", "CPU time per run", c->v[0], c->v[1],
	        change_color(w, c), change, col(w, C_OFF));
	fprintf(w->out, "%-18s %8llu (%zu) %8llu (%zu)\n", "samples (runs)",
	        (unsigned long long)r->samples[0], r->runs[0], (unsigned long long)r->samples[1],
	        r->runs[1]);
}

static bool put_row(const struct tw *w, const struct diff_fn *f)
{
	if (w->md) {
		fputs("| ", w->out);
		if (!put_name(w, f->name))
			return false;
		fputs(" | ", w->out);
		if (!put_name(w, *f->module ? f->module : "?"))
			return false;
		fputs(" |", w->out);
	}
	put_share(w, f->self.v[0]);
	put_share(w, f->self.v[1]);
	put_pp(w, &f->self);
	put_share(w, f->total.v[0]);
	put_share(w, f->total.v[1]);
	put_pp(w, &f->total);
	if (w->md) {
		fputs(f->failed ? " **fail** |\n" : " |\n", w->out);
		return true;
	}
	fprintf(w->out, "  %s%-4s%s  ", col(w, C_RED), f->failed ? "FAIL" : "", col(w, C_OFF));
	bool ok = put_name(w, *f->module ? f->module : "?");
	fputs("  ", w->out);
	ok &= put_name(w, f->name);
	fputc('\n', w->out);
	return ok;
}

static bool put_functions(const struct tw *w, const struct diff_result *r, const struct diff_out *o)
{
	size_t *order = diff_order(r);
	if (!order)
		return false;
	size_t rows = o->top > 0 && (size_t)o->top < r->nfns ? (size_t)o->top : r->nfns;
	while (rows < r->nfns && r->fns_v[order[rows]].failed)
		rows++;                 /* every failing function is shown */
	fprintf(w->out, "%sFunctions, largest changes first (%zu of %zu); %s = beyond noise at "
	        "%g%% confidence, Bonferroni over %zu tests%s\n\n", w->md ? "" : col(w, C_BOLD),
	        rows, r->nfns, w->md ? "bold" : "*", 100 * r->confidence, r->ntests, col(w, C_OFF));
	if (w->md)
		fputs("| function | module | self base | self new | Δ self | total base | total new "
		      "| Δ total | gate |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n", w->out);
	else
		fprintf(w->out, "%s%8s %8s %9s %8s %8s %9s  %-4s  %s%s\n", col(w, C_BOLD), "self",
		        "self", "Δ self", "total", "total", "Δ total", "", "module  function",
		        col(w, C_OFF)),
		fprintf(w->out, "%8s %8s %9s %8s %8s\n", "base", "new", "", "base", "new");
	bool ok = true;
	for (size_t i = 0; i < rows && ok; i++)
		ok = put_row(w, &r->fns_v[order[i]]);
	if (rows < r->nfns && !w->md)
		fprintf(w->out, "  (%zu more; raise --top to see them)\n", r->nfns - rows);
	fputc('\n', w->out);
	free(order);
	return ok;
}

static void put_gate(const struct tw *w, const struct gate *g, const struct diff_result *r,
                     const struct diff_out *o)
{
	const char *on = w->md ? "**" : col(w, C_BOLD), *off = w->md ? "**" : col(w, C_OFF);
	fprintf(w->out, "%sGate%s:%s\n", on, g->is_default ? " (default)" : "", off);
	if (w->md)
		fputc('\n', w->out);
	if (!g->n)
		fprintf(w->out, "%s(no rules: --fail-on none)\n", w->md ? "- " : "  ");
	for (size_t i = 0; i < g->n; i++) {
		const struct gate_rule *rule = &g->rules[i];
		if (w->md)
			fprintf(w->out, "- %s `", rule->fired ? "**fail**" : "pass");
		else
			fprintf(w->out, "  %s%-4s%s  ", rule->fired ? col(w, C_RED) : "",
			        rule->fired ? "FAIL" : "pass", col(w, C_OFF));
		/* as typed (made terminal-safe); in Markdown, code needs no escapes */
		put_name(&(struct tw){w->out, false, false}, rule->text);
		if (w->md)
			fputc('`', w->out);
		if (rule->metric == GATE_CPU && !r->cpu.tested)
			fputs(" (not tested: needs 2 runs per side)", w->out);
		else if (rule->metric == GATE_CPU && rule->fired)
			fprintf(w->out, ": CPU time %+.1f%%", 100 * r->cpu.rel);
		else if (rule->fired)
			fprintf(w->out, ": %zu function%s", rule->fired, rule->fired == 1 ? "" : "s");
		fputc('\n', w->out);
	}
	fprintf(w->out, "\n%sResult: %s%s\n", w->md ? "" : col(w, C_BOLD),
	        o->failed ? "regression (exit status 3)" : "pass", col(w, C_OFF));
}

int diff_write_text(FILE *out, const struct diff_result *r, const struct gate *g,
                    const struct diff_out *o, bool markdown)
{
	struct tw w = { out, o->color && !markdown, markdown };
	if (markdown)
		fprintf(out, "### sprof diff: %s\n\n", o->failed ? "regression found" : "no regression");
	put_cpu(&w, r);
	if (!markdown)
		fputc('\n', out);
	if (!put_functions(&w, r, o)) {
		sprof_error("out of memory while writing the diff");
		return 1;
	}
	put_gate(&w, g, r, o);
	return 0;
}
