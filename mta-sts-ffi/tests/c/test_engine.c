/*
 * The discovery engine, the DNS wire helpers and the delivery decision through the C
 * API: every step kind, every outcome accessor, error statuses, NULL arguments,
 * out-parameters left untouched on failure, needed-length buffers, _free(NULL).
 * Exits 0 when every check passes; prints each failed check.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "mta_sts.h"

static const uint64_t NOW = 1700000000;
static const char *DOMAIN = "example.com";
static const char *POLICY = "version: STSv1\n"
                            "mode: enforce\n"
                            "mx: *.example.com\n"
                            "max_age: 86400\n";

/* ---- DNS wire format built by hand (RFC 1035 §4.1) ---- */

/* A response to `query`: its header id and question, `rcode`, and `count` answer
 * records of `rtype` owned by the question name (pointer 0xc00c). */
static size_t respond(const uint8_t *query, size_t query_len, uint8_t rcode, uint16_t rtype,
                      const uint8_t *const *rdata, const size_t *rdata_len, size_t count,
                      uint8_t *out) {
    size_t end = 12;
    while (end < query_len && query[end] != 0) {
        end += (size_t)query[end] + 1;
    }
    end += 1 + 4;
    size_t n = 0;
    out[n++] = query[0];
    out[n++] = query[1];
    out[n++] = 0x81; /* QR, RD */
    out[n++] = (uint8_t)(0x80 | rcode); /* RA */
    out[n++] = 0;
    out[n++] = 1; /* QDCOUNT */
    out[n++] = 0;
    out[n++] = (uint8_t)count; /* ANCOUNT */
    memset(out + n, 0, 4);
    n += 4;
    memcpy(out + n, query + 12, end - 12);
    n += end - 12;
    for (size_t i = 0; i < count; i++) {
        const uint8_t rr[] = {0xc0, 0x0c, (uint8_t)(rtype >> 8), (uint8_t)rtype, 0, 1, 0, 0, 1,
                              0x2c, (uint8_t)(rdata_len[i] >> 8), (uint8_t)rdata_len[i]};
        memcpy(out + n, rr, sizeof rr);
        n += sizeof rr;
        memcpy(out + n, rdata[i], rdata_len[i]);
        n += rdata_len[i];
    }
    return n;
}

static size_t build_query(const char *name, uint32_t type, uint16_t id, uint8_t *buf,
                          size_t buf_len) {
    size_t len = 0;
    CHECK_STATUS(mta_sts_dns_query_build(BYTES(name), type, id, buf, buf_len, &len),
                 MTA_STS_STATUS_OK);
    return len;
}

