// A stand-in for Teranode's blockchain and block-assembly services, on an
// independent gRPC stack (@grpc/grpc-js, @grpc/proto-loader) loading
// terap2p's own proto/blockchain_api.proto and proto/blockassembly_api.proto.
// Both services listen on one port.  Driven over stdio like peer.mjs: one
// JSON command per line on stdin, one JSON line per answer or event on
// stdout.  Options: --port N (0: any), --height N (the chain starts with
// blocks 1..N on a fixed genesis; blocks are deterministic, so a restarted
// fake has the same chain), --fsm STATE (default RUNNING).
//
// Commands ({"id":N,"cmd":...}): block {invalid?} | subtree | fsm {state} |
// peer_failure {failure_type, peer_id, reason} | drop (end every stream) |
// garbage {on} (header answers become random bytes) | hang {on} (FSM state
// calls never answered, as over a link that died silently) | state.
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'
import { createHash, randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const args = process.argv.slice(2)
const opt = (name, d) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : d }
const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const protoDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'proto')
const pkgDef = protoLoader.loadSync(['blockchain_api.proto', 'blockassembly_api.proto'], {
  includeDirs: [protoDir], keepCase: true, longs: Number, enums: String, defaults: true
})
const desc = grpc.loadPackageDefinition(pkgDef)

const sha256d = (b) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest()
const display = (internal) => Buffer.from(internal).reverse().toString('hex')

// ---- the chain ----
const blocks = new Map()   // display hash -> {header, height, invalid, hash(internal)}
let tip = null
let fsm = opt('--fsm', 'RUNNING')
let garbage = false
let hang = false           // GetFSMCurrentState never answers (a dead link)
const counters = { subscribes: 0, streams: 0, header_calls: 0, health_calls: 0 }
const waiters = []         // WaitUntilFSMTransitionFromIdleState callbacks
const streams = new Set()

function makeBlock (height, prev, invalid) {
  const h = Buffer.alloc(80)
  h.writeUInt32LE(1, 0)
  prev.copy(h, 4)
  createHash('sha256').update('merkle ' + height + (invalid ? ' invalid' : '')).digest().copy(h, 36)
  h.writeUInt32LE(1700000000 + height, 68)
  h.writeUInt32LE(0x207fffff, 72)
  h.writeUInt32LE(height, 76)
  const hash = sha256d(h)
  const b = { header: h, height, invalid: !!invalid, hash }
  blocks.set(display(hash), b)
  return b
}

tip = makeBlock(0, Buffer.alloc(32), false)
for (let i = 1; i <= Number(opt('--height', '0')); i++) tip = makeBlock(i, tip.hash, false)

function chainWork (height) {
  const w = Buffer.alloc(32)
  w.writeUInt32BE(height + 1, 28)
  return w
}

function headerResponse (b) {
  return {
    blockHeader: b.header, id: b.height, height: b.height, tx_count: 1 + b.height,
    size_in_bytes: 1000 + b.height, miner: 'fake miner', peer_id: '', block_time: 1700000000 + b.height,
    timestamp: 1700000000 + b.height, chain_work: chainWork(b.height), mined_set: true,
    subtrees_set: true, invalid: b.invalid
  }
}

function notify (n) {
  for (const s of streams) s.write(n)
}

const notification = (type, hash, meta) => ({
  type, hash, base_URL: '', metadata: { metadata: meta || {} }
})

