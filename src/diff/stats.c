/* stats.c -- is a difference between the sides larger than sampling noise?
 *
 * Shares (a function's self or total samples over the process's samples):
 * a two-proportion z-test per function.  Under "no change" both sides draw
 * from one share, so each side's variance is pooled p(1-p)/N (binomial, N
 * its samples over all its runs).  With two runs or more on a side, the
 * spread of the runs' own shares is measured too (sample variance / runs)
 * and the larger of the two is used: runs of a real program differ by more
 * than sampling (caches, frequency, scheduling), and the binomial model
 * alone would call that a change.  A spread measured on few runs is itself
 * uncertain, so a test using one is a Welch t-test (Student's t with
 * Welch-Satterthwaite degrees of freedom), not a z-test.
 *
 * CPU time per run (samples / requested rate): the same on the log of the
 * ratio of the sides' mean per-run times, each side's variance the larger of
 * Poisson counting (var n = n) and the spread of its runs.  With one run on
 * a side that spread is unknown, and it is what matters: a CPU-bound
 * program's CPU time moves by several percent between runs on a busy
 * machine, far more than counting noise.  So the CPU time is only tested
 * (and a cpu rule can only fire) with two runs or more on each side.
 *
 * Many functions are tested at once, so some would cross any fixed level by
 * chance: each test is made at (1 - confidence) / m, m the number of tests
 * made (Bonferroni).  That bounds the chance of *any* false alarm per diff
 * -- what a CI gate promises -- under any dependence between the tests
 * (shares of one profile are dependent: they share a denominator, and a
 * function's total contains its callees').  Benjamini-Hochberg would bound
 * the expected share of false findings instead, which equals that only
 * when nothing changed and assumes positive dependence; it finds more small
 * real changes, which a gate that must not cry wolf does not need. */
#include "config.h"
#include "diff/diff.h"
#include "sprof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Per side, per union function: sums over runs. */
struct acc {
	double *x;                      /* samples */
	double *q1, *q2;                /* sum of per-run shares, of their squares */
};

static int acc_alloc(struct acc *a, size_t n)
{
	a->x = calloc(n, sizeof *a->x);
	a->q1 = calloc(n, sizeof *a->q1);
	a->q2 = calloc(n, sizeof *a->q2);
	return a->x && a->q1 && a->q2 ? 0 : -1;
}

static void acc_free(struct acc *a)
{
	free(a->x);
	free(a->q1);
	free(a->q2);
}

/* Variance of the mean of k values from their sum and sum of squares. */
static double var_of_mean(double sum, double sumsq, size_t k)
{
	if (k < 2)
		return 0;
	double mean = sum / (double)k;
	double var = (sumsq - (double)k * mean * mean) / (double)(k - 1);
	return var > 0 ? var / (double)k : 0;
}

/* Regularized incomplete beta I_x(a, b) by its continued fraction (Lentz). */
static double betacf(double a, double b, double x)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		for (int step = 0; step < 2; step++) {
			d = 1 + aa * d;
			d = 1 / (fabs(d) < 1e-300 ? 1e-300 : d);
			c = 1 + aa / c;
			c = fabs(c) < 1e-300 ? 1e-300 : c;
			h *= d * c;
			aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		}
		if (fabs(d * c - 1) < 1e-12)
			break;
	}
	return h;
}

static double incbeta(double a, double b, double x)
{
	if (x <= 0 || x >= 1)
		return x <= 0 ? 0 : 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * betacf(a, b, x) / a;
	return 1 - front * betacf(b, a, 1 - x) / b;
}

/* Two-sided p of statistic t with df degrees of freedom (INFINITY: normal). */
static double p_two_sided(double t, double df)
{
	if (!isfinite(df))
		return erfc(fabs(t) / M_SQRT2);
	return incbeta(df / 2, 0.5, df / (df + t * t));
}

/* Welch-Satterthwaite degrees of freedom of var[0] + var[1], where side s's
 * variance came from k[s] runs when measured[s], else from a model
 * (binomial, Poisson: infinitely many). */
