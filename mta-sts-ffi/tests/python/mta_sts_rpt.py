"""ctypes bindings of the TLS-RPT part of libmta_sts (RFC 8460): the _smtp._tls record,
the aggregator, reports and their delivery formats, report intake.

``declare(lib)`` adds the TLS-RPT functions to a ``mta_sts.Library``; the classes here wrap
the handles (``close()`` or a ``with`` block frees them). Views are copied into Python
``str``/``bytes`` while their handle is alive; needed-length buffers are called twice.
"""

from ctypes import (POINTER, Structure, byref, c_bool, cast, c_int32, c_int64, c_size_t, c_uint8,
                    c_uint32, c_uint64, c_void_p, create_string_buffer, string_at)

from mta_sts import OK, Bytes, Error, Str, TxtRecord, _buf, _Handle

BUFFER_TOO_SMALL = 8
RPT_RECORD_MISSING_RUA = 3007
RPT_RECORD_NO_USABLE_RUA = 3008
RPT_SELECT_NO_RECORD = 3100
RPT_AGGREGATOR_UNKNOWN_POLICY = 3200
RPT_AGGREGATOR_STATE_INVALID = 3202
RPT_AGGREGATOR_STATE_JSON_SYNTAX = 3203
RPT_INVALID_IP_ADDRESS = 3204
RPT_INVALID_RESULT_TYPE = 3206
RPT_REPORT_JSON_SYNTAX = 3301
RPT_REPORT_DEVIATION = 3302
RPT_DELIVER_INVALID_UNIQUE_ID = 3404
RPT_INTAKE_DECOMPRESSED_TOO_LARGE = 3501
RPT_INTAKE_INVALID_READER = 3508

DEFAULT_MAX_FAILURE_ROWS = 1000
SCHEMES = {1: "mailto", 2: "https", 99: "other"}
DEVIATION_MX_HOST_AS_STRING = 8
NOTE_GZIPPED = 1
FINDING_FAILURE_COUNT_MISMATCH = 3


class RptFailure(Structure):
    """mta_sts_rpt_failure: one failure detail to record (empty text = absent)."""

    _fields_ = [("result_type", c_uint32), ("sending_mta_ip", Bytes),
                ("receiving_mx_hostname", Bytes), ("receiving_mx_helo", Bytes),
                ("receiving_ip", Bytes), ("failure_reason_code", Bytes)]


class RptMeta(Structure):
    """mta_sts_rpt_meta: organization, contact, report-id prefix, day (Unix seconds)."""

    _fields_ = [("organization_name", Bytes), ("contact_info", Bytes),
                ("report_id_prefix", Bytes), ("day", c_uint64)]


class EmailParams(Structure):
    """mta_sts_rpt_email_params."""

    _fields_ = [("from_", Bytes), ("to", Bytes), ("date", c_uint64),
                ("utc_offset_minutes", c_int32), ("message_id", Bytes), ("boundary", Bytes),
                ("unique_id", Bytes), ("compress", c_bool)]


class ReportInfo(Structure):
    _fields_ = [("organization_name", Str), ("contact_info", Str), ("report_id", Str),
                ("start", c_int64), ("end", c_int64), ("policies_count", c_size_t)]


class PolicyInfo(Structure):
    _fields_ = [("policy_type", Str), ("policy_domain", Str), ("policy_string_count", c_size_t),
                ("mx_host_count", c_size_t), ("total_successful_session_count", c_uint64),
                ("total_failure_session_count", c_uint64), ("failure_details_count", c_size_t)]


class FailureDetail(Structure):
    _fields_ = [("result_type", Str), ("sending_mta_ip", Str), ("receiving_mx_hostname", Str),
                ("receiving_mx_helo", Str), ("receiving_ip", Str),
                ("failed_session_count", c_uint64), ("additional_information", Str),
                ("failure_reason_code", Str)]


def _bytes(data):
    """A Bytes member for `data`; keep `data` alive while the struct is used."""
    return Bytes(*_buf(data))


