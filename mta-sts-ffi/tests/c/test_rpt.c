/*
 * The TLS-RPT C API (RFC 8460): the _smtp._tls record, the aggregator (record,
 * merge, export/import, finish), the report's delivery formats (JSON, gzip, file
 * name, e-mail, HTTPS POST) and intake (strict, lenient, file, e-mail), with error
 * statuses, NULL arguments, needed-length buffers and outputs left untouched on
 * failure. Every handle is freed (ASan/LSan and valgrind check it).
 * Exits 0 when every check passes; prints each failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mta_sts.h"

static mta_sts_bytes text(const char *s) {
    mta_sts_bytes b = {(const uint8_t *)s, strlen(s)};
    return b;
}

/* Whether `needle` occurs in the `len` bytes at `hay`. */
static int contains(const void *hay, size_t len, const char *needle) {
    size_t n = strlen(needle);
    const char *h = hay;
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        if (memcmp(h + i, needle, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char *POLICY = "version: STSv1\r\n"
                            "mode: enforce\r\n"
                            "mx: mail.example.com\r\n"
                            "max_age: 604800\r\n";

/* 2026-11-28T12:00:00Z. */
static const uint64_t NOON = 1795867200u;

static void test_status_ranges(void) {
    CHECK(MTA_STS_STATUS_BUFFER_TOO_SMALL == 8);
    CHECK(MTA_STS_STATUS_RPT_RECORD_NOT_TLS_RPT == 3000);
    CHECK(MTA_STS_STATUS_RPT_SELECT_NO_RECORD == 3100);
    CHECK(MTA_STS_STATUS_RPT_AGGREGATOR_UNKNOWN_POLICY == 3200);
    CHECK(MTA_STS_STATUS_RPT_REPORT_TOO_LARGE == 3300);
    CHECK(MTA_STS_STATUS_RPT_DELIVER_NO_SUBMITTER_DOMAIN == 3400);
    CHECK(MTA_STS_STATUS_RPT_INTAKE_GZIP == 3500);
    CHECK(strcmp(mta_sts_status_str(MTA_STS_STATUS_RPT_SELECT_NO_RECORD),
                 "no TLS-RPT TXT record") == 0);
}

static void test_rpt_record(void) {
    mta_sts_rpt_record *record = NULL;
    CHECK_STATUS(mta_sts_rpt_record_parse(
                     BYTES("v=TLSRPTv1; rua=mailto:tlsrpt@example.com,"
                           "https://r.example.com/v1,http://old.example/"),
                     &record),
                 MTA_STS_STATUS_OK);
    size_t n = 0;
    CHECK_STATUS(mta_sts_rpt_record_rua_count(record, &n), MTA_STS_STATUS_OK);
    CHECK(n == 2);
    mta_sts_rpt_uri_scheme scheme = MTA_STS_RPT_URI_SCHEME_OTHER;
    mta_sts_str uri, address;
    CHECK_STATUS(mta_sts_rpt_record_rua(record, 0, &scheme, &uri, &address),
                 MTA_STS_STATUS_OK);
    CHECK(scheme == MTA_STS_RPT_URI_SCHEME_MAILTO);
    CHECK(str_eq(address, "tlsrpt@example.com"));
    CHECK_STATUS(mta_sts_rpt_record_rua(record, 1, &scheme, &uri, &address),
                 MTA_STS_STATUS_OK);
    CHECK(scheme == MTA_STS_RPT_URI_SCHEME_HTTPS);
    CHECK(str_eq(uri, "https://r.example.com/v1") && address.len == 0);
    CHECK_STATUS(mta_sts_rpt_record_rua(record, 2, &scheme, &uri, &address),
                 MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(mta_sts_rpt_record_warnings_count(record, &n), MTA_STS_STATUS_OK);
    CHECK(n == 1);
    mta_sts_rpt_record_warning_kind kind = MTA_STS_RPT_RECORD_WARNING_KIND_OTHER;
    mta_sts_str message;
    CHECK_STATUS(mta_sts_rpt_record_warning(record, 0, &kind, &message), MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_RPT_RECORD_WARNING_KIND_URI_DROPPED);
    CHECK(contains(message.data, message.len, "http://old.example/"));
    CHECK_STATUS(mta_sts_rpt_record_extensions_count(record, &n), MTA_STS_STATUS_OK);
    CHECK(n == 0);
    mta_sts_rpt_record_free(record);

    /* Failures leave the output alone. */
    mta_sts_rpt_record *untouched = (mta_sts_rpt_record *)&failures;
    CHECK_STATUS(mta_sts_rpt_record_parse(BYTES("v=TLSRPTv1; ext=1"), &untouched),
                 MTA_STS_STATUS_RPT_RECORD_MISSING_RUA);
    CHECK(untouched == (mta_sts_rpt_record *)&failures);
    CHECK_STATUS(mta_sts_rpt_record_parse(NULL, 4, &record), MTA_STS_STATUS_NULL_PARAMETER);

    /* RRset selection joins character-strings without separator. */
    mta_sts_bytes spf[] = {{(const uint8_t *)"v=spf1 -all", 11}};
    mta_sts_bytes rpt[] = {{(const uint8_t *)"v=TLSRPTv1; rua=mai", 19},
                           {(const uint8_t *)"lto:r@example.net", 17}};
    mta_sts_txt_record rrset[] = {{spf, 1}, {rpt, 2}};
    CHECK_STATUS(mta_sts_rpt_record_select(rrset, 2, &record), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_rpt_record_rua(record, 0, &scheme, &uri, &address),
                 MTA_STS_STATUS_OK);
    CHECK(str_eq(address, "r@example.net"));
    mta_sts_rpt_record_free(record);
    CHECK_STATUS(mta_sts_rpt_record_select(rrset, 1, &record),
                 MTA_STS_STATUS_RPT_SELECT_NO_RECORD);
    mta_sts_rpt_record_free(NULL);
}

/* Exports an aggregator into a malloc'ed buffer, the C way. */
static uint8_t *export_state(const mta_sts_aggregator *agg, size_t *len) {
    *len = 0;
    CHECK_STATUS(mta_sts_aggregator_export(agg, NULL, 0, len),
                 MTA_STS_STATUS_BUFFER_TOO_SMALL);
    uint8_t *buf = malloc(*len);
    CHECK(buf != NULL);
    size_t got = 0;
    CHECK_STATUS(mta_sts_aggregator_export(agg, buf, *len, &got), MTA_STS_STATUS_OK);
    CHECK(got == *len);
    return buf;
}

static mta_sts_rpt_meta meta(void) {
    mta_sts_rpt_meta m;
    m.organization_name = text("Sender Inc.");
    m.contact_info = text("tlsrpt@mail.sender.example");
    m.report_id_prefix = text("2026-11-28_");
    m.day = NOON;
    return m;
}

/* The aggregator flow, returning the example.com report (caller frees it). */
static mta_sts_report *aggregate(void) {
    mta_sts_aggregator *agg = NULL;
    CHECK_STATUS(mta_sts_aggregator_new(MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS, &agg),
                 MTA_STS_STATUS_OK);
    mta_sts_policy *policy = NULL;
    CHECK_STATUS(mta_sts_policy_parse(BYTES(POLICY), &policy), MTA_STS_STATUS_OK);
    size_t sts = 99, again = 98, none = 97;
    CHECK_STATUS(mta_sts_aggregator_add_sts_policy(agg, policy, BYTES("example.com"), &sts),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_aggregator_add_sts_policy(agg, policy, BYTES("EXAMPLE.com."), &again),
                 MTA_STS_STATUS_OK);
    CHECK(sts == again);
    CHECK_STATUS(mta_sts_aggregator_add_no_policy_found(agg, BYTES("example.org"), &none),
                 MTA_STS_STATUS_OK);
    CHECK(none != sts);
    CHECK_STATUS(mta_sts_aggregator_record_success(agg, sts), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_aggregator_record_successes(agg, sts, 9), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_aggregator_record_success(agg, none), MTA_STS_STATUS_OK);

    /* An MX the policy does not list: the failure handle feeds the row. */
    mta_sts_failure *failure = NULL;
    CHECK_STATUS(mta_sts_policy_check_mx(policy, BYTES("mx.attacker.example"), &failure),
                 MTA_STS_STATUS_OK);
    CHECK(failure != NULL);
    mta_sts_rpt_failure row;
    CHECK_STATUS(mta_sts_rpt_failure_from_failure(failure, &row), MTA_STS_STATUS_OK);
    CHECK(row.result_type == MTA_STS_RESULT_TYPE_VALIDATION_FAILURE);
    row.sending_mta_ip = text("192.0.2.1");
    row.receiving_mx_hostname = text("mx.attacker.example");
    row.receiving_ip = text("198.51.100.7");
    CHECK_STATUS(mta_sts_aggregator_record_failure(agg, sts, &row), MTA_STS_STATUS_OK);
    mta_sts_failure_free(failure);

    /* A hand-filled row; bad members are refused before anything is counted. */
    mta_sts_rpt_failure expired;
    memset(&expired, 0, sizeof expired);
    expired.result_type = MTA_STS_RESULT_TYPE_CERTIFICATE_EXPIRED;
    expired.receiving_mx_hostname = text("mail.example.com");
    expired.receiving_ip = text("not an address");
    CHECK_STATUS(mta_sts_aggregator_record_failure(agg, sts, &expired),
                 MTA_STS_STATUS_RPT_INVALID_IP_ADDRESS);
    expired.receiving_ip = text("2001:db8::25");
    expired.result_type = 0;
    CHECK_STATUS(mta_sts_aggregator_record_failure(agg, sts, &expired),
                 MTA_STS_STATUS_RPT_INVALID_RESULT_TYPE);
    expired.result_type = MTA_STS_RESULT_TYPE_CERTIFICATE_EXPIRED;
    CHECK_STATUS(mta_sts_aggregator_record_failure(agg, 42, &expired),
                 MTA_STS_STATUS_RPT_AGGREGATOR_UNKNOWN_POLICY);
    CHECK_STATUS(mta_sts_aggregator_record_failure(agg, sts, &expired), MTA_STS_STATUS_OK);
    mta_sts_policy_free(policy);

    /* Persist across a "restart", then merge another node's counts. */
    size_t len = 0;
    uint8_t *state = export_state(agg, &len);
    mta_sts_aggregator *restored = NULL;
    CHECK_STATUS(mta_sts_aggregator_import(state, len, &restored), MTA_STS_STATUS_OK);
    size_t len2 = 0;
    uint8_t *state2 = export_state(restored, &len2);
    CHECK(len == len2 && memcmp(state, state2, len) == 0);
    free(state2);
    mta_sts_aggregator *bad = NULL;
    CHECK_STATUS(mta_sts_aggregator_import(state, len / 2, &bad),
                 MTA_STS_STATUS_RPT_AGGREGATOR_STATE_JSON_SYNTAX);
    CHECK(bad == NULL);
    free(state);

    mta_sts_aggregator *node = NULL;
    CHECK_STATUS(mta_sts_aggregator_new(MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS, &node),
                 MTA_STS_STATUS_OK);
    size_t node_none = 0;
    CHECK_STATUS(mta_sts_aggregator_add_no_policy_found(node, BYTES("example.org"), &node_none),
                 MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_aggregator_record_successes(node, node_none, 4), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_aggregator_merge(restored, node), MTA_STS_STATUS_OK);
    size_t count = 0;
    CHECK_STATUS(mta_sts_aggregator_policy_count(restored, &count), MTA_STS_STATUS_OK);
    CHECK(count == 2);
    mta_sts_aggregator_free(node);
    mta_sts_aggregator_free(agg);

    mta_sts_rpt_meta m = meta();
    mta_sts_report_list *list = NULL;
    CHECK_STATUS(mta_sts_aggregator_finish(restored, &m, &list), MTA_STS_STATUS_OK);
    mta_sts_aggregator_free(restored);
    CHECK_STATUS(mta_sts_report_list_count(list, &count), MTA_STS_STATUS_OK);
    CHECK(count == 2);
    mta_sts_report *com = NULL, *org = NULL;
    CHECK_STATUS(mta_sts_report_list_get(list, 0, &com), MTA_STS_STATUS_OK);
    CHECK_STATUS(mta_sts_report_list_get(list, 1, &org), MTA_STS_STATUS_OK);
    mta_sts_report *none_left = NULL;
    CHECK_STATUS(mta_sts_report_list_get(list, 2, &none_left), MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(none_left == NULL);
    mta_sts_report_list_free(list); /* the reports outlive their list */

    mta_sts_rpt_policy_info p;
    CHECK_STATUS(mta_sts_report_policy(org, 0, &p), MTA_STS_STATUS_OK);
    CHECK(str_eq(p.policy_type, "no-policy-found") && str_eq(p.policy_domain, "example.org"));
    CHECK(p.total_successful_session_count == 5 && p.failure_details_count == 0);
    mta_sts_report_free(org);
    return com;
}

static void test_report_formats(mta_sts_report *report) {
    mta_sts_rpt_report_info info;
    CHECK_STATUS(mta_sts_report_info(report, &info), MTA_STS_STATUS_OK);
    CHECK(str_eq(info.report_id, "2026-11-28_example.com"));
    CHECK(info.start == 1795824000 && info.end == 1795824000 + 86399);
    mta_sts_rpt_policy_info p;
    CHECK_STATUS(mta_sts_report_policy(report, 0, &p), MTA_STS_STATUS_OK);
    CHECK(p.total_successful_session_count == 10 && p.total_failure_session_count == 2);
    CHECK(p.failure_details_count == 2 && p.mx_host_count == 1);
    mta_sts_rpt_failure_detail d;
    CHECK_STATUS(mta_sts_report_failure_detail(report, 0, 1, &d), MTA_STS_STATUS_OK);
    CHECK(str_eq(d.result_type, "validation-failure"));
    CHECK(str_eq(d.failure_reason_code, "mtasts-policy-mx-mismatch"));
    CHECK(str_eq(d.sending_mta_ip, "192.0.2.1") && d.failed_session_count == 1);

    mta_sts_str json;
    CHECK_STATUS(mta_sts_report_json(report, &json), MTA_STS_STATUS_OK);
    CHECK(contains(json.data, json.len, "\"mx-host\":[\"mail.example.com\"]"));
    CHECK(contains(json.data, json.len, "\"receiving-ip\":\"2001:db8::25\""));

    mta_sts_bytes gz;
    CHECK_STATUS(mta_sts_report_gzip(report, &gz), MTA_STS_STATUS_OK);
    CHECK(gz.len > 2 && gz.data[0] == 0x1f && gz.data[1] == 0x8b);
    mta_sts_bytes body;
    mta_sts_str content_type;
    CHECK_STATUS(mta_sts_report_https_post(report, true, &body, &content_type),
                 MTA_STS_STATUS_OK);
    CHECK(body.data == gz.data && str_eq(content_type, "application/tlsrpt+gzip"));

    /* File name: too small by one writes only the needed length. */
    const char *expected = "mail.sender.example!example.com!1795824000!1795910399.json.gz";
    char name[128];
    memset(name, 'x', sizeof name);
    size_t len = 0;
    CHECK_STATUS(mta_sts_report_file_name(report, NULL, 0, true, (uint8_t *)name,
                                          strlen(expected) - 1, &len),
                 MTA_STS_STATUS_BUFFER_TOO_SMALL);
    CHECK(len == strlen(expected) && name[0] == 'x');
    CHECK_STATUS(mta_sts_report_file_name(report, NULL, 0, true, (uint8_t *)name, sizeof name,
                                          &len),
                 MTA_STS_STATUS_OK);
    CHECK(len == strlen(expected) && memcmp(name, expected, len) == 0);
    CHECK_STATUS(mta_sts_report_file_name(report, BYTES("a-b"), true, (uint8_t *)name,
                                          sizeof name, &len),
                 MTA_STS_STATUS_RPT_DELIVER_INVALID_UNIQUE_ID);

    /* The e-mail, read back by intake. */
    mta_sts_rpt_email_params params;
    memset(&params, 0, sizeof params);
    params.from = text("tlsrpt@mail.sender.example");
    params.to = text("tlsrpt@example.com");
    params.date = NOON + 86400;
    params.message_id = text("r1@mail.sender.example");
    params.boundary = text("tlsrpt-boundary-1");
    params.compress = true;
    CHECK_STATUS(mta_sts_report_email(report, &params, NULL, 0, &len),
                 MTA_STS_STATUS_BUFFER_TOO_SMALL);
    uint8_t *mail = malloc(len);
    CHECK(mail != NULL);
    CHECK_STATUS(mta_sts_report_email(report, &params, mail, len, &len), MTA_STS_STATUS_OK);
    CHECK(contains(mail, len, "TLS-Report-Domain: example.com\r\n"));
    CHECK(contains(mail, len, "Date: Sun, 29 Nov 2026 12:00:00 +0000\r\n"));
    mta_sts_report *back = NULL;
    CHECK_STATUS(mta_sts_report_read_email(mail, len, 0, &back), MTA_STS_STATUS_OK);
    mta_sts_str back_json;
    CHECK_STATUS(mta_sts_report_json(back, &back_json), MTA_STS_STATUS_OK);
    CHECK(back_json.len == json.len && memcmp(back_json.data, json.data, json.len) == 0);
    size_t n = 0;
    CHECK_STATUS(mta_sts_report_notes_count(back, &n), MTA_STS_STATUS_OK);
    CHECK(n >= 2);
    mta_sts_report_free(back);
    free(mail);

    params.boundary = text("");
    CHECK_STATUS(mta_sts_report_email(report, &params, NULL, 0, &len),
                 MTA_STS_STATUS_RPT_DELIVER_INVALID_BOUNDARY);

    /* The gzip bytes are a report file. */
    CHECK_STATUS(mta_sts_report_read_file(gz.data, gz.len, 0, &back), MTA_STS_STATUS_OK);
    mta_sts_rpt_intake_note note = MTA_STS_RPT_INTAKE_NOTE_OTHER;
    mta_sts_str message;
    CHECK_STATUS(mta_sts_report_note(back, 0, &note, &message), MTA_STS_STATUS_OK);
    CHECK(note == MTA_STS_RPT_INTAKE_NOTE_GZIPPED);
    mta_sts_report_free(back);
    mta_sts_report *untouched = (mta_sts_report *)&failures;
    CHECK_STATUS(mta_sts_report_read_file(gz.data, gz.len, 10, &untouched),
                 MTA_STS_STATUS_RPT_INTAKE_DECOMPRESSED_TOO_LARGE);
    CHECK(untouched == (mta_sts_report *)&failures);
}

/* The RFC 8460 §4.4 example as published: `mx-host` is a string (erratum 6241). */
static const char *RFC_EXAMPLE =
    "{\"organization-name\":\"Company-X\",\"date-range\":{\"start-datetime\":"
    "\"2016-04-01T00:00:00Z\",\"end-datetime\":\"2016-04-01T23:59:59Z\"},"
    "\"contact-info\":\"sts-reporting@company-x.example\",\"report-id\":\"5065427c\","
    "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: "
    "STSv1\",\"mode: testing\",\"mx: *.mail.company-y.example\",\"max_age: 86400\"],"
    "\"policy-domain\":\"company-y.example\",\"mx-host\":\"*.mail.company-y.example\"},"
    "\"summary\":{\"total-successful-session-count\":5326,"
    "\"total-failure-session-count\":303},\"failure-details\":[]}]}";

static void test_intake(void) {
    mta_sts_report *report = (mta_sts_report *)&failures;
    CHECK_STATUS(mta_sts_report_parse(BYTES(RFC_EXAMPLE), &report),
                 MTA_STS_STATUS_RPT_REPORT_DEVIATION);
    CHECK(report == (mta_sts_report *)&failures);
    /* The message says where: the status alone cannot. */
    char why[256];
    size_t why_len = 0;
    CHECK_STATUS(mta_sts_report_error_message(MTA_STS_RPT_READER_STRICT, BYTES(RFC_EXAMPLE), 0,
                                              NULL, 0, &why_len),
                 MTA_STS_STATUS_BUFFER_TOO_SMALL);
    CHECK(why_len > 0 && why_len <= sizeof why);
    CHECK_STATUS(mta_sts_report_error_message(MTA_STS_RPT_READER_STRICT, BYTES(RFC_EXAMPLE), 0,
                                              (uint8_t *)why, sizeof why, &why_len),
                 MTA_STS_STATUS_OK);
    CHECK(why_len > 26 && memcmp(why, "policies[0].policy.mx-host", 26) == 0);
    CHECK_STATUS(mta_sts_report_error_message(MTA_STS_RPT_READER_JSON, BYTES(RFC_EXAMPLE), 0,
                                              (uint8_t *)why, sizeof why, &why_len),
                 MTA_STS_STATUS_OK);
    CHECK(why_len == 0);
    CHECK_STATUS(mta_sts_report_error_message(77, BYTES(RFC_EXAMPLE), 0, (uint8_t *)why,
                                              sizeof why, &why_len),
                 MTA_STS_STATUS_RPT_INTAKE_INVALID_READER);
    CHECK_STATUS(mta_sts_report_read_json(BYTES(RFC_EXAMPLE), &report), MTA_STS_STATUS_OK);
    size_t n = 0;
    CHECK_STATUS(mta_sts_report_tolerations_count(report, &n), MTA_STS_STATUS_OK);
    CHECK(n == 1);
    mta_sts_rpt_deviation kind = MTA_STS_RPT_DEVIATION_OTHER;
    mta_sts_str path, message;
    CHECK_STATUS(mta_sts_report_toleration(report, 0, &kind, &path, &message),
                 MTA_STS_STATUS_OK);
    CHECK(kind == MTA_STS_RPT_DEVIATION_MX_HOST_AS_STRING);
    CHECK(str_eq(path, "policies[0].policy.mx-host"));
    CHECK_STATUS(mta_sts_report_toleration(report, 1, &kind, &path, &message),
                 MTA_STS_STATUS_INDEX_OUT_OF_RANGE);
    /* 303 failed sessions but no detail: a consistency finding. */
    CHECK_STATUS(mta_sts_report_findings_count(report, &n), MTA_STS_STATUS_OK);
    CHECK(n == 1);
    mta_sts_rpt_finding finding = MTA_STS_RPT_FINDING_OTHER;
    CHECK_STATUS(mta_sts_report_finding(report, 0, &finding, &path, &message),
                 MTA_STS_STATUS_OK);
    CHECK(finding == MTA_STS_RPT_FINDING_FAILURE_COUNT_MISMATCH);
    mta_sts_str domain;
    CHECK_STATUS(mta_sts_report_policy_domain(report, &domain), MTA_STS_STATUS_OK);
    CHECK(str_eq(domain, "company-y.example"));
    mta_sts_report_free(report);

    CHECK_STATUS(mta_sts_report_read_json(BYTES("{\"policies\":"), &report),
                 MTA_STS_STATUS_RPT_REPORT_JSON_SYNTAX);
    CHECK_STATUS(mta_sts_report_read_email(BYTES("Subject: hi\r\n\r\nno report\r\n"), 0, &report),
                 MTA_STS_STATUS_RPT_INTAKE_NO_REPORT_PART);
    CHECK_STATUS(mta_sts_report_read_file(BYTES("PK\x03\x04zip"), 0, &report),
                 MTA_STS_STATUS_RPT_INTAKE_ZIP);
    CHECK_STATUS(mta_sts_report_json(NULL, &domain), MTA_STS_STATUS_NULL_PARAMETER);
    mta_sts_report_free(NULL);
    mta_sts_report_list_free(NULL);
    mta_sts_aggregator_free(NULL);
}

int main(void) {
    test_status_ranges();
    test_rpt_record();
    mta_sts_report *report = aggregate();
    if (report != NULL) {
        test_report_formats(report);
        mta_sts_report_free(report);
    }
    test_intake();
    if (failures != 0) {
        fprintf(stderr, "test_rpt: %d checks failed\n", failures);
        return 1;
    }
    printf("test_rpt: all checks passed\n");
    return 0;
}
