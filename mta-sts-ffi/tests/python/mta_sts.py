"""ctypes bindings of libmta_sts (no compile step): the C ABI used from Python.

Load the library with ``Library(path)``; the path defaults to the ``MTA_STS_LIB``
environment variable. Handles are wrapped in classes whose ``close()`` (or ``with``
block) calls the matching ``_free``; views are copied into Python ``str`` while their
handle is alive.
"""

import ctypes
import os
from ctypes import POINTER, Structure, byref, c_bool, c_char_p, c_size_t, c_uint8, c_uint32, c_uint64, c_void_p

OK = 0
NULL_PARAMETER = 1
INVALID_UTF8 = 3
INDEX_OUT_OF_RANGE = 4
RECORD_NOT_ASCII = 1001
RECORD_MISSING_ID = 1008
SELECT_NO_RECORD = 1100
SELECT_MULTIPLE_RECORDS = 1101
POLICY_UNKNOWN_MODE = 1206
POLICY_MISSING_MX = 1211
MX_INVALID_WILDCARD = 1306
DOMAIN_ADDRESS_LITERAL = 1401
CACHE_JSON_SYNTAX = 1505
CACHE_RECORD_INVALID = 1506
TRUST_ANCHOR_INVALID = 1600

MODES = {1: "enforce", 2: "testing", 3: "none"}
RESULT_TYPE_VALIDATION_FAILURE = 10


class Str(Structure):
    """mta_sts_str: a borrowed view (data, len), not NUL-terminated."""

    _fields_ = [("data", c_void_p), ("len", c_size_t)]

    def text(self):
        return ctypes.string_at(self.data, self.len).decode("utf-8")


class Bytes(Structure):
    """mta_sts_bytes: caller bytes (data, len)."""

    _fields_ = [("data", POINTER(c_uint8)), ("len", c_size_t)]


class TxtRecord(Structure):
    """mta_sts_txt_record: one TXT record as character-strings."""

    _fields_ = [("strings", POINTER(Bytes)), ("count", c_size_t)]


class Error(Exception):
    """A status other than MTA_STS_STATUS_OK."""

    def __init__(self, lib, status):
        self.status = status
        super().__init__(f"{lib.describe(status)} (status {status})")


def _buf(data):
    """(pointer, length) of a bytes object; the bytes must outlive the call."""
    return ctypes.cast(c_char_p(data), POINTER(c_uint8)), len(data)


