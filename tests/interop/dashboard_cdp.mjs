// Loads terap2p's dashboard in headless Debian chromium, driven over the
// DevTools protocol (Node's built-in WebSocket), waits until the page shows
// what tests/integration/api_dashboard_test.c expects, then prints one line
// "DOM <json>" with what the page shows and saves a PNG screenshot.
//   node --experimental-websocket dashboard_cdp.mjs CHROMIUM URL PNG MS KEY
// MS: how long to wait for the page; the DOM is printed either way ("ready"
// says whether everything showed up), so the test names what is missing.
// After the screenshot it unbans the first ban through the page's button,
// with a wrong key and then with KEY, the api_key.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'

const [chrome, url, shot, waitMs, key] = process.argv.slice(2)
const dir = fs.mkdtempSync(os.tmpdir() + '/tp-chrome-')
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const p = spawn(chrome, ['--headless', '--no-sandbox', '--disable-gpu',
  '--hide-scrollbars', '--window-size=1200,1000', '--no-first-run',
  '--remote-debugging-port=0', '--user-data-dir=' + dir, 'about:blank'],
{ stdio: ['ignore', 'ignore', 'pipe'] })
const quit = (code) => {
  p.kill('SIGKILL')
  try { fs.rmSync(dir, { recursive: true, force: true }) } catch (e) {}
  process.exit(code)
}
setTimeout(() => { console.log('TIMEOUT'); quit(1) }, Number(waitMs) + 15000)

// Everything the test looks at, read in the page.
const readDom = () => {
  const $ = (id) => document.getElementById(id)
  const text = (id) => ($(id) ? $(id).textContent : '')
  const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')]
    .map((tr) => [...tr.cells].map((td) => td.textContent))
  const chart = $('chart')
  const recv = $('line-recv').getAttribute('points').trim()
  return {
    peerid: text('peerid'),
    listen: text('listen'),
    height: text('height'),
    syncpeer: text('syncpeer'),
    kafka: text('kafka'),
    banstore: text('banstore'),
    npeers: text('npeers'),
    peers: rows('peers'),
    nbans: text('nbans'),
    bans: rows('bans'),
    workers: rows('workers'),
    block: (document.querySelector('.ev-block') || {}).textContent || '',
    stream: text('ws'),
    chart: {
      points: Number(chart.dataset.points),
      max: Number(chart.dataset.max),
      drawn: recv === '' ? 0 : recv.split(/\s+/).length
    }
  }
}

// Where a cell, header, button or label wraps, is the break between two
// words?  Each character's box: a new line that starts between two
// non-blank characters is a break inside a word.
const midWordBreaks = () => {
  const bad = []
  let checked = 0
  for (const el of document.querySelectorAll('td, th, button, dt, dd, h2, #feed div')) {
    checked++
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
    let prev = null
    let n
    outer: while ((n = walk.nextNode())) {
      for (let i = 0; i < n.length; i++) {
        const r = document.createRange()
        r.setStart(n, i)
        r.setEnd(n, i + 1)
        const b = r.getBoundingClientRect()
        if (b.width === 0 && b.height === 0) continue
        const ch = n.data[i]
        if (prev && b.top > prev.top + b.height / 2 && !/\s/.test(ch) && !/\s/.test(prev.ch)) {
          bad.push(el.tagName + ': ' + el.textContent.slice(0, 40))
          break outer
        }
        prev = { top: b.top, ch }
      }
    }
  }
  return { checked, bad }
}

// The page has everything once these hold.
const pageReady = () => {
  const rows = (id) => document.querySelectorAll('#' + id + ' tbody tr')
  const chart = document.getElementById('chart')
  const peer = [...rows('peers')].some((tr) => tr.cells[1].textContent !== '' &&
    tr.cells[2].textContent !== '0' && tr.querySelector('.badge') !== null)
  const sync = document.getElementById('syncpeer').textContent
  return document.querySelector('.ev-block') !== null && rows('workers').length === 4 &&
    rows('bans').length > 0 && peer && sync !== '' && sync !== 'none' &&
    Number(chart.dataset.points) >= 5 && Number(chart.dataset.max) > 0
}

async function run (browser) {
  const ws = new WebSocket(browser)
  let id = 0
  const pending = new Map()
  const send = (method, params = {}, sessionId) => new Promise((resolve) => {
    const i = ++id
    pending.set(i, resolve)
    ws.send(JSON.stringify({ id: i, method, params, sessionId }))
  })
  ws.onmessage = (m) => {
    const o = JSON.parse(m.data)
    if (o.id && pending.has(o.id)) { pending.get(o.id)(o); pending.delete(o.id) }
  }
  await new Promise((resolve) => { ws.onopen = resolve })
  const t = await send('Target.createTarget', { url: 'about:blank' })
  const a = await send('Target.attachToTarget', { targetId: t.result.targetId, flatten: true })
  const s = a.result.sessionId
  // the page at exactly 1200 x 1000 CSS pixels, whatever the window's frame
  await send('Emulation.setDeviceMetricsOverride', { width: 1200, height: 1000, deviceScaleFactor: 1, mobile: false }, s)
  const call = async (fn) => {
    const r = await send('Runtime.evaluate', { expression: '(' + fn.toString() + ')()', returnByValue: true }, s)
    if (r.result.exceptionDetails) throw new Error(JSON.stringify(r.result.exceptionDetails))
    return r.result.result.value
  }
  await send('Page.navigate', { url }, s)
  const end = Date.now() + Number(waitMs)
  let ready = false
  while (!ready && Date.now() < end) {
    await sleep(200)
    ready = await call(pageReady).catch(() => false)
  }
  const dom = await call(readDom)
  dom.ready = ready
  dom.wrap = await call(midWordBreaks)
  const png = await send('Page.captureScreenshot', { format: 'png' }, s)
  fs.writeFileSync(shot, Buffer.from(png.result.data, 'base64'))
  // then the first ban's "unban" button, with a wrong key and the right one
  dom.unban = { wrong: await unban(call, 'not-the-key'), right: await unban(call, key) }
  // the page refreshes its table after the answer
  const rows = () => call(() => document.querySelectorAll('#bans tbody tr').length)
  for (let i = 0; i < 50 && await rows() > 0; i++) await sleep(100)
  dom.unban.rows = await rows()
  console.log('DOM ' + JSON.stringify(dom))
  quit(0)
}

// Type key into the page's key field, press the first "unban" button and
// return what the page says about it.
async function unban (call, k) {
  await call(new Function(`const f = document.getElementById('apikey')
    f.value = ${JSON.stringify(k)}
    f.dispatchEvent(new Event('change'))
    document.getElementById('result').textContent = ''
    document.querySelector('#bans tbody button').click()`))
  for (let i = 0; i < 50; i++) {
    await sleep(100)
    const r = await call(() => document.getElementById('result').textContent)
    if (r !== '') return r
  }
  return ''
}

let started = false
let err = ''
p.stderr.on('data', (d) => {
  err += d
  const m = /DevTools listening on (ws:\S+)/.exec(err)
  if (m && !started) {
    started = true
    run(m[1]).catch((e) => { console.log('ERROR ' + e); quit(1) })
  }
})
