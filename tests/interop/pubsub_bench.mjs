// js-libp2p -> js-libp2p gossipsub reference for bench/pubsub_bench.c: two
// nodes in this process over loopback TCP; one publishes N signed
// 200-byte messages, the other counts them.  Prints one JSON line:
// {"rate": msgs/s, "p50": ms, "p99": ms} (latency: one message at a time).
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'

const N = Number(process.argv[2] ?? 5000)
const SAMPLES = Number(process.argv[3] ?? 200)
const topic = 'bench'
const make = () => createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }) }
})
const a = await make()
const b = await make()
a.services.pubsub.subscribe(topic)
b.services.pubsub.subscribe(topic)
await a.dial(b.getMultiaddrs()[0])
await new Promise((resolve) => setTimeout(resolve, 2000))

let got = 0
let onOne = null
b.services.pubsub.addEventListener('message', () => { got++; if (onOne) onOne() })
const payload = (i) => { const d = Buffer.alloc(200, 0x61); d.writeUInt32BE(i, 0); return d }

const t0 = performance.now()
for (let i = 0; i < N; i++) a.services.pubsub.publish(topic, payload(i))
while (got < N && performance.now() - t0 < 60000) await new Promise((resolve) => setTimeout(resolve, 5))
const rate = got / ((performance.now() - t0) / 1000)

// a message js loses under load would wait forever: 2 s at most, counted
const lat = []
let lost = 0
for (let i = 0; i < SAMPLES; i++) {
  const start = performance.now()
  let timer
  const arrived = await new Promise((resolve) => {
    onOne = () => resolve(true)
    timer = setTimeout(() => resolve(false), 2000)
    a.services.pubsub.publish(topic, payload(N + i))
  })
  clearTimeout(timer)
  if (arrived) lat.push(performance.now() - start)
  else lost++
}
onOne = null
lat.sort((x, y) => x - y)
console.log(JSON.stringify({ received: got, rate, lost, p50: lat[Math.floor(lat.length * 0.5)], p99: lat[Math.floor(lat.length * 0.99)] }))
await a.stop()
await b.stop()
process.exit(0)
