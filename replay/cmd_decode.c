// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_decode.c - "msilab decode INPUT" prints the .mlog scenario a fuzz
 * input stands for; "msilab encode FILE.mlog" writes the fuzz input of a
 * scenario.  The byte layout and the decoder are fuzz/decoder.[ch]; this
 * file is the bridge between scenarios and .mlog text.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "decoder.h"
#include "replay.h"

/* ---- scenario -> .mlog ---- */

static void comment(struct mlog_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void comment(struct mlog_event *ev, const char *fmt, ...)
{
	va_list ap;

	mlog_event_init(ev, MLOG_V_NONE);
	ev->is_comment = true;
	va_start(ap, fmt);
	vsnprintf(ev->strbuf, sizeof(ev->strbuf), fmt, ap);
	va_end(ap);
}

int fz_write_mlog(FILE *f, const struct fz_scenario *s, const char *origin)
{
	struct mlog_decls *d = calloc(1, sizeof(*d));
	struct mlog_event *ev = malloc(sizeof(*ev));
	struct ml_profile prof;
	char pname[256], name[MLOG_NAME_MAX + 1];
	int ret = -1;

	if (!d || !ev)
		goto out;
	fz_profile(s, &prof);
	ml_profile_describe(&prof, pname, sizeof(pname));

#define EMIT() do { if (mlog_write_event(f, d, ev) < 0) goto out; } while (0)
	mlog_event_init(ev, MLOG_V_NONE);
	mlog_event_set(ev, MLOG_K_VERSION, MLOG_FORMAT_VERSION);
	EMIT();
	comment(ev, "# profile: %s", pname);
	EMIT();
	if (s->toggles) {
		size_t len = 0;

		comment(ev, "# replay with: msilab replay --kernel %s", prof.name);
		len = strlen(ev->strbuf);
		for (unsigned int i = 0; i < FZ_NSWITCH; i++)
			if (s->toggles & (1u << i))
				len += (size_t)snprintf(ev->strbuf + len, sizeof(ev->strbuf) - len,
							" --set %s=%s", ml_switch_name(fz_switch_list[i]),
							(s->sw >> fz_switch_list[i]) & 1 ? "on" : "off");
		snprintf(ev->strbuf + len, sizeof(ev->strbuf) - len, " FILE");
		EMIT();
	}
	if (origin) {
		comment(ev, "# %s: %u operation%s", origin, s->nops, s->nops == 1 ? "" : "s");
		EMIT();
	}
	mlog_event_init(ev, MLOG_V_KERNEL);
	snprintf(d->release, sizeof(d->release), "%s.0", prof.name);
	mlog_event_set_str(ev, MLOG_K_RELEASE, d->release, strlen(d->release));
	mlog_event_set(ev, MLOG_K_ARCH, s->arch == FZ_ARCH_X86_64 ? MLOG_ARCH_X86_64 : MLOG_ARCH_ARM64);
	EMIT();
	mlog_event_init(ev, MLOG_V_SOURCE);
	mlog_event_set(ev, MLOG_K_KIND, MLOG_SRC_FUZZ);
	EMIT();
	mlog_event_init(ev, MLOG_V_MACHINE);
	mlog_event_set(ev, MLOG_K_CPUS, s->cpus);
	if (s->arch == FZ_ARCH_X86_64)
		mlog_event_set_str(ev, MLOG_K_IRQS_USED, FZ_X86_IRQS_USED, strlen(FZ_X86_IRQS_USED));
	EMIT();

	if (s->arch == FZ_ARCH_X86_64)
		goto devices;	/* no ITS */
	d->nits = 1;
	snprintf(d->its[0].name, sizeof(d->its[0].name), "its0");
	mlog_event_init(ev, MLOG_V_ITS_DECL);
	mlog_event_set_str(ev, MLOG_K_NAME, "its0", 4);
	if (s->lpi_bits != 16)
		mlog_event_set(ev, MLOG_K_LPI_BITS, s->lpi_bits);
	if (s->num_lpis)
		mlog_event_set(ev, MLOG_K_NUM_LPIS, s->num_lpis);
	if (s->event_bits != 16)
		mlog_event_set(ev, MLOG_K_EVENT_BITS, s->event_bits);
	if (s->devid_bits != 16)
		mlog_event_set(ev, MLOG_K_DEVID_BITS, s->devid_bits);
	if (s->ite_size != 8)
		mlog_event_set(ev, MLOG_K_ITE_SIZE, s->ite_size);
	EMIT();

devices:
	d->ndev = s->ndev;
	for (unsigned int i = 0; i < s->ndev; i++) {
		const struct fz_dev *dv = &s->dev[i];

		fz_dev_name(s, i, name, sizeof(name));
		snprintf(d->dev[i].name, sizeof(d->dev[i].name), "%s", name);
		mlog_event_init(ev, MLOG_V_DEVICE);
		mlog_event_set_str(ev, MLOG_K_NAME, name, strlen(name));
		mlog_event_set(ev, MLOG_K_BUS, dv->bus == FZ_BUS_PCI ? MLOG_BUS_PCI :
			       dv->bus == FZ_BUS_DMAR ? MLOG_BUS_DMAR :
			       dv->bus == FZ_BUS_HPET ? MLOG_BUS_HPET : MLOG_BUS_PLATFORM);
		if (dv->bus == FZ_BUS_PCI)
			mlog_event_set(ev, MLOG_K_BDF, dv->bdf);
		mlog_event_set(ev, MLOG_K_DEVID, dv->devid);
		if (dv->msi)
			mlog_event_set(ev, MLOG_K_MSI, dv->msi);
		if (dv->msix)
			mlog_event_set(ev, MLOG_K_MSIX, dv->msix);
		if (dv->intx)
			mlog_event_set(ev, MLOG_K_INTX, 1);
		if (dv->alias >= 0)
			mlog_event_set(ev, MLOG_K_ALIAS, dv->alias);
		if (dv->bus == FZ_BUS_WIRED)
			mlog_event_set(ev, MLOG_K_WIRED, 1);
		if (dv->msi_mask)
			mlog_event_set(ev, MLOG_K_MSI_MASK, 1);
		EMIT();
	}
	for (unsigned int i = 0; i < s->nops; i++) {
		replay_event_from_op(&s->op[i], ev);
		EMIT();
	}
#undef EMIT
	ret = 0;
out:
	free(d);
	free(ev);
	return ret;
}

/* ---- .mlog -> scenario ---- */

/* "# profile: 6.16+PCIM_ALLOC_IRQ_VECTORS-ITS_EVENTID_CLAMP" */
static int parse_profile_comment(const char *text, struct fz_scenario *s, char *err, size_t n)
{
	const struct ml_profile *list;
	const char *p = text + strlen("# profile:");
	char pname[16];
	size_t len;
	int idx;

	ml_profiles(&list);
	while (*p == ' ')
		p++;
	len = strcspn(p, "+- \t");
	if (len >= sizeof(pname) || (memcpy(pname, p, len), pname[len] = 0,
				     (idx = fz_profile_index(pname)) < 0)) {
		snprintf(err, n, "\"%.80s\": unknown profile (outside the fuzz vocabulary)", text);
		return -1;
	}
	s->profile = (unsigned int)idx;
	s->sw = list[idx].sw;
	p += len;
	while (*p == '+' || *p == '-') {
		bool on = *p++ == '+';
		int sw;

		len = strcspn(p, "+- \t");
		sw = ml_switch_lookup(p, len);
		if (sw < 0) {
			snprintf(err, n, "\"%.80s\": unknown switch \"%.*s\"", text, (int)len, p);
			return -1;
		}
		s->sw = on ? s->sw | 1ull << sw : s->sw & ~(1ull << sw);
		p += len;
	}
	s->toggles = 0;
	for (unsigned int i = 0; i < FZ_NSWITCH; i++)
		if ((s->sw ^ list[idx].sw) >> fz_switch_list[i] & 1)
			s->toggles |= (uint8_t)(1u << i);
	{
		uint64_t mask = 0;

		for (unsigned int i = 0; i < FZ_NSWITCH; i++)
			mask |= 1ull << fz_switch_list[i];
		if ((s->sw ^ list[idx].sw) & ~mask) {
			snprintf(err, n, "\"%.80s\": only these switches can be set in a fuzz input:", text);
			for (unsigned int i = 0; i < FZ_NSWITCH; i++) {
				size_t l = strlen(err);

				snprintf(err + l, n - l, " %s", ml_switch_name(fz_switch_list[i]));
			}
			return -1;
		}
	}
	return 0;
}

/**
 * struct lossy - "msilab encode --lossy": what is dropped to fit the fuzz
 * vocabulary, said once per kind on stderr ("FILE: note: ...")
 * @keep:	declared device -> device of the fuzz input, -1 dropped
 * @nkept:	devices kept
 * @drop_dev, @drop_verb, @clamped, @truncated: stimuli dropped because
 *		their device was, because they are no model operation, values
 *		brought into the vocabulary, stimuli past FZ_MAX_OPS
 * @first_*:	the line of the first of each
 */
struct lossy {
	const char *path;
	int keep[MLOG_MAX_DEVICES];
	unsigned int nkept;
	uint32_t drop_dev, drop_verb, clamped, truncated;
	uint32_t first_dev, first_verb, first_clamp, first_trunc;
};

static void note(const struct lossy *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(const struct lossy *l, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: note: ", l->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int decls_to_scenario(const struct mlog_decls *d, struct fz_scenario *s, char *err, size_t n,
			     const struct lossy *l)
{
	s->arch = d->arch == MLOG_ARCH_X86_64 ? FZ_ARCH_X86_64 : FZ_ARCH_ARM64;
	if (l && s->arch == FZ_ARCH_X86_64) {
		snprintf(err, n, "arch x86_64: --lossy keeps arm64 recordings only");
		return -1;
	}
	if (l) {
		uint32_t ndev = 0;

		if (d->nr_irqs && d->nr_irqs != 64)
			note(l, "machine nr_irqs=%u dropped: the fuzz machine starts with 64", d->nr_irqs);
		if (d->irqs_used[0])
			note(l, "machine irqs_used=%s dropped: no irq is in use when a fuzz machine starts "
			     "(the model hands out other irq numbers)", d->irqs_used);
		if (d->nits > 1)
			note(l, "ITSes past the first dropped, with their devices");
		s->cpus = d->has_machine ? d->cpus : 2;
		if (s->cpus < 1 || s->cpus > 8) {
			note(l, "machine cpus=%u: the fuzz machine has %u", s->cpus, s->cpus < 1 ? 1 : 8);
			s->cpus = s->cpus < 1 ? 1 : 8;
		}
		s->lpi_bits = d->nits ? d->its[0].lpi_bits : 16;
		s->num_lpis = d->nits ? d->its[0].num_lpis : 0;
		s->event_bits = d->nits ? d->its[0].event_bits : 16;
		s->devid_bits = d->nits ? d->its[0].devid_bits : 16;
		s->ite_size = d->nits ? d->its[0].ite_size : 8;
		for (unsigned int i = 0; i < d->ndev; i++) {
			const struct mlog_device_decl *m = &d->dev[i];
			struct fz_dev *f;

			if (l->keep[i] < 0)
				continue;
			f = &s->dev[ndev++];
			memset(f, 0, sizeof(*f));
			if (m->bus == MLOG_BUS_PCI) {
				f->bus = FZ_BUS_PCI;
				if (m->wired)
					note(l, "device %s: wired=1 dropped (a PCI device)", m->name);
				if (m->bdf >> 16)
					note(l, "device %s: PCI segment %u dropped", m->name, m->bdf >> 16);
				f->bdf = m->bdf & 0xffff;
				f->msi = m->msi;
				f->msix = m->msix > 2048 ? 2048 : m->msix;
			} else {
				f->bus = m->wired ? FZ_BUS_WIRED : FZ_BUS_PLATFORM;
			}
			f->intx = m->intx;
			f->alias = m->alias >= 0 ? l->keep[m->alias] : -1;
			if (m->alias >= 0 && f->alias < 0)
				note(l, "device %s: alias=%s dropped with that device", m->name,
				     d->dev[m->alias].name);
			f->devid = m->devid & 0xffff;
			if (m->devid > 0xffff)
				note(l, "device %s: DevID 0x%x cut to 16 bits", m->name, m->devid);
		}
		s->ndev = ndev;
		return 0;
	}
	if (d->nr_irqs && d->nr_irqs != 64) {
		snprintf(err, n, "machine nr_irqs=%u: outside the fuzz vocabulary (64 only)", d->nr_irqs);
		return -1;
	}
	if (s->arch == FZ_ARCH_X86_64 && strcmp(d->irqs_used, FZ_X86_IRQS_USED)) {
		snprintf(err, n, "machine irqs_used=%.40s: outside the fuzz vocabulary (x86_64: irqs_used=%s, "
			 "the legacy IO-APIC range)", d->irqs_used[0] ? d->irqs_used : "(none)",
			 FZ_X86_IRQS_USED);
		return -1;
	}
	if (s->arch == FZ_ARCH_ARM64 && d->irqs_used[0]) {
		snprintf(err, n, "machine irqs_used: outside the fuzz vocabulary (no irqs in use at start)");
		return -1;
	}
	if (d->nx86_cpu || d->nx86_irq) {
		snprintf(err, n, "x86_cpu/x86_irq declarations: outside the fuzz vocabulary (the matrix as boot leaves it)");
		return -1;
	}
	if (s->arch == FZ_ARCH_X86_64 && d->nits) {
		snprintf(err, n, "an ITS on x86_64: outside the fuzz vocabulary");
		return -1;
	}
	s->cpus = d->has_machine ? d->cpus : 2;
	if (d->nits > 1) {
		snprintf(err, n, "%u ITSes: outside the fuzz vocabulary (one ITS)", d->nits);
		return -1;
	}
	s->lpi_bits = d->nits ? d->its[0].lpi_bits : 16;
	s->num_lpis = d->nits ? d->its[0].num_lpis : 0;
	s->event_bits = d->nits ? d->its[0].event_bits : 16;
	s->devid_bits = d->nits ? d->its[0].devid_bits : 16;
	s->ite_size = d->nits ? d->its[0].ite_size : 8;
	if (d->ndev < 1 || d->ndev > FZ_MAX_DEVS) {
		snprintf(err, n, "%u devices: outside the fuzz vocabulary (1 to %d)", d->ndev, FZ_MAX_DEVS);
		return -1;
	}
	s->ndev = d->ndev;
	for (unsigned int i = 0; i < d->ndev; i++) {
		const struct mlog_device_decl *m = &d->dev[i];
		struct fz_dev *f = &s->dev[i];

		memset(f, 0, sizeof(*f));
		if (m->bus == MLOG_BUS_PCI) {
			if (m->wired) {
				snprintf(err, n, "device %s: wired=1 on a PCI device is outside the fuzz vocabulary",
					 m->name);
				return -1;
			}
			if (m->bdf >> 16) {
				snprintf(err, n, "device %s: PCI segment %u is outside the fuzz vocabulary (segment 0)",
					 m->name, m->bdf >> 16);
				return -1;
			}
			f->bus = FZ_BUS_PCI;
			f->bdf = m->bdf;
			f->msi = m->msi;
			f->msix = m->msix;
		} else if (m->bus == MLOG_BUS_DMAR || m->bus == MLOG_BUS_HPET) {
			f->bus = m->bus == MLOG_BUS_DMAR ? FZ_BUS_DMAR : FZ_BUS_HPET;
		} else {
			f->bus = m->wired ? FZ_BUS_WIRED : FZ_BUS_PLATFORM;
		}
		f->intx = m->intx;
		f->msi_mask = m->msi_mask;
		f->alias = m->alias;
		f->devid = m->devid;
		if (m->its > 0) {
			snprintf(err, n, "device %s: a second ITS is outside the fuzz vocabulary", m->name);
			return -1;
		}
	}
	return 0;
}

/* A value of @op outside the vocabulary (fz_check()) brought into it: true if one was. */
static bool clamp_op(const struct fz_scenario *s, struct ml_op *op)
{
	struct ml_op o = *op;

#define CLAMP(f, max) do { if (o.f > (max)) o.f = (max); } while (0)
	if (o.min != INT32_MAX && (o.min < 0 || o.min >= (int32_t)FZ_N_INT_MAX))
		o.min = o.min < 0 ? 0 : (int32_t)FZ_N_INT_MAX - 1;
	if (o.max != INT32_MAX && (o.max < 0 || o.max >= (int32_t)FZ_N_INT_MAX))
		o.max = o.max < 0 ? 0 : (int32_t)FZ_N_INT_MAX - 1;
	o.flags &= 0x1f;
	CLAMP(pre, 15u);
	CLAMP(post, 15u);
	CLAMP(vec, 0xffffu);
	CLAMP(hwsize, 0xffffu);
	CLAMP(nvec, 0xffffu);
	CLAMP(first, 0xffffu);
	CLAMP(last, 0xffffu);
	CLAMP(skip, 0xffffu);
	CLAMP(count, 0xffffu);
	CLAMP(hwirq, 0xffffffffull);
	if (o.index != ML_ANY_INDEX)
		CLAMP(index, 0xffffu);
	if ((op->kind == ML_OP_CPU_OFFLINE || op->kind == ML_OP_CPU_ONLINE) && o.cpu >= s->cpus)
		o.cpu %= s->cpus;
#undef CLAMP
	if (!memcmp(&o, op, sizeof(o)))
		return false;
	*op = o;
	return true;
}

/*
 * --lossy, first pass: which devices to keep.  The devices on the first
 * ITS with the most stimuli, at most FZ_MAX_DEVS of them, in declaration
 * order (an alias names an earlier device).
 */
static int lossy_plan(const char *path, struct lossy *l, struct mlog_error *err)
{
	struct mlog_event *ev = malloc(sizeof(*ev));
	uint32_t count[MLOG_MAX_DEVICES] = { 0 };
	const struct mlog_decls *d;
	struct mlog_reader *r;
	int rc;

	if (!ev)
		return -1;
	r = mlog_reader_open(path, err);
	if (!r) {
		free(ev);
		return -1;
	}
	while ((rc = mlog_read(r, ev)) > 0) {
		struct ml_op op;

		if (ev->verb != MLOG_V_NONE && mlog_verb_class(ev->verb) == MLOG_C_STIM &&
		    !replay_op_from_event(ev, &op) && op.dev >= 0 && op.dev < MLOG_MAX_DEVICES)
			count[op.dev]++;
	}
	if (rc < 0) {
		*err = *mlog_reader_error(r);
		mlog_reader_close(r);
		free(ev);
		return -1;
	}
	d = mlog_reader_decls(r);
	if (d->arch != MLOG_ARCH_ARM64) {
		snprintf(err->msg, sizeof(err->msg), "arch x86_64: outside the fuzz vocabulary (arm64 only)");
		mlog_reader_close(r);
		free(ev);
		return -1;
	}
	for (unsigned int i = 0; i < MLOG_MAX_DEVICES; i++)
		l->keep[i] = -1;
	for (l->nkept = 0; l->nkept < FZ_MAX_DEVS; l->nkept++) {
		int best = -1;

		for (unsigned int i = 0; i < d->ndev; i++)
			if (l->keep[i] < 0 && d->dev[i].its == 0 &&
			    (best < 0 || count[i] > count[best]))
				best = (int)i;
		if (best < 0)
			break;
		l->keep[best] = 0;
	}
	for (unsigned int i = 0, k = 0; i < d->ndev; i++)
		if (!l->keep[i])
			l->keep[i] = (int)k++;
	if (d->ndev > l->nkept)
		note(l, "%u of %u devices kept (the fuzz machine has at most %d), those with the most "
		     "stimuli: the stimuli of the others are dropped", l->nkept, d->ndev, FZ_MAX_DEVS);
	mlog_reader_close(r);
	free(ev);
	return l->nkept ? 0 : -1;
}

static int read_mlog(const char *path, struct fz_scenario *s, uint32_t *lines, struct mlog_error *err,
		     struct lossy *l);

int fz_read_mlog(const char *path, struct fz_scenario *s, uint32_t *lines, struct mlog_error *err)
{
	return read_mlog(path, s, lines, err, NULL);
}

int fz_read_mlog_lossy(const char *path, struct fz_scenario *s, uint32_t *lines,
		       struct mlog_error *err)
{
	struct lossy l;

	memset(&l, 0, sizeof(l));
	l.path = path;
	memset(s, 0, offsetof(struct fz_scenario, op));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	if (lossy_plan(path, &l, err)) {
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "no device to keep");
		return -1;
	}
	if (read_mlog(path, s, lines, err, &l))
		return -1;
	if (l.drop_dev)
		note(&l, "%u stimuli of dropped devices dropped (the first at line %u)", l.drop_dev,
		     l.first_dev);
	if (l.drop_verb)
		note(&l, "%u stimuli that are no model operation dropped (the first at line %u)",
		     l.drop_verb, l.first_verb);
	if (l.clamped)
		note(&l, "%u stimuli with values outside the fuzz vocabulary brought into it (the first "
		     "at line %u)", l.clamped, l.first_clamp);
	if (l.truncated)
		note(&l, "%u stimuli past the %d a fuzz input holds dropped (from line %u)", l.truncated,
		     FZ_MAX_OPS, l.first_trunc);
	return 0;
}

static int read_mlog(const char *path, struct fz_scenario *s, uint32_t *lines, struct mlog_error *err,
		     struct lossy *l)
{
	struct mlog_event *ev = malloc(sizeof(*ev));
	const struct ml_profile *list;
	struct mlog_reader *r;
	bool have_profile = false, have_decls = false;
	int ret = -1, rc;

	memset(s, 0, offsetof(struct fz_scenario, op));
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	ml_profiles(&list);
	if (!ev) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -1;
	}
	r = mlog_reader_open(path, err);
	if (!r) {
		free(ev);
		return -1;
	}
	while ((rc = mlog_read(r, ev)) > 0) {
		enum mlog_class cls = mlog_verb_class(ev->verb);
		struct ml_op *op;

		if (ev->verb == MLOG_V_NONE) {
			if (ev->is_comment && !strncmp(ev->strbuf, "# profile:", 10) && !have_decls) {
				if (parse_profile_comment(ev->strbuf, s, err->msg, sizeof(err->msg)))
					goto bad;
				have_profile = true;
			}
			continue;
		}
		if (cls == MLOG_C_HDR || cls == MLOG_C_DECL || cls == MLOG_C_OBS || cls == MLOG_C_META)
			continue;	/* declarations are read as a whole below */
		if (!have_decls) {
			const struct mlog_decls *d = mlog_reader_decls(r);
			struct ml_profile p;

			if (!have_profile) {
				int idx;

				if (ml_profile_from_release(d->release, &p) ||
				    (idx = fz_profile_index(p.name)) < 0) {
					snprintf(err->msg, sizeof(err->msg),
						 "kernel release \"%s\" maps to no profile (outside the fuzz vocabulary)",
						 d->release);
					goto bad;
				}
				s->profile = (unsigned int)idx;
				s->sw = list[idx].sw;
			}
			if (decls_to_scenario(d, s, err->msg, sizeof(err->msg), l))
				goto bad;
			have_decls = true;
		}
		if (s->nops == FZ_MAX_OPS) {
			if (l) {
				if (!l->truncated++)
					l->first_trunc = ev->line;
				continue;
			}
			snprintf(err->msg, sizeof(err->msg), "more than %d stimuli: outside the fuzz vocabulary", FZ_MAX_OPS);
			goto bad_line;
		}
		op = &s->op[s->nops];
		if (replay_op_from_event(ev, op)) {
			if (l) {
				if (!l->drop_verb++)
					l->first_verb = ev->line;
				continue;
			}
			snprintf(err->msg, sizeof(err->msg), "%s is not a model operation (outside the fuzz vocabulary)",
				 mlog_verb_name(ev->verb));
			goto bad_line;
		}
		if (l && op->dev >= 0) {
			if (op->dev >= MLOG_MAX_DEVICES || l->keep[op->dev] < 0) {
				if (!l->drop_dev++)
					l->first_dev = ev->line;
				continue;
			}
			op->dev = l->keep[op->dev];
		}
		if (l && clamp_op(s, op) && !l->clamped++)
			l->first_clamp = ev->line;
		if (lines)
			lines[s->nops] = ev->line;
		s->src[s->nops] = (uint16_t)s->nops;
		s->nops++;
	}
	if (rc < 0) {
		*err = *mlog_reader_error(r);
		goto out;
	}
	if (!have_decls) {
		const struct mlog_decls *d = mlog_reader_decls(r);
		struct ml_profile p;
		int idx;

		if (!have_profile) {
			if (ml_profile_from_release(d->release, &p) || (idx = fz_profile_index(p.name)) < 0) {
				snprintf(err->msg, sizeof(err->msg),
					 "kernel release \"%s\" maps to no profile (outside the fuzz vocabulary)",
					 d->release);
				goto bad;
			}
			s->profile = (unsigned int)idx;
			s->sw = list[idx].sw;
		}
		if (decls_to_scenario(d, s, err->msg, sizeof(err->msg), l))
			goto bad;
	}
	ret = 0;
	goto out;
bad_line:
	err->line = ev->line;
bad:
	ret = -2;
out:
	mlog_reader_close(r);
	free(ev);
	return ret;
}

