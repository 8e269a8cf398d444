// SPDX-License-Identifier: GPL-2.0
/*
 * triage.c - scenarios from .mlog files and fuzz inputs, the oracle that
 * runs them and names what breaks (the triage signature), and the writer of
 * reproducers.  See triage.h; the signature rules are in replay/README.md.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bugs.h"
#include "commands.h"
#include "decoder.h"
#include "fuzz_campaign.h"
#include "replay.h"
#include "triage.h"

/* ---- scenarios ---- */

void tri_scenario_free(struct tri_scenario *s)
{
	if (s->text)
		for (uint32_t i = 0; i < s->nops; i++)
			free(s->text[i]);
	free(s->text);
	free(s->op);
	s->text = NULL;
	s->op = NULL;
	s->nops = s->cap = 0;
}

static int grow(struct tri_scenario *s, bool with_text)
{
	uint32_t cap = s->cap ? s->cap * 2 : 64;
	struct ml_op *op = realloc(s->op, cap * sizeof(*op));

	if (!op)
		return -1;
	s->op = op;
	if (with_text) {
		char **t = realloc(s->text, cap * sizeof(*t));

		if (!t)
			return -1;
		s->text = t;
	}
	s->cap = cap;
	return 0;
}

int tri_scenario_copy(struct tri_scenario *dst, const struct tri_scenario *src)
{
	*dst = *src;
	dst->op = NULL;
	dst->text = NULL;
	dst->cap = src->nops ? src->nops : 1;
	dst->op = malloc(dst->cap * sizeof(*dst->op));
	if (!dst->op)
		return -1;
	memcpy(dst->op, src->op, src->nops * sizeof(*dst->op));
	if (src->text) {
		dst->text = calloc(dst->cap, sizeof(*dst->text));
		if (!dst->text) {
			free(dst->op);
			dst->op = NULL;
			return -1;
		}
		for (uint32_t i = 0; i < src->nops; i++)
			if (src->text[i] && !(dst->text[i] = strdup(src->text[i]))) {
				dst->nops = i;
				tri_scenario_free(dst);
				return -1;
			}
	}
	return 0;
}

void tri_scenario_truncate(struct tri_scenario *s, uint32_t n)
{
	if (n >= s->nops)
		return;
	if (s->text)
		for (uint32_t i = n; i < s->nops; i++) {
			free(s->text[i]);
			s->text[i] = NULL;
		}
	s->nops = n;
}

void tri_scenario_remove_device(struct tri_scenario *s, unsigned int d)
{
	struct mlog_decls *dc = &s->decls;
	uint32_t k = 0;

	for (uint32_t i = 0; i < s->nops; i++) {
		struct ml_op op = s->op[i];

		if (op.dev == (int)d) {
			if (s->text)
				free(s->text[i]);
			continue;
		}
		if (op.dev > (int)d)
			op.dev--;
		s->op[k] = op;
		if (s->text)
			s->text[k] = s->text[i];
		k++;
	}
	s->nops = k;
	for (unsigned int i = d; i + 1 < dc->ndev; i++)
		dc->dev[i] = dc->dev[i + 1];
	dc->ndev--;
	memset(&dc->dev[dc->ndev], 0, sizeof(dc->dev[0]));
	for (unsigned int i = 0; i < dc->ndev; i++) {
		if (dc->dev[i].alias == (int)d)
			dc->dev[i].alias = -1;
		else if (dc->dev[i].alias > (int)d)
			dc->dev[i].alias--;
	}
}

const char *tri_profile_name(const struct tri_scenario *s, char *buf, size_t n)
{
	return ml_profile_describe(&s->profile, buf, n);
}

unsigned int tri_profile_sets(const struct tri_scenario *s, char sets[][64], unsigned int max)
{
	unsigned int k = 0;

	for (int i = 0; i < ML_SW__COUNT && k < max; i++) {
		uint64_t bit = 1ull << i;

		if ((s->profile.sw ^ s->base_sw) & bit)
			snprintf(sets[k++], 64, "%s=%s", ml_switch_name((enum ml_switch)i),
				 (s->profile.sw & bit) ? "on" : "off");
	}
	return k;
}

void tri_hash(const void *data, size_t len, char out[17])
{
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- loading ---- */

static void set_err(struct mlog_error *err, const char *file, uint32_t line, const char *fmt,
		    const char *arg)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	snprintf(err->msg, sizeof(err->msg), fmt, arg);
}

