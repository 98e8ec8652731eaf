/* out-flamegraph.c -- the "flamegraph" format: a self-contained interactive
 * SVG flame graph (inline CSS and JavaScript, nothing fetched), drawn from
 * the folded stacks of folded.c the way Brendan Gregg's flamegraph.pl does:
 * root at the bottom (at the top with --reverse: an icicle graph), identical
 * paths merged, siblings in alphabetical order, frame width proportional to
 * samples, warm colours chosen by a hash of the name so a function keeps its
 * colour between graphs.
 *
 * In a browser: hovering a frame shows its name, samples and share; clicking
 * zooms into it (Reset Zoom or Escape goes back); Search (or Ctrl-F) asks for
 * a regular expression (or plain text when it is not one), highlights the
 * frames whose names match and shows the share of samples they cover,
 * counting nested matches once.  The URL can ask for both on load:
 * graph.svg?z=NAME zooms into the widest frame called NAME, ?s=REGEX
 * searches (handy for links, and how the tests drive the script).
 *
 * Frames narrower than 0.1 px are left out, as flamegraph.pl does, to keep
 * files of deep profiles small.
 *
 * flamegraph_draw (flamegraph.h) draws any folded stacks with a hook that
 * colours frames and titles the graph: `sprof diff` draws its differential
 * flame graph with it. */
#include "config.h"
#include "convert/flamegraph.h"
#include "convert/folded.h"
#include "convert/model.h"
#include "convert/text.h"
#include "raw/format.h"
#include "sprof.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	DEFAULT_WIDTH = 1200, MIN_WIDTH = 100,
	FRAME_H = 16, FONT_SIZE = 12, XPAD = 10, YPAD_TOP = 56, YPAD_BOTTOM = 34,
};
#define FONT_WIDTH 0.59                 /* average glyph width / font size (Verdana) */
#define MIN_FRAME_PX 0.1

/* Writes at most max bytes of s as XML character data: markup characters
 * escaped, control characters and bytes that are not UTF-8 replaced by '?',
 * so any name yields well-formed XML.  A multibyte character is never cut. */
static void xml_text(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t done = 0;
	while (*p && done < max) {
		unsigned c = *p;
		/* text.c judges UTF-8 for every writer: surrogates and
		 * overlong forms are as fatal to an XML parser as stray bytes */
		size_t n = utf8_char_len((const char *)p);
		/* XML 1.0 has no U+FFFE or U+FFFF, not even as references */
		if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
			n = 0;
		if (!n) {
			fputc('?', out);
			p++;
			done++;
			continue;
		}
		if (done + n > max)
			break;
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fputc('?', out);
			else
				fwrite(p, 1, n, out);
		}
		p += n;
		done += n;
	}
}

/* Bytes taken by the first nchars characters of the UTF-8 string s. */
static size_t utf8_prefix_bytes(const char *s, size_t nchars)
{
	size_t i = 0;
	while (s[i] && nchars) {
		i++;
		while ((s[i] & 0xc0) == 0x80)
			i++;
		nchars--;
	}
	return i;
}

static size_t utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += (*s & 0xc0) != 0x80;
	return n;
}

/* flamegraph.pl's "hot" palette, keyed by a hash of the name. */
static void color(const char *name, unsigned rgb[3])
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	double v1 = (double)(h & 0xffff) / 65536.0;
	double v2 = (double)((h >> 16) & 0xffff) / 65536.0;
	double v3 = (double)((h >> 32) & 0xffff) / 65536.0;
	rgb[0] = 205 + (unsigned)(50 * v3);
	rgb[1] = (unsigned)(230 * v1);
	rgb[2] = (unsigned)(55 * v2);
}

struct fg_frame {
	const char *name;
	uint32_t depth;                 /* 0 is the "all" root */
	uint64_t start, end;            /* in samples */
	const struct folded_stack *stack;       /* its path is stack->names[0..depth) */
};

struct frames {
	struct fg_frame *v;
	size_t n, cap;
};

static bool push(struct frames *fs, const char *name, uint32_t depth, uint64_t start, uint64_t end,
                 const struct folded_stack *stack)
{
	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 1024;
		struct fg_frame *v = realloc(fs->v, cap * sizeof *v);
		if (!v)
			return false;
		fs->v = v;
		fs->cap = cap;
	}
	fs->v[fs->n++] = (struct fg_frame){name, depth, start, end, stack};
	return true;
}

/* flamegraph.pl's flow(): walking the sorted paths, a frame stays open while
 * consecutive paths share it and is closed (emitted) when the path leaves it. */
