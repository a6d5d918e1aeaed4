//! What STIX 2.1 says about SCO properties, as far as object paths need it
//! (STIX 2.1 OS §6 "STIX Cyber-observable Objects" and its predefined extensions;
//! the property lists agree with the OASIS JSON schemas in
//! cti-stix2-json-schemas/schemas/observables, checked by a test when ../shared
//! is present).

/// Properties every SCO may have (STIX 2.1 §3.2 common properties for SCOs).
pub const COMMON_PROPERTIES: &[&str] = &[
    "type",
    "id",
    "spec_version",
    "object_marking_refs",
    "granular_markings",
    "defanged",
    "extensions",
];

/// The own properties of each STIX 2.1 SCO type, plus the project's
/// crypto-address (a `new-sco` extension, see `stix::ext`).
pub const SCO_PROPERTIES: &[(&str, &[&str])] = &[
    (
        "artifact",
        &[
            "mime_type",
            "payload_bin",
            "url",
            "hashes",
            "encryption_algorithm",
            "decryption_key",
        ],
    ),
    ("autonomous-system", &["number", "name", "rir"]),
    (
        "directory",
        &[
            "path",
            "path_enc",
            "ctime",
            "mtime",
            "atime",
            "contains_refs",
        ],
    ),
    ("domain-name", &["value", "resolves_to_refs"]),
    ("email-addr", &["value", "display_name", "belongs_to_ref"]),
    (
        "email-message",
        &[
            "is_multipart",
            "date",
            "content_type",
            "from_ref",
            "sender_ref",
            "to_refs",
            "cc_refs",
            "bcc_refs",
            "message_id",
            "subject",
            "received_lines",
            "additional_header_fields",
            "body",
            "body_multipart",
            "raw_email_ref",
        ],
    ),
    (
        "file",
        &[
            "hashes",
            "size",
            "name",
            "name_enc",
            "magic_number_hex",
            "mime_type",
            "ctime",
            "mtime",
            "atime",
            "parent_directory_ref",
            "contains_refs",
            "content_ref",
        ],
    ),
    (
        "ipv4-addr",
        &["value", "resolves_to_refs", "belongs_to_refs"],
    ),
    (
        "ipv6-addr",
        &["value", "resolves_to_refs", "belongs_to_refs"],
    ),
    ("mac-addr", &["value"]),
    ("mutex", &["name"]),
    (
        "network-traffic",
        &[
            "start",
            "end",
            "is_active",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "src_byte_count",
            "dst_byte_count",
            "src_packets",
            "dst_packets",
            "ipfix",
            "src_payload_ref",
            "dst_payload_ref",
            "encapsulates_refs",
            "encapsulated_by_ref",
        ],
    ),
    (
        "process",
        &[
            "is_hidden",
            "pid",
            "created_time",
            "cwd",
            "command_line",
            "environment_variables",
            "opened_connection_refs",
            "creator_user_ref",
            "image_ref",
            "parent_ref",
            "child_refs",
        ],
    ),
    (
        "software",
        &["name", "cpe", "swid", "languages", "vendor", "version"],
    ),
    ("url", &["value"]),
    (
        "user-account",
        &[
            "user_id",
            "credential",
            "account_login",
            "account_type",
            "display_name",
            "is_service_account",
            "is_privileged",
            "can_escalate_privs",
            "is_disabled",
            "account_created",
            "account_expires",
            "credential_last_changed",
            "account_first_login",
            "account_last_login",
        ],
    ),
    (
        "windows-registry-key",
        &[
            "key",
            "values",
            "modified_time",
            "creator_user_ref",
            "number_of_subkeys",
        ],
    ),
    (
        "x509-certificate",
        &[
            "is_self_signed",
            "hashes",
            "version",
            "serial_number",
            "signature_algorithm",
            "issuer",
            "validity_not_before",
            "validity_not_after",
            "subject",
            "subject_public_key_algorithm",
            "subject_public_key_modulus",
            "subject_public_key_exponent",
            "x509_v3_extensions",
        ],
    ),
    (stix::ext::CRYPTO_ADDRESS_TYPE, &["address", "chain"]),
];

