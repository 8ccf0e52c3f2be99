#!/usr/bin/env node
// js-libp2p peer for the reachability interop tests (Cerebrum.Tests/Interop/ReachabilityJsInteropTests): a
// long-running node with the services asked for, driven by JSON commands on stdin.
//
//   node reach-peer.mjs [--key ed25519] [--host 127.0.0.1] [--port 0] [--announce MULTIADDR] [--relay-server]
//                       [--reserve-on RELAY_MULTIADDR] [--kad PROTOCOL_ID [--kad-client]] [--autonat] [--dcutr]
//
// --port          the TCP port to listen on (0: any free one)
// --announce      an address to announce beside the listen address (a NAT's public address and port)
// --autonat       run @libp2p/autonat: serve dial-backs, and ask connected AutoNAT servers to verify our addresses
// --dcutr         run @libp2p/dcutr: move relayed connections to direct ones (hole punching)
// --relay-server  serve circuit relay v2 hop (@libp2p/circuit-relay-v2's circuitRelayServer)
// --reserve-on    dial this relay, reserve and listen on its /p2p-circuit address (circuitRelayTransport)
// --kad           run @libp2p/kad-dht as a DHT server under this protocol id (ours is /cerebrum/kad/1.0.0), keeping
//                 private addresses (the tests run on loopback)
// --kad-client    with --kad: only look up and announce (js kad-dht's client mode), store no records
//
// stdout: {"event":"listening","peerId","addrs"} once started, then one {"event":"result","id",...} per command;
// a failed command is {"event":"result","id","error"}. Commands, one JSON object per line on stdin:
//   {"id":1,"cmd":"addrs"}                                  -> {"addrs":[...]}
//   {"id":2,"cmd":"echo","addr":MA,"bytes":N}               -> {"remoteAddr","limited"} after dialling MA and echoing N bytes
//   {"id":6,"cmd":"routingTable"}                           -> {"size"} (peers in the DHT's routing table)
//   {"id":3,"cmd":"provide","hash":"sha256:HEX"}            -> {} once the provider record is stored on the DHT
//   {"id":4,"cmd":"findProviders","hash":"sha256:HEX"}      -> {"providers":[{"id","addrs"}]}
//   {"id":5,"cmd":"findPeer","peer":PEER_ID}                -> {"peer","addrs"}
//   {"id":7,"cmd":"dial","addr":MA}                         -> {"remoteAddr","limited"} once connected
//   {"id":8,"cmd":"connections"}                            -> {"connections":[{"peer","remoteAddr","limited","direction"}]}
//   {"id":9,"cmd":"verifiedAddrs"}                          -> {"addrs":[{"addr","type","verified"}]} (the address manager's view)
// The process stops when stdin ends.
import './polyfill.mjs'

import readline from 'node:readline'
import { parseArgs } from 'node:util'
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { createNode, diag, echoOnce, emit, makePrivateKey } from './lib.mjs'