static void test_dns_query_and_txt_answer(void) {
    const char *name = "_mta-sts.example.com";
    uint8_t query[512];

    /* Needed-length semantics: (NULL, 0) asks for the size, a short buffer is untouched. */
    size_t needed = 0;
    CHECK_STATUS(mta_sts_dns_query_build(BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eed, NULL, 0,
                                         &needed),
                 MTA_STS_STATUS_BUFFER_TOO_SMALL);
    CHECK(needed > 12);
    uint8_t small[4] = {0xaa, 0xaa, 0xaa, 0xaa};
    size_t len = 0;
    CHECK_STATUS(mta_sts_dns_query_build(BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eed, small,
                                         sizeof small, &len),
                 MTA_STS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == needed && small[0] == 0xaa && small[3] == 0xaa);
    size_t query_len = build_query(name, MTA_STS_DNS_TYPE_TXT, 0x5eed, query, sizeof query);
    CHECK(query_len == needed && query[0] == 0x5e && query[1] == 0xed);

    /* An SPF record and the STS record split in two character-strings. */
    const uint8_t spf[] = "\x0bv=spf1 -all";
    const uint8_t sts[] = "\x10v=STSv1; id=2016\x0c"
                          "0831085700Z;";
    const uint8_t *rdata[] = {spf, sts};
    const size_t rdata_len[] = {sizeof spf - 1, sizeof sts - 1};
    uint8_t response[512];
    size_t response_len =
        respond(query, query_len, 0, 16, rdata, rdata_len, 2, response);

    mta_sts_dns_answer *answer = NULL;
    CHECK_STATUS(mta_sts_dns_response_parse(BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eed,
                                            response, response_len, &answer),
                 MTA_STS_STATUS_OK);
    mta_sts_dns_answer_kind kind = 0;
    CHECK_STATUS(mta_sts_dns_answer_get_kind(answer, &kind), MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_DNS_ANSWER_KIND_TXT);
    size_t count = 0;
    CHECK_STATUS(mta_sts_dns_answer_txt_count(answer, &count), MTA_STS_STATUS_OK);
    CHECK(count == 2);
    CHECK_STATUS(mta_sts_dns_answer_txt_strings_count(answer, 1, &count), MTA_STS_STATUS_OK);
    CHECK(count == 2);
    mta_sts_bytes string = {NULL, 0};
    CHECK_STATUS(mta_sts_dns_answer_txt_string(answer, 1, 0, &string), MTA_STS_STATUS_OK);
    CHECK(string.len == 16 && memcmp(string.data, "v=STSv1; id=2016", 16) == 0);
    mta_sts_bytes untouched = {NULL, 7};
    CHECK_STATUS(mta_sts_dns_answer_txt_string(answer, 2, 0, &untouched),
                 MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(untouched.data == NULL && untouched.len == 7);
    CHECK_STATUS(mta_sts_dns_answer_mx_count(answer, &count), MTA_STS_STATUS_OK);
    CHECK(count == 0);
    uint16_t rcode = 99;
    CHECK_STATUS(mta_sts_dns_answer_rcode(answer, &rcode), MTA_STS_STATUS_OK);
    CHECK(rcode == 0);
    mta_sts_dns_answer_free(answer);

    /* RFC 5452 §9.1: a message for another id or name is a mismatch: keep waiting. */
    mta_sts_dns_answer *none = NULL;
    mta_sts_status status = mta_sts_dns_response_parse(
        BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eee, response, response_len, &none);
    CHECK(status == MTA_STS_STATUS_DNS_RESPONSE_ID_MISMATCH);
    CHECK(mta_sts_dns_status_is_mismatch(status));
    status = mta_sts_dns_response_parse(BYTES("_mta-sts.example.net"), MTA_STS_DNS_TYPE_TXT,
                                        0x5eed, response, response_len, &none);
    CHECK(status == MTA_STS_STATUS_DNS_RESPONSE_QUESTION_MISMATCH);
    CHECK(mta_sts_dns_status_is_mismatch(status));
    /* A cut-off answer is unusable, not a mismatch: a temporary failure. */
    status = mta_sts_dns_response_parse(BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eed, response,
                                        response_len - 3, &none);
    CHECK(status == MTA_STS_STATUS_DNS_RESPONSE_MALFORMED);
    CHECK(!mta_sts_dns_status_is_mismatch(status));
    CHECK(none == NULL);

    /* SERVFAIL, NXDOMAIN and TC are answers. */
    response_len = respond(query, query_len, 2, 16, NULL, NULL, 0, response);
    CHECK_STATUS(mta_sts_dns_response_parse(BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eed,
                                            response, response_len, &answer),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_dns_answer_get_kind(answer, &kind), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_dns_answer_rcode(answer, &rcode), MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_DNS_ANSWER_KIND_TEMPORARY_FAILURE && rcode == 2);
    mta_sts_dns_answer_free(answer);
    response_len = respond(query, query_len, 3, 16, NULL, NULL, 0, response);
    CHECK_STATUS(mta_sts_dns_response_parse(BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eed,
                                            response, response_len, &answer),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_dns_answer_get_kind(answer, &kind), MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_DNS_ANSWER_KIND_NX_DOMAIN);
    mta_sts_dns_answer_free(answer);
    response[2] |= 0x02;
    CHECK_STATUS(mta_sts_dns_response_parse(BYTES(name), MTA_STS_DNS_TYPE_TXT, 0x5eed,
                                            response, response_len, &answer),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_dns_answer_get_kind(answer, &kind), MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_DNS_ANSWER_KIND_TRUNCATED);
    mta_sts_dns_answer_free(answer);

    /* Bad names and arguments. */
    len = 12345;
    CHECK_STATUS(mta_sts_dns_query_build(BYTES("a..b"), MTA_STS_DNS_TYPE_MX, 1, query,
                                         sizeof query, &len),
                 MTA_STS_STATUS_DNS_QUERY_EMPTY_LABEL);
    CHECK_STATUS(mta_sts_dns_query_build(BYTES("b\xc3\xbc" "cher.example"), MTA_STS_DNS_TYPE_MX,
                                         1, query, sizeof query, &len),
                 MTA_STS_STATUS_DNS_QUERY_NOT_ASCII);
    CHECK_STATUS(mta_sts_dns_query_build(BYTES("\xff"), MTA_STS_DNS_TYPE_MX, 1, query,
                                         sizeof query, &len),
                 MTA_STS_STATUS_INVALID_UTF8);
    CHECK_STATUS(mta_sts_dns_query_build(BYTES("example.com"), 1, 1, query, sizeof query, &len),
                 MTA_STS_STATUS_UNKNOWN_ENUM_VALUE);
    CHECK_STATUS(mta_sts_dns_query_build(NULL, 3, MTA_STS_DNS_TYPE_MX, 1, query, sizeof query,
                                         &len),
                 MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_dns_query_build(BYTES("example.com"), MTA_STS_DNS_TYPE_MX, 1, NULL, 9,
                                         &len),
                 MTA_STS_STATUS_NULL_PARAMETER);
    CHECK(len == 12345);
    CHECK_STATUS(mta_sts_dns_answer_get_kind(NULL, &kind), MTA_STS_STATUS_NULL_PARAMETER);
    mta_sts_dns_answer_free(NULL);
}

static void test_dns_mx_answer(void) {
    uint8_t query[512];
    size_t query_len = build_query(DOMAIN, MTA_STS_DNS_TYPE_MX, 7, query, sizeof query);
    const uint8_t mx2[] = "\x00\x14\x03mx2\x07" "example\x03" "com";  /* 20 mx2.example.com */
    const uint8_t mx1[] = "\x00\x0a\x04mail\x07" "example\x03" "com"; /* 10 mail.example.com */
    const uint8_t *rdata[] = {mx2, mx1};
    const size_t rdata_len[] = {sizeof mx2, sizeof mx1}; /* with the root label's 0 */
    uint8_t response[512];
    size_t response_len = respond(query, query_len, 0, 15, rdata, rdata_len, 2, response);
    mta_sts_dns_answer *answer = NULL;
    CHECK_STATUS(mta_sts_dns_response_parse(BYTES(DOMAIN), MTA_STS_DNS_TYPE_MX, 7, response,
                                            response_len, &answer),
                 MTA_STS_STATUS_OK);
    mta_sts_dns_answer_kind kind = 0;
    CHECK_STATUS(mta_sts_dns_answer_get_kind(answer, &kind), MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_DNS_ANSWER_KIND_MX);
    size_t count = 0;
    CHECK_STATUS(mta_sts_dns_answer_mx_count(answer, &count), MTA_STS_STATUS_OK);
    CHECK(count == 2);
    uint16_t preference = 0;
    mta_sts_str exchange = {NULL, 0};
    CHECK_STATUS(mta_sts_dns_answer_mx(answer, 0, &preference, &exchange), MTA_STS_STATUS_OK);
    CHECK(preference == 10 && str_eq(exchange, "mail.example.com"));
    CHECK_STATUS(mta_sts_dns_answer_mx(answer, 1, &preference, &exchange), MTA_STS_STATUS_OK);
    CHECK(preference == 20 && str_eq(exchange, "mx2.example.com"));
    CHECK_STATUS(mta_sts_dns_answer_mx(answer, 2, &preference, &exchange),
                 MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(preference == 20);
    mta_sts_dns_answer_free(answer);

    /* RFC 7505: only the null MX "0 ." */
    const uint8_t null_mx[] = {0, 0, 0};
    const uint8_t *null_rdata[] = {null_mx};
    const size_t null_len[] = {sizeof null_mx};
    response_len = respond(query, query_len, 0, 15, null_rdata, null_len, 1, response);
    CHECK_STATUS(mta_sts_dns_response_parse(BYTES(DOMAIN), MTA_STS_DNS_TYPE_MX, 7, response,
                                            response_len, &answer),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_dns_answer_get_kind(answer, &kind), MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_DNS_ANSWER_KIND_NULL_MX);
    mta_sts_dns_answer_free(answer);
}

static void test_dns_tcp(void) {
    uint8_t stream[64];
    size_t stream_len = 0;
    const char *messages[] = {"first", "second"};
    for (size_t i = 0; i < 2; i++) {
        size_t len = 0;
        CHECK_STATUS(mta_sts_dns_tcp_frame(BYTES(messages[i]), stream + stream_len,
                                           sizeof stream - stream_len, &len),
                     MTA_STS_STATUS_OK);
        stream_len += len;
    }
    CHECK(stream_len == 2 + 5 + 2 + 6 && stream[0] == 0 && stream[1] == 5);

    mta_sts_dns_tcp_decoder *decoder = NULL;
    CHECK_STATUS(mta_sts_dns_tcp_decoder_new(&decoder), MTA_STS_STATUS_OK);
    size_t got = 0;
    char out[16];
    /* Feed the stream three bytes at a time, as a socket might return it. */
    for (size_t at = 0; at < stream_len;) {
        size_t chunk = stream_len - at < 3 ? stream_len - at : 3;
        size_t used = 0;
        CHECK_STATUS(mta_sts_dns_tcp_decoder_push(decoder, stream + at, chunk, &used),
                     MTA_STS_STATUS_OK);
        at += used;
        size_t len = 0;
        mta_sts_status status =
            mta_sts_dns_tcp_decoder_take(decoder, (uint8_t *)out, sizeof out, &len);
        if (status == MTA_STS_STATUS_OK) {
            CHECK(got < 2 && len == strlen(messages[got]) &&
                  memcmp(out, messages[got], len) == 0);
            got++;
        } else {
            CHECK(status == MTA_STS_STATUS_DNS_TCP_INCOMPLETE);
        }
        if (used == 0 && status != MTA_STS_STATUS_OK) {
            break; /* would loop forever: a bug */
        }
    }
    CHECK(got == 2);
    size_t needed = 0;
    CHECK_STATUS(mta_sts_dns_tcp_decoder_needed(decoder, &needed), MTA_STS_STATUS_OK);
    CHECK(needed == 2);

    /* A message that does not fit is kept until a big enough buffer comes. */
    size_t used = 0;
    CHECK_STATUS(mta_sts_dns_tcp_decoder_push(decoder, stream, 7, &used), MTA_STS_STATUS_OK);
    size_t len = 0;
    uint8_t tiny[2];
    CHECK_STATUS(mta_sts_dns_tcp_decoder_take(decoder, tiny, sizeof tiny, &len),
                 MTA_STS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == 5);
    CHECK_STATUS(mta_sts_dns_tcp_decoder_take(decoder, (uint8_t *)out, sizeof out, &len),
                 MTA_STS_STATUS_OK);
    CHECK(len == 5 && memcmp(out, "first", 5) == 0);
    CHECK_STATUS(mta_sts_dns_tcp_decoder_push(NULL, stream, 1, &used),
                 MTA_STS_STATUS_NULL_PARAMETER);
    mta_sts_dns_tcp_decoder_free(decoder);
    mta_sts_dns_tcp_decoder_free(NULL);
}

/* ---- The engine ---- */

static mta_sts_step poll_step(const mta_sts_lookup *lookup) {
    mta_sts_step step;
    memset(&step, 0, sizeof step);
    CHECK_STATUS(mta_sts_lookup_poll(lookup, &step), MTA_STS_STATUS_OK);
    return step;
}

static mta_sts_status feed_txt(mta_sts_lookup *lookup, uint64_t now, const char *record) {
    const mta_sts_bytes strings[] = {{BYTES(record)}};
    const mta_sts_txt_record rrset[] = {{strings, 1}};
    return mta_sts_lookup_handle_txt(lookup, now, MTA_STS_TXT_ANSWER_KIND_RECORDS, rrset, 1);
}

static mta_sts_status feed_policy(mta_sts_lookup *lookup, uint16_t http_status,
                                  const char *content_type, const char *body) {
    return mta_sts_lookup_handle_fetch_response(
        lookup, NOW + 1, http_status, (const uint8_t *)content_type,
        content_type ? strlen(content_type) : 0, BYTES(body));
}

static mta_sts_outcome *finish(const mta_sts_lookup *lookup) {
    mta_sts_outcome *outcome = NULL;
    CHECK_STATUS(mta_sts_lookup_outcome(lookup, &outcome), MTA_STS_STATUS_OK);
    return outcome;
}

/* Checks the failure's result type and reason code, then frees it. */
static int failure_is(mta_sts_failure *failure, const char *type, const char *code) {
    if (failure == NULL) {
        return type == NULL;
    }
    mta_sts_str t = {NULL, 0}, c = {NULL, 0};
    CHECK_STATUS(mta_sts_failure_result_type_str(failure, &t), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_failure_reason_code(failure, &c), MTA_STS_STATUS_OK);
    int ok = type != NULL && str_eq(t, type) && str_eq(c, code);
    mta_sts_failure_free(failure);
    return ok;
}

static mta_sts_cache_entry *cached_entry(const char *id) {
    mta_sts_cache_entry *entry = NULL;
    CHECK_STATUS(mta_sts_cache_entry_new(BYTES(DOMAIN), BYTES(id), BYTES(POLICY), NOW - 10,
                                         &entry),
                 MTA_STS_STATUS_OK);
    return entry;
}

static void test_first_contact_through_dns_answer(void) {
    mta_sts_lookup *lookup = NULL;
    CHECK_STATUS(mta_sts_lookup_new(BYTES("Example.COM."), NULL, NOW, &lookup), MTA_STS_STATUS_OK);
    mta_sts_step step = poll_step(lookup);
    CHECK(step.kind == MTA_STS_STEP_KIND_QUERY_TXT);
    CHECK(str_eq(step.name, "_mta-sts.example.com"));

    uint8_t query[512], response[512];
    size_t query_len = build_query("_mta-sts.example.com", MTA_STS_DNS_TYPE_TXT, 42, query,
                                   sizeof query);
    const uint8_t sts[] = "\x0dv=STSv1; id=7";
    const uint8_t *rdata[] = {sts};
    const size_t rdata_len[] = {sizeof sts - 1};
    size_t response_len = respond(query, query_len, 0, 16, rdata, rdata_len, 1, response);
    mta_sts_dns_answer *answer = NULL;
    CHECK_STATUS(mta_sts_dns_response_parse((const uint8_t *)step.name.data,
                                            step.name.len, MTA_STS_DNS_TYPE_TXT, 42, response,
                                            response_len, &answer),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_lookup_handle_dns_answer(lookup, NOW, answer), MTA_STS_STATUS_OK);
    mta_sts_dns_answer_free(answer);

    step = poll_step(lookup);
    CHECK(step.kind == MTA_STS_STEP_KIND_FETCH_POLICY);
    CHECK(str_eq(step.url, "https://mta-sts.example.com/.well-known/mta-sts.txt"));
    CHECK(str_eq(step.host, "mta-sts.example.com"));
    CHECK(step.max_body_len == 65536);
    CHECK_STATUS(feed_policy(lookup, 200, NULL, POLICY), MTA_STS_STATUS_OK);
    CHECK(poll_step(lookup).kind == MTA_STS_STEP_KIND_DONE);

    mta_sts_outcome *outcome = finish(lookup);
    mta_sts_lookup_free(lookup);
    mta_sts_reason reason = 0;
    mta_sts_status problem = MTA_STS_STATUS_PANIC;
    CHECK_STATUS(mta_sts_outcome_reason(outcome, &reason), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_outcome_problem(outcome, &problem), MTA_STS_STATUS_OK);
    CHECK(reason == MTA_STS_REASON_FETCHED && problem == MTA_STS_STATUS_OK);
    mta_sts_cache_action action = 0;
    CHECK_STATUS(mta_sts_outcome_cache_action(outcome, &action), MTA_STS_STATUS_OK);
    CHECK(action == MTA_STS_CACHE_ACTION_STORE);
    mta_sts_cache_entry *entry = NULL;
    CHECK_STATUS(mta_sts_outcome_entry(outcome, &entry), MTA_STS_STATUS_OK);
    mta_sts_str id = {NULL, 0};
    CHECK_STATUS(mta_sts_cache_entry_id(entry, &id), MTA_STS_STATUS_OK);
    CHECK(str_eq(id, "7"));
    mta_sts_str json = {NULL, 0};
    CHECK_STATUS(mta_sts_cache_entry_json(entry, &json), MTA_STS_STATUS_OK);
    CHECK(json.len > 0 && json.data[0] == '{');
    mta_sts_cache_entry_free(entry);
    mta_sts_policy *policy = NULL;
    CHECK_STATUS(mta_sts_outcome_policy(outcome, &policy), MTA_STS_STATUS_OK);
    mta_sts_mode mode = 0;
    CHECK_STATUS(mta_sts_policy_mode(policy, &mode), MTA_STS_STATUS_OK);
    CHECK(mode == MTA_STS_MODE_ENFORCE);
    mta_sts_policy_free(policy);
    mta_sts_failure *report = (mta_sts_failure *)&failures;
    CHECK_STATUS(mta_sts_outcome_report(outcome, &report), MTA_STS_STATUS_OK);
    CHECK(report == NULL);
    mta_sts_backoff_action backoff_action = 0;
    mta_sts_backoff *backoff = (mta_sts_backoff *)&failures;
    CHECK_STATUS(mta_sts_outcome_backoff(outcome, &backoff_action, &backoff), MTA_STS_STATUS_OK);
    CHECK(backoff_action == MTA_STS_BACKOFF_ACTION_CLEAR && backoff == NULL);
    size_t warnings = 0;
    CHECK_STATUS(mta_sts_outcome_fetch_warnings_count(outcome, &warnings), MTA_STS_STATUS_OK);
    CHECK(warnings == 1);
    mta_sts_fetch_warning warning = 0;
    CHECK_STATUS(mta_sts_outcome_fetch_warning(outcome, 0, &warning), MTA_STS_STATUS_OK);
    CHECK(warning == MTA_STS_FETCH_WARNING_MISSING_CONTENT_TYPE);
    mta_sts_bounce_check check = 0;
    CHECK_STATUS(mta_sts_outcome_bounce_check(outcome, &check), MTA_STS_STATUS_OK);
    CHECK(check == MTA_STS_BOUNCE_CHECK_NOT_APPLICABLE);
    mta_sts_str text = {NULL, 0};
    CHECK_STATUS(mta_sts_outcome_reason_text(outcome, &text), MTA_STS_STATUS_OK);
    CHECK(str_eq(text, "policy fetched"));
    CHECK_STATUS(mta_sts_outcome_domain(outcome, &text), MTA_STS_STATUS_OK);
    CHECK(str_eq(text, "example.com"));
    mta_sts_outcome_free(outcome);
}

static void test_fallback_backoff_and_cached_id(void) {
    mta_sts_cache_entry *entry = cached_entry("1");

    /* Same id as the valid cache: no fetch. */
    mta_sts_lookup *lookup = NULL;
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), entry, NOW, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=1"), MTA_STS_STATUS_OK);
    CHECK(poll_step(lookup).kind == MTA_STS_STEP_KIND_DONE);
    mta_sts_outcome *outcome = finish(lookup);
    mta_sts_reason reason = 0;
    CHECK_STATUS(mta_sts_outcome_reason(outcome, &reason), MTA_STS_STATUS_OK);
    CHECK(reason == MTA_STS_REASON_CACHED_ID_UNCHANGED);
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);

    /* New id, fetch answers 404: the cached policy stays, the failure is reported, and
     * the same id is not fetched again for five minutes. */
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), entry, NOW, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=2"), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_policy(lookup, 404, "text/html", "gone"), MTA_STS_STATUS_OK);
    outcome = finish(lookup);
    mta_sts_lookup_free(lookup);
    mta_sts_status problem = MTA_STS_STATUS_OK;
    CHECK_STATUS(mta_sts_outcome_reason(outcome, &reason), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_outcome_problem(outcome, &problem), MTA_STS_STATUS_OK);
    CHECK(reason == MTA_STS_REASON_CACHED_FALLBACK);
    CHECK(problem == MTA_STS_STATUS_FETCH_HTTP_STATUS);
    mta_sts_failure *report = NULL;
    CHECK_STATUS(mta_sts_outcome_report(outcome, &report), MTA_STS_STATUS_OK);
    CHECK(failure_is(report, "sts-policy-fetch-error", "http-status-404"));
    mta_sts_backoff_action action = 0;
    mta_sts_backoff *backoff = NULL;
    CHECK_STATUS(mta_sts_outcome_backoff(outcome, &action, &backoff), MTA_STS_STATUS_OK);
    CHECK(action == MTA_STS_BACKOFF_ACTION_SET && backoff != NULL);
    mta_sts_outcome_free(outcome);
    mta_sts_str id = {NULL, 0};
    uint64_t until = 0;
    CHECK_STATUS(mta_sts_backoff_id(backoff, &id), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_backoff_until(backoff, &until), MTA_STS_STATUS_OK);
    CHECK(str_eq(id, "2") && until == NOW + 1 + 300);
    mta_sts_failure *again = NULL;
    CHECK_STATUS(mta_sts_backoff_failure(backoff, &again), MTA_STS_STATUS_OK);
    CHECK(failure_is(again, "sts-policy-fetch-error", "http-status-404"));

    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), entry, NOW + 60, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_lookup_set_backoff(lookup, backoff), MTA_STS_STATUS_OK);
    mta_sts_backoff_free(backoff);
    CHECK_STATUS(feed_txt(lookup, NOW + 60, "v=STSv1; id=2"), MTA_STS_STATUS_OK);
    CHECK(poll_step(lookup).kind == MTA_STS_STEP_KIND_DONE);
    outcome = finish(lookup);
    CHECK_STATUS(mta_sts_outcome_problem(outcome, &problem), MTA_STS_STATUS_OK);
    CHECK(problem == MTA_STS_STATUS_DISCOVERY_FETCH_BACKOFF);
    CHECK_STATUS(mta_sts_lookup_set_backoff(lookup, NULL), MTA_STS_STATUS_LOOKUP_WRONG_STEP);
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);
    mta_sts_cache_entry_free(entry);
}

