/**
 * `npm run bench` — prints each figure against its physical limit or target;
 * `npm run bench -- --json` prints one JSON object for machines. Takes about
 * six minutes, almost all of it the emulated 64 kbit/s link; `--ecg-only`
 * runs just the ECG codec section (about a minute: brotli q11 is slow) and
 * `--photo-only` just the clinical photo pipeline.
 */
import { cpus, totalmem } from 'node:os';
import { deliveryAndOverhead, goodputUnderOutages, reconnectCost, urgentBehindBacklog } from './link-bench.js';
import { hubIngest } from './ingest-bench.js';
import { ecgCompression, ecgTable } from './ecg-bench.js';
import { photoBench } from './photo-bench.js';
import { cryptoBench } from './crypto-bench.js';
import { sealOverhead } from '../../protocol/sealing.js';
import { STATUS_SIGNATURE_BYTES } from '../../protocol/messages.js';

const json = process.argv.includes('--json');
const log = (s: string) => {
  if (!json) process.stdout.write(`${s}\n`);
};
const f = (n: number, d = 3) => n.toFixed(d);

async function main() {
  const machine = `${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  log(`Chasqui benchmark on ${machine}`);
  if (process.argv.includes('--photo-only')) {
    const photo = await photoBench(log);
    if (json) process.stdout.write(`${JSON.stringify({ machine, ...photo }, null, 2)}\n`);
    return;
  }
  const ecg = await ecgCompression();
  log('ECG codec (protocol/ecg-codec.ts) on the shared real records (test/bench/ecg-bench.ts):');
  for (const line of ecgTable(ecg)) log(line);
  log('');
  const ecgJson = {
    'ecg.ratio_vs_raw': ecg.ratioVsRaw,
    'ecg.ratio_vs_brotli': ecg.ratioVsBrotli,
    'ecg.ratio_vs_flac': ecg.ratioVsFlac,
    'ecg.encode_ms_per_10s_12lead': ecg.encodeMsPer10s12Lead,
  };
  const ecgDetail = Object.fromEntries(ecg.rows.flatMap((r) => [
    [`ecg.${r.record}.ratio_vs_raw`, r.raw / r.ours],
    [`ecg.${r.record}.ratio_vs_brotli`, r.ours / r.brotli],
    [`ecg.${r.record}.ratio_vs_flac`, r.ours / r.flac],
    [`ecg.${r.record}.bits_per_sample`, (r.ours * 8) / r.samples],
  ]));
  if (process.argv.includes('--ecg-only')) {
    if (json) process.stdout.write(`${JSON.stringify({ machine, ...ecgJson, detail: ecgDetail }, null, 2)}\n`);
    return;
  }
  const photo = await photoBench(log);
  log('');
  log('Link: 64 kbit/s each way, 600 ms RTT, 2 % packet loss (emulated, test/link)\n');

  const c = cryptoBench({ megabytes: 8, rounds: 5 });
  log(`sealing (sign + seal, protocol/sealing.ts): ${f(c.sealMsPerMb, 2)} ms/MB; opening (verify + open): ${f(c.openMsPerMb, 2)} ms/MB; ${c.overheadBytes} B per bundle`);

  const ingest = await hubIngest({ posts: 4, bundleBytes: 4 << 20, chunkSize: 8192 });
  log(`hub ingest (loopback): ${f(ingest.chunksPerS, 0)} chunks/s of 8 KiB (${f(ingest.mbPerS, 1)} MB/s), ${ingest.chunks} chunks in ${f(ingest.seconds, 1)} s`);

  const d = await deliveryAndOverhead();
  log(`300 KB case: ${f(d.seconds, 1)} s vs ideal ${f(d.idealSeconds, 1)} s (size/rate + 3 RTT) → ${f(d.deliveryVsIdeal)} × ideal   [target ≤ 1.15]`);
  log(`protocol overhead: wire bytes both ways / bundle bytes − 1 = ${f(d.overheadRatio, 4)}   [target ≤ 0.03]; wire / raw case size = ${f(d.wireVsRaw)}`);
  // The same case on a plain loopback link: what TLS itself adds on the wire (records, handshake).
  const plain = await deliveryAndOverhead({ plain: true });
  // Sealing cannot be turned off, so "without" is the plain run less what sealing puts on the wire:
  // the sealed bundle's header, tag and signature, and the signature on the hub's "complete".
  const sealingBytes = sealOverhead('post-bench', 'hub') + STATUS_SIGNATURE_BYTES;
  const tlsOverhead = d.wireBytes / (plain.wireBytes - sealingBytes) - 1;
  log(`TLS and sealing overhead: wire bytes with both / without − 1 = ${f(tlsOverhead, 4)} (${d.wireBytes} B vs ${plain.wireBytes - sealingBytes} B for the 300 KB case; sealing ${sealingBytes} B of it)`);
  const resumed = await reconnectCost({ resumeTls: true });
  const full = await reconnectCost({ resumeTls: false });
  const plainReconnect = await reconnectCost({ resumeTls: false, plain: true });
  log(`reconnect after a cut, first byte to CONNACK: TLS resumed ${f(resumed.bytes, 0)} B, ${f(resumed.roundTrips, 2)} RTT (${resumed.resumed}/${resumed.handshakes - 1} resumed); ` +
    `full handshake ${f(full.bytes, 0)} B, ${f(full.roundTrips, 2)} RTT; plain ${f(plainReconnect.bytes, 0)} B, ${f(plainReconnect.roundTrips, 2)} RTT`);

  // One outage per three minutes of transfer, as the link profile has it, 10 s each.
  const g = await goodputUnderOutages({ backlogBytes: 2_000_000, outagesAtS: [60, 240], outageS: 10 });
  log(`goodput with 2 % loss and ${g.outages} outages (${f(g.outageSeconds, 0)} s down): ${f(g.goodputRatio)} of link capacity while up   [target ≥ 0.90]`);
  log(`retransmitted bytes per outage: ${f(g.retransmitBytesPerOutage, 0)} B (one chunk is 8192 B)`);

  const u = await urgentBehindBacklog(20_000_000);
  log(`urgent ECG (${u.urgentBytes} B) behind 20 MB routine backlog: ${f(u.latencySeconds, 1)} s   [bound: its own transfer on the idle link ${f(u.ownTransferSeconds, 1)} s (serialisation alone ${f(u.serialisationSeconds, 1)} s) + one chunk ${f(u.chunkSeconds, 1)} s + 2 RTT = ${f(u.bound, 1)} s]`);

  if (json) {
    process.stdout.write(`${JSON.stringify({
      machine,
      'link.goodput_ratio': g.goodputRatio,
      'link.overhead_ratio': d.overheadRatio,
      'link.delivery_vs_ideal': d.deliveryVsIdeal,
      'link.retransmit_bytes_per_outage': g.retransmitBytesPerOutage,
      'link.urgent_latency_s': u.latencySeconds,
      'link.urgent_latency_bound_s': u.bound,
      'link.tls_overhead_ratio': tlsOverhead,
      'link.reconnect_resumed_bytes': resumed.bytes,
      'link.reconnect_resumed_round_trips': resumed.roundTrips,
      'link.reconnect_full_handshake_bytes': full.bytes,
      'link.reconnect_full_handshake_round_trips': full.roundTrips,
      'hub.ingest_chunks_per_s': ingest.chunksPerS,
      'crypto.seal_ms_per_mb': c.sealMsPerMb,
      'crypto.open_ms_per_mb': c.openMsPerMb,
      ...ecgJson,
      ...photo,
      detail: {
        ...ecgDetail,
        'link.delivery_s': d.seconds, 'link.delivery_ideal_s': d.idealSeconds, 'link.wire_vs_raw': d.wireVsRaw,
        'link.wire_bytes_tls': d.wireBytes, 'link.wire_bytes_plain': plain.wireBytes, 'link.delivery_vs_ideal_plain': plain.deliveryVsIdeal,
        'link.reconnect_plain_bytes': plainReconnect.bytes, 'link.reconnect_plain_round_trips': plainReconnect.roundTrips,
        'link.outages': g.outages, 'link.urgent_own_transfer_s': u.ownTransferSeconds, 'hub.ingest_mb_per_s': ingest.mbPerS,
      },
    }, null, 2)}\n`);
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