static double welch_df(const double var[2], const bool measured[2], const size_t k[2])
{
	double den = 0;
	for (int s = 0; s < 2; s++)
		if (measured[s])
			den += var[s] * var[s] / (double)(k[s] - 1);
	return den > 0 ? (var[0] + var[1]) * (var[0] + var[1]) / den : INFINITY;
}

static void share_test(struct diff_metric *mt, const struct acc a[2], size_t u,
                       const double N[2], const size_t k[2])
{
	double pooled = (a[BASE].x[u] + a[NEW].x[u]) / (N[BASE] + N[NEW]);
	double var[2];
	bool measured[2];
	for (int s = 0; s < 2; s++) {
		mt->v[s] = a[s].x[u] / N[s];
		double binom = pooled * (1 - pooled) / N[s];
		double runs = var_of_mean(a[s].q1[u], a[s].q2[u], k[s]);
		measured[s] = runs > binom;
		var[s] = measured[s] ? runs : binom;
		mt->sd[s] = sqrt(var[s]);
	}
	mt->delta = mt->v[NEW] - mt->v[BASE];
	mt->rel = mt->v[BASE] > 0 ? mt->v[NEW] / mt->v[BASE] - 1 : mt->v[NEW] > 0 ? INFINITY : 0;
	double se = sqrt(var[BASE] + var[NEW]);
	mt->z = se > 0 ? mt->delta / se : 0;
	mt->p = se > 0 ? p_two_sided(mt->z, welch_df(var, measured, k)) : 1;
	mt->tested = pooled > 0;
}

static void cpu_test(struct diff_metric *mt, const struct diff_side *sides)
{
	double var[2];
	bool measured[2];
	size_t k2[2];
	for (int s = 0; s < 2; s++) {
		const struct diff_side *sd = &sides[s];
		k2[s] = sd->nruns;
		double sum = 0, sumsq = 0, poisson = 0, k = (double)sd->nruns;
		for (size_t i = 0; i < sd->nruns; i++) {
			double hz = sd->runs[i].hz ? sd->runs[i].hz : 1;
			double t = (double)sd->runs[i].samples / hz;
			sum += t;
			sumsq += t * t;
			poisson += (double)sd->runs[i].samples / (hz * hz);
		}
		mt->v[s] = sum / k;
		double runs = var_of_mean(sum, sumsq, sd->nruns);
		poisson /= k * k;
		measured[s] = runs > poisson;
		var[s] = measured[s] ? runs : poisson;
		mt->sd[s] = sqrt(var[s]);
	}
	mt->delta = mt->v[NEW] - mt->v[BASE];
	mt->rel = mt->v[NEW] / mt->v[BASE] - 1;         /* loading ensured samples > 0 */
	double rel[2] = { var[BASE] / (mt->v[BASE] * mt->v[BASE]),
	                  var[NEW] / (mt->v[NEW] * mt->v[NEW]) };
	double se = sqrt(rel[BASE] + rel[NEW]);
	mt->z = se > 0 ? log(mt->v[NEW] / mt->v[BASE]) / se : 0;
	mt->p = se > 0 ? p_two_sided(mt->z, welch_df(rel, measured, k2)) : 1;
	mt->tested = k2[BASE] >= 2 && k2[NEW] >= 2;
}

/* Adds side s's runs into the accumulators, by union function id. */
static int accumulate(struct diff_result *r, const struct diff_side *side,
                      struct acc *self, struct acc *total)
{
	uint32_t *to = malloc((side->fns.n ? side->fns.n : 1) * sizeof *to);
	if (!to)
		return -1;
	for (size_t k = 0; k < side->fns.n; k++)
		to[k] = strtab_find(&r->fns, side->fns.strs[k], side->fns.lens[k]);
	for (size_t i = 0; i < side->nruns; i++) {
		const struct diff_run *run = &side->runs[i];
		double n = (double)run->samples;
		for (size_t k = 0; k < run->total_cap; k++) {
			double t = (double)run->total[k], sf = k < run->self_cap ? (double)run->self[k] : 0;
			total->x[to[k]] += t;
			total->q1[to[k]] += t / n;
			total->q2[to[k]] += (t / n) * (t / n);
			self->x[to[k]] += sf;
			self->q1[to[k]] += sf / n;
			self->q2[to[k]] += (sf / n) * (sf / n);
		}
	}
	free(to);
	return 0;
}