/* "SW=on,SW=off" (or space separated) on top of @p; -1 with @why. */
static int apply_set_list(const char *set, struct ml_profile *p, char *why, size_t n)
{
	struct replay_switches sw = { 0, 0 };
	char buf[256], *tok, *save;

	if (!set || !*set)
		return 0;
	snprintf(buf, sizeof(buf), "%s", set);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
		if (replay_parse_set(tok, &sw, why, n))
			return -1;
	replay_apply_switches(p, &sw);
	return 0;
}

/* "# profile: 6.16+ITS_EXACT_EVENTID_COUNT-ITS_EVENTID_CLAMP" */
static int parse_profile_comment(const char *text, struct ml_profile *p)
{
	const char *q = text + strlen("# profile:");
	char name[16];
	size_t len;

	while (*q == ' ')
		q++;
	len = strcspn(q, "+- \t");
	if (!len || len >= sizeof(name))
		return -1;
	memcpy(name, q, len);
	name[len] = '\0';
	if (ml_profile_lookup(name, p))
		return -1;
	q += len;
	while (*q == '+' || *q == '-') {
		bool on = *q++ == '+';
		int sw;

		len = strcspn(q, "+- \t");
		sw = ml_switch_lookup(q, len);
		if (sw < 0)
			return -1;
		p->sw = on ? p->sw | 1ull << sw : p->sw & ~(1ull << sw);
		q += len;
	}
	return 0;
}

static int load_mlog(const char *name, const uint8_t *data, size_t len,
		     const struct tri_load_opts *lo, struct tri_scenario *s, struct mlog_error *err)
{
	uint32_t max = lo->max_steps ? lo->max_steps : TRI_MAX_STEPS;
	struct mlog_event *ev = malloc(sizeof(*ev));
	struct mlog_reader *r;
	struct ml_profile prof, named;
	bool have_comment = false, started = false;
	size_t x86len = 0;
	char why[256];
	int rc, ret = 2;

	if (!ev) {
		set_err(err, name, 0, "%s", "out of memory");
		return 2;
	}
	r = mlog_reader_open_mem(name, (const char *)data, len, err);
	if (!r) {
		free(ev);
		return 2;
	}
	while ((rc = mlog_read(r, ev)) > 0) {
		enum mlog_class cls;
		char line[MLOG_MAX_LINE + 1];
		struct ml_op op;

		if (ev->verb == MLOG_V_NONE) {
			if (ev->is_comment && !started && !strncmp(ev->strbuf, "# profile:", 10) &&
			    !parse_profile_comment(ev->strbuf, &prof))
				have_comment = true;
			continue;
		}
		cls = mlog_verb_class(ev->verb);
		if (cls == MLOG_C_DECL) {
			if (ev->verb == MLOG_V_MACHINE || ev->verb == MLOG_V_ITS_DECL ||
			    ev->verb == MLOG_V_DEVICE || ev->verb == MLOG_V_OBSERVES)
				continue;
			/* other declarations (x86 state) are kept as written */
			if (mlog_format_event(line, sizeof(line), mlog_reader_decls(r), ev) < 0 ||
			    x86len + strlen(line) + 2 > sizeof(s->x86_decls)) {
				set_err(err, name, ev->line, "%s", "declaration too large to keep");
				goto out;
			}
			x86len += (size_t)snprintf(s->x86_decls + x86len, sizeof(s->x86_decls) - x86len,
						   "%s\n", line);
			continue;
		}
		if (cls != MLOG_C_STIM)
			continue;
		started = true;
		if (s->nops == max) {
			s->truncated = true;
			break;
		}
		if (replay_op_from_event(ev, &op)) {
			set_err(err, name, ev->line, "%s: not a model operation", mlog_verb_name(ev->verb));
			goto out;
		}
		if (s->nops == s->cap && grow(s, true)) {
			set_err(err, name, 0, "%s", "out of memory");
			goto out;
		}
		ev->present &= ~(MLOG_KEYBIT(MLOG_K_T) | MLOG_KEYBIT(MLOG_K_PID));
		mlog_format_event(line, sizeof(line), mlog_reader_decls(r), ev);
		s->text[s->nops] = strdup(line);
		if (!s->text[s->nops]) {
			set_err(err, name, 0, "%s", "out of memory");
			goto out;
		}
		s->op[s->nops++] = op;
	}
	if (rc < 0) {
		*err = *mlog_reader_error(r);
		goto out;
	}
	s->decls = *mlog_reader_decls(r);
	if (lo->kernel) {
		if (ml_profile_lookup(lo->kernel, &prof)) {
			set_err(err, name, 0, "unknown kernel profile \"%s\"", lo->kernel);
			goto out;
		}
	} else if (!have_comment && ml_profile_from_release(s->decls.release, &prof)) {
		set_err(err, name, 0, "no behaviour profile for kernel release \"%s\": pass --kernel",
			s->decls.release);
		goto out;
	}
	ml_profile_lookup(prof.name, &named);
	s->base_sw = named.sw;
	if (apply_set_list(lo->set, &prof, why, sizeof(why))) {
		set_err(err, name, 0, "%s", why);
		goto out;
	}
	s->profile = prof;
	ret = 0;
out:
	mlog_reader_close(r);
	free(ev);
	return ret;
}

