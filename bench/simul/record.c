/* SPDX-License-Identifier: MIT */
/* record.c: prints a run's record as text, CSV (header + row) or one JSON object. */
#include "record.h"

/* The contract's columns, then the workload's own: one list feeds all three formats. */
static int columns(const struct sim_cli *cli, const struct sim_record *r, struct sim_field *c)
{
	const struct sim_run *run = &cli->run;
	int n = 0;
#define COL(nm, txt, ...) \
	(c[n].name = nm, c[n].is_text = txt, snprintf(c[n].value, sizeof c[n].value, __VA_ARGS__), n++)
	COL("workload", true, "%s", cli->workload->name);
	COL("model", true, "%s", run->model->name);
	COL("tasks", false, "%u", run->tasks);
	COL("workers", false, "%u", sim_model_pool(run->model) ? run->workers : 0);
	if (r->measured)
		COL("wall_s", false, "%.6f", r->wall_s);
	COL("predicted_s", false, "%.6f", r->predicted_s);
	if (r->measured) {
		COL("user_s", false, "%.6f", r->user_s);
		COL("sys_s", false, "%.6f", r->sys_s);
		COL("max_rss_kib", false, "%llu", (unsigned long long)r->max_rss_kib);
		COL("voluntary_ctx", false, "%llu", (unsigned long long)r->voluntary_ctx);
		COL("involuntary_ctx", false, "%llu", (unsigned long long)r->involuntary_ctx);
		COL("verified", false, "%s", r->verified ? "true" : "false");
	}
	COL("limit", false, "%u", run->limit);
	COL("gil", false, "%s", run->gil ? "true" : "false");
	/* How the run's coroutines got their stacks: a fact of the run, not of its prediction,
	 * and only where there are coroutines (the peers' records match the others'). */
	if (r->measured && (run->model->caps & SIM_CAP_STACK))
		COL("stack", true, "%s", sim_stack_names[run->stack]);
	/* What the model found about its own run (eventloop-offload's pool threads). */
	struct sim_fact facts[2];
	int nf = r->measured && run->model->facts ? run->model->facts(facts, 2) : 0;
	for (int i = 0; i < nf; i++)
		COL(facts[i].name, false, "%g", facts[i].value);
	if (r->measured) {
		COL("mem_kib", false, "%llu", (unsigned long long)r->mem_kib);
		COL("mem_method", true, "%s", r->mem_method);
	}
#undef COL
	for (int i = 0; i < r->extra.n; i++)
		c[n++] = r->extra.f[i];
	return n;
}

void sim_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void sim_record_print(FILE *out, const struct sim_cli *cli, const struct sim_record *r,
                      const struct sim_result *rs)
{
	struct sim_field c[24 + SIM_MAX_FIELDS]; /* the contract's, the model's facts, the workload's */
	int n = columns(cli, r, c);
	switch ((enum sim_format)cli->opt.format) {
	case FMT_CSV:
		if (!cli->opt.no_header)
			for (int i = 0; i < n; i++)
				fprintf(out, "%s%c", c[i].name, i + 1 < n ? ',' : '\n');
		for (int i = 0; i < n; i++)
			fprintf(out, "%s%c", c[i].value, i + 1 < n ? ',' : '\n');
		break;
	case FMT_JSON:
		fputc('{', out);
		for (int i = 0; i < n; i++) {
			sim_json_string(out, c[i].name);
			fputc(':', out);
			if (c[i].is_text)
				sim_json_string(out, c[i].value);
			else
				fputs(c[i].value, out);
			if (i + 1 < n)
				fputc(',', out);
		}
		fputs("}\n", out);
		break;
	case FMT_TEXT: {
		const struct sim_run *run = &cli->run;
		if (r->measured)
			fprintf(out, "%s under %s%s: %u tasks, wall %.3f s, predicted %.3f s (%s)\n",
			        cli->workload->name, run->model->name, run->gil ? " --gil" : "", run->tasks,
			        r->wall_s, r->predicted_s, r->verified ? "verified" : "NOT verified");
		else
			fprintf(out, "%s under %s%s: %u tasks, predicted %.3f s\n", cli->workload->name,
			        run->model->name, run->gil ? " --gil" : "", run->tasks, r->predicted_s);
		if (cli->workload->text)
			cli->workload->text(run, rs, r->measured ? r->wall_s : -1, r->predicted_s, out);
		for (int i = 0; i < n; i++)
			fprintf(out, "  %-16s %s\n", c[i].name, c[i].value);
		break;
	}
	}
}
