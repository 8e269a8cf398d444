// SPDX-License-Identifier: GPL-2.0
/*
 * report_kunit.c - the KUnit skeleton (REPORT.md "KUnit"): the reproducer's
 * stimuli as calls to the kernel's API in one KUNIT_CASE, each under a
 * comment with its step, line and the invariant that must hold after it.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_local.h"

/* ---- KUnit ---- */

/* The C identifier of this report: [a-z0-9_], at most 40 characters. */
static void kunit_id(const struct report *r, char *out, size_t n)
{
	const char *src = r->in->signature;
	char name[128];
	size_t len = 0, bl;
	bool sep = false;

	if (!src) {
		const char *base = strrchr(r->in->mlog_path, '/');

		base = base ? base + 1 : r->in->mlog_path;
		bl = strlen(base);
		if (bl > 5 && !strcmp(base + bl - 5, ".mlog"))
			bl -= 5;
		snprintf(name, sizeof(name), "%.*s", (int)bl, base);
		src = name;
	}
	if (r->bug) {
		for (const char *p = r->bug->id; *p && len + 1 < n; p++)
			out[len++] = (char)tolower((unsigned char)*p);
		out[len] = 0;
		/* "b3" and "B3-orphan-eventids": no "b3_b3_" */
		if (!strncasecmp(src, r->bug->id, strlen(r->bug->id)) &&
		    !isalnum((unsigned char)src[strlen(r->bug->id)]))
			src += strlen(r->bug->id);
		sep = true;
	}
	for (const char *p = src; *p && len + 2 < n && len < 40; p++) {
		if (isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80)) {
			if (sep && len)
				out[len++] = '_';
			sep = false;
			out[len++] = (char)tolower((unsigned char)*p);
		} else {
			sep = true;
		}
	}
	if (!len || isdigit((unsigned char)out[0])) {
		memmove(out + 2, out, len < n - 3 ? len : n - 3);
		out[0] = 'r';
		out[1] = '_';
		len = len + 2 < n - 1 ? len + 2 : n - 1;
	}
	out[len] = 0;
}

static const char *kdev(const struct report *r, int dev, char *buf, size_t n)
{
	const struct mlog_device_decl *d = &r->decls->dev[dev];

	if (d->bus == MLOG_BUS_PCI)
		snprintf(buf, n, "&%s_pdev->dev", d->name);
	else
		snprintf(buf, n, "%s_dev", d->name);
	return buf;
}

static void kunit_flags(FILE *f, const struct report *r, uint32_t flags)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ MLOG_PCI_IRQ_INTX, NULL }, { MLOG_PCI_IRQ_MSI, "PCI_IRQ_MSI" },
		{ MLOG_PCI_IRQ_MSIX, "PCI_IRQ_MSIX" }, { MLOG_PCI_IRQ_AFFINITY, "PCI_IRQ_AFFINITY" },
		{ MLOG_PCI_IRQ_VIRTUAL, "PCI_IRQ_VIRTUAL" },
	};
	const char *sep = "";
	uint32_t rest = flags;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		/* PCI_IRQ_LEGACY became PCI_IRQ_INTX in v6.8 */
		fprintf(f, "%s%s", sep, names[i].name ? names[i].name :
			r->prof.kver >= 608 ? "PCI_IRQ_INTX" : "PCI_IRQ_LEGACY");
		sep = " | ";
		rest &= ~names[i].bit;
	}
	if (rest || !flags)
		fprintf(f, "%s0x%x", sep, rest);
}