/* The declarations msilab decode writes for a fuzz scenario (cmd_decode.c). */
static void fuzz_to_scenario(const struct fz_scenario *fs, struct tri_scenario *s)
{
	struct mlog_decls *d = &s->decls;
	struct ml_profile named;

	memset(d, 0, sizeof(*d));
	fz_profile(fs, &s->profile);
	ml_profile_lookup(s->profile.name, &named);
	s->base_sw = named.sw;
	d->version = MLOG_FORMAT_VERSION;
	snprintf(d->release, sizeof(d->release), "%s.0", s->profile.name);
	d->arch = fs->arch == FZ_ARCH_X86_64 ? MLOG_ARCH_X86_64 : MLOG_ARCH_ARM64;
	d->has_source = true;
	d->source = MLOG_SRC_FUZZ;
	d->has_machine = true;
	d->cpus = fs->cpus;
	d->nr_irqs = 64;
	if (fs->arch == FZ_ARCH_X86_64)
		snprintf(d->irqs_used, sizeof(d->irqs_used), "%s", FZ_X86_IRQS_USED);
	d->nits = fs->arch == FZ_ARCH_X86_64 ? 0 : 1;	/* no ITS on x86_64 */
	snprintf(d->its[0].name, sizeof(d->its[0].name), "its0");
	d->its[0].lpi_bits = fs->lpi_bits;
	d->its[0].num_lpis = fs->num_lpis;
	d->its[0].event_bits = fs->event_bits;
	d->its[0].devid_bits = fs->devid_bits;
	d->its[0].ite_size = fs->ite_size;
	d->ndev = fs->ndev;
	for (unsigned int i = 0; i < fs->ndev; i++) {
		const struct fz_dev *f = &fs->dev[i];
		struct mlog_device_decl *m = &d->dev[i];

		fz_dev_name(fs, i, m->name, sizeof(m->name));
		m->bus = f->bus == FZ_BUS_PCI ? MLOG_BUS_PCI : f->bus == FZ_BUS_DMAR ? MLOG_BUS_DMAR :
			 f->bus == FZ_BUS_HPET ? MLOG_BUS_HPET : MLOG_BUS_PLATFORM;
		m->has_bdf = f->bus == FZ_BUS_PCI;
		m->bdf = f->bdf;
		m->devid = f->devid;
		m->msi = f->msi;
		m->msix = f->msix;
		m->intx = f->intx;
		m->alias = f->alias;
		m->wired = f->bus == FZ_BUS_WIRED;
		m->its = 0;
		m->msi_mask = f->msi_mask;
	}
}

static int load_fuzz(const char *name, const uint8_t *data, size_t len,
		     const struct tri_load_opts *lo, struct tri_scenario *s, struct mlog_error *err)
{
	struct fz_scenario *fs = malloc(sizeof(*fs));
	const char *target = lo->target ? lo->target : "fuzz_model";
	char base[64], why[256];
	struct fz_options o;
	size_t tl = strlen(target);
	bool forced = false;

	if (!fs) {
		set_err(err, name, 0, "%s", "out of memory");
		return 2;
	}
	snprintf(base, sizeof(base), "%s", target);
	if (tl > 7 && !strcmp(target + tl - 7, "_forced")) {
		base[tl - 7] = '\0';
		forced = true;
	}
	if (fz_target_options(base, &o)) {
		set_err(err, name, 0, "unknown fuzz target \"%s\"", target);
		free(fs);
		return 2;
	}
	if (forced || lo->kernel || (lo->set && *lo->set)) {
		struct fzc_force f;

		if (fzc_force_parse(lo->kernel, lo->set, &f, why, sizeof(why))) {
			set_err(err, name, 0, "%s", why);
			free(fs);
			return 2;
		}
		fzc_force_decode(data, len, &o, &f, fs);
	} else {
		fz_decode(data, len, &o, fs);
	}
	fuzz_to_scenario(fs, s);
	s->cap = fs->nops ? fs->nops : 1;
	s->op = malloc(s->cap * sizeof(*s->op));
	if (!s->op) {
		set_err(err, name, 0, "%s", "out of memory");
		free(fs);
		return 2;
	}
	memcpy(s->op, fs->op, fs->nops * sizeof(*s->op));
	s->nops = fs->nops;
	free(fs);
	return 0;
}

