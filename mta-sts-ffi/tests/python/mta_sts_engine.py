"""ctypes bindings of the MTA-STS engine part of libmta_sts (RFC 8461 §3, §4, §5): the
discovery lookup and its outcome, the DNS wire helpers and the delivery decision.

``declare(lib)`` adds these functions to a ``mta_sts.Library``; the classes here wrap the
handles (``close()`` or a ``with`` block frees them). Views are copied into Python
``str``/``bytes`` while their handle is alive; needed-length buffers are called twice.
"""

from ctypes import (POINTER, Structure, byref, c_bool, c_size_t, c_uint8, c_uint16, c_uint32,
                    c_uint64, c_void_p, cast, create_string_buffer, string_at)

from mta_sts import OK, Bytes, CacheEntry, Error, Failure, Policy, Str, TxtRecord, _buf, _Handle

BUFFER_TOO_SMALL = 8
LOOKUP_WRONG_STEP = 1700
LOOKUP_NOT_DONE = 1701
UNKNOWN_ENUM_VALUE = 1702
DNS_QUERY_NOT_ASCII = 1804
DNS_TCP_INCOMPLETE = 1851
DNS_RESPONSE_ID_MISMATCH = 1902
DNS_RESPONSE_MALFORMED = 1950
FETCH_HTTP_STATUS = 2003
FETCH_CONTENT_TYPE = 2004
DISCOVERY_DNS_TEMPORARY_FAILURE = 2100
DISCOVERY_FETCH_BACKOFF = 2101

DNS_MX, DNS_TXT = 15, 16
STEPS = {1: "query_txt", 2: "fetch_policy", 3: "done"}
TXT_RECORDS, TXT_NO_RECORDS, TXT_NXDOMAIN, TXT_TEMPORARY_FAILURE = 1, 2, 3, 4
TRANSPORT_ERRORS = {"dns": 1, "connect": 2, "timeout": 3, "tls_handshake": 4, "http": 5}
REASONS = {1: "fetched", 2: "cached_id_unchanged", 3: "cached_fallback", 4: "no_policy",
           5: "temporary_failure"}
CACHE_ACTIONS = {1: "store", 2: "keep", 3: "remove", 4: "nothing"}
BACKOFF_ACTIONS = {1: "unchanged", 2: "set", 3: "clear"}
BOUNCE_CHECKS = {1: "retry_with_new_policy", 2: "no_new_policy", 3: "inconclusive",
                 4: "not_applicable"}
ANSWER_KINDS = {1: "txt", 2: "mx", 3: "null_mx", 4: "no_data", 5: "nx_domain",
                6: "temporary_failure", 7: "truncated"}
ENFORCEMENT = {1: "none", 2: "testing", 3: "enforce"}
TLS = {"starttls_not_offered": 1, "handshake_failed": 2, "certificate_invalid": 3, "verified": 4}
DANE = {None: 1, "verified": 2, "failed": 3}
VERDICTS = {1: "deliver", 2: "deliver_and_report", 3: "skip_and_report"}
EXHAUSTED = {1: "defer", 2: "defer_and_check_before_bounce"}


class Step(Structure):
    """mta_sts_step: what the lookup waits for."""

    _fields_ = [("kind", c_uint32), ("name", Str), ("url", Str), ("host", Str),
                ("max_body_len", c_size_t)]