def declare(lib):
    """Adds the TLS-RPT functions to a mta_sts.Library and returns it."""
    h, out_h, u8p, sz = c_void_p, POINTER(c_void_p), POINTER(c_uint8), c_size_t
    st, psz = POINTER(Str), POINTER(c_size_t)
    sigs = {
        "mta_sts_rpt_record_parse": ([u8p, sz, out_h], c_uint32),
        "mta_sts_rpt_record_select": ([POINTER(TxtRecord), sz, out_h], c_uint32),
        "mta_sts_rpt_record_free": ([h], None),
        "mta_sts_rpt_record_rua_count": ([h, psz], c_uint32),
        "mta_sts_rpt_record_rua": ([h, sz, POINTER(c_uint32), st, st], c_uint32),
        "mta_sts_rpt_record_extensions_count": ([h, psz], c_uint32),
        "mta_sts_rpt_record_extension": ([h, sz, st, st], c_uint32),
        "mta_sts_rpt_record_warnings_count": ([h, psz], c_uint32),
        "mta_sts_rpt_record_warning": ([h, sz, POINTER(c_uint32), st], c_uint32),
        "mta_sts_rpt_record_text": ([h, st], c_uint32),
        "mta_sts_aggregator_new": ([sz, out_h], c_uint32),
        "mta_sts_aggregator_free": ([h], None),
        "mta_sts_aggregator_add_sts_policy": ([h, h, u8p, sz, psz], c_uint32),
        "mta_sts_aggregator_add_no_policy_found": ([h, u8p, sz, psz], c_uint32),
        "mta_sts_aggregator_add_tlsa_policy": ([h, u8p, sz, POINTER(Bytes), sz, psz], c_uint32),
        "mta_sts_aggregator_record_success": ([h, sz], c_uint32),
        "mta_sts_aggregator_record_successes": ([h, sz, c_uint64], c_uint32),
        "mta_sts_aggregator_record_failure": ([h, sz, POINTER(RptFailure)], c_uint32),
        "mta_sts_aggregator_record_failure_session": ([h, sz, POINTER(RptFailure), sz], c_uint32),
        "mta_sts_rpt_failure_from_failure": ([h, POINTER(RptFailure)], c_uint32),
        "mta_sts_aggregator_policy_count": ([h, psz], c_uint32),
        "mta_sts_aggregator_overflow_sessions": ([h, sz, POINTER(c_uint64)], c_uint32),
        "mta_sts_aggregator_merge": ([h, h], c_uint32),
        "mta_sts_aggregator_export": ([h, u8p, sz, psz], c_uint32),
        "mta_sts_aggregator_import": ([u8p, sz, out_h], c_uint32),
        "mta_sts_aggregator_finish": ([h, POINTER(RptMeta), out_h], c_uint32),
        "mta_sts_report_list_count": ([h, psz], c_uint32),
        "mta_sts_report_list_get": ([h, sz, out_h], c_uint32),
        "mta_sts_report_list_free": ([h], None),
        "mta_sts_report_free": ([h], None),
        "mta_sts_report_json": ([h, st], c_uint32),
        "mta_sts_report_gzip": ([h, POINTER(Bytes)], c_uint32),
        "mta_sts_report_https_post": ([h, c_bool, POINTER(Bytes), st], c_uint32),
        "mta_sts_report_file_name": ([h, u8p, sz, c_bool, u8p, sz, psz], c_uint32),
        "mta_sts_report_email": ([h, POINTER(EmailParams), u8p, sz, psz], c_uint32),
        "mta_sts_report_policy_domain": ([h, st], c_uint32),
        "mta_sts_report_info": ([h, POINTER(ReportInfo)], c_uint32),
        "mta_sts_report_policy": ([h, sz, POINTER(PolicyInfo)], c_uint32),
        "mta_sts_report_policy_string": ([h, sz, sz, st], c_uint32),
        "mta_sts_report_policy_mx_host": ([h, sz, sz, st], c_uint32),
        "mta_sts_report_failure_detail": ([h, sz, sz, POINTER(FailureDetail)], c_uint32),
        "mta_sts_report_tolerations_count": ([h, psz], c_uint32),
        "mta_sts_report_toleration": ([h, sz, POINTER(c_uint32), st, st], c_uint32),
        "mta_sts_report_notes_count": ([h, psz], c_uint32),
        "mta_sts_report_note": ([h, sz, POINTER(c_uint32), st], c_uint32),
        "mta_sts_report_findings_count": ([h, psz], c_uint32),
        "mta_sts_report_finding": ([h, sz, POINTER(c_uint32), st, st], c_uint32),
        "mta_sts_report_parse": ([u8p, sz, out_h], c_uint32),
        "mta_sts_report_read_json": ([u8p, sz, out_h], c_uint32),
        "mta_sts_report_read_file": ([u8p, sz, sz, out_h], c_uint32),
        "mta_sts_report_read_email": ([u8p, sz, sz, out_h], c_uint32),
        "mta_sts_report_error_message": ([c_uint32, u8p, sz, sz, u8p, sz, psz], c_uint32),
    }
    for name, (argtypes, restype) in sigs.items():
        fn = getattr(lib.dll, name)
        fn.argtypes = argtypes
        fn.restype = restype
        setattr(lib, name[len("mta_sts_"):], fn)
    return lib


def _new(lib, cls, call, *args):
    out = c_void_p()
    lib.check(call(*args, byref(out)))
    return cls(lib, out)


def parse_rpt_record(lib, text):
    return _new(lib, RptRecord, lib.rpt_record_parse, *_buf(text))


