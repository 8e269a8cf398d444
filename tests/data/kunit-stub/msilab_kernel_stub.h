/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msilab_kernel_stub.h - just enough of the kernel's declarations for
 * "gcc -fsyntax-only" to check the KUnit skeletons of "msilab report
 * --format kunit" (tests/cli_report.sh).  Not a kernel: the prototypes are
 * those of v6.16 (include/linux/{pci,msi,interrupt,device,platform_device,
 * cpu}.h, include/kunit/test.h) as the skeletons call them; the KUnit macros
 * only type-check their arguments.  kunit/test.h and the linux/ headers beside this
 * file include it.
 */
#ifndef MSILAB_KERNEL_STUB_H
#define MSILAB_KERNEL_STUB_H

#include <stdbool.h>
#include <stddef.h>

typedef unsigned int gfp_t;
typedef unsigned short u16;
#define GFP_KERNEL	((gfp_t)0xcc0)

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* ---- include/kunit/test.h ---- */
struct kunit;
struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};
#define KUNIT_CASE(test_name) { .run_case = test_name, .name = #test_name }
struct kunit_suite {
	const char name[256];
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};
#define kunit_test_suite(suite) \
	static struct kunit_suite *const msilab_stub_suites[] __attribute__((used)) = { &(suite) }
void msilab_stub_skip(struct kunit *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void msilab_stub_expect(struct kunit *test, bool ok, const char *what);
#define kunit_skip(test, fmt, ...) msilab_stub_skip(test, fmt, ##__VA_ARGS__)
#define kunit_info(test, fmt, ...) msilab_stub_skip(test, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_EQ(test, left, right) msilab_stub_expect(test, (left) == (right), #left " == " #right)
#define KUNIT_EXPECT_GE(test, left, right) msilab_stub_expect(test, (left) >= (right), #left " >= " #right)
#define KUNIT_EXPECT_TRUE(test, cond) msilab_stub_expect(test, !!(cond), #cond)
#define KUNIT_EXPECT_FALSE(test, cond) msilab_stub_expect(test, !(cond), "!" #cond)
#define KUNIT_ASSERT_NOT_NULL(test, ptr) msilab_stub_expect(test, (ptr) != NULL, #ptr)
void *kunit_kcalloc(struct kunit *test, size_t n, size_t size, gfp_t gfp);
void kunit_kfree(struct kunit *test, const void *ptr);

/* ---- include/linux/module.h ---- */
#define MODULE_LICENSE(l) _Static_assert(sizeof(l) > 1, "MODULE_LICENSE")
#define MODULE_DESCRIPTION(d) _Static_assert(sizeof(d) > 1, "MODULE_DESCRIPTION")

/* ---- include/linux/device.h, platform_device.h, cpu.h ---- */
struct msi_device_data;
struct device {
	struct {
		struct msi_device_data *data;
	} msi;
};
struct bus_type;
extern const struct bus_type platform_bus_type;
struct device *bus_find_device_by_name(const struct bus_type *bus, struct device *start,
				       const char *name);
void put_device(struct device *dev);
void device_release_driver(struct device *dev);
struct platform_device {
	const char *name;
	int id;
	struct device dev;
};
#define to_platform_device(x) container_of((x), struct platform_device, dev)
int platform_device_add(struct platform_device *pdev);
void platform_device_del(struct platform_device *pdev);
int remove_cpu(unsigned int cpu);
int add_cpu(unsigned int cpu);

/* ---- include/linux/interrupt.h, irq.h ---- */
enum irqreturn { IRQ_NONE = 0, IRQ_HANDLED = 1, IRQ_WAKE_THREAD = 2 };
typedef enum irqreturn irqreturn_t;
typedef irqreturn_t (*irq_handler_t)(int irq, void *dev_id);
int request_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, const char *name,
		void *dev);
const void *free_irq(unsigned int irq, void *dev_id);
#define IRQ_TYPE_LEVEL_HIGH	0x00000004
struct irq_affinity {
	unsigned int pre_vectors;
	unsigned int post_vectors;
	unsigned int nr_sets;
	unsigned int set_size[4];
	void (*calc_sets)(struct irq_affinity *affd, unsigned int nvecs);
	void *priv;
};
struct irq_affinity_desc;

