"""The MTA-STS engine, DNS helpers and delivery decision of libmta_sts exercised from
Python (ctypes, stdlib unittest only): a C MTA's flow without the C.

Run: MTA_STS_LIB=target/debug/deps/libmta_sts.so python3 mta-sts-ffi/tests/python/test_engine.py
(`cargo test -p mta-sts-ffi --test python` runs every test_*.py here).
"""

import ctypes
import json
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mta_sts  # noqa: E402
import mta_sts_engine as eng  # noqa: E402
from mta_sts import Error  # noqa: E402

LIB = eng.declare(mta_sts.Library())
NOW = 1_700_000_000
POLICY = b"version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n"
CERTIFICATE_EXPIRED = 3
TLSA_INVALID = 4
SELECT_NO_RECORD = 1100
POLICY_MISSING_MX = 1211


def respond(query, rcode=0, rtype=16, rdatas=()):
    """A DNS response to `query` (RFC 1035 §4.1): its id and question, then the answers."""
    end = 12
    while query[end]:
        end += query[end] + 1
    end += 5
    out = query[:2] + bytes([0x81, 0x80 | rcode]) + struct.pack(">HHHH", 1, len(rdatas), 0, 0)
    out += query[12:end]
    for rdata in rdatas:
        out += b"\xc0\x0c" + struct.pack(">HHIH", rtype, 1, 300, len(rdata)) + rdata
    return out


