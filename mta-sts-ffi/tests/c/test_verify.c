/*
 * MX certificate validation from DER through the C API (RFC 8461 §4.2), with the
 * TLS-RPT classification of refused certificates (RFC 8460 §4.3). The certificates
 * are the fixtures of ../data/certs (see ../data/README.md), found next to this
 * source file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mta_sts.h"

#define NOW 1790000000u               /* 2026-09-21: everything valid */
#define AFTER_LEAF_EXPIRY 2100000000u /* 2036: the leaf expired in 2034 */

typedef struct {
    uint8_t *data;
    size_t len;
} buffer;

/* Reads ../data/certs/<name>, relative to this source file. */
static buffer read_cert(const char *name) {
    buffer b = {NULL, 0};
    char path[4096];
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');
    int dir_len = slash != NULL ? (int)(slash - file) : 1;
    int n = snprintf(path, sizeof path, "%.*s/../data/certs/%s", dir_len,
                     slash != NULL ? file : ".", name);
    if (n < 0 || (size_t)n >= sizeof path) {
        return b;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return b;
    }
    uint8_t tmp[8192];
    size_t len = fread(tmp, 1, sizeof tmp, f);
    fclose(f);
    b.data = malloc(len);
    if (b.data != NULL) {
        memcpy(b.data, tmp, len);
        b.len = len;
    }
    return b;
}

/* 0 when valid, else the result type of the failure; the reason code goes to `reason`. */
static mta_sts_result_type verify(buffer leaf, const mta_sts_bytes *chain, size_t chain_len,
                                  const char *host, const mta_sts_trust_anchors *anchors,
                                  uint64_t now, char *reason, size_t reason_size) {
    mta_sts_failure *failure = NULL;
    mta_sts_status status =
        mta_sts_verify_mx_certificate(leaf.data, leaf.len, chain, chain_len, (const uint8_t *)host,
                                      strlen(host), anchors, now, &failure);
    CHECK(status == MTA_STS_STATUS_OK);
    reason[0] = '\0';
    if (failure == NULL) {
        return 0;
    }
    mta_sts_result_type type = 0;
    CHECK(mta_sts_failure_result_type(failure, &type) == MTA_STS_STATUS_OK);
    mta_sts_str code = {NULL, 0};
    CHECK(mta_sts_failure_reason_code(failure, &code) == MTA_STS_STATUS_OK);
    snprintf(reason, reason_size, "%.*s", (int)code.len, code.data);
    mta_sts_failure_free(failure);
    return type;
}

int main(void) {
    buffer root = read_cert("root.der");
    buffer intermediate = read_cert("intermediate.der");
    buffer leaf = read_cert("leaf-mx1.der");
    buffer other = read_cert("other-root.der");
    if (root.len == 0 || intermediate.len == 0 || leaf.len == 0 || other.len == 0) {
        fprintf(stderr, "test_verify: fixtures missing\n");
        return 1;
    }

    const mta_sts_bytes roots[] = {{root.data, root.len}};
    mta_sts_trust_anchors *anchors = NULL;
    CHECK(mta_sts_trust_anchors_new(roots, 1, &anchors) == MTA_STS_STATUS_OK);
    const mta_sts_bytes chain[] = {{intermediate.data, intermediate.len}};
    char reason[128];

    CHECK(verify(leaf, chain, 1, "mx1.example.com", anchors, NOW, reason, sizeof reason) == 0);
    CHECK(verify(leaf, chain, 1, "mx2.example.com", anchors, NOW, reason, sizeof reason) ==
          MTA_STS_RESULT_TYPE_CERTIFICATE_HOST_MISMATCH);
    CHECK(strcmp(reason, "cert-not-valid-for-name") == 0);
    CHECK(verify(leaf, chain, 1, "mx1.example.com", anchors, AFTER_LEAF_EXPIRY, reason,
                 sizeof reason) == MTA_STS_RESULT_TYPE_CERTIFICATE_EXPIRED);
    CHECK(strcmp(reason, "cert-expired") == 0);
    CHECK(verify(leaf, NULL, 0, "mx1.example.com", anchors, NOW, reason, sizeof reason) ==
          MTA_STS_RESULT_TYPE_CERTIFICATE_NOT_TRUSTED);
    CHECK(strcmp(reason, "unknown-issuer") == 0);
    printf("mx2.example.com: %s\n",
           mta_sts_result_type_str(verify(leaf, chain, 1, "mx2.example.com", anchors, NOW, reason,
                                          sizeof reason)));

    /* A root store without our root: not trusted. */
    const mta_sts_bytes other_roots[] = {{other.data, other.len}};
    mta_sts_trust_anchors *others = NULL;
    CHECK(mta_sts_trust_anchors_new(other_roots, 1, &others) == MTA_STS_STATUS_OK);
    CHECK(verify(leaf, chain, 1, "mx1.example.com", others, NOW, reason, sizeof reason) ==
          MTA_STS_RESULT_TYPE_CERTIFICATE_NOT_TRUSTED);
    mta_sts_trust_anchors_free(others);

    /* Bad arguments are statuses; outputs stay untouched. */
    const mta_sts_bytes junk[] = {{(const uint8_t *)"junk", 4}};
    mta_sts_trust_anchors *untouched = (mta_sts_trust_anchors *)&failures;
    CHECK(mta_sts_trust_anchors_new(junk, 1, &untouched) == MTA_STS_STATUS_TRUST_ANCHOR_INVALID);
    CHECK(untouched == (mta_sts_trust_anchors *)&failures);
    mta_sts_failure *failure = NULL;
    CHECK(mta_sts_verify_mx_certificate(leaf.data, leaf.len, chain, 1,
                                        (const uint8_t *)"mx1.example.com", 15, NULL, NOW,
                                        &failure) == MTA_STS_STATUS_NULL_PARAMETER);
    CHECK(failure == NULL);
    mta_sts_trust_anchors_free(NULL);

    mta_sts_trust_anchors_free(anchors);
    free(root.data);
    free(intermediate.data);
    free(leaf.data);
    free(other.data);
    if (failures != 0) {
        fprintf(stderr, "test_verify: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_verify: all checks passed\n");
    return 0;
}