static bool layout(const struct folded *f, struct frames *fs)
{
	uint64_t *open = calloc((size_t)f->max_depth + 1, sizeof *open);
	if (!open)
		return false;
	const struct folded_stack *prev = NULL;
	uint64_t x = 0;
	bool ok = true;
	for (size_t i = 0; i <= f->nstacks && ok; i++) {
		const struct folded_stack *cur = i < f->nstacks ? &f->stacks[i] : NULL;
		uint32_t common = 0;
		if (prev && cur)
			while (common < prev->depth && common < cur->depth &&
			       prev->names[common] == cur->names[common])
				common++;
		for (uint32_t d = prev ? prev->depth : 0; d-- > common && ok;)
			ok = push(fs, f->names.strs[prev->names[d]], d + 1, open[d], x, prev);
		if (!cur)
			break;
		for (uint32_t d = common; d < cur->depth; d++)
			open[d] = x;
		x += cur->count;
		prev = cur;
	}
	free(open);
	return ok && push(fs, "all", 0, 0, f->total, NULL);
}

static const char script[] =
	"\"use strict\";\n"
	"var W, XPAD = 10, FS = 12, FW = 0.59, total, frames = [], details, matched, unzoombtn, searchbtn, searching = null;\n"
	"function init(evt) {\n"
	"  var svg = document.documentElement;\n"
	"  W = +svg.getAttribute(\"width\");\n"
	"  total = +svg.getAttribute(\"data-total\");\n"
	"  details = document.getElementById(\"details\");\n"
	"  matched = document.getElementById(\"matched\");\n"
	"  unzoombtn = document.getElementById(\"unzoom\");\n"
	"  searchbtn = document.getElementById(\"search\");\n"
	"  unzoombtn.addEventListener(\"click\", unzoom);\n"
	"  searchbtn.addEventListener(\"click\", search_prompt);\n"
	"  var gs = document.getElementsByClassName(\"f\");\n"
	"  for (var i = 0; i < gs.length; i++) {\n"
	"    var g = gs[i], r = g.getElementsByTagName(\"rect\")[0];\n"
	"    var info = g.getElementsByTagName(\"title\")[0].textContent;\n"
	"    var f = { g: g, r: r, t: g.getElementsByTagName(\"text\")[0],\n"
	"      d: +g.getAttribute(\"data-d\"), s: +g.getAttribute(\"data-s\"), n: +g.getAttribute(\"data-n\"),\n"
	"      name: info.substring(0, info.lastIndexOf(\" (\")), info: info,\n"
	"      x0: +r.getAttribute(\"x\"), w0: +r.getAttribute(\"width\"), fill: r.getAttribute(\"fill\") };\n"
	"    frames.push(f);\n"
	"    g.addEventListener(\"mouseover\", show.bind(null, f));\n"
	"    g.addEventListener(\"mouseout\", function () { details.textContent = \" \"; });\n"
	"    g.addEventListener(\"click\", zoom.bind(null, f));\n"
	"  }\n"
	"  var q = new URLSearchParams(document.location.search), z = q.get(\"z\"), best = null;\n"
	"  if (z) frames.forEach(function (f) { if (f.name === z && (!best || f.n > best.n)) best = f; });\n"
	"  if (best) zoom(best);\n"
	"  if (q.get(\"s\")) search(q.get(\"s\"));\n"
	"  document.addEventListener(\"keydown\", function (e) {\n"
	"    if ((e.ctrlKey || e.metaKey) && (e.key === \"f\" || e.key === \"F\")) { e.preventDefault(); search_prompt(); }\n"
	"    else if (e.key === \"Escape\") { unzoom(); reset_search(); }\n"
	"  });\n"
	"}\n"
	"function show(f) { details.textContent = \"Function: \" + f.info; }\n"
	"function label(f, w) {\n"
	"  var fit = Math.floor((w - 6) / (FS * FW)), s = f.name;\n"
	"  if (fit < 3) s = \"\"; else if (s.length > fit) s = s.substring(0, fit - 2) + \"..\";\n"
	"  f.t.textContent = s;\n"
	"}\n"
	"function place(f, x, w) {\n"
	"  f.r.setAttribute(\"x\", x.toFixed(2)); f.r.setAttribute(\"width\", w.toFixed(2));\n"
	"  f.t.setAttribute(\"x\", (x + 3).toFixed(2)); label(f, w);\n"
	"}\n"
	"function zoom(z) {\n"
	"  var scale = (W - 2 * XPAD) / z.n;\n"
	"  frames.forEach(function (f) {\n"
	"    f.g.classList.remove(\"hide\"); f.g.classList.remove(\"parent\");\n"
	"    if (f.d < z.d && f.s <= z.s && f.s + f.n >= z.s + z.n) { f.g.classList.add(\"parent\"); place(f, XPAD, W - 2 * XPAD); }\n"
	"    else if (f.d >= z.d && f.s >= z.s && f.s + f.n <= z.s + z.n) place(f, XPAD + (f.s - z.s) * scale, f.n * scale);\n"
	"    else f.g.classList.add(\"hide\");\n"
	"  });\n"
	"  unzoombtn.classList.remove(\"hide\");\n"
	"}\n"
	"function unzoom() {\n"
	"  frames.forEach(function (f) {\n"
	"    f.g.classList.remove(\"hide\"); f.g.classList.remove(\"parent\"); place(f, f.x0, f.w0);\n"
	"  });\n"
	"  unzoombtn.classList.add(\"hide\");\n"
	"}\n"
	"function search_prompt() {\n"
	"  if (searching !== null) { reset_search(); return; }\n"
	"  var term = prompt(\"Search for (regular expression, or plain text):\", \"\");\n"
	"  if (term) search(term);\n"
	"}\n"
	"function reset_search() {\n"
	"  frames.forEach(function (f) { f.r.setAttribute(\"fill\", f.fill); });\n"
	"  searching = null; matched.textContent = \" \";\n"
	"  searchbtn.textContent = \"Search\"; searchbtn.classList.remove(\"on\");\n"
	"}\n"
	"function search(term) {\n"
	"  var re;\n"
	"  try { re = new RegExp(term); }\n"
	"  catch (e) { re = new RegExp(term.replace(/[.*+?^${}()|[\\]\\\\]/g, \"\\\\$&\")); }\n"
	"  var spans = [];\n"
	"  frames.forEach(function (f) {\n"
	"    if (f.d > 0 && re.test(f.name)) { f.r.setAttribute(\"fill\", \"rgb(230,0,230)\"); spans.push([f.s, f.s + f.n]); }\n"
	"    else f.r.setAttribute(\"fill\", f.fill);\n"
	"  });\n"
	"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
	"  var covered = 0, end = -1;\n"
	"  spans.forEach(function (s) {\n"
	"    if (s[0] >= end) { covered += s[1] - s[0]; end = s[1]; }\n"
	"    else if (s[1] > end) { covered += s[1] - end; end = s[1]; }\n"
	"  });\n"
	"  searching = term;\n"
	"  searchbtn.textContent = \"Reset Search\"; searchbtn.classList.add(\"on\");\n"
	"  matched.textContent = \"Matched: \" + (total ? (100 * covered / total).toFixed(2) : \"0.00\") + \"%\";\n"
	"}\n";

