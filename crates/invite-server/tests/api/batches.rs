//! Batch upload over HTTP.