/* What the kernel calls for one stimulus; returns whether it sets ret. */
static bool kunit_call(FILE *f, const struct report *r, const struct mlog_event *ev, bool *entries)
{
	const int64_t *v = ev->num;
	int dev = mlog_has(ev, MLOG_K_DEV) ? (int)v[MLOG_K_DEV] : -1;
	const struct mlog_device_decl *dd = dev >= 0 && (uint32_t)dev < r->decls->ndev ?
					    &r->decls->dev[dev] : NULL;
	const char *name = dd ? dd->name : "?";
	bool pci = dd && dd->bus == MLOG_BUS_PCI;
	char d[64];
	const char *verb = mlog_verb_name(ev->verb);

	if (dd)
		kdev(r, dev, d, sizeof(d));
	switch (ev->verb) {
	case MLOG_V_PCI_ENABLE_DEVICE:
	case MLOG_V_PCIM_ENABLE_DEVICE:
	case MLOG_V_PCI_ENABLE_MSI:
		fprintf(f, "\tret = %s(%s_pdev);\n", verb, name);
		return true;
	case MLOG_V_PCI_DISABLE_MSI:
	case MLOG_V_PCI_DISABLE_MSIX:
	case MLOG_V_PCI_FREE_IRQ_VECTORS:
		fprintf(f, "\t%s(%s_pdev);\n", verb, name);
		return false;
	case MLOG_V_PCI_ALLOC_IRQ_VECTORS:
	case MLOG_V_PCIM_ALLOC_IRQ_VECTORS:
		if (mlog_has(ev, MLOG_K_PRE_VECTORS) || mlog_has(ev, MLOG_K_POST_VECTORS) ||
		    (v[MLOG_K_FLAGS] & MLOG_PCI_IRQ_AFFINITY)) {
			fprintf(f, "\t{\n\t\tstruct irq_affinity affd = { .pre_vectors = %u, "
				".post_vectors = %u };\n\n\t\tret = %s_affinity(%s_pdev, %lld, %lld, ",
				(unsigned int)v[MLOG_K_PRE_VECTORS], (unsigned int)v[MLOG_K_POST_VECTORS],
				verb, name, (long long)v[MLOG_K_MIN], (long long)v[MLOG_K_MAX]);
			kunit_flags(f, r, (uint32_t)v[MLOG_K_FLAGS]);
			fputs(", &affd);\n\t}\n", f);
		} else {
			fprintf(f, "\tret = %s(%s_pdev, %lld, %lld, ", verb, name,
				(long long)v[MLOG_K_MIN], (long long)v[MLOG_K_MAX]);
			kunit_flags(f, r, (uint32_t)v[MLOG_K_FLAGS]);
			fputs(");\n", f);
		}
		return true;
	case MLOG_V_PCI_ENABLE_MSIX_RANGE:
		*entries = true;
		fprintf(f, "\tentries = kunit_kcalloc(test, %lld, sizeof(*entries), GFP_KERNEL);\n"
			"\tKUNIT_ASSERT_NOT_NULL(test, entries);\n"
			"\tfor (i = 0; i < %lld; i++)\n\t\tentries[i].entry = i;\n"
			"\tret = pci_enable_msix_range(%s_pdev, entries, %lld, %lld);\n",
			(long long)v[MLOG_K_MAX], (long long)v[MLOG_K_MAX], name,
			(long long)v[MLOG_K_MIN], (long long)v[MLOG_K_MAX]);
		return true;
	case MLOG_V_REQUEST_IRQ:
		if (pci)
			fprintf(f, "\tret = request_irq(pci_irq_vector(%s_pdev, %u), msilab_handler, 0, "
				"\"msilab\", %s_pdev);\n", name, (unsigned int)v[MLOG_K_VEC], name);
		else
			fprintf(f, "\tret = request_irq(msi_get_virq(%s, %u), msilab_handler, 0, "
				"\"msilab\", %s);\n", d, (unsigned int)v[MLOG_K_VEC], d);
		return true;
	case MLOG_V_FREE_IRQ:
		if (pci)
			fprintf(f, "\tfree_irq(pci_irq_vector(%s_pdev, %u), %s_pdev);\n", name,
				(unsigned int)v[MLOG_K_VEC], name);
		else
			fprintf(f, "\tfree_irq(msi_get_virq(%s, %u), %s);\n", d,
				(unsigned int)v[MLOG_K_VEC], d);
		return false;
	case MLOG_V_DRIVER_UNBIND:
		fprintf(f, "\tdevice_release_driver(%s);\n", d);
		return false;
	case MLOG_V_DEVICE_REMOVE:
		if (pci)
			fprintf(f, "\tpci_stop_and_remove_bus_device_locked(%s_pdev);\n", name);
		else
			fprintf(f, "\tplatform_device_del(to_platform_device(%s));\n", d);
		return false;
	case MLOG_V_DEVICE_ADD:
		if (pci)
			fprintf(f, "\tpci_lock_rescan_remove();\n\tpci_rescan_bus(%s_bus);\n"
				"\tpci_unlock_rescan_remove();\n", name);
		else
			fprintf(f, "\tKUNIT_EXPECT_EQ(test, platform_device_add(to_platform_device(%s)), 0);\n",
				d);
		return false;
	case MLOG_V_MSI_CREATE_DEVICE_IRQ_DOMAIN:
		fprintf(f, "\tret = msi_create_device_irq_domain(%s, MSI_DEFAULT_DOMAIN, "
			"&msilab_template, %u, NULL, NULL);\n", d, (unsigned int)v[MLOG_K_HWSIZE]);
		return true;
	case MLOG_V_MSI_REMOVE_DEVICE_IRQ_DOMAIN:
		fprintf(f, "\tmsi_remove_device_irq_domain(%s, MSI_DEFAULT_DOMAIN);\n", d);
		return false;
	case MLOG_V_MSI_DOMAIN_ALLOC_IRQS_RANGE:
		fprintf(f, "\tret = msi_domain_alloc_irqs_range(%s, MSI_DEFAULT_DOMAIN, %u, %u);\n", d,
			(unsigned int)v[MLOG_K_FIRST], (unsigned int)v[MLOG_K_LAST]);
		return true;
	case MLOG_V_MSI_DOMAIN_FREE_IRQS_RANGE:
		fprintf(f, "\tmsi_domain_free_irqs_range(%s, MSI_DEFAULT_DOMAIN, %u, %u);\n", d,
			(unsigned int)v[MLOG_K_FIRST], (unsigned int)v[MLOG_K_LAST]);
		return false;
	case MLOG_V_MSI_DOMAIN_ALLOC_IRQ_AT:
		fputs("\t{\n\t\tstruct msi_map map = msi_domain_alloc_irq_at(", f);
		if (v[MLOG_K_INDEX] == MLOG_INDEX_ANY)
			fprintf(f, "%s, MSI_DEFAULT_DOMAIN, MSI_ANY_INDEX, NULL, NULL);\n", d);
		else
			fprintf(f, "%s, MSI_DEFAULT_DOMAIN, %lld, NULL, NULL);\n", d,
				(long long)v[MLOG_K_INDEX]);
		fputs("\n\t\tret = map.index < 0 ? map.index : map.virq;\n\t}\n", f);
		return true;
	case MLOG_V_MSI_DEVICE_DOMAIN_ALLOC_WIRED:
		fprintf(f, "\tret = msi_device_domain_alloc_wired(msilab_device_domain(%s), 0x%llx, "
			"IRQ_TYPE_LEVEL_HIGH);\n", d, (unsigned long long)v[MLOG_K_HWIRQ]);
		return true;
	case MLOG_V_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS:
		fprintf(f, "\tret = platform_device_msi_init_and_alloc_irqs(%s, %u, msilab_write_msg);\n",
			d, (unsigned int)v[MLOG_K_NVEC]);
		return true;
	case MLOG_V_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL:
		fprintf(f, "\tplatform_device_msi_free_irqs_all(%s);\n", d);
		return false;
	case MLOG_V_CPU_OFFLINE:
		fprintf(f, "\tret = remove_cpu(%u);\n", (unsigned int)v[MLOG_K_CPU]);
		return true;
	case MLOG_V_CPU_ONLINE:
		fprintf(f, "\tret = add_cpu(%u);\n", (unsigned int)v[MLOG_K_CPU]);
		return true;
	case MLOG_V_FAULT:
		fprintf(f, "\tmsilab_arm_fault(test, \"%s\", %u, %u);\n",
			mlog_fault_name((enum mlog_fault)v[MLOG_K_POINT]),
			mlog_has(ev, MLOG_K_SKIP) ? (unsigned int)v[MLOG_K_SKIP] : 0,
			mlog_has(ev, MLOG_K_COUNT) ? (unsigned int)v[MLOG_K_COUNT] : 1);
		return false;
	default:
		fputs("\t/* no kernel call is written for this stimulus yet: add it by hand */\n", f);
		return false;
	}
}

