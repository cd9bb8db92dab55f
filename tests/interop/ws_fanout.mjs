// WebSocket fan-out reference for bench/api_bench.c: N clients on /p2p-ws
// (Node 20's built-in WebSocket); prints "ready" once all are open, then
// measures the delay of each "block" notification whose base_url is
// http://bench/<wall-clock µs of its send> and prints
// {"received":…,"p50":ms,"p99":ms} when every client has `want` of them
// (or after 20 s).
const [url, nclients, want] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])]
const delays = []
let open = 0
let done = 0
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000
const finish = () => {
  delays.sort((a, b) => a - b)
  const at = (q) => (delays.length ? delays[Math.min(delays.length - 1, Math.floor(delays.length * q))] / 1000 : -1)
  console.log(JSON.stringify({ received: delays.length, p50: at(0.5), p99: at(0.99) }))
  process.exit(0)
}
for (let i = 0; i < nclients; i++) {
  const ws = new WebSocket(url)
  let got = 0
  ws.onopen = () => { if (++open === nclients) console.log('ready') }
  ws.onmessage = (m) => {
    const o = JSON.parse(m.data)
    if (o.type !== 'block' || !String(o.base_url).startsWith('http://bench/')) return
    delays.push(nowUs() - Number(o.base_url.slice(13)))
    if (++got === want && ++done === nclients) finish()
  }
}
setTimeout(finish, 20000)