/* ---- commands ---- */

void cmd_decode_usage(FILE *f)
{
	fprintf(f, "usage: msilab decode [-o OUT] [-t TARGET] [-p PROFILE] [--no-toggles] [--no-faults] INPUT\n\n"
		"Print the .mlog scenario that a fuzz input (fuzz/decoder.h) stands for: what a\n"
		"fuzz_model target ran.  Replay it with msilab replay.\n\n"
		"  -o, --output OUT     write to OUT instead of stdout\n"
		"  -t, --target TARGET  decode as TARGET does (default fuzz_model):");
	for (const char *const *t = fz_targets; *t; t++)
		fprintf(f, " %s", *t);
	fprintf(f, "\n"
		"  -p, --profile P      force the profile (as the fixed-profile targets do)\n"
		"      --no-toggles     ignore the switch toggles\n"
		"      --no-faults      drop the fault records (targets built with FZ_FAULTS=0)\n"
		"  -h, --help           this text\n\n"
		"Exit status: 0 done, 2 unreadable input or usage.\n");
}

void cmd_encode_usage(FILE *f)
{
	fprintf(f, "usage: msilab encode [-o OUT] [--lossy] FILE.mlog\n\n"
		"Write the fuzz input (fuzz/decoder.h) of a .mlog scenario: its declarations and\n"
		"stimuli (observations, markers and comments are not part of a fuzz input).\n"
		"msilab decode gives the scenario back.\n\n"
		"  -o, --output OUT  write to OUT instead of stdout\n"
		"  -l, --lossy       encode what fits the fuzz vocabulary and say on stderr what\n"
		"                    is dropped (a real recording: irqs in use at boot, devices\n"
		"                    past six, stimuli past 512, values out of range); the\n"
		"                    input decodes to the kept part, not to the file\n"
		"  -h, --help        this text\n\n"
		"Exit status: 0 done, 2 malformed file, content outside the fuzz vocabulary\n"
		"(the message says what), or usage.\n");
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	uint8_t *buf;

	*len = 0;
	if (!f)
		return NULL;
	buf = msilab_read_stream(f, SIZE_MAX, len);
	if (f != stdin)
		fclose(f);
	return buf;
}

