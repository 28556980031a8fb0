/*
 * The C API, function by function: RFC 8461 examples, error statuses, NULL
 * arguments, out-parameters left untouched on failure, views, _free(NULL).
 * Exits 0 when every check passes; prints each failed check.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "mta_sts.h"

/* RFC 8461 §3.2 example policy. */
static const char *RFC_POLICY = "version: STSv1\n"
                                "mode: enforce\n"
                                "mx: mail.example.com\n"
                                "mx: *.example.net\n"
                                "mx: backupmx.example.com\n"
                                "max_age: 604800\n";

static void test_status_strings(void) {
    CHECK(strcmp(mta_sts_status_str(MTA_STS_STATUS_OK), "success") == 0);
    CHECK(strcmp(mta_sts_status_str(MTA_STS_STATUS_NULL_PARAMETER),
                 "a pointer argument was NULL") == 0);
    CHECK(strcmp(mta_sts_status_str(999), "unknown status code") == 0);
    CHECK(strcmp(mta_sts_status_str(UINT32_MAX), "unknown status code") == 0);
    /* The ranges are part of the ABI. */
    CHECK(MTA_STS_STATUS_RECORD_TOO_LONG == 1000);
    CHECK(MTA_STS_STATUS_SELECT_NO_RECORD == 1100);
    CHECK(MTA_STS_STATUS_POLICY_TOO_LARGE == 1200);
    CHECK(MTA_STS_STATUS_MX_EMPTY == 1300);
    CHECK(strcmp(mta_sts_version(), MTA_STS_VERSION) == 0);
}

static void test_record_parse(void) {
    mta_sts_record *record = NULL;
    CHECK_STATUS(mta_sts_record_parse(BYTES("v=STSv1; id=20160831085700Z;"), &record),
                 MTA_STS_STATUS_OK);
    CHECK(record != NULL);
    mta_sts_str id = {NULL, 0};
    CHECK_STATUS(mta_sts_record_id(record, &id), MTA_STS_STATUS_OK);
    CHECK(str_eq(id, "20160831085700Z"));
    mta_sts_record_free(record);

    /* Failure: status names the reason, the out-parameter is untouched. */
    mta_sts_record *untouched = (mta_sts_record *)&failures;
    CHECK_STATUS(mta_sts_record_parse(BYTES("v=STSv1;"), &untouched),
                 MTA_STS_STATUS_RECORD_MISSING_ID);
    CHECK(untouched == (mta_sts_record *)&failures);
    CHECK_STATUS(mta_sts_record_parse(BYTES("v=STSv1; id=2016-08-31"), &untouched),
                 MTA_STS_STATUS_RECORD_INVALID_ID);
    CHECK_STATUS(mta_sts_record_parse(BYTES("v=spf1 -all"), &untouched),
                 MTA_STS_STATUS_RECORD_NOT_STS_RECORD);
    CHECK_STATUS(mta_sts_record_parse(BYTES("v=STSv1; id=\xc3\xa9"), &untouched),
                 MTA_STS_STATUS_RECORD_NOT_ASCII);
    CHECK(untouched == (mta_sts_record *)&failures);

    /* NULL arguments are statuses, not crashes. */
    CHECK_STATUS(mta_sts_record_parse(NULL, 5, &record), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_record_parse(BYTES("v=STSv1; id=1"), NULL),
                 MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_record_id(NULL, &id), MTA_STS_STATUS_NULL_PARAMETER);
    mta_sts_record_free(NULL);
}

