/*
 * How a C MTA uses libmta_sts, as far as this version of the API goes:
 *
 *   1. its resolver answered the TXT query for _mta-sts.example.com: select the
 *      MTA-STS record from the RRset and read the policy id (RFC 8461 §3.1);
 *   2. its HTTPS client fetched https://mta-sts.example.com/.well-known/mta-sts.txt:
 *      parse the policy body (§3.2);
 *   3. walk the MX hosts in preference order and decide on each before connecting
 *      (§4.1, §5); report every skipped host to TLS-RPT with its result type.
 *
 * The DNS answers and the policy body are inline here; a real MTA has them from its
 * own DNS and HTTPS stack (the library does no I/O).
 */
#include <stdio.h>
#include <string.h>

#include "mta_sts.h"

#define BYTES(s) (const uint8_t *)(s), strlen(s)

static int fail(const char *what, mta_sts_status status) {
    fprintf(stderr, "%s: %s (status %u)\n", what, mta_sts_status_str(status), (unsigned)status);
    return 1;
}

int main(void) {
    /* 1. The TXT RRset of _mta-sts.example.com, as the resolver returned it: each record
     *    a list of character-strings (the STS record is split in two here). */
    const mta_sts_bytes spf[] = {{BYTES("v=spf1 -all")}};
    const mta_sts_bytes sts[] = {{BYTES("v=STSv1; id=2016")}, {BYTES("0831085700Z;")}};
    const mta_sts_txt_record rrset[] = {{spf, 1}, {sts, 2}};

    mta_sts_record *record = NULL;
    mta_sts_status status = mta_sts_record_select(rrset, 2, &record);
    if (status != MTA_STS_STATUS_OK) {
        /* No policy from DNS: use a valid cached policy if there is one, else none. */
        return fail("TXT record", status);
    }
    mta_sts_str id;
    if ((status = mta_sts_record_id(record, &id)) != MTA_STS_STATUS_OK) {
        mta_sts_record_free(record);
        return fail("record id", status);
    }
    /* Compare with the cached policy's id: a different id means fetch the policy. */
    printf("record id: %.*s\n", (int)id.len, id.data);
    mta_sts_record_free(record); /* id is invalid from here on */

    /* 2. The policy body as served (RFC 8461 §3.2 example, CRLF line ends). */
    const char *body = "version: STSv1\r\n"
                       "mode: enforce\r\n"
                       "mx: mail.example.com\r\n"
                       "mx: *.example.net\r\n"
                       "mx: backupmx.example.com\r\n"
                       "max_age: 604800\r\n";
    mta_sts_policy *policy = NULL;
    if ((status = mta_sts_policy_parse(BYTES(body), &policy)) != MTA_STS_STATUS_OK) {
        /* Report sts-policy-invalid to TLS-RPT; keep a valid cached policy. */
        printf("TLS-RPT: %s\n", mta_sts_result_type_str(MTA_STS_RESULT_TYPE_STS_POLICY_INVALID));
        return fail("policy", status);
    }
    mta_sts_mode mode;
    uint32_t max_age;
    size_t mx_count;
    if ((status = mta_sts_policy_mode(policy, &mode)) != MTA_STS_STATUS_OK ||
        (status = mta_sts_policy_max_age(policy, &max_age)) != MTA_STS_STATUS_OK ||
        (status = mta_sts_policy_mx_count(policy, &mx_count)) != MTA_STS_STATUS_OK) {
        mta_sts_policy_free(policy);
        return fail("policy fields", status);
    }
    printf("policy: mode %s, max_age %u, %zu mx patterns\n",
           mode == MTA_STS_MODE_ENFORCE   ? "enforce"
           : mode == MTA_STS_MODE_TESTING ? "testing"
                                          : "none",
           (unsigned)max_age, mx_count);
    for (size_t i = 0; i < mx_count; i++) {
        mta_sts_str pattern;
        if (mta_sts_policy_mx(policy, i, &pattern) == MTA_STS_STATUS_OK) {
            printf("  mx: %.*s\n", (int)pattern.len, pattern.data);
        }
    }

    /* 3. The MX hosts of example.com in preference order (from the MX query). One
     *    traversal of the usual list: no pre-filtered second list (RFC 8461 §8.4). */
    const char *mx_hosts[] = {"mx1.attacker.example", "mail.example.com", "mx2.example.net"};
    const char *chosen = NULL;
    for (size_t i = 0; i < sizeof mx_hosts / sizeof mx_hosts[0] && chosen == NULL; i++) {
        mta_sts_failure *failure = NULL;
        status = mta_sts_policy_check_mx(policy, BYTES(mx_hosts[i]), &failure);
        if (status != MTA_STS_STATUS_OK) {
            mta_sts_policy_free(policy);
            return fail("check mx", status);
        }
        if (failure != NULL) {
            /* enforce and no matching pattern: skip it, report it to TLS-RPT. */
            mta_sts_str result_type = {NULL, 0};
            mta_sts_str reason = {NULL, 0};
            mta_sts_failure_result_type_str(failure, &result_type);
            mta_sts_failure_reason_code(failure, &reason);
            printf("skip %s: TLS-RPT result-type %.*s, failure-reason-code %.*s\n", mx_hosts[i],
                   (int)result_type.len, result_type.data, (int)reason.len, reason.data);
            mta_sts_failure_free(failure);
            continue;
        }
        /* Connect, STARTTLS, validate the certificate for mx_hosts[i] (not yet in the
         * C API); on success this host gets the message. */
        chosen = mx_hosts[i];
    }
    if (chosen != NULL) {
        printf("deliver via %s\n", chosen);
    } else {
        /* Every candidate skipped under enforce: defer, never fall back to plaintext. */
        printf("defer: no MX host allowed by the policy\n");
    }
    mta_sts_policy_free(policy);
    return 0;
}
