#!/usr/bin/env node
// js gossipsub peer (@chainsafe/libp2p-gossipsub) for Cerebrum's gossipsub interop tests.
//
//   node gossip-peer.mjs [--key ed25519|secp256k1] [--port 0] [--topic T]... [--sign strict|nosign]
//                        [--dial MULTIADDR]... [--heartbeat-ms 1000]
//
// stdin: one JSON command per line; EOF stops the peer.
//   {"cmd":"publish","topic":"t","data":"utf-8 text"}    -> {"event":"published","topic":"t","recipients":N}
//   {"cmd":"dial","addr":"/ip4/…/p2p/…"}                 -> {"event":"dialed","peerId":"…"}
//   {"cmd":"mesh","topic":"t"}                           -> {"event":"mesh","topic":"t","peers":[…]}
//   {"cmd":"idontwant"}                                  -> {"event":"idontwant","sent":{"peerId":N},"received":{"peerId":N}}
//        (IDONTWANT message ids this peer sent to and received from each peer, counted where gossipsub sends and handles them)
// stdout: one JSON object per line:
//   {"event":"listening","peerId":"…","addrs":[…]}
//   {"event":"message","topic":"t","from":"…|null","seqno":"hex|null","data":"utf-8","type":"signed|unsigned","source":"…"}
//   {"event":"graft"|"prune","peerId":"…","topic":"t","direction":"inbound|outbound"}
//   {"event":"subscription","peerId":"…","topic":"t","subscribe":true|false}
//   {"error":"…"} on failure (exit code 1).
import './polyfill.mjs'

import readline from 'node:readline'
import { parseArgs } from 'node:util'
import { gossipsub } from '@chainsafe/libp2p-gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode, diag, emit, makePrivateKey } from './lib.mjs'

const { values: opts } = parseArgs({
  options: {
    key: { type: 'string', default: 'ed25519' },
    port: { type: 'string', default: '0' },
    topic: { type: 'string', multiple: true, default: [] },
    sign: { type: 'string', default: 'strict' },
    dial: { type: 'string', multiple: true, default: [] },
    'heartbeat-ms': { type: 'string', default: '1000' }
  }
})

let node
let stopping = false

async function shutdown (code) {
  if (stopping) return
  stopping = true
  try { await node?.stop() } catch (err) { diag('stop failed:', err) }
  process.exit(code)
}

function fail (err) {
  diag(err)
  emit({ error: err?.message ?? String(err) })
  shutdown(1)
}

async function main () {
  const policy = opts.sign === 'nosign' ? 'StrictNoSign' : opts.sign === 'strict' ? 'StrictSign' : null
  if (policy == null) throw new Error(`--sign must be strict or nosign, got ${opts.sign}`)
  const privateKey = await makePrivateKey(opts.key)
  node = await createNode({
    privateKey,
    listen: [`/ip4/127.0.0.1/tcp/${Number(opts.port)}`],
    extraServices: {
      pubsub: gossipsub({
        globalSignaturePolicy: policy, // StrictNoSign's default message id is SHA-256 of the data, as Cerebrum's
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        heartbeatInterval: Number(opts['heartbeat-ms'])
      })
    }
  })
  const pubsub = node.services.pubsub
  const idontwant = countIDontWants(pubsub)

  pubsub.addEventListener('message', (evt) => {
    const m = evt.detail
    emit({
      event: 'message',
      topic: m.topic,
      from: m.type === 'signed' ? m.from.toString() : null,
      seqno: m.type === 'signed' ? m.sequenceNumber.toString(16).padStart(16, '0') : null,
      data: Buffer.from(m.data).toString('utf8'),
      type: m.type
    })
  })
  for (const kind of ['graft', 'prune']) {
    pubsub.addEventListener(`gossipsub:${kind}`, (evt) => {
      emit({ event: kind, peerId: evt.detail.peerId, topic: evt.detail.topic, direction: evt.detail.direction })
    })
  }
  pubsub.addEventListener('subscription-change', (evt) => {
    for (const s of evt.detail.subscriptions) {
      emit({ event: 'subscription', peerId: evt.detail.peerId.toString(), topic: s.topic, subscribe: s.subscribe })
    }
  })

  for (const topic of opts.topic) pubsub.subscribe(topic)
  emit({ event: 'listening', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })
  for (const addr of opts.dial) {
    const c = await node.dial(multiaddr(addr))
    emit({ event: 'dialed', peerId: c.remotePeer.toString() })
  }

  const rl = readline.createInterface({ input: process.stdin })
  rl.on('line', (line) => { handle(line).catch(fail) })
  rl.on('close', () => shutdown(0))
  process.on('SIGTERM', () => shutdown(0))
  process.on('SIGINT', () => shutdown(0))

  async function handle (line) {
    if (line.trim() === '') return
    const cmd = JSON.parse(line)
    switch (cmd.cmd) {
      case 'publish': {
        const result = await pubsub.publish(cmd.topic, new TextEncoder().encode(cmd.data))
        emit({ event: 'published', topic: cmd.topic, recipients: result.recipients.length })
        break
      }
      case 'dial': {
        const c = await node.dial(multiaddr(cmd.addr))
        emit({ event: 'dialed', peerId: c.remotePeer.toString() })
        break
      }
      case 'mesh':
        emit({ event: 'mesh', topic: cmd.topic, peers: pubsub.getMeshPeers(cmd.topic) })
        break
      case 'idontwant':
        emit({ event: 'idontwant', sent: Object.fromEntries(idontwant.sent), received: Object.fromEntries(idontwant.received) })
        break
      default:
        throw new Error(`unknown command ${cmd.cmd}`)
    }
  }
}

/**
 * Wraps gossipsub's three IDONTWANT paths (2.x internals: sendIDontWants batches through sendRpcInBatch, control
 * messages go out through sendRpc, and handleIdontwant takes them in) to count message ids per peer.
 */
function countIDontWants (pubsub) {
  const sent = new Map()
  const received = new Map()
  const add = (map, peer, n) => { if (n > 0) map.set(peer, (map.get(peer) ?? 0) + n) }
  const ids = (list) => (list ?? []).reduce((n, m) => n + (m.messageIDs?.length ?? 0), 0)
  for (const name of ['sendRpcInBatch', 'sendRpc', 'handleIdontwant']) {
    if (typeof pubsub[name] !== 'function') throw new Error(`gossipsub has no ${name}: update the IDONTWANT counting in gossip-peer.mjs`)
  }
  const sendRpcInBatch = pubsub.sendRpcInBatch.bind(pubsub)
  pubsub.sendRpcInBatch = (tosend, rpc) => {
    const result = sendRpcInBatch(tosend, rpc) // drops the peers it could not send to from tosend
    for (const id of tosend) add(sent, id, ids(rpc.control?.idontwant))
    return result
  }
  const sendRpc = pubsub.sendRpc.bind(pubsub)
  pubsub.sendRpc = (id, rpc) => {
    const ok = sendRpc(id, rpc)
    if (ok) add(sent, id, ids(rpc.control?.idontwant))
    return ok
  }
  const handleIdontwant = pubsub.handleIdontwant.bind(pubsub)
  pubsub.handleIdontwant = (id, list) => {
    add(received, id, ids(list))
    return handleIdontwant(id, list)
  }
  return { sent, received }
}

main().catch(fail)

