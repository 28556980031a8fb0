"""The TLS-RPT C ABI of libmta_sts exercised from Python (ctypes, stdlib unittest only):
record, aggregator -> report JSON -> intake round trips, delivery formats, error statuses.

Run: MTA_STS_LIB=target/debug/deps/libmta_sts.so python3 mta-sts-ffi/tests/python/test_rpt.py
(`cargo test -p mta-sts-ffi --test python` runs every test_*.py here).
"""

import gzip
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mta_sts  # noqa: E402
import mta_sts_rpt as rpt  # noqa: E402
from mta_sts import Error  # noqa: E402

LIB = rpt.declare(mta_sts.Library())
# Real-world reports are stored once, in tls-rpt-core (origins in its tests/data/README.md).
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tls-rpt-core", "tests", "data")
POLICY = b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 604800\n"
DAY = 1795867200  # 2026-11-28T12:00:00Z
VALIDATION_FAILURE = 10
CERTIFICATE_EXPIRED = 3


def data(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


class StatusTest(unittest.TestCase):
    def test_rpt_constants_match_the_header(self):
        header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                              "include", "mta_sts.h")
        with open(header, encoding="utf-8") as f:
            text = f.read()
        codes = dict(re.findall(r"^\s*MTA_STS_STATUS_(\w+) = (\d+),", text, re.M))
        names = [n for n in dir(rpt) if n.isupper() and isinstance(getattr(rpt, n), int)
                 and (n.startswith("RPT_") or n == "BUFFER_TOO_SMALL")]
        self.assertGreater(len(names), 10)
        for name in names:
            self.assertEqual(int(codes[name]), getattr(rpt, name), name)
        self.assertIn(f"#define MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS {rpt.DEFAULT_MAX_FAILURE_ROWS}",
                      text)
        rpt_codes = [int(c) for n, c in codes.items() if n.startswith("RPT_")]
        self.assertTrue(all(3000 <= c < 4000 for c in rpt_codes), rpt_codes)


class RecordTest(unittest.TestCase):
    def test_rfc8460_s3_destinations(self):
        with rpt.parse_rpt_record(LIB, b"v=TLSRPTv1; rua=mailto:r%40x@example.com,"
                                       b"https://r.example/v1; x=1") as record:
            self.assertEqual(record.rua, [("mailto", "mailto:r%40x@example.com", "r@x@example.com"),
                                          ("https", "https://r.example/v1", "")])
            self.assertEqual(record.extensions, [("x", "1")])
            self.assertEqual(record.warnings, [])

    def test_d17_unusable_uris(self):
        with self.assertRaises(Error) as ctx:
            rpt.parse_rpt_record(LIB, b"v=TLSRPTv1; rua=http://r.example/")
        self.assertEqual(ctx.exception.status, rpt.RPT_RECORD_NO_USABLE_RUA)
        with rpt.select_rpt_record(LIB, [[b"v=spf1 -all"], [b"v=TLSRPTv1; rua=mailto:a@b.",
                                                           b"example"]]) as record:
            self.assertEqual(record.rua[0][2], "a@b.example")
        with self.assertRaises(Error) as ctx:
            rpt.select_rpt_record(LIB, [[b"v=spf1 -all"]])
        self.assertEqual(ctx.exception.status, rpt.RPT_SELECT_NO_RECORD)


