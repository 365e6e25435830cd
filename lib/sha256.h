/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * SHA-256, self-contained: the host backends' digests, and the selftests'
 * independent check of the digests the kernel returns.
 */
#ifndef JITSEAL_SHA256_H
#define JITSEAL_SHA256_H

#include <stddef.h>
#include <stdint.h>

void js_sha256(const void *data, size_t len, unsigned char out[32]);

#endif