static void test_failures_without_cache(void) {
    /* DNS temporary failure without a cache (docs/CONFORMANCE.md#d13). */
    mta_sts_lookup *lookup = NULL;
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), NULL, NOW, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_lookup_handle_txt(lookup, NOW, MTA_STS_TXT_ANSWER_KIND_TEMPORARY_FAILURE,
                                           NULL, 0),
                 MTA_STS_STATUS_OK);
    mta_sts_outcome *outcome = finish(lookup);
    bool temporary = false;
    CHECK_STATUS(mta_sts_outcome_is_temporary_failure(outcome, &temporary), MTA_STS_STATUS_OK);
    CHECK(temporary);
    mta_sts_policy *policy = (mta_sts_policy *)&failures;
    CHECK_STATUS(mta_sts_outcome_policy(outcome, &policy), MTA_STS_STATUS_OK);
    CHECK(policy == NULL);
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);

    /* Transport errors and TLS failures of the fetch, classified for TLS-RPT. */
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), NULL, NOW, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=1"), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_lookup_handle_fetch_error(lookup, NOW, 99),
                 MTA_STS_STATUS_UNKNOWN_ENUM_VALUE);
    CHECK_STATUS(mta_sts_lookup_handle_fetch_error(lookup, NOW, MTA_STS_TRANSPORT_ERROR_TIMEOUT),
                 MTA_STS_STATUS_OK);
    outcome = finish(lookup);
    mta_sts_failure *report = NULL;
    CHECK_STATUS(mta_sts_outcome_report(outcome, &report), MTA_STS_STATUS_OK);
    CHECK(failure_is(report, "sts-policy-fetch-error", "policy-fetch-timeout"));
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);

    mta_sts_failure *expired = NULL;
    CHECK_STATUS(mta_sts_failure_new(MTA_STS_RESULT_TYPE_CERTIFICATE_EXPIRED, BYTES("cert-expired"),
                                     &expired),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), NULL, NOW, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=1"), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_lookup_handle_fetch_tls_failure(lookup, NOW, expired), MTA_STS_STATUS_OK);
    mta_sts_failure_free(expired);
    outcome = finish(lookup);
    CHECK_STATUS(mta_sts_outcome_report(outcome, &report), MTA_STS_STATUS_OK);
    CHECK(failure_is(report, "sts-webpki-invalid", "cert-expired"));
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);

    /* An invalid policy body: its own status, sts-policy-invalid. */
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), NULL, NOW, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=1"), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_policy(lookup, 200, "text/plain", "version: STSv1\nmode: enforce\n"),
                 MTA_STS_STATUS_OK);
    outcome = finish(lookup);
    mta_sts_status problem = MTA_STS_STATUS_OK;
    CHECK_STATUS(mta_sts_outcome_problem(outcome, &problem), MTA_STS_STATUS_OK);
    CHECK(problem == MTA_STS_STATUS_POLICY_MISSING_FIELD);
    CHECK_STATUS(mta_sts_outcome_report(outcome, &report), MTA_STS_STATUS_OK);
    CHECK(failure_is(report, "sts-policy-invalid", ""));
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);
}

