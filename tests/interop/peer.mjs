// A real js-libp2p peer for terap2p's interop tests, driven over stdio.
// Prints one JSON object per line on stdout (events and answers); reads one
// JSON command per line on stdin.  Options: --seed <hex32> --psk <file>
// --gossip (enable gossipsub; later issues).
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
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
if (opt('--seed')) config.privateKey = await generateKeyPairFromSeed('Ed25519', Buffer.from(opt('--seed'), 'hex'))
if (opt('--psk')) config.connectionProtector = preSharedKey({ psk: readFileSync(opt('--psk')) })

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
out({ event: 'listening', peer: node.peerId.toString(), addrs: node.getMultiaddrs().map((a) => a.toString()) })

const commands = {
  async dial (c) { const conn = await node.dial(multiaddr(c.addr)); return { peer: conn.remotePeer.toString() } },
  async ping (c) { const rtt = await node.services.ping.ping(multiaddr(c.addr)); return { rtt } },
  async peers () { return { peers: node.getPeers().map((p) => p.toString()) } },
  async hangup (c) { await node.hangUp(multiaddr(c.addr)); return {} },
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
