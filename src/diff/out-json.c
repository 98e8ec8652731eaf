/* out-json.c -- `sprof diff -f json`: everything the table shows, for tools:
 * the inputs, the CPU time per run, every function (in the table's order)
 * with both sides' shares, the change, z, p and whether it is beyond noise,
 * and each gate rule with what it fired on.  Shares are fractions (0..1),
 * times seconds; doc/sprof.1 describes the fields. */
#include "config.h"
#include "convert/json.h"
#include "diff/diff.h"
#include "sprof.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void num(struct jw *w, const char *key, double v)
{
	char buf[64];
	jw_key(w, key);
	if (!isfinite(v)) {
		jw_raw(w, "null");      /* JSON has no infinity: a share that rose from 0 */
		return;
	}
	snprintf(buf, sizeof buf, "%.9g", v);
	jw_raw(w, buf);
}

static void metric(struct jw *w, const char *key, const struct diff_metric *m)
{
	jw_key(w, key);
	jw_obj(w);
	num(w, "base", m->v[BASE]);
	num(w, "new", m->v[NEW]);
	num(w, "base_stderr", m->sd[BASE]);
	num(w, "new_stderr", m->sd[NEW]);
	num(w, "delta", m->delta);
	num(w, "relative", m->rel);
	num(w, "z", m->z);
	num(w, "p", m->p);
	jw_key(w, "tested");
	jw_bool(w, m->tested);
	jw_key(w, "significant");
	jw_bool(w, m->significant);
	jw_obj_end(w);
}

static void side(struct jw *w, const char *key, const struct diff_out *o, const struct diff_result *r,
                 int s)
{
	jw_key(w, key);
	jw_obj(w);
	jw_key(w, "files");
	jw_arr(w);
	for (size_t i = 0; i < o->npaths[s]; i++)
		jw_str(w, o->paths[s][i]);
	jw_arr_end(w);
	jw_key(w, "samples");
	jw_u64(w, r->samples[s]);
	jw_obj_end(w);
}

int diff_write_json(FILE *out, const struct diff_result *r, const struct gate *g,
                    const struct diff_out *o)
{
	size_t *order = diff_order(r);
	if (!order) {
		sprof_error("out of memory while writing the diff");
		return 1;
	}
	struct jw w;
	jw_init(&w, out, true);
	jw_obj(&w);
	jw_key(&w, "regression");
	jw_bool(&w, o->failed);
	num(&w, "confidence", r->confidence);
	jw_key(&w, "tests");
	jw_u64(&w, r->ntests);
	num(&w, "alpha_per_test", r->alpha_each);
	side(&w, "base", o, r, BASE);
	side(&w, "new", o, r, NEW);
	metric(&w, "cpu_seconds_per_run", &r->cpu);
	jw_key(&w, "gate");
	jw_arr(&w);
	for (size_t i = 0; i < g->n; i++) {
		jw_obj(&w);
		jw_kstr(&w, "rule", g->rules[i].text);
		jw_key(&w, "fired");
		jw_u64(&w, g->rules[i].fired);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_key(&w, "functions");
	jw_arr(&w);
	for (size_t i = 0; i < r->nfns; i++) {
		const struct diff_fn *f = &r->fns_v[order[i]];
		jw_obj(&w);
		jw_kstr(&w, "function", f->name);
		jw_kstr(&w, "module", f->module);
		metric(&w, "self", &f->self);
		metric(&w, "total", &f->total);
		jw_key(&w, "failed");
		jw_bool(&w, f->failed);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	fputc('\n', out);
	free(order);
	return 0;
}