// ---- the services ----
const bcSvc = desc.blockchain_api.BlockchainAPI.service
const garbled = (def) => ({ ...def, responseSerialize: (v) => garbage ? randomBytes(40) : def.responseSerialize(v) })
const bcImpl = {
  HealthGRPC: (call, cb) => { counters.health_calls++; cb(null, { ok: true, details: 'fake', timestamp: null }) },
  GetBestBlockHeader: (call, cb) => cb(null, headerResponse(tip)),
  GetBlockHeader: (call, cb) => {
    counters.header_calls++
    const b = blocks.get(display(call.request.blockHash))
    if (!b) return cb({ code: grpc.status.NOT_FOUND, details: 'block not found' })
    cb(null, headerResponse(b))
  },
  GetState: (call, cb) => {
    if (call.request.key !== 'BlockPersisterHeight') return cb({ code: grpc.status.NOT_FOUND, details: 'no such key' })
    const d = Buffer.alloc(4)
    d.writeUInt32LE(tip.height, 0)
    cb(null, { data: d })
  },
  GetFSMCurrentState: (call, cb) => { if (!hang) cb(null, { state: fsm }) },
  WaitUntilFSMTransitionFromIdleState: (call, cb) => {
    if (fsm !== 'IDLE') return cb(null, {})
    waiters.push(cb)
  },
  Subscribe: (call) => {
    counters.subscribes++
    streams.add(call)
    out({ event: 'subscribe', source: call.request.source, n: counters.subscribes })
    call.on('cancelled', () => streams.delete(call))
    call.on('error', () => streams.delete(call))
    // Teranode starts every subscription with the current tip
    call.write(notification('Block', tip.hash))
  }
}
const bcDef = {}
for (const [k, v] of Object.entries(bcSvc)) bcDef[k] = (k === 'GetBlockHeader' || k === 'GetBestBlockHeader') ? garbled(v) : v

const baImpl = {
  GetBlockAssemblyState: (call, cb) => cb(null, {
    blockAssemblyState: 'running', subtreeProcessorState: 'running', subtreeCount: 7,
    subtreeSize: 1024, txCount: 4242, queueCount: 0, currentHeight: tip.height,
    currentHash: display(tip.hash), removeMapCount: 0, subtrees: []
  })
}

const server = new grpc.Server()
server.addService(bcDef, bcImpl)
server.addService(desc.blockassembly_api.BlockAssemblyAPI.service, baImpl)
server.bindAsync('127.0.0.1:' + opt('--port', '0'), grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) { out({ event: 'error', error: String(err) }); process.exit(1) }
  out({ event: 'listening', port, tip: display(tip.hash), height: tip.height })
})

// ---- commands ----
const commands = {
  block: (c) => {
    const b = makeBlock(tip.height + 1, tip.hash, c.invalid)
    if (!c.invalid) tip = b
    notify(notification('Block', b.hash))
    return { hash: display(b.hash), height: b.height, header: b.header.toString('hex') }
  },
  renotify: (c) => { notify(notification('Block', blocks.get(c.hash).hash)); return {} },
  subtree: () => {
    const h = randomBytes(32)
    notify(notification('Subtree', h))
    return { hash: display(h) }
  },
  fsm: (c) => {
    const dest = c.state
    fsm = dest
    notify(notification('FSMState', Buffer.alloc(32), { event: c.event || 'RUN', destination: dest }))
    if (fsm !== 'IDLE') while (waiters.length) waiters.shift()(null, {})
    return {}
  },
  peer_failure: (c) => {
    notify(notification('PeerFailure', randomBytes(32), {
      peer_id: c.peer_id || '', failure_type: c.failure_type || 'catchup', reason: c.reason || 'test'
    }))
    return {}
  },
  drop: () => {
    const n = streams.size
    for (const s of streams) s.emit('error', { code: grpc.status.UNAVAILABLE, details: 'dropped by the test' })
    streams.clear()
    return { dropped: n }
  },
  garbage: (c) => { garbage = !!c.on; return {} },
  hang: (c) => { hang = !!c.on; return {} },
  state: () => ({ ...counters, streams: streams.size, tip: display(tip.hash), height: tip.height, fsm })
}

createInterface({ input: process.stdin }).on('line', (line) => {
  let c
  try { c = JSON.parse(line) } catch { return out({ error: 'bad json' }) }
  const f = commands[c.cmd]
  if (!f) return out({ id: c.id, ok: false, error: 'unknown command' })
  try { out({ id: c.id, ok: true, ...f(c) }) } catch (e) { out({ id: c.id, ok: false, error: String(e) }) }
}).on('close', () => process.exit(0))
