//! TAXII media types and content negotiation (TAXII 2.1 §1.6.8).

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The media type of every TAXII response body.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// The media type of STIX objects in manifests and collections.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// One parsed media type: `type/subtype` (lower case) and its `version` parameter.
fn parse(range: &str) -> (String, Option<String>, Option<f32>) {
    let mut parts = range.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let mut version = None;
    let mut q = None;
    for p in parts {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let v = v.trim().trim_matches('"');
        match k.trim().to_ascii_lowercase().as_str() {
            "version" => version = Some(v.to_string()),
            "q" => q = v.parse().ok(),
            _ => {}
        }
    }
    (essence, version, q)
}

/// Whether the request's `Accept` header admits a TAXII 2.1 response. A missing
/// header accepts anything (RFC 9110 §12.5.1); `application/taxii+json` without a
/// version means the latest, which is 2.1.
pub fn check_accept(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(accept) = headers.get(header::ACCEPT) else {
        return Ok(());
    };
    let accept = accept.to_str().map_err(|_| ApiError::NotAcceptable)?;
    let ok = accept.split(',').any(|range| {
        let (essence, version, q) = parse(range);
        if q == Some(0.0) {
            return false;
        }
        match essence.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => version.is_none_or(|v| v == "2.1"),
            _ => false,
        }
    });
    if ok {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable)
    }
}

/// Whether a POST body is declared as TAXII 2.1 JSON.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (essence, version, _) = parse(ct);
    if essence == "application/taxii+json" && version.as_deref().is_none_or(|v| v == "2.1") {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(ct.to_string()))
    }
}

/// A TAXII JSON response with optional `X-TAXII-Date-Added-First/Last` headers.
pub struct Taxii {
    pub status: StatusCode,
    pub body: String,
    pub date_added: Option<(String, String)>,
}

impl Taxii {
    pub fn ok(body: String) -> Taxii {
        Taxii {
            status: StatusCode::OK,
            body,
            date_added: None,
        }
    }
}

impl IntoResponse for Taxii {
    fn into_response(self) -> Response {
        let mut resp = (self.status, self.body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        );
        if let Some((first, last)) = self.date_added {
            for (name, v) in [
                ("x-taxii-date-added-first", first),
                ("x-taxii-date-added-last", last),
            ] {
                if let Ok(v) = HeaderValue::from_str(&v) {
                    h.insert(HeaderName::from_static(name), v);
                }
            }
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(accept: Option<&str>, expect: bool) {
        let mut h = HeaderMap::new();
        if let Some(a) = accept {
            h.insert(header::ACCEPT, HeaderValue::from_str(a).unwrap());
        }
        assert_eq!(check_accept(&h).is_ok(), expect, "Accept: {accept:?}");
    }

    #[test]
    fn accept_negotiation() {
        check(None, true);
        check(Some("application/taxii+json;version=2.1"), true);
        check(Some("application/taxii+json; version=2.1"), true);
        check(Some("Application/TAXII+JSON"), true);
        check(Some("*/*"), true);
        check(Some("text/html, application/*;q=0.8"), true);
        check(Some("application/taxii+json;version=2.0"), false);
        check(Some("application/json"), false);
        check(Some("application/taxii+json;q=0"), false);
        check(Some("text/html, application/taxii+json;version=2.1"), true);
    }

    #[test]
    fn content_type() {
        let ct = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
            check_content_type(&h).is_ok()
        };
        assert!(ct("application/taxii+json;version=2.1"));
        assert!(ct("application/taxii+json"));
        assert!(!ct("application/json"));
        assert!(!ct("application/taxii+json;version=2.0"));
        assert!(check_content_type(&HeaderMap::new()).is_err());
    }
}
