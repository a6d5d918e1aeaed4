//! Address labels: GraphSense TagPacks (a small YAML subset parsed by hand),
//! OFAC "Digital Currency Address" lists, and theft addresses supplied by the
//! caller (from incidents). Each label has exactly one source and a
//! confidence; an address may carry several labels from different sources.

use std::collections::HashMap;

use crate::graph::{AddrId, Graph};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Exchange,
    Otc,
    Mixer,
    Bridge,
    /// Other custodial services (wallets, gambling, mining pools).
    Service,
    Sanctioned,
    Theft,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Exchange => "exchange",
            Category::Otc => "otc",
            Category::Mixer => "mixer",
            Category::Bridge => "bridge",
            Category::Service => "service",
            Category::Sanctioned => "sanctioned",
            Category::Theft => "theft",
            Category::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Some(match s {
            "exchange" => Category::Exchange,
            "otc" => Category::Otc,
            "mixer" => Category::Mixer,
            "bridge" => Category::Bridge,
            "service" => Category::Service,
            "sanctioned" => Category::Sanctioned,
            "theft" => Category::Theft,
            "other" => Category::Other,
            _ => return None,
        })
    }
    /// Custodial services where on-chain tracing ends (funds are pooled and
    /// the next step is a legal request to the operator).
    pub fn is_endpoint(self) -> bool {
        matches!(self, Category::Exchange | Category::Otc | Category::Service)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Chain name as the graph uses it (`bitcoin`, `ethereum`, `tron`, …).
    pub chain: String,
    /// Canonical address text (bech32 lower-case, EVM lower-case).
    pub address: String,
    pub category: Category,
    /// Entity or label text (`kucoin`, `Lazarus group`).
    pub name: String,
    /// Where the label comes from: file and line, or `incident:<id>`.
    pub source: String,
    /// 0–100.
    pub confidence: u8,
    pub actor: Option<String>,
}

/// Something in a label source that was skipped, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Chain name for a currency code and address shape. Stablecoins live on
/// several chains; the address tells which.
pub fn chain_for(currency: &str, address: &str) -> String {
    let evm = address.len() == 42 && address.starts_with("0x");
    match currency.to_ascii_uppercase().as_str() {
        "BTC" | "XBT" => "bitcoin".into(),
        "ETH" => "ethereum".into(),
        "ETC" => "ethereum-classic".into(),
        "TRX" => "tron".into(),
        "BSC" | "BNB" => "bsc".into(),
        "ARB" => "arbitrum".into(),
        "LTC" => "litecoin".into(),
        "BCH" => "bitcoin-cash".into(),
        "XMR" => "monero".into(),
        "ZEC" => "zcash".into(),
        _ if evm => "ethereum".into(),
        _ if address.starts_with('T') && address.len() == 34 => "tron".into(),
        other => other.to_ascii_lowercase(),
    }
}

/// Canonical form of an address on a chain, or `None` when it is not valid
/// there (checked for Bitcoin, EVM and Tron shapes; other chains pass trimmed).
pub fn canonical_address(chain: &str, address: &str) -> Option<String> {
    let a = address.trim();
    match chain {
        "bitcoin" => crate::addr::normalize(a),
        "ethereum" | "ethereum-classic" | "bsc" | "arbitrum" => {
            let ok = a.len() == 42
                && a.starts_with("0x")
                && a[2..].bytes().all(|c| c.is_ascii_hexdigit());
            ok.then(|| a.to_ascii_lowercase())
        }
        "tron" => {
            let ok = matches!(crate::addr::base58check_decode(a), Some((0x41, p)) if p.len() == 20);
            ok.then(|| a.to_string())
        }
        _ => (!a.is_empty() && !a.contains(char::is_whitespace)).then(|| a.to_string()),
    }
}

/// Our confidence for GraphSense's confidence levels (their names; our
/// numbers): authority data (sanctions, law enforcement) is the strongest
/// evidence, service data (published by the service) next, crawled web pages
/// least.
pub fn graphsense_confidence(level: &str) -> u8 {
    match level {
        "ownership" | "override" => 100,
        "authority_data" => 90,
        "service_data" => 80,
        "forensic" | "forensic_investigation" => 70,
        "web_crawl" => 50,
        _ => 40,
    }
}

