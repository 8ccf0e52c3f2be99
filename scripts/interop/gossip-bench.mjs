#!/usr/bin/env node
// js side of scripts/bench/gossip (@chainsafe/libp2p-gossipsub), all nodes in this process, Ed25519 identities.
// Prints one JSON line on stdout, like scripts/bench/GossipBench.
//   node gossip-bench.mjs throughput --size BYTES --count N --policy sign|nosign
//   node gossip-bench.mjs network --nodes 20 --rate 100 --seconds 10 --policy sign|nosign
import './polyfill.mjs'

import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep, setImmediate as yieldNow } from 'node:timers/promises'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { createNode, makePrivateKey } from './lib.mjs'

const { positionals, values: opts } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string', default: '1024' },
    count: { type: 'string', default: '20000' },
    nodes: { type: 'string', default: '20' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '10' },
    policy: { type: 'string', default: 'sign' }
  }
})
const policy = opts.policy === 'nosign' ? 'StrictNoSign' : opts.policy === 'sign' ? 'StrictSign' : null
if (policy == null) throw new Error(`--policy must be sign or nosign, got ${opts.policy}`)

async function startNode () {
  return createNode({
    privateKey: await makePrivateKey('ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    extraServices: {
      pubsub: gossipsub({ globalSignaturePolicy: policy, emitSelf: false, allowPublishToZeroTopicPeers: true })
    }
  })
}

async function waitUntil (condition, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${typeof what === "function" ? what() : what} not within ${timeoutMs / 1000} s`)
    await sleep(10)
  }
}

async function throughput (size, count) {
  const topic = 'bench'
  const a = await startNode()
  const b = await startNode()
  try {
    a.services.pubsub.subscribe(topic)
    b.services.pubsub.subscribe(topic)
    let received = 0
    let done
    const finished = new Promise(resolve => { done = resolve })
    b.services.pubsub.addEventListener('message', () => { if (++received === count) done() })
    await a.dial(b.getMultiaddrs()[0])
    await waitUntil(() => a.services.pubsub.getMeshPeers(topic).length === 1 && b.services.pubsub.getMeshPeers(topic).length === 1, 20000, 'mesh')
    const payload = new Uint8Array(size)
    const view = new DataView(payload.buffer)
    const window = 1000
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      view.setUint32(0, i, true) // distinct payloads: StrictNoSign ids are SHA-256 of the data
      while (i - received >= window) await yieldNow()
      await a.services.pubsub.publish(topic, payload.slice())
    }
    await Promise.race([finished, sleep(120000)])
    const seconds = (performance.now() - start) / 1000
    return { impl: 'js', mode: 'throughput', policy, size, count, delivered: received, seconds, msgPerSec: received / seconds }
  } finally {
    await a.stop()
    await b.stop()
  }
}

async function network (nodes, rate, seconds) {
  const topic = 'bench/latency'
  let seed = 42
  const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor(seed / 65536) % n }
  const peers = []
  const latencies = []
  let delivered = 0
  try {
    for (let i = 0; i < nodes; i++) {
      const node = await startNode()
      node.services.pubsub.subscribe(topic)
      node.services.pubsub.addEventListener('message', (evt) => {
        const data = evt.detail.data
        const sent = new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(0, true)
        latencies.push(performance.now() - sent)
        delivered++
      })
      peers.push(node)
    }
    for (let i = 0; i < nodes; i++) {
      for (let k = 0; k < 2; k++) {
        const j = random(nodes)
        if (j !== i) await peers[i].dial(peers[j].getMultiaddrs()[0])
      }
    }
    await Promise.all(peers.map((p, i) => p.dial(peers[(i + 1) % nodes].getMultiaddrs()[0])))
    // Both sides wait up to 30 s for every node to have a mesh peer, then measure whatever formed.
    let meshReady = true
    try {
      await waitUntil(() => peers.every(p => p.services.pubsub.getMeshPeers(topic).length >= 1), 30000, 'mesh')
    } catch { meshReady = false }

    let published = 0
    const start = performance.now()
    for (let n = 0; n < rate * seconds; n++) {
      const wait = start + n * 1000 / rate - performance.now()
      if (wait > 0) await sleep(wait)
      const payload = new Uint8Array(256)
      const view = new DataView(payload.buffer)
      view.setFloat64(0, performance.now(), true)
      view.setUint32(8, n, true)
      await peers[random(nodes)].services.pubsub.publish(topic, payload)
      published++
    }
    const expected = published * (nodes - 1)
    const drainUntil = performance.now() + 10000
    while (delivered < expected && performance.now() < drainUntil) await sleep(50)
    const sorted = latencies.slice().sort((x, y) => x - y)
    return {
      impl: 'js', mode: 'network', policy, nodes, rate, published, meshReady,
      ratio: delivered / expected,
      p50: sorted[Math.floor(sorted.length / 2)] ?? null,
      p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? null
    }
  } finally {
    await Promise.all(peers.map(p => p.stop()))
  }
}

const mode = positionals[0]
let result
if (mode === 'throughput') result = await throughput(Number(opts.size), Number(opts.count))
else if (mode === 'network') result = await network(Number(opts.nodes), Number(opts.rate), Number(opts.seconds))
else throw new Error('usage: gossip-bench.mjs throughput|network [--option value]...')
process.stdout.write(JSON.stringify(result) + '\n')
process.exit(0)
