//! The report parsers: one streaming pass over the JSON (serde, no intermediate
//! `Value` tree) that either rejects (strict) or records (tolerant) each departure
//! from RFC form, with its JSON path.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use serde_json::Value;

use crate::limits;
use crate::report::{
    DateRange, Deviation, FailureDetail, Policy, PolicyResult, Report, ReportError, Summary,
    Toleration,
};
use crate::{PolicyType, ResultType};

impl Report {
    /// Parses a report strictly: any departure from RFC 8460 §4.4 form (with
    /// erratum 6241) is an error naming its JSON path.
    ///
    /// Readings of the RFC's silences: `receiving-mx-helo`,
    /// `additional-information` and `failure-reason-code` are optional;
    /// `receiving-ip` may be absent on any failure detail (the RFC's own Appendix B
    /// example leaves it out); and `sending-mta-ip` and `receiving-mx-hostname` may
    /// be absent on a policy failure (`sts-policy-fetch-error`, `sts-policy-invalid`,
    /// `sts-webpki-invalid`, `tlsa-invalid`, `dnssec-invalid`, `dane-required`),
    /// which has no session. `""` and `null` are always errors.
    /// Duplicate member names are not detected (the last one wins).
    pub fn from_json(json: &[u8]) -> Result<Self, ReportError> {
        parse_json(json, true).map(|(report, _)| report)
    }

    /// Parses a report tolerantly, accepting every deviation real senders ship
    /// (docs/CONFORMANCE.md#d18: zone-less date-times, `mx-host` as a string, TLSA records as one
    /// JSON-encoded string, missing, `null` or empty address and host members, `null`
    /// contact-info, missing policy-domain, missing failure-details, known
    /// misspellings, unknown members and values), and returns what it tolerated.
    pub fn from_json_lenient(json: &[u8]) -> Result<(Self, Vec<Toleration>), ReportError> {
        parse_json(json, false)
    }

    /// [`Report::from_json`] over an already parsed JSON value.
    pub fn from_value(value: Value) -> Result<Self, ReportError> {
        parse_from(value, true)
            .map(|(report, _)| report)
            .map_err(value_error)
    }

    /// [`Report::from_json_lenient`] over an already parsed JSON value.
    pub fn from_value_lenient(value: Value) -> Result<(Self, Vec<Toleration>), ReportError> {
        parse_from(value, false).map_err(value_error)
    }
}

fn value_error(e: Result<ReportError, serde_json::Error>) -> ReportError {
    e.unwrap_or_else(|e| ReportError::Json {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

impl<'de> Deserialize<'de> for Report {
    /// Deserializes with the strict rules of [`Report::from_json`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match parse_from(d, true) {
            Ok((report, _)) => Ok(report),
            Err(Ok(e)) => Err(de::Error::custom(e)),
            Err(Err(e)) => Err(e),
        }
    }
}

/// Implements the `visit_*` methods a visitor does not accept as a [`ReportError::WrongType`].
macro_rules! reject_others {
    ($($kind:ident),*) => { $( reject_others!(@one $kind); )* };
    (@one bool) => { fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Err(self.reject()) } };
    (@one i64) => { fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Err(self.reject()) } };
    (@one u64) => { fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Err(self.reject()) } };
    (@one f64) => { fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Err(self.reject()) } };
    (@one str) => { fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Err(self.reject()) } };
    (@one unit) => { fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Err(self.reject()) } };
    (@one seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> { Err(self.reject()) }
    };
    (@one map) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> { Err(self.reject()) }
    };
}

/// Parses JSON bytes; `strict` turns every [`Deviation`] into an error.
pub(crate) fn parse_json(
    json: &[u8],
    strict: bool,
) -> Result<(Report, Vec<Toleration>), ReportError> {
    if json.len() > limits::MAX_REPORT_JSON_LEN {
        return Err(ReportError::TooLarge {
            len: json.len(),
            limit: limits::MAX_REPORT_JSON_LEN,
        });
    }
    let mut de = serde_json::Deserializer::from_slice(json);
    let mut w = Walker::new(strict);
    let result = Obj {
        w: &mut w,
        path: &Path::Root,
        kind: ReportK::default(),
    }
    .deserialize(&mut de)
    .and_then(|report| de.end().map(|()| report));
    finish(w, result)
}