struct kunit_use {
	bool pci, platform, irq, entries, domain, wired, platform_msi, fault, ret, add;
};

static void kunit_scan(const struct report *r, const struct mlog_event *ev, struct kunit_use *u)
{
	switch (ev->verb) {
	case MLOG_V_REQUEST_IRQ: u->irq = true; break;
	case MLOG_V_PCI_ENABLE_MSIX_RANGE: u->entries = true; break;
	case MLOG_V_MSI_CREATE_DEVICE_IRQ_DOMAIN: u->domain = true; break;
	case MLOG_V_MSI_DEVICE_DOMAIN_ALLOC_WIRED: u->wired = true; break;
	case MLOG_V_PLATFORM_DEVICE_MSI_INIT_AND_ALLOC_IRQS: u->platform_msi = true; break;
	case MLOG_V_FAULT: u->fault = true; break;
	case MLOG_V_DEVICE_ADD: u->add = true; break;
	default: break;
	}
	(void)r;
}

int rep_render_kunit(FILE *f, struct report *r, struct mlog_error *err)
{
	const struct replay_result *res = r->res;
	struct mlog_event *ev = malloc(sizeof(*ev));
	struct kunit_use use = { 0 };
	struct mlog_reader *rd;
	enum { PARA = 4096 };
	char id[64], para[PARA];
	uint32_t step = 0;
	int rc;

	if (!ev) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return 2;
	}
	kunit_id(r, id, sizeof(id));
	/* which helpers the test needs */
	rd = mlog_reader_open(r->in->mlog_path, err);
	if (!rd) {
		free(ev);
		return 2;
	}
	while ((rc = mlog_read(rd, ev)) > 0)
		if (ev->verb != MLOG_V_NONE && mlog_verb_class(ev->verb) == MLOG_C_STIM)
			kunit_scan(r, ev, &use);
	mlog_reader_close(rd);
	for (uint32_t i = 0; i < r->decls->ndev; i++) {
		use.pci |= r->decls->dev[i].bus == MLOG_BUS_PCI;
		use.platform |= r->decls->dev[i].bus == MLOG_BUS_PLATFORM;
	}

	fputs("// SPDX-License-Identifier: GPL-2.0\n/*\n", f);
	snprintf(para, PARA, "kunit_msilab_%s.c - a KUnit skeleton written by msilab report from %s "
		 "(profile %s).", id, r->in->mlog_path, res->profile);
	rep_comment_para(f, " * ", para);
	fputs(" *\n", f);
	if (r->bug) {
		snprintf(para, PARA, "Known bug %s: %s. Versions: %s.", r->bug->id, r->bug->title,
			 r->bug->affected);
		rep_comment_para(f, " * ", para);
		snprintf(para, PARA, "Upstream: %s.", r->bug->upstream);
		rep_comment_para(f, " * ", para);
	} else if (res->has_violation) {
		rep_comment_para(f, " * ", "New: no known bug of the msilab catalogue matches.");
	}
	if (r->in->signature) {
		snprintf(para, PARA, "Triage signature: %s.", r->in->signature);
		rep_comment_para(f, " * ", para);
	}
	if (res->has_violation)
		snprintf(para, PARA, "The model breaks %s at step %u (line %u): %s.",
			 res->first_violation.inv, res->first_violation.step, res->first_violation.line,
			 res->first_violation.detail);
	else
		snprintf(para, PARA, "The model finds no violation on this profile.");
	rep_comment_para(f, " * ", para);
	fputs(" *\n * Each step below is one stimulus of the reproducer, called through the kernel\n"
	      " * API with the value the model returned on this profile, and the invariant\n"
	      " * (msilab spec section 6) that must hold after it.  To adapt: point the\n"
	      " * devices in the init function at devices of the machine under test (the\n"
	      " * ITS DevIDs and MSI capabilities are given), build with CONFIG_KUNIT and\n"
	      " * check the ITS state (debugfs, or the irq_domain hierarchy) where a comment\n"
	      " * names the invariant that breaks.  Steps after the first violation run on\n"
	      " * the broken state: their return values are the buggy kernel's.\n */\n", f);
	fputs("#include <kunit/test.h>\n#include <linux/cpu.h>\n#include <linux/device.h>\n"
	      "#include <linux/interrupt.h>\n#include <linux/irqdomain.h>\n#include <linux/module.h>\n"
	      "#include <linux/msi.h>\n#include <linux/pci.h>\n#include <linux/platform_device.h>\n\n",
	      f);
	for (uint32_t i = 0; i < r->decls->ndev; i++) {
		const struct mlog_device_decl *dd = &r->decls->dev[i];

		fputs("/* ", f);
		rep_put_ccomment(f, dd->name);
		if (dd->bus == MLOG_BUS_PCI)
			fprintf(f, ": PCI %04x:%02x:%02x.%x", dd->bdf >> 16, (dd->bdf >> 8) & 0xff,
				(dd->bdf >> 3) & 0x1f, dd->bdf & 7);
		else
			fputs(": platform device", f);
		fprintf(f, ", ITS DevID 0x%x", dd->devid);
		if (dd->msi)
			fprintf(f, ", MSI (Multiple Message Capable %u)", dd->msi);
		if (dd->msix)
			fprintf(f, ", MSI-X (table size %u)", dd->msix);
		if (dd->alias >= 0 && (uint32_t)dd->alias < r->decls->ndev)
			fprintf(f, ", DMA alias of %s", r->decls->dev[dd->alias].name);
		if (dd->wired)
			fputs(", wired-to-MSI", f);
		fputs(" */\n", f);
		if (dd->bus == MLOG_BUS_PCI)
			fprintf(f, "static struct pci_dev *%s_pdev;\n", dd->name);
		if (dd->bus == MLOG_BUS_PCI && use.add)
			fprintf(f, "static struct pci_bus *%s_bus;\t/* to rescan after a removal */\n",
				dd->name);
		else
			fprintf(f, "static struct device *%s_dev;\n", dd->name);
	}
	fputc('\n', f);
	if (use.irq)
		fputs("static irqreturn_t msilab_handler(int irq, void *dev_id)\n{\n"
		      "\treturn IRQ_HANDLED;\n}\n\n", f);
	if (use.domain)
		fputs("/* The device MSI domain template of the driver under test. */\n"
		      "static const struct msi_domain_template msilab_template = {\n"
		      "\t.chip = { .name = \"msilab\" },\n"
		      "\t.info = { .bus_token = DOMAIN_BUS_DEVICE_MSI },\n};\n\n", f);
	if (use.wired)
		fputs("/* The device MSI domain in slot 0, as a wired-to-MSI driver (mbigen) holds it. */\n"
		      "static struct irq_domain *msilab_device_domain(struct device *dev)\n{\n"
		      "\treturn dev->msi.data->__domains[MSI_DEFAULT_DOMAIN].domain;\n}\n\n", f);
	if (use.platform_msi)
		fputs("static void msilab_write_msg(struct msi_desc *desc, struct msi_msg *msg)\n{\n}\n\n",
		      f);
	if (use.fault)
		fputs("/*\n * Arm a fault: the next @skip hits of the kernel failure site @site succeed,\n"
		      " * the @count after them fail (msilab fault points, FORMAT.md section 6).\n"
		      " * Wire it to fail_function (ALLOW_ERROR_INJECTION) or a kprobe override\n"
		      " * of that site; until then the test is skipped here.\n */\n"
		      "static void msilab_arm_fault(struct kunit *test, const char *site, unsigned int skip,\n"
		      "\t\t\t     unsigned int count)\n{\n"
		      "\tkunit_skip(test, \"fault %s (skip %u, count %u): wire msilab_arm_fault()\",\n"
		      "\t\t   site, skip, count);\n}\n\n", f);
	fprintf(f, "static int msilab_%s_init(struct kunit *test)\n{\n", id);
	if (use.platform)
		fputs("\tstruct device *dev;\n\n", f);
	for (uint32_t i = 0; i < r->decls->ndev; i++) {
		const struct mlog_device_decl *dd = &r->decls->dev[i];

		if (dd->bus == MLOG_BUS_PCI) {
			fprintf(f, "\t%s_pdev = pci_get_domain_bus_and_slot(0x%x, 0x%02x, PCI_DEVFN(0x%02x, %u));\n"
				"\tif (!%s_pdev)\n\t\tkunit_skip(test, \"no PCI device %04x:%02x:%02x.%x (%s): "
				"adapt msilab_%s_init()\");\n", dd->name,
				dd->bdf >> 16, (dd->bdf >> 8) & 0xff, (dd->bdf >> 3) & 0x1f, dd->bdf & 7,
				dd->name, dd->bdf >> 16, (dd->bdf >> 8) & 0xff, (dd->bdf >> 3) & 0x1f,
				dd->bdf & 7, dd->name, id);
			if (use.add)
				fprintf(f, "\t%s_bus = %s_pdev->bus;\n", dd->name, dd->name);
		} else {
			fprintf(f, "\tdev = bus_find_device_by_name(&platform_bus_type, NULL, \"%s\");\n"
				"\tif (!dev)\n\t\tkunit_skip(test, \"no platform device %s: adapt "
				"msilab_%s_init()\");\n\t%s_dev = dev;\n", dd->name, dd->name, id, dd->name);
		}
	}
	fputs("\treturn 0;\n}\n\n", f);
	fprintf(f, "static void msilab_%s_exit(struct kunit *test)\n{\n", id);
	for (uint32_t i = 0; i < r->decls->ndev; i++) {
		const struct mlog_device_decl *dd = &r->decls->dev[i];

		if (dd->bus == MLOG_BUS_PCI)
			fprintf(f, "\tpci_dev_put(%s_pdev);\n", dd->name);
		else
			fprintf(f, "\tput_device(%s_dev);\n", dd->name);
	}
	fputs("}\n\n", f);

	/* the steps */
	fprintf(f, "static void msilab_%s_replay(struct kunit *test)\n{\n", id);
	rd = mlog_reader_open(r->in->mlog_path, err);
	if (!rd) {
		free(ev);
		return 2;
	}
	/* first pass over the stimuli: does any step set ret? */
	while ((rc = mlog_read(rd, ev)) > 0) {
		if (ev->verb == MLOG_V_NONE || mlog_verb_class(ev->verb) != MLOG_C_STIM)
			continue;
		switch (ev->verb) {
		case MLOG_V_PCI_DISABLE_MSI: case MLOG_V_PCI_DISABLE_MSIX:
		case MLOG_V_PCI_FREE_IRQ_VECTORS: case MLOG_V_FREE_IRQ: case MLOG_V_DRIVER_UNBIND:
		case MLOG_V_DEVICE_REMOVE: case MLOG_V_DEVICE_ADD:
		case MLOG_V_MSI_REMOVE_DEVICE_IRQ_DOMAIN: case MLOG_V_MSI_DOMAIN_FREE_IRQS_RANGE:
		case MLOG_V_PLATFORM_DEVICE_MSI_FREE_IRQS_ALL: case MLOG_V_FAULT:
			break;
		default:
			use.ret = true;
		}
	}
	mlog_reader_close(rd);
	if (use.entries)
		fputs("\tstruct msix_entry *entries;\n\tint i;\n", f);
	if (use.ret)
		fputs("\tint ret;\n", f);
	rd = mlog_reader_open(r->in->mlog_path, err);
	if (!rd) {
		free(ev);
		return 2;
	}
	while ((rc = mlog_read(rd, ev)) > 0) {
		uint32_t nv = 0;
		bool sets, after;

		if (ev->verb == MLOG_V_MARKER) {
			fputs("\n\t/* marker: ", f);
			snprintf(r->buf, sizeof(r->buf), "%.*s", ev->str_len[MLOG_K_TEXT],
				 mlog_str(ev, MLOG_K_TEXT));
			rep_put_ccomment(f, r->buf);
			fputs(" */\n", f);
			continue;
		}
		if (ev->verb == MLOG_V_NONE || mlog_verb_class(ev->verb) != MLOG_C_STIM)
			continue;
		step++;
		after = res->has_violation && step > res->first_violation.step;
		ev->present &= ~(MLOG_KEYBIT(MLOG_K_T) | MLOG_KEYBIT(MLOG_K_PID));
		if (mlog_format_event(r->buf, sizeof(r->buf), r->decls, ev) < 0)
			snprintf(r->buf, sizeof(r->buf), "%s", mlog_verb_name(ev->verb));
		fputs("\n\t/*\n", f);
		snprintf(para, PARA, "step %u, line %u: %.3000s", step, ev->line, r->buf);
		rep_comment_para(f, "\t * ", para);
		for (uint32_t i = 0; i < res->nfindings; i++) {
			const struct replay_finding *fd = &res->findings[i];
			const char *what = rep_invariant_what(fd->inv);

			if (fd->step != step || !fd->inv[0])
				continue;
			snprintf(para, PARA, "expect %s%s%s%s: the model of %s breaks it%s%s%s: %s", fd->inv,
				 what ? " (" : "", what ? what : "", what ? ")" : "", res->profile,
				 fd->bug[0] ? " [known bug " : "", fd->bug, fd->bug[0] ? "]" : "", fd->detail);
			rep_comment_para(f, "\t * ", para);
			nv++;
		}
		if (!nv)
			rep_comment_para(f, "\t * ", after ? "expect: no new violation (the state is already "
				     "broken)" : "expect: every invariant holds");
		if (res->nfindings == REPLAY_MAX_FINDINGS && step > res->findings[res->nfindings - 1].step)
			rep_comment_para(f, "\t * ", "(the model reported more violations than a report keeps)");
		fputs("\t */\n", f);
		sets = kunit_call(f, r, ev, &use.entries);
		if (sets && r->kret && step <= r->nsteps) {
			int k = r->kret[step - 1];

			if (ev->verb == MLOG_V_MSI_CREATE_DEVICE_IRQ_DOMAIN)
				fprintf(f, "\tKUNIT_EXPECT_%s(test, ret);\n", k ? "TRUE" : "FALSE");
			else if (!after)
				fprintf(f, "\tKUNIT_EXPECT_EQ(test, ret, %d);\n", k);
			else if (k >= 0)
				fprintf(f, "\tKUNIT_EXPECT_GE(test, ret, 0);\t/* the model: %d */\n", k);
			else
				fprintf(f, "\tKUNIT_EXPECT_EQ(test, ret, %d);\t/* after the violation */\n", k);
		}
		if (ev->verb == MLOG_V_PCI_ENABLE_MSIX_RANGE)
			fputs("\tkunit_kfree(test, entries);\n", f);
	}
	if (rc < 0)
		*err = *mlog_reader_error(rd);
	mlog_reader_close(rd);
	free(ev);
	if (rc < 0)
		return 2;
	fprintf(f, "}\n\nstatic struct kunit_case msilab_%s_cases[] = {\n\tKUNIT_CASE(msilab_%s_replay),\n"
		"\t{}\n};\n\nstatic struct kunit_suite msilab_%s_suite = {\n\t.name = \"msilab_%s\",\n"
		"\t.init = msilab_%s_init,\n\t.exit = msilab_%s_exit,\n\t.test_cases = msilab_%s_cases,\n"
		"};\nkunit_test_suite(msilab_%s_suite);\n\nMODULE_LICENSE(\"GPL\");\n"
		"MODULE_DESCRIPTION(\"msilab reproducer ", id, id, id, id, id, id, id, id);
	{
		const char *base = strrchr(r->in->mlog_path, '/');

		base = base ? base + 1 : r->in->mlog_path;
		for (const unsigned char *p = (const unsigned char *)base; *p; p++)
			fputc(*p == '"' || *p == '\\' || *p < 0x20 || *p >= 0x7f ? '_' : *p, f);
	}
	fputs("\");\n", f);
	return 0;
}