int cmd_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "profile", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 't' },
		{ "no-toggles", no_argument, NULL, 'T' },
		{ "no-faults", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct fz_options o;
	struct fz_scenario *s;
	const char *out = NULL;
	char origin[300];
	uint8_t *data;
	size_t len;
	FILE *f;
	int c, ret = MSILAB_EXIT_OK;

	fz_options_default(&o);
	while ((c = getopt_long(argc, argv, "o:p:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 't':
			if (fz_target_options(optarg, &o)) {
				fprintf(stderr, "msilab decode: unknown target \"%s\"\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 'p':
			o.profile = fz_profile_index(optarg);
			if (o.profile < 0) {
				fprintf(stderr, "msilab decode: unknown profile \"%s\"\n", optarg);
				return MSILAB_EXIT_USAGE;
			}
			break;
		case 'T':
			o.toggle_mask = 0;
			break;
		case 'F':
			o.fault_mask = 0;
			break;
		case 'h':
			cmd_decode_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_decode_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cmd_decode_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	data = slurp(argv[optind], &len);
	if (!data && len == 0 && errno) {
		fprintf(stderr, "%s: error: cannot read: %s\n", argv[optind], strerror(errno));
		return MSILAB_EXIT_USAGE;
	}
	s = malloc(sizeof(*s));
	if (!s) {
		free(data);
		return MSILAB_EXIT_USAGE;
	}
	fz_decode(data, len, &o, s);
	free(data);
	f = out ? fopen(out, "w") : stdout;
	if (!f) {
		fprintf(stderr, "%s: error: cannot create: %s\n", out, strerror(errno));
		free(s);
		return MSILAB_EXIT_USAGE;
	}
	snprintf(origin, sizeof(origin), "decoded from fuzz input %s (%zu bytes)", argv[optind], len);
	if (fz_write_mlog(f, s, origin) || fflush(f)) {
		fprintf(stderr, "%s: error: write failed: %s\n", out ? out : "<stdout>", strerror(errno));
		ret = MSILAB_EXIT_USAGE;
	}
	if (out && fclose(f) && !ret) {
		fprintf(stderr, "%s: error: write failed: %s\n", out, strerror(errno));
		ret = MSILAB_EXIT_USAGE;
	}
	free(s);
	return ret;
}

/* Encode @s and check that the bytes decode to exactly @s. */
int fz_encode_checked(const struct fz_scenario *s, const uint32_t *lines, uint8_t *buf,
		      size_t *len, char *err, size_t n)
{
	struct fz_scenario *back = malloc(sizeof(*back));
	struct fz_options o;
	char why[200];
	int ret = 0;

	if (!back) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (fz_check(s, err, n)) {
		free(back);
		return -1;
	}
	*len = fz_encode(s, buf, FZ_MAX_INPUT);
	fz_options_default(&o);
	fz_decode(buf, *len, &o, back);
	if (!fz_equal(s, back, why, sizeof(why))) {
		unsigned int i;

		for (i = 0; i < s->nops && i < back->nops; i++)
			if (s->op[i].kind != back->op[i].kind || s->op[i].dev != back->op[i].dev)
				break;
		if (i < s->nops && lines)
			snprintf(err, n, "line %u: %s cannot happen here (device removed, wrong bus, "
				 "or a device-domain operation on 6.1): the fuzz decoder makes it %s (%s)",
				 lines[i], ml_op_name(s->op[i].kind),
				 i < back->nops ? ml_op_name(back->op[i].kind) : "nothing", why);
		else
			snprintf(err, n, "not representable as a fuzz input: %s", why);
		ret = -1;
	}
	free(back);
	return ret;
}

/*
 * --lossy: the kept scenario's bytes; an operation that cannot happen on
 * the kept machine (a dropped stimulus added or removed a device) decodes
 * as another one, which is said, not refused.
 */
static int encode_lossy(const char *path, const struct fz_scenario *s, const uint32_t *lines,
			uint8_t *buf, size_t *len, char *err, size_t n)
{
	struct fz_scenario *back = malloc(sizeof(*back));
	struct fz_options o;
	uint32_t changed = 0, first = 0;

	if (!back) {
		snprintf(err, n, "out of memory");
		return -1;
	}
	if (fz_check(s, err, n)) {
		free(back);
		return -1;
	}
	*len = fz_encode(s, buf, FZ_MAX_INPUT);
	fz_options_default(&o);
	fz_decode(buf, *len, &o, back);
	for (uint32_t i = 0; i < s->nops && i < back->nops; i++) {
		if (s->op[i].kind != back->op[i].kind || s->op[i].dev != back->op[i].dev) {
			if (!changed++)
				first = i;
		}
	}
	if (changed)
		fprintf(stderr, "%s: note: %u operations cannot happen on the kept machine and decode as "
			"others (the first, %s at line %u, as %s)\n", path, changed,
			ml_op_name(s->op[first].kind), lines[first], ml_op_name(back->op[first].kind));
	free(back);
	return 0;
}

int cmd_encode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "lossy", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static uint8_t buf[FZ_MAX_INPUT];
	static uint32_t lines[FZ_MAX_OPS];
	struct fz_scenario *s;
	struct mlog_error err;
	const char *out = NULL;
	bool lossy = false;
	char why[320];
	size_t len;
	FILE *f;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'l':
			lossy = true;
			break;
		case 'h':
			cmd_encode_usage(stdout);
			return MSILAB_EXIT_OK;
		default:
			cmd_encode_usage(stderr);
			return MSILAB_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cmd_encode_usage(stderr);
		return MSILAB_EXIT_USAGE;
	}
	s = malloc(sizeof(*s));
	if (!s)
		return MSILAB_EXIT_USAGE;
	rc = lossy ? fz_read_mlog_lossy(argv[optind], s, lines, &err) :
		     fz_read_mlog(argv[optind], s, lines, &err);
	if (rc) {
		msilab_print_error(&err);
		free(s);
		return MSILAB_EXIT_USAGE;
	}
	if (lossy ? encode_lossy(argv[optind], s, lines, buf, &len, why, sizeof(why)) :
	    fz_encode_checked(s, lines, buf, &len, why, sizeof(why))) {
		fprintf(stderr, "%s: error: %s (outside the fuzz vocabulary)\n", argv[optind], why);
		free(s);
		return MSILAB_EXIT_USAGE;
	}
	free(s);
	f = out ? fopen(out, "wb") : stdout;
	if (!f) {
		fprintf(stderr, "%s: error: cannot create: %s\n", out, strerror(errno));
		return MSILAB_EXIT_USAGE;
	}
	rc = fwrite(buf, 1, len, f) != len || fflush(f);
	if (out)
		rc |= fclose(f);
	if (rc) {
		fprintf(stderr, "%s: error: write failed: %s\n", out ? out : "<stdout>", strerror(errno));
		return MSILAB_EXIT_USAGE;
	}
	return MSILAB_EXIT_OK;
}