bool tri_is_mlog(const uint8_t *data, size_t len)
{
	size_t i = 0;

	/* comment and blank lines may come before the "mlog N" line */
	while (i < len && (data[i] == '#' || data[i] == '\n')) {
		while (i < len && data[i] != '\n')
			i++;
		i++;
	}
	return i + 5 <= len && !memcmp(data + i, "mlog ", 5);
}

int tri_load_mem(const char *name, const uint8_t *data, size_t len,
		 const struct tri_load_opts *lo, struct tri_scenario *s,
		 enum tri_input_kind *kind, struct mlog_error *err)
{
	bool mlog = tri_is_mlog(data, len);
	int ret;

	memset(s, 0, sizeof(*s));
	memset(err, 0, sizeof(*err));
	if (kind)
		*kind = mlog ? TRI_IN_MLOG : TRI_IN_FUZZ;
	ret = mlog ? load_mlog(name, data, len, lo, s, err) : load_fuzz(name, data, len, lo, s, err);
	if (ret)
		tri_scenario_free(s);
	return ret;
}

int tri_load(const char *path, const struct tri_load_opts *lo, struct tri_scenario *s,
	     enum tri_input_kind *kind, struct mlog_error *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t len;
	int ret;

	memset(s, 0, sizeof(*s));
	if (!f) {
		set_err(err, path, 0, "cannot open: %s", strerror(errno));
		return 2;
	}
	buf = msilab_read_stream(f, 256u << 20, &len);
	if (!buf) {
		fclose(f);
		set_err(err, path, 0, "%s", "too large or out of memory");
		return 2;
	}
	if (ferror(f)) {
		set_err(err, path, 0, "read error: %s", strerror(errno));
		fclose(f);
		free(buf);
		return 2;
	}
	fclose(f);
	ret = tri_load_mem(path, buf, len, lo, s, kind, err);
	free(buf);
	return ret;
}

/* ---- the oracle ---- */

struct ev_rec {
	enum ml_ev_kind kind;
	uint32_t devid;
	bool has_devid;
	bool valid;
};

struct tri_oracle {
	struct tri_stop stop;
	struct ml_ctx *m;
	struct ml_config cfg, cur;
	bool have_machine;
	uint64_t calls;
	struct ev_rec *ev;
	uint32_t nev, cap;
	bool overflow;
	volatile uint32_t *progress;
};

int tri_stop_parse(const char *list, struct tri_stop *st, char *err, size_t n)
{
	memset(st, 0, sizeof(*st));
	if (!list || !*list) {
		st->all = true;
		return 0;
	}
	if (strlen(list) >= sizeof(st->list)) {
		snprintf(err, n, "--stop list too long");
		return -1;
	}
	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',') {
		size_t l = strcspn(p, ",");
		char id[16];

		if (l == 3 && !strncmp(p, "new", 3))
			continue;
		if (!l || l >= sizeof(id)) {
			snprintf(err, n, "--stop: empty or overlong item in \"%s\"", list);
			return -1;
		}
		memcpy(id, p, l);
		id[l] = '\0';
		if (!msilab_bug_find(id)) {
			snprintf(err, n, "--stop: \"%s\" is neither a catalogue id (msilab bugs) nor \"new\"", id);
			return -1;
		}
	}
	snprintf(st->list, sizeof(st->list), "%s", list);
	return 0;
}

static bool stops(const struct tri_stop *st, const char *bug)
{
	size_t n;

	if (st->all)
		return true;
	if (!bug)
		bug = "new";
	n = strlen(bug);
	for (const char *p = st->list; *p; p += strcspn(p, ","), p += *p == ',')
		if (strcspn(p, ",") == n && !strncmp(p, bug, n))
			return true;
	return false;
}

static void collect(void *arg, const struct ml_event *me)
{
	struct tri_oracle *o = arg;
	struct ev_rec *r;

	if (o->nev == o->cap) {
		uint32_t cap = o->cap ? 2 * o->cap : 256;
		struct ev_rec *p = cap > (1u << 20) ? NULL : realloc(o->ev, cap * sizeof(*p));

		if (!p) {
			o->overflow = true;
			return;
		}
		o->ev = p;
		o->cap = cap;
	}
	r = &o->ev[o->nev++];
	r->kind = me->kind;
	r->devid = me->devid;
	r->valid = me->valid;
	switch (me->kind) {
	case ML_EV_ITS_MSI_PREPARE:
	case ML_EV_ITS_CREATE_DEVICE:
	case ML_EV_ITS_IRQ:
	case ML_EV_ITS_ALLOC_FAIL:
	case ML_EV_MAPD:
	case ML_EV_MAPTI:
	case ML_EV_DISCARD:
	case ML_EV_MOVI:
	case ML_EV_ITS_FREE_DEVICE:
	case ML_EV_ITS_MSI_TEARDOWN:
		r->has_devid = true;
		break;
	default:
		r->has_devid = false;
		break;
	}
}

