"""The C ABI of libmta_sts exercised from Python (ctypes, stdlib unittest only).

Run: MTA_STS_LIB=target/debug/deps/libmta_sts.so python3 mta-sts-ffi/tests/python/test_ffi.py
(`cargo test -p mta-sts-ffi --test python` does this with the library it just built).
"""

import ctypes
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mta_sts  # noqa: E402
from mta_sts import Error, Str  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
# Real-world policies are stored once, in mta-sts-core (origins in its tests/data/README.md).
POLICIES = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "mta-sts-core", "tests", "data", "policies"
)
LIB = mta_sts.Library()

RFC_POLICY = (
    b"version: STSv1\n"
    b"mode: enforce\n"
    b"mx: mail.example.com\n"
    b"mx: *.example.net\n"
    b"mx: backupmx.example.com\n"
    b"max_age: 604800\n"
)


class StatusTest(unittest.TestCase):
    def test_status_strings_are_static_and_total(self):
        self.assertEqual(LIB.describe(mta_sts.OK), "success")
        self.assertEqual(LIB.describe(mta_sts.POLICY_MISSING_MX),
                         "policy: mode enforce or testing requires an mx field")
        self.assertEqual(LIB.describe(999), "unknown status code")
        self.assertEqual(LIB.describe(0xFFFFFFFF), "unknown status code")

    def test_status_constants_match_the_header(self):
        header = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                              "include", "mta_sts.h")
        with open(header, encoding="utf-8") as f:
            codes = dict(re.findall(r"^\s*MTA_STS_STATUS_(\w+) = (\d+),", f.read(), re.M))
        names = [n for n in dir(mta_sts) if n.isupper() and isinstance(getattr(mta_sts, n), int)
                 and not n.startswith("RESULT_TYPE_")]
        self.assertGreater(len(names), 10)
        for name in names:
            self.assertEqual(int(codes[name]), getattr(mta_sts, name), name)
        for name, code in codes.items():
            self.assertNotEqual(LIB.describe(int(code)), "unknown status code", name)

    def test_version_is_the_package_version(self):
        self.assertRegex(LIB.version().decode(), r"^\d+\.\d+\.\d+")

    def test_rfc8460_s4_3_result_type_strings(self):
        self.assertEqual(LIB.result_type_str(mta_sts.RESULT_TYPE_VALIDATION_FAILURE),
                         b"validation-failure")
        self.assertIsNone(LIB.result_type_str(0))


class RecordTest(unittest.TestCase):
    def test_rfc8461_s3_1_example_record(self):
        with LIB.parse_record(b"v=STSv1; id=20160831085700Z;") as record:
            self.assertEqual(record.id, "20160831085700Z")

    def test_rfc8461_s3_1_errors_are_statuses(self):
        for text, status in [
            (b"v=STSv1;", mta_sts.RECORD_MISSING_ID),
            (b"v=STSv1; id=\xff", mta_sts.RECORD_NOT_ASCII),
        ]:
            with self.assertRaises(Error) as ctx:
                LIB.parse_record(text)
            self.assertEqual(ctx.exception.status, status)

    def test_rfc8461_s3_1_selection_from_a_resolver_rrset(self):
        rrset = [[b"v=spf1 -all"], [b"v=STSv1; id=2016", b"0831085700Z;"]]
        with LIB.select_record(rrset) as record:
            self.assertEqual(record.id, "20160831085700Z")
        for rrset, status in [
            ([[b"v=STSv1; id=1"], [b"v=STSv1; id=2"]], mta_sts.SELECT_MULTIPLE_RECORDS),
            ([[b"v=spf1 -all"]], mta_sts.SELECT_NO_RECORD),
            ([], mta_sts.SELECT_NO_RECORD),
        ]:
            with self.assertRaises(Error) as ctx:
                LIB.select_record(rrset)
            self.assertEqual(ctx.exception.status, status)

    def test_null_arguments_are_statuses(self):
        out = ctypes.c_void_p()
        self.assertEqual(LIB.record_parse(None, 3, ctypes.byref(out)), mta_sts.NULL_PARAMETER)
        self.assertIsNone(out.value)
        self.assertEqual(LIB.record_id(None, ctypes.byref(Str())), mta_sts.NULL_PARAMETER)
        LIB.record_free(None)


