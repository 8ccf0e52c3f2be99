#!/usr/bin/env node
// js-libp2p interop peer for Cerebrum. See README.md in this folder.
//
//   node peer.mjs listen --key ed25519|secp256k1 [--port 0] [--host 127.0.0.1]
//   node peer.mjs dial --key ed25519|secp256k1 --addr MULTIADDR <ping|identify|echo|perf> [options]
//
// stdout: one JSON object per line; stderr: diagnostics.
import './polyfill.mjs'

import { setMaxListeners } from 'node:events'
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  IDENTIFY_PROTOCOL, createNode, peerIdMismatches, diag, echoOnce, emit, identifyJson, makePrivateKey, perfRun, round, toHex
} from './lib.mjs'

const OPTIONS = {
  key: { type: 'string', default: 'ed25519' },
  'private-key': { type: 'string' }, // hex protobuf private key (optional, for a fixed identity)
  port: { type: 'string', default: '0' },
  host: { type: 'string', multiple: true },
  'no-stdin-watch': { type: 'boolean', default: false },
  addr: { type: 'string' },
  count: { type: 'string', default: '1' },
  streams: { type: 'string' },
  bytes: { type: 'string', default: '1048576' },
  upload: { type: 'string', default: '0' },
  download: { type: 'string', default: '0' },
  timeout: { type: 'string', default: '60000' },
  linger: { type: 'string', default: '300' }
}

let node = null
let stopping = false

function fail (err) {
  const message = err instanceof Error ? (err.message || err.name || String(err)) : String(err)
  if (err instanceof Error) diag('error:', err)
  emit({ error: message })
  shutdown(1)
}

async function shutdown (code) {
  if (stopping) return
  stopping = true
  // never linger: if libp2p.stop() hangs, exit anyway
  setTimeout(() => process.exit(code), 3000).unref()
  try {
    if (node != null) await node.stop()
  } catch (err) {
    diag('stop error:', err.message)
  }
  process.exit(code)
}