struct tri_oracle *tri_oracle_new(const struct tri_stop *stop)
{
	struct tri_oracle *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->m = calloc(1, ml_ctx_size());
	if (!o->m) {
		free(o);
		return NULL;
	}
	if (stop)
		o->stop = *stop;
	else
		o->stop.all = true;
	return o;
}

void tri_oracle_free(struct tri_oracle *o)
{
	if (!o)
		return;
	free(o->m);
	free(o->ev);
	free(o);
}

void tri_oracle_set_progress(struct tri_oracle *o, uint32_t *step)
{
	o->progress = step;
}

uint64_t tri_oracle_calls(const struct tri_oracle *o)
{
	return o->calls;
}

/*
 * The kernel function of a model event, by layer of the invariant: the
 * same event is charged to the ITS driver for an ITS invariant and to the
 * MSI core for a core invariant.  NULL: the event does not count.
 */
static const char *event_function(char layer, const struct ev_rec *e)
{
	switch (layer) {
	case 'I':
		switch (e->kind) {
		case ML_EV_ITS_CREATE_DEVICE: return "its_create_device";
		case ML_EV_MAPD: return e->valid ? "its_create_device" : "its_free_device";
		/* its_msi_prepare reports when it returns, after what it called */
		case ML_EV_ITS_IRQ:
		case ML_EV_ITS_ALLOC_FAIL: return "its_irq_domain_alloc";
		case ML_EV_MAPTI: return "its_irq_domain_activate";
		case ML_EV_DISCARD: return "its_irq_domain_deactivate";
		case ML_EV_MOVI: return "its_set_affinity";
		case ML_EV_IRQ_FREE: return "its_irq_domain_free";
		case ML_EV_ITS_LPI_FREE: return "its_lpi_free";
		case ML_EV_ITS_FREE_DEVICE: return "its_free_device";
		case ML_EV_ITS_MSI_TEARDOWN: return "its_msi_teardown";
		default: return NULL;
		}
	case 'M':
		switch (e->kind) {
		case ML_EV_MSI_IRQ: return "msi_domain_alloc_irqs";
		case ML_EV_ITS_ALLOC_FAIL: return "its_irq_domain_alloc";
		case ML_EV_IRQ_FREE: return "msi_domain_free_irqs";
		case ML_EV_MSI_PREPARE: return "msi_prepare";
		case ML_EV_MSI_CREATE_DOMAIN: return "msi_create_device_irq_domain";
		case ML_EV_MSI_REMOVE_DOMAIN: return "msi_remove_device_irq_domain";
		default: return NULL;
		}
	case 'P':
		switch (e->kind) {
		case ML_EV_MSI_PREPARE: return "msi_prepare";
		case ML_EV_ITS_MSI_PREPARE: return "its_msi_prepare";
		case ML_EV_MSI_TEARDOWN: return "msi_teardown";
		case ML_EV_ITS_MSI_TEARDOWN: return "its_msi_teardown";
		case ML_EV_MSI_CREATE_DOMAIN: return "msi_create_device_irq_domain";
		default: return NULL;
		}
	case 'C':
		switch (e->kind) {
		case ML_EV_PCIM_MSI_RELEASE: return "pcim_msi_release";
		case ML_EV_IRQ_FREE: return "msi_domain_free_irqs";
		case ML_EV_MSI_REMOVE_DOMAIN: return "msi_remove_device_irq_domain";
		default: return NULL;
		}
	default:
		return NULL;
	}
}

/* A leading kernel function name in the model's message ("its_msi_teardown on ..."). */
static bool detail_function(const char *detail, char *out, size_t n)
{
	size_t len = 0;
	bool underscore = false;

	while ((detail[len] >= 'a' && detail[len] <= 'z') || detail[len] == '_' ||
	       (len && detail[len] >= '0' && detail[len] <= '9')) {
		underscore |= detail[len] == '_';
		len++;
	}
	if (!len || !underscore || (detail[len] != ' ' && detail[len] != '('))
		return false;
	/* objects, not functions */
	if ((len == 10 && !strncmp(detail, "its_device", 10)) ||
	    (len == 11 && !strncmp(detail, "its_devices", 11)))
		return false;
	snprintf(out, n, "%.*s", (int)len, detail);
	return true;
}

