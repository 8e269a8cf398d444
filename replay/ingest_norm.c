// SPDX-License-Identifier: GPL-2.0
/*
 * ingest_norm.c - the normalizer: raw msilc probe events (struct
 * ingest_event) in, a canonical .mlog out.
 *
 * The probe group is the one of the shared probes-<version>-<arch>.txt files (arm64
 * 6.1, 6.12, 6.18; amd64 6.1, 6.18).  Each kernel function maps to one .mlog line:
 *
 *   driver entry points (stimuli, written where the function is entered)
 *	pci_alloc_irq_vectors_affinity	pci_alloc_irq_vectors (+ "< ret" at _ret)
 *	pci_enable_msix_range		pci_enable_msix_range (+ "< ret")
 *	pci_enable_msi			pci_enable_msi (+ "< ret")
 *	pci_free_irq_vectors		pci_free_irq_vectors (not when nested in
 *					pcim_msi_release: that is devres)
 *	pci_disable_msi[x]		pci_disable_msi[x] (not when nested)
 *	its_irq_domain_deactivate	free_irq, outside an MSI free path
 *	its_irq_domain_activate		request_irq, outside an allocation
 *	"ACTION unbind BDF DRV" marker	driver_unbind, before the first devres
 *					event of the action (or at its end)
 *	"ACTION remove BDF ..." marker	device_remove of BDF and of every device
 *					that does MSI or devres work in the
 *					action (below a removed bridge), placed
 *					like driver_unbind
 *	"ACTION rescan" marker		device_add before a removed device's next
 *					stimulus (then pcim_enable_device again
 *					for an enable=pcim device)
 *	"ACTION rmmod MODULE" marker	driver_unbind of every device bound to the
 *					module's PCI driver (device table module=,
 *					the driver name, the insmod history; see
 *					rmmod_unbinds()) or doing devres work
 *   meta
 *	a driver call entered while	concurrent, before the earliest open call;
 *	another task's has not returned	every line stays with its own task's
 *					stimulus (struct item groups)
 *   observations (with a ret: where the function returned; else at entry)
 *	__pci_enable_msi[x]_range(+ret)	pci_enable_range
 *	its_pci_msi_prepare(+ret)	msi_prepare (msi_domain_prepare_irqs
 *					when its_pci_msi_prepare is not seen)
 *	its_msi_prepare(+ret)		its_msi_prepare
 *	its_create_device(+ret)		its_create_device
 *	its_build_mapd_cmd		mapd
 *	msi_domain_alloc		msi_irq
 *	its_irq_gic_domain_alloc	its_irq (eventid = lpi - lpi_base of the
 *					enclosing its_irq_domain_alloc)
 *	its_irq_domain_alloc_ret != 0	its_irq_domain_alloc
 *	its_build_mapti_cmd		mapti
 *	its_build_discard_cmd		discard
 *	irq_domain_free_irqs		irq_free (MSI irqs only)
 *	its_lpi_free			its_lpi_free
 *	msi_create_device_irq_domain	msi_create_device_irq_domain
 *	msi_remove_device_irq_domain	msi_remove_device_irq_domain
 *	msi_domain_ops_teardown / its_msi_teardown_parent   msi_teardown
 *	its_msi_teardown (ITS core)	its_msi_teardown
 *	pcim_msi_release		pcim_msi_release
 *
 *   x86 (the real tracepoints and the amd64 probes; see "x86:" below)
 *	irq_vectors:vector_*, irq_matrix:*	the observations of the same names
 *					(irq -> virq), after their cause
 *	vector_activate reserve=0	request_irq, outside a driver call
 *	vector_deactivate		free_irq, outside the MSI free path
 *	x86_vector_alloc_irqs type=1	mp_map_pin_to_irq (INTx GSI on the
 *					IO-APIC; pci_enable_device[_mem] names
 *					the device when probed)
 *	irq_domain_free_irqs of such	mp_unmap_irq
 *	"ACTION cpuN offline|online"	cpu_offline / cpu_online
 *	msi_set_affinity, apic_set_affinity  effects: a comment on a dying
 *					CPU, and x86_irq evidence
 *	first irq_matrix events		x86_cpu (first-fit proves the lower
 *					bits), x86_irq (--interrupts, evidence)
 *
 * Kernel pointers never reach the output: devices are named, ITS devices
 * are DeviceIDs, irqs are Linux irq numbers.
 *
 * State: per device, per Linux irq and per task (the open driver call and
 * the arguments of functions whose _ret is pending); the body is spooled
 * in memory (a temporary file past 64 MB).  Output is held back only while a driver call is
 * open, because its stimulus gets pre_vectors from the call's return, and
 * because the observations of overlapping calls are regrouped per task.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

#define NORM_MAX_VIRQ	8260	/* the model's irq number space */
#define NORM_MAX_TASKS	32
#define NORM_MAX_TABLE	256
#define NORM_MAX_PRE	32
#define NORM_NOTE	240
#define NORM_SPOOL_MEM	(64u << 20)	/* body bytes kept in memory */

enum { T_NONE = -1 };

/*
 * The msilc event names the normalizer knows, interned once: an event's
 * name is hashed to one of these (or N_UNKNOWN) and handle() switches on
 * the number instead of a chain of strcmp().
 */
#define NORM_NAMES(X) \
	X(__msi_domain_alloc_irqs) \
	X(__pci_enable_msi_range) \
	X(__pci_enable_msi_range_ret) \
	X(__pci_enable_msix_range) \
	X(__pci_enable_msix_range_ret) \
	X(irq_domain_free_irqs) \
	X(its_build_discard_cmd) \
	X(its_build_mapd_cmd) \
	X(its_build_mapti_cmd) \
	X(its_create_device) \
	X(its_create_device_ret) \
	X(its_free_device) \
	X(its_irq_domain_activate) \
	X(its_irq_domain_alloc) \
	X(its_irq_domain_alloc_ret) \
	X(its_irq_domain_deactivate) \
	X(its_irq_gic_domain_alloc) \
	X(its_lpi_free) \
	X(its_msi_prepare) \
	X(its_msi_prepare_ret) \
	X(its_msi_teardown) \
	X(its_msi_teardown_parent) \
	X(its_pci_msi_prepare) \
	X(its_pci_msi_prepare_ret) \
	X(msi_create_device_irq_domain) \
	X(msi_create_device_irq_domain_ret) \
	X(msi_domain_alloc) \
	X(msi_domain_alloc_irqs_all_locked) \
	X(msi_domain_alloc_irqs_descs_locked) \
	X(msi_domain_alloc_irqs_range_locked) \
	X(msi_domain_ops_teardown) \
	X(msi_domain_prepare_irqs) \
	X(msi_domain_prepare_irqs_ret) \
	X(msi_remove_device_irq_domain) \
	X(pci_alloc_irq_vectors_affinity) \
	X(pci_alloc_irq_vectors_affinity_ret) \
	X(pci_disable_msi) \
	X(pci_disable_msix) \
	X(pci_enable_msi) \
	X(pci_enable_msi_ret) \
	X(pci_enable_msix_range) \
	X(pci_enable_msix_range_ret) \
	X(pci_free_irq_vectors) \
	X(pci_setup_msi_device_domain) \
	X(pci_setup_msix_device_domain) \
	X(pcim_msi_release) \
	X(__irq_domain_alloc_irqs) \
	X(x86_vector_alloc_irqs) \
	X(x86_vector_free_irqs) \
	X(x86_msi_prepare) \
	X(x86_msi_prepare_ret) \
	X(pci_msi_prepare) \
	X(pci_msi_prepare_ret) \
	X(msi_set_affinity) \
	X(apic_set_affinity) \
	X(pci_enable_device) \
	X(pci_enable_device_mem) \
	X(pci_disable_device) \
	X(mp_unmap_irq)

enum norm_name {
#define NORM_ENUM(x) N_##x,
	NORM_NAMES(NORM_ENUM)
#undef NORM_ENUM
	N__COUNT,
	N_UNKNOWN = N__COUNT,
};

static const char *const norm_name_str[N__COUNT] = {
#define NORM_STR(x) #x,
	NORM_NAMES(NORM_STR)
#undef NORM_STR
};

#define NORM_NAME_SLOTS	256	/* a power of two, well above N__COUNT */

static uint8_t norm_name_tab[NORM_NAME_SLOTS];	/* id + 1, 0 empty */
static uint8_t norm_name_len[N__COUNT];

/* The length and a few bytes: enough to tell the names apart, cheap. */
static uint32_t norm_name_hash(const char *s, size_t *len)
{
	size_t l = strlen(s);
	uint32_t h = (uint32_t)l * 2654435761u;

	if (l >= 4) {
		h ^= (unsigned char)s[l / 2] * 40503u + (unsigned char)s[l / 3] * 131u;
		h ^= ((unsigned char)s[l - 1] | (unsigned char)s[l - 2] << 8 |
		      (unsigned char)s[l - 4] << 16 | (uint32_t)(unsigned char)s[2] << 24) * 2246822519u;
	}
	*len = l;
	return h ^ (h >> 16);
}

static void norm_names_init(void)
{
	for (int i = 0; i < N__COUNT; i++) {
		size_t len;
		uint32_t h = norm_name_hash(norm_name_str[i], &len);

		norm_name_len[i] = (uint8_t)len;
		while (norm_name_tab[h & (NORM_NAME_SLOTS - 1)])
			h++;
		norm_name_tab[h & (NORM_NAME_SLOTS - 1)] = (uint8_t)(i + 1);
	}
}

static enum norm_name norm_name_lookup(const char *s)
{
	size_t len;
	uint32_t h = norm_name_hash(s, &len);
	int id;

	while ((id = norm_name_tab[h & (NORM_NAME_SLOTS - 1)])) {
		id--;
		if (norm_name_len[id] == len && !memcmp(norm_name_str[id], s, len))
			return (enum norm_name)id;
		h++;
	}
	return N_UNKNOWN;
}

/* A line of the --devices table. */
struct tdev {
	uint32_t bdf;
	bool has_msi, has_msix;		/* the line says (even "0") */
	uint32_t msi, msix;
	bool pcim;
	char name[MLOG_NAME_MAX + 1];
	char drv[MLOG_NAME_MAX + 1];	/* "# driver NAME after boot": PCI driver */
	char module[MLOG_NAME_MAX + 1];	/* module=NAME: the module of that driver */
	uint32_t gsi;			/* x86 gsi=N: INTx mapped before the recording, 0 none */
	uint32_t line;
};

/* A device of the output. */
struct ndev {
	int table;			/* index in the table, -1 none */
	bool has_devid;
	uint32_t devid;
	char devid_at[80];
	uint32_t msix_ev;		/* MSI-X size proven by the trace, 0 none */
	char msix_ev_at[80];
	bool no_msix;			/* __pci_enable_msix_range returned -22 */
	char no_msix_at[80];
	uint32_t msi_ev;		/* MSI domain hwsize (6.16+: the MMC count) */
	char msi_ev_at[80];
	uint32_t msix_granted, msi_granted;	/* most vectors a range call returned */
	bool pcim_enabled;		/* pcim_enable_device emitted since the last unbind */
	bool pre;			/* allocated before the recording */
	bool removed;			/* device_remove emitted, no device_add yet */
	bool act_in, act_done;		/* part of the ACTION in progress; its stimulus written */
	char drv[MLOG_NAME_MAX + 1];	/* PCI driver (markers, device table), normalized */
	char probe_mod[MLOG_NAME_MAX + 1];	/* module whose insmod last probed it */
	char origin[64];		/* where the name comes from */
};

struct nvirq {
	int16_t dev;			/* -1: not an MSI irq we know */
	uint16_t index;
	bool active;
	bool started;			/* request_irq emitted or known */
	bool traced;			/* allocated by a traced msi_domain_alloc at least once */
};

enum stim { S_NONE, S_ALLOC, S_MSIX_RANGE, S_ENABLE_MSI };

struct task {
	uint32_t pid;
	bool used;
	enum stim stim;			/* open driver call */
	int stim_dev;
	size_t stim_pend;		/* index of its stimulus in the pending list */
	uint32_t stim_flags;
	/* arguments waiting for a _ret */
	int er_dev, er_type, er_min, er_max;		/* __pci_enable_msi[x]_range */
	int pp_dev, pp_nvec;				/* its_pci_msi_prepare */
	bool pp_emitted;
	int mp_dev, mp_nvec;				/* msi_domain_prepare_irqs */
	int ip_dev, ip_nvec;				/* its_msi_prepare */
	uint32_t ip_devid;
	uint32_t cd_devid, cd_nvecs;			/* its_create_device */
	bool cd_open;
	int dd_type;					/* pci_setup_msi[x]_device_domain */
	int cdom_dev, cdom_hwsize;			/* msi_create_device_irq_domain */
	uint32_t ia_devid, ia_lpi_base, ia_nr;		/* its_irq_domain_alloc */
	bool ia_open;
	int cur_dev;			/* device of the MSI call in progress */
	int free_dev;			/* open MSI free path (device), -1 none */
	bool free_pcim;			/* ... opened by pcim_msi_release */
	int remove_dev;			/* msi_remove_device_irq_domain in progress */
	bool teardown_done;
	bool has_grp;
	uint32_t grp;			/* group of its last stimulus */
	/* x86 */
	bool ioapic_dom;		/* __irq_domain_alloc_irqs on an IO-APIC domain is open */
	int enable_dev, disable_dev;	/* pci_enable_device / pci_disable_device in progress */
};

/*
 * A pending output line.  Each stimulus opens a group; an observation
 * joins the group of the last stimulus of its own task, so when the
 * calls of two tasks overlap each stimulus keeps its own observations.
 * The pending lines are written in (grp, seq) order.
 */
struct item {
	struct mlog_event ev;
	uint32_t grp, seq;
};

enum act_kind { ACT_NONE, ACT_UNBIND, ACT_REMOVE, ACT_RMMOD, ACT_CPU };

/*
 * x86: what the irq_matrix tracepoints prove about one CPU's vector map at
 * the start of the recording (values are sampled after each update, and
 * matrix_alloc_area() is first-fit, so an allocation at bit B proves every
 * lower free-looking bit of the window was taken).
 */
#define X86_MAX_CPUS	64
#define X86_WORDS	4	/* 256 vectors */

struct xcpu {
	bool seen;			/* a per-CPU irq_matrix event was read */
	bool late;			/* ... but only after this CPU went offline */
	int alloc0, managed0;		/* counts before its first event */
	int avl1, managed1;		/* avl and managed its first event left */
	int first_verb;			/* enum mlog_verb of its first event */
	unsigned int first_bit;
	uint32_t first_line;
	char first_at[80];
	uint64_t known[X86_WORDS];	/* bits whose start state is proven */
	uint64_t pre_alloc[X86_WORDS];	/* allocated at the start */
	uint64_t pre_managed[X86_WORDS];	/* reserved for managed irqs at the start */
	uint64_t cur_alloc[X86_WORDS];	/* now (as far as the trace shows) */
	uint64_t cur_managed[X86_WORDS];
	uint64_t touched[X86_WORDS];	/* any event named the bit */
	char pre_at[80];		/* the event that proved the first pre bit */
	bool went_offline;		/* a cpu_offline of it was read */
};

struct x86_state {
	bool seen;			/* an x86 vector-domain event was read */
	bool vectors, matrix;		/* the irq_vectors / irq_matrix systems recorded */
	bool g_seen;			/* a global value was read */
	bool rsvd_pending;		/* first global event was irq_matrix_alloc: reserved? */
	uint32_t rsvd_pending_pid;
	int64_t rsvd0, total0;		/* global_rsvd / total_alloc before the first event */
	char g_at[80];
	bool conflict;
	char conflict_note[NORM_NOTE];
	struct xcpu cpu[X86_MAX_CPUS];
	uint64_t ioapic[(NORM_MAX_VIRQ + 63) / 64];	/* IO-APIC irqs the trace mapped */
	uint64_t touched[(NORM_MAX_VIRQ + 63) / 64];	/* irqs a vector event named */
	uint64_t allocd[(NORM_MAX_VIRQ + 63) / 64];	/* irqs x86_vector_alloc_irqs made */
	uint64_t unmapped[(NORM_MAX_VIRQ + 63) / 64];	/* pre-existing IO-APIC irqs unmapped */
	/* pre-existing irqs the recording touches: x86_irq lines */
	struct { uint32_t virq; int dev, vec; int cpu, vector; int is_managed; char why[240]; } pirq[32];
	uint32_t npirq;
	/* the vector a pre-existing irq held at the start: from its first vector_clear or
	 * vector_update (prev_*) before any CPU went offline; cpu -1 unknown */
	int16_t pv_cpu[NORM_MAX_VIRQ];
	uint8_t pv_vec[NORM_MAX_VIRQ];
	uint32_t pv_line[NORM_MAX_VIRQ];
	uint64_t pv_done[(NORM_MAX_VIRQ + 63) / 64];	/* its vector changed since: too late */
	int8_t pv_managed[NORM_MAX_VIRQ];	/* is_managed its vector events say, -1 none */
	/* its first vector event came after an offline of this CPU and is a vector_update
	 * with prev_vector=0 prev_cpu=it: the irq was on that CPU, its vector cleared
	 * silently there (spec 11.6); -1 none */
	int16_t pv_gone_cpu[NORM_MAX_VIRQ];
	uint64_t pv_moved[(NORM_MAX_VIRQ + 63) / 64];	/* a vector_clear/update/teardown named it */
	bool any_offline;
	/* an x86 request_irq whose activation is being traced: its "ret" comes after it */
	bool req_open;
	int req_dev;
	uint32_t req_virq;
	int64_t req_ret;
	bool req_noted;
	/* the CPU offline/online in progress */
	int act_cpu;
	bool act_online;
	char moved[160];		/* msi/apic_set_affinity on the dying CPU */
	uint64_t moved_map[(NORM_MAX_VIRQ + 63) / 64];
	uint32_t moved_first, moved_last;
};

struct pre_irq {
	uint32_t virq, bdf, index;
	bool requested, msix_known, msix;
	char what[96];
};

struct ingest_norm {
	/* options */
	char release[128];
	char arch[16];
	enum mlog_src kind;
	char *file, *tool, *comment;
	char input[64];			/* the input being read, for comments */
	uint32_t cpus, cpus_input;

	struct tdev table[NORM_MAX_TABLE];
	uint32_t ntable;

	/* --interrupts */
	bool have_interrupts;
	bool irq0_listed;		/* x86: "0:" (the timer) */
	uint64_t irq_unrequested[(NORM_MAX_VIRQ + 63) / 64];	/* IO-APIC rows without action */
	bool irq_all_listed;		/* ... there is one: the snapshot lists unrequested irqs */
	uint64_t irq_listed[(NORM_MAX_VIRQ + 63) / 64];	/* non-MSI rows */
	uint32_t irq_cpus;
	struct pre_irq pre[NORM_MAX_PRE];
	uint32_t npre;

	/* --probes */
	bool have_probes;
	uint64_t observes;

	/* output declarations */
	struct mlog_decls *decls;
	struct ndev dev[MLOG_MAX_DEVICES];

	/* irq numbers */
	struct nvirq virq[NORM_MAX_VIRQ];
	uint64_t gap[(NORM_MAX_VIRQ + 63) / 64];	/* proven used by untraced code */
	uint32_t nr_irqs;
	bool gap_conflict;
	char gap_note[NORM_NOTE];

	struct task task[NORM_MAX_TASKS];

	/* the ACTION in progress */
	char module[MLOG_NAME_MAX + 1];	/* from "ACTION insmod X.ko" / "bind BDF DRV" */
	char insmod[MLOG_NAME_MAX + 1];	/* from "ACTION insmod X.ko" only */
	enum act_kind act;
	int act_dev;			/* the BDF it names, -1 none */
	uint32_t act_pid;
	char act_text[80];		/* for comments */
	char act_module[MLOG_NAME_MAX + 1];	/* ACTION rmmod MODULE */
	int act_list[MLOG_MAX_DEVICES];	/* devices of the action, in order */
	uint32_t nact;
	bool rescanned;			/* an ACTION rescan was seen */
	int bind_dev;			/* "ACTION bind BDF DRV": the device, -1 none */

	/* x86 vector domain (allocated on first use: most traces are arm64) */
	struct x86_state *x86;

	/* concurrency */
	bool concurrent;		/* the "concurrent" line was written */
	struct task *cur;		/* the task of the event being handled */
	struct task *last_task;		/* task_get()'s last answer */
	uint32_t nopen;			/* tasks with a driver call open */
	uint32_t grp_next, grp_base;	/* next group; first pending group */

	/* body */
	struct item *pend;
	size_t npend, cappend;
	/*
	 * the spool: the body's text in memory, the oldest part moved to a
	 * temporary file once it passes NORM_SPOOL_MEM bytes
	 */
	char *sp_buf;
	size_t sp_len, sp_cap;
	FILE *sp_file;
	uint64_t last_ts;
	uint32_t nlost;
	bool seen_event;
	bool failed;
	struct mlog_error err;
	struct mlog_event scratch;

	/* fast line formatting: per verb, its keys; per verb, a fresh event */
	struct fmt_verb *fmt;
	struct mlog_event *tmpl[MLOG_V__COUNT];
};

/* ---- errors ---- */