static void test_refresh_and_before_bounce(void) {
    mta_sts_cache_entry *entry = cached_entry("1");
    mta_sts_lookup *lookup = NULL;
    CHECK_STATUS(mta_sts_lookup_refresh(entry, NOW, &lookup), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_lookup_handle_txt(lookup, NOW, MTA_STS_TXT_ANSWER_KIND_NX_DOMAIN, NULL, 0),
                 MTA_STS_STATUS_OK);
    CHECK(poll_step(lookup).kind == MTA_STS_STEP_KIND_FETCH_POLICY);
    CHECK_STATUS(mta_sts_lookup_handle_fetch_error(lookup, NOW, MTA_STS_TRANSPORT_ERROR_CONNECT),
                 MTA_STS_STATUS_OK);
    mta_sts_outcome *outcome = finish(lookup);
    mta_sts_cache_action action = 0;
    CHECK_STATUS(mta_sts_outcome_cache_action(outcome, &action), MTA_STS_STATUS_OK);
    CHECK(action == MTA_STS_CACHE_ACTION_KEEP);
    mta_sts_failure *alert = NULL;
    CHECK_STATUS(mta_sts_outcome_report(outcome, &alert), MTA_STS_STATUS_OK);
    CHECK(failure_is(alert, "sts-policy-fetch-error", "policy-host-connect-error"));
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);

    CHECK_STATUS(mta_sts_lookup_before_bounce(BYTES(DOMAIN), entry, BYTES("1"), NOW, &lookup),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=2"), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_policy(lookup, 200, "text/plain", POLICY), MTA_STS_STATUS_OK);
    outcome = finish(lookup);
    mta_sts_bounce_check check = 0;
    CHECK_STATUS(mta_sts_outcome_bounce_check(outcome, &check), MTA_STS_STATUS_OK);
    CHECK(check == MTA_STS_BOUNCE_CHECK_RETRY_WITH_NEW_POLICY);
    mta_sts_outcome_free(outcome);
    mta_sts_lookup_free(lookup);
    mta_sts_cache_entry_free(entry);
}

