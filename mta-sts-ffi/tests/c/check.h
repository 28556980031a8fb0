/*
 * The checking helpers shared by the C test programs: each program counts failed
 * checks in `failures`, prints each one, and exits non-zero when any failed.
 * Header-only on purpose: every program is a single translation unit.
 */
#ifndef MTA_STS_TEST_CHECK_H
#define MTA_STS_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "mta_sts.h"

static int failures = 0;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            failures++;                                                      \
        }                                                                    \
    } while (0)

#define CHECK_STATUS(call, expected)                                         \
    do {                                                                     \
        mta_sts_status got_ = (call);                                        \
        if (got_ != (expected)) {                                            \
            fprintf(stderr, "%s:%d: %s: status %u (%s), expected %u\n",      \
                    __FILE__, __LINE__, #call, (unsigned)got_,               \
                    mta_sts_status_str(got_), (unsigned)(expected));         \
            failures++;                                                      \
        }                                                                    \
    } while (0)

#define BYTES(s) (const uint8_t *)(s), strlen(s)

/* Whether a view holds exactly `expected` (a view is never NUL-terminated). */
static inline int str_eq(mta_sts_str view, const char *expected) {
    return view.data != NULL && view.len == strlen(expected) &&
           memcmp(view.data, expected, view.len) == 0;
}

#endif