static int nerr(struct ingest_norm *n, uint32_t line, const char *fmt, ...)
{
	va_list ap;

	n->failed = true;
	n->err.line = line;
	n->err.col = 0;
	va_start(ap, fmt);
	vsnprintf(n->err.msg, sizeof(n->err.msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int file_err(struct mlog_error *err, const char *file, uint32_t line, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

const struct mlog_error *ingest_norm_error(const struct ingest_norm *n)
{
	return &n->err;
}

/* ---- small helpers ---- */

/* "trace-boot.txt:123" (the input being read) into @buf[80] */
static const char *at(const struct ingest_norm *n, uint32_t line, char *buf)
{
	if (n->input[0] && !line)
		snprintf(buf, 80, "%.60s", n->input);	/* the live buffer: no lines */
	else if (n->input[0])
		snprintf(buf, 80, "%.60s:%u", n->input, line);
	else
		snprintf(buf, 80, "line %u", line);
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_bdf(const char *s, uint32_t *bdf)
{
	unsigned int dom, bus, dev, fn;
	int len = 0;

	/* the usual "dddd:bb:dd.f": what the sscanf() below gives, faster */
	if (s[0] && s[1] && s[2] && s[3] && s[4] == ':' && s[5] && s[6] && s[7] == ':' &&
	    s[8] && s[9] && s[10] == '.' && hexval(s[11]) >= 0) {
		int h[9] = { hexval(s[0]), hexval(s[1]), hexval(s[2]), hexval(s[3]), hexval(s[5]),
			     hexval(s[6]), hexval(s[8]), hexval(s[9]), hexval(s[11]) };
		bool all = true;

		for (int i = 0; i < 9; i++)
			all = all && h[i] >= 0;
		if (all) {
			dom = (unsigned int)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);
			bus = (unsigned int)(h[4] << 4 | h[5]);
			dev = (unsigned int)(h[6] << 4 | h[7]);
			fn = (unsigned int)h[8];
			if (dev > 0x1f || fn > 7)
				return -1;
			*bdf = dom << 16 | bus << 8 | dev << 3 | fn;
			return 0;
		}
	}
	if (sscanf(s, "%4x:%2x:%2x.%1x%n", &dom, &bus, &dev, &fn, &len) != 4 || len != 12 ||
	    dev > 0x1f || fn > 7)
		return -1;
	*bdf = dom << 16 | bus << 8 | dev << 3 | fn;
	return 0;
}

static void set_bit64(uint64_t *map, uint32_t b)
{
	map[b / 64] |= 1ull << (b % 64);
}

static bool test_bit64(const uint64_t *map, uint32_t b)
{
	return (map[b / 64] >> (b % 64)) & 1;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A driver or module name as one spelling: "xhci-pci" -> "xhci_pci". */
static void norm_name(char *out, size_t size, const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len && s[i] && w + 1 < size; i++) {
		char c = (char)tolower((unsigned char)s[i]);

		if (c == '-')
			c = '_';
		if (!isalnum((unsigned char)c) && c != '_')
			break;
		out[w++] = c;
	}
	out[w] = 0;
}

static void comment_event(struct mlog_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void comment_event(struct mlog_event *ev, const char *fmt, ...)
{
	va_list ap;

	mlog_event_init(ev, MLOG_V_NONE);
	ev->is_comment = true;
	ev->strbuf[0] = '#';
	ev->strbuf[1] = ' ';
	va_start(ap, fmt);
	vsnprintf(ev->strbuf + 2, sizeof(ev->strbuf) - 2, fmt, ap);
	va_end(ap);
	ev->strbuf_used = (uint32_t)strlen(ev->strbuf) + 1;
}

/* ---- option files ---- */

static int read_devices(struct ingest_norm *n, const char *path, struct mlog_error *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	uint32_t lineno = 0;

	if (!f)
		return file_err(err, path, 0, "cannot open the device table: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		struct tdev *t;
		char *hash, *tok, *save = NULL;
		char drv[MLOG_NAME_MAX + 1] = "";
		bool mmc = false, none = false;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return file_err(err, path, lineno, "line longer than %zu bytes", sizeof(line) - 2);
		}
		hash = strchr(line, '#');
		if (hash) {
			/* capture.sh notes the bound driver: "# driver NAME after boot" */
			const char *d = strstr(hash, "# driver ");

			if (d == hash && d[9] != '-')
				norm_name(drv, sizeof(drv), d + 9, strcspn(d + 9, " \t\r\n;"));
			*hash = 0;
		}
		tok = strtok_r(line, " \t\r\n", &save);
		if (!tok)
			continue;
		if (n->ntable == NORM_MAX_TABLE) {
			fclose(f);
			return file_err(err, path, lineno, "more than %d devices", NORM_MAX_TABLE);
		}
		t = &n->table[n->ntable];
		memset(t, 0, sizeof(*t));
		memcpy(t->drv, drv, sizeof(drv));
		t->line = lineno;
		if (parse_bdf(tok, &t->bdf)) {
			fclose(f);
			err->col = 1;
			return file_err(err, path, lineno, "expected a BDF (DDDD:BB:DD.F), found \"%.20s\"",
					tok);
		}
		while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
			unsigned int a, b;

			if (!strcmp(tok, "no-MSI/MSI-X")) {
				t->has_msi = t->has_msix = true;
				none = true;
			} else if (sscanf(tok, "MMC=%u(=%u", &a, &b) == 2) {
				t->has_msi = true;
				t->msi = b;
				mmc = true;
			} else if (sscanf(tok, "gsi=%u", &a) == 1 && a > 0 && a < NORM_MAX_VIRQ) {
				t->gsi = a;
			} else if (sscanf(tok, "table_size=%u", &a) == 1) {
				t->has_msix = true;
				t->msix = a;
			} else if (!strncmp(tok, "MSI@", 4)) {
				t->has_msi = true;
			} else if (!strncmp(tok, "MSI-X@", 6)) {
				t->has_msix = true;
			} else if (!strncmp(tok, "name=", 5)) {
				size_t len = strlen(tok + 5);

				if (!len || len > MLOG_NAME_MAX || !islower((unsigned char)tok[5])) {
					fclose(f);
					return file_err(err, path, lineno, "bad device name \"%s\"", tok + 5);
				}
				for (size_t i = 5; tok[i]; i++) {
					if (!islower((unsigned char)tok[i]) && !isdigit((unsigned char)tok[i]) &&
					    tok[i] != '_') {
						fclose(f);
						return file_err(err, path, lineno, "bad device name \"%s\"",
								tok + 5);
					}
				}
				memcpy(t->name, tok + 5, len + 1);
			} else if (!strcmp(tok, "enable=pcim")) {
				t->pcim = true;
			} else if (!strncmp(tok, "module=", 7)) {
				norm_name(t->module, sizeof(t->module), tok + 7, strlen(tok + 7));
			}
			/* anything else (ids, class=, ctrl=, MME=, 64bit=...) is descriptive */
		}
		/* MSI@ without an MMC count: one vector */
		if (t->has_msi && !mmc && !none)
			t->msi = 1;
		n->ntable++;
	}
	fclose(f);
	return 0;
}

/*
 * /proc/interrupts: "IRQ: counts... CHIP HWIRQ [Edge|Level] [ACTIONS]".
 * ITS-MSI (v6.1, hwirq = RID << 11 | index) and ITS-PCI-MSI[X]-BDF (v6.2+,
 * hwirq = index) rows are MSI irqs allocated before the recording.
 */
static int read_interrupts(struct ingest_norm *n, const char *path, struct mlog_error *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	uint32_t lineno = 0;

	if (!f)
		return file_err(err, path, 0, "cannot open the interrupts file: %s", strerror(errno));
	n->have_interrupts = true;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end, *tok[16];
		unsigned long irq;
		int ntok = 0;
		char *save = NULL, *t;

		lineno++;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "CPU", 3)) {
			n->irq_cpus = 0;
			for (t = strtok_r(p, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save))
				n->irq_cpus++;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			continue;	/* IPIn:, Err:, ... */
		irq = strtoul(p, &end, 10);
		if (*end == ':' && irq == 0) {
			/* x86: irq 0 is the timer (IO-APIC pin 2); never an irq_domain_alloc_descs number */
			n->irq0_listed = true;
			continue;
		}
		if (*end != ':' || irq == 0 || irq >= NORM_MAX_VIRQ) {
			fclose(f);
			return file_err(err, path, lineno, "expected \"IRQ:\" with IRQ below %d",
					NORM_MAX_VIRQ);
		}
		for (t = strtok_r(end + 1, " \t\r\n", &save); t && ntok < 16;
		     t = strtok_r(NULL, " \t\r\n", &save))
			tok[ntok++] = t;
		/* skip the per-CPU counts */
		{
			int i = 0, c = 0;
			uint32_t bdf = 0, index = 0;
			bool msi = false, msix_known = false, msix = false;

			while (i < ntok && c < (int)(n->irq_cpus ? n->irq_cpus : 1) &&
			       isdigit((unsigned char)tok[i][0])) {
				i++;
				c++;
			}
			/*
			 * The chip name: ITS-MSI (arm64 6.1), PCI-MSI (x86 6.1) and
			 * IR-PCI-MSI (x86 with interrupt remapping) carry
			 * hwirq = RID << 11 | index; ITS-PCI-MSI[X]-BDF (arm64 6.2+)
			 * and [IR-]PCI-MSI[X]-BDF (x86 6.2+) carry the index.
			 */
			const char *chip = i < ntok ? tok[i] : "";

			if (!strncmp(chip, "ITS-PCI-", 8))
				chip += 4;
			else if (!strncmp(chip, "IR-PCI-", 7))
				chip += 3;
			if (i + 1 < ntok && (!strcmp(chip, "ITS-MSI") || !strcmp(chip, "PCI-MSI") ||
					     !strcmp(chip, "IR-PCI-MSI"))) {
				unsigned long hw = strtoul(tok[i + 1], NULL, 10);

				msi = true;
				bdf = (uint32_t)(hw >> 11) & 0xffff;
				index = (uint32_t)(hw & 0x7ff);
			} else if (i + 1 < ntok && (!strncmp(chip, "PCI-MSIX-", 9) ||
						    !strncmp(chip, "PCI-MSI-", 8))) {
				bool x = !strncmp(chip, "PCI-MSIX-", 9);

				if (parse_bdf(chip + (x ? 9 : 8), &bdf) == 0) {
					msi = true;
					msix_known = true;
					msix = x;
					index = (uint32_t)strtoul(tok[i + 1], NULL, 10);
				}
			}
			if (!msi) {
				bool act = false;

				set_bit64(n->irq_listed, (uint32_t)irq);
				for (int j = i + 2; j < ntok; j++)
					if (!(j == i + 2 && (!strcmp(tok[j], "Edge") || !strcmp(tok[j], "Level"))))
						act = true;
				/* an IO-APIC irq without action: allocated, never requested (a
				 * /sys/kernel/irq snapshot lists those; /proc/interrupts does not) */
				if (!act && i < ntok && !strcmp(tok[i], "IO-APIC")) {
					set_bit64(n->irq_unrequested, (uint32_t)irq);
					n->irq_all_listed = true;
				}
				continue;
			}
			if (n->npre == NORM_MAX_PRE) {
				fclose(f);
				return file_err(err, path, lineno, "more than %d MSI irqs", NORM_MAX_PRE);
			}
			{
				struct pre_irq *pi = &n->pre[n->npre++];
				size_t w = 0;

				memset(pi, 0, sizeof(*pi));
				pi->virq = (uint32_t)irq;
				pi->bdf = bdf;
				pi->index = index;
				pi->msix_known = msix_known;
				pi->msix = msix;
				/* actions: the tokens after the trigger type */
				for (int j = i + 2; j < ntok; j++) {
					if (j == i + 2 && (!strcmp(tok[j], "Edge") || !strcmp(tok[j], "Level")))
						continue;
					pi->requested = true;
					w += (size_t)snprintf(pi->what + w, w < sizeof(pi->what) ?
							      sizeof(pi->what) - w : 0, "%s%s",
							      w ? " " : "", tok[j]);
					if (w >= sizeof(pi->what))
						break;
				}
			}
		}
	}
	fclose(f);
	return 0;
}

/* Which observation kinds a probe set can see. */
static const struct {
	const char *probe;		/* an accepted probe (event name) */
	enum mlog_verb kind;
} probe_kinds[] = {
	{ "__pci_enable_msix_range_ret", MLOG_V_O_PCI_ENABLE_RANGE },
	{ "__pci_enable_msi_range_ret", MLOG_V_O_PCI_ENABLE_RANGE },
	{ "msi_create_device_irq_domain_ret", MLOG_V_O_MSI_CREATE_DOMAIN },
	{ "msi_remove_device_irq_domain", MLOG_V_O_MSI_REMOVE_DOMAIN },
	{ "its_pci_msi_prepare_ret", MLOG_V_O_MSI_PREPARE },
	{ "x86_msi_prepare_ret", MLOG_V_O_MSI_PREPARE },
	{ "pci_msi_prepare_ret", MLOG_V_O_MSI_PREPARE },
	{ "msi_domain_prepare_irqs_ret", MLOG_V_O_MSI_PREPARE },
	{ "its_msi_prepare_ret", MLOG_V_O_ITS_MSI_PREPARE },
	{ "its_create_device_ret", MLOG_V_O_ITS_CREATE_DEVICE },
	{ "its_lpi_free", MLOG_V_O_ITS_LPI_FREE },
	{ "msi_domain_alloc", MLOG_V_O_MSI_IRQ },
	{ "its_irq_gic_domain_alloc", MLOG_V_O_ITS_IRQ },
	{ "its_irq_domain_alloc_ret", MLOG_V_O_ITS_ALLOC_FAIL },
	{ "its_build_mapd_cmd", MLOG_V_O_MAPD },
	{ "its_build_mapti_cmd", MLOG_V_O_MAPTI },
	{ "its_build_discard_cmd", MLOG_V_O_DISCARD },
	{ "irq_domain_free_irqs", MLOG_V_O_IRQ_FREE },
	{ "its_free_device", MLOG_V_O_ITS_FREE_DEVICE },
	{ "msi_domain_ops_teardown", MLOG_V_O_MSI_TEARDOWN },
	{ "its_msi_teardown_parent", MLOG_V_O_MSI_TEARDOWN },
	{ "its_msi_teardown", MLOG_V_O_ITS_MSI_TEARDOWN },
	{ "pcim_msi_release", MLOG_V_O_PCIM_MSI_RELEASE },
	{ "pci_alloc_irq_vectors_affinity_ret", MLOG_V_O_RET },
};

/* What each known name adds to "observes kinds=" (probe_kinds by name id). */
static uint64_t norm_name_observes[N__COUNT];

static void norm_observes_init(void)
{
	for (size_t i = 0; i < sizeof(probe_kinds) / sizeof(probe_kinds[0]); i++) {
		enum norm_name id = norm_name_lookup(probe_kinds[i].probe);

		if (id != N_UNKNOWN)
			norm_name_observes[id] |= 1ull << (probe_kinds[i].kind - MLOG_V_O_FIRST);
	}
}

static void probe_accepted(struct ingest_norm *n, const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(probe_kinds) / sizeof(probe_kinds[0]); i++) {
		if (strlen(probe_kinds[i].probe) == len && !memcmp(probe_kinds[i].probe, name, len))
			n->observes |= 1ull << (probe_kinds[i].kind - MLOG_V_O_FIRST);
	}
}

/* kprobe_events as the kernel lists them: "p:msilc/NAME ..." / "r10:msilc/NAME ..." */
static int read_probes(struct ingest_norm *n, const char *path, struct mlog_error *err)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	uint32_t lineno = 0;

	if (!f)
		return file_err(err, path, 0, "cannot open the probe list: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *slash, *end;

		lineno++;
		if (line[0] != 'p' && line[0] != 'r')
			continue;
		slash = strchr(line, '/');
		if (!slash || strncmp(slash - 5, "msilc", 5))
			continue;
		end = slash + 1;
		while (*end && *end != ' ' && *end != '\t' && *end != '\n')
			end++;
		probe_accepted(n, slash + 1, (size_t)(end - slash - 1));
	}
	fclose(f);
	if (!n->observes)
		return file_err(err, path, lineno, "no msilc probe in the probe list");
	n->have_probes = true;
	return 0;
}

/* ---- devices ---- */

static int table_find(const struct ingest_norm *n, uint32_t bdf)
{
	for (uint32_t i = 0; i < n->ntable; i++)
		if (n->table[i].bdf == bdf)
			return (int)i;
	return -1;
}

static int dev_find(const struct ingest_norm *n, uint32_t bdf)
{
	for (uint32_t i = 0; i < n->decls->ndev; i++)
		if (n->decls->dev[i].bdf == bdf)
			return (int)i;
	return -1;
}

/* "virtio-rng.ko" -> "virtio_rng"; "" when nothing usable. */
static void base_name(char *out, size_t size, const char *s, size_t len)
{
	size_t w = 0;

	for (size_t i = 0; i < len && w + 1 < size - 2; i++) {
		char c = (char)tolower((unsigned char)s[i]);

		if (c == '-' || c == '.')
			c = '_';
		if (!islower((unsigned char)c) && !isdigit((unsigned char)c) && c != '_')
			continue;
		if (!w && !islower((unsigned char)c))
			continue;
		out[w++] = c;
	}
	while (w && (out[w - 1] == '_' || isdigit((unsigned char)out[w - 1])))
		w--;
	out[w] = 0;
}

static int dev_declare(struct ingest_norm *n, uint32_t bdf, uint32_t line)
{
	struct mlog_decls *d = n->decls;
	struct mlog_device_decl *dd;
	struct ndev *x;
	char base[MLOG_NAME_MAX + 1], name[MLOG_NAME_MAX + 8];
	int t = table_find(n, bdf);
	int i = dev_find(n, bdf);

	if (i >= 0)
		return i;
	if (d->ndev == MLOG_MAX_DEVICES)
		return nerr(n, line, "more than %d devices", MLOG_MAX_DEVICES);
	i = (int)d->ndev++;
	dd = &d->dev[i];
	x = &n->dev[i];
	memset(dd, 0, sizeof(*dd));
	memset(x, 0, sizeof(*x));
	x->table = t;
	if (t >= 0)
		memcpy(x->drv, n->table[t].drv, sizeof(x->drv));
	dd->bus = MLOG_BUS_PCI;
	dd->has_bdf = true;
	dd->bdf = bdf;
	dd->alias = -1;
	dd->its = 0;
	if (t >= 0 && n->table[t].name[0]) {
		snprintf(dd->name, sizeof(dd->name), "%s", n->table[t].name);
		snprintf(x->origin, sizeof(x->origin), "device table line %u", n->table[t].line);
		return i;
	}
	if (n->module[0]) {
		snprintf(base, sizeof(base), "%s", n->module);
		snprintf(x->origin, sizeof(x->origin), "ACTION %s", n->module);
	} else {
		snprintf(base, sizeof(base), "pci_%02x_%02x_%x", (bdf >> 8) & 0xff, (bdf >> 3) & 0x1f,
			 bdf & 7);
		snprintf(x->origin, sizeof(x->origin), "no driver name in the trace");
		snprintf(dd->name, sizeof(dd->name), "%s", base);
		return i;
	}
	/* instance number: devices already named BASE<k> */
	for (unsigned int k = 0;; k++) {
		bool taken = false;

		snprintf(name, sizeof(name), "%.*s%u", MLOG_NAME_MAX - 4, base, k);
		for (uint32_t j = 0; j < d->ndev; j++)
			if ((int)j != i && !strcmp(d->dev[j].name, name))
				taken = true;
		if (!taken)
			break;
	}
	memcpy(dd->name, name, strnlen(name, MLOG_NAME_MAX));
	dd->name[strnlen(name, MLOG_NAME_MAX)] = 0;
	return i;
}

/* The device a "name="/"devname=" field names, declared on first sight. */
static int dev_of(struct ingest_norm *n, const struct ingest_event *ev, const char *field)
{
	const struct ingest_field *f = ingest_event_field(ev, field);
	uint32_t bdf;

	if (!f || parse_bdf(f->raw, &bdf))
		return -1;
	return dev_declare(n, bdf, ev->line);
}

/* "ITS-PCI-MSIX-0000:00:02.0-12", "PCI-MSIX-0000:00:03.0-12" -> the device; -1 for a global domain */
static int dev_of_domain(struct ingest_norm *n, const struct ingest_event *ev)
{
	const struct ingest_field *f = ingest_event_field(ev, "dom");
	const char *p;
	uint32_t bdf;

	if (!f)
		return -1;
	p = f->raw;
	/* arm64: ITS-PCI-MSI[X]-BDF-N; x86 6.2+: [IR-]PCI-MSI[X]-BDF-N */
	if (!strncmp(p, "ITS-", 4))
		p += 4;
	else if (!strncmp(p, "IR-", 3))
		p += 3;
	if (!strncmp(p, "PCI-MSIX-", 9))
		p += 9;
	else if (!strncmp(p, "PCI-MSI-", 8))
		p += 8;
	else
		return -1;
	if (parse_bdf(p, &bdf))
		return -1;
	return dev_declare(n, bdf, ev->line);
}

/* ---- output ---- */

