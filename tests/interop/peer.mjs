// A real js-libp2p peer for terap2p's interop tests, driven over stdio.
// Prints one JSON object per line on stdout (events and answers); reads one
// JSON command per line on stdin.  Options: --seed <hex32> --psk <file>
// --gossip (enable gossipsub; later issues; with --px and --mesh D,Dlo,Dhi
// for peer exchange), --dht server|client (the Kademlia DHT on
// /ipfs/kad/1.0.0, loopback addresses kept).
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { PeerRecord, RecordEnvelope } from '@libp2p/peer-record'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

const args = process.argv.slice(2)
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined }
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const config = {
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() },
  connectionManager: { minConnections: 0 }
}
// --push: serve and send identify push (/ipfs/id/push/1.0.0)
if (args.includes('--push')) config.services.identifyPush = identifyPush()
if (opt('--seed')) config.privateKey = await generateKeyPairFromSeed('Ed25519', Buffer.from(opt('--seed'), 'hex'))
if (opt('--psk')) config.connectionProtector = preSharedKey({ psk: readFileSync(opt('--psk')) })
if (args.includes('--gossip')) {
  config.services.pubsub = gossipsub({
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    // --nosign: a misbehaving peer that sends unsigned messages
    globalSignaturePolicy: args.includes('--nosign') ? 'StrictNoSign' : 'StrictSign',
    // --px: send peer exchange on PRUNE and accept it from peers at score 0
    ...(args.includes('--px') ? { doPX: true, scoreThresholds: { acceptPXThreshold: 0 } } : {}),
    // --mesh D,Dlo,Dhi: a small mesh, so that GRAFTs overflow it
    ...(opt('--mesh') ? (([D, Dlo, Dhi]) => ({ D, Dlo, Dhi, Dout: 0 }))(opt('--mesh').split(',').map(Number)) : {})
  })
}

if (opt('--dht')) {
  config.services.dht = kadDHT({
    clientMode: opt('--dht') === 'client',
    peerInfoMapper: passthroughMapper,	// tests run on 127.0.0.1
    allowQueryWithZeroPeers: true
  })
}
// go-libp2p's rendezvous key of a topic: CIDv1(raw, sha2-256(topic))
const topicCid = async (topic) => CID.createV1(raw.code, await sha256.digest(Buffer.from(topic)))

const node = await createLibp2p(config)
node.addEventListener('peer:connect', (e) => out({ event: 'connect', peer: e.detail.toString() }))
node.addEventListener('peer:disconnect', (e) => out({ event: 'disconnect', peer: e.detail.toString() }))
node.addEventListener('peer:identify', (e) => out({
  event: 'identify',
  peer: e.detail.peerId.toString(),
  agentVersion: e.detail.agentVersion,
  protocolVersion: e.detail.protocolVersion,
  protocols: e.detail.protocols,
  listenAddrs: e.detail.listenAddrs.map((a) => a.toString()),
  observedAddr: e.detail.observedAddr?.toString()
}))
// pubsub messages received: per topic, a count and the distinct payloads
const received = new Map()
if (node.services.pubsub) {
  node.services.pubsub.addEventListener('message', (e) => {
    const m = e.detail
    if (!received.has(m.topic)) received.set(m.topic, { count: 0, seen: new Set(), signed: 0, authors: new Set() })
    const r = received.get(m.topic)
    r.count++
    r.seen.add(Buffer.from(m.data).toString())
    if (m.type === 'signed' && m.signature?.length === 64) r.signed++
    if (m.from) r.authors.add(m.from.toString())
    if (!r.last) r.last = []
    r.last.push(Buffer.from(m.data).toString())
    if (r.last.length > 20) r.last.shift()
  })
}
out({ event: 'listening', peer: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) })

