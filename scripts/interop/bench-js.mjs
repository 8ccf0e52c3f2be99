#!/usr/bin/env node
// js<->js libp2p transport benchmark on loopback (TCP + Noise + Yamux), two
// processes: a `peer.mjs listen` child and an in-process dialer node.
//
//   node bench-js.mjs [--runs 5] [--size-mib 256] [--parallel 16] [--cycles 200] [--warmup 3]
//                     [--key ed25519|secp256k1] [--host 127.0.0.1|::1]
//
// Prints one JSON line on stdout:
//   {"impl":"js-js","singleStreamMBps":..,"parallel16MBps":..,"setupP50ms":..,"setupP90ms":..,
//    "singleStreamSamplesMBps":[..],"parallelSamplesMBps":[..],"setupSamplesMs":[..], ...}
// (MBps = MiB/s of perf upload; figures are medians over the runs.)
import './polyfill.mjs'

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, makePrivateKey, perfRun, round } from './lib.mjs'

const MiB = 1024 * 1024
const here = path.dirname(fileURLToPath(import.meta.url))
const log = (...a) => process.stderr.write('[bench-js] ' + a.join(' ') + '\n')

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}
/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))]
}

async function startListener (key, host) {
  const child = spawn(process.execPath, [path.join(here, 'peer.mjs'), 'listen', '--key', key, '--host', host],
    { stdio: ['pipe', 'pipe', 'inherit'] })
  const rl = readline.createInterface({ input: child.stdout })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20000)
  for await (const line of rl) {
    const msg = JSON.parse(line)
    if (msg.error != null) throw new Error('listener: ' + msg.error)
    if (msg.event === 'listening') {
      clearTimeout(timer)
      const want = host.includes(':') ? '/ip6/' : '/ip4/'
      const addr = msg.addrs.find(a => a.startsWith(want))
      rl.on('line', () => {}) // keep draining the child's event lines
      return { child, addr }
    }
  }
  throw new Error('listener exited before listening')
}

async function main () {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      'size-mib': { type: 'string', default: '256' },
      parallel: { type: 'string', default: '16' },
      cycles: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '3' },
      key: { type: 'string', default: 'ed25519' },
      host: { type: 'string', default: '127.0.0.1' }
    }
  })
  const runs = Number(values.runs)
  const size = Math.round(Number(values['size-mib']) * 1024 * 1024)
  const parallel = Number(values.parallel)
  const cycles = Number(values.cycles)

  const { child, addr } = await startListener(values.key, values.host)
  const node = await createNode({ privateKey: await makePrivateKey(values.key), identifyOnConnect: false })
  const ma = multiaddr(addr)
  log(`listener ${addr}; runs=${runs} size=${values['size-mib']}MiB parallel=${parallel} cycles=${cycles}`)

  const single = []
  const multi = []
  const p50s = []
  const p90s = []
  const setupSamples = []
  try {
    const conn = await node.dial(ma)
    // Warm-up rounds at full size, as the C# side does, so both are measured in steady state.
    for (let w = 0; w < Number(values.warmup); w++) {
      await perfRun(conn, { upload: size, download: 0, streams: 1 })
      await perfRun(conn, { upload: size, download: 0, streams: parallel })
    }
    for (let r = 1; r <= runs; r++) {
      const a = await perfRun(conn, { upload: size, download: 0, streams: 1 })
      single.push(size / MiB / a.seconds)
      const b = await perfRun(conn, { upload: size, download: 0, streams: parallel })
      multi.push(size / MiB / b.seconds)

      // fresh TCP + multistream-select + Noise + Yamux per cycle, until the connection is open
      const times = []
      for (let i = 0; i < cycles; i++) {
        const t0 = performance.now()
        const c = await node.dial(ma, { force: true })
        times.push(performance.now() - t0)
        await c.close().catch(() => {})
      }
      setupSamples.push(...times.map(t => round(t, 4)))
      p50s.push(percentile(times, 50))
      p90s.push(percentile(times, 90))
      log(`run ${r}/${runs}: single=${round(single.at(-1), 1)} MiB/s parallel${parallel}=${round(multi.at(-1), 1)} MiB/s ` +
        `setup p50=${round(p50s.at(-1))} ms p90=${round(p90s.at(-1))} ms`)
    }
  } finally {
    await node.stop().catch(() => {})
    child.stdin.end()
    const exited = once(child, 'exit')
    const t = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(t)
  }

  process.stdout.write(JSON.stringify({
    impl: 'js-js',
    singleStreamMBps: round(median(single), 1),
    [`parallel${parallel}MBps`]: round(median(multi), 1),
    setupP50ms: round(median(p50s), 3),
    setupP90ms: round(median(p90s), 3),
    // Raw samples, so that scripts/bench/transport computes every side's figures with one method.
    singleStreamSamplesMBps: single.map(x => round(x, 3)),
    parallelSamplesMBps: multi.map(x => round(x, 3)),
    setupSamplesMs: setupSamples,
    runs,
    sizeMiB: Number(values['size-mib']),
    cycles,
    key: values.key,
    host: values.host
  }) + '\n')
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write('[bench-js] ' + (err.stack ?? err) + '\n')
  process.stdout.write(JSON.stringify({ error: err.message }) + '\n')
  process.exit(1)
})