/* A pending line in group @grp. */
static struct mlog_event *emit_grp(struct ingest_norm *n, uint32_t grp)
{
	if (n->npend == n->cappend) {
		size_t cap = n->cappend ? n->cappend * 2 : 16;
		struct item *p = realloc(n->pend, cap * sizeof(*p));

		if (!p) {
			nerr(n, 0, "out of memory");
			return &n->scratch;
		}
		n->pend = p;
		n->cappend = cap;
	}
	n->pend[n->npend].grp = grp;
	n->pend[n->npend].seq = (uint32_t)n->npend;
	return &n->pend[n->npend++].ev;
}

static void x86_req_close(struct ingest_norm *n);

/* A pending line that opens a group of its own (stimuli, meta, comments). */
static struct mlog_event *emit_new(struct ingest_norm *n)
{
	if (n->x86 && n->x86->req_open)
		x86_req_close(n);
	return emit_grp(n, n->grp_next++);
}

/* An observation: in the group of its task's last pending stimulus. */
static struct mlog_event *emit_obs(struct ingest_norm *n)
{
	struct task *t = n->cur;

	if (t && t->has_grp && t->grp >= n->grp_base)
		return emit_grp(n, t->grp);
	return emit_grp(n, n->grp_next++);	/* not emit_new(): an observation ends no request */
}

/* The task of the event being handled now ran a stimulus: the last line. */
static void task_owns_last(struct ingest_norm *n)
{
	if (n->cur && n->npend) {
		n->cur->has_grp = true;
		n->cur->grp = n->pend[n->npend - 1].grp;
	}
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->grp != y->grp)
		return x->grp < y->grp ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * A pending line inserted at @idx, in the group of the line that was
 * there (so it is written right before it); the open calls' stimulus
 * indexes follow.
 */
static struct mlog_event *pend_insert(struct ingest_norm *n, size_t idx)
{
	struct item it;

	emit_new(n);
	if (n->failed)
		return &n->scratch;
	it = n->pend[n->npend - 1];
	memmove(&n->pend[idx + 1], &n->pend[idx], (n->npend - 1 - idx) * sizeof(n->pend[0]));
	it.grp = n->pend[idx + 1].grp;
	n->pend[idx] = it;
	for (size_t i = idx; i < n->npend; i++)
		n->pend[i].seq = (uint32_t)i;
	for (int i = 0; i < NORM_MAX_TASKS; i++) {
		struct task *u = &n->task[i];

		if (u->used && u->stim != S_NONE && u->stim_pend >= idx)
			u->stim_pend++;
	}
	return &n->pend[idx].ev;
}

/* A driver call is open (n->nopen counts them: kept where ->stim changes). */
static bool any_open(const struct ingest_norm *n)
{
#ifndef NDEBUG
	uint32_t open = 0;

	for (int i = 0; i < NORM_MAX_TASKS; i++)
		if (n->task[i].used && n->task[i].stim != S_NONE)
			open++;
	if (open != n->nopen)
		abort();
#endif
	return n->nopen > 0;
}

/*
 * ---- body lines ----
 *
 * A body line is the text mlog_format_event() gives.  It formats numbers
 * with snprintf(), which made it most of the normalizer's time on large
 * traces, so the lines here are formatted by fmt_event() below: the same
 * rules (replay/mlog_write.c) for the value types the normalizer writes
 * (U X I DEV TIME IDX TYPE FLG STR NAME LIST); an event with any other
 * type, a bad reference or a line too long goes to mlog_format_event()
 * itself.  Debug builds check every line against it.
 */
struct fmt_key {
	uint8_t k, type, plen;
	char pre[30];			/* " NAME=" */
};

struct fmt_verb {
	bool ready;
	uint8_t nk, vlen;
	const char *vname;
	mlog_keyset slow;		/* keys whose type fmt_event() leaves alone */
	struct fmt_key key[MLOG_K__COUNT];
};

static const struct fmt_verb *fmt_verb(struct ingest_norm *n, enum mlog_verb v)
{
	struct fmt_verb *f = &n->fmt[v];
	const enum mlog_key *keys;
	const char *name;
	unsigned int nk;

	if (f->ready)
		return f;
	nk = mlog_verb_keys(v, &keys);
	f->vname = mlog_verb_name(v);
	f->vlen = (uint8_t)strlen(f->vname);
	for (unsigned int i = 0; i < nk && i < MLOG_K__COUNT; i++) {
		struct fmt_key *k = &f->key[f->nk++];
		enum mlog_type t = mlog_key_type(keys[i]);

		k->k = (uint8_t)keys[i];
		k->type = (uint8_t)t;
		name = mlog_key_name(keys[i]);
		if (strlen(name) + 2 >= sizeof(k->pre)) {
			f->slow |= MLOG_KEYBIT(keys[i]);
			continue;
		}
		k->plen = (uint8_t)snprintf(k->pre, sizeof(k->pre), " %s=", name);
		switch (t) {
		case MLOG_T_U: case MLOG_T_X: case MLOG_T_I: case MLOG_T_DEV: case MLOG_T_TIME:
		case MLOG_T_IDX: case MLOG_T_TYPE: case MLOG_T_FLG: case MLOG_T_STR:
		case MLOG_T_NAME: case MLOG_T_LIST:
			break;
		default:
			f->slow |= MLOG_KEYBIT(keys[i]);
		}
	}
	f->ready = true;
	return f;
}

struct fmt_out {
	char *p, *end;
};

static bool fmt_put(struct fmt_out *o, const char *s, size_t len)
{
	if ((size_t)(o->end - o->p) < len)
		return false;
	memcpy(o->p, s, len);
	o->p += len;
	return true;
}

static bool fmt_u64(struct fmt_out *o, uint64_t v)
{
	char tmp[24];
	int i = 24;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return fmt_put(o, tmp + i, (size_t)(24 - i));
}

