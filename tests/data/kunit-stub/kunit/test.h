/* SPDX-License-Identifier: GPL-2.0 */
/* kunit/test.h of the msilab kernel stub (../msilab_kernel_stub.h) */
#include "../msilab_kernel_stub.h"
