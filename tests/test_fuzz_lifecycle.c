// SPDX-License-Identifier: GPL-2.0
/*
 * test_fuzz_lifecycle.c - fuzz/lifecycle.c: the lifecycle records decode to
 * the operations they were written for, on the device they were written
 * for, on arm64 (PCI, platform, wired) and x86_64 (PCI, DMAR, HPET)
 * machines; and the sequences hold the patterns the known bugs need (a
 * second allocation after a free; an unbind with vectors live; the
 * explicit free on a managed device; a remove and re-add).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decoder.h"
#include "lifecycle.h"

static uint64_t rng_state;

static uint32_t draw(void *arg, uint32_t n)
{
	(void)arg;
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return n ? (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % n : 0;
}

/* A machine: @ndev devices with bus bytes @bus[], PCI ones with MSI 32, MSI-X 64. */
static size_t machine(uint8_t *buf, bool x86, unsigned int ndev, const uint8_t *bus)
{
	memset(buf, 0, FZ_MAX_INPUT);
	buf[0] = 3;			/* 6.16 when the target takes the input's profile */
	buf[1] = 0x02;			/* pcim_alloc_irq_vectors() on (fz_switch_list[1]) */
	buf[2] = 2;			/* 4 CPUs */
	buf[8] = (uint8_t)(ndev - 1);
	buf[10] = x86;
	for (unsigned int i = 0; i < ndev; i++) {
		uint8_t *d = buf + FZ_HDR_SIZE + i * FZ_DEV_SIZE;

		d[0] = bus[i];
		d[1] = (uint8_t)(0x10 * (i + 1));
		d[3] = 6;		/* MSI: 32 */
		d[4] = 64;		/* MSI-X: 64 */
		d[6] = (uint8_t)(i + 1);
	}
	return FZ_OPS_OFFSET;
}

static enum ml_op_kind expected_kind(bool x86, uint8_t code)
{
	static const enum ml_op_kind arm64_kind[FZ_OP__COUNT] = {
#define K(id) ML_OP_##id,
		FZ_OPCODES(K)
#undef K
	};
	static const enum ml_op_kind x86_kind[FZ_X86_OP__COUNT] = {
#define K(id) ML_OP_##id,
		FZ_X86_OPCODES(K)
#undef K
	};

	return x86 ? x86_kind[code] : arm64_kind[code];
}

/* Every record of many lifecycles decodes to its own operation and device. */
static void check_decodes(bool x86, const uint8_t *bus, unsigned int ndev)
{
	static uint8_t buf[FZ_MAX_INPUT];
	static struct fz_scenario sc;
	struct fz_options o;
	uint32_t checked = 0;

	fz_options_default(&o);
	o.arch = x86 ? FZ_ARCH_X86_64 : FZ_ARCH_ARM64;
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 2000; round++) {
		uint32_t dev = draw(NULL, ndev), n;
		size_t len = machine(buf, x86, ndev, bus);

		n = fz_lifecycle(buf, x86, dev, buf + len, FZ_MAX_OPS, draw, NULL);
		assert_true(n >= 1 && n <= 16);
		fz_decode(buf, len + (size_t)n * FZ_OP_SIZE, &o, &sc);
		assert_int_equal(sc.nops, n);
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *r = buf + len + (size_t)i * FZ_OP_SIZE;

			assert_int_equal(r[1], dev);
			/* CPU hotplug is the machine's, not the device's */
			if (sc.op[i].kind != ML_OP_CPU_OFFLINE && sc.op[i].kind != ML_OP_CPU_ONLINE)
				assert_int_equal(sc.op[i].dev, (int)dev);
			assert_int_equal(sc.op[i].kind, expected_kind(x86, r[0]));
			checked++;
		}
	}
	assert_true(checked > 2000);
}

static void arm64_decodes(void **state)
{
	static const uint8_t bus[] = { 0, 1, 2, 0, 1, 3 };

	(void)state;
	check_decodes(false, bus, 6);
}

static void x86_decodes(void **state)
{
	static const uint8_t bus[] = { 0, 1, 2, 0, 3, 0 };

	(void)state;
	check_decodes(true, bus, 6);
}

/* Does some lifecycle of a PCI device hold op @a followed later by op @b? */
static bool has_pattern(uint8_t a, uint8_t b, uint8_t c)
{
	static uint8_t buf[FZ_MAX_INPUT];
	static const uint8_t bus[] = { 0 };

	rng_state = 12345;
	for (int round = 0; round < 500; round++) {
		size_t len = machine(buf, false, 1, bus);
		uint32_t n = fz_lifecycle(buf, false, 0, buf + len, FZ_MAX_OPS, draw, NULL);
		int stage = 0;

		for (uint32_t i = 0; i < n; i++) {
			uint8_t code = buf[len + i * FZ_OP_SIZE];

			if ((stage == 0 && code == a) || (stage == 1 && code == b) ||
			    (stage == 2 && code == c))
				stage++;
		}
		if (stage == 3)
			return true;
	}
	return false;
}

static void patterns(void **state)
{
	(void)state;
	/* B1/B3: allocate, free, allocate again */
	assert_true(has_pattern(FZ_OP_PCI_ALLOC_IRQ_VECTORS, FZ_OP_PCI_FREE_IRQ_VECTORS,
				FZ_OP_PCI_ALLOC_IRQ_VECTORS));
	/* B10: request_irq then unbind with the vectors live */
	assert_true(has_pattern(FZ_OP_PCI_ALLOC_IRQ_VECTORS, FZ_OP_REQUEST_IRQ, FZ_OP_DRIVER_UNBIND));
	/* B11: pcim_enable_device, then the explicit free, then unbind */
	assert_true(has_pattern(FZ_OP_PCIM_ENABLE_DEVICE, FZ_OP_PCI_FREE_IRQ_VECTORS,
				FZ_OP_DRIVER_UNBIND));
	/* hot-unplug and rescan */
	assert_true(has_pattern(FZ_OP_DEVICE_REMOVE, FZ_OP_DEVICE_ADD, FZ_OP_PCI_ALLOC_IRQ_VECTORS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arm64_decodes),
		cmocka_unit_test(x86_decodes),
		cmocka_unit_test(patterns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