static void test_engine_misuse(void) {
    mta_sts_lookup *untouched = (mta_sts_lookup *)&failures;
    CHECK_STATUS(mta_sts_lookup_new(BYTES("[192.0.2.1]"), NULL, NOW, &untouched),
                 MTA_STS_STATUS_DOMAIN_ADDRESS_LITERAL);
    CHECK_STATUS(mta_sts_lookup_new(BYTES("\xff.example"), NULL, NOW, &untouched),
                 MTA_STS_STATUS_INVALID_UTF8);
    CHECK_STATUS(mta_sts_lookup_new(NULL, 3, NULL, NOW, &untouched), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_lookup_refresh(NULL, NOW, &untouched), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK(untouched == (mta_sts_lookup *)&failures);
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), NULL, NOW, NULL), MTA_STS_STATUS_NULL_PARAMETER);

    mta_sts_lookup *lookup = NULL;
    CHECK_STATUS(mta_sts_lookup_new(BYTES(DOMAIN), NULL, NOW, &lookup), MTA_STS_STATUS_OK);
    mta_sts_outcome *outcome = (mta_sts_outcome *)&failures;
    CHECK_STATUS(mta_sts_lookup_outcome(lookup, &outcome), MTA_STS_STATUS_LOOKUP_NOT_DONE);
    CHECK(outcome == (mta_sts_outcome *)&failures);
    CHECK_STATUS(feed_policy(lookup, 200, NULL, POLICY), MTA_STS_STATUS_LOOKUP_WRONG_STEP);
    CHECK_STATUS(mta_sts_lookup_handle_txt(lookup, NOW, 0, NULL, 0),
                 MTA_STS_STATUS_UNKNOWN_ENUM_VALUE);
    CHECK_STATUS(mta_sts_lookup_handle_txt(lookup, NOW, MTA_STS_TXT_ANSWER_KIND_RECORDS, NULL, 2),
                 MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_lookup_handle_dns_answer(lookup, NOW, NULL), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK(poll_step(lookup).kind == MTA_STS_STEP_KIND_QUERY_TXT);
    CHECK_STATUS(mta_sts_lookup_set_fetch_options(lookup, true, 100), MTA_STS_STATUS_OK);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=1"), MTA_STS_STATUS_OK);
    CHECK(poll_step(lookup).max_body_len == 100);
    CHECK_STATUS(feed_txt(lookup, NOW, "v=STSv1; id=1"), MTA_STS_STATUS_LOOKUP_WRONG_STEP);
    CHECK_STATUS(mta_sts_lookup_poll(lookup, NULL), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_lookup_poll(NULL, NULL), MTA_STS_STATUS_NULL_PARAMETER);
    mta_sts_lookup_free(lookup);
    mta_sts_lookup_free(NULL);
    mta_sts_outcome_free(NULL);
    mta_sts_backoff_free(NULL);
    mta_sts_reason reason = 0;
    CHECK_STATUS(mta_sts_outcome_reason(NULL, &reason), MTA_STS_STATUS_NULL_PARAMETER);
}