class AggregatorTest(unittest.TestCase):
    def aggregate(self):
        agg = rpt.new_aggregator(LIB)
        with LIB.parse_policy(POLICY) as policy:
            sts = agg.add_sts_policy(policy, b"Example.COM.")
            self.assertEqual(agg.add_sts_policy(policy, b"example.com"), sts)
            none = agg.add_no_policy_found(b"example.org")
            agg.record_successes(sts, 10)
            agg.record_successes(none, 2)
            with policy.check_mx(b"mx.attacker.example") as failure:
                agg.record_failure(sts, failure=failure, sending_mta_ip=b"192.0.2.1",
                                   receiving_mx_hostname=b"mx.attacker.example",
                                   receiving_ip=b"198.51.100.7")
        agg.record_failure(sts, CERTIFICATE_EXPIRED, sending_mta_ip=b"192.0.2.1",
                           receiving_mx_hostname=b"mail.example.com", receiving_ip=b"2001:DB8::25")
        return agg, sts

    def test_rfc8460_s4_round_trip_aggregator_report_json_intake(self):
        agg, _ = self.aggregate()
        with agg:
            reports = agg.finish(b"Sender Inc.", b"tlsrpt@mail.sender.example", b"2026-11-28_", DAY)
        self.assertEqual(len(reports), 2)
        com, org = reports
        with com, org:
            doc = json.loads(com.json)
            self.assertEqual(doc["report-id"], "2026-11-28_example.com")
            self.assertEqual(doc["date-range"], {"start-datetime": "2026-11-28T00:00:00Z",
                                                 "end-datetime": "2026-11-28T23:59:59Z"})
            p = doc["policies"][0]
            self.assertEqual(p["summary"], {"total-successful-session-count": 10,
                                            "total-failure-session-count": 2})
            self.assertEqual(p["policy"]["mx-host"], ["mail.example.com"])
            codes = {d.get("failure-reason-code") for d in p["failure-details"]}
            self.assertIn("mtasts-policy-mx-mismatch", codes)
            self.assertIn("2001:db8::25", {d["receiving-ip"] for d in p["failure-details"]})
            self.assertEqual(com.policy(0)["successes"], 10)
            self.assertEqual(org.policy(0)["policy-type"], "no-policy-found")

            # Intake reads it back: strict, lenient, gzip file, e-mail.
            for reader in (rpt.parse_report, rpt.read_report_json):
                with reader(LIB, com.json.encode()) as back:
                    self.assertEqual(back.json, com.json)
                    self.assertEqual(back.tolerations, [])
                    self.assertEqual(back.findings, [])
            self.assertEqual(gzip.decompress(com.gzip).decode(), com.json)
            with rpt.read_report_file(LIB, com.gzip) as back:
                self.assertEqual(back.json, com.json)
                self.assertEqual([n[0] for n in back.notes], [rpt.NOTE_GZIPPED])
            mail = com.email(b"tlsrpt@mail.sender.example", b"tlsrpt@example.com", DAY + 86400,
                             b"r1@mail.sender.example", b"b1", unique_id=b"1")
            self.assertIn(b"TLS-Report-Domain: example.com\r\n", mail)
            with rpt.read_report_email(LIB, mail) as back:
                self.assertEqual(back.json, com.json)
            self.assertEqual(com.file_name(),
                             "mail.sender.example!example.com!1795824000!1795910399.json.gz")
            body, content_type = com.https_post(compress=False)
            self.assertEqual((body.decode(), content_type), (com.json, "application/tlsrpt+json"))

    def test_state_persists_and_merges(self):
        agg, sts = self.aggregate()
        with agg:
            state = agg.export()
            self.assertEqual(json.loads(state)["config"], {"max-failure-rows-per-policy": 1000})
            with rpt.import_aggregator(LIB, state) as restored:
                self.assertEqual(restored.export(), state)
                restored.merge(agg)
                self.assertEqual(restored.policy_count, 2)
                with rpt.import_aggregator(LIB, restored.export()) as again:
                    reports = again.finish(b"S", b"t@s.example", b"", DAY)
                    self.assertIn('"total-successful-session-count":20', reports[0].json)
                    for r in reports:
                        r.close()
            for bad, status in [(b"{", rpt.RPT_AGGREGATOR_STATE_JSON_SYNTAX),
                                (b'{"config":{}}', rpt.RPT_AGGREGATOR_STATE_INVALID)]:
                with self.assertRaises(Error) as ctx:
                    rpt.import_aggregator(LIB, bad)
                self.assertEqual(ctx.exception.status, status)

    def test_bad_failure_rows_are_statuses(self):
        agg, sts = self.aggregate()
        with agg:
            before = agg.export()
            for kwargs, status in [
                ({"result_type": 99}, rpt.RPT_INVALID_RESULT_TYPE),
                ({"result_type": CERTIFICATE_EXPIRED, "receiving_ip": b"300.1.1.1"},
                 rpt.RPT_INVALID_IP_ADDRESS),
                ({"result_type": CERTIFICATE_EXPIRED, "receiving_mx_helo": b"\xff"},
                 mta_sts.INVALID_UTF8),
            ]:
                with self.assertRaises(Error) as ctx:
                    agg.record_failure(sts, **kwargs)
                self.assertEqual(ctx.exception.status, status, kwargs)
            with self.assertRaises(Error) as ctx:
                agg.record_successes(sts + 7)
            self.assertEqual(ctx.exception.status, rpt.RPT_AGGREGATOR_UNKNOWN_POLICY)
            self.assertEqual(agg.export(), before)

    def test_rfc8460_s4_4_cap_and_tlsa(self):
        with rpt.new_aggregator(LIB, 1) as agg:
            tlsa = agg.add_tlsa_policy(b"mx1.example.net", [b"3 1 1 00ff"])
            for ip in (b"192.0.2.1", b"192.0.2.2"):
                agg.record_failure(tlsa, 5, receiving_ip=ip)  # dnssec-invalid
            self.assertEqual(agg.overflow_sessions(tlsa), 1)
            (report,) = agg.finish(b"S", b"t@s.example", b"x", DAY)
            with report:
                p = report.policy(0)
                self.assertEqual((p["policy-type"], p["policy-string"], p["failures"]),
                                 ("tlsa", ["3 1 1 00ff"], 2))
                self.assertEqual(len(p["failure-details"]), 1)


