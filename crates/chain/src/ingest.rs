//! Turning parsed chain data into graph records.

use crate::addr;
use crate::btc::{Block, Tx};
use crate::graph::{GraphBuilder, InputRec, Model, OutputRec, Prev, TxId, NONE, UNKNOWN_VALUE};

/// A previous output as Bitcoin Core reports it: value in satoshis and script.
pub type Prevout = (u64, Vec<u8>);

/// Adds a Bitcoin transaction. Input addresses come from the spending data
/// (scriptSig/witness) when the previous output is not in the graph; values
/// from the previous output, or from `prevouts` when the caller has them
/// (Bitcoin Core `getblock` verbosity 3 gives them).
pub fn add_bitcoin_tx(
    b: &mut GraphBuilder,
    tx: &Tx,
    time: u64,
    prevouts: Option<&[Option<Prevout>]>,
) -> TxId {
    let chain = b.chain("bitcoin", Model::Utxo);
    let asset = b.asset("BTC");
    let coinbase = tx.is_coinbase();
    let mut inputs = Vec::with_capacity(tx.inputs.len());
    if !coinbase {
        for (k, input) in tx.inputs.iter().enumerate() {
            let known = prevouts.and_then(|p| p.get(k)).and_then(|p| p.as_ref());
            let script = match known {
                Some((_, s)) => Some(s.clone()),
                None => addr::spent_script(&input.script_sig, &input.witness),
            };
            let addr = match script.as_deref().and_then(addr::script_key) {
                Some(key) => b.address(chain, &key),
                None => NONE,
            };
            let value = known.map_or(UNKNOWN_VALUE, |(v, _)| *v);
            inputs.push(InputRec {
                addr,
                value,
                prev: Prev::Hash(input.prev_txid.0, input.prev_vout),
            });
        }
    }
    let outputs: Vec<OutputRec> = tx
        .outputs
        .iter()
        .map(|o| OutputRec {
            addr: addr::script_key(&o.script_pubkey).map_or(NONE, |k| b.address(chain, &k)),
            value: o.value,
        })
        .collect();
    b.add_tx(crate::graph::TxRec {
        chain,
        asset,
        time,
        hash: tx.txid.0,
        coinbase,
        inputs: &inputs,
        outputs: &outputs,
    })
}

/// Adds every transaction of a block (in block order, at the block's time).
pub fn add_bitcoin_block(b: &mut GraphBuilder, block: &Block) {
    for tx in &block.txs {
        add_bitcoin_tx(b, tx, u64::from(block.header.time), None);
    }
}