/*
 * The kernel function a violation is charged to, in this order:
 *   1. the function the model's message starts with;
 *   2. INV-I5 (a command beyond the ITS's widths): the command's builder;
 *      INV-M4 (a failed allocation keeps something): its_irq_domain_alloc
 *      when the ITS failed it, else msi_domain_alloc_irqs;
 *   3. the last event of the violating step in the invariant's layer
 *      (ITS, MSI core, prepare/teardown, PCI/devres) that concerns the
 *      message's DevID, if it names one;
 *   4. the operation (stimulus) of the step.
 */
static void charge(const struct tri_oracle *o, const char *inv, const char *detail,
		   const char *stimulus, char *out, size_t n)
{
	char layer = inv[0] && inv[1] && inv[2] && inv[3] == '-' ? inv[4] : '?';
	const char *p;
	unsigned int devid = 0;
	bool has_devid = false;

	if (detail_function(detail, out, n))
		return;
	if (!strcmp(inv, "INV-I5")) {
		if (!strncmp(detail, "MAPD", 4)) {
			snprintf(out, n, "its_send_mapd");
			return;
		}
		if (!strncmp(detail, "MAPTI", 5)) {
			snprintf(out, n, "its_send_mapti");
			return;
		}
	}
	if (!strcmp(inv, "INV-M4")) {
		/*
		 * A failed allocation that did not give back what it took: the
		 * ITS's own error path when it failed there (B7), else the
		 * core's unwind, whichever step of it failed (B8).
		 */
		for (uint32_t i = 0; i < o->nev; i++)
			if (o->ev[i].kind == ML_EV_ITS_ALLOC_FAIL) {
				snprintf(out, n, "its_irq_domain_alloc");
				return;
			}
		snprintf(out, n, "msi_domain_alloc_irqs");
		return;
	}
	p = strstr(detail, "DevID 0x");
	if (p && sscanf(p, "DevID 0x%x", &devid) == 1)
		has_devid = true;
	for (uint32_t i = o->nev; i-- > 0;) {
		const struct ev_rec *e = &o->ev[i];
		const char *fn = event_function(layer, e);

		if (!fn)
			continue;
		if (layer == 'I' && has_devid && e->has_devid && e->devid != devid)
			continue;
		snprintf(out, n, "%s", fn);
		return;
	}
	snprintf(out, n, "%s", stimulus);
}

/* What the invariant is about (spec section 6), refined by the message. */
static const char *object_kind(const char *inv, const char *detail)
{
	static const struct { const char *inv, *obj; } table[] = {
		{ "INV-I1", "its_device" }, { "INV-I2", "its_device" }, { "INV-I4", "lpi_range" },
		{ "INV-I6", "its_device" }, { "INV-I7", "its_device" }, { "INV-I8", "its_device" },
		{ "INV-I9", "its_device" }, { "INV-M1", "msi_desc" }, { "INV-M2", "msi_desc" },
		{ "INV-M3", "irq_desc" }, { "INV-C1", "pci_dev" }, { "INV-C2", "irq_desc" },
		{ "INV-C3", "msi_device_data" },
	};

	if (!strcmp(inv, "INV-I3"))
		return strstr(detail, "its_device") ? "its_device" : "lpi_range";
	if (!strcmp(inv, "INV-I5"))
		return strncmp(detail, "MAPTI", 5) ? "its_device" : "ite";
	if (!strcmp(inv, "INV-M4")) {
		/* what the failed allocation kept: EventIDs (B7), an empty its_device (B8), an irq */
		const char *p = strstr(detail, " EventIDs in use");

		if (strstr(detail, "EventID(s) of DevID"))
			return "event_map";
		if (p) {
			while (p > detail && p[-1] >= '0' && p[-1] <= '9')
				p--;
			return atoi(p) > 0 ? "event_map" : "its_device";
		}
		return strstr(detail, "its_device") ? "its_device" : "msi_desc";
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(inv, table[i].inv))
			return table[i].obj;
	if (!strncmp(inv, "INV-P", 5))
		return "msi_domain";
	if (!strncmp(inv, "INV-X", 5))
		return "irq_matrix";
	return "state";
}

void tri_signature_other(char *buf, size_t n, const char *what, const char *stimulus,
			 const char *object, const char *profile)
{
	snprintf(buf, n, "%s/%s/%s@%s", what, stimulus, object, profile);
}

