//! GraphiQL, served from the binary: pinned production builds of GraphiQL
//! 3.8.3 and React 18.3.1 (MIT; `api/assets/graphiql/LICENSES.txt`), put
//! there by `tools/vendor-graphiql.sh` and embedded at compile time, so the
//! page needs no network but this server. A small sign-in panel of ours sets
//! the `Authorization` header for the session.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The page, for `GET /graphql` from a browser.
const PAGE: &str = include_str!("../../assets/graphiql/index.html");

/// The assets under `/graphiql/`: name, content type, bytes.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
    (
        "tandem-graphiql.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/tandem-graphiql.js"),
    ),
    (
        "tandem-graphiql.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/tandem-graphiql.css"),
    ),
    (
        "LICENSES.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../assets/graphiql/LICENSES.txt"),
    ),
];

/// Scripts, styles and requests from this server only: no inline script,
/// nothing from elsewhere (GraphiQL's editors set inline styles, and its
/// icons are data URLs).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The GraphiQL page.
pub fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("referrer-policy", "no-referrer"))
        .body(PAGE)
}

/// `GET /graphiql/{file}`: one of the embedded assets, or 404.
pub async fn asset(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, content_type, bytes)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(*bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such GraphiQL asset"),
    }
}