def select_rpt_record(lib, rrset):
    """rrset: a list of records, each a list of bytes character-strings."""
    arrays = [(Bytes * len(r))(*[Bytes(*_buf(s)) for s in r]) for r in rrset]
    records = (TxtRecord * len(rrset))(*[TxtRecord(a, len(a)) for a in arrays])
    return _new(lib, RptRecord, lib.rpt_record_select, records, len(rrset))


def new_aggregator(lib, max_rows=DEFAULT_MAX_FAILURE_ROWS):
    return _new(lib, Aggregator, lib.aggregator_new, max_rows)


def import_aggregator(lib, state):
    return _new(lib, Aggregator, lib.aggregator_import, *_buf(state))


def parse_report(lib, json_bytes):
    return _new(lib, Report, lib.report_parse, *_buf(json_bytes))


def read_report_json(lib, json_bytes):
    return _new(lib, Report, lib.report_read_json, *_buf(json_bytes))


def read_report_file(lib, data, max_decompressed_len=0):
    return _new(lib, Report, lib.report_read_file, *_buf(data), max_decompressed_len)


def read_report_email(lib, message, max_decompressed_len=0):
    return _new(lib, Report, lib.report_read_email, *_buf(message), max_decompressed_len)


READERS = {"strict": 1, "json": 2, "file": 3, "email": 4}


def error_message(lib, reader, data, max_decompressed_len=0):
    """Why the reader ("strict", "json", "file", "email") refuses `data`; "" if it does not."""
    args = _buf(data)
    return _buffered(lib, lambda buf, n, out: lib.report_error_message(
        READERS[reader], *args, max_decompressed_len, _u8(buf), n, out)).decode()


def _buffered(lib, call):
    """Calls a needed-length function: once for the length, once to fill the buffer."""
    length = c_size_t()
    status = call(None, 0, byref(length))
    if status == OK:
        return b""
    if status != BUFFER_TOO_SMALL:
        raise Error(lib, status)
    buf = create_string_buffer(length.value)
    lib.check(call(buf, length.value, byref(length)))
    return buf.raw[:length.value]


def _u8(buf):
    return cast(buf, POINTER(c_uint8)) if buf is not None else None


class RptRecord(_Handle):
    _free = "rpt_record_free"

    @property
    def rua(self):
        """[(scheme, uri, mailto address)]"""
        result = []
        for i in range(self._size(self.lib.rpt_record_rua_count)):
            scheme, uri, address = c_uint32(), Str(), Str()
            self.lib.check(self.lib.rpt_record_rua(self.ptr, i, byref(scheme), byref(uri),
                                                   byref(address)))
            result.append((SCHEMES[scheme.value], uri.text(), address.text()))
        return result

    @property
    def extensions(self):
        result = []
        for i in range(self._size(self.lib.rpt_record_extensions_count)):
            name, value = Str(), Str()
            self.lib.check(self.lib.rpt_record_extension(self.ptr, i, byref(name), byref(value)))
            result.append((name.text(), value.text()))
        return result

    @property
    def warnings(self):
        result = []
        for i in range(self._size(self.lib.rpt_record_warnings_count)):
            kind, message = c_uint32(), Str()
            self.lib.check(self.lib.rpt_record_warning(self.ptr, i, byref(kind), byref(message)))
            result.append((kind.value, message.text()))
        return result

    @property
    def text(self):
        return self._str(self.lib.rpt_record_text)


class Aggregator(_Handle):
    _free = "aggregator_free"

    def _index(self, call, *args):
        out = c_size_t()
        self.lib.check(call(self.ptr, *args, byref(out)))
        return out.value

    def add_sts_policy(self, policy, domain):
        return self._index(self.lib.aggregator_add_sts_policy, policy.ptr, *_buf(domain))

    def add_no_policy_found(self, domain):
        return self._index(self.lib.aggregator_add_no_policy_found, *_buf(domain))

    def add_tlsa_policy(self, base_domain, records):
        array = (Bytes * len(records))(*[Bytes(*_buf(r)) for r in records])
        return self._index(self.lib.aggregator_add_tlsa_policy, *_buf(base_domain), array,
                           len(records))

    def record_successes(self, index, n=1):
        self.lib.check(self.lib.aggregator_record_successes(self.ptr, index, n))

    def record_failure(self, index, result_type=0, failure=None, **members):
        """A failure row from a mta_sts.Failure and/or members given as bytes
        (sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip,
        failure_reason_code); `result_type` is a mta_sts_result_type value."""
        row = RptFailure()
        if failure is not None:
            self.lib.check(self.lib.rpt_failure_from_failure(failure.ptr, byref(row)))
        if result_type:
            row.result_type = result_type
        for name, value in members.items():  # `members` keeps the bytes alive
            setattr(row, name, _bytes(value))
        self.lib.check(self.lib.aggregator_record_failure(self.ptr, index, byref(row)))

    @property
    def policy_count(self):
        return self._size(self.lib.aggregator_policy_count)

    def overflow_sessions(self, index):
        out = c_uint64()
        self.lib.check(self.lib.aggregator_overflow_sessions(self.ptr, index, byref(out)))
        return out.value

    def merge(self, other):
        self.lib.check(self.lib.aggregator_merge(self.ptr, other.ptr))

    def export(self):
        return _buffered(self.lib, lambda buf, n, out: self.lib.aggregator_export(
            self.ptr, _u8(buf), n, out))

    def finish(self, organization_name, contact_info, report_id_prefix, day):
        """The reports of the period, as a list of Report handles."""
        texts = [organization_name, contact_info, report_id_prefix]
        meta = RptMeta(*[_bytes(t) for t in texts], day)
        out = c_void_p()
        self.lib.check(self.lib.aggregator_finish(self.ptr, byref(meta), byref(out)))
        try:
            count = c_size_t()
            self.lib.check(self.lib.report_list_count(out, byref(count)))
            reports = []
            for i in range(count.value):
                report = c_void_p()
                self.lib.check(self.lib.report_list_get(out, i, byref(report)))
                reports.append(Report(self.lib, report))
            return reports
        finally:
            self.lib.report_list_free(out)


