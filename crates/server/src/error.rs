//! Errors as responses, in one place: the API's `{"error": {…}}` with a
//! stable code, and yente's `{"detail": …}`. Internal failures are logged
//! (without request data) and shown only as "internal error".
//!
//! Also the request-body reader every JSON route uses, so that a wrong
//! content type, an oversize body and malformed JSON get the same clear
//! 4xx everywhere.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use service::ServiceError;
use utoipa::ToSchema;

/// The body of every API error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `unauthenticated`, `forbidden`, `denied`, `cross_site`,
    /// `not_found`, `conflict`, `invalid`, `bad_command`, `bad_json`,
    /// `bad_query`, `bad_path`, `purpose_required`, `unsupported_media_type`,
    /// `payload_too_large`, `login_failed`, `locked_out`, `internal`, …
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// The policies that refused (a denial).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policies: Option<Vec<String>>,
    /// The ledger entry that records the denial or failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// An error of the `/api/v1` and `/ledger` routes.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: ErrorDetail,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: ErrorDetail {
                code,
                message: message.into(),
                policies: None,
                seq: None,
            },
            retry_after: None,
        }
    }

    /// 401: no valid session or token.
    pub fn unauthenticated() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "log in (POST /api/v1/session) or send Authorization: Bearer <token>",
        )
    }

    /// 403 for a caller who may never use this route (a witness token
    /// outside the ledger).
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 500, after logging the cause.
    pub fn internal(cause: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error (logged on the server)",
        )
    }

    /// The same error naming the ledger entry that records it.
    pub fn with_seq(mut self, seq: u64) -> ApiError {
        self.detail.seq = Some(seq);
        self
    }

    /// The same error naming the policies that refused.
    pub fn with_policies(mut self, policies: Vec<String>) -> ApiError {
        self.detail.policies = Some(policies);
        self
    }

    /// The same error asking the client to wait this many seconds.
    pub fn with_retry_after(mut self, seconds: u64) -> ApiError {
        self.retry_after = Some(seconds);
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.detail.message
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        let status = match &e {
            ServiceError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ServiceError::Denied { .. } | ServiceError::Refused { .. } => StatusCode::FORBIDDEN,
            ServiceError::NotFound { .. } | ServiceError::Withheld { .. } => StatusCode::NOT_FOUND,
            ServiceError::Conflict(_) | ServiceError::State(_) => StatusCode::CONFLICT,
            ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::BadCommand(_) => StatusCode::BAD_REQUEST,
            ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServiceError::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            _ => return ApiError::internal(&e),
        };
        let mut err = ApiError::new(status, e.code(), e.to_string());
        match e {
            ServiceError::Denied { policies, seq } => {
                err.detail.policies = Some(policies);
                err.detail.seq = Some(seq);
            }
            // Outside the host: the entry, never the rules, and for a
            // record the same answer whether it exists or not.
            ServiceError::Withheld { seq } | ServiceError::Refused { seq } => {
                err.detail.seq = Some(seq);
            }
            ServiceError::Busy { retry_after_ms } => {
                err = err.with_retry_after(retry_after_ms.div_ceil(1000).max(1));
            }
            _ => {}
        }
        err
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> ApiError {
        ApiError::internal(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let retry_after = self.retry_after;
        let mut response = (status, axum::Json(ErrorBody { error: self.detail })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cortina\""),
            );
        }
        if let Some(s) = retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// yente's error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetailBody {
    /// What went wrong.
    pub detail: String,
}

/// An error of the yente-compatible routes: `{"detail": "…"}`.
#[derive(Debug)]
pub struct YenteError {
    status: StatusCode,
    detail: String,
}

impl YenteError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> YenteError {
        YenteError {
            status,
            detail: detail.into(),
        }
    }

    /// 400.
    pub fn bad_request(detail: impl Into<String>) -> YenteError {
        YenteError::new(StatusCode::BAD_REQUEST, detail)
    }
}

impl From<ApiError> for YenteError {
    fn from(e: ApiError) -> YenteError {
        YenteError {
            status: e.status,
            detail: e.detail.message,
        }
    }
}

impl From<ServiceError> for YenteError {
    fn from(e: ServiceError) -> YenteError {
        ApiError::from(e).into()
    }
}

impl IntoResponse for YenteError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(DetailBody {
                detail: self.detail,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"cortina\""),
            );
        }
        response
    }
}

/// Reads a JSON request body: `Content-Type: application/json` required
/// (which also keeps cross-site form posts out), the body within the size
/// limit, and valid JSON of type `T`. Malformed JSON is `bad_json`; JSON
/// of the wrong shape (a missing, unknown or invalid field) gets
/// `shape_code`.
pub fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    shape_code: &'static str,
) -> Result<T, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json")
                || (v.len() > 5 && v[v.len() - 5..].eq_ignore_ascii_case("+json"))
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than the server accepts",
            )
        } else {
            ApiError::new(e.status(), "bad_body", "the request body could not be read")
        }
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let code = match e.classify() {
            serde_json::error::Category::Data => shape_code,
            _ => "bad_json",
        };
        ApiError::new(StatusCode::BAD_REQUEST, code, e.to_string())
    })
}
