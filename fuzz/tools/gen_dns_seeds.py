#!/usr/bin/env python3
"""Writes the dns_response seed corpus: well-formed responses to the target's queries.

Layout of each seed (see fuzz_targets/dns_response.rs): one flags byte, a two-byte id,
then the DNS response. Run from fuzz/: python3 tools/gen_dns_seeds.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "..", "seeds", "dns_response")
TXT, MX, CNAME, OPT = 16, 15, 5, 41
NAMES = ["_mta-sts.example.com", "example.com", "_MTA-STS.Example.COM.", "_smtp._tls.mail.example.org"]


def name(n):
    out = b""
    for label in n.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=300):
    return owner + struct.pack(">HHIH", rtype, 1, ttl, len(rdata)) + rdata


def txt(*strings):
    return b"".join(bytes([len(s)]) + s for s in strings)


def mx(pref, host):
    return struct.pack(">H", pref) + name(host)


def response(qname, qtype, answers=(), rcode=0, tc=False, ident=0x1234, additional=()):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    header = struct.pack(">HHHHHH", ident, flags, 1, len(answers), 0, len(additional))
    question = name(qname) + struct.pack(">HH", qtype, 1)
    return header + question + b"".join(answers) + b"".join(additional)


def seed(flags, msg, ident=0x1234):
    return bytes([flags]) + struct.pack(">H", ident) + msg


PTR = b"\xc0\x0c"  # compression pointer to the question name
opt = rr(b"\0", OPT, b"", ttl=0)[:3] + struct.pack(">HIH", 1232, 0, 0)
seeds = {
    "txt_sts": seed(0, response(NAMES[0], TXT, [rr(PTR, TXT, txt(b"v=STSv1; id=20160831085700Z;"))])),
    "txt_split": seed(0, response(NAMES[0], TXT, [rr(PTR, TXT, txt(b"v=STSv1; id=2016", b"0831085700Z;")),
                                                  rr(PTR, TXT, txt(b"v=spf1 -all"))])),
    "txt_two": seed(2, response(NAMES[0], TXT, [rr(PTR, TXT, txt(b"v=STSv1; id=1")),
                                                rr(PTR, TXT, txt(b"v=STSv1; id=2"))], additional=[opt])),
    "txt_cname": seed(0, response(NAMES[0], TXT, [
        rr(PTR, CNAME, name("_mta-sts.provider.example")),
        rr(name("_mta-sts.provider.example"), TXT, txt(b"v=STSv1; id=abc;"))])),
    "txt_cname_loop": seed(0, response(NAMES[0], TXT, [
        rr(PTR, CNAME, name("a.example")), rr(name("a.example"), CNAME, name(NAMES[0]))])),
    "txt_nodata": seed(0, response(NAMES[0], TXT)),
    "txt_nxdomain": seed(0, response(NAMES[0], TXT, rcode=3)),
    "txt_servfail": seed(0, response(NAMES[0], TXT, rcode=2)),
    "txt_truncated": seed(0, response(NAMES[0], TXT, tc=True)),
    "txt_case": seed(2 | (2 << 2), response("_mta-sts.EXAMPLE.com", TXT, [rr(PTR, TXT, txt(b"v=STSv1; id=x"))])),
    "tlsrpt_txt": seed(3 << 2, response(NAMES[3], TXT, [rr(PTR, TXT, txt(b"v=TLSRPTv1;rua=mailto:tlsrpt@example.org"))])),
    "mx_two": seed(1 | (1 << 2), response(NAMES[1], MX, [rr(PTR, MX, mx(20, "MX2.Example.com.")),
                                                         rr(PTR, MX, mx(10, "mx1.example.com"))])),
    "mx_null": seed(1 | (1 << 2), response(NAMES[1], MX, [rr(PTR, MX, struct.pack(">H", 0) + b"\0")])),
    "mx_compressed": seed(1 | (1 << 2), response(NAMES[1], MX, [rr(PTR, MX, struct.pack(">H", 5) + b"\x02mx\xc0\x0c")])),
}
# Two framed messages back to back, for the TCP decoder (chunk size from the flags).
seeds["tcp_stream"] = bytes([0x32, 0x12, 0x34]) + b"".join(
    struct.pack(">H", len(m)) + m for m in (seeds["txt_sts"][3:], seeds["txt_two"][3:]))

os.makedirs(OUT, exist_ok=True)
for key, value in seeds.items():
    with open(os.path.join(OUT, key), "wb") as f:
        f.write(value)
print(f"wrote {len(seeds)} seeds to {os.path.normpath(OUT)}")