class PolicyTest(unittest.TestCase):
    def test_rfc8461_s3_2_example_policy(self):
        with LIB.parse_policy(RFC_POLICY) as policy:
            self.assertEqual(policy.mode, "enforce")
            self.assertEqual(policy.max_age, 604800)
            self.assertEqual(policy.mx, ["mail.example.com", "*.example.net", "backupmx.example.com"])
            self.assertEqual(policy.lines, RFC_POLICY.decode().splitlines())
            self.assertEqual(policy.warnings, [])
            self.assertTrue(policy.matches_mx(b"MAIL.example.com."))
            self.assertTrue(policy.matches_mx(b"mx1.example.net"))
            self.assertFalse(policy.matches_mx(b"a.b.example.net"))

    def test_tolerated_deviations_are_warnings_with_line_numbers(self):
        body = b"version: STSv1\r\nMode: testing\r\nmx: mx.example.org.\r\nmax_age: 86400\r\n"
        with LIB.parse_policy(body) as policy:
            self.assertEqual(policy.mode, "testing")
            self.assertEqual([line for line, _ in policy.warnings], [2, 3])
            self.assertIn("trailing dot", policy.warnings[1][1])
            self.assertEqual(policy.lines[1], "Mode: testing")
            self.assertEqual(policy.mx, ["mx.example.org"])

    def test_invalid_policies_are_statuses(self):
        for body, status in [
            (b"version: STSv1\nmode: enforce\nmax_age: 1\n", mta_sts.POLICY_MISSING_MX),
            (b"version: STSv1\nmode: block\nmx: a.b\nmax_age: 1\n", mta_sts.POLICY_UNKNOWN_MODE),
        ]:
            with self.assertRaises(Error) as ctx:
                LIB.parse_policy(body)
            self.assertEqual(ctx.exception.status, status)

    def test_real_world_broad_wildcards_cover_one_label_only(self):
        with open(os.path.join(POLICIES, "burchell-initial-broad-wildcards.mta-sts.txt"), "rb") as f:
            body = f.read()
        with LIB.parse_policy(body) as policy:
            self.assertEqual(policy.mode, "testing")
            self.assertTrue(policy.matches_mx(b"smtp.google.com"))
            self.assertFalse(policy.matches_mx(b"aspmx.l.google.com"))

    def test_index_out_of_range_leaves_the_view_alone(self):
        with LIB.parse_policy(RFC_POLICY) as policy:
            view = Str(None, 7)
            self.assertEqual(LIB.policy_mx(policy.ptr, 3, ctypes.byref(view)), mta_sts.INDEX_OUT_OF_RANGE)
            self.assertEqual(view.len, 7)

    def test_host_must_be_utf8(self):
        with LIB.parse_policy(RFC_POLICY) as policy:
            with self.assertRaises(Error) as ctx:
                policy.matches_mx(b"\xff")
            self.assertEqual(ctx.exception.status, mta_sts.INVALID_UTF8)


class MxTest(unittest.TestCase):
    def test_rfc8461_s4_1_pattern_matching(self):
        self.assertTrue(LIB.pattern_matches(b"*.mail.example.com", b"mx1.mail.example.com"))
        self.assertFalse(LIB.pattern_matches(b"*.mail.example.com", b"mail.example.com"))
        self.assertTrue(LIB.pattern_matches(b"xn--bcher-kva.example", "bücher.example".encode()))
        with self.assertRaises(Error) as ctx:
            LIB.pattern_matches(b"*.*.example", b"a.b.example")
        self.assertEqual(ctx.exception.status, mta_sts.MX_INVALID_WILDCARD)

    def test_rfc8461_s5_enforce_skips_an_unlisted_mx_with_validation_failure(self):
        with LIB.parse_policy(RFC_POLICY) as policy:
            self.assertIsNone(policy.check_mx(b"mail.example.com"))
            with policy.check_mx(b"mx.attacker.example") as failure:
                self.assertEqual(failure.result_type, mta_sts.RESULT_TYPE_VALIDATION_FAILURE)
                self.assertEqual(failure.result_type_str, "validation-failure")
                self.assertEqual(failure.reason_code, "mtasts-policy-mx-mismatch")


