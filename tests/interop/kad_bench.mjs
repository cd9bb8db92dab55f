// js kad-dht (@libp2p/kad-dht) beside terap2p's Kademlia bench
// (bench/kad_bench.c): NODES js-libp2p hosts in this one process on
// 127.0.0.1, each dialing 8 random others; per trial a random node
// provides a topic key (CIDv1 raw of sha2-256(topic), go-libp2p's
// rendezvous key) and another finds it.  Counted as kad_bench counts its
// simulated terap2p network: queries sent until the first provider, and
// the time to it; also the mean time a query took to be answered.
// Prints one JSON line.  Usage: node kad_bench.mjs [nodes] [trials]
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

const NODES = Number(process.argv[2] ?? 50)
const TRIALS = Number(process.argv[3] ?? 20)
const rnd = (n) => Math.floor(Math.random() * n)
const topicCid = async (topic) => CID.createV1(raw.code, await sha256.digest(Buffer.from(topic)))

const nodes = await Promise.all(Array.from({ length: NODES }, () => createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: {
    identify: identify(),
    ping: ping(),
    dht: kadDHT({ clientMode: false, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true })
  },
  connectionManager: { minConnections: 0, maxConnections: 1000 }
})))
// each host dials 8 random others (one host's dials at a time)
for (const n of nodes) {
  await Promise.all(Array.from({ length: 8 }, () => {
    const o = nodes[rnd(NODES)]
    return o === n ? null : n.dial(o.getMultiaddrs()[0], { signal: AbortSignal.timeout(20000) })
      .catch((err) => { if (process.env.KAD_BENCH_DEBUG) console.error('dial', err.message) })
  }))
}
if (process.env.KAD_BENCH_DEBUG) console.error('connected')
const settleUntil = Date.now() + 60000
while (Date.now() < settleUntil && nodes.some((n) => n.services.dht.routingTable.size < 3)) {
  await new Promise((resolve) => setTimeout(resolve, 100))
}

const tables = nodes.map((n) => n.services.dht.routingTable.size)
if (process.env.KAD_BENCH_DEBUG) console.error(`routing tables: ${Math.min(...tables)} to ${Math.max(...tables)} peers`)
let found = 0, toFirstMsgs = 0, toFirstMs = 0, provideMsgs = 0
let rttSum = 0, rttN = 0
for (let t = 0; t < TRIALS; t++) {
  const key = await topicCid(`teranode/bitcoin/1.0.0/bench-js-${t}`)
  const provider = nodes[rnd(NODES)]
  let seeker
  do seeker = nodes[rnd(NODES)]; while (seeker === provider)
  const p0 = performance.now()
  try {
    for await (const e of provider.services.dht.provide(key, { signal: AbortSignal.timeout(30000) })) {
      if (e.name === 'SEND_QUERY') provideMsgs++
    }
  } catch (err) { if (process.env.KAD_BENCH_DEBUG) console.error(`trial ${t}: provide: ${err.message}`) }
  if (process.env.KAD_BENCH_DEBUG) console.error(`trial ${t}: provided in ${(performance.now() - p0).toFixed(0)} ms`)
  const sent = new Map()
  const t0 = performance.now()
  let msgs = 0, first = false
  const names = {}
  const signal = AbortSignal.timeout(30000)
  try {
    for await (const e of seeker.services.dht.findProviders(key, { signal })) {
      if (process.env.KAD_BENCH_DEBUG) names[e.name] = (names[e.name] ?? 0) + 1
      if (e.name === 'SEND_QUERY') { msgs++; sent.set(e.to.toString(), performance.now()) }
      if (e.name === 'PEER_RESPONSE' && sent.has(e.from.toString())) {
        rttSum += performance.now() - sent.get(e.from.toString()); rttN++
      }
      if (e.name === 'PROVIDER' && !first && e.providers.some((p) => p.id.equals(provider.peerId))) {
        first = true
        found++
        toFirstMsgs += msgs
        toFirstMs += performance.now() - t0
        break	// the rest of the lookup is not what a seeker waits for
      }
    }
  } catch (err) { if (process.env.KAD_BENCH_DEBUG) console.error(`trial ${t}: find: ${err.message}`) }
  if (process.env.KAD_BENCH_DEBUG) console.error(`trial ${t}: ${first ? 'found' : 'not found'} after ${msgs} queries, ${(performance.now() - t0).toFixed(0)} ms ${JSON.stringify(names)}`)
}
process.stdout.write(JSON.stringify({
  nodes: NODES,
  trials: TRIALS,
  found,
  msgs_to_first: found ? toFirstMsgs / found : 0,
  ms_to_first: found ? toFirstMs / found : 0,
  provide_msgs: provideMsgs / TRIALS,
  query_rtt_ms: rttN ? rttSum / rttN : 0
}) + '\n')
await Promise.all(nodes.map((n) => n.stop()))
process.exit(0)