int tri_run(struct tri_oracle *o, const struct tri_scenario *s, struct tri_verdict *v)
{
	char err[256];

	memset(v, 0, sizeof(*v));
	ml_profile_describe(&s->profile, v->profile, sizeof(v->profile));
	o->calls++;
	if (replay_config_from_decls(&s->decls, &s->profile, &o->cfg, err, sizeof(err))) {
		snprintf(v->error, sizeof(v->error), "%s", err);
		return -1;
	}
	if (o->have_machine && !memcmp(&o->cfg, &o->cur, sizeof(o->cfg))) {
		ml_ctx_reset(o->m);
	} else {
		o->have_machine = false;
		if (ml_ctx_init(o->m, &o->cfg)) {
			snprintf(v->error, sizeof(v->error), "%s", ml_error(o->m));
			return -1;
		}
		o->cur = o->cfg;
		o->have_machine = true;
	}
	ml_set_emit(o->m, collect, o);
	for (uint32_t i = 0; i < s->nops; i++) {
		const struct ml_violation *viol;
		unsigned int nv;
		int kret;

		o->nev = 0;
		if (o->progress)
			*o->progress = i + 1;
		if (ml_apply(o->m, &s->op[i], &kret)) {
			v->refused = true;
			v->step = i + 1;
			snprintf(v->stimulus, sizeof(v->stimulus), "%s", ml_op_name(s->op[i].kind));
			snprintf(v->error, sizeof(v->error), "%s", ml_error(o->m));
			/* the next run starts from a clean machine */
			o->have_machine = false;
			return 0;
		}
		v->steps = i + 1;
		nv = ml_violations(o->m, &viol);
		if (nv && !v->first_inv[0])
			snprintf(v->first_inv, sizeof(v->first_inv), "%s", viol[0].inv);
		for (unsigned int j = 0; j < nv; j++) {
			if (!stops(&o->stop, viol[j].bug))
				continue;
			v->violated = true;
			v->step = i + 1;
			snprintf(v->inv, sizeof(v->inv), "%s", viol[j].inv);
			snprintf(v->bug, sizeof(v->bug), "%s", viol[j].bug ? viol[j].bug : "");
			snprintf(v->detail, sizeof(v->detail), "%s", viol[j].detail);
			snprintf(v->stimulus, sizeof(v->stimulus), "%s", ml_op_name(s->op[i].kind));
			charge(o, v->inv, v->detail, v->stimulus, v->op, sizeof(v->op));
			snprintf(v->obj, sizeof(v->obj), "%s", object_kind(v->inv, v->detail));
			snprintf(v->sig, sizeof(v->sig), "%s/%s/%s@%s", v->inv, v->op, v->obj, v->profile);
			return 0;
		}
	}
	return 0;
}

bool tri_same_bug(const struct tri_verdict *v, const struct tri_verdict *want)
{
	return v->violated && !strcmp(v->sig, want->sig) && !strcmp(v->bug, want->bug);
}

/* ---- writing ---- */

static void comment(struct mlog_event *ev, const char *text)
{
	mlog_event_init(ev, MLOG_V_NONE);
	ev->is_comment = true;
	snprintf(ev->strbuf, sizeof(ev->strbuf), "%s", text);
}