/// Parses one TagPack. `source` names the file in each label's `source`.
pub fn parse_tagpack(text: &str, source: &str) -> (Vec<Label>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut header: HashMap<String, String> = HashMap::new();
    let mut tags: Vec<(usize, HashMap<String, String>)> = Vec::new();
    let mut in_tags = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = strip_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let body = line.trim();
        let (item_start, body) = match body.strip_prefix("- ") {
            Some(rest) => (true, rest),
            None => (false, body),
        };
        let Some((key, value)) = body.split_once(':') else {
            diags.push(Diagnostic {
                line: line_no,
                message: format!("expected `key: value`, found {body:?}"),
            });
            continue;
        };
        let key = key.trim().to_string();
        let value = match unquote(value.trim()) {
            Ok(v) => v,
            Err(m) => {
                diags.push(Diagnostic {
                    line: line_no,
                    message: m,
                });
                continue;
            }
        };
        if indent == 0 && !item_start {
            in_tags = key == "tags";
            if !in_tags {
                header.insert(key, value);
            }
            continue;
        }
        if !in_tags {
            diags.push(Diagnostic {
                line: line_no,
                message: format!("indented `{key}` outside `tags:`"),
            });
            continue;
        }
        if item_start {
            tags.push((line_no, HashMap::new()));
        }
        match tags.last_mut() {
            Some((_, t)) => {
                t.insert(key, value);
            }
            None => diags.push(Diagnostic {
                line: line_no,
                message: "tag property before the first `- `".into(),
            }),
        }
    }
    let mut labels = Vec::with_capacity(tags.len());
    for (line, tag) in tags {
        let get = |k: &str| tag.get(k).or_else(|| header.get(k)).map(String::as_str);
        let Some(address) = tag.get("address") else {
            diags.push(Diagnostic {
                line,
                message: "tag without `address`".into(),
            });
            continue;
        };
        let currency = get("currency").unwrap_or("");
        let chain = chain_for(currency, address.trim());
        let Some(canonical) = canonical_address(&chain, address) else {
            diags.push(Diagnostic {
                line,
                message: format!("{address:?} is not a valid {chain} address"),
            });
            continue;
        };
        if address.trim() != address {
            diags.push(Diagnostic {
                line,
                message: format!("{address:?} has surrounding spaces (trimmed)"),
            });
        }
        let label = get("label").unwrap_or("").to_string();
        let category = tagpack_category(
            get("category"),
            get("abuse"),
            get("source").unwrap_or(""),
            &label,
        );
        let confidence = graphsense_confidence(get("confidence").unwrap_or(""));
        labels.push(Label {
            chain,
            address: canonical,
            category,
            name: get("actor")
                .map(str::to_string)
                .filter(|_| category.is_endpoint())
                .unwrap_or(label),
            source: format!("{source}:{line}"),
            confidence,
            actor: get("actor").map(str::to_string),
        });
    }
    (labels, diags)
}

/// One category per tag: abuse first (what happened), then the kind of
/// service, then OFAC sources without either.
fn tagpack_category(
    category: Option<&str>,
    abuse: Option<&str>,
    source: &str,
    label: &str,
) -> Category {
    match abuse {
        Some("sanction") => return Category::Sanctioned,
        Some("service_hack" | "hack" | "theft") => return Category::Theft,
        _ => {}
    }
    match category {
        Some("exchange") => Category::Exchange,
        Some("otc" | "otc_desk") => Category::Otc,
        Some("mixing_service" | "mixer" | "coinjoin") => Category::Mixer,
        Some("bridge") => Category::Bridge,
        Some("wallet_service" | "gambling" | "miner" | "payment_processor" | "market") => {
            Category::Service
        }
        _ if source.contains("ofac") || label.contains("OFAC") => Category::Sanctioned,
        _ => Category::Other,
    }
}