static bool fmt_hex(struct fmt_out *o, uint64_t v)
{
	char tmp[24];
	int i = 24;

	do {
		tmp[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	return fmt_put(o, tmp + i, (size_t)(24 - i));
}

static bool fmt_str(struct fmt_out *o, const char *s, size_t len)
{
	bool bare = len > 0 && s[0] != '"';

	for (size_t i = 0; bare && i < len; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '"' || s[i] == '\\' || s[i] == '=')
			bare = false;
	if (bare)
		return fmt_put(o, s, len);
	if (!fmt_put(o, "\"", 1))
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((s[i] == '"' || s[i] == '\\') && !fmt_put(o, "\\", 1))
			return false;
		if (!fmt_put(o, s + i, 1))
			return false;
	}
	return fmt_put(o, "\"", 1);
}

static bool fmt_flags(struct fmt_out *o, uint64_t x)
{
	static const char *const names[] = { "INTX", "MSI", "MSIX", "AFFINITY", "VIRTUAL" };
	bool first = true;

	if (!x || x >> 5)
		return fmt_hex(o, x);
	for (int i = 0; i < 5; i++) {
		if (!(x >> i & 1))
			continue;
		if ((!first && !fmt_put(o, "|", 1)) || !fmt_put(o, names[i], strlen(names[i])))
			return false;
		first = false;
	}
	return true;
}

/*
 * @e's line into @buf (@size bytes, no NUL): its length, or -1 when
 * mlog_format_event() must do it (a type left to it, a bad reference,
 * no room).
 */
static int fmt_event(struct ingest_norm *n, const struct mlog_event *e, char *buf, size_t size)
{
	const struct mlog_decls *d = n->decls;
	const struct fmt_verb *f;
	struct fmt_out o = { buf, buf + size };

	if ((unsigned int)e->verb >= MLOG_V__COUNT || e->verb == MLOG_V_NONE)
		return -1;
	f = fmt_verb(n, e->verb);
	if (e->present & f->slow)
		return -1;
	if (mlog_is_obs(e->verb) && !fmt_put(&o, "< ", 2))
		return -1;
	if (!fmt_put(&o, f->vname, f->vlen))
		return -1;
	for (unsigned int i = 0; i < f->nk; i++) {
		const struct fmt_key *k = &f->key[i];
		int64_t v = e->num[k->k];
		bool ok;

		if (!(e->present & MLOG_KEYBIT(k->k)))
			continue;
		if (!fmt_put(&o, k->pre, k->plen))
			return -1;
		switch (k->type) {
		case MLOG_T_U:
			ok = fmt_u64(&o, (uint64_t)v);
			break;
		case MLOG_T_X:
			ok = fmt_hex(&o, (uint64_t)v);
			break;
		case MLOG_T_I:
			ok = v < 0 ? fmt_put(&o, "-", 1) && fmt_u64(&o, -(uint64_t)v) : fmt_u64(&o, (uint64_t)v);
			break;
		case MLOG_T_DEV:
			if (v < 0 || (uint64_t)v >= d->ndev)
				return -1;
			ok = fmt_put(&o, d->dev[v].name, strlen(d->dev[v].name));
			break;
		case MLOG_T_TIME: {
			uint64_t frac = (uint64_t)v % 1000000;
			char tmp[7];

			for (int j = 5; j >= 0; j--, frac /= 10)
				tmp[j] = (char)('0' + frac % 10);
			tmp[6] = 0;
			ok = fmt_u64(&o, (uint64_t)v / 1000000) && fmt_put(&o, ".", 1) && fmt_put(&o, tmp, 6);
			break;
		}
		case MLOG_T_IDX:
			ok = (uint64_t)v == MLOG_INDEX_ANY ? fmt_put(&o, "any", 3) : fmt_u64(&o, (uint64_t)v);
			break;
		case MLOG_T_TYPE:
			if ((uint64_t)v >= 2)
				return -1;
			ok = v ? fmt_put(&o, "msix", 4) : fmt_put(&o, "msi", 3);
			break;
		case MLOG_T_FLG:
			ok = fmt_flags(&o, (uint64_t)v);
			break;
		case MLOG_T_STR:
			ok = fmt_str(&o, mlog_str(e, k->k), e->str_len[k->k]);
			break;
		default:	/* NAME, LIST */
			ok = fmt_put(&o, mlog_str(e, k->k), e->str_len[k->k]);
			break;
		}
		if (!ok)
			return -1;
	}
	return (int)(o.p - buf);
}

/* A new event of verb @v: mlog_event_init() once per verb, then copies. */
static void ev_init(struct ingest_norm *n, struct mlog_event *e, enum mlog_verb v)
{
	const struct mlog_event *t;

	if ((unsigned int)v >= MLOG_V__COUNT || !(t = n->tmpl[v])) {
		mlog_event_init(e, v);
		if ((unsigned int)v < MLOG_V__COUNT && (n->tmpl[v] = malloc(sizeof(*e))))
			memcpy(n->tmpl[v], e, sizeof(*e));
		return;
	}
	/* all but the unused tail of strbuf, which nothing reads */
	memcpy(e, t, offsetof(struct mlog_event, strbuf) + t->strbuf_used);
	e->strbuf_used = t->strbuf_used;
}

/* Move the spool's memory to its temporary file.  0 ok, -1 errno set. */
static int spool_spill(struct ingest_norm *n)
{
	if (!n->sp_file && !(n->sp_file = tmpfile()))
		return -1;
	if (fwrite(n->sp_buf, 1, n->sp_len, n->sp_file) != n->sp_len)
		return -1;
	n->sp_len = 0;
	return 0;
}

/* One body line (canonical text and LF) into the spool.  0 ok, -1 errno set. */
static int spool_event(struct ingest_norm *n, const struct mlog_event *e)
{
	const size_t room = MLOG_MAX_LINE + 2;
	int len;

	if (n->sp_cap - n->sp_len < room) {
		if (n->sp_len && n->sp_len + room > NORM_SPOOL_MEM) {
			if (spool_spill(n))
				return -1;
		} else {
			size_t cap = n->sp_cap ? n->sp_cap * 2 : 1u << 16;
			char *p;

			while (cap - n->sp_len < room)
				cap *= 2;
			p = realloc(n->sp_buf, cap);
			if (!p) {
				errno = ENOMEM;
				return -1;
			}
			n->sp_buf = p;
			n->sp_cap = cap;
		}
	}
	len = fmt_event(n, e, n->sp_buf + n->sp_len, MLOG_MAX_LINE);
#ifndef NDEBUG
	if (len >= 0) {
		char check[MLOG_MAX_LINE + 2];

		if (mlog_format_event(check, sizeof(check), n->decls, e) != len ||
		    memcmp(check, n->sp_buf + n->sp_len, (size_t)len)) {
			fprintf(stderr, "ingest_norm: fmt_event() gave \"%.*s\", mlog_format_event() \"%s\"\n",
				len, n->sp_buf + n->sp_len, check);
			abort();
		}
	}
#endif
	if (len < 0)
		len = mlog_format_event(n->sp_buf + n->sp_len, room, n->decls, e);
	if (len < 0) {
		errno = EINVAL;
		return -1;
	}
	if (len > MLOG_MAX_LINE) {
		errno = E2BIG;
		return -1;
	}
	n->sp_buf[n->sp_len + (size_t)len] = '\n';
	n->sp_len += (size_t)len + 1;
	return 0;
}

static void flush(struct ingest_norm *n, bool force)
{
	size_t i;

	if (!force && any_open(n))
		return;
	for (i = 1; i < n->npend && item_cmp(&n->pend[i - 1], &n->pend[i]) < 0; i++)
		;
	if (i < n->npend)
		qsort(n->pend, n->npend, sizeof(n->pend[0]), item_cmp);
	for (i = 0; i < n->npend && !n->failed; i++) {
		if (spool_event(n, &n->pend[i].ev))
			nerr(n, n->pend[i].ev.line, "cannot write the spool file: %s", strerror(errno));
	}
	n->npend = 0;
	n->grp_base = n->grp_next;
}

static void stamp(struct mlog_event *e, const struct ingest_event *ev)
{
	e->line = ev->line;
	if (ev->kind == INGEST_EVENT)
		mlog_event_set(e, MLOG_K_PID, ev->pid);
	if (ev->ts_us)
		mlog_event_set(e, MLOG_K_T, (int64_t)ev->ts_us);
}

static struct mlog_event *obs(struct ingest_norm *n, enum mlog_verb v, const struct ingest_event *ev)
{
	struct mlog_event *e = emit_obs(n);

	ev_init(n, e, v);
	e->line = ev->line;
	return e;
}

static void comment(struct ingest_norm *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void comment(struct ingest_norm *n, const char *fmt, ...)
{
	struct mlog_event *e = emit_new(n);
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	comment_event(e, "%s", buf);
}

/* A stimulus line; @ev NULL: synthesized at the end of an ACTION. */
static struct mlog_event *stim_raw(struct ingest_norm *n, enum mlog_verb v, int dev,
				   const struct ingest_event *ev)
{
	struct mlog_event *e = emit_new(n);

	ev_init(n, e, v);
	if (dev >= 0)
		mlog_event_set(e, MLOG_K_DEV, dev);
	if (ev) {
		stamp(e, ev);
		task_owns_last(n);
	} else {
		mlog_event_set(e, MLOG_K_PID, n->act_pid);
	}
	return e;
}

static void act_add(struct ingest_norm *n, int dev)
{
	struct ndev *x = &n->dev[dev];

	if (x->act_in || n->nact == MLOG_MAX_DEVICES)
		return;
	x->act_in = true;
	x->act_done = false;
	n->act_list[n->nact++] = dev;
}

/* A removed device the trace uses again: the rescan added it back. */
static void dev_present(struct ingest_norm *n, int dev, const struct ingest_event *ev)
{
	struct ndev *x = &n->dev[dev];

	if (!x->removed)
		return;
	x->removed = false;
	x->pcim_enabled = false;
	comment(n, "%s: used again after its device_remove%s: the device was added back",
		n->decls->dev[dev].name, n->rescanned ? " and an ACTION rescan" : "");
	stim_raw(n, MLOG_V_DEVICE_ADD, dev, ev);
}

static struct mlog_event *stim(struct ingest_norm *n, enum mlog_verb v, int dev,
			       const struct ingest_event *ev)
{
	if (dev >= 0) {
		dev_present(n, dev, ev);
		/* a device that does MSI work in a remove is in the removed subtree */
		if (n->act == ACT_REMOVE && ev && ev->pid == n->act_pid)
			act_add(n, dev);
	}
	return stim_raw(n, v, dev, ev);
}

/* ---- tasks ---- */

static struct task *task_find(struct ingest_norm *n, uint32_t pid);

static struct task *task_get(struct ingest_norm *n, uint32_t pid)
{
	struct task *fr;

	if (n->last_task && n->last_task->used && n->last_task->pid == pid)
		return n->last_task;
	fr = task_find(n, pid);
	n->last_task = fr;
	return fr;
}

static struct task *task_find(struct ingest_norm *n, uint32_t pid)
{
	struct task *fr = NULL;

	for (int i = 0; i < NORM_MAX_TASKS; i++) {
		if (n->task[i].used && n->task[i].pid == pid)
			return &n->task[i];
		if (!n->task[i].used && !fr)
			fr = &n->task[i];
	}
	if (!fr) {
		/* forget an idle task */
		for (int i = 0; i < NORM_MAX_TASKS; i++)
			if (n->task[i].stim == S_NONE) {
				fr = &n->task[i];
				break;
			}
		if (!fr)
			fr = &n->task[0];
	}
	if (fr->used && fr->stim != S_NONE)
		n->nopen--;
	memset(fr, 0, sizeof(*fr));
	fr->used = true;
	fr->pid = pid;
	fr->stim_dev = fr->er_dev = fr->pp_dev = fr->mp_dev = fr->ip_dev = -1;
	fr->cdom_dev = fr->cur_dev = fr->free_dev = fr->remove_dev = -1;
	fr->dd_type = -1;
	fr->enable_dev = fr->disable_dev = -1;
	return fr;
}

/* ---- field access ---- */

static bool fnum(const struct ingest_event *ev, const char *name, int64_t *v)
{
	const struct ingest_field *f = ingest_event_field(ev, name);

	if (!f || !f->is_num)
		return false;
	*v = f->num;
	return true;
}

static int64_t fnum_or(const struct ingest_event *ev, const char *name, int64_t dflt)
{
	int64_t v;

	return fnum(ev, name, &v) ? v : dflt;
}

static int need(struct ingest_norm *n, const struct ingest_event *ev, const char *name, int64_t *v)
{
	if (fnum(ev, name, v))
		return 0;
	return nerr(n, ev->line, "%s: no numeric field \"%s\"", ev->name, name);
}

/* ---- the ACTION markers ---- */

static const char *const act_verb[] = {
	[ACT_NONE] = "", [ACT_UNBIND] = "unbind", [ACT_REMOVE] = "remove", [ACT_RMMOD] = "rmmod",
	[ACT_CPU] = "cpu hotplug",
};

/* The stimulus an ACTION is for @dev: driver_unbind or device_remove. */
static void act_now(struct ingest_norm *n, int dev, const struct ingest_event *ev)
{
	struct ndev *x = &n->dev[dev];
	struct mlog_event *e;

	if (x->act_done)
		return;
	dev_present(n, dev, ev);
	e = stim_raw(n, n->act == ACT_REMOVE ? MLOG_V_DEVICE_REMOVE : MLOG_V_DRIVER_UNBIND, dev, ev);
	if (ev && ev->kind != INGEST_EVENT)
		mlog_event_set(e, MLOG_K_PID, n->act_pid);
	x->act_done = true;
	x->pcim_enabled = false;
	if (n->act == ACT_REMOVE)
		x->removed = true;
}

static void x86_end_cpu(struct ingest_norm *n);
static struct x86_state *x86_get(struct ingest_norm *n);

static void end_action(struct ingest_norm *n)
{
	if (n->act == ACT_CPU)
		x86_end_cpu(n);
	/* what is left: the devices below a removed bridge first, the named one last */
	for (int last = 0; last < 2; last++) {
		for (uint32_t i = 0; i < n->nact; i++) {
			int dev = n->act_list[i];

			if ((dev == n->act_dev) != last || n->dev[dev].act_done)
				continue;
			if (n->act == ACT_REMOVE)
				comment(n, "%s: no devres event in this remove: the device is removed here",
					n->decls->dev[dev].name);
			else
				comment(n, "%s: no devres event in this %s: the driver is detached here",
					n->decls->dev[dev].name, act_verb[n->act]);
			act_now(n, dev, NULL);
		}
	}
	for (uint32_t i = 0; i < n->nact; i++)
		n->dev[n->act_list[i]].act_in = n->dev[n->act_list[i]].act_done = false;
	n->nact = 0;
	n->act = ACT_NONE;
	n->act_dev = -1;
}

/*
 * Does "rmmod @m" unbind @dev?  Its PCI driver must be the module's: the
 * device table says module=, or the driver has the module's name, or the
 * device was probed during "ACTION insmod" of the module and no device of
 * the same PCI driver was probed during another module's insmod (virtio-pci
 * probes for virtio_net, virtio_blk, ...: a bus driver, not the module's).
 */
static const char *rmmod_unbinds(const struct ingest_norm *n, int dev, const char *m)
{
	const struct ndev *x = &n->dev[dev];
	const struct tdev *t = x->table >= 0 ? &n->table[x->table] : NULL;

	if (x->removed)
		return NULL;
	if (t && t->module[0])
		return strcmp(t->module, m) ? NULL : "module= in the device table";
	if (x->drv[0] && !strcmp(x->drv, m))
		return "its PCI driver has the module's name";
	if (strcmp(x->probe_mod, m))
		return NULL;
	if (!x->drv[0])
		return "probed during the module's ACTION insmod (PCI driver unknown)";
	for (uint32_t j = 0; j < n->decls->ndev; j++) {
		const struct ndev *y = &n->dev[j];

		if (!strcmp(y->drv, x->drv) && y->probe_mod[0] && strcmp(y->probe_mod, m))
			return NULL;
	}
	return "probed during the module's ACTION insmod, and no device of its PCI driver "
	       "was probed during another module's";
}

/* The PCI driver an ACTION line names for @bdf. */
static void act_driver(struct ingest_norm *n, uint32_t bdf, const char *drv)
{
	int dev = dev_find(n, bdf);

	if (dev >= 0 && drv[0])
		norm_name(n->dev[dev].drv, sizeof(n->dev[dev].drv), drv, strlen(drv));
}

/*
 * A "%Ns" conversion of sscanf(): blanks skipped, then at most @width
 * non-blank bytes into @out.  0 when the text ends first.
 */
static int scan_word(const char **p, char *out, size_t width)
{
	const char *s = *p;
	size_t n = 0;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s) {
		*p = s;
		return 0;
	}
	while (*s && !isspace((unsigned char)*s) && n < width)
		out[n++] = *s++;
	out[n] = 0;
	*p = s;
	return 1;
}

static void marker(struct ingest_norm *n, const struct ingest_event *ev)
{
	const struct ingest_field *f = ingest_event_field(ev, "buf");
	const char *text = f ? f->raw : "";
	struct mlog_event *e;
	char verb[16], arg1[64], arg2[64];
	uint32_t bdf;
	int k;

	flush(n, false);
	if (!strncmp(text, "ACTION ", 7) || !strncmp(text, "PHASE ", 6))
		end_action(n);
	for (int i = 0; i < NORM_MAX_TASKS; i++)
		n->task[i].free_dev = -1;
	e = stim(n, MLOG_V_MARKER, -1, ev);
	if (mlog_event_set_str(e, MLOG_K_TEXT, text, strlen(text)))
		nerr(n, ev->line, "marker text too long");
	arg2[0] = 0;
	k = 0;	/* sscanf(text, "ACTION %15s %63s %63s", verb, arg1, arg2), < 1 when none */
	if (!strncmp(text, "ACTION", 6)) {
		const char *p = text + 6;

		if (scan_word(&p, verb, 15)) {
			k = 1;
			if (scan_word(&p, arg1, 63)) {
				k = 2;
				if (scan_word(&p, arg2, 63))
					k = 3;
			}
		}
	}
	if (k >= 1 && strcmp(verb, "insmod"))
		n->insmod[0] = 0;
	n->bind_dev = -1;
	if (k >= 2 && !strcmp(verb, "insmod")) {
		char *dot = strstr(arg1, ".ko");
		size_t len = dot ? (size_t)(dot - arg1) : strlen(arg1);

		base_name(n->module, sizeof(n->module), arg1, len);
		norm_name(n->insmod, sizeof(n->insmod), arg1, len);
	} else if (k == 3 && !strcmp(verb, "bind")) {
		base_name(n->module, sizeof(n->module), arg2, strlen(arg2));
		if (!parse_bdf(arg1, &bdf)) {
			act_driver(n, bdf, arg2);
			n->bind_dev = dev_find(n, bdf);
		}
	} else if (k >= 2 && (!strcmp(verb, "unbind") || !strcmp(verb, "remove"))) {
		n->module[0] = 0;
		if (!parse_bdf(arg1, &bdf)) {
			act_driver(n, bdf, arg2);
			n->act = verb[0] == 'u' ? ACT_UNBIND : ACT_REMOVE;
			n->act_pid = ev->pid;
			n->act_dev = dev_find(n, bdf);
			if (n->act_dev >= 0)
				act_add(n, n->act_dev);
		}
	} else if (k == 2 && !strcmp(verb, "rmmod")) {
		n->module[0] = 0;
		n->act = ACT_RMMOD;
		n->act_pid = ev->pid;
		n->act_dev = -1;
		norm_name(n->act_module, sizeof(n->act_module), arg1, strlen(arg1));
		for (uint32_t i = 0; i < n->decls->ndev; i++) {
			const char *why = rmmod_unbinds(n, (int)i, n->act_module);

			if (!why)
				continue;
			comment(n, "%s: bound to the PCI driver of %s (%s): this rmmod unbinds it",
				n->decls->dev[i].name, n->act_module, why);
			act_add(n, (int)i);
		}
	} else if (k == 2 && !strncmp(verb, "cpu", 3) && isdigit((unsigned char)verb[3]) &&
		   (!strcmp(arg1, "offline") || !strcmp(arg1, "online"))) {
		unsigned long cpu = strtoul(verb + 3, NULL, 10);

		n->module[0] = 0;
		if (cpu < X86_MAX_CPUS && !x86_get(n))
			return;
		if (cpu >= X86_MAX_CPUS) {
			nerr(n, ev->line, "ACTION %s: CPU number above %d", verb, X86_MAX_CPUS - 1);
			return;
		}
		/* the write to /sys/devices/system/cpu/cpuN/online is the cause */
		e = stim(n, arg1[1] == 'f' ? MLOG_V_CPU_OFFLINE : MLOG_V_CPU_ONLINE, -1, ev);
		mlog_event_set(e, MLOG_K_CPU, (int64_t)cpu);
		n->act = ACT_CPU;
		n->act_pid = ev->pid;
		n->act_dev = -1;
		n->x86->act_cpu = (int)cpu;
		n->x86->act_online = arg1[1] != 'f';
		if (!n->x86->act_online)
			n->x86->any_offline = true;
		n->x86->moved[0] = 0;
		if (!n->x86->act_online)
			n->x86->cpu[cpu].went_offline = true;
	} else if (k >= 1) {
		if (!strcmp(verb, "rescan"))
			n->rescanned = true;
		n->module[0] = 0;
	}
	flush(n, false);
}

/* pcim drivers (table "enable=pcim"): pcim_enable_device() before the first MSI call of a probe */
static void maybe_pcim(struct ingest_norm *n, int dev, const struct ingest_event *ev)
{
	struct ndev *x = &n->dev[dev];

	if (x->pcim_enabled || x->table < 0 || !n->table[x->table].pcim)
		return;
	comment(n, "%s: pcim_enable_device() is not probed; the device table marks the driver "
		"managed (enable=pcim, line %u)", n->decls->dev[dev].name, n->table[x->table].line);
	stim(n, MLOG_V_PCIM_ENABLE_DEVICE, dev, ev);
	x->pcim_enabled = true;
}

/* ---- irq numbers ---- */

static bool virq_ok(uint32_t v)
{
	return v > 0 && v < NORM_MAX_VIRQ;
}

static bool virq_in_use(const struct ingest_norm *n, uint32_t v)
{
	return n->virq[v].dev >= 0 || test_bit64(n->irq_listed, v) || test_bit64(n->gap, v);
}

/*
 * irq_domain_alloc_descs() takes the first free run at or above the hint
 * (hwirq % nr_irqs, never 0): every irq number between the hint and the
 * one it got that we think free was taken by code the probes do not see.
 */
static void prove_gaps(struct ingest_norm *n, uint32_t virq, uint32_t cnt, uint64_t hwirq,
		       uint32_t line)
{
	uint32_t hint = (uint32_t)(hwirq % n->nr_irqs);

	if (!hint)
		hint = 1;
	if (virq < hint)
		hint = 1;
	for (uint32_t u = hint; u < virq; u++) {
		if (virq_in_use(n, u))
			continue;
		if (n->virq[u].traced) {
			if (!n->gap_conflict)
				snprintf(n->gap_note, sizeof(n->gap_note),
					 "irq %u was used by a traced allocation, then taken by untraced "
					 "code before line %u: irqs_used cannot express it", u, line);
			n->gap_conflict = true;
			continue;
		}
		set_bit64(n->gap, u);
	}
	if (virq + cnt > n->nr_irqs)
		n->nr_irqs = virq + cnt;
}

/* ---- the events ---- */

static const char *const stim_fn[] = {
	[S_NONE] = "", [S_ALLOC] = "pci_alloc_irq_vectors",
	[S_MSIX_RANGE] = "pci_enable_msix_range", [S_ENABLE_MSI] = "pci_enable_msi",
};

/*
 * A driver call starts while another task's has not returned (drivers
 * probing in parallel): irq numbers and LPI ranges were handed out in an
 * order one-at-a-time replay cannot reproduce.  Said once, before the
 * first such call; each call keeps its own observations (struct item).
 */
static void check_concurrent(struct ingest_norm *n, struct task *t, int dev,
			     const struct ingest_event *ev, enum stim kind)
{
	const struct task *u = NULL;
	struct mlog_event *e;
	char when[80];
	size_t idx;

	if (n->concurrent)
		return;
	/* the earliest call still open: its observations are affected too */
	for (int i = 0; i < NORM_MAX_TASKS; i++) {
		const struct task *o = &n->task[i];

		if (o->used && o != t && o->stim != S_NONE && (!u || o->stim_pend < u->stim_pend))
			u = o;
	}
	if (!u)
		return;
	idx = u->stim_pend;
	e = pend_insert(n, idx);
	comment_event(e, "concurrent: %s(%s) by pid %u at %s started while this %s(%s) by pid %u "
		      "had not returned: from here on, irq numbers and LPI bases are not compared",
		      stim_fn[kind], n->decls->dev[dev].name, ev->pid, at(n, ev->line, when),
		      stim_fn[u->stim], u->stim_dev >= 0 ? n->decls->dev[u->stim_dev].name : "?",
		      u->pid);
	e = pend_insert(n, idx + 1);
	ev_init(n, e, MLOG_V_CONCURRENT);
	e->line = ev->line;
	n->concurrent = true;
}

static void ev_alloc_entry(struct ingest_norm *n, struct task *t, const struct ingest_event *ev,
			   enum stim kind)
{
	int dev = dev_of(n, ev, "name");
	struct mlog_event *e;
	int64_t a, b, fl;

	if (dev < 0 || t->stim != S_NONE)
		return;
	check_concurrent(n, t, dev, ev, kind);
	dev_present(n, dev, ev);
	if (n->insmod[0])
		memcpy(n->dev[dev].probe_mod, n->insmod, sizeof(n->insmod));
	maybe_pcim(n, dev, ev);
	t->free_dev = -1;
	if (t->stim == S_NONE)
		n->nopen++;
	t->stim = kind;
	t->stim_dev = dev;
	t->cur_dev = dev;
	if (kind == S_ALLOC) {
		if (need(n, ev, "min_vecs", &a) || need(n, ev, "max_vecs", &b) ||
		    need(n, ev, "flags", &fl))
			return;
		e = stim(n, MLOG_V_PCI_ALLOC_IRQ_VECTORS, dev, ev);
		mlog_event_set(e, MLOG_K_MIN, (int32_t)a);
		mlog_event_set(e, MLOG_K_MAX, (int32_t)b);
		mlog_event_set(e, MLOG_K_FLAGS, fl & 0x1f);
		t->stim_flags = (uint32_t)fl;
	} else if (kind == S_MSIX_RANGE) {
		if (need(n, ev, "minvec", &a) || need(n, ev, "maxvec", &b))
			return;
		e = stim(n, MLOG_V_PCI_ENABLE_MSIX_RANGE, dev, ev);
		mlog_event_set(e, MLOG_K_MIN, (int32_t)a);
		mlog_event_set(e, MLOG_K_MAX, (int32_t)b);
	} else {
		e = stim(n, MLOG_V_PCI_ENABLE_MSI, dev, ev);
	}
	t->stim_pend = n->npend - 1;
}

static void ev_alloc_ret(struct ingest_norm *n, struct task *t, const struct ingest_event *ev,
			 enum stim kind, const char *fn)
{
	struct mlog_event *e;
	int64_t ret;

	if (t->stim != kind)
		return;
	if (need(n, ev, "ret", &ret))
		return;
	if (kind == S_ALLOC && (t->stim_flags & MLOG_PCI_IRQ_AFFINITY) && ret > 0 &&
	    (uint32_t)ret > n->cpus) {
		/* irq_calc_affinity_vectors(): spread vectors = min(max - pre, cpus) */
		mlog_event_set(&n->pend[t->stim_pend].ev, MLOG_K_PRE_VECTORS, ret - n->cpus);
		/* the comment goes before the stimulus */
		e = pend_insert(n, t->stim_pend);
		comment_event(e, "pre_vectors=%" PRId64 " inferred: AFFINITY spreads at most %u vectors "
			      "(one per CPU) and %" PRId64 " were granted", ret - n->cpus, n->cpus, ret);
	}
	e = obs(n, MLOG_V_O_RET, ev);
	mlog_event_set_str(e, MLOG_K_FN, fn, strlen(fn));
	mlog_event_set(e, MLOG_K_DEV, t->stim_dev);
	mlog_event_set(e, MLOG_K_RET, (int32_t)(kind == S_ENABLE_MSI && ret > 0 ? 0 : ret));
	if (t->stim != S_NONE)
		n->nopen--;
	t->stim = S_NONE;
	t->stim_dev = -1;
	flush(n, false);
}

/* An MSI free path: a driver call, nested, or devres. */
static void ev_free_entry(struct ingest_norm *n, struct task *t, const struct ingest_event *ev,
			  enum mlog_verb verb)
{
	int dev = dev_of(n, ev, "name");

	if (dev < 0)
		return;
	if (t->free_dev == dev)
		return;		/* nested in pci_free_irq_vectors / pcim_msi_release */
	if (t->stim != S_NONE)
		return;		/* inside a driver call */
	stim(n, verb, dev, ev);
	t->free_dev = dev;
	t->free_pcim = false;
	t->cur_dev = dev;
}

/* The MSI irq an (de)activation event names, NULL when it is none of ours. */
static struct nvirq *event_virq(struct ingest_norm *n, const struct ingest_event *ev)
{
	int64_t v;

	/* the irq_vectors tracepoints call it "irq" */
	if (need(n, ev, ev->system && !strcmp(ev->system, "irq_vectors") ? "irq" : "virq", &v))
		return NULL;
	if (!virq_ok((uint32_t)v) || n->virq[v].dev < 0)
		return NULL;
	return &n->virq[v];
}

static void ev_deactivate(struct ingest_norm *n, struct task *t, const struct ingest_event *ev)
{
	struct nvirq *q;
	struct mlog_event *e;

	q = event_virq(n, ev);
	if (!q)
		return;
	if (t->free_dev == q->dev || t->stim != S_NONE) {
		q->active = false;
		return;		/* the MSI free path (or an allocation's rollback) */
	}
	t->free_dev = -1;
	if (!q->started) {
		comment(n, "%s vec %u: request_irq() is not probed; the free_irq below proves it was "
			"requested (activated at allocation, so it sent no MAPTI) and succeeded",
			n->decls->dev[q->dev].name, q->index);
		stim(n, MLOG_V_REQUEST_IRQ, q->dev, ev);
		mlog_event_set(&n->pend[n->npend - 1].ev, MLOG_K_VEC, q->index);
		/* when it ran is not known */
		n->pend[n->npend - 1].ev.present &= ~(MLOG_KEYBIT(MLOG_K_T) | MLOG_KEYBIT(MLOG_K_PID));
		e = obs(n, MLOG_V_O_RET, ev);
		mlog_event_set_str(e, MLOG_K_FN, "request_irq", 11);
		mlog_event_set(e, MLOG_K_DEV, q->dev);
		mlog_event_set(e, MLOG_K_RET, 0);
	}
	e = stim(n, MLOG_V_FREE_IRQ, q->dev, ev);
	mlog_event_set(e, MLOG_K_VEC, q->index);
	q->started = false;
	q->active = false;
}

static void ev_activate(struct ingest_norm *n, struct task *t, const struct ingest_event *ev)
{
	struct nvirq *q;
	struct mlog_event *e;

	q = event_virq(n, ev);
	if (!q)
		return;
	if (t->stim == S_NONE && !q->active) {
		/* a freed irq requested again: request_irq reactivates it */
		e = stim(n, MLOG_V_REQUEST_IRQ, q->dev, ev);
		mlog_event_set(e, MLOG_K_VEC, q->index);
		q->started = true;
	}
	q->active = true;
}

static void ev_msi_domain_alloc(struct ingest_norm *n, struct task *t, const struct ingest_event *ev)
{
	int dev = dev_of_domain(n, ev);
	int64_t virq, nr, index, hwirq;
	struct mlog_event *e;

	if (dev < 0)
		dev = t->cur_dev;
	if (dev < 0)
		return;
	/* msi_hwirq: the msi_alloc_info's hwirq (the shared x86 6.1 probes call it "hwirq") */
	if (need(n, ev, "virq", &virq) || need(n, ev, "msi_index", &index) ||
	    (!fnum(ev, "msi_hwirq", &hwirq) && need(n, ev, ingest_event_field(ev, "msi_hwirq") ?
						     "msi_hwirq" : "hwirq", &hwirq)))
		return;
	nr = fnum_or(ev, "nr_irqs", 1);
	if (!virq_ok((uint32_t)virq) || nr < 1 || virq + nr > NORM_MAX_VIRQ) {
		nerr(n, ev->line, "msi_domain_alloc: irq %" PRId64 "+%" PRId64 " out of range", virq, nr);
		return;
	}
	prove_gaps(n, (uint32_t)virq, (uint32_t)nr, (uint64_t)hwirq, ev->line);
	for (int64_t i = 0; i < nr; i++) {
		struct nvirq *q = &n->virq[virq + i];

		q->dev = (int16_t)dev;
		q->index = (uint16_t)(index + i);
		q->active = false;
		q->started = false;
		q->traced = true;
	}
	e = obs(n, MLOG_V_O_MSI_IRQ, ev);
	mlog_event_set(e, MLOG_K_DEV, dev);
	mlog_event_set(e, MLOG_K_INDEX, index);
	mlog_event_set(e, MLOG_K_VIRQ, virq);
	mlog_event_set(e, MLOG_K_HWIRQ, hwirq);
}

static void devid_seen(struct ingest_norm *n, int dev, uint32_t devid, uint32_t line)
{
	struct ndev *x = &n->dev[dev];

	if (x->has_devid)
		return;
	x->has_devid = true;
	x->devid = devid;
	at(n, line, x->devid_at);
	n->decls->dev[dev].devid = devid;
}

/*
 * Devres work on @dev (pcim_msi_release, the device MSI domain going away)
 * during an ACTION: the driver_unbind or device_remove goes first.  In a
 * remove or rmmod, devres work of the ACTION's task on a device is itself
 * the evidence that the device is unbound (a device below a removed
 * bridge, a device the rmmod rules did not name).
 */
static void devres_event(struct ingest_norm *n, struct task *t, const struct ingest_event *ev,
			 int dev)
{
	struct ndev *x;

	if (n->act == ACT_NONE || dev < 0 || t->stim != S_NONE)
		return;
	x = &n->dev[dev];
	if (!x->act_in) {
		/* rmmod unbinds in the rmmod process, not the task that wrote the marker */
		if (n->act == ACT_UNBIND || (n->act == ACT_REMOVE && ev->pid != n->act_pid))
			return;
		if (n->act == ACT_RMMOD)
			comment(n, "%s: devres work in this rmmod %s: its driver is unbound",
				n->decls->dev[dev].name, n->act_module);
		act_add(n, dev);
	}
	act_now(n, dev, ev);
}

/* ---- x86: the vector domain, the irq_matrix, IO-APIC irqs, CPU hotplug ---- */

/*
 * The irq_vectors and irq_matrix tracepoints become observations with
 * their own field names (irq -> virq).  Causes and effects:
 *  - vector_activate reserve=0 of an MSI irq outside a driver call is
 *    request_irq (reserve=1 is the early reservation-mode activation at
 *    allocation, after which the kernel clears the activated bit);
 *    vector_deactivate outside the MSI free path is free_irq.
 *  - x86_vector_alloc_irqs of type 1 (X86_IRQ_ALLOC_TYPE_IOAPIC) is an
 *    INTx GSI mapped under pci_enable_device (mp_map_pin_to_irq), and
 *    irq_domain_free_irqs of such an irq its unmapping (mp_unmap_irq):
 *    both are stimuli, the vector events under them their observations.
 *  - "ACTION cpuN offline|online" markers are cpu_offline/cpu_online;
 *    what the kernel then does (msi_set_affinity on the dying CPU,
 *    managed irqs restarted by cpuhp) is effect, never a stimulus.
 * The irq_matrix values are sampled after each update, and allocation is
 * first-fit (matrix_alloc_area()), so the first per-CPU events prove
 * which vectors were allocated before the recording: the x86_cpu lines.
 */

static struct x86_state *x86_get(struct ingest_norm *n)
{
	if (!n->x86) {
		n->x86 = calloc(1, sizeof(*n->x86));
		if (!n->x86) {
			nerr(n, 0, "out of memory");
			return NULL;
		}
		n->x86->act_cpu = -1;
		for (uint32_t v = 0; v < NORM_MAX_VIRQ; v++) {
			n->x86->pv_cpu[v] = -1;
			n->x86->pv_managed[v] = -1;
			n->x86->pv_gone_cpu[v] = -1;
		}
	}
	n->x86->seen = true;
	return n->x86;
}

static bool x86_is_pre(const struct ingest_norm *n, uint32_t virq);
static int x86_pre_ioapic(const struct ingest_norm *n, uint32_t virq);
static void x86_pre_irq(struct ingest_norm *n, uint32_t virq, int dev, int vec, int cpu,
			int is_managed, const char *why);

/* MAJOR.MINOR of the release as 100 * MAJOR + MINOR, 0 when unknown. */
static unsigned int release_version(const struct ingest_norm *n)
{
	unsigned int ma = 0, mi = 0;

	if (sscanf(n->release, "%u.%u", &ma, &mi) != 2)
		return 0;
	return ma * 100 + mi;
}

/*
 * The allocation window [FIRST_EXTERNAL_VECTOR, FIRST_SYSTEM_VECTOR) and
 * the system vectors inside it (spec 5.2): IRQ_MOVE_CLEANUP_VECTOR 0x20
 * until the timer-based move cleanup, the PIC cascade ISA_IRQ_VECTOR(2)
 * 0x32, IA32_SYSCALL_VECTOR 0x80.  The window ends at LOCAL_TIMER_VECTOR
 * 0xec, or at POSTED_MSI_NOTIFICATION_VECTOR 0xeb from 6.10 on.
 */
#define X86_ALLOC_START	0x20
static unsigned int x86_alloc_end(const struct ingest_norm *n)
{
	unsigned int v = release_version(n);

	return v && v < 610 ? 0xec : 0xeb;
}

static bool x86_system_bit(const struct ingest_norm *n, unsigned int b)
{
	unsigned int v = release_version(n);

	return b == 0x32 || b == 0x80 || (b == 0x20 && v && v < 609);
}

static unsigned int x86_system_bits(const struct ingest_norm *n)
{
	unsigned int c = 0;

	for (unsigned int b = X86_ALLOC_START; b < x86_alloc_end(n); b++)
		c += x86_system_bit(n, b);
	return c;
}

static void x86_conflict(struct ingest_norm *n, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void x86_conflict(struct ingest_norm *n, uint32_t line, const char *fmt, ...)
{
	struct x86_state *x = n->x86;
	char where[80];
	size_t w;
	va_list ap;

	if (x->conflict)
		return;
	x->conflict = true;
	w = (size_t)snprintf(x->conflict_note, sizeof(x->conflict_note), "%s: ", at(n, line, where));
	if (w >= sizeof(x->conflict_note))
		return;
	va_start(ap, fmt);
	vsnprintf(x->conflict_note + w, sizeof(x->conflict_note) - w, fmt, ap);
	va_end(ap);
}

/* The change an irq_matrix per-CPU event made to (allocated, managed) of its CPU. */
static void x86_cpu_delta(enum mlog_verb v, int *da, int *dm)
{
	*da = *dm = 0;
	if (v == MLOG_V_O_IRQ_MATRIX_ALLOC || v == MLOG_V_O_IRQ_MATRIX_ALLOC_MANAGED ||
	    v == MLOG_V_O_IRQ_MATRIX_ASSIGN)
		*da = 1;
	else if (v == MLOG_V_O_IRQ_MATRIX_FREE)
		*da = -1;
	else if (v == MLOG_V_O_IRQ_MATRIX_RESERVE_MANAGED)
		*dm = 1;
	else if (v == MLOG_V_O_IRQ_MATRIX_REMOVE_MANAGED)
		*dm = -1;
}

/* A bit whose start state the trace proves: @pre_kind 0 free, 1 allocated, 2 managed. */
static void x86_known(struct ingest_norm *n, struct xcpu *c, unsigned int b, int pre_kind,
		      uint32_t line)
{
	if (test_bit64(c->known, b))
		return;
	set_bit64(c->known, b);
	if (!pre_kind)
		return;
	if (!c->pre_at[0])
		at(n, line, c->pre_at);
	if (pre_kind == 1) {
		set_bit64(c->pre_alloc, b);
		set_bit64(c->cur_alloc, b);
	} else {
		set_bit64(c->pre_managed, b);
		set_bit64(c->cur_managed, b);
	}
}

static void clear_bit64(uint64_t *map, uint32_t b)
{
	map[b / 64] &= ~(1ull << (b % 64));
}

/* One per-CPU irq_matrix event: what it proves about the start, then the update. */
static void x86_matrix_cpu(struct ingest_norm *n, enum mlog_verb v, const struct ingest_event *ev,
			   int64_t bit, int64_t cpu, int64_t alloc, int64_t managed, int64_t avl)
{
	struct x86_state *x = n->x86;
	struct xcpu *c;
	int da, dm;

	if (cpu < 0 || cpu >= X86_MAX_CPUS || bit < 0 || bit > 255) {
		nerr(n, ev->line, "%s: cpu %" PRId64 " or bit %" PRId64 " out of range", ev->name, cpu, bit);
		return;
	}
	c = &x->cpu[cpu];
	x86_cpu_delta(v, &da, &dm);
	if (!c->seen) {
		c->seen = true;
		c->late = c->went_offline;
		c->alloc0 = (int)alloc - da;
		c->managed0 = (int)managed - dm;
		c->avl1 = (int)avl;
		c->managed1 = (int)managed;
		c->first_verb = (int)v;
		c->first_bit = (unsigned int)bit;
		c->first_line = ev->line;
		at(n, ev->line, c->first_at);
	}
	set_bit64(c->touched, (uint32_t)bit);
	if (c->late)
		return;		/* the start state is gone: nothing more to prove */
	if (v == MLOG_V_O_IRQ_MATRIX_ALLOC || v == MLOG_V_O_IRQ_MATRIX_RESERVE_MANAGED) {
		/* first fit over alloc_map | managed_map | system_map */
		for (unsigned int b = X86_ALLOC_START; b < (unsigned int)bit; b++) {
			if (x86_system_bit(n, b))
				continue;
			if (!test_bit64(c->known, b)) {
				/* a pre-existing managed bit cannot be told from an allocated one here */
				x86_known(n, c, b, 1, ev->line);
			} else if (!test_bit64(c->cur_alloc, b) && !test_bit64(c->cur_managed, b)) {
				x86_conflict(n, ev->line, "%s bit %" PRId64 " on CPU %" PRId64 " skipped vector "
					     "%u, which the trace had freed: an event is missing", ev->name,
					     bit, cpu, b);
			}
		}
		x86_known(n, c, (unsigned int)bit, 0, ev->line);
		if (v == MLOG_V_O_IRQ_MATRIX_ALLOC)
			set_bit64(c->cur_alloc, (uint32_t)bit);
		else
			set_bit64(c->cur_managed, (uint32_t)bit);
	} else if (v == MLOG_V_O_IRQ_MATRIX_ALLOC_MANAGED) {
		x86_known(n, c, (unsigned int)bit, 2, ev->line);
		set_bit64(c->cur_alloc, (uint32_t)bit);
	} else if (v == MLOG_V_O_IRQ_MATRIX_ASSIGN) {
		x86_known(n, c, (unsigned int)bit, 0, ev->line);
		set_bit64(c->cur_alloc, (uint32_t)bit);
	} else if (v == MLOG_V_O_IRQ_MATRIX_FREE) {
		x86_known(n, c, (unsigned int)bit, 1, ev->line);
		clear_bit64(c->cur_alloc, (uint32_t)bit);
	} else if (v == MLOG_V_O_IRQ_MATRIX_REMOVE_MANAGED) {
		x86_known(n, c, (unsigned int)bit, 2, ev->line);
		clear_bit64(c->cur_managed, (uint32_t)bit);
	}
}

/* The global counters before the first irq_matrix event. */
static void x86_matrix_global(struct ingest_norm *n, enum mlog_verb v, const struct ingest_event *ev,
			      int64_t rsvd, int64_t total)
{
	struct x86_state *x = n->x86;
	int dr = 0, dt = 0;

	if (x->g_seen)
		return;
	x->g_seen = true;
	if (v == MLOG_V_O_IRQ_MATRIX_RESERVE)
		dr = 1;
	else if (v == MLOG_V_O_IRQ_MATRIX_REMOVE_RESERVED)
		dr = -1;
	if (v == MLOG_V_O_IRQ_MATRIX_ALLOC || v == MLOG_V_O_IRQ_MATRIX_ALLOC_MANAGED ||
	    v == MLOG_V_O_IRQ_MATRIX_ASSIGN)
		dt = 1;
	else if (v == MLOG_V_O_IRQ_MATRIX_FREE)
		dt = -1;
	x->rsvd0 = rsvd - dr;
	x->total0 = total - dt;
	at(n, ev->line, x->g_at);
	/* irq_matrix_alloc released a reservation if the vector_alloc after it says reserved=1 */
	if (v == MLOG_V_O_IRQ_MATRIX_ALLOC) {
		x->rsvd_pending = true;
		x->rsvd_pending_pid = ev->pid;
	}
}

static const struct {
	const char *name;
	enum mlog_verb verb;
} x86_tracepoints[] = {
	{ "vector_config", MLOG_V_O_VECTOR_CONFIG },
	{ "vector_update", MLOG_V_O_VECTOR_UPDATE },
	{ "vector_clear", MLOG_V_O_VECTOR_CLEAR },
	{ "vector_reserve_managed", MLOG_V_O_VECTOR_RESERVE_MANAGED },
	{ "vector_reserve", MLOG_V_O_VECTOR_RESERVE },
	{ "vector_alloc", MLOG_V_O_VECTOR_ALLOC },
	{ "vector_alloc_managed", MLOG_V_O_VECTOR_ALLOC_MANAGED },
	{ "vector_activate", MLOG_V_O_VECTOR_ACTIVATE },
	{ "vector_deactivate", MLOG_V_O_VECTOR_DEACTIVATE },
	{ "vector_teardown", MLOG_V_O_VECTOR_TEARDOWN },
	{ "vector_setup", MLOG_V_O_VECTOR_SETUP },
	{ "vector_free_moved", MLOG_V_O_VECTOR_FREE_MOVED },
	{ "irq_matrix_online", MLOG_V_O_IRQ_MATRIX_ONLINE },
	{ "irq_matrix_offline", MLOG_V_O_IRQ_MATRIX_OFFLINE },
	{ "irq_matrix_reserve", MLOG_V_O_IRQ_MATRIX_RESERVE },
	{ "irq_matrix_remove_reserved", MLOG_V_O_IRQ_MATRIX_REMOVE_RESERVED },
	{ "irq_matrix_assign_system", MLOG_V_O_IRQ_MATRIX_ASSIGN_SYSTEM },
	{ "irq_matrix_reserve_managed", MLOG_V_O_IRQ_MATRIX_RESERVE_MANAGED },
	{ "irq_matrix_remove_managed", MLOG_V_O_IRQ_MATRIX_REMOVE_MANAGED },
	{ "irq_matrix_alloc_managed", MLOG_V_O_IRQ_MATRIX_ALLOC_MANAGED },
	{ "irq_matrix_assign", MLOG_V_O_IRQ_MATRIX_ASSIGN },
	{ "irq_matrix_alloc", MLOG_V_O_IRQ_MATRIX_ALLOC },
	{ "irq_matrix_free", MLOG_V_O_IRQ_MATRIX_FREE },
};

/* Every observation kind of the irq_vectors (@matrix false) or irq_matrix tracepoints. */
static uint64_t x86_kinds(bool matrix)
{
	uint64_t k = 0;

	for (size_t i = 0; i < sizeof(x86_tracepoints) / sizeof(x86_tracepoints[0]); i++)
		if ((x86_tracepoints[i].name[0] == 'i') == matrix)
			k |= 1ull << (x86_tracepoints[i].verb - MLOG_V_O_FIRST);
	return k;
}

/* vector_activate / vector_deactivate of an MSI irq: request_irq / free_irq when they are the cause. */
static void x86_activation(struct ingest_norm *n, struct task *t, const struct ingest_event *ev,
			   bool activate, int64_t reserve)
{
	struct nvirq *q = event_virq(n, ev);

	if (!q)
		return;
	if (n->act == ACT_CPU) {
		/* the kernel restarting or shutting down managed irqs around CPU hotplug */
		q->active = activate && !reserve;
		return;
	}
	if (!activate) {
		ev_deactivate(n, t, ev);
		return;
	}
	if (reserve) {
		/* early activation in reservation mode: the kernel clears "activated" after it */
		q->active = false;
		return;
	}
	{
		size_t before = n->npend;
		bool was_active = q->active;

		ev_activate(n, t, ev);
		if (!was_active && t->stim == S_NONE && n->npend > before) {
			/* request_irq: its return is that of this activation (vector_alloc* ret) */
			n->x86->req_open = true;
			n->x86->req_dev = q->dev;
			n->x86->req_virq = (uint32_t)(q - n->virq);
			n->x86->req_ret = 0;
		}
	}
}

/* The end of a traced request_irq: "< ret fn=request_irq" after its activation's observations. */
static void x86_req_close(struct ingest_norm *n)
{
	struct x86_state *x = n->x86;
	struct mlog_event *e;

	x->req_open = false;
	if (!x->req_noted) {
		x->req_noted = true;
		comment(n, "request_irq is not probed: each \"ret fn=request_irq\" after an x86 request "
			"is the result of its vector activation (the vector_alloc ret)");
	}
	e = emit_grp(n, n->grp_next++);
	ev_init(n, e, MLOG_V_O_RET);
	mlog_event_set_str(e, MLOG_K_FN, "request_irq", 11);
	mlog_event_set(e, MLOG_K_DEV, x->req_dev);
	mlog_event_set(e, MLOG_K_RET, (int32_t)x->req_ret);
}

/* An x86 tracepoint: the observation (after its cause, when it has one). */
static void x86_tracepoint(struct ingest_norm *n, const struct ingest_event *ev)
{
	struct x86_state *x = x86_get(n);
	enum mlog_verb v = MLOG_V_NONE;
	const enum mlog_key *keys;
	unsigned int nkeys;
	mlog_keyset req;
	int64_t val[24];
	struct mlog_event *e;

	if (!x)
		return;
	for (size_t i = 0; i < sizeof(x86_tracepoints) / sizeof(x86_tracepoints[0]); i++)
		if (!strcmp(ev->name, x86_tracepoints[i].name)) {
			v = x86_tracepoints[i].verb;
			break;
		}
	if (v == MLOG_V_NONE)
		return;		/* the per-interrupt irq_vectors events: not MSI lifecycle */
	if (ev->name[0] == 'i')
		x->matrix = true;
	else
		x->vectors = true;
	nkeys = mlog_verb_keys(v, &keys);
	req = mlog_verb_required(v);
	if (nkeys > sizeof(val) / sizeof(val[0]))
		nkeys = sizeof(val) / sizeof(val[0]);
	for (unsigned int i = 0; i < nkeys; i++) {
		const char *fname = keys[i] == MLOG_K_VIRQ ? "irq" : mlog_key_name(keys[i]);

		if (keys[i] == MLOG_K_PID || keys[i] == MLOG_K_T)
			continue;
		if (!fnum(ev, fname, &val[i])) {
			if (!(req & MLOG_KEYBIT(keys[i]))) {
				val[i] = INT64_MIN;
				continue;
			}
			nerr(n, ev->line, "%s: no numeric field \"%s\"", ev->name, fname);
			return;
		}
	}
	/* a traced request ends where the events of another irq begin */
	if (x->req_open) {
		for (unsigned int i = 0; i < nkeys; i++)
			if (keys[i] == MLOG_K_VIRQ && val[i] != (int64_t)x->req_virq)
				x86_req_close(n);
	}
	if (x->req_open && (v == MLOG_V_O_VECTOR_ALLOC || v == MLOG_V_O_VECTOR_ALLOC_MANAGED)) {
		for (unsigned int i = 0; i < nkeys; i++)
			if (keys[i] == MLOG_K_RET)
				x->req_ret = val[i];
	}
	/* the cause first */
	if (v == MLOG_V_O_VECTOR_ACTIVATE || v == MLOG_V_O_VECTOR_DEACTIVATE) {
		int64_t reserve = 0;

		for (unsigned int i = 0; i < nkeys; i++)
			if (keys[i] == MLOG_K_RESERVE)
				reserve = val[i];
		x86_activation(n, n->cur, ev, v == MLOG_V_O_VECTOR_ACTIVATE, reserve);
	}
	if (v == MLOG_V_O_VECTOR_ALLOC && x->rsvd_pending && ev->pid == x->rsvd_pending_pid) {
		for (unsigned int i = 0; i < nkeys; i++)
			if (keys[i] == MLOG_K_RESERVED && val[i])
				x->rsvd0++;
		x->rsvd_pending = false;
	}
	e = obs(n, v, ev);
	{
		int64_t bit = -1, cpu = -1, alloc = 0, managed = 0, rsvd = -1, total = -1, virq = -1;
		int64_t avl = -1;

		for (unsigned int i = 0; i < nkeys; i++) {
			if (keys[i] == MLOG_K_PID || keys[i] == MLOG_K_T || val[i] == INT64_MIN)
				continue;
			mlog_event_set(e, keys[i], val[i]);
			switch (keys[i]) {
			case MLOG_K_BIT: bit = val[i]; break;
			case MLOG_K_CPU: cpu = val[i]; break;
			case MLOG_K_ALLOC: alloc = val[i]; break;
			case MLOG_K_MANAGED: managed = val[i]; break;
			case MLOG_K_AVL: avl = val[i]; break;
			case MLOG_K_GLOBAL_RSVD: rsvd = val[i]; break;
			case MLOG_K_TOTAL_ALLOC: total = val[i]; break;
			case MLOG_K_VIRQ: virq = val[i]; break;
			default: break;
			}
		}
		if (virq > 0 && virq < NORM_MAX_VIRQ && !test_bit64(x->pv_done, (uint32_t)virq) &&
		    !x->any_offline && !test_bit64(x->allocd, (uint32_t)virq) && !n->virq[virq].traced &&
		    (v == MLOG_V_O_VECTOR_CLEAR || v == MLOG_V_O_VECTOR_UPDATE)) {
			/* its first vector event: the vector it held since before the recording */
			int64_t vv = -1, vc = -1;

			for (unsigned int i = 0; i < nkeys; i++) {
				if (keys[i] == (v == MLOG_V_O_VECTOR_CLEAR ? MLOG_K_VECTOR : MLOG_K_PREV_VECTOR))
					vv = val[i];
				if (keys[i] == (v == MLOG_V_O_VECTOR_CLEAR ? MLOG_K_CPU : MLOG_K_PREV_CPU))
					vc = val[i];
			}
			if (vv > 0 && vv < 256 && vc >= 0 && vc < X86_MAX_CPUS) {
				x->pv_cpu[virq] = (int16_t)vc;
				x->pv_vec[virq] = (uint8_t)vv;
				x->pv_line[virq] = ev->line;
			}
		}
		if (virq > 0 && virq < NORM_MAX_VIRQ && !test_bit64(x->pv_moved, (uint32_t)virq) &&
		    x->any_offline && x->pv_cpu[virq] < 0 && !test_bit64(x->allocd, (uint32_t)virq) &&
		    !n->virq[virq].traced && v == MLOG_V_O_VECTOR_UPDATE) {
			/* apicd->cpu outlives clear_irq_vector(): prev_cpu is where it last had a vector */
			int64_t pvv = -1, pvc = -1;

			for (unsigned int i = 0; i < nkeys; i++) {
				if (keys[i] == MLOG_K_PREV_VECTOR)
					pvv = val[i];
				if (keys[i] == MLOG_K_PREV_CPU)
					pvc = val[i];
			}
			if (pvv == 0 && pvc >= 0 && pvc < X86_MAX_CPUS && x->cpu[pvc].went_offline) {
				x->pv_gone_cpu[virq] = (int16_t)pvc;
				x->pv_line[virq] = ev->line;
			}
		}
		if (virq > 0 && virq < NORM_MAX_VIRQ && x->pv_managed[virq] < 0) {
			for (unsigned int i = 0; i < nkeys; i++)
				if (keys[i] == MLOG_K_IS_MANAGED && val[i] != INT64_MIN)
					x->pv_managed[virq] = (int8_t)(val[i] != 0);
		}
		if (virq > 0 && virq < NORM_MAX_VIRQ &&
		    (v == MLOG_V_O_VECTOR_CLEAR || v == MLOG_V_O_VECTOR_UPDATE || v == MLOG_V_O_VECTOR_FREE_MOVED ||
		     v == MLOG_V_O_VECTOR_TEARDOWN))
			set_bit64(x->pv_moved, (uint32_t)virq);
		if (virq > 0 && virq < NORM_MAX_VIRQ &&
		    (v == MLOG_V_O_VECTOR_CLEAR || v == MLOG_V_O_VECTOR_UPDATE || v == MLOG_V_O_VECTOR_ALLOC ||
		     v == MLOG_V_O_VECTOR_ALLOC_MANAGED || v == MLOG_V_O_VECTOR_FREE_MOVED ||
		     v == MLOG_V_O_VECTOR_TEARDOWN))
			set_bit64(x->pv_done, (uint32_t)virq);
		if (virq > 0 && virq < NORM_MAX_VIRQ) {
			if (x86_is_pre(n, (uint32_t)virq) && x86_pre_ioapic(n, (uint32_t)virq) == -1) {
				int64_t im = -1;
				char why[160], where[80];

				for (unsigned int i = 0; i < nkeys; i++)
					if (keys[i] == MLOG_K_IS_MANAGED)
						im = val[i];
				snprintf(why, sizeof(why), "%s at %s names it and no traced allocation made it",
					 ev->name, at(n, ev->line, where));
				x86_pre_irq(n, (uint32_t)virq, -1, -1, -1, (int)im, why);
			}
			set_bit64(x->touched, (uint32_t)virq);
		}
		if (rsvd >= 0)
			x86_matrix_global(n, v, ev, rsvd, total);
		if (bit >= 0 && cpu >= 0)
			x86_matrix_cpu(n, v, ev, bit, cpu, alloc, managed, avl);
	}
}

/* A pre-existing irq the recording touches: declared as x86_irq with the evidence. */
/* Did @virq exist before the recording?  Not made by a traced allocation, not from --interrupts. */
static bool x86_is_pre(const struct ingest_norm *n, uint32_t virq)
{
	return virq_ok(virq) && !test_bit64(n->x86->allocd, virq) && !n->virq[virq].traced &&
	       !test_bit64(n->x86->ioapic, virq) && n->virq[virq].dev < 0;
}

/*
 * An IO-APIC irq mapped before the recording: a legacy ISA irq (1-15; 2 is
 * the PIC cascade, never an IO-APIC irq), or the INTx GSI of a device the
 * device table says was enabled at boot (gsi=N).  -1: no; else the table
 * device (or -2 for a legacy irq).
 */
static int x86_pre_ioapic(const struct ingest_norm *n, uint32_t virq)
{
	/* a snapshot that lists unrequested irqs (msilab record) names them all */
	if (n->irq_all_listed)
		return test_bit64(n->irq_unrequested, virq) ? -2 : -1;
	if (virq >= 1 && virq < 16 && virq != 2)
		return -2;
	for (uint32_t i = 0; i < n->ntable; i++)
		if (n->table[i].gsi == virq)
			return (int)i;
	return -1;
}

static void x86_pre_irq(struct ingest_norm *n, uint32_t virq, int dev, int vec, int cpu,
			int is_managed, const char *why)
{
	struct x86_state *x = n->x86;

	for (uint32_t i = 0; i < x->npirq; i++)
		if (x->pirq[i].virq == virq) {
			/* more evidence for an irq already declared */
			if (x->pirq[i].dev < 0 && dev >= 0) {
				x->pirq[i].dev = dev;
				x->pirq[i].vec = vec;
			}
			if (x->pirq[i].cpu < 0 && cpu >= 0)
				x->pirq[i].cpu = cpu;
			if (x->pirq[i].is_managed < 0 && is_managed >= 0)
				x->pirq[i].is_managed = is_managed;
			return;
		}
	if (x->npirq == sizeof(x->pirq) / sizeof(x->pirq[0]))
		return;
	x->pirq[x->npirq].virq = virq;
	x->pirq[x->npirq].dev = dev;
	x->pirq[x->npirq].vec = vec;
	x->pirq[x->npirq].cpu = cpu;
	x->pirq[x->npirq].vector = -1;
	x->pirq[x->npirq].is_managed = is_managed;
	snprintf(x->pirq[x->npirq].why, sizeof(x->pirq[0].why), "%s", why);
	x->npirq++;
}

/*
 * msi_set_affinity: an effect.  On the dying CPU of a cpu_offline (no
 * tracepoint fires there, spec 11.6) it is the only sign of the moves, so
 * it is summed up in a comment; an irq it names that the trace never
 * allocated existed before the recording, on that CPU.
 */
static void x86_set_affinity(struct ingest_norm *n, const struct ingest_event *ev)
{
	struct x86_state *x = x86_get(n);
	int64_t virq;
	size_t w;

	bool dying;

	if (!x || need(n, ev, "virq", &virq))
		return;
	if (!virq_ok((uint32_t)virq))
		return;
	dying = n->act == ACT_CPU && !x->act_online;
	if (dying && !test_bit64(x->moved_map, (uint32_t)virq)) {
		set_bit64(x->moved_map, (uint32_t)virq);
		w = strlen(x->moved);
		if (w + 12 < sizeof(x->moved))
			snprintf(x->moved + w, sizeof(x->moved) - w, "%s%" PRId64, w ? "," : "", virq);
		if (!x->moved_first)
			x->moved_first = ev->line;
		x->moved_last = ev->line;
	}
	if (x86_is_pre(n, (uint32_t)virq)) {
		char why[240], where[80];
		int64_t hw = fnum_or(ev, "hwirq", -1);
		int dev = n->virq[virq].dev >= 0 ? n->virq[virq].dev : -1;
		int vec = dev >= 0 ? n->virq[virq].index : -1;

		/* x86 6.1 PCI-MSI: hwirq = RID << 11 | index */
		if (dev < 0 && hw >= 0 && release_version(n) && release_version(n) < 602) {
			int d = dev_find(n, (uint32_t)(hw >> 11) & 0xffff);

			if (d < 0)
				d = dev_declare(n, (uint32_t)(hw >> 11) & 0xffff, ev->line);
			dev = d;
			vec = (int)(hw & 0x7ff);
		}
		if (dying)
			snprintf(why, sizeof(why), "%s on the dying CPU %d at %s moved it: "
				 "it was on that CPU%s", ev->name, x->act_cpu, at(n, ev->line, where),
				 dev >= 0 ? " (device from its hwirq = RID << 11 | index)" : "");
		else
			snprintf(why, sizeof(why), "%s at %s names it and no traced "
				 "allocation made it%s", ev->name, at(n, ev->line, where),
				 dev >= 0 ? " (device from its hwirq = RID << 11 | index)" : "");
		x86_pre_irq(n, (uint32_t)virq, dev, vec, dying ? x->act_cpu : -1, -1, why);
	}
	set_bit64(x->touched, (uint32_t)virq);
}

static void x86_end_cpu(struct ingest_norm *n)
{
	struct x86_state *x = n->x86;

	if (!x || x->act_cpu < 0)
		return;
	if (!x->act_online) {
		char a[80], b[80];

		if (x->moved[0])
			comment(n, "cpu%d offline: the kernel moved irqs %s off the dying CPU "
				"(msi/apic_set_affinity, %s to %s); no tracepoint fires on it (spec 11.6): "
				"the vector moves have no observation", x->act_cpu, x->moved,
				at(n, x->moved_first, a), at(n, x->moved_last, b));
		else
			comment(n, "cpu%d offline: no tracepoint fires on the dying CPU (spec 11.6)",
				x->act_cpu);
	}
	x->act_cpu = -1;
	x->moved[0] = 0;
	memset(x->moved_map, 0, sizeof(x->moved_map));
	x->moved_first = x->moved_last = 0;
}

/* x86_vector_alloc_irqs of an IO-APIC irq: the INTx GSI mapped for a device. */
static void x86_ioapic_alloc(struct ingest_norm *n, struct task *t, const struct ingest_event *ev)
{
	struct x86_state *x = x86_get(n);
	int64_t virq, type, nr;
	struct mlog_event *e;
	int dev;

	if (!x || need(n, ev, "virq", &virq))
		return;
	nr = fnum_or(ev, "nr_irqs", 1);
	for (int64_t i = 0; i < nr && virq + i < NORM_MAX_VIRQ; i++)
		if (virq + i > 0)
			set_bit64(x->allocd, (uint32_t)(virq + i));
	if (!fnum(ev, "type", &type))
		type = t->ioapic_dom ? 1 : 0;
	t->ioapic_dom = false;
	if (type != 1 || !virq_ok((uint32_t)virq) || nr != 1 || n->virq[virq].dev >= 0)
		return;
	dev = t->enable_dev >= 0 ? t->enable_dev : n->bind_dev;
	comment(n, "irq %" PRId64 ": INTx GSI mapped to an IO-APIC pin (x86_vector_alloc_irqs type=1 "
		"under mp_map_pin_to_irq) by %s", virq,
		t->enable_dev >= 0 ? "the probed pci_enable_device of the device" :
		dev >= 0 ? "pci_enable_device (not probed) of the device the ACTION bind names" :
		"pci_enable_device (not probed) of a device the trace does not name");
	t->enable_dev = -1;
	set_bit64(x->ioapic, (uint32_t)virq);
	e = stim(n, MLOG_V_MP_MAP_PIN_TO_IRQ, dev, ev);
	mlog_event_set(e, MLOG_K_VIRQ, virq);
	if (virq + 1 > n->nr_irqs)
		n->nr_irqs = (uint32_t)virq + 1;
}

/* irq_domain_free_irqs of an IO-APIC irq the trace mapped: mp_unmap_irq. */
static bool x86_ioapic_free(struct ingest_norm *n, struct task *t, const struct ingest_event *ev,
			    int64_t virq)
{
	struct mlog_event *e;

	if (!n->x86 || !virq_ok((uint32_t)virq))
		return false;
	if (!test_bit64(n->x86->ioapic, (uint32_t)virq)) {
		int ti;

		if (!x86_is_pre(n, (uint32_t)virq) || (ti = x86_pre_ioapic(n, (uint32_t)virq)) == -1 ||
		    test_bit64(n->x86->unmapped, (uint32_t)virq))
			return false;
		comment(n, "irq %" PRId64 ": %s mapped before the recording, unmapped here", virq,
			ti >= 0 ? "the INTx GSI the device table gives (gsi=)" : "a legacy ISA irq");
		set_bit64(n->x86->unmapped, (uint32_t)virq);
	}
	clear_bit64(n->x86->ioapic, (uint32_t)virq);
	/* pci_disable_device: probed, or the device of the ACTION unbind/remove in progress */
	e = stim(n, MLOG_V_MP_UNMAP_IRQ, t->disable_dev >= 0 ? t->disable_dev :
		 (n->act == ACT_UNBIND || n->act == ACT_REMOVE) && ev->pid == n->act_pid ? n->act_dev : -1, ev);
	t->disable_dev = -1;
	mlog_event_set(e, MLOG_K_VIRQ, virq);
	return true;
}

static int handle(struct ingest_norm *n, const struct ingest_event *ev, enum norm_name id)
{
	struct task *t = n->cur;
	struct mlog_event *e;
	int64_t a, b, c, d;
	int dev;

	if (id == N_pci_alloc_irq_vectors_affinity) {
		ev_alloc_entry(n, t, ev, S_ALLOC);
	} else if (id == N_pci_alloc_irq_vectors_affinity_ret) {
		ev_alloc_ret(n, t, ev, S_ALLOC, "pci_alloc_irq_vectors");
	} else if (id == N_pci_enable_msix_range) {
		ev_alloc_entry(n, t, ev, S_MSIX_RANGE);
	} else if (id == N_pci_enable_msix_range_ret) {
		ev_alloc_ret(n, t, ev, S_MSIX_RANGE, "pci_enable_msix_range");
	} else if (id == N_pci_enable_msi) {
		ev_alloc_entry(n, t, ev, S_ENABLE_MSI);
	} else if (id == N_pci_enable_msi_ret) {
		ev_alloc_ret(n, t, ev, S_ENABLE_MSI, "pci_enable_msi");
	} else if (id == N___pci_enable_msix_range || id == N___pci_enable_msi_range) {
		t->er_dev = dev_of(n, ev, "name");
		t->er_type = id == N___pci_enable_msix_range ? MLOG_TYPE_MSIX : MLOG_TYPE_MSI;
		t->er_min = (int)fnum_or(ev, "minvec", 0);
		t->er_max = (int)fnum_or(ev, "maxvec", 0);
		if (t->er_dev >= 0)
			t->cur_dev = t->er_dev;
	} else if (id == N___pci_enable_msix_range_ret ||
		   id == N___pci_enable_msi_range_ret) {
		if (t->er_dev < 0 || need(n, ev, "ret", &a))
			return 0;
		if (a == -22 && t->er_type == MLOG_TYPE_MSIX && !n->dev[t->er_dev].no_msix) {
			n->dev[t->er_dev].no_msix = true;
			at(n, ev->line, n->dev[t->er_dev].no_msix_at);
		}
		if (a > 0) {
			uint32_t *g = t->er_type == MLOG_TYPE_MSIX ? &n->dev[t->er_dev].msix_granted :
							     &n->dev[t->er_dev].msi_granted;

			if ((uint32_t)a > *g)
				*g = (uint32_t)a;
		}
		e = obs(n, MLOG_V_O_PCI_ENABLE_RANGE, ev);
		mlog_event_set(e, MLOG_K_DEV, t->er_dev);
		mlog_event_set(e, MLOG_K_TYPE, t->er_type);
		mlog_event_set(e, MLOG_K_MIN, t->er_min);
		mlog_event_set(e, MLOG_K_MAX, t->er_max);
		mlog_event_set(e, MLOG_K_RET, (int32_t)a);
		t->er_dev = -1;
	} else if (id == N_pci_free_irq_vectors) {
		ev_free_entry(n, t, ev, MLOG_V_PCI_FREE_IRQ_VECTORS);
	} else if (id == N_pci_disable_msix) {
		ev_free_entry(n, t, ev, MLOG_V_PCI_DISABLE_MSIX);
	} else if (id == N_pci_disable_msi) {
		ev_free_entry(n, t, ev, MLOG_V_PCI_DISABLE_MSI);
	} else if (id == N_pcim_msi_release) {
		dev = dev_of(n, ev, "name");
		if (dev < 0)
			return 0;
		devres_event(n, t, ev, dev);
		e = obs(n, MLOG_V_O_PCIM_MSI_RELEASE, ev);
		mlog_event_set(e, MLOG_K_DEV, dev);
		t->free_dev = dev;
		t->free_pcim = true;
	} else if (id == N_pci_setup_msix_device_domain ||
		   id == N_pci_setup_msi_device_domain) {
		bool x = id == N_pci_setup_msix_device_domain;

		dev = dev_of(n, ev, "name");
		t->dd_type = x ? MLOG_TYPE_MSIX : MLOG_TYPE_MSI;
		if (dev >= 0 && fnum(ev, "hwsize", &a)) {
			struct ndev *nd = &n->dev[dev];

			if (x && !nd->msix_ev) {
				nd->msix_ev = (uint32_t)a;
				at(n, ev->line, nd->msix_ev_at);
			} else if (!x && !nd->msi_ev) {
				nd->msi_ev = (uint32_t)a;
				at(n, ev->line, nd->msi_ev_at);
			}
		}
	} else if (id == N_msi_create_device_irq_domain) {
		t->cdom_dev = dev_of(n, ev, "devname");
		t->cdom_hwsize = (int)fnum_or(ev, "hwsize", 0);
		if (t->cdom_dev >= 0)
			t->cur_dev = t->cdom_dev;
	} else if (id == N_msi_create_device_irq_domain_ret) {
		if (t->cdom_dev < 0 || need(n, ev, "ret", &a))
			return 0;
		e = obs(n, MLOG_V_O_MSI_CREATE_DOMAIN, ev);
		mlog_event_set(e, MLOG_K_DEV, t->cdom_dev);
		if (t->dd_type >= 0)
			mlog_event_set(e, MLOG_K_TYPE, t->dd_type);
		mlog_event_set(e, MLOG_K_HWSIZE, t->cdom_hwsize);
		mlog_event_set(e, MLOG_K_RET, a ? 1 : 0);
		t->cdom_dev = -1;
		t->dd_type = -1;
	} else if (id == N_msi_remove_device_irq_domain) {
		dev = dev_of(n, ev, "devname");
		if (dev < 0)
			return 0;
		devres_event(n, t, ev, dev);
		e = obs(n, MLOG_V_O_MSI_REMOVE_DOMAIN, ev);
		mlog_event_set(e, MLOG_K_DEV, dev);
		t->remove_dev = dev;
		t->teardown_done = false;
	} else if (id == N_msi_domain_ops_teardown || id == N_its_msi_teardown_parent) {
		dev = dev_of_domain(n, ev);
		if (dev < 0)
			dev = t->remove_dev;
		if (dev < 0 || (t->teardown_done && dev == t->remove_dev))
			return 0;
		devres_event(n, t, ev, dev);
		e = obs(n, MLOG_V_O_MSI_TEARDOWN, ev);
		mlog_event_set(e, MLOG_K_DEV, dev);
		if (dev == t->remove_dev)
			t->teardown_done = true;
	} else if (id == N_its_msi_teardown) {
		if (need(n, ev, "dev_id", &a))
			return 0;
		e = obs(n, MLOG_V_O_ITS_MSI_TEARDOWN, ev);
		mlog_event_set(e, MLOG_K_DEVID, a);
	} else if (id == N_its_pci_msi_prepare || id == N_x86_msi_prepare || id == N_pci_msi_prepare) {
		/* the domain's .msi_prepare: ITS (arm64) or x86 (pci_msi_prepare 6.1, x86_msi_prepare 6.2+) */
		t->pp_dev = dev_of(n, ev, "devname");
		t->pp_nvec = (int)fnum_or(ev, "nvec", 0);
		t->pp_emitted = false;
	} else if (id == N_its_pci_msi_prepare_ret || id == N_x86_msi_prepare_ret ||
		   id == N_pci_msi_prepare_ret) {
		if (t->pp_dev < 0 || need(n, ev, "ret", &a))
			return 0;
		e = obs(n, MLOG_V_O_MSI_PREPARE, ev);
		mlog_event_set(e, MLOG_K_DEV, t->pp_dev);
		mlog_event_set(e, MLOG_K_NVEC, t->pp_nvec);
		mlog_event_set(e, MLOG_K_RET, (int32_t)a);
		t->pp_dev = -1;
		t->pp_emitted = true;
	} else if (id == N_msi_domain_prepare_irqs) {
		t->mp_dev = dev_of(n, ev, "devname");
		t->mp_nvec = (int)fnum_or(ev, "nvec", 0);
		t->pp_emitted = false;
	} else if (id == N_msi_domain_prepare_irqs_ret) {
		if (t->mp_dev < 0 || need(n, ev, "ret", &a))
			return 0;
		if (!t->pp_emitted) {
			e = obs(n, MLOG_V_O_MSI_PREPARE, ev);
			mlog_event_set(e, MLOG_K_DEV, t->mp_dev);
			mlog_event_set(e, MLOG_K_NVEC, t->mp_nvec);
			mlog_event_set(e, MLOG_K_RET, (int32_t)a);
		}
		t->mp_dev = -1;
		t->pp_emitted = false;
	} else if (id == N_its_msi_prepare) {
		t->ip_dev = dev_of(n, ev, "devname");
		t->ip_nvec = (int)fnum_or(ev, "nvec", 0);
		if (t->ip_dev >= 0 && need(n, ev, "dev_id", &a) == 0) {
			t->ip_devid = (uint32_t)a;
			devid_seen(n, t->ip_dev, (uint32_t)a, ev->line);
		}
	} else if (id == N_its_msi_prepare_ret) {
		if (t->ip_dev < 0 || need(n, ev, "ret", &a))
			return 0;
		e = obs(n, MLOG_V_O_ITS_MSI_PREPARE, ev);
		mlog_event_set(e, MLOG_K_DEV, t->ip_dev);
		mlog_event_set(e, MLOG_K_DEVID, t->ip_devid);
		mlog_event_set(e, MLOG_K_NVEC, t->ip_nvec);
		mlog_event_set(e, MLOG_K_RET, (int32_t)a);
		t->ip_dev = -1;
	} else if (id == N_its_create_device) {
		if (need(n, ev, "dev_id", &a) || need(n, ev, "nvecs", &b))
			return 0;
		t->cd_devid = (uint32_t)a;
		t->cd_nvecs = (uint32_t)b;
		t->cd_open = true;
	} else if (id == N_its_create_device_ret) {
		if (!t->cd_open || need(n, ev, "its_dev", &a))
			return 0;
		e = obs(n, MLOG_V_O_ITS_CREATE_DEVICE, ev);
		mlog_event_set(e, MLOG_K_DEVID, t->cd_devid);
		mlog_event_set(e, MLOG_K_NVECS, t->cd_nvecs);
		if (a) {
			if (need(n, ev, "nr_ites", &b) || need(n, ev, "lpi_base", &c) ||
			    need(n, ev, "nr_lpis", &d))
				return 0;
			mlog_event_set(e, MLOG_K_NR_ITES, b);
			mlog_event_set(e, MLOG_K_LPI_BASE, c);
			mlog_event_set(e, MLOG_K_NR_LPIS, d);
			mlog_event_set(e, MLOG_K_RET, 0);
		} else {
			mlog_event_set(e, MLOG_K_RET, -12);
		}
		t->cd_open = false;
	} else if (id == N_its_build_mapd_cmd) {
		if (need(n, ev, "dev_id", &a) || need(n, ev, "nr_ites", &b) || need(n, ev, "valid", &c))
			return 0;
		e = obs(n, MLOG_V_O_MAPD, ev);
		mlog_event_set(e, MLOG_K_DEVID, a);
		mlog_event_set(e, MLOG_K_NR_ITES, b);
		mlog_event_set(e, MLOG_K_VALID, c ? 1 : 0);
	} else if (id == N___msi_domain_alloc_irqs ||
		   id == N_msi_domain_alloc_irqs_descs_locked ||
		   id == N_msi_domain_alloc_irqs_all_locked ||
		   id == N_msi_domain_alloc_irqs_range_locked) {
		dev = dev_of(n, ev, "devname");
		if (dev >= 0)
			t->cur_dev = dev;
	} else if (id == N_msi_domain_alloc) {
		ev_msi_domain_alloc(n, t, ev);
	} else if (id == N_its_irq_domain_alloc) {
		if (need(n, ev, "dev_id", &a) || need(n, ev, "lpi_base", &b))
			return 0;
		t->ia_devid = (uint32_t)a;
		t->ia_lpi_base = (uint32_t)b;
		t->ia_nr = (uint32_t)fnum_or(ev, "nr_irqs", 1);
		t->ia_open = true;
	} else if (id == N_its_irq_domain_alloc_ret) {
		if (!t->ia_open || need(n, ev, "ret", &a))
			return 0;
		if (a) {
			e = obs(n, MLOG_V_O_ITS_ALLOC_FAIL, ev);
			mlog_event_set(e, MLOG_K_DEVID, t->ia_devid);
			mlog_event_set(e, MLOG_K_NR, t->ia_nr);
			mlog_event_set(e, MLOG_K_RET, (int32_t)a);
		}
		t->ia_open = false;
	} else if (id == N_its_irq_gic_domain_alloc) {
		if (!t->ia_open || need(n, ev, "virq", &a) || need(n, ev, "hwirq", &b))
			return 0;
		if ((uint64_t)b < t->ia_lpi_base)
			return nerr(n, ev->line, "its_irq_gic_domain_alloc: LPI %" PRId64
				    " below the device's lpi_base %u", b, t->ia_lpi_base);
		e = obs(n, MLOG_V_O_ITS_IRQ, ev);
		mlog_event_set(e, MLOG_K_DEVID, t->ia_devid);
		mlog_event_set(e, MLOG_K_VIRQ, a);
		mlog_event_set(e, MLOG_K_EVENTID, b - t->ia_lpi_base);
		mlog_event_set(e, MLOG_K_LPI, b);
	} else if (id == N_its_irq_domain_activate) {
		ev_activate(n, t, ev);
	} else if (id == N_its_build_mapti_cmd) {
		if (need(n, ev, "dev_id", &a) || need(n, ev, "event_id", &b) ||
		    need(n, ev, "phys_id", &c))
			return 0;
		e = obs(n, MLOG_V_O_MAPTI, ev);
		mlog_event_set(e, MLOG_K_DEVID, a);
		mlog_event_set(e, MLOG_K_EVENTID, b);
		mlog_event_set(e, MLOG_K_LPI, c);
	} else if (id == N_its_irq_domain_deactivate) {
		ev_deactivate(n, t, ev);
	} else if (id == N_its_build_discard_cmd) {
		if (need(n, ev, "dev_id", &a) || need(n, ev, "event_id", &b))
			return 0;
		e = obs(n, MLOG_V_O_DISCARD, ev);
		mlog_event_set(e, MLOG_K_DEVID, a);
		mlog_event_set(e, MLOG_K_EVENTID, b);
	} else if (id == N_irq_domain_free_irqs) {
		if (need(n, ev, "virq", &a))
			return 0;
		b = fnum_or(ev, "nr_irqs", 1);
		if (x86_ioapic_free(n, t, ev, a))
			return n->failed ? -1 : 0;
		if (!virq_ok((uint32_t)a) || n->virq[a].dev < 0)
			return 0;	/* not an MSI irq */
		e = obs(n, MLOG_V_O_IRQ_FREE, ev);
		mlog_event_set(e, MLOG_K_VIRQ, a);
		mlog_event_set(e, MLOG_K_NR, b);
		for (int64_t i = 0; i < b && a + i < NORM_MAX_VIRQ; i++) {
			n->virq[a + i].dev = -1;
			n->virq[a + i].active = false;
			n->virq[a + i].started = false;
		}
	} else if (id == N___irq_domain_alloc_irqs) {
		const struct ingest_field *f = ingest_event_field(ev, "dom");

		t->ioapic_dom = f && !strncmp(f->raw, "IO-APIC", 7);
	} else if (id == N_x86_vector_alloc_irqs) {
		x86_ioapic_alloc(n, t, ev);
	} else if (id == N_msi_set_affinity || id == N_apic_set_affinity) {
		/* apic_set_affinity: every irq the vector domain moves (IO-APIC ones too) */
		x86_set_affinity(n, ev);
	} else if (id == N_pci_enable_device || id == N_pci_enable_device_mem) {
		t->enable_dev = dev_of(n, ev, "name");
	} else if (id == N_pci_disable_device) {
		t->disable_dev = dev_of(n, ev, "name");
	} else if (id == N_its_lpi_free) {
		if (need(n, ev, "base", &a) || need(n, ev, "nr_ids", &b))
			return 0;
		e = obs(n, MLOG_V_O_ITS_LPI_FREE, ev);
		mlog_event_set(e, MLOG_K_LPI_BASE, a);
		mlog_event_set(e, MLOG_K_NR_LPIS, b);
	}
	return n->failed ? -1 : 0;
}

int ingest_norm_event(struct ingest_norm *n, const struct ingest_event *ev)
{
	struct mlog_event *e;
	enum norm_name id;

	if (n->failed)
		return -1;
	if (ev->ts_us)
		n->last_ts = ev->ts_us;
	if (ev->kind == INGEST_LOST || ev->kind == INGEST_CPU_STARTED) {
		n->cur = NULL;
		flush(n, true);
		if (ev->kind == INGEST_CPU_STARTED)
			comment(n, "CPU %u buffer started here: its earlier events were overwritten "
				"(count unknown, at least one)", ev->cpu);
		e = emit_new(n);
		ev_init(n, e, MLOG_V_LOST);
		e->line = ev->line;
		mlog_event_set(e, MLOG_K_COUNT, ev->lost ? (int64_t)(ev->lost > 1000000 ? 1000000 : ev->lost) : 1);
		mlog_event_set(e, MLOG_K_CPU, ev->cpu);
		if (ev->ts_us)
			mlog_event_set(e, MLOG_K_T, (int64_t)ev->ts_us);
		n->nlost++;
		flush(n, true);
		return n->failed ? -1 : 0;
	}
	if (!ev->system || !ev->name)
		return 0;
	n->seen_event = true;
	n->cur = task_get(n, ev->pid);
	if (ev->system[0] == 'f' && !strcmp(ev->system, "ftrace") && !strcmp(ev->name, "print")) {
		marker(n, ev);
		return n->failed ? -1 : 0;
	}
	if (!strcmp(ev->system, "irq_vectors") || !strcmp(ev->system, "irq_matrix")) {
		x86_tracepoint(n, ev);
		flush(n, false);
		return n->failed ? -1 : 0;
	}
	if (ev->system[0] != 'm' || strcmp(ev->system, "msilc"))
		return 0;
	id = norm_name_lookup(ev->name);
	if (!n->have_probes && id != N_UNKNOWN)
		n->observes |= norm_name_observes[id];
	if (handle(n, ev, id))
		return -1;
	flush(n, false);
	return n->failed ? -1 : 0;
}

/* ---- construction ---- */

void ingest_norm_set_cpus(struct ingest_norm *n, uint32_t cpus)
{
	n->cpus_input = cpus;
	if (!n->cpus && cpus && cpus <= 256)
		n->cpus = cpus;
}

void ingest_norm_set_input(struct ingest_norm *n, const char *name)
{
	const char *slash = name ? strrchr(name, '/') : NULL;

	snprintf(n->input, sizeof(n->input), "%s", slash ? slash + 1 : name ? name : "");
}

void ingest_norm_set_release(struct ingest_norm *n, const char *release)
{
	if (!n->release[0] && release)
		snprintf(n->release, sizeof(n->release), "%s", release);
}

struct ingest_norm *ingest_norm_new(const struct ingest_norm_opts *o, struct mlog_error *err)
{
	struct ingest_norm *n = calloc(1, sizeof(*n));

	memset(err, 0, sizeof(*err));
	if (!n || !(n->decls = calloc(1, sizeof(*n->decls))) ||
	    !(n->fmt = calloc(MLOG_V__COUNT, sizeof(*n->fmt)))) {
		if (n)
			free(n->decls);
		free(n);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	if (o->release)
		snprintf(n->release, sizeof(n->release), "%s", o->release);
	if (o->arch)
		snprintf(n->arch, sizeof(n->arch), "%s", o->arch);
	n->kind = o->kind;
	n->file = xstrdup(o->file);
	n->tool = xstrdup(o->tool);
	n->comment = xstrdup(o->comment);
	n->cpus = o->cpus;
	n->nr_irqs = 64;
	if (!norm_name_len[0]) {	/* once: the first name is not empty */
		norm_names_init();
		norm_observes_init();
	}
	n->act_dev = -1;
	n->bind_dev = -1;
	for (uint32_t v = 0; v < NORM_MAX_VIRQ; v++)
		n->virq[v].dev = -1;
	if ((o->devices && read_devices(n, o->devices, err)) ||
	    (o->interrupts && read_interrupts(n, o->interrupts, err)) ||
	    (o->probes && read_probes(n, o->probes, err))) {
		ingest_norm_free(n);
		return NULL;
	}
	if (!n->cpus && n->irq_cpus)
		n->cpus = n->irq_cpus;
	/* devices that hold MSI irqs before the recording are declared first */
	for (uint32_t i = 0; i < n->npre; i++) {
		int dev = dev_declare(n, n->pre[i].bdf, 0);

		if (dev < 0) {
			*err = n->err;
			ingest_norm_free(n);
			return NULL;
		}
		n->dev[dev].pre = true;
		n->virq[n->pre[i].virq].dev = (int16_t)dev;
		n->virq[n->pre[i].virq].index = (uint16_t)n->pre[i].index;
		n->virq[n->pre[i].virq].active = true;
		n->virq[n->pre[i].virq].started = n->pre[i].requested;
	}
	return n;
}

void ingest_norm_free(struct ingest_norm *n)
{
	if (!n)
		return;
	if (n->sp_file)
		fclose(n->sp_file);
	free(n->sp_buf);
	free(n->pend);
	free(n->x86);
	free(n->file);
	free(n->tool);
	free(n->comment);
	free(n->decls);
	free(n->fmt);
	for (int v = 0; v < MLOG_V__COUNT; v++)
		free(n->tmpl[v]);
	free(n);
}

/* ---- the header, at the end ---- */

static int put_event(FILE *out, const struct mlog_decls *d, const struct mlog_event *e,
		     struct mlog_error *err)
{
	if (mlog_write_event(out, d, e) < 0) {
		snprintf(err->msg, sizeof(err->msg), "cannot write the output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void put_comment(FILE *out, const char *fmt, ...)
{
	va_list ap;

	fputs("# ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* Fill the capability sizes of @i and say where they come from. */
static void device_caps(struct ingest_norm *n, int i, char *why, size_t size)
{
	struct mlog_device_decl *dd = &n->decls->dev[i];
	struct ndev *x = &n->dev[i];
	const struct tdev *t = x->table >= 0 ? &n->table[x->table] : NULL;
	size_t w = 0;

	why[0] = 0;
	if (t && t->has_msix) {
		dd->msix = t->msix;
		w += (size_t)snprintf(why + w, size - w, "msix=%u from the device table line %u",
				      t->msix, t->line);
	} else if (x->msix_ev) {
		dd->msix = x->msix_ev;
		w += (size_t)snprintf(why + w, size - w,
				      "msix=%u: pci_setup_msix_device_domain hwsize at %s",
				      x->msix_ev, x->msix_ev_at);
	} else if (x->no_msix) {
		dd->msix = 0;
		w += (size_t)snprintf(why + w, size - w,
				      "no MSI-X: __pci_enable_msix_range returned -22 at %s",
				      x->no_msix_at);
	} else if (x->msix_granted) {
		dd->msix = x->msix_granted;
		w += (size_t)snprintf(why + w, size - w,
				      "msix=%u: at least the vectors granted (no table, no hwsize)",
				      x->msix_granted);
	}
	if (w >= size)
		w = size - 1;
	if (t && t->has_msi) {
		dd->msi = t->msi;
		snprintf(why + w, size - w, "%smsi=%u from the device table line %u", w ? "; " : "",
			 t->msi, t->line);
	} else if (x->msi_ev) {
		dd->msi = x->msi_ev;
		snprintf(why + w, size - w, "%smsi=%u: pci_setup_msi_device_domain hwsize at %s",
			 w ? "; " : "", x->msi_ev, x->msi_ev_at);
	} else if (x->msi_granted) {
		/* the MMC count is a power of two at least the vectors granted */
		uint32_t m = 1;

		while (m < x->msi_granted)
			m <<= 1;
		dd->msi = m;
		snprintf(why + w, size - w, "%smsi=%u: at least the vectors granted (no table, no hwsize)",
			 w ? "; " : "", m);
	}
}

static int list_irqs(const struct ingest_norm *n, const uint64_t *map, char *buf, size_t size)
{
	size_t w = 0;

	buf[0] = 0;
	for (uint32_t v = 1; v < NORM_MAX_VIRQ; v++) {
		uint32_t e;

		if (!test_bit64(map, v))
			continue;
		for (e = v; e + 1 < NORM_MAX_VIRQ && test_bit64(map, e + 1); e++)
			;
		if (e == v)
			w += (size_t)snprintf(buf + w, w < size ? size - w : 0, "%s%u", w ? "," : "", v);
		else
			w += (size_t)snprintf(buf + w, w < size ? size - w : 0, "%s%u-%u", w ? "," : "",
					      v, e);
		v = e;
	}
	return w < size ? 0 : -1;
}

/* A LIST of the bits set in @map ("33-35,48"). */
static void x86_list(const uint64_t *map, char *buf, size_t size)
{
	size_t w = 0;

	buf[0] = 0;
	for (unsigned int b = 0; b < 256; b++) {
		unsigned int e;

		if (!test_bit64(map, b))
			continue;
		for (e = b; e + 1 < 256 && test_bit64(map, e + 1); e++)
			;
		if (w < size)
			w += (size_t)snprintf(buf + w, size - w, e == b ? "%s%u" : "%s%u-%u",
					      w ? "," : "", b, e);
		b = e;
	}
}

static unsigned int popcount256(const uint64_t *map)
{
	unsigned int c = 0;

	for (int i = 0; i < X86_WORDS; i++)
		c += (unsigned int)__builtin_popcountll(map[i]);
	return c;
}

static unsigned int popcount_and256(const uint64_t *a, const uint64_t *b)
{
	unsigned int c = 0;

	for (int i = 0; i < X86_WORDS; i++)
		c += (unsigned int)__builtin_popcountll(a[i] & b[i]);
	return c;
}

/*
 * kernel/irq/matrix.c keeps avl = alloc_size - system - managed - the
 * non-managed allocations, so the first per-CPU event's avl says how many
 * of the CPU's allocated vectors are managed ones (in managed_map too):
 * irq_matrix_alloc took a non-managed one, irq_matrix_free gave one back
 * (managed when it is the vector of a pre-existing managed irq, the only
 * kind a first event can free).  When first-fit and the declared vectors
 * place fewer, move vectors written at an unknown position (not proven by
 * the trace) onto free managed_map bits: the counts stay, avl becomes
 * right.  Returns how many moved.
 */
static int x86_managed_allocated(struct ingest_norm *n, uint32_t cpu, uint64_t *amap, uint64_t *mmap)
{
	struct x86_state *x = n->x86;
	struct xcpu *c = &x->cpu[cpu];
	unsigned int end = x86_alloc_end(n), sys = x86_system_bits(n);
	int nm, both0, moved = 0;

	if (c->avl1 < 0)
		return 0;
	nm = (int)(end - X86_ALLOC_START) - (int)sys - c->managed1 - c->avl1;
	if (c->first_verb == MLOG_V_O_IRQ_MATRIX_ALLOC || c->first_verb == MLOG_V_O_IRQ_MATRIX_ASSIGN) {
		nm--;
	} else if (c->first_verb == MLOG_V_O_IRQ_MATRIX_FREE) {
		int managed = -1;

		for (uint32_t v = 1; v < NORM_MAX_VIRQ; v++)
			if (x->pv_cpu[v] == (int)cpu && x->pv_vec[v] == c->first_bit)
				managed = x->pv_managed[v];
		if (managed < 0)
			return 0;	/* which kind was freed is not proven */
		nm += !managed;
	}
	both0 = c->alloc0 - nm;
	if (both0 < 0 || both0 > c->alloc0 || both0 > c->managed0)
		return 0;
	for (int want = both0 - (int)popcount_and256(amap, mmap); want > 0; want--) {
		unsigned int from = 0, to = 0;

		for (unsigned int b = end; b-- > X86_ALLOC_START && !from;)
			if (test_bit64(amap, b) && !test_bit64(mmap, b) && !test_bit64(c->known, b) &&
			    !test_bit64(c->touched, b))
				from = b;
		for (unsigned int b = X86_ALLOC_START; b < end && !to; b++)
			if (test_bit64(mmap, b) && !test_bit64(amap, b))
				to = b;
		if (!from || !to)
			break;
		clear_bit64(amap, from);
		set_bit64(amap, to);
		moved++;
	}
	return moved;
}

/*
 * The x86 start state: one x86_cpu line per CPU whose first irq_matrix
 * event came before any offline of it, x86_irq lines for the irqs that
 * existed before the recording and that it touches or that hold the
 * global reservations the counters show.  Every line has its evidence.
 */
static int x86_write_decls(struct ingest_norm *n, FILE *out, struct mlog_error *err)
{
	struct x86_state *x = n->x86;
	struct mlog_decls *d = n->decls;
	struct mlog_event *e = &n->scratch;
	unsigned int end = x86_alloc_end(n), sys = x86_system_bits(n);
	int64_t sum0 = 0;
	bool all = true, rsvd_ok = true;
	char la[256], lm[256];

	if (!release_version(n)) {
		snprintf(err->msg, sizeof(err->msg), "x86: the kernel release \"%s\" has no MAJOR.MINOR",
			 n->release);
		return -1;
	}
	/* a pre-existing irq's vector, proven by its first vector event, is a located pre bit */
	for (uint32_t v = 1; v < NORM_MAX_VIRQ; v++) {
		struct xcpu *c;
		unsigned int b;

		if (x->pv_cpu[v] < 0)
			continue;
		c = &x->cpu[x->pv_cpu[v]];
		b = x->pv_vec[v];
		if (!c->seen || c->late || b < X86_ALLOC_START || b >= end)
			continue;
		if (!test_bit64(c->known, b)) {
			set_bit64(c->known, b);
			set_bit64(c->pre_alloc, b);
			/* a managed irq's vector is a bit of managed_map too */
			if (x->pv_managed[v] == 1)
				set_bit64(c->pre_managed, b);
		} else if (test_bit64(c->pre_alloc, b)) {
			/* first-fit found it taken; the irq says it is a managed one */
			if (x->pv_managed[v] == 1)
				set_bit64(c->pre_managed, b);
		} else if (!test_bit64(c->pre_managed, b)) {
			x86_conflict(n, x->pv_line[v], "irq %u held vector %u on CPU %d, which the trace "
				     "proved free at the start", v, b, x->pv_cpu[v]);
		}
	}
	fputc('\n', out);
	put_comment(out, "x86 start state: the irq_matrix window is %u-%u with %u system vectors in it "
		    "(spec 5.2); each x86_cpu line is proven by the CPU's first irq_matrix event "
		    "(values after the update) and first-fit allocation", X86_ALLOC_START, end - 1, sys);
	for (uint32_t cpu = 0; cpu < n->cpus && cpu < X86_MAX_CPUS; cpu++) {
		struct xcpu *c = &x->cpu[cpu];
		uint64_t amap[X86_WORDS], mmap[X86_WORDS];
		int located_a, located_m, need_a, need_m, top = 0, moved;
		unsigned int b;

		if (!c->seen || c->late) {
			all = false;
			put_comment(out, "cpu %u: %s: its start state is not declared", cpu,
				    !c->seen ? "no per-CPU irq_matrix event in the trace" :
				    "its first per-CPU irq_matrix event comes after it went offline");
			continue;
		}
		memcpy(amap, c->pre_alloc, sizeof(amap));
		memcpy(mmap, c->pre_managed, sizeof(mmap));
		located_a = (int)popcount256(amap);
		located_m = (int)popcount256(mmap);
		/* first fit cannot tell a managed reservation from an allocation */
		for (b = 255; located_a > c->alloc0 && located_m < c->managed0 && b >= X86_ALLOC_START; b--) {
			if (test_bit64(amap, b) && !test_bit64(c->touched, b)) {
				clear_bit64(amap, b);
				set_bit64(mmap, b);
				located_a--;
				located_m++;
			}
		}
		need_a = c->alloc0 - located_a;
		need_m = c->managed0 - located_m;
		if (need_a < 0 || need_m < 0) {
			put_comment(out, "WARNING: cpu %u: first-fit proves %d allocated and %d managed vectors, "
				    "but its first event (%s) counts %d and %d: an event is missing", cpu,
				    located_a, located_m, c->first_at, c->alloc0, c->managed0);
			need_a = need_a < 0 ? 0 : need_a;
			need_m = need_m < 0 ? 0 : need_m;
		}
		/* the rest: above every vector the trace names on this CPU, from the top of the window */
		for (b = end - 1; (need_a || need_m) && b >= X86_ALLOC_START; b--) {
			if (test_bit64(c->touched, b) || test_bit64(c->known, b)) {
				break;
			}
			if (x86_system_bit(n, b))
				continue;
			if (need_a) {
				set_bit64(amap, b);
				need_a--;
			} else {
				set_bit64(mmap, b);
				need_m--;
			}
			top++;
		}
		if (need_a || need_m) {
			snprintf(err->msg, sizeof(err->msg), "x86: cpu %u: no room above the vectors the trace "
				 "uses for the %d vectors allocated at unknown positions", cpu, need_a + need_m);
			return -1;
		}
		moved = x86_managed_allocated(n, cpu, amap, mmap);
		x86_list(amap, la, sizeof(la));
		x86_list(mmap, lm, sizeof(lm));
		put_comment(out, "cpu %u: %d allocated and %d managed-reserved vectors before the recording "
			    "(its first irq_matrix event at %s, minus that event's own change)%s%s%s%s%s", cpu,
			    c->alloc0, c->managed0, c->first_at,
			    located_a + located_m ? "; first-fit proves " : "",
			    located_a + located_m ? "the lower ones taken (first at " : "",
			    located_a + located_m ? c->pre_at : "",
			    located_a + located_m ? ")" : "",
			    top ? "; the others were never reached by first-fit, so they lie above every "
				  "vector this trace uses on the CPU: written at the top of the window" : "");
		if (moved)
			put_comment(out, "cpu %u: its first event's avl (%d, with managed=%d) counts %d of the "
				    "allocated vectors as managed allocations (avl = window - system - managed - "
				    "non-managed allocated): %d vector(s) written at an unknown position are "
				    "written on free managed_map bits instead", cpu, c->avl1, c->managed1,
				    (int)popcount_and256(amap, mmap), moved);
		mlog_event_init(e, MLOG_V_X86_CPU);
		mlog_event_set(e, MLOG_K_CPU, cpu);
		mlog_event_set(e, MLOG_K_ONLINE, 1);
		if (la[0])
			mlog_event_set_str(e, MLOG_K_ALLOC_MAP, la, strlen(la));
		if (lm[0])
			mlog_event_set_str(e, MLOG_K_MANAGED_MAP, lm, strlen(lm));
		if (put_event(out, d, e, err))
			return -1;
		sum0 += c->alloc0;
	}
	if (x->g_seen && all && sum0 != x->total0)
		put_comment(out, "WARNING: the CPUs' allocated counts add up to %" PRId64 ", total_alloc "
			    "before %s was %" PRId64, sum0, x->g_at, x->total0);
	if (x->conflict)
		put_comment(out, "WARNING: %s", x->conflict_note);

	/*
	 * The global reservations: the IO-APIC irqs mapped before the recording
	 * and not requested (x86 maps the legacy ISA irqs at boot, and a
	 * built-in driver's pci_enable_device its INTx GSI, in reservation
	 * mode), and the MSI irqs allocated but never requested.  They are
	 * declared only when their number is what the counters say.
	 */
	uint32_t cand[32], nc = 0, nmsi = 0;
	char lst[160];
	size_t w = 0;

	for (uint32_t v = 1; v < NORM_MAX_VIRQ && nc < 32; v++)
		if (x86_pre_ioapic(n, v) != -1 &&
		    (!test_bit64(n->irq_listed, v) || test_bit64(n->irq_unrequested, v)) &&
		    n->virq[v].dev < 0 &&
		    (!test_bit64(x->allocd, v) || test_bit64(x->unmapped, v)))
			cand[nc++] = v;
	for (uint32_t k = 0; k < n->npre; k++)
		nmsi += !n->pre[k].requested;
	for (uint32_t i = 0; i < nc; i++)
		w += (size_t)snprintf(lst + w, w < sizeof(lst) ? sizeof(lst) - w : 0, "%s%u", i ? "," : "",
				      cand[i]);
	if (x->g_seen && x->rsvd0 > 0) {
		if (!n->have_interrupts || nc + nmsi != (uint32_t)x->rsvd0) {
			rsvd_ok = false;
			put_comment(out, "WARNING: global_rsvd was %" PRId64 " before %s, but %s: the irqs "
				    "holding these reservations are not declared", x->rsvd0, x->g_at,
				    n->have_interrupts ? "the unrequested IO-APIC and MSI irqs are a "
				    "different number" : "without --interrupts they cannot be named");
		} else {
			put_comment(out, "global_rsvd was %" PRId64 " before %s: %s%s%s%u MSI irq(s) allocated "
				    "and never requested hold them (the IO-APIC ones: the legacy ISA irqs but 2, "
				    "the PIC cascade, and the INTx GSIs of functions enabled at boot, in "
				    "reservation mode)", x->rsvd0, x->g_at, nc ? "the IO-APIC irqs " : "",
				    lst, nc ? " and " : "", nmsi);
		}
	}
	for (uint32_t i = 0; rsvd_ok && x->g_seen && x->rsvd0 > 0 && i < nc; i++) {
		mlog_event_init(e, MLOG_V_X86_IRQ);
		mlog_event_set(e, MLOG_K_VIRQ, cand[i]);
		mlog_event_set(e, MLOG_K_HAS_RESERVED, 1);
		if (put_event(out, d, e, err))
			return -1;
	}

	/* MSI irqs allocated before the recording (--interrupts), and those it shows moving */
	for (uint32_t k = 0; k < n->npre; k++) {
		int dev = dev_find(n, n->pre[k].bdf);
		int cpu = -1;

		int vector = -1;
		char pv[120] = "";

		for (uint32_t i = 0; i < x->npirq; i++)
			if (x->pirq[i].virq == n->pre[k].virq) {
				cpu = x->pirq[i].cpu;
				x->pirq[i].dev = -2;	/* written here */
			}
		if (x->pv_cpu[n->pre[k].virq] >= 0) {
			char where[80];

			cpu = x->pv_cpu[n->pre[k].virq];
			vector = x->pv_vec[n->pre[k].virq];
			snprintf(pv, sizeof(pv), "; vector %d on CPU %d: its first vector event, at %s", vector,
				 cpu, at(n, x->pv_line[n->pre[k].virq], where));
		} else if (cpu < 0 && x->pv_gone_cpu[n->pre[k].virq] >= 0 &&
			   x->pv_managed[n->pre[k].virq] == 1 && n->pre[k].requested) {
			char where[80];

			/* a requested managed irq: started on the CPU, shut down when it went offline */
			cpu = x->pv_gone_cpu[n->pre[k].virq];
			snprintf(pv, sizeof(pv), "; on CPU %d: its first vector event, at %s, has prev_vector=0 "
				 "prev_cpu=%d after that CPU went offline", cpu,
				 at(n, x->pv_line[n->pre[k].virq], where), cpu);
		}
		put_comment(out, "irq %u = %s vector %u (--interrupts), %s%s%s: allocated before the "
			    "recording; its vector is among the x86_cpu bits%s", n->pre[k].virq,
			    dev >= 0 ? d->dev[dev].name : "?", n->pre[k].index,
			    n->pre[k].requested ? "requested by \"" : "not requested",
			    n->pre[k].what, n->pre[k].requested ? "\"" : "",
			    pv[0] ? pv : cpu >= 0 ? "; on the CPU msi_set_affinity moved it from" : "");
		mlog_event_init(e, MLOG_V_X86_IRQ);
		mlog_event_set(e, MLOG_K_VIRQ, n->pre[k].virq);
		if (dev >= 0) {
			mlog_event_set(e, MLOG_K_DEV, dev);
			mlog_event_set(e, MLOG_K_VEC, n->pre[k].index);
		}
		if (cpu >= 0)
			mlog_event_set(e, MLOG_K_CPU, cpu);
		if (vector >= 0)
			mlog_event_set(e, MLOG_K_VECTOR, vector);
		if (x->pv_managed[n->pre[k].virq] >= 0)
			mlog_event_set(e, MLOG_K_IS_MANAGED, x->pv_managed[n->pre[k].virq]);
		if (!n->pre[k].requested && rsvd_ok && x->g_seen && x->rsvd0 > 0)
			mlog_event_set(e, MLOG_K_HAS_RESERVED, 1);
		if (put_event(out, d, e, err))
			return -1;
	}
	for (uint32_t i = 0; i < x->npirq; i++) {
		bool dup = false;

		for (uint32_t k = 0; rsvd_ok && k < nc; k++)
			dup = dup || cand[k] == x->pirq[i].virq;
		if (x->pirq[i].dev == -2 || dup)
			continue;	/* written above (a device's MSI irq, or a reservation) */
		put_comment(out, "irq %u: existed before the recording: %s", x->pirq[i].virq, x->pirq[i].why);
		mlog_event_init(e, MLOG_V_X86_IRQ);
		mlog_event_set(e, MLOG_K_VIRQ, x->pirq[i].virq);
		if (x->pirq[i].dev >= 0) {
			mlog_event_set(e, MLOG_K_DEV, x->pirq[i].dev);
			if (x->pirq[i].vec >= 0)
				mlog_event_set(e, MLOG_K_VEC, x->pirq[i].vec);
		}
		if (x->pv_cpu[x->pirq[i].virq] >= 0) {
			mlog_event_set(e, MLOG_K_CPU, x->pv_cpu[x->pirq[i].virq]);
			mlog_event_set(e, MLOG_K_VECTOR, x->pv_vec[x->pirq[i].virq]);
		} else if (x->pirq[i].cpu >= 0) {
			mlog_event_set(e, MLOG_K_CPU, x->pirq[i].cpu);
		}
		if (x->pirq[i].is_managed >= 0)
			mlog_event_set(e, MLOG_K_IS_MANAGED, x->pirq[i].is_managed);
		if (put_event(out, d, e, err))
			return -1;
	}

	/* said in one line that tests and tools can find: the replay cannot start where the kernel did */
	if (!all || !rsvd_ok)
		put_comment(out, "conformance: incomplete start state: %s%s%s", !all ? "the irq_matrix of "
			    "a CPU is not proven (no x86_cpu line for it)" : "", !all && !rsvd_ok ? "; " : "",
			    !rsvd_ok ? "the holders of the global reservations are not named" : "");
	return 0;
}

int ingest_norm_finish(struct ingest_norm *n, FILE *out, struct mlog_error *err)
{
	struct mlog_decls *d = n->decls;
	struct mlog_event *e = &n->scratch;
	uint64_t used[(NORM_MAX_VIRQ + 63) / 64];
	char why[512], list[256];

	memset(err, 0, sizeof(*err));
	if (n->failed) {
		*err = n->err;
		return -1;
	}
	if (n->x86 && n->x86->req_open)
		x86_req_close(n);
	end_action(n);
	flush(n, true);
	if (n->failed) {
		*err = n->err;
		return -1;
	}
	if (!n->release[0]) {
		snprintf(err->msg, sizeof(err->msg),
			 "the input does not say which kernel recorded it: pass --kernel RELEASE");
		return -1;
	}
	if (!n->arch[0])
		snprintf(n->arch, sizeof(n->arch), "%s",
			 strstr(n->release, "amd64") || strstr(n->release, "x86") ? "x86_64" : "arm64");
	if (strcmp(n->arch, "arm64") && strcmp(n->arch, "x86_64")) {
		snprintf(err->msg, sizeof(err->msg), "unknown architecture \"%s\" (arm64 or x86_64)",
			 n->arch);
		return -1;
	}
	if (!n->cpus)
		n->cpus = 2;

	if (n->comment) {
		const char *p = n->comment;

		while (*p) {
			size_t len = strcspn(p, "\n");

			fprintf(out, "# %.*s\n", (int)len, p);
			p += len;
			if (*p)
				p++;
		}
	}
	/* header */
	mlog_event_init(e, MLOG_V_NONE);
	mlog_event_set(e, MLOG_K_VERSION, MLOG_FORMAT_VERSION);
	if (put_event(out, d, e, err))
		return -1;
	mlog_event_init(e, MLOG_V_KERNEL);
	mlog_event_set_str(e, MLOG_K_RELEASE, n->release, strlen(n->release));
	mlog_event_set(e, MLOG_K_ARCH, strcmp(n->arch, "arm64") ? MLOG_ARCH_X86_64 : MLOG_ARCH_ARM64);
	if (put_event(out, d, e, err))
		return -1;
	mlog_event_init(e, MLOG_V_SOURCE);
	mlog_event_set(e, MLOG_K_KIND, n->kind);
	if (n->file)
		mlog_event_set_str(e, MLOG_K_FILE, n->file, strlen(n->file));
	if (n->tool)
		mlog_event_set_str(e, MLOG_K_TOOL, n->tool, strlen(n->tool));
	if (put_event(out, d, e, err))
		return -1;

	/* machine: irq numbers in use at the start */
	memset(used, 0, sizeof(used));
	for (size_t k = 0; k < sizeof(used) / sizeof(used[0]); k++)
		used[k] = n->irq_listed[k] | n->gap[k];
	if (list_irqs(n, used, list, sizeof(list))) {
		snprintf(err->msg, sizeof(err->msg), "irqs_used does not fit in one line");
		return -1;
	}
	put_comment(out, "machine: cpus=%u from %s", n->cpus,
		    n->have_interrupts && n->irq_cpus ? "the CPU columns of --interrupts" :
		    n->cpus_input ? "the trace header" : "the default (nothing says)");
	if (list[0]) {
		char a[256], b[256];

		list_irqs(n, n->irq_listed, a, sizeof(a));
		list_irqs(n, n->gap, b, sizeof(b));
		put_comment(out, "irqs_used: %s%s%s%s%s", a[0] ? a : "", a[0] ? " are listed by --interrupts" : "",
			    a[0] && b[0] ? "; " : "", b,
			    !b[0] ? "" : n->x86 && n->x86->seen ?
			    " were skipped by a traced allocation (x86: irq_domain_alloc_descs starts at "
			    "arch_dynirq_lower_bound, gsi_top, and the legacy ISA irqs are mapped at boot; "
			    "mp_map_pin_to_irq takes GSI irqs by number)" :
			    " were taken by code the probes do not see (a traced allocation "
			    "skipped them: irq_domain_alloc_descs takes the lowest free number "
			    "from its hint)");
	}
	if (n->gap_conflict)
		put_comment(out, "WARNING: %s", n->gap_note);
	mlog_event_init(e, MLOG_V_MACHINE);
	mlog_event_set(e, MLOG_K_CPUS, n->cpus);
	if (list[0])
		mlog_event_set_str(e, MLOG_K_IRQS_USED, list, strlen(list));
	if (put_event(out, d, e, err))
		return -1;
	if (!strcmp(n->arch, "arm64")) {
		d->nits = 1;
		snprintf(d->its[0].name, sizeof(d->its[0].name), "its0");
		mlog_event_init(e, MLOG_V_ITS_DECL);
		mlog_event_set_str(e, MLOG_K_NAME, "its0", 4);
		if (put_event(out, d, e, err))
			return -1;
	}
	for (uint32_t i = 0; i < d->ndev; i++) {
		struct mlog_device_decl *dd = &d->dev[i];
		struct ndev *x = &n->dev[i];
		uint32_t rid = dd->bdf & 0xffff;

		device_caps(n, (int)i, why, sizeof(why));
		if (!x->has_devid && n->x86 && n->x86->seen) {
			dd->devid = rid;
			put_comment(out, "%s: name from %s; devid=0x%x is the requester ID (x86); %s",
				    dd->name, x->origin, rid, why[0] ? why : "no capability evidence");
		} else if (!x->has_devid) {
			dd->devid = rid;
			put_comment(out, "%s: name from %s; devid=0x%x is the requester ID (no "
				    "its_msi_prepare in the trace; on this machine every traced DevID "
				    "equals the RID); %s", dd->name, x->origin, rid, why[0] ? why : "no capability evidence");
		} else {
			put_comment(out, "%s: name from %s; devid=0x%x from its_msi_prepare at %s; %s",
				    dd->name, x->origin, x->devid, x->devid_at,
				    why[0] ? why : "no capability evidence");
		}
		mlog_event_init(e, MLOG_V_DEVICE);
		mlog_event_set_str(e, MLOG_K_NAME, dd->name, strlen(dd->name));
		mlog_event_set(e, MLOG_K_BUS, MLOG_BUS_PCI);
		mlog_event_set(e, MLOG_K_BDF, dd->bdf);
		mlog_event_set(e, MLOG_K_DEVID, dd->devid);
		if (dd->msi)
			mlog_event_set(e, MLOG_K_MSI, dd->msi);
		if (dd->msix)
			mlog_event_set(e, MLOG_K_MSIX, dd->msix);
		if (put_event(out, d, e, err))
			return -1;
	}
	if (!n->have_probes) {
		/* without a probe list: the kinds the trace shows */
		put_comment(out, "observes: no --probes list; the kinds below are those the trace shows");
	} else {
		put_comment(out, "observes: the kinds the accepted probes (--probes) can see");
	}
	if (n->x86 && (n->x86->vectors || n->x86->matrix)) {
		put_comment(out, "observes: plus every kind of the %s tracepoints (the trace holds their "
			    "events; a kprobe list cannot name tracepoints)",
			    n->x86->vectors && n->x86->matrix ? "irq_vectors and irq_matrix" :
			    n->x86->vectors ? "irq_vectors" : "irq_matrix");
		if (n->x86->vectors)
			n->observes |= x86_kinds(false);
		if (n->x86->matrix)
			n->observes |= x86_kinds(true);
	}
	if (n->observes) {
		mlog_event_init(e, MLOG_V_OBSERVES);
		mlog_event_set(e, MLOG_K_KINDS, (int64_t)n->observes);
		if (put_event(out, d, e, err))
			return -1;
	}

	if (n->x86 && n->x86->seen && x86_write_decls(n, out, err))
		return -1;

	/* state before the recording (x86: declared above, as x86_irq) */
	if (n->npre && !(n->x86 && n->x86->seen)) {
		fputc('\n', out);
		put_comment(out, "Before the recording: --interrupts lists MSI irqs that no traced "
			    "allocation made. The driver's own request is not recorded; these are the "
			    "smallest calls that give that state.");
		for (uint32_t i = 0; i < d->ndev; i++) {
			uint32_t nvec = 0;
			bool msix = d->dev[i].msix > 0;

			if (!n->dev[i].pre)
				continue;
			for (uint32_t k = 0; k < n->npre; k++) {
				if (dev_find(n, n->pre[k].bdf) != (int)i)
					continue;
				if (n->pre[k].index + 1 > nvec)
					nvec = n->pre[k].index + 1;
				if (n->pre[k].msix_known)
					msix = n->pre[k].msix;
				put_comment(out, "irq %u = %s vector %u%s%s%s", n->pre[k].virq,
					    d->dev[i].name, n->pre[k].index,
					    n->pre[k].requested ? ", requested by \"" : " (not requested)",
					    n->pre[k].what, n->pre[k].requested ? "\"" : "");
			}
			mlog_event_init(e, MLOG_V_PCI_ALLOC_IRQ_VECTORS);
			mlog_event_set(e, MLOG_K_DEV, i);
			mlog_event_set(e, MLOG_K_MIN, nvec);
			mlog_event_set(e, MLOG_K_MAX, nvec);
			mlog_event_set(e, MLOG_K_FLAGS, msix ? MLOG_PCI_IRQ_MSIX : MLOG_PCI_IRQ_MSI);
			if (put_event(out, d, e, err))
				return -1;
			for (uint32_t k = 0; k < n->npre; k++) {
				if (dev_find(n, n->pre[k].bdf) != (int)i || !n->pre[k].requested)
					continue;
				mlog_event_init(e, MLOG_V_REQUEST_IRQ);
				mlog_event_set(e, MLOG_K_DEV, i);
				mlog_event_set(e, MLOG_K_VEC, n->pre[k].index);
				if (put_event(out, d, e, err))
					return -1;
			}
		}
		mlog_event_init(e, MLOG_V_RECORDING_STARTS);
		if (put_event(out, d, e, err))
			return -1;
	}
	fputc('\n', out);

	/* the body */
	if (n->sp_file) {
		char blk[1 << 16];
		size_t got;

		if (fflush(n->sp_file) || fseek(n->sp_file, 0, SEEK_SET)) {
			snprintf(err->msg, sizeof(err->msg), "cannot read the spool file: %s", strerror(errno));
			return -1;
		}
		while ((got = fread(blk, 1, sizeof(blk), n->sp_file)) > 0)
			if (fwrite(blk, 1, got, out) != got)
				break;
		if (ferror(n->sp_file)) {
			snprintf(err->msg, sizeof(err->msg), "cannot read the spool file: %s", strerror(errno));
			return -1;
		}
	}
	if (n->sp_len)
		fwrite(n->sp_buf, 1, n->sp_len, out);
	if (ferror(out) || fflush(out)) {
		snprintf(err->msg, sizeof(err->msg), "cannot write the output: %s", strerror(errno));
		return -1;
	}
	return 0;
}