int tri_write_mlog(FILE *f, const struct tri_scenario *s, const struct tri_verdict *v,
		   const char *const *cmt, unsigned int ncmt, bool minimized)
{
	const struct mlog_decls *d = &s->decls;
	struct mlog_event *ev = malloc(sizeof(*ev));
	struct ml_profile rel;
	char pname[160], line[512], sets[ML_SW__COUNT][64];
	unsigned int nsets = tri_profile_sets(s, sets, ML_SW__COUNT);
	int ret = -1;

	if (!ev)
		return -1;
	ml_profile_describe(&s->profile, pname, sizeof(pname));
#define EMIT() do { if (mlog_write_event(f, d, ev) < 0) goto out; } while (0)
	mlog_event_init(ev, MLOG_V_NONE);
	mlog_event_set(ev, MLOG_K_VERSION, d->version ? d->version : MLOG_FORMAT_VERSION);
	EMIT();
	for (unsigned int i = 0; i < ncmt; i++) {
		snprintf(line, sizeof(line), "# %s", cmt[i]);
		comment(ev, line);
		EMIT();
	}
	snprintf(line, sizeof(line), "# profile: %s", pname);
	comment(ev, line);
	EMIT();
	if (nsets) {
		size_t len = (size_t)snprintf(line, sizeof(line), "# replay with: msilab replay --kernel %s",
					      s->profile.name);

		for (unsigned int i = 0; i < nsets && len < sizeof(line); i++)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " --set %s", sets[i]);
		if (len < sizeof(line))
			snprintf(line + len, sizeof(line) - len, " FILE");
		comment(ev, line);
		EMIT();
	}
	if (v && (v->violated || v->first_inv[0])) {
		if (v->violated) {
			snprintf(line, sizeof(line), "# signature: %s", v->sig);
			comment(ev, line);
			EMIT();
			snprintf(line, sizeof(line), "# invariant: %s", v->inv);
			comment(ev, line);
			EMIT();
		}
		if (nsets) {
			size_t len = (size_t)snprintf(line, sizeof(line), "# expect-set:");

			for (unsigned int i = 0; i < nsets && len < sizeof(line); i++)
				len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", sets[i]);
			comment(ev, line);
			EMIT();
		}
		snprintf(line, sizeof(line), "# expect: %s=%s", s->profile.name,
			 v->first_inv[0] ? v->first_inv : "clean");
		comment(ev, line);
		EMIT();
	}
	mlog_event_init(ev, MLOG_V_KERNEL);
	if (ml_profile_from_release(d->release, &rel) || strcmp(rel.name, s->profile.name))
		snprintf(line, sizeof(line), "%s.0", s->profile.name);
	else
		snprintf(line, sizeof(line), "%s", d->release);
	mlog_event_set_str(ev, MLOG_K_RELEASE, line, strlen(line));
	mlog_event_set(ev, MLOG_K_ARCH, d->arch);
	EMIT();
	mlog_event_init(ev, MLOG_V_SOURCE);
	mlog_event_set(ev, MLOG_K_KIND, minimized ? MLOG_SRC_MINIMIZED :
		       d->has_source ? d->source : MLOG_SRC_SCENARIO);
	EMIT();
	mlog_event_init(ev, MLOG_V_MACHINE);
	mlog_event_set(ev, MLOG_K_CPUS, d->has_machine && d->cpus ? d->cpus : 2);
	if (d->nr_irqs && d->nr_irqs != 64)
		mlog_event_set(ev, MLOG_K_NR_IRQS, d->nr_irqs);
	if (d->irqs_used[0])
		mlog_event_set_str(ev, MLOG_K_IRQS_USED, d->irqs_used, strlen(d->irqs_used));
	EMIT();
	for (uint32_t i = 0; i < d->nits; i++) {
		const struct mlog_its_decl *t = &d->its[i];

		mlog_event_init(ev, MLOG_V_ITS_DECL);
		mlog_event_set_str(ev, MLOG_K_NAME, t->name, strlen(t->name));
		if (t->lpi_bits != 16)
			mlog_event_set(ev, MLOG_K_LPI_BITS, t->lpi_bits);
		if (t->num_lpis)
			mlog_event_set(ev, MLOG_K_NUM_LPIS, t->num_lpis);
		if (t->event_bits != 16)
			mlog_event_set(ev, MLOG_K_EVENT_BITS, t->event_bits);
		if (t->devid_bits != 16)
			mlog_event_set(ev, MLOG_K_DEVID_BITS, t->devid_bits);
		if (t->ite_size != 8)
			mlog_event_set(ev, MLOG_K_ITE_SIZE, t->ite_size);
		EMIT();
	}
	for (uint32_t i = 0; i < d->ndev; i++) {
		const struct mlog_device_decl *m = &d->dev[i];

		mlog_event_init(ev, MLOG_V_DEVICE);
		mlog_event_set_str(ev, MLOG_K_NAME, m->name, strlen(m->name));
		mlog_event_set(ev, MLOG_K_BUS, m->bus);
		if (m->bus == MLOG_BUS_PCI || m->has_bdf)
			mlog_event_set(ev, MLOG_K_BDF, m->bdf);
		mlog_event_set(ev, MLOG_K_DEVID, m->devid);
		if (m->msi)
			mlog_event_set(ev, MLOG_K_MSI, m->msi);
		if (m->msix)
			mlog_event_set(ev, MLOG_K_MSIX, m->msix);
		if (m->intx)
			mlog_event_set(ev, MLOG_K_INTX, 1);
		if (m->alias >= 0)
			mlog_event_set(ev, MLOG_K_ALIAS, m->alias);
		if (m->wired)
			mlog_event_set(ev, MLOG_K_WIRED, 1);
		if (m->its > 0)
			mlog_event_set(ev, MLOG_K_ITS, m->its);
		if (m->msi_mask)
			mlog_event_set(ev, MLOG_K_MSI_MASK, 1);
		EMIT();
	}
	if (s->x86_decls[0] && fputs(s->x86_decls, f) < 0)
		goto out;
	for (uint32_t i = 0; i < s->nops; i++) {
		if (!replay_event_from_op(&s->op[i], ev)) {
			EMIT();
		} else if (s->text && s->text[i]) {
			if (fprintf(f, "%s\n", s->text[i]) < 0)
				goto out;
		} else {
			errno = EINVAL;
			goto out;
		}
	}
#undef EMIT
	ret = 0;
out:
	free(ev);
	return ret;
}