int diff_compute(struct diff_result *r, const struct diff_side *s, double confidence)
{
	memset(r, 0, sizeof *r);
	r->confidence = confidence;
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < s[i].fns.n; k++)
			if (strtab_intern(&r->fns, s[i].fns.strs[k], s[i].fns.lens[k]) == STRTAB_NONE)
				goto oom;
	size_t n = r->fns.n ? r->fns.n : 1;
	struct acc self[2] = {{0}}, total[2] = {{0}};
	int bad = 0;
	for (int i = 0; i < 2; i++)
		bad |= acc_alloc(&self[i], n) | acc_alloc(&total[i], n);
	r->fns_v = calloc(n, sizeof *r->fns_v);
	for (int i = 0; i < 2 && !bad && r->fns_v; i++)
		bad |= accumulate(r, &s[i], &self[i], &total[i]);
	if (!bad && r->fns_v) {
		double N[2];
		size_t k[2];
		for (int i = 0; i < 2; i++) {
			r->runs[i] = k[i] = s[i].nruns;
			for (size_t j = 0; j < s[i].nruns; j++)
				r->samples[i] += s[i].runs[j].samples;
			N[i] = (double)r->samples[i];
		}
		r->nfns = r->fns.n;
		for (size_t u = 0; u < r->nfns; u++) {
			struct diff_fn *f = &r->fns_v[u];
			f->name = r->fns.strs[u];
			f->module = f->name + strlen(f->name) + 1;
			share_test(&f->self, self, u, N, k);
			share_test(&f->total, total, u, N, k);
			r->ntests += f->self.tested + f->total.tested;
		}
		cpu_test(&r->cpu, s);
		r->ntests += r->cpu.tested;
		r->alpha_each = (1 - confidence) / (double)(r->ntests ? r->ntests : 1);
		r->cpu.significant = r->cpu.tested && r->cpu.p < r->alpha_each;
		for (size_t u = 0; u < r->nfns; u++) {
			struct diff_fn *f = &r->fns_v[u];
			f->self.significant = f->self.tested && f->self.p < r->alpha_each;
			f->total.significant = f->total.tested && f->total.p < r->alpha_each;
		}
	}
	for (int i = 0; i < 2; i++) {
		acc_free(&self[i]);
		acc_free(&total[i]);
	}
	if (!bad && r->fns_v)
		return 0;
oom:
	sprof_error("out of memory");
	diff_result_free(r);
	return -1;
}

void diff_result_free(struct diff_result *r)
{
	strtab_free(&r->fns);
	free(r->fns_v);
	memset(r, 0, sizeof *r);
}

static int cmp_order(const void *pa, const void *pb, void *ctx)
{
	const struct diff_result *r = ctx;
	const struct diff_fn *a = &r->fns_v[*(const size_t *)pa], *b = &r->fns_v[*(const size_t *)pb];
	if (a->failed != b->failed)
		return a->failed ? -1 : 1;
	bool sa = a->self.significant || a->total.significant;
	bool sb = b->self.significant || b->total.significant;
	if (sa != sb)
		return sa ? -1 : 1;
	double ma = fmax(fabs(a->self.delta), fabs(a->total.delta));
	double mb = fmax(fabs(b->self.delta), fabs(b->total.delta));
	if (ma != mb)
		return ma < mb ? 1 : -1;
	if (a->self.v[NEW] != b->self.v[NEW])
		return a->self.v[NEW] < b->self.v[NEW] ? 1 : -1;
	int c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->module, b->module);
}

size_t *diff_order(const struct diff_result *r)
{
	size_t *o = malloc((r->nfns ? r->nfns : 1) * sizeof *o);
	if (!o)
		return NULL;
	for (size_t i = 0; i < r->nfns; i++)
		o[i] = i;
	qsort_r(o, r->nfns, sizeof *o, cmp_order, (void *)r);
	return o;
}