/* ---- The delivery decision ---- */

static mta_sts_delivery_plan *plan_for(const char *mode, const char *const *hosts, size_t n) {
    char body[256];
    snprintf(body, sizeof body,
             "version: STSv1\nmode: %s\nmx: *.example.com\nmax_age: 86400\n", mode);
    mta_sts_policy *policy = NULL;
    CHECK_STATUS(mta_sts_policy_parse(BYTES(body), &policy), MTA_STS_STATUS_OK);
    mta_sts_bytes list[8];
    for (size_t i = 0; i < n; i++) {
        list[i].data = (const uint8_t *)hosts[i];
        list[i].len = strlen(hosts[i]);
    }
    mta_sts_delivery_plan *plan = NULL;
    CHECK_STATUS(mta_sts_delivery_plan_new(policy, list, n, &plan), MTA_STS_STATUS_OK);
    mta_sts_policy_free(policy); /* the plan keeps its own copy */
    return plan;
}

static mta_sts_verdict verdict_of(const mta_sts_delivery_plan *plan, size_t index, uint32_t tls,
                                  const mta_sts_failure *tls_failure, uint32_t dane,
                                  const mta_sts_failure *dane_failure, mta_sts_failure **failure) {
    mta_sts_verdict verdict = 0;
    CHECK_STATUS(mta_sts_delivery_plan_verdict(plan, index, tls, tls_failure, dane, dane_failure,
                                               &verdict, failure),
                 MTA_STS_STATUS_OK);
    return verdict;
}

