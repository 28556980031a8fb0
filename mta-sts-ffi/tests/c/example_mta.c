/*
 * A C MTA's whole MTA-STS and TLS-RPT flow through libmta_sts, for one message to
 * user@example.com:
 *
 *   1. discovery: run the engine (mta_sts_lookup) for the Policy Domain: build the
 *      _mta-sts TXT query with the DNS helpers, "send" it, check and decode the answer,
 *      feed it in; "fetch" the policy over HTTPS and feed the response in
 *      (RFC 8461 §3.1, §3.3);
 *   2. store what the outcome says in the policy cache (JSON records, §5.1), and show
 *      that a restart with that cache skips the fetch when the id is unchanged;
 *   3. resolve the MX hosts with the DNS helpers, plan the delivery under the policy and
 *      walk the candidates in preference order: skip before connecting, connect,
 *      STARTTLS, take the verdict (§4, §5);
 *   4. record every session in the TLS-RPT aggregator and, at the end of the day, emit
 *      the report: JSON and file name (RFC 8460 §4, §5.1).
 *
 * The library does no I/O: the "network" here is a few functions that answer with wire
 * bytes and an HTTP response built in this file, as a real MTA's sockets would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mta_sts.h"

#define BYTES(s) (const uint8_t *)(s), strlen(s)
#define VIEW(v) (int)(v).len, (v).data

/* 2026-11-28T12:00:00Z: the caller's clock, fixed so that the output is reproducible. */
static const uint64_t NOW = 1795867200;
static const char *DOMAIN = "example.com";

static int fail(const char *what, mta_sts_status status) {
    fprintf(stderr, "%s: %s (status %u)\n", what, mta_sts_status_str(status), (unsigned)status);
    return 1;
}

/* ---- The network, simulated ---- */

