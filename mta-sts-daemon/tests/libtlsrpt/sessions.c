/* Reports TLS sessions through the real libtlsrpt, the way Postfix 3.10's
 * tlsrpt_wrapper.c does: one delivery request per connection, one policy per request,
 * finished as success or failure, failure details with the EHLO reply (CRLFs included).
 *
 *   sessions SOCKET
 *
 * Sends (blocking mode, so nothing is lost to a full queue):
 *   example.test  sts policy: 3 successes, then one failed session per code 201-205 and
 *                 301-306 (11), each with one failure detail;
 *   example.test  no-policy-found: 2 successes;
 *   dane.test     tlsa policy: 1 failure 304 with additional information and a reason
 *                 code, 1 success.
 * Exit status 0 when every libtlsrpt call succeeded.
 */
#include <stdio.h>
#include <stdlib.h>

#include <tlsrpt.h>

#define CHECK(call)                                                                    \
    do {                                                                               \
        int rc_ = (call);                                                              \
        if (rc_ != 0) {                                                                \
            fprintf(stderr, "sessions: %s failed: %d\n", #call, rc_);                  \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

static const char *const STS_LINES[] = {"version: STSv1", "mode: enforce",
                                        "mx: mx1.example.test", "max_age: 86400"};
static const char EHLO[] = "250-mx1.example.test\r\n250-PIPELINING\r\n250 STARTTLS";

static void sts_session(struct tlsrpt_connection_t *con, int code) {
    struct tlsrpt_dr_t *dr = NULL;
    CHECK(tlsrpt_init_delivery_request(&dr, con, "example.test",
                                       "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"));
    CHECK(tlsrpt_init_policy(dr, TLSRPT_POLICY_STS, "example.test"));
    for (size_t i = 0; i < sizeof STS_LINES / sizeof STS_LINES[0]; i++) {
        CHECK(tlsrpt_add_policy_string(dr, STS_LINES[i]));
    }
    CHECK(tlsrpt_add_mx_host_pattern(dr, "mx1.example.test"));
    if (code != 0) {
        CHECK(tlsrpt_add_delivery_request_failure(dr, (tlsrpt_failure_t)code, "192.0.2.1",
                                                  "mx1.example.test", EHLO, "198.51.100.7",
                                                  NULL, NULL));
    }
    CHECK(tlsrpt_finish_policy(dr, code != 0 ? TLSRPT_FINAL_FAILURE : TLSRPT_FINAL_SUCCESS));
    CHECK(tlsrpt_finish_delivery_request(&dr));
}

static void no_policy_session(struct tlsrpt_connection_t *con) {
    struct tlsrpt_dr_t *dr = NULL;
    CHECK(tlsrpt_init_delivery_request(&dr, con, "example.test",
                                       "v=TLSRPTv1; rua=mailto:tlsrpt@example.test"));
    CHECK(tlsrpt_init_policy(dr, TLSRPT_NO_POLICY_FOUND, "example.test"));
    CHECK(tlsrpt_finish_policy(dr, TLSRPT_FINAL_SUCCESS));
    CHECK(tlsrpt_finish_delivery_request(&dr));
}

static void tlsa_session(struct tlsrpt_connection_t *con, int fail) {
    struct tlsrpt_dr_t *dr = NULL;
    CHECK(tlsrpt_init_delivery_request(&dr, con, "dane.test",
                                       "v=TLSRPTv1; rua=mailto:tlsrpt@dane.test"));
    CHECK(tlsrpt_init_policy(dr, TLSRPT_POLICY_TLSA, "dane.test"));
    CHECK(tlsrpt_add_policy_string(dr, "3 1 1 0123456789abcdef"));
    CHECK(tlsrpt_add_mx_host_pattern(dr, "mx.dane.test"));
    if (fail) {
        CHECK(tlsrpt_add_delivery_request_failure(dr, TLSRPT_TLSA_INVALID, "192.0.2.1",
                                                  "mx.dane.test", NULL, "2001:db8::25",
                                                  "https://dane.test/why", "tlsa-mismatch"));
    }
    CHECK(tlsrpt_finish_policy(dr, fail ? TLSRPT_FINAL_FAILURE : TLSRPT_FINAL_SUCCESS));
    CHECK(tlsrpt_finish_delivery_request(&dr));
}

int main(int argc, char **argv) {
    static const int CODES[] = {201, 202, 203, 204, 205, 301, 302, 303, 304, 305, 306};
    struct tlsrpt_connection_t *con = NULL;
    if (argc != 2) {
        fprintf(stderr, "usage: sessions SOCKET\n");
        return 2;
    }
    tlsrpt_set_blocking();
    CHECK(tlsrpt_open(&con, argv[1]));
    for (int i = 0; i < 3; i++) {
        sts_session(con, 0);
    }
    for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++) {
        sts_session(con, CODES[i]);
    }
    no_policy_session(con);
    no_policy_session(con);
    tlsa_session(con, 1);
    tlsa_session(con, 0);
    CHECK(tlsrpt_close(&con));
    return 0;
}
