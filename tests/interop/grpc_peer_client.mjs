// A PeerService client on @grpc/grpc-js, loading terap2p's proto/p2p_api.proto
// with @grpc/proto-loader: an independent gRPC stack for the integration
// tests and the README's examples.
//
//   node grpc_peer_client.mjs <host:port> [--tls]
//
// One JSON command per stdin line, one JSON answer per stdout line (the
// form tests/integration/jspeer.c speaks):
//   {"id":1,"cmd":"GetPeer","req":{"peer_id":"12D3..."},"key":"k"}
//     -> {"id":1,"code":0,"details":"","res":{...}}   (code: gRPC status)
//   {"id":2,"cmd":"raw","path":"/p2p_api.PeerService/GetPeer","hex":"0a01"}
//     sends the bytes as they are (malformed protobuf, unknown methods;
//     "size":N sends N bytes, for the receive limit)
//     -> {"id":2,"code":3,"details":"...","hex":"..."}
//   {"id":3,"cmd":"h2","path":"/p2p_api.PeerService/GetPeers",
//    "ctype":"text/plain","hex":""} a bare HTTP/2 request with node:http2
//     -> {"id":3,"status":200,"grpc_status":"3"}
//   {"id":4,"cmd":"reflect","v":"v1alpha","reqs":[{"list_services":""}]}
//     sends the requests on one ServerReflectionInfo stream, half-closes
//     -> {"id":4,"code":0,"res":[ServerReflectionResponse...]}
// "key" sets x-api-key; "deadline_ms" sets a call deadline.
import http2 from 'node:http2'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'

const here = path.dirname(fileURLToPath(import.meta.url))
const protoDir = path.join(here, '..', '..', 'proto')
const target = process.argv[2]
const tls = process.argv.includes('--tls')

const def = protoLoader.loadSync(path.join(protoDir, 'p2p_api.proto'), {
  keepCase: true, longs: String, enums: String, defaults: true,
  includeDirs: [protoDir]
})
const api = grpc.loadPackageDefinition(def).p2p_api
const reflDef = protoLoader.loadSync(path.join(protoDir, 'grpc_reflection.proto'), {
  keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
  includeDirs: [protoDir]
})
const reflInfo = reflDef['grpc.reflection.v1.ServerReflection'].ServerReflectionInfo
const creds = tls
  ? grpc.credentials.createSsl(null, null, null, { checkServerIdentity: () => undefined })
  : grpc.credentials.createInsecure()
const opts = { 'grpc.max_send_message_length': 64 * 1024 * 1024 }
const client = new api.PeerService(target, creds, opts)
const raw = new grpc.Client(target, creds, opts)

function out (o) { process.stdout.write(JSON.stringify(o) + '\n') }

function callOpts (c) {
  const o = {}
  if (c.deadline_ms) o.deadline = new Date(Date.now() + c.deadline_ms)
  return o
}

function meta (c) {
  const md = new grpc.Metadata()
  if (c.key !== undefined && c.key !== null) md.set('x-api-key', c.key)
  return md
}

function done (c, extra) {
  return (err, res) => {
    if (err) out({ id: c.id, code: err.code, details: err.details ?? '' })
    else out({ id: c.id, code: 0, details: '', ...extra(res) })
  }
}

function h2 (c) {
  const s = http2.connect(`http://${target}`)
  s.on('error', (e) => out({ id: c.id, error: String(e) }))
  const r = s.request({
    ':method': 'POST', ':path': c.path, 'content-type': c.ctype, te: 'trailers'
  })
  const res = { id: c.id }
  r.on('response', (h) => {
    res.status = h[':status']
    if (h['grpc-status'] !== undefined) res.grpc_status = h['grpc-status']
  })
  r.on('trailers', (t) => { res.grpc_status = t['grpc-status'] })
  r.on('data', () => {})
  r.on('close', () => { out(res); s.close() })
  r.on('error', (e) => { res.error = String(e) })
  r.end(Buffer.from(c.hex ?? '', 'hex'))
}

function reflect (c) {
  const p = `/grpc.reflection.${c.v ?? 'v1'}.ServerReflection/ServerReflectionInfo`
  const res = []
  const st = raw.makeBidiStreamRequest(p, reflInfo.requestSerialize,
    reflInfo.responseDeserialize, meta(c), callOpts(c))
  st.on('data', (m) => {
    const fd = m.file_descriptor_response
    if (fd) fd.file_descriptor_proto = fd.file_descriptor_proto.map((b) => b.length)
    res.push(m)
  })
  st.on('error', (e) => out({ id: c.id, code: e.code, details: e.details ?? '', res }))
  st.on('status', (s) => { if (s.code === 0) out({ id: c.id, code: 0, details: '', res }) })
  for (const r of c.reqs) st.write(r)
  st.end()
}

function run (c) {
  if (c.cmd === 'reflect') return reflect(c)
  if (c.cmd === 'h2') return h2(c)
  if (c.cmd === 'raw') {
    let body = Buffer.from(c.hex ?? '', 'hex')
    if (c.size) body = Buffer.alloc(c.size, 0x41)
    return raw.makeUnaryRequest(c.path, (b) => b, (b) => b, body, meta(c),
      callOpts(c), done(c, (b) => ({ hex: b.toString('hex') })))
  }
  if (typeof client[c.cmd] !== 'function') {
    return out({ id: c.id, error: `no method ${c.cmd}` })
  }
  client[c.cmd](c.req ?? {}, meta(c), callOpts(c), done(c, (r) => ({ res: r })))
}

const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => {
  let c
  try { c = JSON.parse(line) } catch (e) { return out({ error: String(e) }) }
  try { run(c) } catch (e) { out({ id: c.id, error: String(e) }) }
})
rl.on('close', () => { client.close(); raw.close(); setTimeout(() => process.exit(0), 100) })
out({ event: 'listening', peer: 'grpc-js', addrs: [target] })