class Library:
    """The loaded library, with every function of the ABI declared.

    Each C function ``mta_sts_X`` is the attribute ``X``; the other methods are
    Pythonic helpers over them.
    """

    def __init__(self, path=None):
        self.dll = ctypes.CDLL(path or os.environ["MTA_STS_LIB"])
        handle = c_void_p
        out_handle = POINTER(c_void_p)
        u8p = POINTER(c_uint8)
        sigs = {
            "mta_sts_version": ([], c_char_p),
            "mta_sts_status_str": ([c_uint32], c_char_p),
            "mta_sts_result_type_str": ([c_uint32], c_char_p),
            "mta_sts_record_parse": ([u8p, c_size_t, out_handle], c_uint32),
            "mta_sts_record_select": ([POINTER(TxtRecord), c_size_t, out_handle], c_uint32),
            "mta_sts_record_id": ([handle, POINTER(Str)], c_uint32),
            "mta_sts_record_free": ([handle], None),
            "mta_sts_policy_parse": ([u8p, c_size_t, out_handle], c_uint32),
            "mta_sts_policy_free": ([handle], None),
            "mta_sts_policy_mode": ([handle, POINTER(c_uint32)], c_uint32),
            "mta_sts_policy_max_age": ([handle, POINTER(c_uint32)], c_uint32),
            "mta_sts_policy_mx_count": ([handle, POINTER(c_size_t)], c_uint32),
            "mta_sts_policy_mx": ([handle, c_size_t, POINTER(Str)], c_uint32),
            "mta_sts_policy_warnings_count": ([handle, POINTER(c_size_t)], c_uint32),
            "mta_sts_policy_warning": ([handle, c_size_t, POINTER(c_size_t), POINTER(Str)], c_uint32),
            "mta_sts_policy_lines_count": ([handle, POINTER(c_size_t)], c_uint32),
            "mta_sts_policy_line": ([handle, c_size_t, POINTER(Str)], c_uint32),
            "mta_sts_policy_matches_mx": ([handle, u8p, c_size_t, POINTER(c_bool)], c_uint32),
            "mta_sts_policy_check_mx": ([handle, u8p, c_size_t, out_handle], c_uint32),
            "mta_sts_mx_pattern_matches": ([u8p, c_size_t, u8p, c_size_t, POINTER(c_bool)], c_uint32),
            "mta_sts_failure_result_type": ([handle, POINTER(c_uint32)], c_uint32),
            "mta_sts_failure_result_type_str": ([handle, POINTER(Str)], c_uint32),
            "mta_sts_failure_reason_code": ([handle, POINTER(Str)], c_uint32),
            "mta_sts_failure_free": ([handle], None),
            "mta_sts_cache_entry_new": (
                [u8p, c_size_t, u8p, c_size_t, u8p, c_size_t, c_uint64, out_handle], c_uint32),
            "mta_sts_cache_entry_from_json": ([u8p, c_size_t, out_handle], c_uint32),
            "mta_sts_cache_entry_json": ([handle, POINTER(Str)], c_uint32),
            "mta_sts_cache_entry_domain": ([handle, POINTER(Str)], c_uint32),
            "mta_sts_cache_entry_id": ([handle, POINTER(Str)], c_uint32),
            "mta_sts_cache_entry_times": ([handle, POINTER(c_uint64), POINTER(c_uint64)], c_uint32),
            "mta_sts_cache_entry_is_valid": ([handle, c_uint64, POINTER(c_bool)], c_uint32),
            "mta_sts_cache_entry_policy": ([handle, out_handle], c_uint32),
            "mta_sts_cache_entry_free": ([handle], None),
            "mta_sts_trust_anchors_new": ([POINTER(Bytes), c_size_t, out_handle], c_uint32),
            "mta_sts_trust_anchors_free": ([handle], None),
            "mta_sts_verify_mx_certificate": (
                [u8p, c_size_t, POINTER(Bytes), c_size_t, u8p, c_size_t, handle, c_uint64, out_handle],
                c_uint32),
        }
        for name, (argtypes, restype) in sigs.items():
            fn = getattr(self.dll, name)
            fn.argtypes = argtypes
            fn.restype = restype
            setattr(self, name[len("mta_sts_"):], fn)

    def check(self, status):
        if status != OK:
            raise Error(self, status)

    def describe(self, status):
        """mta_sts_status_str() as a Python str."""
        return self.status_str(status).decode()

    def parse_record(self, text):
        out = c_void_p()
        self.check(self.record_parse(*_buf(text), byref(out)))
        return Record(self, out)

    def select_record(self, rrset):
        """rrset: a list of records, each a list of bytes character-strings."""
        arrays = [(Bytes * len(r))(*[Bytes(*_buf(s)) for s in r]) for r in rrset]
        records = (TxtRecord * len(rrset))(*[TxtRecord(a, len(a)) for a in arrays])
        out = c_void_p()
        self.check(self.record_select(records, len(rrset), byref(out)))
        return Record(self, out)

    def parse_policy(self, body):
        out = c_void_p()
        self.check(self.policy_parse(*_buf(body), byref(out)))
        return Policy(self, out)

    def new_cache_entry(self, domain, policy_id, policy_text, fetched_at):
        out = c_void_p()
        self.check(self.cache_entry_new(*_buf(domain), *_buf(policy_id), *_buf(policy_text),
                                        fetched_at, byref(out)))
        return CacheEntry(self, out)

    def load_cache_entry(self, json_bytes):
        out = c_void_p()
        self.check(self.cache_entry_from_json(*_buf(json_bytes), byref(out)))
        return CacheEntry(self, out)

    def trust_anchors(self, roots):
        """roots: a list of DER root certificates (bytes)."""
        array = (Bytes * len(roots))(*[Bytes(*_buf(r)) for r in roots])
        out = c_void_p()
        self.check(self.trust_anchors_new(array, len(roots), byref(out)))
        return TrustAnchors(self, out)

    def verify_mx(self, end_entity, intermediates, host, anchors, now):
        """None if the certificate is valid for host at now, else the Failure."""
        chain = (Bytes * len(intermediates))(*[Bytes(*_buf(c)) for c in intermediates])
        out = c_void_p()
        self.check(self.verify_mx_certificate(*_buf(end_entity), chain, len(intermediates),
                                                  *_buf(host), anchors.ptr, now, byref(out)))
        return Failure(self, out) if out.value else None

    def pattern_matches(self, pattern, host):
        out = c_bool()
        self.check(self.mx_pattern_matches(*_buf(pattern), *_buf(host), byref(out)))
        return out.value