static void test_record_select(void) {
    /* A resolver's RRset: an SPF record, and the MTA-STS record in two strings. */
    const mta_sts_bytes spf[] = {{BYTES("v=spf1 -all")}};
    const mta_sts_bytes sts[] = {{BYTES("v=STSv1; id=2016")}, {BYTES("0831085700Z;")}};
    const mta_sts_txt_record rrset[] = {{spf, 1}, {sts, 2}};
    mta_sts_record *record = NULL;
    CHECK_STATUS(mta_sts_record_select(rrset, 2, &record), MTA_STS_STATUS_OK);
    mta_sts_str id = {NULL, 0};
    CHECK_STATUS(mta_sts_record_id(record, &id), MTA_STS_STATUS_OK);
    CHECK(str_eq(id, "20160831085700Z"));
    mta_sts_record_free(record);

    const mta_sts_bytes other[] = {{BYTES("v=STSv1; id=2")}};
    const mta_sts_txt_record two[] = {{sts, 2}, {other, 1}};
    record = NULL;
    CHECK_STATUS(mta_sts_record_select(two, 2, &record),
                 MTA_STS_STATUS_SELECT_MULTIPLE_RECORDS);
    CHECK(record == NULL);
    CHECK_STATUS(mta_sts_record_select(rrset, 1, &record), MTA_STS_STATUS_SELECT_NO_RECORD);
    CHECK_STATUS(mta_sts_record_select(NULL, 0, &record), MTA_STS_STATUS_SELECT_NO_RECORD);
    CHECK_STATUS(mta_sts_record_select(NULL, 1, &record), MTA_STS_STATUS_NULL_PARAMETER);
    const mta_sts_txt_record broken[] = {{NULL, 1}};
    CHECK_STATUS(mta_sts_record_select(broken, 1, &record), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK(record == NULL);
}

static void test_policy(void) {
    mta_sts_policy *policy = NULL;
    CHECK_STATUS(mta_sts_policy_parse(BYTES(RFC_POLICY), &policy), MTA_STS_STATUS_OK);

    mta_sts_mode mode = 0;
    CHECK_STATUS(mta_sts_policy_mode(policy, &mode), MTA_STS_STATUS_OK);
    CHECK(mode == MTA_STS_MODE_ENFORCE);
    uint32_t max_age = 0;
    CHECK_STATUS(mta_sts_policy_max_age(policy, &max_age), MTA_STS_STATUS_OK);
    CHECK(max_age == 604800);

    size_t count = 0;
    CHECK_STATUS(mta_sts_policy_mx_count(policy, &count), MTA_STS_STATUS_OK);
    CHECK(count == 3);
    mta_sts_str pattern = {NULL, 0};
    CHECK_STATUS(mta_sts_policy_mx(policy, 1, &pattern), MTA_STS_STATUS_OK);
    CHECK(str_eq(pattern, "*.example.net"));
    mta_sts_str untouched = {"x", 1};
    CHECK_STATUS(mta_sts_policy_mx(policy, 3, &untouched), MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(str_eq(untouched, "x"));

    CHECK_STATUS(mta_sts_policy_lines_count(policy, &count), MTA_STS_STATUS_OK);
    CHECK(count == 6);
    mta_sts_str line = {NULL, 0};
    CHECK_STATUS(mta_sts_policy_line(policy, 5, &line), MTA_STS_STATUS_OK);
    CHECK(str_eq(line, "max_age: 604800"));
    CHECK_STATUS(mta_sts_policy_line(policy, 6, &line), MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(mta_sts_policy_warnings_count(policy, &count), MTA_STS_STATUS_OK);
    CHECK(count == 0);

    /* RFC 8461 §4.1 matching. */
    bool matches = false;
    CHECK_STATUS(mta_sts_policy_matches_mx(policy, BYTES("MAIL.example.com."), &matches),
                 MTA_STS_STATUS_OK);
    CHECK(matches);
    CHECK_STATUS(mta_sts_policy_matches_mx(policy, BYTES("mx1.example.net"), &matches),
                 MTA_STS_STATUS_OK);
    CHECK(matches);
    CHECK_STATUS(mta_sts_policy_matches_mx(policy, BYTES("a.b.example.net"), &matches),
                 MTA_STS_STATUS_OK);
    CHECK(!matches);
    CHECK_STATUS(mta_sts_policy_matches_mx(policy, BYTES("\xff"), &matches),
                 MTA_STS_STATUS_INVALID_UTF8);

    /* NULL arguments. */
    CHECK_STATUS(mta_sts_policy_mode(NULL, &mode), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_policy_mode(policy, NULL), MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_policy_matches_mx(policy, NULL, 3, &matches),
                 MTA_STS_STATUS_NULL_PARAMETER);
    CHECK_STATUS(mta_sts_policy_warning(policy, 0, NULL, &line), MTA_STS_STATUS_NULL_PARAMETER);
    mta_sts_policy_free(policy);
    mta_sts_policy_free(NULL);
}

static void test_policy_warnings_and_errors(void) {
    /* CRLF, a letter-case key and a trailing dot: accepted with warnings (docs/CONFORMANCE.md#d3, #d4, #d6). */
    const char *sloppy = "version: STSv1\r\n"
                         "Mode: testing\r\n"
                         "mx: mx.example.org.\r\n"
                         "max_age: 86400\r\n";
    mta_sts_policy *policy = NULL;
    CHECK_STATUS(mta_sts_policy_parse(BYTES(sloppy), &policy), MTA_STS_STATUS_OK);
    size_t count = 0;
    CHECK_STATUS(mta_sts_policy_warnings_count(policy, &count), MTA_STS_STATUS_OK);
    CHECK(count == 2);
    size_t line_no = 0;
    mta_sts_str message = {NULL, 0};
    for (size_t i = 0; i < count; i++) {
        CHECK_STATUS(mta_sts_policy_warning(policy, i, &line_no, &message), MTA_STS_STATUS_OK);
        CHECK(line_no == 2 || line_no == 3);
        CHECK(message.len > 0);
    }
    CHECK_STATUS(mta_sts_policy_warning(policy, 2, &line_no, &message),
                 MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    mta_sts_str line = {NULL, 0};
    CHECK_STATUS(mta_sts_policy_line(policy, 1, &line), MTA_STS_STATUS_OK);
    CHECK(str_eq(line, "Mode: testing")); /* as served, without CRLF */
    mta_sts_str pattern = {NULL, 0};
    CHECK_STATUS(mta_sts_policy_mx(policy, 0, &pattern), MTA_STS_STATUS_OK);
    CHECK(str_eq(pattern, "mx.example.org"));
    mta_sts_policy_free(policy);

    struct {
        const char *body;
        mta_sts_status expected;
    } bad[] = {
        {"version: STSv1\nmode: enforce\nmax_age: 1\n", MTA_STS_STATUS_POLICY_MISSING_MX},
        {"version: STSv1\nmode: block\nmx: a.b\nmax_age: 1\n", MTA_STS_STATUS_POLICY_UNKNOWN_MODE},
        {"version: STSv2\nmode: none\nmax_age: 1\n", MTA_STS_STATUS_POLICY_UNSUPPORTED_VERSION},
        {"version: STSv1\nmode: none\n", MTA_STS_STATUS_POLICY_MISSING_FIELD},
        {"version: STSv1\nmode: enforce\nmx: 192.0.2.1\nmax_age: 1\n",
         MTA_STS_STATUS_POLICY_INVALID_MX},
        {"<html>", MTA_STS_STATUS_POLICY_MISSING_COLON},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        policy = NULL;
        CHECK_STATUS(mta_sts_policy_parse(BYTES(bad[i].body), &policy), bad[i].expected);
        CHECK(policy == NULL);
    }
}

static void test_mx_pattern(void) {
    bool matches = false;
    CHECK_STATUS(mta_sts_mx_pattern_matches(BYTES("*.mail.example.com"),
                                            BYTES("mx1.mail.example.com"), &matches),
                 MTA_STS_STATUS_OK);
    CHECK(matches);
    CHECK_STATUS(mta_sts_mx_pattern_matches(BYTES("*.mail.example.com"),
                                            BYTES("mail.example.com"), &matches),
                 MTA_STS_STATUS_OK);
    CHECK(!matches);
    /* A U-label host is compared in A-labels. */
    CHECK_STATUS(mta_sts_mx_pattern_matches(BYTES("xn--bcher-kva.example"),
                                            BYTES("b\xc3\xbc" "cher.example"), &matches),
                 MTA_STS_STATUS_OK);
    CHECK(matches);
    matches = true;
    CHECK_STATUS(mta_sts_mx_pattern_matches(BYTES("*.*.example"), BYTES("a.b.example"),
                                            &matches),
                 MTA_STS_STATUS_MX_INVALID_WILDCARD);
    CHECK(matches); /* untouched */
    CHECK_STATUS(mta_sts_mx_pattern_matches(BYTES("a.example"), BYTES("a.example"), NULL),
                 MTA_STS_STATUS_NULL_PARAMETER);
}

static void test_check_mx_and_failure(void) {
    mta_sts_policy *policy = NULL;
    CHECK_STATUS(mta_sts_policy_parse(BYTES(RFC_POLICY), &policy), MTA_STS_STATUS_OK);

    mta_sts_failure *failure = (mta_sts_failure *)&failures;
    CHECK_STATUS(mta_sts_policy_check_mx(policy, BYTES("mail.example.com"), &failure),
                 MTA_STS_STATUS_OK);
    CHECK(failure == NULL); /* may be tried */

    CHECK_STATUS(mta_sts_policy_check_mx(policy, BYTES("mx.attacker.example"), &failure),
                 MTA_STS_STATUS_OK);
    CHECK(failure != NULL);
    mta_sts_result_type type = 0;
    CHECK_STATUS(mta_sts_failure_result_type(failure, &type), MTA_STS_STATUS_OK);
    CHECK(type == MTA_STS_RESULT_TYPE_VALIDATION_FAILURE);
    CHECK(strcmp(mta_sts_result_type_str(type), "validation-failure") == 0);
    mta_sts_str text = {NULL, 0};
    CHECK_STATUS(mta_sts_failure_result_type_str(failure, &text), MTA_STS_STATUS_OK);
    CHECK(str_eq(text, "validation-failure"));
    CHECK_STATUS(mta_sts_failure_reason_code(failure, &text), MTA_STS_STATUS_OK);
    CHECK(str_eq(text, "mtasts-policy-mx-mismatch"));
    mta_sts_failure_free(failure);
    mta_sts_failure_free(NULL);
    mta_sts_policy_free(policy);

    /* testing mode: the MX may be tried (the mismatch is reported after delivery). */
    CHECK_STATUS(mta_sts_policy_parse(BYTES("version: STSv1\nmode: testing\n"
                                            "mx: mail.example.com\nmax_age: 86400\n"),
                                      &policy),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_policy_check_mx(policy, BYTES("mx.attacker.example"), &failure),
                 MTA_STS_STATUS_OK);
    CHECK(failure == NULL);
    mta_sts_policy_free(policy);

    CHECK(strcmp(mta_sts_result_type_str(MTA_STS_RESULT_TYPE_STS_POLICY_FETCH_ERROR),
                 "sts-policy-fetch-error") == 0);
    CHECK(mta_sts_result_type_str(0) == NULL);
    CHECK(mta_sts_result_type_str(12) == NULL);
}

static void test_cache_entry(void) {
    const char *policy_text = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";
    mta_sts_cache_entry *entry = NULL;
    CHECK_STATUS(mta_sts_cache_entry_new(BYTES("Example.COM."), BYTES("20240101"),
                                         BYTES(policy_text), 1700000000u, &entry),
                 MTA_STS_STATUS_OK);
    mta_sts_str json = {NULL, 0};
    CHECK_STATUS(mta_sts_cache_entry_json(entry, &json), MTA_STS_STATUS_OK);
    CHECK(json.len > 0 && json.data[0] == '{');

    /* Store the JSON (here: a copy), free the entry, import the copy. */
    char stored[512];
    CHECK(json.len < sizeof stored);
    memcpy(stored, json.data, json.len);
    size_t stored_len = json.len;
    mta_sts_cache_entry_free(entry);

    mta_sts_cache_entry *loaded = NULL;
    CHECK_STATUS(mta_sts_cache_entry_from_json((const uint8_t *)stored, stored_len, &loaded),
                 MTA_STS_STATUS_OK);
    mta_sts_str text = {NULL, 0};
    CHECK_STATUS(mta_sts_cache_entry_domain(loaded, &text), MTA_STS_STATUS_OK);
    CHECK(str_eq(text, "example.com"));
    CHECK_STATUS(mta_sts_cache_entry_id(loaded, &text), MTA_STS_STATUS_OK);
    CHECK(str_eq(text, "20240101"));
    CHECK_STATUS(mta_sts_cache_entry_json(loaded, &text), MTA_STS_STATUS_OK);
    CHECK(text.len == stored_len && memcmp(text.data, stored, stored_len) == 0);
    uint64_t fetched_at = 0, expires_at = 0;
    CHECK_STATUS(mta_sts_cache_entry_times(loaded, &fetched_at, &expires_at), MTA_STS_STATUS_OK);
    CHECK(fetched_at == 1700000000u && expires_at == 1700086400u);
    bool valid = false;
    CHECK_STATUS(mta_sts_cache_entry_is_valid(loaded, 1700086399u, &valid), MTA_STS_STATUS_OK);
    CHECK(valid);
    CHECK_STATUS(mta_sts_cache_entry_is_valid(loaded, 1700086400u, &valid), MTA_STS_STATUS_OK);
    CHECK(!valid);

    mta_sts_policy *policy = NULL;
    CHECK_STATUS(mta_sts_cache_entry_policy(loaded, &policy), MTA_STS_STATUS_OK);
    mta_sts_cache_entry_free(loaded); /* the policy handle does not depend on it */
    bool matches = false;
    CHECK_STATUS(mta_sts_policy_matches_mx(policy, BYTES("mail.example.com"), &matches),
                 MTA_STS_STATUS_OK);
    CHECK(matches);
    mta_sts_policy_free(policy);

    /* Errors: typed, output untouched. */
    mta_sts_cache_entry *untouched = (mta_sts_cache_entry *)&failures;
    CHECK_STATUS(mta_sts_cache_entry_new(BYTES("[192.0.2.1]"), BYTES("1"), BYTES(policy_text), 0,
                                         &untouched),
                 MTA_STS_STATUS_DOMAIN_ADDRESS_LITERAL);
    CHECK_STATUS(mta_sts_cache_entry_new(BYTES("example.com"), BYTES("not-an-id"),
                                         BYTES(policy_text), 0, &untouched),
                 MTA_STS_STATUS_CACHE_INVALID_ID);
    CHECK_STATUS(mta_sts_cache_entry_from_json(BYTES("{\"format\":1"), &untouched),
                 MTA_STS_STATUS_CACHE_JSON_SYNTAX);
    CHECK_STATUS(mta_sts_cache_entry_from_json(BYTES("{\"format\":2}"), &untouched),
                 MTA_STS_STATUS_CACHE_RECORD_INVALID);
    CHECK(untouched == (mta_sts_cache_entry *)&failures);
    CHECK_STATUS(mta_sts_cache_entry_json(NULL, &text), MTA_STS_STATUS_NULL_PARAMETER);
    mta_sts_cache_entry_free(NULL);
}

int main(void) {
    test_status_strings();
    test_record_parse();
    test_record_select();
    test_policy();
    test_policy_warnings_and_errors();
    test_mx_pattern();
    test_check_mx_and_failure();
    test_cache_entry();
    if (failures != 0) {
        fprintf(stderr, "test_api: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_api: all checks passed\n");
    return 0;
}