function int (name, value, min = 0) {
  const n = Number(value)
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${value}`)
  return n
}

/** Exit when stdin ends (the spawning test closed it or died) - only if stdin is a pipe/socket/tty. */
function watchStdin () {
  let st
  try { st = fs.fstatSync(0) } catch { return }
  if (!(st.isFIFO() || st.isSocket() || process.stdin.isTTY)) return
  process.stdin.on('end', () => shutdown(0))
  process.stdin.on('close', () => shutdown(0))
  process.stdin.on('error', () => shutdown(0))
  process.stdin.resume()
}

/** Exit when the spawning process dies (we were re-parented), even if stdin is not a pipe. */
function watchParent () {
  const parent = process.ppid
  const currentParent = () => {
    try {
      return Number(fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /s, '').split(' ')[1])
    } catch {
      try { process.kill(parent, 0); return parent } catch { return -1 }
    }
  }
  setInterval(() => { if (currentParent() !== parent) shutdown(0) }, 1000).unref()
}

// ------------------------------------------------------------------ listen

async function listen (opts) {
  const port = int('port', opts.port)
  const hosts = opts.host ?? ['127.0.0.1']
  const listenAddrs = new Set()
  for (const h of hosts) {
    if (h === '::1' || h.includes(':')) {
      listenAddrs.add('/ip4/127.0.0.1/tcp/' + port) // spec: ::1 is in addition to 127.0.0.1
      listenAddrs.add(`/ip6/${h}/tcp/${port}`)
    } else {
      listenAddrs.add(`/ip4/${h}/tcp/${port}`)
    }
  }
  const privateKey = await makePrivateKey(opts.key, opts['private-key'])
  node = await createNode({ privateKey, listen: [...listenAddrs] })

  node.addEventListener('connection:open', (evt) => {
    const c = evt.detail
    emit({ event: 'connection', peerId: c.remotePeer.toString(), remoteAddr: c.remoteAddr.toString(), direction: c.direction })
  })
  node.addEventListener('peer:identify', (evt) => emit(identifyJson(evt.detail)))

  const peerId = node.peerId.toString()
  emit({
    event: 'listening',
    peerId,
    publicKey: toHex(publicKeyToProtobuf(privateKey.publicKey)),
    addrs: node.getMultiaddrs().map(a => a.toString()),
    protocols: node.getProtocols().slice().sort()
  })
  if (!opts['no-stdin-watch']) watchStdin()
  watchParent()
}

// -------------------------------------------------------------------- dial

async function dial (opts, action) {
  if (opts.addr == null) throw new Error('--addr MULTIADDR is required')
  if (!['ping', 'identify', 'echo', 'perf'].includes(action)) {
    throw new Error(`unknown dial action ${action ?? '(none)'}; use ping|identify|echo|perf`)
  }
  const timeoutMs = int('timeout', opts.timeout, 1)
  const lingerMs = int('linger', opts.linger)
  const ma = multiaddr(opts.addr)
  const privateKey = await makePrivateKey(opts.key, opts['private-key'])
  // for `identify` we run identify explicitly (not automatically on connect) so
  // that a failure (e.g. a bad message from the remote) surfaces as the error line
  node = await createNode({ privateKey, listen: [], identifyOnConnect: action !== 'identify' })

  const signal = AbortSignal.timeout(timeoutMs)
  setMaxListeners(Infinity, signal) // one listener per concurrent stream
  // libp2p 2.10.0 does not itself check the /p2p/ id of the dialed multiaddr:
  // the connection gater in lib.mjs refuses a mismatch right after the Noise
  // handshake; report it clearly, and double-check the authenticated peer.
  const expectedId = ma.getPeerId()
  const remotePeer = expectedId != null ? peerIdFromString(expectedId) : undefined
  let connection
  try {
    connection = await node.dial(ma, { signal })
  } catch (err) {
    const m = peerIdMismatches.find(x => x.expected === expectedId)
    if (m != null) throw new Error(`peer id mismatch: dialed ${m.expected} but the remote authenticated as ${m.actual} (${err.message})`)
    throw err
  }
  if (remotePeer != null && !connection.remotePeer.equals(remotePeer)) {
    await connection.close().catch(() => {})
    throw new Error(`peer id mismatch: dialed ${remotePeer} but the remote authenticated as ${connection.remotePeer}`)
  }
  const openedAt = performance.now()
  diag(`connected to ${connection.remotePeer} via ${connection.remoteAddr}`)

  switch (action) {
    case 'ping': {
      const count = int('count', opts.count, 1)
      for (let i = 0; i < count; i++) {
        const rtt = await node.services.ping.ping(connection.remotePeer, { signal })
        emit({ event: 'ping', rtt })
      }
      break
    }
    case 'identify': {
      const result = await node.services.identify.identify(connection, { signal })
      emit(identifyJson(result))
      break
    }
    case 'echo': {
      const streams = int('streams', opts.streams ?? '1', 1)
      const bytes = int('bytes', opts.bytes)
      const t0 = performance.now()
      await Promise.all(Array.from({ length: streams }, (_, i) => echoOnce(connection, i, bytes, signal)))
      emit({ event: 'echo', streams, bytes, ok: true, ms: round(performance.now() - t0) })
      break
    }
    case 'perf': {
      const upload = int('upload', opts.upload)
      const download = int('download', opts.download)
      const streams = int('streams', opts.streams ?? '1', 1)
      emit(await perfRun(connection, { upload, download, streams, signal }))
      break
    }
  }

  // Stay connected long enough to answer the remote's identify: wait until at
  // least --linger ms have passed since the connection opened and no identify
  // stream is open on it (bounded by 5 s).
  const deadline = performance.now() + 5000
  while (performance.now() < deadline && connection.status === 'open') {
    const busy = connection.streams.some(s => s.protocol === IDENTIFY_PROTOCOL)
    if (!busy && performance.now() - openedAt >= lingerMs) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

// -------------------------------------------------------------------- main

async function main () {
  const { values, positionals } = parseArgs({ options: OPTIONS, allowPositionals: true, strict: true })
  const [mode, action] = positionals
  process.on('SIGTERM', () => shutdown(0))
  process.on('SIGINT', () => shutdown(0))
  process.on('unhandledRejection', (err) => diag('unhandled rejection:', err))
  process.on('uncaughtException', fail)
  if (mode === 'listen') {
    await listen(values)
    // runs until stdin ends or SIGTERM/SIGINT
  } else if (mode === 'dial') {
    await dial(values, action)
    await shutdown(0)
  } else {
    throw new Error('usage: peer.mjs listen [--key ed25519|secp256k1] [--port N] [--host H] | ' +
      'peer.mjs dial [--key ...] --addr MA ping [--count N] | identify | echo [--streams K --bytes B] | perf [--upload U --download D --streams K]')
  }
}

main().catch(fail)
