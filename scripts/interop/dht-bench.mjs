#!/usr/bin/env node
// js kad-dht (@libp2p/kad-dht) side of scripts/bench/reachability/run.sh: a js DHT of the same shape as the C# one
// there (DHT servers, a provider and a seeker that are DHT clients, both bootstrapped with every server), so that
// lookup latency and messages per lookup can be set side by side with ours.
//
//   node dht-bench.mjs serve --host IP --servers N --hash sha256:HEX [--protocol /jsbench/kad/1.0.0]
//       starts N DHT servers and a provider (client mode) in this process, all on IP, connects them, announces HASH,
//       prints {"event":"ready","servers":[MULTIADDR...]} and runs until stdin ends.
//   node dht-bench.mjs seek --host IP --hash sha256:HEX --lookups M --bootstrap MULTIADDR... [--protocol ...]
//       a DHT client: dials the servers, then runs M complete provider lookups of HASH (the query to its end, as
//       `GET /dht/providers` does on our side) and prints one {"event":"lookup","ms","messages","found"} per lookup,
//       messages being the requests the lookup sent (kad-dht's SEND_QUERY events).
// The protocol id keeps this DHT apart from Cerebrum's (/cerebrum/kad/1.0.0) on the same network.
import './polyfill.mjs'

import readline from 'node:readline'
import { parseArgs } from 'node:util'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { createNode, emit, makePrivateKey } from './lib.mjs'

const { values: opts, positionals } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    servers: { type: 'string', default: '3' },
    hash: { type: 'string' },
    lookups: { type: 'string', default: '20' },
    bootstrap: { type: 'string', multiple: true, default: [] },
    protocol: { type: 'string', default: '/jsbench/kad/1.0.0' }
  },
  allowPositionals: true,
  strict: true
})

const TIMEOUT_MS = 60000

function cidOf (hash) {
  if (!/^sha256:[0-9a-f]{64}$/.test(hash ?? '')) throw new Error(`not a model hash: ${hash}`)
  return CID.createV1(0x55, Digest.create(0x12, Uint8Array.from(Buffer.from(hash.slice(7), 'hex'))))
}

async function start (clientMode) {
  return createNode({
    privateKey: await makePrivateKey('ed25519'),
    listen: [`/ip4/${opts.host}/tcp/0`],
    extraServices: { dht: kadDHT({ protocol: opts.protocol, clientMode, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true }) }
  })
}

async function waitForPeers (node, count) {
  const until = Date.now() + TIMEOUT_MS
  while (node.services.dht.routingTable.size < count) {
    if (Date.now() > until) throw new Error(`routing table has ${node.services.dht.routingTable.size} peers, wanted ${count}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

const nodes = []
async function stop () {
  setTimeout(() => process.exit(0), 3000).unref()
  await Promise.allSettled(nodes.map(n => n.stop()))
  process.exit(0)
}

const cid = cidOf(opts.hash)
if (positionals[0] === 'serve') {
  const count = Number(opts.servers)
  for (let i = 0; i < count; i++) nodes.push(await start(false))
  const provider = await start(true)
  nodes.push(provider)
  const addresses = nodes.slice(0, count).map(n => n.getMultiaddrs()[0])
  for (const node of nodes.slice(1)) {
    for (const address of addresses) {
      if (!node.peerId.equals(address.getPeerId())) await node.dial(address, { signal: AbortSignal.timeout(TIMEOUT_MS) })
    }
  }
  for (const server of nodes.slice(0, count)) await waitForPeers(server, Math.min(count - 1, 1))
  await waitForPeers(provider, count)
  for await (const event of provider.services.dht.provide(cid, { signal: AbortSignal.timeout(TIMEOUT_MS) })) void event
  emit({ event: 'ready', servers: addresses.map(a => a.toString()) })
  readline.createInterface({ input: process.stdin }).on('close', stop)
} else if (positionals[0] === 'seek') {
  const seeker = await start(true)
  nodes.push(seeker)
  for (const address of opts.bootstrap) await seeker.dial(multiaddr(address), { signal: AbortSignal.timeout(TIMEOUT_MS) })
  await waitForPeers(seeker, opts.bootstrap.length)
  for (let i = 0; i < Number(opts.lookups); i++) {
    let messages = 0
    let found = 0
    const started = process.hrtime.bigint()
    for await (const event of seeker.services.dht.findProviders(cid, { signal: AbortSignal.timeout(TIMEOUT_MS) })) {
      if (event.name === 'SEND_QUERY') messages++
      if (event.name === 'PROVIDER') found += event.providers.length
    }
    emit({ event: 'lookup', ms: Number(process.hrtime.bigint() - started) / 1e6, messages, found })
  }
  await stop()
} else {
  console.error('usage: dht-bench.mjs serve|seek ...')
  process.exit(2)
}