static void put16(uint8_t *p, size_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* What the recursive resolver answers (RFC 1035 §4.1): the query's id and question, then
 * the TXT RRset of _mta-sts.example.com (the MTA-STS record split in two character-
 * strings, next to an SPF record), or the MX RRset of example.com. */
static size_t resolver_answer(const uint8_t *query, size_t query_len, uint8_t *out) {
    size_t end = 12;
    while (end < query_len && query[end] != 0) {
        end += (size_t)query[end] + 1;
    }
    uint16_t qtype = (uint16_t)(query[end + 1] << 8 | query[end + 2]);
    end += 1 + 4;
    static const uint8_t txt_spf[] = "\x0bv=spf1 -all";
    static const uint8_t txt_sts[] = "\x10v=STSv1; id=2016\x0c" "0831085700Z;";
    static const uint8_t mx_attacker[] = "\x00\x05\x03mx1\x08" "attacker\x07" "example";
    static const uint8_t mx_net[] = "\x00\x0a\x03mx2\x07" "example\x03" "net";
    static const uint8_t mx_mail[] = "\x00\x14\x04mail\x07" "example\x03" "com";
    const uint8_t *rdata[3];
    size_t rdata_len[3], count;
    if (qtype == 16) {
        rdata[0] = txt_spf, rdata_len[0] = sizeof txt_spf - 1;
        rdata[1] = txt_sts, rdata_len[1] = sizeof txt_sts - 1;
        count = 2;
    } else { /* MX; the root label ends each exchange (the string's own NUL) */
        rdata[0] = mx_mail, rdata_len[0] = sizeof mx_mail;
        rdata[1] = mx_attacker, rdata_len[1] = sizeof mx_attacker;
        rdata[2] = mx_net, rdata_len[2] = sizeof mx_net;
        count = 3;
    }
    size_t n = 0;
    out[n++] = query[0];
    out[n++] = query[1];
    out[n++] = 0x81; /* response, recursion desired */
    out[n++] = 0x80; /* recursion available, NOERROR */
    put16(out + n, 1), n += 2;
    put16(out + n, count), n += 2;
    put16(out + n, 0), n += 2;
    put16(out + n, 0), n += 2;
    memcpy(out + n, query + 12, end - 12), n += end - 12;
    for (size_t i = 0; i < count; i++) {
        const uint8_t owner_type_class_ttl[] = {0xc0, 0x0c, 0, (uint8_t)qtype, 0, 1, 0, 0, 0x0e, 0x10};
        memcpy(out + n, owner_type_class_ttl, sizeof owner_type_class_ttl);
        n += sizeof owner_type_class_ttl;
        put16(out + n, rdata_len[i]), n += 2;
        memcpy(out + n, rdata[i], rdata_len[i]), n += rdata_len[i];
    }
    return n;
}

/* One DNS exchange over "UDP": build the query with a fresh id, send it, and read
 * datagrams until one answers it. The first datagram here is a stray (a late answer
 * to an older query): the library says it is a mismatch and the loop keeps waiting
 * (RFC 5452 §9.1). */
static mta_sts_status resolve(const char *name, uint32_t type, mta_sts_dns_answer **out) {
    static uint16_t next_id = 0x4d2; /* a real MTA draws it from a good random source */
    uint16_t id = next_id++;
    uint8_t query[512];
    size_t query_len = 0;
    mta_sts_status status =
        mta_sts_dns_query_build(BYTES(name), type, id, query, sizeof query, &query_len);
    if (status != MTA_STS_STATUS_OK) {
        return status;
    }
    uint8_t datagram[1232];
    for (int received = 0; received < 2; received++) {
        size_t len = resolver_answer(query, query_len, datagram);
        if (received == 0) {
            datagram[1] ^= 0xff; /* the stray has another id */
        }
        status = mta_sts_dns_response_parse(BYTES(name), type, id, datagram, len, out);
        if (!mta_sts_dns_status_is_mismatch(status)) {
            return status; /* the answer, or an unusable one (a temporary failure) */
        }
        printf("dns: dropped a datagram that does not answer the query (%s)\n",
               mta_sts_status_str(status));
    }
    return MTA_STS_STATUS_DISCOVERY_DNS_TEMPORARY_FAILURE; /* your timeout */
}

/* The HTTPS client: GET the policy URL with SNI and certificate validation for the
 * host, no redirects, at most max_body + 1 body bytes (RFC 8461 §3.3). Here the server
 * serves the RFC 8461 §3.2 example policy with CRLF line ends. */
static void https_get(mta_sts_str url, mta_sts_str host, size_t max_body, uint16_t *status,
                      const char **content_type, const char **body) {
    (void)max_body;
    printf("fetch %.*s (SNI %.*s)\n", VIEW(url), VIEW(host));
    *status = 200;
    *content_type = "text/plain; charset=utf-8";
    *body = "version: STSv1\r\n"
            "mode: enforce\r\n"
            "mx: mail.example.com\r\n"
            "mx: *.example.net\r\n"
            "mx: backupmx.example.com\r\n"
            "max_age: 604800\r\n";
}

/* What STARTTLS gave with each MX host: mx2.example.net does not offer STARTTLS,
 * mail.example.com presents a certificate valid for its name (checked with
 * mta_sts_verify_mx_certificate() in a real MTA). */
static uint32_t starttls(mta_sts_str host) {
    if (host.len == 15 && memcmp(host.data, "mx2.example.net", 15) == 0) {
        return MTA_STS_TLS_OUTCOME_STARTTLS_NOT_OFFERED;
    }
    return MTA_STS_TLS_OUTCOME_VERIFIED;
}

/* ---- 1. Discovery ---- */

/* Runs one lookup to its outcome; *out_outcome is a new handle. */
static mta_sts_status discover(const mta_sts_cache_entry *cached, mta_sts_outcome **out_outcome) {
    mta_sts_lookup *lookup = NULL;
    mta_sts_status status = mta_sts_lookup_new(BYTES(DOMAIN), cached, NOW, &lookup);
    while (status == MTA_STS_STATUS_OK) {
        mta_sts_step step;
        if ((status = mta_sts_lookup_poll(lookup, &step)) != MTA_STS_STATUS_OK) {
            break;
        }
        if (step.kind == MTA_STS_STEP_KIND_QUERY_TXT) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", VIEW(step.name));
            mta_sts_dns_answer *answer = NULL;
            if (resolve(name, MTA_STS_DNS_TYPE_TXT, &answer) == MTA_STS_STATUS_OK) {
                status = mta_sts_lookup_handle_dns_answer(lookup, NOW, answer);
                mta_sts_dns_answer_free(answer);
            } else { /* timeout, SERVFAIL, unusable answer (docs/CONFORMANCE.md#d13) */
                status = mta_sts_lookup_handle_txt(
                    lookup, NOW, MTA_STS_TXT_ANSWER_KIND_TEMPORARY_FAILURE, NULL, 0);
            }
        } else if (step.kind == MTA_STS_STEP_KIND_FETCH_POLICY) {
            uint16_t http_status;
            const char *content_type, *body;
            https_get(step.url, step.host, step.max_body_len, &http_status, &content_type, &body);
            /* On a timeout: mta_sts_lookup_handle_fetch_error(..., TIMEOUT). */
            status = mta_sts_lookup_handle_fetch_response(lookup, NOW, http_status,
                                                          BYTES(content_type), BYTES(body));
        } else {
            status = mta_sts_lookup_outcome(lookup, out_outcome);
            break;
        }
    }
    mta_sts_lookup_free(lookup);
    return status;
}