class Report(_Handle):
    _free = "report_free"

    @property
    def json(self):
        return self._str(self.lib.report_json)

    def _bytes_view(self, fn, *args):
        view = Bytes()
        self.lib.check(fn(self.ptr, *args, byref(view)))
        return string_at(view.data, view.len)

    @property
    def gzip(self):
        return self._bytes_view(self.lib.report_gzip)

    def https_post(self, compress=True):
        body, content_type = Bytes(), Str()
        self.lib.check(self.lib.report_https_post(self.ptr, compress, byref(body),
                                                  byref(content_type)))
        return string_at(body.data, body.len), content_type.text()

    def file_name(self, unique_id=b"", gzip=True):
        uid = _buf(unique_id)
        return _buffered(self.lib, lambda buf, n, out: self.lib.report_file_name(
            self.ptr, *uid, gzip, _u8(buf), n, out)).decode()

    def email(self, sender, to, date, message_id, boundary, unique_id=b"", compress=True,
              utc_offset_minutes=0):
        params = EmailParams(_bytes(sender), _bytes(to), date, utc_offset_minutes,
                             _bytes(message_id), _bytes(boundary), _bytes(unique_id), compress)
        return _buffered(self.lib, lambda buf, n, out: self.lib.report_email(
            self.ptr, byref(params), _u8(buf), n, out))

    @property
    def policy_domain(self):
        return self._str(self.lib.report_policy_domain)

    @property
    def info(self):
        out = ReportInfo()
        self.lib.check(self.lib.report_info(self.ptr, byref(out)))
        return {"organization-name": out.organization_name.text(),
                "contact-info": out.contact_info.text(), "report-id": out.report_id.text(),
                "start": out.start, "end": out.end, "policies": out.policies_count}

    def policy(self, index):
        out = PolicyInfo()
        self.lib.check(self.lib.report_policy(self.ptr, index, byref(out)))
        lines = []
        for i in range(out.policy_string_count):
            view = Str()
            self.lib.check(self.lib.report_policy_string(self.ptr, index, i, byref(view)))
            lines.append(view.text())
        details = []
        for i in range(out.failure_details_count):
            d = FailureDetail()
            self.lib.check(self.lib.report_failure_detail(self.ptr, index, i, byref(d)))
            details.append({"result-type": d.result_type.text(),
                            "receiving-ip": d.receiving_ip.text(),
                            "failed-session-count": d.failed_session_count,
                            "failure-reason-code": d.failure_reason_code.text()})
        return {"policy-type": out.policy_type.text(), "policy-domain": out.policy_domain.text(),
                "policy-string": lines,
                "successes": out.total_successful_session_count,
                "failures": out.total_failure_session_count, "failure-details": details}

    def _diagnostics(self, count_fn, get_fn, with_path):
        result = []
        for i in range(self._size(count_fn)):
            kind, path, message = c_uint32(), Str(), Str()
            args = (byref(kind), byref(path), byref(message)) if with_path else \
                (byref(kind), byref(message))
            self.lib.check(get_fn(self.ptr, i, *args))
            result.append((kind.value, path.text() if with_path else "", message.text()))
        return result

    @property
    def tolerations(self):
        return self._diagnostics(self.lib.report_tolerations_count, self.lib.report_toleration,
                                 True)

    @property
    def notes(self):
        return self._diagnostics(self.lib.report_notes_count, self.lib.report_note, False)

    @property
    def findings(self):
        return self._diagnostics(self.lib.report_findings_count, self.lib.report_finding, True)
