//! In-process tests of the TAXII server: the router is driven with `oneshot`, no
//! socket. One test binary (faster to link than one per file).

mod api;
mod peers;
mod support;
mod tlp;