static const char style[] =
	"text { font-family: Verdana, sans-serif; font-size: 12px; fill: rgb(0,0,0); }\n"
	"#title { font-size: 17px; }\n"
	"#subtitle { fill: rgb(110,110,110); }\n"
	"#search, #unzoom { cursor: pointer; opacity: 0.5; }\n"
	"#search:hover, #unzoom:hover, #search.on { opacity: 1; }\n"
	"g.f { cursor: pointer; }\n"
	"g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
	"g.f text { pointer-events: none; }\n"
	".hide { display: none; }\n"
	".parent { opacity: 0.5; }\n";

static void default_title(FILE *out, struct profile_model *const *models, size_t nmodels)
{
	fputs("Flame Graph", out);
	if (nmodels == 1) {
		fputs(": ", out);
		xml_text(out, models[0]->command ? models[0]->command : "?", 200);
		fprintf(out, " (pid %" PRIu32 ")", models[0]->pid);
	} else if (nmodels > 1) {
		fprintf(out, ": %zu processes", nmodels);
	}
}

static void subtitle(FILE *out, const struct flamegraph_look *look, uint64_t total)
{
	if (look->subtitle) {
		xml_text(out, look->subtitle, SIZE_MAX);
		return;
	}
	struct profile_model *const *models = look->models;
	size_t nmodels = look->nmodels;
	uint32_t hz = nmodels ? models[0]->requested_hz : 0;
	fprintf(out, "%" PRIu64 " samples, %s mode, %" PRIu32 " Hz%s", total,
	        nmodels && models[0]->mode == RAW_MODE_WALL ? "wall" : "cpu", hz,
	        look->merge_threads ? ", threads merged" : "");
}

