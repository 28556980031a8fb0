"""Checks the reports `mta-stsd tlsrpt show` printed (JSON lines on stdin) against the
sessions sessions.c reported through libtlsrpt: exact counts and failure rows."""
import json
import sys

EHLO = "250-mx1.example.test\r\n250-PIPELINING\r\n250 STARTTLS"
CODES = {
    201: "starttls-not-supported", 202: "certificate-host-mismatch",
    203: "certificate-not-trusted", 204: "certificate-expired", 205: "validation-failure",
    301: "sts-policy-fetch-error", 302: "sts-policy-invalid", 303: "sts-webpki-invalid",
    304: "tlsa-invalid", 305: "dnssec-invalid", 306: "dane-required",
}

reports = [json.loads(line) for line in sys.stdin if line.strip()]
by_domain = {}
for r in reports:
    domains = {p["policy"]["policy-domain"] for p in r["policies"]}
    assert len(domains) == 1, domains
    by_domain[domains.pop()] = r
assert sorted(by_domain) == ["dane.test", "example.test"], sorted(by_domain)


def policy(report, ptype):
    found = [p for p in report["policies"] if p["policy"]["policy-type"] == ptype]
    assert len(found) == 1, (ptype, report["policies"])
    return found[0]


ex = by_domain["example.test"]
assert ex["contact-info"] == "tlsrpt@sender.test" and ex["report-id"], ex
sts = policy(ex, "sts")
assert sts["policy"]["policy-string"] == [
    "version: STSv1", "mode: enforce", "mx: mx1.example.test", "max_age: 86400"], sts
assert sts["policy"]["mx-host"] == ["mx1.example.test"], sts
assert sts["summary"] == {"total-successful-session-count": 3,
                          "total-failure-session-count": 11}, sts["summary"]
rows = sts["failure-details"]
assert sorted(r["result-type"] for r in rows) == sorted(CODES.values()), rows
for row in rows:
    want = {"result-type": row["result-type"], "sending-mta-ip": "192.0.2.1",
            "receiving-mx-hostname": "mx1.example.test", "receiving-mx-helo": EHLO,
            "receiving-ip": "198.51.100.7", "failed-session-count": 1}
    assert row == want, (row, want)
none = policy(ex, "no-policy-found")
assert none["policy"]["policy-domain"] == "example.test", none
assert none["summary"] == {"total-successful-session-count": 2,
                           "total-failure-session-count": 0}, none["summary"]

tlsa = policy(by_domain["dane.test"], "tlsa")
assert tlsa["policy"]["policy-string"] == ["3 1 1 0123456789abcdef"], tlsa
assert tlsa["summary"] == {"total-successful-session-count": 1,
                           "total-failure-session-count": 1}, tlsa["summary"]
assert tlsa["failure-details"] == [{
    "result-type": "tlsa-invalid", "sending-mta-ip": "192.0.2.1",
    "receiving-mx-hostname": "mx.dane.test", "receiving-ip": "2001:db8::25",
    "failed-session-count": 1, "failure-reason-code": "tlsa-mismatch"}], tlsa
print("libtlsrpt: %d reports, counts and failure rows exact" % len(reports))
