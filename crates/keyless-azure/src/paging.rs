//! Paging: Graph `@odata.nextLink`, ARM `nextLink`, Azure DevOps `X-MS-ContinuationToken`.
//!
//! Every helper collects all pages into one `Vec`, resending the first request (with its
//! token) for each page. Loops are guarded: a link or continuation token seen twice, or more
//! than [`MAX_PAGES`] pages, ends paging with a `Malformed` error instead of spinning. Next
//! links are only followed on the first request's own origin, so a bearer token is never
//! sent to a host the caller did not choose.

use std::collections::HashSet;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::AzureError;
use crate::redact::redact_url;
use crate::transport::{ApiRequest, ApiResponse, AzureHttp};

/// Upper bound on pages per listing; far above any real tenant, low enough to stop a loop.
pub const MAX_PAGES: usize = 1000;

/// The Azure DevOps paging header.
pub const CONTINUATION_HEADER: &str = "x-ms-continuationtoken";

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Page<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    odata_next_link: Option<String>,
    #[serde(rename = "nextLink")]
    next_link: Option<String>,
}

/// Which next-link field a listing uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextLink {
    /// Microsoft Graph: `@odata.nextLink`.
    OData,
    /// Azure Resource Manager: `nextLink`.
    Arm,
}

fn paging_error(response: &ApiResponse, reason: impl Into<String>) -> AzureError {
    AzureError::Malformed {
        service: response.service,
        url: response.url.clone(),
        status: response.status,
        reason: reason.into(),
        request_id: response.request_id(),
    }
}

/// Collects every page of a Graph or ARM listing by following its next link.
pub async fn collect_linked_pages<T: DeserializeOwned>(
    http: &AzureHttp,
    first: ApiRequest,
    kind: NextLink,
) -> Result<Vec<T>, AzureError> {
    let origin = first.url.origin();
    let mut request = first;
    let mut seen: HashSet<String> = HashSet::new();
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let response = http.send(request.clone()).await?;
        let page: Page<T> = response.json()?;
        items.extend(page.value);
        let link = match kind {
            NextLink::OData => page.odata_next_link,
            NextLink::Arm => page.next_link,
        };
        let Some(link) = link.filter(|l| !l.is_empty()) else {
            return Ok(items);
        };
        let next = Url::parse(&link).map_err(|e| paging_error(&response, format!("next link is not a URL: {e}")))?;
        if next.origin() != origin {
            return Err(paging_error(
                &response,
                format!("next link points to another host ({}); refusing to send the token there", redact_url(&next)),
            ));
        }
        if !seen.insert(link) {
            return Err(paging_error(&response, "the service returned the same next link twice (paging loop)"));
        }
        request.url = next;
    }
    Err(AzureError::Malformed {
        service: request.service,
        url: redact_url(&request.url),
        status: 200,
        reason: format!("more than {MAX_PAGES} pages; stopped to avoid a paging loop"),
        request_id: None,
    })
}

/// Collects every page of an Azure DevOps listing that pages with `X-MS-ContinuationToken`.
///
/// A page may be empty while still carrying a token (ADO-DOCS warns about this for Graph
/// lists): paging continues until a response has no token.
pub async fn collect_continuation_pages<T: DeserializeOwned>(
    http: &AzureHttp,
    first: ApiRequest,
) -> Result<Vec<T>, AzureError> {
    let mut request = first;
    let mut seen: HashSet<String> = HashSet::new();
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES {
        let response = http.send(request.clone()).await?;
        let page: Page<T> = response.json()?;
        items.extend(page.value);
        let Some(token) = response.header(CONTINUATION_HEADER).map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(items);
        };
        if !seen.insert(token.to_string()) {
            return Err(paging_error(
                &response,
                "the service returned the same continuation token twice (paging loop)",
            ));
        }
        request.set_query("continuationToken", token);
    }
    Err(AzureError::Malformed {
        service: request.service,
        url: redact_url(&request.url),
        status: 200,
        reason: format!("more than {MAX_PAGES} pages; stopped to avoid a paging loop"),
        request_id: None,
    })
}