/// Predefined SCO extensions (STIX 2.1 §6.x.2): the type they extend, their name
/// and their properties.
pub const EXTENSIONS: &[(&str, &str, &[&str])] = &[
    ("file", "archive-ext", &["contains_refs", "comment"]),
    ("file", "ntfs-ext", &["sid", "alternate_data_streams"]),
    (
        "file",
        "pdf-ext",
        &[
            "version",
            "is_optimized",
            "document_info_dict",
            "pdfid0",
            "pdfid1",
        ],
    ),
    (
        "file",
        "raster-image-ext",
        &["image_height", "image_width", "bits_per_pixel", "exif_tags"],
    ),
    (
        "file",
        "windows-pebinary-ext",
        &[
            "pe_type",
            "imphash",
            "machine_hex",
            "number_of_sections",
            "time_date_stamp",
            "pointer_to_symbol_table_hex",
            "number_of_symbols",
            "size_of_optional_header",
            "characteristics_hex",
            "file_header_hashes",
            "optional_header",
            "sections",
        ],
    ),
    (
        "network-traffic",
        "http-request-ext",
        &[
            "request_method",
            "request_value",
            "request_version",
            "request_header",
            "message_body_length",
            "message_body_data_ref",
        ],
    ),
    (
        "network-traffic",
        "icmp-ext",
        &["icmp_type_hex", "icmp_code_hex"],
    ),
    (
        "network-traffic",
        "socket-ext",
        &[
            "address_family",
            "is_blocking",
            "is_listening",
            "options",
            "socket_type",
            "socket_descriptor",
            "socket_handle",
        ],
    ),
    (
        "network-traffic",
        "tcp-ext",
        &["src_flags_hex", "dst_flags_hex"],
    ),
    (
        "process",
        "windows-process-ext",
        &[
            "aslr_enabled",
            "dep_enabled",
            "priority",
            "owner_sid",
            "window_title",
            "startup_info",
            "integrity_level",
        ],
    ),
    (
        "process",
        "windows-service-ext",
        &[
            "service_name",
            "descriptions",
            "display_name",
            "group_name",
            "start_type",
            "service_dll_refs",
            "service_type",
            "service_status",
        ],
    ),
    (
        "user-account",
        "unix-account-ext",
        &["gid", "groups", "home_dir", "shell"],
    ),
];

/// The own properties of a known SCO type.
pub fn properties(sco_type: &str) -> Option<&'static [&'static str]> {
    SCO_PROPERTIES
        .iter()
        .find(|(t, _)| *t == sco_type)
        .map(|(_, p)| *p)
}

/// True when `prop` is defined for `sco_type` (own or common property).
pub fn has_property(sco_type: &str, prop: &str) -> bool {
    COMMON_PROPERTIES.contains(&prop) || properties(sco_type).is_some_and(|p| p.contains(&prop))
}

/// The properties of a predefined extension on a type.
pub fn extension_properties(sco_type: &str, ext: &str) -> Option<&'static [&'static str]> {
    EXTENSIONS
        .iter()
        .find(|(t, e, _)| *t == sco_type && *e == ext)
        .map(|(_, _, p)| *p)
}

/// Hash algorithm names of the STIX 2.1 hash-algorithm-ov and the form of their
/// values (hex digits, or SSDEEP/TLSH text).
pub fn hash_value_ok(algorithm: &str, value: &str) -> Option<bool> {
    let hex = |n: usize| value.len() == n && value.bytes().all(|c| c.is_ascii_hexdigit());
    let norm: String = algorithm
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_uppercase();
    Some(match norm.as_str() {
        "MD5" => hex(32),
        "SHA1" => hex(40),
        "SHA256" | "SHA3256" => hex(64),
        "SHA512" | "SHA3512" => hex(128),
        "SHA224" | "SHA3224" => hex(56),
        "SHA384" | "SHA3384" => hex(96),
        "SSDEEP" => {
            !value.is_empty()
                && value.len() <= 148
                && value
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"/+:.".contains(&c))
        }
        "TLSH" => {
            hex(70)
                || (value.starts_with("T1")
                    && value.len() == 72
                    && value[2..].bytes().all(|c| c.is_ascii_hexdigit()))
        }
        _ => return None,
    })
}

/// What a reference property of an SCO may point to (STIX 2.1 §6, the `_ref`
/// and `_refs` properties of each SCO). `None` for unknown references.
pub fn ref_targets(sco_type: &str, prop: &str) -> Option<&'static [&'static str]> {
    const ADDR: &[&str] = &["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"];
    Some(match (sco_type, prop) {
        ("network-traffic", "src_ref" | "dst_ref") => ADDR,
        ("network-traffic", "src_payload_ref" | "dst_payload_ref") => &["artifact"],
        ("network-traffic", "encapsulates_refs" | "encapsulated_by_ref") => &["network-traffic"],
        ("domain-name", "resolves_to_refs") => &["ipv4-addr", "ipv6-addr", "domain-name"],
        ("ipv4-addr" | "ipv6-addr", "resolves_to_refs") => &["mac-addr"],
        ("ipv4-addr" | "ipv6-addr", "belongs_to_refs") => &["autonomous-system"],
        ("email-addr", "belongs_to_ref") => &["user-account"],
        ("email-message", "from_ref" | "sender_ref" | "to_refs" | "cc_refs" | "bcc_refs") => {
            &["email-addr"]
        }
        ("email-message", "raw_email_ref") => &["artifact"],
        ("file", "parent_directory_ref") => &["directory"],
        ("file", "content_ref") => &["artifact"],
        ("directory", "contains_refs") => &["file", "directory"],
        ("process", "opened_connection_refs") => &["network-traffic"],
        ("process", "creator_user_ref") | ("windows-registry-key", "creator_user_ref") => {
            &["user-account"]
        }
        ("process", "image_ref") => &["file"],
        ("process", "parent_ref" | "child_refs") => &["process"],
        _ => return None,
    })
}