def declare(lib):
    """Declares the engine, DNS and delivery functions on `lib` and returns it."""
    handle = c_void_p
    out_handle = POINTER(c_void_p)
    u8p = POINTER(c_uint8)
    sigs = {
        "mta_sts_lookup_new": ([u8p, c_size_t, handle, c_uint64, out_handle], c_uint32),
        "mta_sts_lookup_refresh": ([handle, c_uint64, out_handle], c_uint32),
        "mta_sts_lookup_before_bounce": (
            [u8p, c_size_t, handle, u8p, c_size_t, c_uint64, out_handle], c_uint32),
        "mta_sts_lookup_set_backoff": ([handle, handle], c_uint32),
        "mta_sts_lookup_set_fetch_options": ([handle, c_bool, c_size_t], c_uint32),
        "mta_sts_lookup_poll": ([handle, POINTER(Step)], c_uint32),
        "mta_sts_lookup_handle_txt": (
            [handle, c_uint64, c_uint32, POINTER(TxtRecord), c_size_t], c_uint32),
        "mta_sts_lookup_handle_dns_answer": ([handle, c_uint64, handle], c_uint32),
        "mta_sts_lookup_handle_fetch_response": (
            [handle, c_uint64, c_uint16, u8p, c_size_t, u8p, c_size_t], c_uint32),
        "mta_sts_lookup_handle_fetch_error": ([handle, c_uint64, c_uint32], c_uint32),
        "mta_sts_lookup_handle_fetch_tls_failure": ([handle, c_uint64, handle], c_uint32),
        "mta_sts_lookup_outcome": ([handle, out_handle], c_uint32),
        "mta_sts_lookup_free": ([handle], None),
        "mta_sts_outcome_domain": ([handle, POINTER(Str)], c_uint32),
        "mta_sts_outcome_policy": ([handle, out_handle], c_uint32),
        "mta_sts_outcome_entry": ([handle, out_handle], c_uint32),
        "mta_sts_outcome_reason": ([handle, POINTER(c_uint32)], c_uint32),
        "mta_sts_outcome_problem": ([handle, POINTER(c_uint32)], c_uint32),
        "mta_sts_outcome_reason_text": ([handle, POINTER(Str)], c_uint32),
        "mta_sts_outcome_cache_action": ([handle, POINTER(c_uint32)], c_uint32),
        "mta_sts_outcome_backoff": ([handle, POINTER(c_uint32), out_handle], c_uint32),
        "mta_sts_outcome_report": ([handle, out_handle], c_uint32),
        "mta_sts_outcome_bounce_check": ([handle, POINTER(c_uint32)], c_uint32),
        "mta_sts_outcome_is_temporary_failure": ([handle, POINTER(c_bool)], c_uint32),
        "mta_sts_outcome_fetch_warnings_count": ([handle, POINTER(c_size_t)], c_uint32),
        "mta_sts_outcome_fetch_warning": ([handle, c_size_t, POINTER(c_uint32)], c_uint32),
        "mta_sts_outcome_free": ([handle], None),
        "mta_sts_backoff_id": ([handle, POINTER(Str)], c_uint32),
        "mta_sts_backoff_until": ([handle, POINTER(c_uint64)], c_uint32),
        "mta_sts_backoff_failure": ([handle, out_handle], c_uint32),
        "mta_sts_backoff_free": ([handle], None),
        "mta_sts_dns_query_build": (
            [u8p, c_size_t, c_uint32, c_uint16, u8p, c_size_t, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_tcp_frame": ([u8p, c_size_t, u8p, c_size_t, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_response_parse": (
            [u8p, c_size_t, c_uint32, c_uint16, u8p, c_size_t, out_handle], c_uint32),
        "mta_sts_dns_status_is_mismatch": ([c_uint32], c_bool),
        "mta_sts_dns_answer_get_kind": ([handle, POINTER(c_uint32)], c_uint32),
        "mta_sts_dns_answer_rcode": ([handle, POINTER(c_uint16)], c_uint32),
        "mta_sts_dns_answer_txt_count": ([handle, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_answer_txt_strings_count": ([handle, c_size_t, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_answer_txt_string": ([handle, c_size_t, c_size_t, POINTER(Bytes)], c_uint32),
        "mta_sts_dns_answer_mx_count": ([handle, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_answer_mx": ([handle, c_size_t, POINTER(c_uint16), POINTER(Str)], c_uint32),
        "mta_sts_dns_answer_free": ([handle], None),
        "mta_sts_dns_tcp_decoder_new": ([out_handle], c_uint32),
        "mta_sts_dns_tcp_decoder_push": ([handle, u8p, c_size_t, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_tcp_decoder_needed": ([handle, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_tcp_decoder_take": ([handle, u8p, c_size_t, POINTER(c_size_t)], c_uint32),
        "mta_sts_dns_tcp_decoder_free": ([handle], None),
        "mta_sts_delivery_plan_new": ([handle, POINTER(Bytes), c_size_t, out_handle], c_uint32),
        "mta_sts_delivery_plan_enforcement": ([handle, POINTER(c_uint32)], c_uint32),
        "mta_sts_delivery_plan_count": ([handle, POINTER(c_size_t)], c_uint32),
        "mta_sts_delivery_plan_host": ([handle, c_size_t, POINTER(Str)], c_uint32),
        "mta_sts_delivery_plan_matched_pattern": ([handle, c_size_t, POINTER(Str)], c_uint32),
        "mta_sts_delivery_plan_skip_before_connect": ([handle, c_size_t, out_handle], c_uint32),
        "mta_sts_delivery_plan_verdict": (
            [handle, c_size_t, c_uint32, handle, c_uint32, handle, POINTER(c_uint32), out_handle],
            c_uint32),
        "mta_sts_delivery_plan_when_exhausted": ([handle, POINTER(c_uint32)], c_uint32),
        "mta_sts_delivery_plan_free": ([handle], None),
        "mta_sts_failure_new": ([c_uint32, u8p, c_size_t, out_handle], c_uint32),
        "mta_sts_policy_error_line": ([u8p, c_size_t, POINTER(c_size_t)], c_uint32),
        "mta_sts_record_error_offset": (
            [u8p, c_size_t, POINTER(c_bool), POINTER(c_size_t)], c_uint32),
    }
    for name, (argtypes, restype) in sigs.items():
        fn = getattr(lib.dll, name)
        fn.argtypes = argtypes
        fn.restype = restype
        setattr(lib, name[len("mta_sts_"):], fn)
    return lib


def _text(data):
    return data.encode() if isinstance(data, str) else data


def _needed(lib, call):
    """Calls a needed-length function twice: (NULL, 0) for the length, then the buffer."""
    length = c_size_t()
    status = call(None, 0, byref(length))
    if status == OK:
        return b""
    if status != BUFFER_TOO_SMALL:
        raise Error(lib, status)
    buf = create_string_buffer(length.value)
    lib.check(call(_u8(buf), length.value, byref(length)))
    return buf.raw[:length.value]


def _u8(buf):
    return cast(buf, POINTER(c_uint8))


def _ptr(handle):
    return handle.ptr if handle is not None else None


def policy_error_line(lib, body):
    """The 1-based line of the policy's parse error, 0 for none."""
    out = c_size_t()
    lib.check(lib.policy_error_line(*_buf(body), byref(out)))
    return out.value


def record_error_offset(lib, record):
    """The byte offset of the record's parse error, None for none."""
    has, offset = c_bool(), c_size_t()
    lib.check(lib.record_error_offset(*_buf(record), byref(has), byref(offset)))
    return offset.value if has.value else None


def new_lookup(lib, domain, now, cached=None):
    out = c_void_p()
    lib.check(lib.lookup_new(*_buf(_text(domain)), _ptr(cached), now, byref(out)))
    return Lookup(lib, out)


def refresh_lookup(lib, cached, now):
    out = c_void_p()
    lib.check(lib.lookup_refresh(cached.ptr, now, byref(out)))
    return Lookup(lib, out)


def before_bounce_lookup(lib, domain, applied_id, now, cached=None):
    out = c_void_p()
    lib.check(lib.lookup_before_bounce(*_buf(_text(domain)), _ptr(cached),
                                       *_buf(_text(applied_id)), now, byref(out)))
    return Lookup(lib, out)


def dns_query(lib, name, rtype, query_id):
    """The query message (bytes) for name, DNS_TXT or DNS_MX, and message id."""
    name = _text(name)
    return _needed(lib, lambda buf, n, out: lib.dns_query_build(*_buf(name), rtype, query_id,
                                                                buf, n, out))


def tcp_frame(lib, message):
    return _needed(lib, lambda buf, n, out: lib.dns_tcp_frame(*_buf(message), buf, n, out))


def parse_dns_response(lib, name, rtype, query_id, response):
    out = c_void_p()
    lib.check(lib.dns_response_parse(*_buf(_text(name)), rtype, query_id, *_buf(response),
                                     byref(out)))
    return DnsAnswer(lib, out)


def new_failure(lib, result_type, reason_code=b""):
    out = c_void_p()
    lib.check(lib.failure_new(result_type, *_buf(_text(reason_code)), byref(out)))
    return Failure(lib, out)


def delivery_plan(lib, policy, hosts):
    """policy: a mta_sts.Policy or None; hosts: MX host names in preference order."""
    hosts = [_text(h) for h in hosts]
    array = (Bytes * len(hosts))(*[Bytes(*_buf(h)) for h in hosts])
    out = c_void_p()
    lib.check(lib.delivery_plan_new(_ptr(policy), array, len(hosts), byref(out)))
    return DeliveryPlan(lib, out)


def _failure_text(lib, out):
    """(result-type, reason code) of a returned failure handle, freed; None for NULL."""
    if not out.value:
        return None
    with Failure(lib, out) as failure:
        return failure.result_type_str, failure.reason_code


class Lookup(_Handle):
    _free = "lookup_free"

    def poll(self):
        step = Step()
        self.lib.check(self.lib.lookup_poll(self.ptr, byref(step)))
        kind = STEPS[step.kind]
        if kind == "query_txt":
            return kind, {"name": step.name.text()}
        if kind == "fetch_policy":
            return kind, {"url": step.url.text(), "host": step.host.text(),
                          "max_body_len": step.max_body_len}
        return kind, {}

    def set_backoff(self, backoff):
        self.lib.check(self.lib.lookup_set_backoff(self.ptr, _ptr(backoff)))

    def set_fetch_options(self, require_text_plain, max_body_len):
        self.lib.check(self.lib.lookup_set_fetch_options(self.ptr, require_text_plain,
                                                         max_body_len))

    def txt_records(self, now, rrset):
        """rrset: a list of records, each a list of bytes character-strings."""
        arrays = [(Bytes * len(r))(*[Bytes(*_buf(s)) for s in r]) for r in rrset]
        records = (TxtRecord * len(rrset))(*[TxtRecord(a, len(a)) for a in arrays])
        self.lib.check(self.lib.lookup_handle_txt(self.ptr, now, TXT_RECORDS, records,
                                                  len(rrset)))

    def txt_status(self, now, kind):
        self.lib.check(self.lib.lookup_handle_txt(self.ptr, now, kind, None, 0))

    def dns_answer(self, now, answer):
        self.lib.check(self.lib.lookup_handle_dns_answer(self.ptr, now, answer.ptr))

    def fetch_response(self, now, status, content_type, body):
        ct = (None, 0) if content_type is None else _buf(_text(content_type))
        self.lib.check(self.lib.lookup_handle_fetch_response(self.ptr, now, status, *ct,
                                                             *_buf(body)))

    def fetch_error(self, now, error):
        self.lib.check(self.lib.lookup_handle_fetch_error(self.ptr, now, TRANSPORT_ERRORS[error]))

    def fetch_tls_failure(self, now, failure):
        self.lib.check(self.lib.lookup_handle_fetch_tls_failure(self.ptr, now, failure.ptr))

    def outcome(self):
        out = c_void_p()
        self.lib.check(self.lib.lookup_outcome(self.ptr, byref(out)))
        return Outcome(self.lib, out)


class Outcome(_Handle):
    _free = "outcome_free"

    def _enum(self, fn, names):
        out = c_uint32()
        self.lib.check(fn(self.ptr, byref(out)))
        return names[out.value]

    @property
    def domain(self):
        return self._str(self.lib.outcome_domain)

    @property
    def reason(self):
        return self._enum(self.lib.outcome_reason, REASONS)

    @property
    def problem(self):
        """The status code of what went wrong (0 when nothing did)."""
        out = c_uint32()
        self.lib.check(self.lib.outcome_problem(self.ptr, byref(out)))
        return out.value

    @property
    def reason_text(self):
        return self._str(self.lib.outcome_reason_text)

    @property
    def cache_action(self):
        return self._enum(self.lib.outcome_cache_action, CACHE_ACTIONS)

    @property
    def bounce_check(self):
        return self._enum(self.lib.outcome_bounce_check, BOUNCE_CHECKS)

    @property
    def is_temporary_failure(self):
        out = c_bool()
        self.lib.check(self.lib.outcome_is_temporary_failure(self.ptr, byref(out)))
        return out.value

    @property
    def fetch_warnings(self):
        result = []
        for i in range(self._size(self.lib.outcome_fetch_warnings_count)):
            out = c_uint32()
            self.lib.check(self.lib.outcome_fetch_warning(self.ptr, i, byref(out)))
            result.append({1: "missing_content_type", 2: "unexpected_content_type"}[out.value])
        return result

    def policy(self):
        out = c_void_p()
        self.lib.check(self.lib.outcome_policy(self.ptr, byref(out)))
        return Policy(self.lib, out) if out.value else None

    def entry(self):
        out = c_void_p()
        self.lib.check(self.lib.outcome_entry(self.ptr, byref(out)))
        return CacheEntry(self.lib, out) if out.value else None

    def report(self):
        out = c_void_p()
        self.lib.check(self.lib.outcome_report(self.ptr, byref(out)))
        return _failure_text(self.lib, out)

    def backoff(self):
        """(action, Backoff or None)."""
        action, out = c_uint32(), c_void_p()
        self.lib.check(self.lib.outcome_backoff(self.ptr, byref(action), byref(out)))
        return BACKOFF_ACTIONS[action.value], (Backoff(self.lib, out) if out.value else None)


class Backoff(_Handle):
    _free = "backoff_free"

    @property
    def id(self):
        return self._str(self.lib.backoff_id)

    @property
    def until(self):
        out = c_uint64()
        self.lib.check(self.lib.backoff_until(self.ptr, byref(out)))
        return out.value

    def failure(self):
        out = c_void_p()
        self.lib.check(self.lib.backoff_failure(self.ptr, byref(out)))
        return _failure_text(self.lib, out)


class DnsAnswer(_Handle):
    _free = "dns_answer_free"

    @property
    def kind(self):
        out = c_uint32()
        self.lib.check(self.lib.dns_answer_get_kind(self.ptr, byref(out)))
        return ANSWER_KINDS[out.value]

    @property
    def rcode(self):
        out = c_uint16()
        self.lib.check(self.lib.dns_answer_rcode(self.ptr, byref(out)))
        return out.value

    @property
    def txt(self):
        records = []
        for r in range(self._size(self.lib.dns_answer_txt_count)):
            count = c_size_t()
            self.lib.check(self.lib.dns_answer_txt_strings_count(self.ptr, r, byref(count)))
            strings = []
            for s in range(count.value):
                view = Bytes()
                self.lib.check(self.lib.dns_answer_txt_string(self.ptr, r, s, byref(view)))
                strings.append(string_at(view.data, view.len))
            records.append(strings)
        return records

    @property
    def mx(self):
        result = []
        for i in range(self._size(self.lib.dns_answer_mx_count)):
            preference, exchange = c_uint16(), Str()
            self.lib.check(self.lib.dns_answer_mx(self.ptr, i, byref(preference), byref(exchange)))
            result.append((preference.value, exchange.text()))
        return result


class TcpDecoder(_Handle):
    _free = "dns_tcp_decoder_free"

    def __init__(self, lib):
        out = c_void_p()
        lib.check(lib.dns_tcp_decoder_new(byref(out)))
        super().__init__(lib, out)

    def push(self, data):
        used = c_size_t()
        self.lib.check(self.lib.dns_tcp_decoder_push(self.ptr, *_buf(data), byref(used)))
        return used.value

    @property
    def needed(self):
        return self._size(self.lib.dns_tcp_decoder_needed)

    def take(self):
        """The complete message, or None while it is incomplete."""
        try:
            return _needed(self.lib,
                           lambda buf, n, out: self.lib.dns_tcp_decoder_take(self.ptr, buf, n, out))
        except Error as e:
            if e.status == DNS_TCP_INCOMPLETE:
                return None
            raise


class DeliveryPlan(_Handle):
    _free = "delivery_plan_free"

    @property
    def enforcement(self):
        out = c_uint32()
        self.lib.check(self.lib.delivery_plan_enforcement(self.ptr, byref(out)))
        return ENFORCEMENT[out.value]

    @property
    def candidates(self):
        """[(host, matched pattern or "")]."""
        return [(self._str(self.lib.delivery_plan_host, i),
                 self._str(self.lib.delivery_plan_matched_pattern, i))
                for i in range(self._size(self.lib.delivery_plan_count))]

    def skip_before_connect(self, index):
        out = c_void_p()
        self.lib.check(self.lib.delivery_plan_skip_before_connect(self.ptr, index, byref(out)))
        return _failure_text(self.lib, out)

    def verdict(self, index, tls, tls_failure=None, dane=None, dane_failure=None):
        """(verdict, (result-type, reason code) or None)."""
        verdict, out = c_uint32(), c_void_p()
        self.lib.check(self.lib.delivery_plan_verdict(
            self.ptr, index, TLS[tls], _ptr(tls_failure), DANE[dane], _ptr(dane_failure),
            byref(verdict), byref(out)))
        return VERDICTS[verdict.value], _failure_text(self.lib, out)

    @property
    def when_exhausted(self):
        out = c_uint32()
        self.lib.check(self.lib.delivery_plan_when_exhausted(self.ptr, byref(out)))
        return EXHAUSTED[out.value]