class CacheEntryTest(unittest.TestCase):
    def test_rfc8461_s5_1_entry_round_trips_through_json(self):
        with LIB.new_cache_entry(b"Example.COM.", b"20240101", RFC_POLICY, 1700000000) as entry:
            stored = entry.json.encode()
        record = json.loads(stored)
        self.assertEqual(record["domain"], "example.com")
        self.assertEqual(record["expires_at"], 1700000000 + 604800)
        self.assertEqual(record["policy"], RFC_POLICY.decode())
        with LIB.load_cache_entry(stored) as entry:
            self.assertEqual(entry.json.encode(), stored)
            self.assertEqual((entry.domain, entry.id), ("example.com", "20240101"))
            self.assertEqual(entry.times, (1700000000, 1700604800))
            self.assertTrue(entry.is_valid(1700604799))
            self.assertFalse(entry.is_valid(1700604800))
            with entry.policy() as policy:
                self.assertEqual(policy.mode, "enforce")

    def test_tampered_records_are_refused(self):
        with LIB.new_cache_entry(b"example.com", b"1", RFC_POLICY, 0) as entry:
            record = json.loads(entry.json)
        record["expires_at"] += 1
        with self.assertRaises(Error) as ctx:
            LIB.load_cache_entry(json.dumps(record).encode())
        self.assertEqual(ctx.exception.status, mta_sts.CACHE_RECORD_INVALID)
        with self.assertRaises(Error) as ctx:
            LIB.load_cache_entry(b"{")
        self.assertEqual(ctx.exception.status, mta_sts.CACHE_JSON_SYNTAX)
        with self.assertRaises(Error) as ctx:
            LIB.new_cache_entry(b"[192.0.2.1]", b"1", RFC_POLICY, 0)
        self.assertEqual(ctx.exception.status, mta_sts.DOMAIN_ADDRESS_LITERAL)


def cert(name):
    with open(os.path.join(DATA, "certs", name), "rb") as f:
        return f.read()


class VerifyTest(unittest.TestCase):
    NOW = 1790000000

    def test_rfc8461_s4_2_chain_is_validated_and_failures_classified(self):
        leaf, chain = cert("leaf-mx1.der"), [cert("intermediate.der")]
        with LIB.trust_anchors([cert("root.der")]) as anchors:
            self.assertIsNone(LIB.verify_mx(leaf, chain, b"mx1.example.com", anchors, self.NOW))
            for host, now, result_type, reason in [
                (b"mx2.example.com", self.NOW, "certificate-host-mismatch", "cert-not-valid-for-name"),
                (b"mx1.example.com", 2100000000, "certificate-expired", "cert-expired"),
            ]:
                with LIB.verify_mx(leaf, chain, host, anchors, now) as failure:
                    self.assertEqual((failure.result_type_str, failure.reason_code), (result_type, reason))
        with LIB.trust_anchors([cert("other-root.der")]) as others:
            with LIB.verify_mx(leaf, chain, b"mx1.example.com", others, self.NOW) as failure:
                self.assertEqual(failure.result_type_str, "certificate-not-trusted")

    def test_junk_root_is_a_status(self):
        with self.assertRaises(Error) as ctx:
            LIB.trust_anchors([b"junk"])
        self.assertEqual(ctx.exception.status, mta_sts.TRUST_ANCHOR_INVALID)


if __name__ == "__main__":
    unittest.main(verbosity=2)