int flamegraph_draw(const struct folded *fp, const struct flamegraph_look *look, FILE *out)
{
	const struct folded f = *fp;
	struct frames fs = {0};
	if (!layout(&f, &fs)) {
		sprof_error("out of memory while drawing the flame graph");
		free(fs.v);
		return 1;
	}

	int width = look->width > 0 ? look->width : DEFAULT_WIDTH;
	if (width < MIN_WIDTH)
		width = MIN_WIDTH;
	double scale = f.total ? (double)(width - 2 * XPAD) / (double)f.total : 0;
	uint32_t depth_max = 0;
	for (size_t i = 0; i < fs.n; i++)
		if ((double)(fs.v[i].end - fs.v[i].start) * scale >= MIN_FRAME_PX &&
		    fs.v[i].depth > depth_max)
			depth_max = fs.v[i].depth;
	int height = (int)(depth_max + 1) * FRAME_H + YPAD_TOP + YPAD_BOTTOM;

	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	        "<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	        "xmlns=\"http://www.w3.org/2000/svg\" data-total=\"%" PRIu64 "\" onload=\"init(evt)\">\n",
	        width, height, width, height, f.total);
	fprintf(out, "<style type=\"text/css\">\n%s</style>\n", style);
	fprintf(out, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n", script);
	fputs("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
	      "<stop stop-color=\"#eeeeee\" offset=\"5%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%\"/>"
	      "</linearGradient></defs>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#background)\"/>\n",
	        width, height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">", width / 2);
	if (look->title)
		xml_text(out, look->title, SIZE_MAX);
	else
		default_title(out, look->models, look->nmodels);
	fputs("</text>\n", out);
	fprintf(out, "<text id=\"subtitle\" x=\"%d\" y=\"42\" text-anchor=\"middle\">", width / 2);
	subtitle(out, look, f.total);
	fputs("</text>\n", out);
	fprintf(out, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n", XPAD);
	fprintf(out, "<text id=\"search\" x=\"%d\" y=\"24\">Search</text>\n", width - XPAD - 100);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", XPAD, height - 12);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", width - XPAD - 100,
	        height - 12);
	if (!f.total)
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">No samples</text>\n",
		        width / 2, height / 2);

	fputs("<g id=\"frames\">\n", out);
	for (size_t i = 0; i < fs.n && f.total; i++) {
		const struct fg_frame *fr = &fs.v[i];
		uint64_t n = fr->end - fr->start;
		double x = XPAD + (double)fr->start * scale, w = (double)n * scale;
		if (w < MIN_FRAME_PX)
			continue;
		int y = look->reverse ? YPAD_TOP + (int)fr->depth * FRAME_H
		                     : height - YPAD_BOTTOM - (int)(fr->depth + 1) * FRAME_H;
		unsigned rgb[3];
		char note[128] = "";
		if (look->color)
			look->color(look->ctx, &f, fr->stack, fr->depth, rgb, note, sizeof note);
		else
			color(fr->name, rgb);
		fprintf(out, "<g class=\"f\" data-d=\"%" PRIu32 "\" data-s=\"%" PRIu64 "\" data-n=\"%" PRIu64
		        "\"><title>", fr->depth, fr->start, n);
		xml_text(out, fr->name, SIZE_MAX);
		fprintf(out, " (%" PRIu64 " sample%s, %.2f%%", n, n == 1 ? "" : "s",
		        100.0 * (double)n / (double)f.total);
		xml_text(out, note, sizeof note);
		fputs(")</title>", out);
		fprintf(out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" ry=\"2\" "
		        "fill=\"rgb(%u,%u,%u)\"/>", x, y, w, FRAME_H - 1, rgb[0], rgb[1], rgb[2]);
		fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3, y + 11.5);
		long fit = (long)((w - 6) / (FONT_SIZE * FONT_WIDTH));
		if (fit >= 3) {
			size_t len = utf8_len(fr->name);
			if (len <= (size_t)fit) {
				xml_text(out, fr->name, SIZE_MAX);
			} else {
				xml_text(out, fr->name, utf8_prefix_bytes(fr->name, (size_t)fit - 2));
				fputs("..", out);
			}
		}
		fputs("</text></g>\n", out);
	}
	fputs("</g>\n</svg>\n", out);
	free(fs.v);
	return 0;
}

static int write_flamegraph(struct profile_model *const *models, size_t nmodels,
                            const struct convert_options *opt, FILE *out)
{
	struct folded f;
	if (folded_build(&f, models, nmodels, opt->merge_threads) < 0)
		return 1;
	struct flamegraph_look look = {
		.width = opt->width, .reverse = opt->reverse, .title = opt->title,
		.models = models, .nmodels = nmodels, .merge_threads = opt->merge_threads,
	};
	int rc = flamegraph_draw(&f, &look, out);
	folded_free(&f);
	return rc;
}

const struct output_format format_flamegraph = {
	.name = "flamegraph",
	.summary = "self-contained interactive SVG flame graph",
	.write = write_flamegraph,
};