class IntakeTest(unittest.TestCase):
    def test_erratum_6241_lenient_and_strict(self):
        example = data("parsedmarc__rfc8460_example.json")
        with self.assertRaises(Error) as ctx:
            rpt.parse_report(LIB, example)
        self.assertEqual(ctx.exception.status, rpt.RPT_REPORT_DEVIATION)
        self.assertEqual(rpt.error_message(LIB, "strict", example),
                         "policies[0].policy.mx-host: a string where the RFC has an array "
                         "(erratum 6241)")
        self.assertEqual(rpt.error_message(LIB, "json", example), "")
        with rpt.read_report_json(LIB, example) as report:
            kinds = {(k, path) for k, path, _ in report.tolerations}
            self.assertIn((rpt.DEVIATION_MX_HOST_AS_STRING, "policies[0].policy.mx-host"), kinds)
            self.assertEqual(report.info["organization-name"], "Company-X")
            self.assertEqual(report.policy_domain, "company-y.example")

    def test_real_email_and_bounds(self):
        with rpt.read_report_email(LIB, data("mox__microsoft.eml")) as report:
            self.assertIn(rpt.NOTE_GZIPPED, [n[0] for n in report.notes])
            gz = report.gzip
        with self.assertRaises(Error) as ctx:
            rpt.read_report_file(LIB, gz, max_decompressed_len=16)
        self.assertEqual(ctx.exception.status, rpt.RPT_INTAKE_DECOMPRESSED_TOO_LARGE)
        with self.assertRaises(Error) as ctx:
            rpt.read_report_json(LIB, b"{")
        self.assertEqual(ctx.exception.status, rpt.RPT_REPORT_JSON_SYNTAX)

    def test_file_name_needed_length_and_bad_unique_id(self):
        with rpt.read_report_json(LIB, data("parsedmarc__rfc8460_example.json")) as report:
            self.assertTrue(report.file_name(b"7", gzip=False).endswith("!7.json"))
            with self.assertRaises(Error) as ctx:
                report.file_name(b"a_b")
            self.assertEqual(ctx.exception.status, rpt.RPT_DELIVER_INVALID_UNIQUE_ID)


if __name__ == "__main__":
    unittest.main(verbosity=2)