def txt_rdata(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


def mx_rdata(preference, host):
    labels = b"".join(bytes([len(label)]) + label.encode() for label in host.split(".") if label)
    return struct.pack(">H", preference) + labels + b"\0"


def cached_entry(policy_id, fetched_at=NOW - 10):
    return LIB.new_cache_entry(b"example.com", policy_id, POLICY, fetched_at)


class DnsTest(unittest.TestCase):
    def test_rfc1035_txt_query_and_answer(self):
        query = eng.dns_query(LIB, "_mta-sts.example.com", eng.DNS_TXT, 0x5EED)
        self.assertEqual(query[:2], b"\x5e\xed")
        response = respond(query, rdatas=[txt_rdata(b"v=spf1 -all"),
                                          txt_rdata(b"v=STSv1; id=2016", b"0831085700Z;")])
        with eng.parse_dns_response(LIB, "_mta-sts.example.com", eng.DNS_TXT, 0x5EED,
                                    response) as answer:
            self.assertEqual(answer.kind, "txt")
            self.assertEqual(answer.txt, [[b"v=spf1 -all"],
                                          [b"v=STSv1; id=2016", b"0831085700Z;"]])
            self.assertEqual(answer.mx, [])

    def test_rfc5321_mx_answer_sorted_and_rfc7505_null_mx(self):
        query = eng.dns_query(LIB, "example.com", eng.DNS_MX, 7)
        response = respond(query, rtype=15, rdatas=[mx_rdata(20, "mx2.example.com"),
                                                     mx_rdata(10, "Mail.Example.com")])
        with eng.parse_dns_response(LIB, "example.com", eng.DNS_MX, 7, response) as answer:
            self.assertEqual(answer.mx, [(10, "mail.example.com"), (20, "mx2.example.com")])
        null = respond(query, rtype=15, rdatas=[b"\0\0\0"])
        with eng.parse_dns_response(LIB, "example.com", eng.DNS_MX, 7, null) as answer:
            self.assertEqual(answer.kind, "null_mx")

    def test_rcodes_and_rfc5452_mismatches(self):
        query = eng.dns_query(LIB, "example.com", eng.DNS_TXT, 1)
        with eng.parse_dns_response(LIB, "example.com", eng.DNS_TXT, 1,
                                    respond(query, rcode=2)) as answer:
            self.assertEqual((answer.kind, answer.rcode), ("temporary_failure", 2))
        with eng.parse_dns_response(LIB, "example.com", eng.DNS_TXT, 1,
                                    respond(query, rcode=3)) as answer:
            self.assertEqual((answer.kind, answer.rcode), ("nx_domain", 3))
        with self.assertRaises(Error) as cm:
            eng.parse_dns_response(LIB, "example.com", eng.DNS_TXT, 2, respond(query))
        self.assertEqual(cm.exception.status, eng.DNS_RESPONSE_ID_MISMATCH)
        self.assertTrue(LIB.dns_status_is_mismatch(cm.exception.status))
        with self.assertRaises(Error) as cm:
            eng.parse_dns_response(LIB, "example.com", eng.DNS_TXT, 1,
                                   respond(query, rdatas=[txt_rdata(b"x")])[:-1])
        self.assertEqual(cm.exception.status, eng.DNS_RESPONSE_MALFORMED)
        self.assertFalse(LIB.dns_status_is_mismatch(cm.exception.status))

    def test_bad_names_are_statuses(self):
        with self.assertRaises(Error) as cm:
            eng.dns_query(LIB, "bücher.example", eng.DNS_MX, 1)
        self.assertEqual(cm.exception.status, eng.DNS_QUERY_NOT_ASCII)
        with self.assertRaises(Error) as cm:
            eng.dns_query(LIB, "example.com", 1, 1)
        self.assertEqual(cm.exception.status, eng.UNKNOWN_ENUM_VALUE)

    def test_rfc7766_tcp_framing(self):
        stream = eng.tcp_frame(LIB, b"first") + eng.tcp_frame(LIB, b"second")
        self.assertEqual(stream[:2], b"\x00\x05")
        messages = []
        with eng.TcpDecoder(LIB) as decoder:
            rest = stream
            while rest:
                rest = rest[decoder.push(rest[:3]):]
                message = decoder.take()
                if message is not None:
                    messages.append(message)
            self.assertEqual(decoder.needed, 2)
        self.assertEqual(messages, [b"first", b"second"])


class LookupTest(unittest.TestCase):
    def test_rfc8461_s3_3_first_contact_fetches_and_stores(self):
        with eng.new_lookup(LIB, "Example.COM.", NOW) as lookup:
            self.assertEqual(lookup.poll(), ("query_txt", {"name": "_mta-sts.example.com"}))
            query = eng.dns_query(LIB, "_mta-sts.example.com", eng.DNS_TXT, 9)
            response = respond(query, rdatas=[txt_rdata(b"v=STSv1; id=7")])
            with eng.parse_dns_response(LIB, "_mta-sts.example.com", eng.DNS_TXT, 9,
                                        response) as answer:
                lookup.dns_answer(NOW, answer)
            self.assertEqual(lookup.poll(), ("fetch_policy", {
                "url": "https://mta-sts.example.com/.well-known/mta-sts.txt",
                "host": "mta-sts.example.com", "max_body_len": 65536}))
            lookup.fetch_response(NOW + 1, 200, "text/plain", POLICY)
            self.assertEqual(lookup.poll(), ("done", {}))
            with lookup.outcome() as outcome:
                self.assertEqual((outcome.reason, outcome.problem), ("fetched", 0))
                self.assertEqual(outcome.cache_action, "store")
                self.assertEqual(outcome.reason_text, "policy fetched")
                self.assertEqual(outcome.domain, "example.com")
                self.assertIsNone(outcome.report())
                self.assertEqual(outcome.backoff(), ("clear", None))
                self.assertEqual(outcome.bounce_check, "not_applicable")
                self.assertEqual(outcome.fetch_warnings, [])
                with outcome.policy() as policy:
                    self.assertEqual(policy.mode, "enforce")
                with outcome.entry() as entry:
                    record = json.loads(entry.json)
                    self.assertEqual((record["id"], record["expires_at"]), ("7", NOW + 1 + 86400))

    def test_rfc8461_s3_3_failed_fetch_falls_back_reports_and_backs_off(self):
        with cached_entry(b"1") as entry:
            with eng.new_lookup(LIB, "example.com", NOW, entry) as lookup:
                lookup.txt_records(NOW, [[b"v=STSv1; id=2"]])
                lookup.fetch_response(NOW, 404, "text/html", b"gone")
                with lookup.outcome() as outcome:
                    self.assertEqual((outcome.reason, outcome.problem),
                                     ("cached_fallback", eng.FETCH_HTTP_STATUS))
                    self.assertEqual(outcome.cache_action, "keep")
                    self.assertEqual(outcome.report(),
                                     ("sts-policy-fetch-error", "http-status-404"))
                    action, backoff = outcome.backoff()
            self.assertEqual(action, "set")
            with backoff:
                self.assertEqual((backoff.id, backoff.until), ("2", NOW + 300))
                self.assertEqual(backoff.failure(), ("sts-policy-fetch-error", "http-status-404"))
                with eng.new_lookup(LIB, "example.com", NOW + 60, entry) as retry:
                    retry.set_backoff(backoff)
                    retry.txt_records(NOW + 60, [[b"v=STSv1; id=2"]])
                    self.assertEqual(retry.poll()[0], "done")
                    with retry.outcome() as outcome:
                        self.assertEqual(outcome.problem, eng.DISCOVERY_FETCH_BACKOFF)

    def test_rfc8461_s5_1_unchanged_id_uses_the_cache(self):
        with cached_entry(b"1") as entry, eng.new_lookup(LIB, "example.com", NOW, entry) as lookup:
            lookup.txt_records(NOW, [[b"v=STSv1; ", b"id=1"]])
            with lookup.outcome() as outcome:
                self.assertEqual(outcome.reason, "cached_id_unchanged")
                self.assertEqual(outcome.cache_action, "keep")

    def test_d13_dns_failures_without_cache(self):
        for kind, reason, problem, temporary in [
            (eng.TXT_NXDOMAIN, "no_policy", SELECT_NO_RECORD, False),
            (eng.TXT_TEMPORARY_FAILURE, "temporary_failure", eng.DISCOVERY_DNS_TEMPORARY_FAILURE,
             True),
        ]:
            with eng.new_lookup(LIB, "example.com", NOW) as lookup:
                lookup.txt_status(NOW, kind)
                with lookup.outcome() as outcome:
                    self.assertEqual((outcome.reason, outcome.problem), (reason, problem))
                    self.assertEqual(outcome.is_temporary_failure, temporary)
                    self.assertIsNone(outcome.policy())
                    self.assertIsNone(outcome.entry())
                    self.assertIsNone(outcome.report())

    def test_rfc8460_fetch_failures_are_classified(self):
        with eng.new_failure(LIB, CERTIFICATE_EXPIRED, "cert-expired") as expired:
            for feed, report in [
                (lambda l: l.fetch_error(NOW, "timeout"),
                 ("sts-policy-fetch-error", "policy-fetch-timeout")),
                (lambda l: l.fetch_tls_failure(NOW, expired), ("sts-webpki-invalid", "cert-expired")),
                (lambda l: l.fetch_response(NOW, 200, "text/plain",
                                            b"version: STSv1\nmode: enforce\nmax_age: 1\n"),
                 ("sts-policy-invalid", "")),
            ]:
                with eng.new_lookup(LIB, "example.com", NOW) as lookup:
                    lookup.txt_records(NOW, [[b"v=STSv1; id=1"]])
                    feed(lookup)
                    with lookup.outcome() as outcome:
                        self.assertEqual(outcome.report(), report)

    def test_refresh_and_before_bounce(self):
        with cached_entry(b"1") as entry:
            with eng.refresh_lookup(LIB, entry, NOW) as lookup:
                lookup.txt_status(NOW, eng.TXT_TEMPORARY_FAILURE)
                self.assertEqual(lookup.poll()[0], "fetch_policy")
                lookup.fetch_response(NOW, 200, None, POLICY)
                with lookup.outcome() as outcome:
                    self.assertEqual(outcome.cache_action, "store")
                    self.assertEqual(outcome.fetch_warnings, ["missing_content_type"])
            with eng.before_bounce_lookup(LIB, "example.com", "1", NOW, entry) as lookup:
                lookup.txt_records(NOW, [[b"v=STSv1; id=2"]])
                lookup.fetch_response(NOW, 200, "text/plain", POLICY)
                with lookup.outcome() as outcome:
                    self.assertEqual(outcome.bounce_check, "retry_with_new_policy")

    def test_misuse_is_a_status_and_changes_nothing(self):
        with eng.new_lookup(LIB, "example.com", NOW) as lookup:
            for call, status in [
                (lambda: lookup.outcome(), eng.LOOKUP_NOT_DONE),
                (lambda: lookup.fetch_response(NOW, 200, None, POLICY), eng.LOOKUP_WRONG_STEP),
                (lambda: lookup.txt_status(NOW, 9), eng.UNKNOWN_ENUM_VALUE),
                (lambda: LIB.check(LIB.lookup_handle_txt(lookup.ptr, NOW, 1, None, 1)),
                 mta_sts.NULL_PARAMETER),
            ]:
                with self.assertRaises(Error) as cm:
                    call()
                self.assertEqual(cm.exception.status, status)
            self.assertEqual(lookup.poll()[0], "query_txt")
        for domain, status in [(b"\xff.example", mta_sts.INVALID_UTF8),
                               (b"[192.0.2.1]", mta_sts.DOMAIN_ADDRESS_LITERAL)]:
            out = ctypes.c_void_p(12345)
            self.assertEqual(LIB.lookup_new(*mta_sts._buf(domain), None, NOW, ctypes.byref(out)),
                             status)
            self.assertEqual(out.value, 12345)
        self.assertEqual(LIB.lookup_poll(None, None), mta_sts.NULL_PARAMETER)
        LIB.lookup_free(None)
        LIB.outcome_free(None)


class ErrorPositionTest(unittest.TestCase):
    def test_rfc8461_s3_2_policy_error_line(self):
        self.assertEqual(eng.policy_error_line(LIB, b"version: STSv1\nmode: x\n"), 2)
        self.assertEqual(eng.policy_error_line(LIB, POLICY), 0)

    def test_rfc8461_s3_1_record_error_offset(self):
        self.assertEqual(eng.record_error_offset(LIB, b"v=STSv1; id=1;;"), 14)
        self.assertIsNone(eng.record_error_offset(LIB, b"v=STSv1; id=1"))


class DeliveryTest(unittest.TestCase):
    def plan(self, mode, hosts):
        body = b"version: STSv1\nmode: %s\nmx: *.example.com\nmax_age: 86400\n" % mode
        with LIB.parse_policy(body) as policy:
            return eng.delivery_plan(LIB, policy, hosts)

    def test_rfc8461_s5_enforce(self):
        with self.plan(b"enforce", ["evil.example", "mx1.example.com."]) as plan:
            self.assertEqual(plan.enforcement, "enforce")
            self.assertEqual(plan.candidates, [("evil.example", ""),
                                               ("mx1.example.com.", "*.example.com")])
            self.assertEqual(plan.skip_before_connect(0),
                             ("validation-failure", "mtasts-policy-mx-mismatch"))
            self.assertIsNone(plan.skip_before_connect(1))
            self.assertEqual(plan.verdict(1, "verified"), ("deliver", None))
            self.assertEqual(plan.verdict(1, "starttls_not_offered"),
                             ("skip_and_report", ("starttls-not-supported", "")))
            with eng.new_failure(LIB, CERTIFICATE_EXPIRED, "cert-expired") as expired:
                self.assertEqual(plan.verdict(1, "certificate_invalid", expired),
                                 ("skip_and_report", ("certificate-expired", "cert-expired")))
            self.assertEqual(plan.when_exhausted, "defer_and_check_before_bounce")

    def test_rfc8461_s5_testing_and_none(self):
        with self.plan(b"testing", ["evil.example"]) as plan:
            self.assertIsNone(plan.skip_before_connect(0))
            self.assertEqual(plan.verdict(0, "verified"),
                             ("deliver_and_report",
                              ("validation-failure", "mtasts-policy-mx-mismatch")))
            self.assertEqual(plan.when_exhausted, "defer")
        with eng.delivery_plan(LIB, None, ["evil.example"]) as plan:
            self.assertEqual(plan.enforcement, "none")
            self.assertEqual(plan.verdict(0, "starttls_not_offered"), ("deliver", None))

    def test_rfc8461_s2_dane_takes_precedence(self):
        with self.plan(b"enforce", ["mx1.example.com"]) as plan, \
                eng.new_failure(LIB, TLSA_INVALID) as tlsa:
            self.assertEqual(plan.verdict(0, "verified", dane="failed", dane_failure=tlsa),
                             ("skip_and_report", ("tlsa-invalid", "")))
            with eng.new_failure(LIB, CERTIFICATE_EXPIRED) as expired:
                self.assertEqual(plan.verdict(0, "certificate_invalid", expired, dane="verified"),
                                 ("deliver", None))

    def test_bad_arguments_are_statuses(self):
        with self.plan(b"enforce", ["mx1.example.com"]) as plan:
            for args, status in [((1, "verified"), mta_sts.INDEX_OUT_OF_RANGE),
                                 ((0, "certificate_invalid"), mta_sts.NULL_PARAMETER)]:
                with self.assertRaises(Error) as cm:
                    plan.verdict(*args)
                self.assertEqual(cm.exception.status, status)
        with self.assertRaises(Error) as cm:
            eng.delivery_plan(LIB, None, [b"\xff"])
        self.assertEqual(cm.exception.status, mta_sts.INVALID_UTF8)
        with self.assertRaises(Error) as cm:
            eng.new_failure(LIB, 0)
        self.assertEqual(cm.exception.status, eng.UNKNOWN_ENUM_VALUE)


if __name__ == "__main__":
    unittest.main(verbosity=2)