/* ---- include/linux/pci.h ---- */
struct pci_bus;
struct pci_dev {
	struct pci_bus *bus;
	unsigned int devfn;
	struct device dev;
};
struct msix_entry {
	unsigned int vector;
	u16 entry;
};
#define PCI_DEVFN(slot, func)	((((slot) & 0x1f) << 3) | ((func) & 0x07))
#define PCI_IRQ_INTX		(1 << 0)
#define PCI_IRQ_LEGACY		PCI_IRQ_INTX	/* before v6.8 */
#define PCI_IRQ_MSI		(1 << 1)
#define PCI_IRQ_MSIX		(1 << 2)
#define PCI_IRQ_AFFINITY	(1 << 3)
#define PCI_IRQ_VIRTUAL		(1 << 4)
struct pci_dev *pci_get_domain_bus_and_slot(int domain, unsigned int bus, unsigned int devfn);
void pci_dev_put(struct pci_dev *dev);
int pci_enable_device(struct pci_dev *dev);
int pcim_enable_device(struct pci_dev *pdev);
int pci_alloc_irq_vectors(struct pci_dev *dev, unsigned int min_vecs, unsigned int max_vecs,
			  unsigned int flags);
int pci_alloc_irq_vectors_affinity(struct pci_dev *dev, unsigned int min_vecs,
				   unsigned int max_vecs, unsigned int flags,
				   struct irq_affinity *affd);
/* the 2026 devres series ("[PATCH 00/37] Add Devres managed IRQ vectors allocation") */
int pcim_alloc_irq_vectors(struct pci_dev *dev, unsigned int min_vecs, unsigned int max_vecs,
			   unsigned int flags);
int pcim_alloc_irq_vectors_affinity(struct pci_dev *dev, unsigned int min_vecs,
				    unsigned int max_vecs, unsigned int flags,
				    struct irq_affinity *affd);
int pci_enable_msi(struct pci_dev *dev);
int pci_enable_msix_range(struct pci_dev *dev, struct msix_entry *entries, int minvec, int maxvec);
void pci_disable_msi(struct pci_dev *dev);
void pci_disable_msix(struct pci_dev *dev);
void pci_free_irq_vectors(struct pci_dev *dev);
int pci_irq_vector(struct pci_dev *dev, unsigned int nr);
void pci_stop_and_remove_bus_device_locked(struct pci_dev *dev);
void pci_lock_rescan_remove(void);
void pci_unlock_rescan_remove(void);
unsigned int pci_rescan_bus(struct pci_bus *bus);

/* ---- include/linux/msi.h, irqdomain.h ---- */
#define MSI_DEFAULT_DOMAIN		0u
#define MSI_MAX_DEVICE_IRQDOMAINS	2
#define MSI_ANY_INDEX			(~0U)
struct irq_domain;
struct msi_desc;
struct msi_msg {
	unsigned int address_lo, address_hi, data;
};
struct msi_dev_domain {
	void *store;
	struct irq_domain *domain;
};
struct msi_device_data {
	unsigned long properties;
	struct msi_dev_domain __domains[MSI_MAX_DEVICE_IRQDOMAINS];
};
union msi_instance_cookie {
	unsigned long long value;
	void *ptr;
};
struct msi_map {
	int index;
	int virq;
};
enum irq_domain_bus_token { DOMAIN_BUS_ANY = 0, DOMAIN_BUS_DEVICE_MSI = 20 };
struct irq_chip {
	const char *name;
};
struct msi_domain_ops {
	void (*set_desc)(void *arg, struct msi_desc *desc);
};
struct msi_domain_info {
	unsigned long flags;
	enum irq_domain_bus_token bus_token;
};
struct msi_domain_template {
	char name[48];
	struct irq_chip chip;
	struct msi_domain_ops ops;
	struct msi_domain_info info;
};
typedef void (*irq_write_msi_msg_t)(struct msi_desc *desc, struct msi_msg *msg);
bool msi_create_device_irq_domain(struct device *dev, unsigned int domid,
				  const struct msi_domain_template *template, unsigned int hwsize,
				  void *domain_data, void *chip_data);
void msi_remove_device_irq_domain(struct device *dev, unsigned int domid);
int msi_domain_alloc_irqs_range(struct device *dev, unsigned int domid, unsigned int first,
				unsigned int last);
void msi_domain_free_irqs_range(struct device *dev, unsigned int domid, unsigned int first,
				unsigned int last);
struct msi_map msi_domain_alloc_irq_at(struct device *dev, unsigned int domid, unsigned int index,
				       const struct irq_affinity_desc *affdesc,
				       union msi_instance_cookie *cookie);
int msi_device_domain_alloc_wired(struct irq_domain *domain, unsigned int hwirq, unsigned int type);
int msi_get_virq(struct device *dev, unsigned int index);
int platform_device_msi_init_and_alloc_irqs(struct device *dev, unsigned int nvec,
					    irq_write_msi_msg_t write_msi_msg);
void platform_device_msi_free_irqs_all(struct device *dev);

#endif /* MSILAB_KERNEL_STUB_H */