/* ---- 4. TLS-RPT: one failed session ---- */

static void record_failure(mta_sts_aggregator *agg, size_t policy_index,
                           const mta_sts_failure *failure, mta_sts_str host, const char *ip) {
    mta_sts_rpt_failure detail;
    if (mta_sts_rpt_failure_from_failure(failure, &detail) != MTA_STS_STATUS_OK) {
        return;
    }
    detail.sending_mta_ip = (mta_sts_bytes){BYTES("192.0.2.25")};
    detail.receiving_mx_hostname = (mta_sts_bytes){(const uint8_t *)host.data, host.len};
    detail.receiving_ip = (mta_sts_bytes){BYTES(ip)};
    mta_sts_status status = mta_sts_aggregator_record_failure(agg, policy_index, &detail);
    if (status != MTA_STS_STATUS_OK) {
        fail("record failure", status);
    }
}

int main(void) {
    /* 1. Discovery, first contact: nothing cached. */
    mta_sts_outcome *outcome = NULL;
    mta_sts_status status = discover(NULL, &outcome);
    if (status != MTA_STS_STATUS_OK) {
        return fail("discovery", status);
    }
    mta_sts_str text;
    mta_sts_outcome_reason_text(outcome, &text);
    printf("outcome: %.*s\n", VIEW(text));
    mta_sts_failure *report = NULL;
    mta_sts_outcome_report(outcome, &report);
    if (report != NULL) { /* a fetch failure while a policy is known to exist */
        mta_sts_failure_free(report);
    }

    /* 2. Store what the outcome says (a file, Redis, SQL: the JSON record is the unit). */
    mta_sts_cache_action action;
    mta_sts_cache_entry *entry = NULL;
    mta_sts_outcome_cache_action(outcome, &action);
    mta_sts_outcome_entry(outcome, &entry);
    char *stored = NULL;
    size_t stored_len = 0;
    if (action == MTA_STS_CACHE_ACTION_STORE && entry != NULL) {
        mta_sts_str id, json;
        mta_sts_cache_entry_id(entry, &id);
        mta_sts_cache_entry_json(entry, &json);
        printf("record id: %.*s\n", VIEW(id));
        stored = malloc(json.len);
        if (stored != NULL) {
            memcpy(stored, json.data, json.len);
            stored_len = json.len;
            printf("cache: stored %zu bytes of JSON for %s\n", stored_len, DOMAIN);
        }
    }
    mta_sts_cache_entry_free(entry);
    mta_sts_backoff_action backoff_action;
    mta_sts_backoff *backoff = NULL;
    mta_sts_outcome_backoff(outcome, &backoff_action, &backoff);
    mta_sts_backoff_free(backoff); /* SET: keep it per domain, mta_sts_lookup_set_backoff() */

    mta_sts_policy *policy = NULL;
    mta_sts_outcome_policy(outcome, &policy);
    mta_sts_outcome_free(outcome);

    /* After a restart: the stored record comes back, the TXT id is unchanged, no fetch. */
    mta_sts_cache_entry *loaded = NULL;
    if (stored != NULL &&
        mta_sts_cache_entry_from_json((const uint8_t *)stored, stored_len, &loaded) ==
            MTA_STS_STATUS_OK) {
        mta_sts_outcome *again = NULL;
        if (discover(loaded, &again) == MTA_STS_STATUS_OK) {
            mta_sts_outcome_reason_text(again, &text);
            printf("after restart: %.*s\n", VIEW(text));
            mta_sts_outcome_free(again);
        }
        mta_sts_cache_entry_free(loaded);
    }
    free(stored);

    if (policy == NULL) {
        printf("no policy: deliver as without MTA-STS\n");
        return 0;
    }
    mta_sts_mode mode;
    uint32_t max_age;
    size_t mx_count;
    mta_sts_policy_mode(policy, &mode);
    mta_sts_policy_max_age(policy, &max_age);
    mta_sts_policy_mx_count(policy, &mx_count);
    printf("policy: mode %s, max_age %u, %zu mx patterns\n",
           mode == MTA_STS_MODE_ENFORCE   ? "enforce"
           : mode == MTA_STS_MODE_TESTING ? "testing"
                                          : "none",
           (unsigned)max_age, mx_count);
    for (size_t i = 0; i < mx_count; i++) {
        mta_sts_str pattern;
        if (mta_sts_policy_mx(policy, i, &pattern) == MTA_STS_STATUS_OK) {
            printf("  mx: %.*s\n", VIEW(pattern));
        }
    }

    /* 3. The MX hosts, in preference order (sorted by the library). */
    mta_sts_dns_answer *mx_answer = NULL;
    if ((status = resolve(DOMAIN, MTA_STS_DNS_TYPE_MX, &mx_answer)) != MTA_STS_STATUS_OK) {
        mta_sts_policy_free(policy);
        return fail("MX lookup", status); /* defer the message */
    }
    size_t hosts_count = 0;
    mta_sts_dns_answer_mx_count(mx_answer, &hosts_count);
    mta_sts_bytes hosts[8];
    if (hosts_count > 8) {
        hosts_count = 8;
    }
    for (size_t i = 0; i < hosts_count; i++) {
        uint16_t preference;
        mta_sts_str exchange;
        mta_sts_dns_answer_mx(mx_answer, i, &preference, &exchange);
        hosts[i] = (mta_sts_bytes){(const uint8_t *)exchange.data, exchange.len};
        printf("mx %u %.*s\n", (unsigned)preference, VIEW(exchange));
    }
    mta_sts_delivery_plan *plan = NULL;
    status = mta_sts_delivery_plan_new(policy, hosts, hosts_count, &plan);
    mta_sts_dns_answer_free(mx_answer); /* the plan copied the names */
    if (status != MTA_STS_STATUS_OK) {
        mta_sts_policy_free(policy);
        return fail("delivery plan", status);
    }

    /* 4. The aggregator of the day; the policy that applied to these sessions. */
    mta_sts_aggregator *agg = NULL;
    size_t policy_index = 0;
    if ((status = mta_sts_aggregator_new(MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS, &agg)) !=
            MTA_STS_STATUS_OK ||
        (status = mta_sts_aggregator_add_sts_policy(agg, policy, BYTES(DOMAIN), &policy_index)) !=
            MTA_STS_STATUS_OK) {
        mta_sts_aggregator_free(agg);
        mta_sts_delivery_plan_free(plan);
        mta_sts_policy_free(policy);
        return fail("aggregator", status);
    }
    mta_sts_policy_free(policy); /* the plan and the aggregator keep what they need */

    /* One traversal of the usual list, no pre-filtered second list (RFC 8461 §8.4). */
    size_t count = 0;
    int delivered = 0;
    mta_sts_delivery_plan_count(plan, &count);
    for (size_t i = 0; i < count && !delivered; i++) {
        mta_sts_str host;
        mta_sts_delivery_plan_host(plan, i, &host);
        mta_sts_failure *failure = NULL;
        mta_sts_delivery_plan_skip_before_connect(plan, i, &failure);
        if (failure != NULL) {
            mta_sts_str result_type, reason;
            mta_sts_failure_result_type_str(failure, &result_type);
            mta_sts_failure_reason_code(failure, &reason);
            printf("skip %.*s: TLS-RPT result-type %.*s, failure-reason-code %.*s\n", VIEW(host),
                   VIEW(result_type), VIEW(reason));
            record_failure(agg, policy_index, failure, host, "203.0.113.5");
            mta_sts_failure_free(failure);
            continue;
        }
        /* Connect, EHLO, STARTTLS, validate the certificate for `host`. */
        mta_sts_verdict verdict;
        status = mta_sts_delivery_plan_verdict(plan, i, starttls(host), NULL,
                                               MTA_STS_DANE_NOT_APPLICABLE, NULL, &verdict,
                                               &failure);
        if (status != MTA_STS_STATUS_OK) {
            fail("verdict", status);
            break;
        }
        if (failure != NULL) {
            mta_sts_str result_type;
            mta_sts_failure_result_type_str(failure, &result_type);
            printf("%s %.*s: TLS-RPT result-type %.*s\n",
                   verdict == MTA_STS_VERDICT_SKIP_AND_REPORT ? "skip" : "report", VIEW(host),
                   VIEW(result_type));
            record_failure(agg, policy_index, failure, host, "198.51.100.10");
            mta_sts_failure_free(failure);
        }
        if (verdict != MTA_STS_VERDICT_SKIP_AND_REPORT) {
            printf("deliver via %.*s\n", VIEW(host));
            if (verdict == MTA_STS_VERDICT_DELIVER) {
                mta_sts_aggregator_record_success(agg, policy_index);
            }
            delivered = 1;
        }
    }
    if (!delivered) {
        mta_sts_exhausted exhausted;
        mta_sts_delivery_plan_when_exhausted(plan, &exhausted);
        printf("defer%s\n", exhausted == MTA_STS_EXHAUSTED_DEFER_AND_CHECK_BEFORE_BOUNCE
                                ? ": never plaintext; mta_sts_lookup_before_bounce() before bouncing"
                                : "");
    }
    mta_sts_delivery_plan_free(plan);

    /* At the end of the UTC day: one report per policy domain. */
    mta_sts_rpt_meta meta = {
        .organization_name = {BYTES("Example Sender")},
        .contact_info = {BYTES("tlsrpt@sender.example")},
        .report_id_prefix = {BYTES("2026-11-28_")},
        .day = NOW,
    };
    mta_sts_report_list *reports = NULL;
    if ((status = mta_sts_aggregator_finish(agg, &meta, &reports)) != MTA_STS_STATUS_OK) {
        mta_sts_aggregator_free(agg);
        return fail("finish", status);
    }
    mta_sts_aggregator_free(agg);
    size_t reports_count = 0;
    mta_sts_report_list_count(reports, &reports_count);
    for (size_t i = 0; i < reports_count; i++) {
        mta_sts_report *rpt = NULL;
        if (mta_sts_report_list_get(reports, i, &rpt) != MTA_STS_STATUS_OK) {
            continue;
        }
        size_t name_len = 0;
        char name[512];
        status = mta_sts_report_file_name(rpt, NULL, 0, false, (uint8_t *)name, sizeof name,
                                          &name_len);
        if (status == MTA_STS_STATUS_OK) {
            printf("report file: %.*s\n", (int)name_len, name);
        } else {
            fail("report file name", status);
        }
        mta_sts_str json;
        mta_sts_report_json(rpt, &json);
        printf("report json: %.*s\n", VIEW(json));
        mta_sts_report_free(rpt);
    }
    mta_sts_report_list_free(reports);
    return 0;
}