/// Parses from any serde deserializer (a `serde_json::Value`, another format).
pub(crate) fn parse_from<'de, D: Deserializer<'de>>(
    d: D,
    strict: bool,
) -> Result<(Report, Vec<Toleration>), Result<ReportError, D::Error>> {
    let mut w = Walker::new(strict);
    let result = Obj {
        w: &mut w,
        path: &Path::Root,
        kind: ReportK::default(),
    }
    .deserialize(d);
    match result {
        Ok(report) => Ok((report, w.tolerations)),
        Err(e) => Err(w.error.take().ok_or(e)),
    }
}

fn finish(
    mut w: Walker,
    result: Result<Report, serde_json::Error>,
) -> Result<(Report, Vec<Toleration>), ReportError> {
    match result {
        Ok(report) => Ok((report, w.tolerations)),
        Err(e) => Err(w.error.take().unwrap_or_else(|| ReportError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })),
    }
}

/// A JSON path, rendered only when an error or toleration needs it.
#[derive(Clone, Copy)]
pub(crate) enum Path<'a> {
    Root,
    Key(&'a Self, &'a str),
    Index(&'a Self, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => f.write_str("$"),
            Self::Key(Self::Root, key) => f.write_str(key),
            Self::Key(parent, key) => write!(f, "{parent}.{key}"),
            Self::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

struct Walker {
    strict: bool,
    tolerations: Vec<Toleration>,
    /// The structured error behind the opaque serde error that aborted parsing.
    error: Option<ReportError>,
}

impl Walker {
    fn new(strict: bool) -> Self {
        Self {
            strict,
            tolerations: Vec::new(),
            error: None,
        }
    }

    fn fail<E: de::Error>(&mut self, error: ReportError) -> E {
        let e = E::custom(&error);
        self.error.get_or_insert(error);
        e
    }

    fn deviate<E: de::Error>(&mut self, path: &Path<'_>, deviation: Deviation) -> Result<(), E> {
        if self.strict {
            Err(self.fail(ReportError::Deviation {
                path: path.to_string(),
                deviation,
            }))
        } else {
            self.tolerations.push(Toleration {
                path: path.to_string(),
                deviation,
            });
            Ok(())
        }
    }

    fn wrong_type<E: de::Error>(&mut self, path: &Path<'_>, expected: &'static str) -> E {
        self.fail(ReportError::WrongType {
            path: path.to_string(),
            expected,
        })
    }

    fn missing<E: de::Error>(&mut self, path: &Path<'_>) -> E {
        self.fail(ReportError::Missing {
            path: path.to_string(),
        })
    }

    /// Reads the value of a member that was already seen: first wins (I-JSON, RFC
    /// 7493 §2.3, forbids duplicates).
    fn duplicate<'de, A: MapAccess<'de>>(
        &mut self,
        path: &Path<'_>,
        map: &mut A,
    ) -> Result<(), A::Error> {
        self.deviate(path, Deviation::DuplicateMember)?;
        map.next_value::<IgnoredAny>().map(|_| ())
    }

    /// A required string member: `null` and `""` are deviations (read as "").
    fn req_string<E: de::Error>(&mut self, value: Scalar, path: &Path<'_>) -> Result<String, E> {
        match value {
            Scalar::Null => self
                .deviate(path, Deviation::NullMember)
                .map(|()| String::new()),
            Scalar::Str(s) => {
                if s.is_empty() {
                    self.deviate(path, Deviation::EmptyString)?;
                }
                Ok(s)
            }
            _ => Err(self.wrong_type(path, "a string")),
        }
    }

    /// A required member that was never seen: a deviation (read as "").
    fn absent_string<E: de::Error>(
        &mut self,
        value: Option<String>,
        path: &Path<'_>,
    ) -> Result<String, E> {
        match value {
            Some(s) => Ok(s),
            None => self
                .deviate(path, Deviation::MissingMember)
                .map(|()| String::new()),
        }
    }

    /// An optional string member: `null` is a deviation (read as absent).
    fn opt_string<E: de::Error>(
        &mut self,
        value: Scalar,
        path: &Path<'_>,
    ) -> Result<Option<String>, E> {
        match value {
            Scalar::Null => self.deviate(path, Deviation::NullMember).map(|()| None),
            Scalar::Str(s) => Ok(Some(s)),
            _ => Err(self.wrong_type(path, "a string")),
        }
    }

    fn count<E: de::Error>(&mut self, value: Scalar, path: &Path<'_>) -> Result<u64, E> {
        match value {
            Scalar::U64(n) => Ok(n),
            Scalar::I64(n) => Err(self.fail(ReportError::InvalidCount {
                path: path.to_string(),
                value: n.to_string(),
            })),
            Scalar::F64(n) => Err(self.fail(ReportError::InvalidCount {
                path: path.to_string(),
                value: n.to_string(),
            })),
            _ => Err(self.wrong_type(path, "an integer")),
        }
    }

    fn datetime<E: de::Error>(
        &mut self,
        value: Scalar,
        path: &Path<'_>,
    ) -> Result<DateTime<Utc>, E> {
        let Scalar::Str(s) = value else {
            return Err(self.wrong_type(path, "a date-time string"));
        };
        if let Ok(t) = DateTime::parse_from_rfc3339(&s) {
            return Ok(t.with_timezone(&Utc));
        }
        // Only the RFC 3339 shape minus the offset (four-digit year), so that what
        // is accepted here is always written back in a form the parsers read.
        let shaped = s.len() >= 19
            && s.as_bytes()
                .get(..4)
                .is_some_and(|y| y.iter().all(u8::is_ascii_digit));
        match NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .filter(|_| shaped)
        {
            Some(naive) => {
                self.deviate(path, Deviation::DateTimeWithoutOffset)?;
                Ok(naive.and_utc())
            }
            None => Err(self.fail(ReportError::InvalidDateTime {
                path: path.to_string(),
                value: s,
            })),
        }
    }

    /// A string list member (`policy-string`, `mx-host`); a lone string is the
    /// given deviation, `null` is read as empty.
    fn list<E: de::Error>(
        &mut self,
        value: List,
        path: &Path<'_>,
        as_string: Deviation,
    ) -> Result<Vec<String>, E> {
        match value {
            List::Items(items) => Ok(items),
            List::One(s) => self.deviate(path, as_string).map(|()| vec![s]),
            List::Null => self
                .deviate(path, Deviation::NullMember)
                .map(|()| Vec::new()),
        }
    }
}

/// A JSON scalar, or the fact that the value was an array or object.
enum Scalar {
    Null,
    Bool,
    Str(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Compound,
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool)
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(if v >= 0 {
            Scalar::U64(v.unsigned_abs())
        } else {
            Scalar::I64(v)
        })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::F64(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
}

/// A string mapped without allocating (`policy-type`, `result-type`); `None` when
/// the value is not a string.
struct Mapped<T>(fn(&str) -> T);

impl<'de, T> DeserializeSeed<'de> for Mapped<T> {
    type Value = Option<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        match d.deserialize_any(MappedVisitor(self.0))? {
            Ok(t) => Ok(Some(t)),
            Err(_) => Ok(None),
        }
    }
}

struct MappedVisitor<T>(fn(&str) -> T);

impl<'de, T> Visitor<'de> for MappedVisitor<T> {
    type Value = Result<T, Scalar>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok((self.0)(v)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(Scalar::Null))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Scalar::Bool))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Err(Scalar::U64(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Err(Scalar::I64(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(Scalar::F64(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ScalarSeed.visit_seq(seq).map(Err)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        ScalarSeed.visit_map(map).map(Err)
    }
}

fn scalar<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Scalar, A::Error> {
    map.next_value_seed(ScalarSeed)
}

/// `null`, a lone string, or an array of strings.
enum List {
    Null,
    One(String),
    Items(Vec<String>),
}

struct ListSeed<'a, 'p> {
    w: &'a mut Walker,
    path: &'a Path<'p>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_> {
    type Value = List;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<List, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_> {
    type Value = List;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strings")
    }
    fn visit_unit<E>(self) -> Result<List, E> {
        Ok(List::Null)
    }
    fn visit_str<E>(self, v: &str) -> Result<List, E> {
        Ok(List::One(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<List, E> {
        Ok(List::One(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(ScalarSeed)? {
            let path = Path::Index(self.path, items.len());
            match item {
                Scalar::Str(s) if items.len() < limits::MAX_LIST_ITEMS => items.push(s),
                Scalar::Str(_) => {
                    return Err(self.w.fail(ReportError::TooMany {
                        path: self.path.to_string(),
                        limit: limits::MAX_LIST_ITEMS,
                    }));
                }
                _ => return Err(self.w.wrong_type(&path, "a string")),
            }
        }
        Ok(List::Items(items))
    }
    reject_others!(bool, i64, u64, f64, map);
}

impl ListSeed<'_, '_> {
    fn reject<E: de::Error>(self) -> E {
        self.w.wrong_type(self.path, "an array of strings")
    }
}

/// Which member of an object a key names.
enum Key {
    Known(usize),
    Unknown(String),
}

struct KeySeed(fn(&str) -> Option<usize>);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(match (self.0)(v) {
            Some(i) => Key::Known(i),
            None => Key::Unknown(v.to_owned()),
        })
    }
}

/// One object of the report schema.
trait ObjectKind {
    type Out;
    const KEYS: &'static [&'static str];
    /// The index of a member name in `KEYS` (a `match`, which compiles to a length
    /// dispatch and a compare instead of a scan).
    fn index(key: &str) -> Option<usize>;
    /// Reads the value of `KEYS[index]`; returns false when the member was already
    /// seen (the caller then skips the duplicate).
    fn member<'de, A: MapAccess<'de>>(
        &mut self,
        w: &mut Walker,
        path: &Path<'_>,
        index: usize,
        map: &mut A,
    ) -> Result<bool, A::Error>;
    /// Checks what is missing and builds the value.
    fn finish<E: de::Error>(self, w: &mut Walker, path: &Path<'_>) -> Result<Self::Out, E>;
}

/// An object of kind `K` at `path`.
struct Obj<'a, 'p, K> {
    w: &'a mut Walker,
    path: &'a Path<'p>,
    kind: K,
}

impl<'de, K: ObjectKind> DeserializeSeed<'de> for Obj<'_, '_, K> {
    type Value = K::Out;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<K::Out, D::Error> {
        d.deserialize_any(self)
    }
}

impl<K> Obj<'_, '_, K> {
    fn reject<E: de::Error>(self) -> E {
        self.w.wrong_type(self.path, "an object")
    }
}

impl<'de, K: ObjectKind> Visitor<'de> for Obj<'_, '_, K> {
    type Value = K::Out;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<K::Out, A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed(K::index))? {
            match key {
                Key::Known(i) => {
                    if !self.kind.member(self.w, self.path, i, &mut map)? {
                        let name = K::KEYS.get(i).copied().unwrap_or_default();
                        self.w.duplicate(&Path::Key(self.path, name), &mut map)?;
                    }
                }
                Key::Unknown(name) => {
                    self.w
                        .deviate(&Path::Key(self.path, &name), Deviation::UnknownMember)?;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        self.kind.finish(self.w, self.path)
    }

    reject_others!(bool, i64, u64, f64, str, unit, seq);
}

/// An array of objects of kind `K` (`policies`, `failure-details`); `null` is read
/// as empty after a deviation when `null_ok`.
struct Arr<'a, 'p, K> {
    w: &'a mut Walker,
    path: &'a Path<'p>,
    make: fn() -> K,
    limit: usize,
    null_ok: bool,
}

impl<'de, K: ObjectKind> DeserializeSeed<'de> for Arr<'_, '_, K> {
    type Value = Vec<K::Out>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<K> Arr<'_, '_, K> {
    fn reject<E: de::Error>(self) -> E {
        self.w.wrong_type(self.path, "an array")
    }
}

impl<'de, K: ObjectKind> Visitor<'de> for Arr<'_, '_, K> {
    type Value = Vec<K::Out>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        loop {
            if out.len() >= self.limit {
                return match seq.next_element::<IgnoredAny>()? {
                    None => Ok(out),
                    Some(_) => Err(self.w.fail(ReportError::TooMany {
                        path: self.path.to_string(),
                        limit: self.limit,
                    })),
                };
            }
            let path = Path::Index(self.path, out.len());
            match seq.next_element_seed(Obj {
                w: &mut *self.w,
                path: &path,
                kind: (self.make)(),
            })? {
                Some(item) => out.push(item),
                None => return Ok(out),
            }
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.null_ok {
            self.w
                .deviate(self.path, Deviation::NullMember)
                .map(|()| Vec::new())
        } else {
            Err(self.reject())
        }
    }

    reject_others!(bool, i64, u64, f64, str, map);
}

#[derive(Default)]
struct ReportK {
    organization_name: Option<String>,
    date_range: Option<DateRange>,
    contact_info: Option<String>,
    report_id: Option<String>,
    policies: Option<Vec<PolicyResult>>,
}

impl ObjectKind for ReportK {
    type Out = Report;
    const KEYS: &'static [&'static str] = &[
        "organization-name",
        "date-range",
        "contact-info",
        "report-id",
        "policies",
    ];

    fn index(key: &str) -> Option<usize> {
        match key {
            "organization-name" => Some(0),
            "date-range" => Some(1),
            "contact-info" => Some(2),
            "report-id" => Some(3),
            "policies" => Some(4),
            _ => None,
        }
    }

    fn member<'de, A: MapAccess<'de>>(
        &mut self,
        w: &mut Walker,
        path: &Path<'_>,
        index: usize,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let key = Self::KEYS.get(index).copied().unwrap_or_default();
        let p = Path::Key(path, key);
        match index {
            0 if self.organization_name.is_none() => {
                self.organization_name = Some(w.req_string(scalar(map)?, &p)?)
            }
            1 if self.date_range.is_none() => {
                self.date_range = Some(map.next_value_seed(Obj {
                    w,
                    path: &p,
                    kind: DateRangeK::default(),
                })?);
            }
            2 if self.contact_info.is_none() => {
                self.contact_info = Some(w.req_string(scalar(map)?, &p)?)
            }
            3 if self.report_id.is_none() => self.report_id = Some(w.req_string(scalar(map)?, &p)?),
            4 if self.policies.is_none() => {
                self.policies = Some(map.next_value_seed(Arr {
                    w,
                    path: &p,
                    make: PolicyResultK::default,
                    limit: limits::MAX_POLICIES_PER_REPORT,
                    null_ok: false,
                })?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish<E: de::Error>(self, w: &mut Walker, path: &Path<'_>) -> Result<Report, E> {
        let organization_name = w.absent_string(
            self.organization_name,
            &Path::Key(path, "organization-name"),
        )?;
        let Some(date_range) = self.date_range else {
            return Err(w.missing(&Path::Key(path, "date-range")));
        };
        let contact_info = w.absent_string(self.contact_info, &Path::Key(path, "contact-info"))?;
        let report_id = w.absent_string(self.report_id, &Path::Key(path, "report-id"))?;
        let Some(policies) = self.policies else {
            return Err(w.missing(&Path::Key(path, "policies")));
        };
        Ok(Report {
            organization_name,
            date_range,
            contact_info,
            report_id,
            policies,
        })
    }
}

#[derive(Default)]
struct DateRangeK {
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
}

impl ObjectKind for DateRangeK {
    type Out = DateRange;
    const KEYS: &'static [&'static str] = &["start-datetime", "end-datetime"];

    fn index(key: &str) -> Option<usize> {
        match key {
            "start-datetime" => Some(0),
            "end-datetime" => Some(1),
            _ => None,
        }
    }

    fn member<'de, A: MapAccess<'de>>(
        &mut self,
        w: &mut Walker,
        path: &Path<'_>,
        index: usize,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let slot = match index {
            0 => &mut self.start,
            _ => &mut self.end,
        };
        if slot.is_some() {
            return Ok(false);
        }
        let p = Path::Key(path, Self::KEYS.get(index).copied().unwrap_or_default());
        *slot = Some(w.datetime(scalar(map)?, &p)?);
        Ok(true)
    }

    fn finish<E: de::Error>(self, w: &mut Walker, path: &Path<'_>) -> Result<DateRange, E> {
        let Some(start_datetime) = self.start else {
            return Err(w.missing(&Path::Key(path, "start-datetime")));
        };
        let Some(end_datetime) = self.end else {
            return Err(w.missing(&Path::Key(path, "end-datetime")));
        };
        Ok(DateRange {
            start_datetime,
            end_datetime,
        })
    }
}

#[derive(Default)]
struct PolicyResultK {
    policy: Option<Policy>,
    summary: Option<Summary>,
    details: Option<Vec<FailureDetail>>,
}

impl ObjectKind for PolicyResultK {
    type Out = PolicyResult;
    const KEYS: &'static [&'static str] = &["policy", "summary", "failure-details"];

    fn index(key: &str) -> Option<usize> {
        match key {
            "policy" => Some(0),
            "summary" => Some(1),
            "failure-details" => Some(2),
            _ => None,
        }
    }

    fn member<'de, A: MapAccess<'de>>(
        &mut self,
        w: &mut Walker,
        path: &Path<'_>,
        index: usize,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let p = Path::Key(path, Self::KEYS.get(index).copied().unwrap_or_default());
        match index {
            0 if self.policy.is_none() => {
                self.policy = Some(map.next_value_seed(Obj {
                    w,
                    path: &p,
                    kind: PolicyK::default(),
                })?);
            }
            1 if self.summary.is_none() => {
                self.summary = Some(map.next_value_seed(Obj {
                    w,
                    path: &p,
                    kind: SummaryK::default(),
                })?);
            }
            2 if self.details.is_none() => {
                self.details = Some(map.next_value_seed(Arr {
                    w,
                    path: &p,
                    make: DetailK::default,
                    limit: limits::MAX_FAILURE_DETAILS_PER_POLICY,
                    null_ok: true,
                })?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish<E: de::Error>(self, w: &mut Walker, path: &Path<'_>) -> Result<PolicyResult, E> {
        let Some(policy) = self.policy else {
            return Err(w.missing(&Path::Key(path, "policy")));
        };
        let Some(summary) = self.summary else {
            return Err(w.missing(&Path::Key(path, "summary")));
        };
        let failure_details = match self.details {
            Some(d) => d,
            None => {
                w.deviate(
                    &Path::Key(path, "failure-details"),
                    Deviation::MissingFailureDetails,
                )?;
                Vec::new()
            }
        };
        Ok(PolicyResult {
            policy,
            summary,
            failure_details,
        })
    }
}

#[derive(Default)]
struct PolicyK {
    policy_type: Option<PolicyType>,
    policy_string: Option<Vec<String>>,
    policy_domain: Option<String>,
    mx_host: Option<Vec<String>>,
}

impl ObjectKind for PolicyK {
    type Out = Policy;
    const KEYS: &'static [&'static str] = &[
        "policy-type",
        "policy-string",
        "policy-domain",
        "mx-host",
        "mx-host-pattern",
    ];

    fn index(key: &str) -> Option<usize> {
        match key {
            "policy-type" => Some(0),
            "policy-string" => Some(1),
            "policy-domain" => Some(2),
            "mx-host" => Some(3),
            "mx-host-pattern" => Some(4),
            _ => None,
        }
    }

    fn member<'de, A: MapAccess<'de>>(
        &mut self,
        w: &mut Walker,
        path: &Path<'_>,
        index: usize,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let p = Path::Key(path, Self::KEYS.get(index).copied().unwrap_or_default());
        match index {
            0 if self.policy_type.is_none() => {
                let Some(t) = map.next_value_seed(Mapped(PolicyType::parse))? else {
                    return Err(w.wrong_type(&p, "a string"));
                };
                if let PolicyType::Other(value) = &t {
                    w.deviate(
                        &p,
                        Deviation::UnknownPolicyType {
                            value: value.clone(),
                        },
                    )?;
                }
                self.policy_type = Some(t);
            }
            1 if self.policy_string.is_none() => {
                let list = map.next_value_seed(ListSeed { w, path: &p })?;
                self.policy_string = Some(w.list(list, &p, Deviation::PolicyStringAsString)?);
            }
            2 if self.policy_domain.is_none() => {
                self.policy_domain = Some(w.req_string(scalar(map)?, &p)?)
            }
            3 | 4 if self.mx_host.is_none() => {
                if index == 4 {
                    w.deviate(&p, Deviation::MisspelledMember { meant: "mx-host" })?;
                }
                let list = map.next_value_seed(ListSeed { w, path: &p })?;
                self.mx_host = Some(w.list(list, &p, Deviation::MxHostAsString)?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish<E: de::Error>(self, w: &mut Walker, path: &Path<'_>) -> Result<Policy, E> {
        let Some(policy_type) = self.policy_type else {
            return Err(w.missing(&Path::Key(path, "policy-type")));
        };
        let has_policy = matches!(policy_type, PolicyType::Sts | PolicyType::Tlsa);
        let p = Path::Key(path, "policy-string");
        let mut policy_string = match self.policy_string {
            Some(list) => list,
            None if has_policy => w
                .deviate(&p, Deviation::MissingMember)
                .map(|()| Vec::new())?,
            None => Vec::new(),
        };
        if policy_type == PolicyType::Tlsa
            && let Some(decoded) = decode_tlsa_json_string(&policy_string)
        {
            w.deviate(&p, Deviation::TlsaPolicyStringJsonEncoded)?;
            policy_string = decoded;
        }
        let policy_domain =
            w.absent_string(self.policy_domain, &Path::Key(path, "policy-domain"))?;
        let mx_host = match self.mx_host {
            Some(list) => list,
            None if policy_type == PolicyType::Sts => w
                .deviate(&Path::Key(path, "mx-host"), Deviation::MissingMember)
                .map(|()| Vec::new())?,
            None => Vec::new(),
        };
        Ok(Policy {
            policy_type,
            policy_string,
            policy_domain,
            mx_host,
        })
    }
}

/// Microsoft's TLSA quirk: `["[\"3 1 1 ..\",\"3 1 1 ..\"]"]`. Returns the decoded
/// RRs when the one element is a JSON array of strings.
fn decode_tlsa_json_string(policy_string: &[String]) -> Option<Vec<String>> {
    let [only] = policy_string else { return None };
    if !only.trim_start().starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(only).ok()
}

#[derive(Default)]
struct SummaryK {
    ok: Option<u64>,
    failed: Option<u64>,
}

impl ObjectKind for SummaryK {
    type Out = Summary;
    const KEYS: &'static [&'static str] = &[
        "total-successful-session-count",
        "total-failure-session-count",
    ];

    fn index(key: &str) -> Option<usize> {
        match key {
            "total-successful-session-count" => Some(0),
            "total-failure-session-count" => Some(1),
            _ => None,
        }
    }

    fn member<'de, A: MapAccess<'de>>(
        &mut self,
        w: &mut Walker,
        path: &Path<'_>,
        index: usize,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let slot = match index {
            0 => &mut self.ok,
            _ => &mut self.failed,
        };
        if slot.is_some() {
            return Ok(false);
        }
        let p = Path::Key(path, Self::KEYS.get(index).copied().unwrap_or_default());
        *slot = Some(w.count(scalar(map)?, &p)?);
        Ok(true)
    }

    fn finish<E: de::Error>(self, w: &mut Walker, path: &Path<'_>) -> Result<Summary, E> {
        let mut get = |v: Option<u64>, key| match v {
            Some(n) => Ok(n),
            None => w
                .deviate(&Path::Key(path, key), Deviation::MissingMember)
                .map(|()| 0),
        };
        Ok(Summary {
            total_successful_session_count: get(self.ok, "total-successful-session-count")?,
            total_failure_session_count: get(self.failed, "total-failure-session-count")?,
        })
    }
}

#[derive(Default)]
struct DetailK {
    result_type: Option<ResultType>,
    sending_mta_ip: Option<String>,
    receiving_mx_hostname: Option<String>,
    receiving_mx_helo: Option<Option<String>>,
    receiving_ip: Option<String>,
    failed_session_count: Option<u64>,
    additional_information: Option<Option<String>>,
    failure_reason_code: Option<Option<String>>,
}

impl ObjectKind for DetailK {
    type Out = FailureDetail;
    const KEYS: &'static [&'static str] = &[
        "result-type",
        "sending-mta-ip",
        "receiving-mx-hostname",
        "receiving-mx-helo",
        "receiving-ip",
        "failed-session-count",
        "additional-information",
        "failure-reason-code",
        // Known misspellings (parsedmarc reads them; a SocketLabs-style sender writes one).
        "receiving-mx-host-name",
        "additional-info-uri",
    ];

    fn index(key: &str) -> Option<usize> {
        match key {
            "result-type" => Some(0),
            "sending-mta-ip" => Some(1),
            "receiving-mx-hostname" => Some(2),
            "receiving-mx-helo" => Some(3),
            "receiving-ip" => Some(4),
            "failed-session-count" => Some(5),
            "additional-information" => Some(6),
            "failure-reason-code" => Some(7),
            "receiving-mx-host-name" => Some(8),
            "additional-info-uri" => Some(9),
            _ => None,
        }
    }

    fn member<'de, A: MapAccess<'de>>(
        &mut self,
        w: &mut Walker,
        path: &Path<'_>,
        index: usize,
        map: &mut A,
    ) -> Result<bool, A::Error> {
        let p = Path::Key(path, Self::KEYS.get(index).copied().unwrap_or_default());
        let ip = |w: &mut Walker, s: String| {
            if !s.is_empty() && s.parse::<IpAddr>().is_err() {
                w.deviate(&p, Deviation::InvalidIpAddress { value: s.clone() })?;
            }
            Ok::<_, A::Error>(s)
        };
        match index {
            0 if self.result_type.is_none() => {
                let Some(t) = map.next_value_seed(Mapped(ResultType::parse))? else {
                    return Err(w.wrong_type(&p, "a string"));
                };
                if let ResultType::Other(value) = &t {
                    w.deviate(
                        &p,
                        Deviation::UnknownResultType {
                            value: value.clone(),
                        },
                    )?;
                }
                self.result_type = Some(t);
            }
            1 if self.sending_mta_ip.is_none() => {
                let s = w.req_string(scalar(map)?, &p)?;
                self.sending_mta_ip = Some(ip(w, s)?);
            }
            2 | 8 if self.receiving_mx_hostname.is_none() => {
                if index == 8 {
                    w.deviate(
                        &p,
                        Deviation::MisspelledMember {
                            meant: "receiving-mx-hostname",
                        },
                    )?;
                }
                self.receiving_mx_hostname = Some(w.req_string(scalar(map)?, &p)?);
            }
            3 if self.receiving_mx_helo.is_none() => {
                self.receiving_mx_helo = Some(w.opt_string(scalar(map)?, &p)?)
            }
            4 if self.receiving_ip.is_none() => {
                let s = w.req_string(scalar(map)?, &p)?;
                self.receiving_ip = Some(ip(w, s)?);
            }
            5 if self.failed_session_count.is_none() => {
                self.failed_session_count = Some(w.count(scalar(map)?, &p)?)
            }
            6 | 9 if self.additional_information.is_none() => {
                if index == 9 {
                    w.deviate(
                        &p,
                        Deviation::MisspelledMember {
                            meant: "additional-information",
                        },
                    )?;
                }
                self.additional_information = Some(w.opt_string(scalar(map)?, &p)?);
            }
            7 if self.failure_reason_code.is_none() => {
                self.failure_reason_code = Some(w.opt_string(scalar(map)?, &p)?)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn finish<E: de::Error>(self, w: &mut Walker, path: &Path<'_>) -> Result<FailureDetail, E> {
        let Some(result_type) = self.result_type else {
            return Err(w.missing(&Path::Key(path, "result-type")));
        };
        // Decision D21 of docs/CONFORMANCE.md: a policy failure has no session, so
        // its address and host members may be absent; `receiving-ip` may be absent
        // on any row (RFC 8460 Appendix B leaves it out of a `certificate-expired` row).
        let no_session = result_type.is_policy_failure();
        let mut member = |v: Option<String>, key, may_be_absent: bool| match v {
            Some(s) => Ok(s),
            None if may_be_absent => Ok(String::new()),
            None => w.absent_string(None, &Path::Key(path, key)),
        };
        let sending_mta_ip = member(self.sending_mta_ip, "sending-mta-ip", no_session)?;
        let receiving_mx_hostname = member(
            self.receiving_mx_hostname,
            "receiving-mx-hostname",
            no_session,
        )?;
        let receiving_ip = member(self.receiving_ip, "receiving-ip", true)?;
        let Some(failed_session_count) = self.failed_session_count else {
            return Err(w.missing(&Path::Key(path, "failed-session-count")));
        };
        Ok(FailureDetail {
            result_type,
            sending_mta_ip,
            receiving_mx_hostname,
            receiving_mx_helo: self.receiving_mx_helo.flatten(),
            receiving_ip,
            failed_session_count,
            additional_information: self.additional_information.flatten(),
            failure_reason_code: self.failure_reason_code.flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoneless_datetime_needs_a_four_digit_year() {
        let mut w = Walker::new(false);
        let ok: Result<_, serde_json::Error> =
            w.datetime(Scalar::Str("2023-01-10T00:00:00".into()), &Path::Root);
        assert_eq!(ok.unwrap().to_rfc3339(), "2023-01-10T00:00:00+00:00");
        let far: Result<_, serde_json::Error> =
            w.datetime(Scalar::Str("+12345-01-10T00:00:00".into()), &Path::Root);
        assert!(far.is_err());
        assert!(matches!(w.error, Some(ReportError::InvalidDateTime { .. })));
    }
}