const commands = {
  async dial (c) { const conn = await node.dial(multiaddr(c.addr)); return { peer: conn.remotePeer.toString() } },
  async ping (c) { const rtt = await node.services.ping.ping(multiaddr(c.addr)); return { rtt } },
  async peers () { return { peers: node.getPeers().map((p) => p.toString()) } },
  async hangup (c) { await node.hangUp(multiaddr(c.addr)); return {} },
  async subscribe (c) { node.services.pubsub.subscribe(c.topic); return {} },
  async publish (c) {
    for (let i = 0; i < (c.n ?? 1); i++) {
      await node.services.pubsub.publish(c.topic, Buffer.from(`${c.prefix ?? 'msg'}-${i}`))
    }
    return {}
  },
  async received (c) {
    const r = received.get(c.topic) ?? { count: 0, seen: new Set(), signed: 0, authors: new Set() }
    return { count: r.count, unique: r.seen.size, signed: r.signed, authors: [...r.authors] }
  },
  // publish one message with exactly the given text (Teranode envelopes)
  async publishraw (c) {
    await node.services.pubsub.publish(c.topic, Buffer.from(c.data))
    return {}
  },
  // n Teranode envelopes {"name":"js-node","data":base64(json)}, where
  // %HASH% in json is from, from+1, ... as 64 hex digits
  async publishenvelopes (c) {
    const sent = []
    for (let i = 0; i < c.n; i++) {
      const hash = (BigInt(c.from) + BigInt(i)).toString(16).padStart(64, '0')
      const data = Buffer.from(c.json.replaceAll('%HASH%', hash)).toString('base64')
      sent.push(node.services.pubsub.publish(c.topic, Buffer.from(JSON.stringify({ name: 'js-node', data }))))
    }
    await Promise.all(sent)
    return {}
  },
  // the newest messages received on a topic, as text
  async messages (c) { return { messages: received.get(c.topic)?.last ?? [] } },
  async meshpeers (c) { return { peers: node.services.pubsub.getMeshPeers(c.topic).map((p) => p.toString()) } },
  async provide (c) { await node.contentRouting.provide(await topicCid(c.topic)); return {} },
  async findproviders (c) {
    const found = []
    for await (const p of node.contentRouting.findProviders(await topicCid(c.topic), { signal: AbortSignal.timeout(c.ms ?? 10000) })) {
      found.push({ peer: p.id.toString(), addrs: p.multiaddrs.map((a) => a.toString()) })
    }
    return { providers: found }
  },
  // the addresses in the signed peer record js holds for a peer (identify)
  async record (c) {
    const p = await node.peerStore.get(peerIdFromString(c.peer))
    if (p.peerRecordEnvelope == null) return { record: false }
    const env = await RecordEnvelope.openAndCertify(p.peerRecordEnvelope, PeerRecord.DOMAIN)
    return { record: true, addrs: PeerRecord.createFromProtobuf(env.payload).multiaddrs.map((a) => a.toString()) }
  },
  // switch the DHT between client and server (js pushes identify)
  async dhtmode (c) { await node.services.dht.setMode(c.mode); return {} },
  // the peers a lookup of c.peer's ID reached
  async closest (c) {
    const found = []
    for await (const ev of node.services.dht.getClosestPeers(peerIdFromString(c.peer).toMultihash().bytes, { signal: AbortSignal.timeout(c.ms ?? 10000) })) {
      if (ev.name === 'FINAL_PEER') found.push(ev.peer.id.toString())
    }
    return { peers: found }
  },
  async dhtpeers () { return { size: node.services.dht.routingTable.size } },
  async stop () { await node.stop(); setTimeout(() => process.exit(0), 10); return {} }
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  let c
  try { c = JSON.parse(line) } catch { return out({ error: 'bad json' }) }
  try {
    out({ id: c.id, ok: true, ...(await commands[c.cmd](c)) })
  } catch (err) {
    out({ id: c.id, ok: false, error: err.message })
  }
})
process.stdin.on('end', async () => { await node.stop(); process.exit(0) })
