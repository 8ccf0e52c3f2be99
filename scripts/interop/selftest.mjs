#!/usr/bin/env node
// js<->js self-test of peer.mjs: spawns `peer.mjs listen` and runs every dial
// action against it, for both key types, on 127.0.0.1 and ::1.
//
//   node selftest.mjs [--quick]
//
// Prints one line per check and closes with "N passed, M failed"; exit code 1 on failure.
import { execFile, spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const here = path.dirname(fileURLToPath(import.meta.url))
const peer = path.join(here, 'peer.mjs')
const quick = process.argv.includes('--quick')
const run = promisify(execFile)
let passed = 0
let failed = 0

function check (name, ok, detail = '') {
  if (ok) passed++; else failed++
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail !== '' ? ' - ' + detail : ''}`)
}

async function dial (args) {
  try {
    const { stdout } = await run(process.execPath, [peer, 'dial', ...args], { timeout: 120000, maxBuffer: 1 << 24 })
    return { code: 0, lines: stdout.trim().split('\n').filter(Boolean).map(l => JSON.parse(l)) }
  } catch (err) {
    const lines = String(err.stdout ?? '').trim().split('\n').filter(Boolean).map(l => { try { return JSON.parse(l) } catch { return { raw: l } } })
    return { code: err.code ?? -1, lines }
  }
}

async function listener (key, host) {
  const child = spawn(process.execPath, [peer, 'listen', '--key', key, '--host', host], { stdio: ['pipe', 'pipe', 'inherit'] })
  const events = []
  const rl = readline.createInterface({ input: child.stdout })
  const listening = new Promise((resolve, reject) => {
    rl.on('line', (l) => {
      const m = JSON.parse(l)
      events.push(m)
      if (m.event === 'listening') resolve(m)
      if (m.error != null) reject(new Error(m.error))
    })
    child.on('exit', () => reject(new Error('listener exited')))
  })
  return { child, events, info: await listening }
}

async function suite (listenKey, host) {
  const { child, events, info } = await listener(listenKey, host)
  const addr = info.addrs.find(a => a.startsWith(host.includes(':') ? '/ip6/' : '/ip4/'))
  const tag = `[listen ${listenKey} ${host}]`
  check(`${tag} listening line`, addr != null && info.protocols.includes('/cerebrum/echo/1.0.0') && info.protocols.includes('/perf/1.0.0'), addr)
  for (const key of ['ed25519', 'secp256k1']) {
    const t = `${tag} dial ${key}`
    let r = await dial(['--key', key, '--addr', addr, 'ping', '--count', '3'])
    check(`${t} ping`, r.code === 0 && r.lines.filter(l => l.event === 'ping' && typeof l.rtt === 'number').length === 3)
    r = await dial(['--key', key, '--addr', addr, 'identify'])
    const id = r.lines.find(l => l.event === 'identify')
    check(`${t} identify`, r.code === 0 && id?.peerId === info.peerId && id.publicKey === info.publicKey &&
      id.agentVersion === 'cerebrum-interop-js/1.0.0' && id.protocols.includes('/ipfs/ping/1.0.0') && id.observedAddr != null)
    const streams = quick ? 10 : 100
    r = await dial(['--key', key, '--addr', addr, 'echo', '--streams', String(streams), '--bytes', String(1 << 20)])
    check(`${t} echo ${streams}x1MiB`, r.code === 0 && r.lines.some(l => l.event === 'echo' && l.ok === true), JSON.stringify(r.lines.at(-1)))
    const size = quick ? 8 << 20 : 64 << 20
    r = await dial(['--key', key, '--addr', addr, 'perf', '--upload', String(size), '--download', String(size)])
    check(`${t} perf`, r.code === 0 && r.lines.some(l => l.event === 'perf' && l.upload === size && l.download === size), JSON.stringify(r.lines.at(-1)))
    r = await dial(['--key', key, '--addr', addr, 'perf', '--upload', String(size), '--download', String(size), '--streams', '8'])
    check(`${t} perf 8 streams`, r.code === 0 && r.lines.some(l => l.event === 'perf' && l.streams === 8), JSON.stringify(r.lines.at(-1)))
  }
  // a /p2p/ id that is not the listener's must fail with a JSON error line
  const wrong = addr.replace(/\/p2p\/.*$/, '/p2p/12D3KooWA5NKveofoqhJb4TG4qAWnqFT7rZnrC7XevNMHkrebe44')
  const r = await dial(['--addr', wrong, 'ping'])
  check(`${tag} wrong peer id rejected`, r.code !== 0 && /peer id mismatch/.test(r.lines.at(-1)?.error ?? ''), r.lines.at(-1)?.error)
  // the listener reported connections and identify results of the dialers
  check(`${tag} connection events`, events.filter(e => e.event === 'connection' && e.direction === 'inbound').length >= 10)
  check(`${tag} identify events`, events.some(e => e.event === 'identify' && e.agentVersion === 'cerebrum-interop-js/1.0.0'))
  // closing stdin stops the listener with exit code 0
  const exited = new Promise(resolve => child.on('exit', (code) => resolve(code)))
  child.stdin.end()
  const code = await Promise.race([exited, new Promise(resolve => setTimeout(() => resolve('timeout'), 5000))])
  if (code === 'timeout') child.kill('SIGKILL')
  check(`${tag} exits 0 when stdin closes`, code === 0, String(code))
}

async function gossipsubSmoke () {
  // smoke import for later tasks: gossipsub loads and runs inside a libp2p 2.10 node on this Node
  await import('./polyfill.mjs')
  const { gossipsub } = await import('@chainsafe/libp2p-gossipsub')
  const { createNode, makePrivateKey } = await import('./lib.mjs')
  const node = await createNode({ privateKey: await makePrivateKey('ed25519'), extraServices: { pubsub: gossipsub() } })
  node.services.pubsub.subscribe('cerebrum-smoke')
  const ok = node.services.pubsub.getTopics().includes('cerebrum-smoke') && node.getProtocols().some(p => p.startsWith('/meshsub/'))
  await node.stop()
  check('gossipsub 14.1.2 smoke (import + start + subscribe)', ok)
}

try {
  await gossipsubSmoke()
  await suite('ed25519', '127.0.0.1')
  await suite('secp256k1', '::1')
} catch (err) {
  check('suite', false, err.message)
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