fn strip_comment(line: &str) -> &str {
    // A `#` starts a comment at line start or after a space, outside quotes.
    let mut quote = None;
    let bytes = line.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        match (quote, c) {
            (None, b'\'' | b'"') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, b'#') if i == 0 || bytes[i - 1] == b' ' => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(v: &str) -> Result<String, String> {
    if let Some(rest) = v.strip_prefix('\'') {
        let inner = rest
            .strip_suffix('\'')
            .ok_or_else(|| format!("unterminated single quote in {v:?}"))?;
        return Ok(inner.replace("''", "'"));
    }
    if let Some(rest) = v.strip_prefix('"') {
        let inner = rest
            .strip_suffix('"')
            .ok_or_else(|| format!("unterminated double quote in {v:?}"))?;
        return Ok(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    Ok(v.to_string())
}

/// Parses an OFAC list (`sanctioned_addresses_<ASSET>.txt`: one address per line).
pub fn parse_ofac_list(text: &str, asset: &str, source: &str) -> (Vec<Label>, Vec<Diagnostic>) {
    let mut labels = Vec::new();
    let mut diags = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let a = line.trim();
        if a.is_empty() {
            continue;
        }
        let chain = chain_for(asset, a);
        let Some(address) = canonical_address(&chain, a) else {
            diags.push(Diagnostic {
                line: i + 1,
                message: format!("{a:?} is not a valid {chain} address ({asset} list)"),
            });
            continue;
        };
        labels.push(Label {
            chain,
            address,
            category: Category::Sanctioned,
            name: format!("OFAC SDN ({asset})"),
            source: format!("{source}:{}", i + 1),
            confidence: 100,
            actor: None,
        });
    }
    (labels, diags)
}

/// Labels attached to graph addresses. Small (thousands of labels), so a map
/// by address id is fine here; the hot loops only ask `endpoint()`/`first()`.
#[derive(Debug, Clone, Default)]
pub struct LabelIndex {
    pub labels: Vec<Label>,
    by_addr: HashMap<AddrId, Vec<u32>>,
}

impl LabelIndex {
    /// Keeps the labels whose address is in the graph.
    pub fn new(g: &Graph, labels: Vec<Label>) -> LabelIndex {
        let mut by_addr: HashMap<AddrId, Vec<u32>> = HashMap::new();
        let mut kept = Vec::new();
        for l in labels {
            if let Some(a) = g.find_address(&l.chain, &l.address) {
                by_addr.entry(a).or_default().push(kept.len() as u32);
                kept.push(l);
            }
        }
        LabelIndex {
            labels: kept,
            by_addr,
        }
    }
    pub fn of(&self, a: AddrId) -> impl Iterator<Item = &Label> {
        self.by_addr
            .get(&a)
            .into_iter()
            .flatten()
            .map(|i| &self.labels[*i as usize])
    }
    /// Spreads service labels (exchange, OTC, mixer, bridge, other services)
    /// to every address of their cluster, as GraphSense does for tags marked
    /// `is_cluster_definer`: a deposit address swept together with a labelled
    /// hot wallet belongs to the same service. Derived labels name their
    /// origin (`cluster:<source>`) and lose 10 points of confidence. Returns
    /// how many labels were added.
    pub fn extend_by_clusters(&mut self, g: &Graph, c: &crate::cluster::Clustering) -> usize {
        let mut members: HashMap<u32, Vec<AddrId>> = HashMap::new();
        let service =
            |cat: Category| cat.is_endpoint() || matches!(cat, Category::Mixer | Category::Bridge);
        let clusters: std::collections::HashSet<u32> = self
            .by_addr
            .iter()
            .filter(|(_, ls)| {
                ls.iter()
                    .any(|i| service(self.labels[*i as usize].category))
            })
            .map(|(a, _)| c.cluster_of[*a as usize])
            .filter(|cl| c.sizes[*cl as usize] > 1)
            .collect();
        if clusters.is_empty() {
            return 0;
        }
        for a in 0..g.addr_count() as AddrId {
            let cl = c.cluster_of[a as usize];
            if clusters.contains(&cl) {
                members.entry(cl).or_default().push(a);
            }
        }
        let mut added = 0;
        let mut sources: Vec<(AddrId, u32)> = self
            .by_addr
            .iter()
            .flat_map(|(a, ls)| ls.iter().map(move |i| (*a, *i)))
            .filter(|(_, i)| service(self.labels[*i as usize].category))
            .collect();
        sources.sort_unstable();
        for (a, li) in sources {
            let l = self.labels[li as usize].clone();
            for &m in members.get(&c.cluster_of[a as usize]).into_iter().flatten() {
                if m == a
                    || self
                        .of(m)
                        .any(|x| x.category == l.category && x.name == l.name)
                {
                    continue;
                }
                let derived = Label {
                    chain: g.chain_of_addr(m).name.clone(),
                    address: g.address(m).to_string(),
                    source: format!("cluster:{}", l.source),
                    confidence: l.confidence.saturating_sub(10),
                    ..l.clone()
                };
                self.by_addr
                    .entry(m)
                    .or_default()
                    .push(self.labels.len() as u32);
                self.labels.push(derived);
                added += 1;
            }
        }
        added
    }

    /// Labels with their indices into `labels`.
    pub fn labels_of(&self, a: AddrId) -> impl Iterator<Item = (u32, &Label)> {
        self.by_addr
            .get(&a)
            .into_iter()
            .flatten()
            .map(|i| (*i, &self.labels[*i as usize]))
    }
    /// Addresses carrying a label of this category and name (a mixer's or
    /// service's known wallets).
    pub fn addresses_named(&self, name: &str, c: Category) -> Vec<AddrId> {
        let mut v: Vec<AddrId> = self
            .by_addr
            .iter()
            .filter(|(_, ls)| {
                ls.iter().any(|i| {
                    self.labels[*i as usize].category == c && self.labels[*i as usize].name == name
                })
            })
            .map(|(a, _)| *a)
            .collect();
        v.sort_unstable();
        v
    }
    pub fn has(&self, a: AddrId, c: Category) -> bool {
        self.of(a).any(|l| l.category == c)
    }
    /// The most confident label of a category class, for reporting.
    pub fn best(&self, a: AddrId, pred: impl Fn(Category) -> bool) -> Option<&Label> {
        self.of(a)
            .filter(|l| pred(l.category))
            .max_by_key(|l| l.confidence)
    }
    pub fn addresses(&self) -> impl Iterator<Item = AddrId> + '_ {
        self.by_addr.keys().copied()
    }
}

/// Labels that match an address text on any chain (for screening input that
/// is not in a graph).
pub fn lookup<'a>(labels: &'a [Label], address: &str) -> Vec<&'a Label> {
    let t = address.trim();
    let lower = t.to_ascii_lowercase();
    labels
        .iter()
        .filter(|l| l.address == t || l.address == lower)
        .collect()
}
