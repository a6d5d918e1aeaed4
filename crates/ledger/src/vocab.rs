//! The ledger's vocabularies: what kind of victim, by which vector. Values are the
//! pack's (`packs/dprk/README.md` documents them); the groups are what reports
//! and summaries split by.

/// Coarse target type a victim type belongs to.
pub fn target_group(victim_type: &str) -> &'static str {
    match victim_type {
        "bank" | "central_bank" | "payment_switch" | "payment_network" | "financial_services"
        | "payment_processor" => "bank",
        "crypto_exchange" => "crypto_exchange",
        "dex" | "defi" | "bridge" | "token_infrastructure" | "launchpad" => "defi_bridge",
        "wallet"
        | "crypto_project"
        | "trading_app"
        | "crypto_fund"
        | "trading_firm"
        | "venture_capital"
        | "investment_platform"
        | "gambling"
        | "foundation"
        | "nft_market"
        | "crypto_other"
        | "individual" => "crypto_other",
        "cryptomining" => "cryptomining",
        "ransomware_victims" => "ransomware",
        "" => "unknown",
        _ => "other",
    }
}

/// Human label of a target group.
pub fn target_group_label(group: &str) -> &'static str {
    match group {
        "bank" => "Banks and payment systems",
        "crypto_exchange" => "Cryptocurrency exchanges",
        "defi_bridge" => "DeFi, DEXs and bridges",
        "crypto_other" => "Other crypto businesses and holders",
        "cryptomining" => "Cryptomining",
        "ransomware" => "Ransomware",
        "unknown" => "Not stated",
        _ => "Other",
    }
}

/// STIX industry sectors (industry-sector-ov) for a victim type.
pub fn stix_sectors(victim_type: &str) -> &'static [&'static str] {
    match target_group(victim_type) {
        "bank" => &["financial-services"],
        "unknown" | "other" => &[],
        _ => &["financial-services", "technology"],
    }
}

/// Attack vectors (the pack's `methods` values) with labels.
pub const VECTORS: &[(&str, &str)] = &[
    ("swift", "SWIFT fraud"),
    ("atm_cashout", "ATM cash-out"),
    ("exchange_hack", "Exchange hot-wallet compromise"),
    ("private_key_theft", "Private-key theft"),
    ("supply_chain", "Supply chain"),
    ("social_engineering", "Social engineering / fake job"),
    ("spear_phishing", "Spear phishing"),
    ("bridge_exploit", "Bridge exploit"),
    ("cryptojacking", "Cryptojacking"),
    ("ransomware", "Ransomware"),
    ("wiper", "Wiper"),
    ("backdoor", "Backdoor"),
];

pub fn vector_label(v: &str) -> &str {
    VECTORS
        .iter()
        .find(|(k, _)| *k == v)
        .map(|(_, l)| *l)
        .unwrap_or(v)
}

/// STIX confidence (0–100) on the other scales the STIX 2.1 appendix maps it to.
pub fn confidence_scales(c: u8) -> (&'static str, &'static str) {
    let lmh = match c {
        0 => "none",
        1..=29 => "low",
        30..=69 => "medium",
        _ => "high",
    };
    // Admiralty credibility (STIX 2.1 Appendix A: 1 ≈ 100 … 5 ≈ 10, 6 = cannot be judged).
    let admiralty = match c {
        90..=100 => "1 (confirmed)",
        70..=89 => "2 (probably true)",
        50..=69 => "3 (possibly true)",
        30..=49 => "4 (doubtful)",
        1..=29 => "5 (improbable)",
        _ => "6 (cannot be judged)",
    };
    (lmh, admiralty)
}