class _Handle:
    _free = None

    def __init__(self, lib, ptr):
        self.lib, self.ptr = lib, ptr

    def close(self):
        if self.ptr:
            getattr(self.lib, self._free)(self.ptr)
            self.ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _str(self, fn, *args):
        view = Str()
        self.lib.check(fn(self.ptr, *args, byref(view)))
        return view.text()

    def _size(self, fn):
        out = c_size_t()
        self.lib.check(fn(self.ptr, byref(out)))
        return out.value


class Record(_Handle):
    _free = "record_free"

    @property
    def id(self):
        return self._str(self.lib.record_id)


class Failure(_Handle):
    _free = "failure_free"

    @property
    def result_type(self):
        out = c_uint32()
        self.lib.check(self.lib.failure_result_type(self.ptr, byref(out)))
        return out.value

    @property
    def result_type_str(self):
        return self._str(self.lib.failure_result_type_str)

    @property
    def reason_code(self):
        return self._str(self.lib.failure_reason_code)


class Policy(_Handle):
    _free = "policy_free"

    @property
    def mode(self):
        out = c_uint32()
        self.lib.check(self.lib.policy_mode(self.ptr, byref(out)))
        return MODES[out.value]

    @property
    def max_age(self):
        out = c_uint32()
        self.lib.check(self.lib.policy_max_age(self.ptr, byref(out)))
        return out.value

    @property
    def mx(self):
        return [self._str(self.lib.policy_mx, i) for i in range(self._size(self.lib.policy_mx_count))]

    @property
    def lines(self):
        return [self._str(self.lib.policy_line, i) for i in range(self._size(self.lib.policy_lines_count))]

    @property
    def warnings(self):
        result = []
        for i in range(self._size(self.lib.policy_warnings_count)):
            line, message = c_size_t(), Str()
            self.lib.check(self.lib.policy_warning(self.ptr, i, byref(line), byref(message)))
            result.append((line.value, message.text()))
        return result

    def matches_mx(self, host):
        out = c_bool()
        self.lib.check(self.lib.policy_matches_mx(self.ptr, *_buf(host), byref(out)))
        return out.value

    def check_mx(self, host):
        """None if the MX host may be tried, else the Failure to report."""
        out = c_void_p()
        self.lib.check(self.lib.policy_check_mx(self.ptr, *_buf(host), byref(out)))
        return Failure(self.lib, out) if out.value else None


class CacheEntry(_Handle):
    _free = "cache_entry_free"

    @property
    def json(self):
        return self._str(self.lib.cache_entry_json)

    @property
    def domain(self):
        return self._str(self.lib.cache_entry_domain)

    @property
    def id(self):
        return self._str(self.lib.cache_entry_id)

    @property
    def times(self):
        fetched_at, expires_at = c_uint64(), c_uint64()
        self.lib.check(self.lib.cache_entry_times(self.ptr, byref(fetched_at), byref(expires_at)))
        return fetched_at.value, expires_at.value

    def is_valid(self, now):
        out = c_bool()
        self.lib.check(self.lib.cache_entry_is_valid(self.ptr, now, byref(out)))
        return out.value

    def policy(self):
        out = c_void_p()
        self.lib.check(self.lib.cache_entry_policy(self.ptr, byref(out)))
        return Policy(self.lib, out)


class TrustAnchors(_Handle):
    _free = "trust_anchors_free"
