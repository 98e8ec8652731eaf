/* gate.c -- the --fail-on expressions of `sprof diff` and their verdict.
 *
 *   RULE   = METRIC [ "(" GLOB ")" ] ">" [ "+" ] NUMBER UNIT
 *   METRIC = "self" | "total"      a function's self / total share, as in the report
 *          | "cpu"                 the process's CPU time per run (samples / rate)
 *   UNIT   = "pp"                  percentage points of share (self, total)
 *          | "%"                   relative change (of the share, or of the CPU time)
 *          | "ms" | "s"            CPU time (cpu)
 *
 * e.g. "self>+2pp", "total(json_*)>+5pp", "self>+50%", "cpu>+5%", "cpu>+200ms";
 * spaces between the parts are allowed; "none" empties the gate.  A rule only
 * fires on a change that is an increase, passes its threshold and is beyond
 * noise (stats.c): noise alone never fails the gate.  Only increases: a gate
 * is about regressions, and the word for "shrank" would be one more thing to
 * get wrong in a CI file. */
#include "config.h"
#include "diff/diff.h"

#include <ctype.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int parse_metric(const char **pp, enum gate_metric *m)
{
	static const struct { const char *word; enum gate_metric m; } words[] = {
		{ "self", GATE_SELF }, { "total", GATE_TOTAL }, { "cpu", GATE_CPU },
	};
	const char *p = *pp;
	size_t n = 0;
	while (isalpha((unsigned char)p[n]))
		n++;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (n == strlen(words[i].word) && !strncmp(p, words[i].word, n)) {
			*m = words[i].m;
			*pp = p + n;
			return 0;
		}
	return -1;
}

static int parse_unit(const char *p, enum gate_metric m, struct gate_rule *r, char *err, size_t len)
{
	static const struct { const char *word; enum gate_unit u; double scale; } units[] = {
		{ "pp", GATE_PP, 1 }, { "%", GATE_PCT, 1 }, { "ms", GATE_SEC, 1e-3 }, { "s", GATE_SEC, 1 },
	};
	size_t n = 0;
	while (p[n] && p[n] != ' ' && p[n] != '\t')
		n++;
	if (*skip_space(p + n)) {
		snprintf(err, len, "unexpected '%s' after the unit", skip_space(p + n));
		return -1;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (n != strlen(units[i].word) || strncmp(p, units[i].word, n))
			continue;
		if (units[i].u == GATE_PP && m == GATE_CPU) {
			snprintf(err, len, "'pp' is for shares (self, total); cpu takes %%, ms or s");
			return -1;
		}
		if (units[i].u == GATE_SEC && m != GATE_CPU) {
			snprintf(err, len, "'%s' is for cpu; self and total take pp or %%", units[i].word);
			return -1;
		}
		r->unit = units[i].u;
		r->threshold *= units[i].scale;
		return 0;
	}
	snprintf(err, len, "expected a unit (pp, %%, ms or s) after the number");
	return -1;
}

static int parse_rule(const char *expr, struct gate_rule *r, char *err, size_t len)
{
	const char *p = skip_space(expr);
	if (parse_metric(&p, &r->metric)) {
		snprintf(err, len, "expected self, total or cpu at the start");
		return -1;
	}
	p = skip_space(p);
	if (*p == '(') {
		const char *end = strchr(p, ')');
		if (r->metric == GATE_CPU || !end || end == p + 1) {
			snprintf(err, len, r->metric == GATE_CPU ? "cpu takes no function pattern"
			                                         : "expected '(PATTERN)' after the metric");
			return -1;
		}
		if (!(r->glob = strndup(p + 1, (size_t)(end - p - 1)))) {
			snprintf(err, len, "out of memory");
			return -1;
		}
		p = skip_space(end + 1);
	}
	if (*p != '>') {
		snprintf(err, len, "expected '>' after the metric (a gate fires on increases)");
		return -1;
	}
	p = skip_space(p + 1);
	if (*p == '+')
		p++;
	char *end;
	if (!isdigit((unsigned char)*p) && *p != '.') {
		snprintf(err, len, "expected a number >= 0 after '>'");
		return -1;
	}
	r->threshold = strtod(p, &end);
	if (end == p || !isfinite(r->threshold)) {
		snprintf(err, len, "expected a number >= 0 after '>'");
		return -1;
	}
	return parse_unit(skip_space(end), r->metric, r, err, len);
}

int gate_add(struct gate *g, const char *expr, char *err, size_t errlen)
{
	if (!strcmp(skip_space(expr), "none")) {
		gate_free(g);
		return 0;
	}
	struct gate_rule r = {0};
	if (parse_rule(expr, &r, err, errlen)) {
		free(r.glob);
		return -1;
	}
	struct gate_rule *v = realloc(g->rules, (g->n + 1) * sizeof *v);
	if (!v || !(r.text = strdup(expr))) {
		if (v)
			g->rules = v;
		free(r.glob);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->rules = v;
	g->rules[g->n++] = r;
	return 0;
}

double gate_value(const struct gate_rule *rule, const struct diff_metric *m)
{
	switch (rule->unit) {
	case GATE_PP: return 100 * m->delta;
	case GATE_PCT: return isinf(m->rel) ? HUGE_VAL : 100 * m->rel;
	default: return m->delta;
	}
}

static bool fires(const struct gate_rule *rule, const struct diff_metric *m)
{
	return m->significant && m->delta > 0 && gate_value(rule, m) > rule->threshold;
}

bool gate_eval(struct gate *g, struct diff_result *r)
{
	bool any = false;
	for (size_t i = 0; i < g->n; i++) {
		struct gate_rule *rule = &g->rules[i];
		rule->fired = 0;
		if (rule->metric == GATE_CPU) {
			rule->fired = fires(rule, &r->cpu);
			any |= rule->fired > 0;
			continue;
		}
		for (size_t k = 0; k < r->nfns; k++) {
			struct diff_fn *f = &r->fns_v[k];
			if (rule->glob && fnmatch(rule->glob, f->name, 0))
				continue;
			if (fires(rule, rule->metric == GATE_SELF ? &f->self : &f->total)) {
				f->failed = true;
				rule->fired++;
				any = true;
			}
		}
	}
	return any;
}

void gate_free(struct gate *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->rules[i].text);
		free(g->rules[i].glob);
	}
	free(g->rules);
	g->rules = NULL;
	g->n = 0;
}
