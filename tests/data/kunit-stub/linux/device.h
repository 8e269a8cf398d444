/* SPDX-License-Identifier: GPL-2.0 */
/* linux/device.h of the msilab kernel stub (../msilab_kernel_stub.h) */
#include "../msilab_kernel_stub.h"