const { values: opts } = parseArgs({
  options: {
    key: { type: 'string', default: 'ed25519' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    announce: { type: 'string', multiple: true, default: [] },
    autonat: { type: 'boolean', default: false },
    dcutr: { type: 'boolean', default: false },
    'relay-server': { type: 'boolean', default: false },
    'reserve-on': { type: 'string' },
    kad: { type: 'string' },
    'kad-client': { type: 'boolean', default: false }
  },
  strict: true
})

const TIMEOUT_MS = 30000
const RAW = 0x55
const SHA2_256 = 0x12

/** A model hash (sha256: and 64 hex digits) as a CID whose multihash is the DHT key Cerebrum's nodes announce. */
function cidOf (hash) {
  if (!/^sha256:[0-9a-f]{64}$/.test(hash ?? '')) throw new Error(`not a model hash: ${hash}`)
  return CID.createV1(RAW, Digest.create(SHA2_256, Uint8Array.from(Buffer.from(hash.slice(7), 'hex'))))
}

const services = {}
// Every peer can dial /p2p-circuit addresses; only --reserve-on listens on one.
const transports = [circuitRelayTransport()]
if (opts['relay-server']) {
  // The spec's defaults but for the data limit, raised so a test's echo fits in one circuit.
  services.relay = circuitRelayServer({ reservations: { maxReservations: 16, applyDefaultLimit: true, defaultDataLimit: 1n << 20n } })
}
if (opts.kad != null) {
  services.dht = kadDHT({ protocol: opts.kad, clientMode: opts['kad-client'], peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true })
}

if (opts.autonat) services.autonat = autoNAT()
if (opts.dcutr) services.dcutr = dcutr()

const listen = [`/ip4/${opts.host}/tcp/${opts.port}`]
if (opts['reserve-on'] != null) listen.push(`${opts['reserve-on']}/p2p-circuit`)
const node = await createNode({ privateKey: await makePrivateKey(opts.key), listen, appendAnnounce: opts.announce, extraServices: services, extraTransports: transports })
emit({ event: 'listening', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })

function dht () {
  if (node.services.dht == null) throw new Error('this peer runs no DHT (start it with --kad PROTOCOL)')
  return node.services.dht
}

async function run (command) {
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  switch (command.cmd) {
    case 'addrs':
      return { addrs: node.getMultiaddrs().map(a => a.toString()) }
    case 'echo': {
      const connection = await node.dial(multiaddr(command.addr), { signal })
      await echoOnce(connection, 0, command.bytes ?? 1024, signal)
      return { remoteAddr: connection.remoteAddr.toString(), limited: connection.limits != null }
    }
    case 'dial': {
      const connection = await node.dial(multiaddr(command.addr), { signal })
      return { remoteAddr: connection.remoteAddr.toString(), limited: connection.limits != null }
    }
    case 'connections':
      return {
        connections: node.getConnections().map(c => ({
          peer: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), limited: c.limits != null, direction: c.direction
        }))
      }
    case 'verifiedAddrs':
      return {
        addrs: node.components.addressManager.getAddressesWithMetadata().map(a => ({ addr: a.multiaddr.toString(), type: a.type, verified: a.verified }))
      }
    case 'routingTable':
      return { size: dht().routingTable.size }
    case 'provide':
      for await (const event of dht().provide(cidOf(command.hash), { signal })) diag(`provide: ${event.name}`)
      return {}
    case 'findProviders': {
      // The DHT's own query, not libp2p's content routing (which looks up every provider's addresses again).
      for await (const event of dht().findProviders(cidOf(command.hash), { signal })) {
        if (event.name === 'PROVIDER' && event.providers.length > 0) {
          return { providers: event.providers.map(p => ({ id: p.id.toString(), addrs: p.multiaddrs.map(a => a.toString()) })) }
        }
      }
      return { providers: [] }
    }
    case 'findPeer': {
      for await (const event of dht().findPeer(peerIdFromString(command.peer), { signal })) {
        if (event.name === 'FINAL_PEER') return { peer: event.peer.id.toString(), addrs: event.peer.multiaddrs.map(a => a.toString()) }
      }
      throw new Error(`peer ${command.peer} not found`)
    }
    default:
      throw new Error(`unknown command ${command.cmd}`)
  }
}

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  setTimeout(() => process.exit(0), 3000).unref()
  await node.stop().catch(err => diag('stop error:', err.message))
  process.exit(0)
}

const lines = readline.createInterface({ input: process.stdin })
lines.on('line', (line) => {
  if (line.trim() === '') return
  let command
  try {
    command = JSON.parse(line)
  } catch (err) {
    emit({ event: 'result', id: null, error: `bad command: ${err.message}` })
    return
  }
  run(command).then(
    result => emit({ event: 'result', id: command.id, ...result }),
    err => {
      diag(`command ${command.cmd} failed:`, err)
      emit({ event: 'result', id: command.id, error: err.message ?? String(err) })
    })
})
lines.on('close', stop)
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.on('unhandledRejection', (err) => diag('unhandled rejection:', err))
