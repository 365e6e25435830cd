/* SPDX-License-Identifier: GPL-2.0 */
/* A small SHA-256 (FIPS 180-4), so the tests need no crypto library. */
#ifndef JITSEAL_TEST_SHA256_H
#define JITSEAL_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

void sha256(const void *data, size_t len, uint8_t out[32]);

#endif
