//! Differential test of deterministic SCO ids against python-stix2 (filled in below).
