// A misbehaving Kademlia peer for terap2p's tests: js-libp2p (the same
// stack as peer.mjs) speaking /ipfs/kad/1.0.0 by hand, so that it can send
// what @libp2p/kad-dht never would.  Same line protocol as peer.mjs: one
// JSON command per line on stdin, one JSON object per line on stdout.
//   --serve huge N   answer every request with N closer peers (random IDs)
//   --serve silent   read requests and never answer (streams left open;
//                    also what a peer started without --serve does)
// Commands: raw {addr, hex} (write bytes on a kad stream; did the peer
// reset it?), findnode {addr} (a well-formed FIND_NODE; closer peers
// answered), flood {addr, n} (n ADD_PROVIDER of distinct keys, ourselves
// as provider, on one stream), getproviders {addr, i} (providers answered
// for flood key i), stats (requests served, streams open).
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { lpStream } from 'it-length-prefixed-stream'
import { randomBytes, createHash } from 'node:crypto'
import { createInterface } from 'node:readline'

const KAD = '/ipfs/kad/1.0.0'
const args = process.argv.slice(2)
const opt = (name, k = 1) => { const i = args.indexOf(name); return i >= 0 ? args[i + k] : undefined }
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

// ---- protobuf by hand (Message of the libp2p kad-dht spec) ----
const varint = (n) => { const b = []; while (n > 127) { b.push((n & 127) | 128); n = Math.floor(n / 128) } b.push(n); return Buffer.from(b) }
const field = (tag, bytes) => Buffer.concat([varint(tag << 3 | 2), varint(bytes.length), bytes])
const fieldInt = (tag, n) => Buffer.concat([varint(tag << 3), varint(n)])
const addr = Buffer.from([0x04, 127, 0, 0, 1, 0x06, 0x04, 0xd2])	// /ip4/127.0.0.1/tcp/1234
const peer = (id) => Buffer.concat([field(1, id), field(2, addr), fieldInt(3, 0)])
const randomId = () => Buffer.concat([Buffer.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]), randomBytes(32)])
const message = (type, key, closer = [], providers = []) => Buffer.concat([
  fieldInt(1, type), field(2, key),
  ...closer.map((p) => field(8, p)), ...providers.map((p) => field(9, p))])

// top-level fields of a Message: type, key, closer and provider counts
function parse (buf) {
  const r = { type: 0, closer: 0, providers: 0 }
  let i = 0
  const rv = () => { let n = 0, s = 1, b; do { b = buf[i++]; n += (b & 127) * s; s *= 128 } while (b & 128); return n }
  while (i < buf.length) {
    const t = rv(), tag = t >> 3
    if ((t & 7) === 0) { const v = rv(); if (tag === 1) r.type = v; continue }
    const len = rv(), body = buf.subarray(i, i + len); i += len
    if (tag === 2) r.key = body
    if (tag === 8) r.closer++
    if (tag === 9) r.providers++
  }
  return r
}

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() },
  connectionManager: { minConnections: 0 }
})
const selfId = Buffer.from(node.peerId.toMultihash().bytes)
const stats = { requests: 0, open: 0, opened: 0 }
const mode = opt('--serve') ?? 'none'
const hugeN = Number(opt('--serve', 2) ?? 0)

// our server side: registering the protocol makes identify announce a DHT server
await node.handle(KAD, async ({ stream }) => {
  stats.opened++
  stats.open++
  const lp = lpStream(stream, { maxDataLength: 4 << 20 })
  try {
    for (;;) {
      const req = parse((await lp.read()).subarray())
      stats.requests++
      if (mode !== 'huge') continue	// silent: read on, never answer
      const closer = []
      for (let i = 0; i < hugeN; i++) closer.push(peer(randomId()))
      await lp.write(message(req.type, req.key ?? Buffer.alloc(0), closer))
    }
  } catch {
    // the daemon reset or closed the stream
  } finally { stats.open-- }
}, { maxInboundStreams: 1024 })

out({ event: 'listening', peer: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) })

const floodKey = (i) => Buffer.concat([Buffer.from([0x12, 0x20]),
  createHash('sha256').update(`flood-${i}`).digest()])
const withTimeout = (p, ms) => Promise.race([p, new Promise((resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms))])

const commands = {
  async dial (c) { const conn = await node.dial(multiaddr(c.addr)); return { peer: conn.remotePeer.toString() } },
  // raw bytes on a fresh kad stream: reset (the peer refused) or not
  async raw (c) {
    const stream = await node.dialProtocol(multiaddr(c.addr), KAD)
    const it = stream.source[Symbol.asyncIterator]()
    await stream.sink([Buffer.from(c.hex, 'hex')]).catch(() => {})
    try {
      const r = await withTimeout(it.next(), c.ms ?? 3000)
      return { reset: r.done === true, answered: !r.done }
    } catch (err) {
      return { reset: err.message !== 'timeout', answered: false }
    }
  },
  async findnode (c) {
    const lp = lpStream(await node.dialProtocol(multiaddr(c.addr), KAD))
    await lp.write(message(4, randomBytes(32)))
    const r = parse((await withTimeout(lp.read(), c.ms ?? 5000)).subarray())
    return { type: r.type, closer: r.closer }
  },
  // n records for n keys, one stream, as fast as it takes them
  async flood (c) {
    const lp = lpStream(await node.dialProtocol(multiaddr(c.addr), KAD))
    const me = Buffer.concat([field(1, selfId), field(2, addr)])
    let sent = 0
    try {
      for (; sent < c.n; sent++) {
        await lp.write(message(2, floodKey(sent), [], [me]))
      }
    } catch (err) { return { sent, error: err.message } }
    return { sent }
  },
  // providers the peer knows for the key of flood record i
  async getproviders (c) {
    const lp = lpStream(await node.dialProtocol(multiaddr(c.addr), KAD))
    await lp.write(message(3, floodKey(c.i)))
    const r = parse((await withTimeout(lp.read(), c.ms ?? 5000)).subarray())
    return { type: r.type, providers: r.providers }
  },
  async stats () { return { ...stats } },
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
