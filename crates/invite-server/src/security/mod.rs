//! What every response carries and every request is held to, whatever route answers it:
//! security headers (`headers`), 405 with `Allow` for a known path's other methods
//! (`methods`), a deadline per request (`deadline`), CORS (`cors`), and rate limits (`rate`).

pub mod allowance;
pub mod cors;
pub mod deadline;
pub mod headers;
pub mod methods;
pub mod rate;
