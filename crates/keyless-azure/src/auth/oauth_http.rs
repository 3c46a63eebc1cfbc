//! The `oauth2` crate's async HTTP client, implemented over [`AzureHttp`].
//!
//! `oauth2` with default features would pull a second reqwest; with them off it needs an
//! `AsyncHttpClient`. This adapter sends through the shared transport (so token requests get
//! the same retries, limits and redacted logs) and turns non-success answers into the
//! transport's Entra error, so the AADSTS code and trace id survive instead of being reduced
//! to oauth2's generic error response.

use std::future::Future;
use std::pin::Pin;

use oauth2::{AsyncHttpClient, HttpRequest, HttpResponse};
use url::Url;

use crate::error::{AzureError, Service};
use crate::transport::{ApiRequest, AzureHttp};

/// The adapter's error: the transport's error, unchanged.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct OAuthTransportError(pub AzureError);

/// Sends oauth2's requests to Entra through [`AzureHttp`].
#[derive(Debug, Clone)]
pub struct OAuthHttp {
    http: AzureHttp,
}

impl OAuthHttp {
    pub fn new(http: AzureHttp) -> Self {
        OAuthHttp { http }
    }
}

impl<'c> AsyncHttpClient<'c> for OAuthHttp {
    type Error = OAuthTransportError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let url = Url::parse(&parts.uri.to_string()).map_err(|e| {
                OAuthTransportError(AzureError::Malformed {
                    service: Service::Entra,
                    url: "[redacted]".into(),
                    status: 0,
                    reason: format!("oauth2 built an invalid URL: {e}"),
                    request_id: None,
                })
            })?;
            // Token requests change nothing on the service: after a lost answer, ask again.
            let api_request = ApiRequest::new(Service::Entra, parts.method, url).raw(parts.headers, body).repeatable();
            let response = self.http.send(api_request).await.map_err(OAuthTransportError)?;
            let mut builder = oauth2::http::Response::builder().status(response.status);
            if let Some(headers) = builder.headers_mut() {
                *headers = response.headers.clone();
            }
            builder.body(response.body).map_err(|e| {
                OAuthTransportError(AzureError::Malformed {
                    service: Service::Entra,
                    url: response.url.clone(),
                    status: response.status,
                    reason: e.to_string(),
                    request_id: None,
                })
            })
        })
    }
}