static void test_delivery(void) {
    const char *hosts[] = {"evil.example", "mx1.example.com"};
    mta_sts_delivery_plan *plan = plan_for("enforce", hosts, 2);
    mta_sts_enforcement level = 0;
    CHECK_STATUS(mta_sts_delivery_plan_enforcement(plan, &level), MTA_STS_STATUS_OK);
    CHECK(level == MTA_STS_ENFORCEMENT_ENFORCE);
    size_t count = 0;
    CHECK_STATUS(mta_sts_delivery_plan_count(plan, &count), MTA_STS_STATUS_OK);
    CHECK(count == 2);
    mta_sts_str view = {NULL, 0};
    CHECK_STATUS(mta_sts_delivery_plan_host(plan, 1, &view), MTA_STS_STATUS_OK);
    CHECK(str_eq(view, "mx1.example.com"));
    CHECK_STATUS(mta_sts_delivery_plan_matched_pattern(plan, 1, &view), MTA_STS_STATUS_OK);
    CHECK(str_eq(view, "*.example.com"));
    CHECK_STATUS(mta_sts_delivery_plan_matched_pattern(plan, 0, &view), MTA_STS_STATUS_OK);
    CHECK(view.len == 0 && view.data != NULL);

    mta_sts_failure *failure = NULL;
    CHECK_STATUS(mta_sts_delivery_plan_skip_before_connect(plan, 0, &failure), MTA_STS_STATUS_OK);
    CHECK(failure_is(failure, "validation-failure", "mtasts-policy-mx-mismatch"));
    CHECK_STATUS(mta_sts_delivery_plan_skip_before_connect(plan, 1, &failure), MTA_STS_STATUS_OK);
    CHECK(failure == NULL);
    CHECK(verdict_of(plan, 1, MTA_STS_TLS_OUTCOME_VERIFIED, NULL, MTA_STS_DANE_NOT_APPLICABLE,
                     NULL, &failure) == MTA_STS_VERDICT_DELIVER);
    CHECK(failure == NULL);
    CHECK(verdict_of(plan, 1, MTA_STS_TLS_OUTCOME_STARTTLS_NOT_OFFERED, NULL,
                     MTA_STS_DANE_NOT_APPLICABLE, NULL, &failure) == MTA_STS_VERDICT_SKIP_AND_REPORT);
    CHECK(failure_is(failure, "starttls-not-supported", ""));
    mta_sts_failure *mismatch = NULL;
    CHECK_STATUS(mta_sts_failure_new(MTA_STS_RESULT_TYPE_CERTIFICATE_HOST_MISMATCH,
                                     BYTES("hostname-mismatch"), &mismatch),
                 MTA_STS_STATUS_OK);
    CHECK(verdict_of(plan, 1, MTA_STS_TLS_OUTCOME_CERTIFICATE_INVALID, mismatch,
                     MTA_STS_DANE_NOT_APPLICABLE, NULL, &failure) == MTA_STS_VERDICT_SKIP_AND_REPORT);
    CHECK(failure_is(failure, "certificate-host-mismatch", "hostname-mismatch"));
    /* DANE takes precedence: a DANE-verified server gets the message anyway. */
    CHECK(verdict_of(plan, 1, MTA_STS_TLS_OUTCOME_CERTIFICATE_INVALID, mismatch,
                     MTA_STS_DANE_VERIFIED, NULL, &failure) == MTA_STS_VERDICT_DELIVER);
    mta_sts_failure *tlsa = NULL;
    CHECK_STATUS(mta_sts_failure_new(MTA_STS_RESULT_TYPE_TLSA_INVALID, NULL, 0, &tlsa),
                 MTA_STS_STATUS_OK);
    CHECK(verdict_of(plan, 1, MTA_STS_TLS_OUTCOME_VERIFIED, NULL, MTA_STS_DANE_FAILED, tlsa,
                     &failure) == MTA_STS_VERDICT_SKIP_AND_REPORT);
    CHECK(failure_is(failure, "tlsa-invalid", ""));
    mta_sts_exhausted exhausted = 0;
    CHECK_STATUS(mta_sts_delivery_plan_when_exhausted(plan, &exhausted), MTA_STS_STATUS_OK);
    CHECK(exhausted == MTA_STS_EXHAUSTED_DEFER_AND_CHECK_BEFORE_BOUNCE);

    /* Bad arguments leave the outputs alone. */
    mta_sts_verdict verdict = MTA_STS_VERDICT_DELIVER_AND_REPORT;
    failure = (mta_sts_failure *)&failures;
    CHECK_STATUS(mta_sts_delivery_plan_verdict(plan, 2, MTA_STS_TLS_OUTCOME_VERIFIED, NULL,
                                               MTA_STS_DANE_NOT_APPLICABLE, NULL, &verdict,
                                               &failure),
                 MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(mta_sts_delivery_plan_verdict(plan, 1, MTA_STS_TLS_OUTCOME_CERTIFICATE_INVALID,
                                               NULL, MTA_STS_DANE_NOT_APPLICABLE, NULL, &verdict,
                                               &failure),
                 MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_delivery_plan_verdict(plan, 1, 77, NULL, MTA_STS_DANE_NOT_APPLICABLE,
                                               NULL, &verdict, &failure),
                 MTA_STS_STATUS_UNKNOWN_ENUM_VALUE);
    CHECK(verdict == MTA_STS_VERDICT_DELIVER_AND_REPORT && failure == (mta_sts_failure *)&failures);
    mta_sts_failure_free(mismatch);
    mta_sts_failure_free(tlsa);
    mta_sts_delivery_plan_free(plan);

    /* testing: deliver and report. */
    plan = plan_for("testing", hosts, 2);
    CHECK(verdict_of(plan, 0, MTA_STS_TLS_OUTCOME_VERIFIED, NULL, MTA_STS_DANE_NOT_APPLICABLE,
                     NULL, &failure) == MTA_STS_VERDICT_DELIVER_AND_REPORT);
    CHECK(failure_is(failure, "validation-failure", "mtasts-policy-mx-mismatch"));
    CHECK_STATUS(mta_sts_delivery_plan_when_exhausted(plan, &exhausted), MTA_STS_STATUS_OK);
    CHECK(exhausted == MTA_STS_EXHAUSTED_DEFER);
    mta_sts_delivery_plan_free(plan);

    /* No policy: MTA-STS applies nothing. */
    const mta_sts_bytes list[] = {{BYTES("evil.example")}};
    CHECK_STATUS(mta_sts_delivery_plan_new(NULL, list, 1, &plan), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_delivery_plan_enforcement(plan, &level), MTA_STS_STATUS_OK);
    CHECK(level == MTA_STS_ENFORCEMENT_NONE);
    CHECK(verdict_of(plan, 0, MTA_STS_TLS_OUTCOME_STARTTLS_NOT_OFFERED, NULL,
                     MTA_STS_DANE_NOT_APPLICABLE, NULL, &failure) == MTA_STS_VERDICT_DELIVER);
    CHECK(failure == NULL);
    mta_sts_delivery_plan_free(plan);

    const mta_sts_bytes bad[] = {{BYTES("\xff")}};
    mta_sts_delivery_plan *untouched = (mta_sts_delivery_plan *)&failures;
    CHECK_STATUS(mta_sts_delivery_plan_new(NULL, bad, 1, &untouched), MTA_STS_STATUS_INVALID_UTF8);
    CHECK_STATUS(mta_sts_delivery_plan_new(NULL, NULL, 1, &untouched),
                 MTA_STS_STATUS_NULL_PARAMETER);
    CHECK(untouched == (mta_sts_delivery_plan *)&failures);
    mta_sts_failure *no_failure = (mta_sts_failure *)&failures;
    CHECK_STATUS(mta_sts_failure_new(99, NULL, 0, &no_failure), MTA_STS_STATUS_UNKNOWN_ENUM_VALUE);
    CHECK(no_failure == (mta_sts_failure *)&failures);
    mta_sts_delivery_plan_free(NULL);
}

static void test_error_positions(void) {
    size_t line = 99;
    CHECK_STATUS(mta_sts_policy_error_line(BYTES("version: STSv1\nmode: enforce\nmx: -x-\n"), &line),
                 MTA_STS_STATUS_OK);
    CHECK(line == 3);
    CHECK_STATUS(mta_sts_policy_error_line(BYTES(POLICY), &line), MTA_STS_STATUS_OK);
    CHECK(line == 0);
    bool has = false;
    size_t offset = 99;
    CHECK_STATUS(mta_sts_record_error_offset(BYTES("v=STSv1; id=1 x"), &has, &offset),
                 MTA_STS_STATUS_OK);
    CHECK(has && offset == 14);
    CHECK_STATUS(mta_sts_record_error_offset(BYTES("v=STSv1;"), &has, &offset), MTA_STS_STATUS_OK);
    CHECK(!has && offset == 0);
    CHECK_STATUS(mta_sts_policy_error_line(NULL, 1, &line), MTA_STS_STATUS_NULL_PARAMETER);
}

static void test_status_ranges(void) {
    CHECK(MTA_STS_STATUS_LOOKUP_WRONG_STEP == 1700);
    CHECK(MTA_STS_STATUS_DNS_QUERY_EMPTY_NAME == 1800);
    CHECK(MTA_STS_STATUS_DNS_RESPONSE_TOO_SHORT == 1900);
    CHECK(MTA_STS_STATUS_FETCH_CERTIFICATE_INVALID == 2000);
    CHECK(MTA_STS_STATUS_DISCOVERY_DNS_TEMPORARY_FAILURE == 2100);
    CHECK(strcmp(mta_sts_status_str(MTA_STS_STATUS_LOOKUP_NOT_DONE), "lookup: not finished yet") ==
          0);
    CHECK(MTA_STS_DNS_TYPE_MX == 15 && MTA_STS_DNS_TYPE_TXT == 16);
}

int main(void) {
    test_dns_query_and_txt_answer();
    test_dns_mx_answer();
    test_dns_tcp();
    test_first_contact_through_dns_answer();
    test_fallback_backoff_and_cached_id();
    test_failures_without_cache();
    test_refresh_and_before_bounce();
    test_engine_misuse();
    test_delivery();
    test_error_positions();
    test_status_ranges();
    if (failures != 0) {
        fprintf(stderr, "test_engine: %d checks failed\n", failures);
        return 1;
    }
    printf("test_engine: all checks passed\n");
    return 0;
}
