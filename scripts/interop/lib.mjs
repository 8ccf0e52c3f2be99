// Shared building blocks of the js-libp2p interop peer (peer.mjs) and the
// js<->js transport benchmark (bench-js.mjs).
import './polyfill.mjs'

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair, privateKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

export const AGENT_VERSION = 'cerebrum-interop-js/1.0.0'
export const ECHO_PROTOCOL = '/cerebrum/echo/1.0.0'
export const PERF_PROTOCOL = '/perf/1.0.0'
export const IDENTIFY_PROTOCOL = '/ipfs/id/1.0.0'

/** Per-protocol and per-connection stream limits (enough for 100+ concurrent streams). */
export const STREAM_LIMIT = 1024
// runOnLimitedConnection: the reachability tests reach this peer through circuit relays (limited connections).
const HANDLER_OPTS = { maxInboundStreams: STREAM_LIMIT, maxOutboundStreams: STREAM_LIMIT, runOnLimitedConnection: true }
const CHUNK = 64 * 1024

export const toHex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('hex')

/** stdout: one JSON object per line (machine readable). */
export function emit (obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

/** stderr: diagnostics. */
export function diag (...args) {
  process.stderr.write('[peer.mjs] ' + args.map(a => (a instanceof Error ? (a.stack ?? a.message) : String(a))).join(' ') + '\n')
}

export async function makePrivateKey (keyType, privateKeyHex) {
  if (privateKeyHex != null && privateKeyHex !== '') {
    return privateKeyFromProtobuf(Uint8Array.from(Buffer.from(privateKeyHex, 'hex')))
  }
  switch (String(keyType ?? 'ed25519').toLowerCase()) {
    case 'ed25519': return generateKeyPair('Ed25519')
    case 'secp256k1': return generateKeyPair('secp256k1')
    default: throw new Error(`unsupported --key ${keyType} (use ed25519 or secp256k1)`)
  }
}

/**
 * Creates (and starts) a libp2p node: TCP + Noise + Yamux, identify + ping,
 * echo and perf handlers. No peer discovery, no DHT, no autodial.
 */
/** Outbound dials refused because the remote's authenticated id differed from the /p2p/ id dialed. */
export const peerIdMismatches = []

export async function createNode ({ privateKey, listen = [], appendAnnounce = [], identifyOnConnect = true, extraServices = {}, extraTransports = [] } = {}) {
  const node = await createLibp2p({
    privateKey,
    addresses: { listen, appendAnnounce },
    transports: [tcp(), ...extraTransports],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: STREAM_LIMIT, maxOutboundStreams: STREAM_LIMIT })],
    peerDiscovery: [],
    // libp2p 2.10.0 does not hand the /p2p/ id of a dialed multiaddr to the
    // connection encrypter, so nothing checks it: refuse the connection right
    // after the Noise handshake when the authenticated peer differs.
    connectionGater: {
      denyOutboundEncryptedConnection: async (peerId, maConn) => {
        const expected = maConn.remoteAddr?.getPeerId()
        if (expected == null || expected === peerId.toString()) return false
        peerIdMismatches.push({ expected, actual: peerId.toString(), addr: maConn.remoteAddr.toString() })
        return true
      }
    },
    connectionManager: {
      maxConnections: 4096,
      maxParallelDials: 200,
      maxIncomingPendingConnections: 1024,
      // js-libp2p refuses a host that opens more than `inboundConnectionThreshold`
      // connections per second; addresses in `allow` bypass that rate limiter,
      // the pending-connection cap and maxConnections.
      inboundConnectionThreshold: 100000,
      allow: ['/ip4/127.0.0.0/ipcidr/8', '/ip6/::1/ipcidr/128']
    },
    services: {
      identify: identify({ agentVersion: AGENT_VERSION, runOnConnectionOpen: identifyOnConnect }),
      ping: ping(),
      ...extraServices
    }
  })
  await node.handle(ECHO_PROTOCOL, ({ stream }) => { handleEcho(stream) }, HANDLER_OPTS)
  await node.handle(PERF_PROTOCOL, ({ stream }) => { handlePerf(stream) }, HANDLER_OPTS)
  return node
}

// ---------------------------------------------------------------- servers

/** Echo every byte back until the remote closes its write side, then close. */
async function handleEcho (stream) {
  try {
    await stream.sink(stream.source) // sink ends (and closes our write side) when the source ends
    await stream.close()
  } catch (err) {
    diag('echo handler error:', err.message)
    stream.abort(err)
  }
}

/**
 * libp2p perf (specs perf/perf.md): u64 BE download size, upload until EOF, then send. Reports what it actually
 * received (after the header) and sent as {"event":"perf-served","received":N,"sent":N}, so a test can check the
 * client's byte counts from this side.
 */
async function handlePerf (stream) {
  try {
    const header = new Uint8Array(8)
    let headerLen = 0
    let received = 0
    for await (const chunk of stream.source) {
      let payload = chunk.byteLength
      if (headerLen < 8) {
        const take = Math.min(8 - headerLen, chunk.byteLength)
        header.set(chunk.subarray(0, take), headerLen)
        headerLen += take
        payload -= take
      }
      received += payload // the rest of the chunk is uploaded payload: counted, then discarded
    }
    if (headerLen < 8) throw new Error(`perf: stream ended after ${headerLen} header bytes`)
    const toSend = Number(new DataView(header.buffer).getBigUint64(0, false))
    let sent = 0
    await stream.sink((async function * () {
      for await (const part of zeroSource(toSend)) {
        sent += part.byteLength
        yield part
      }
    })())
    await stream.close()
    emit({ event: 'perf-served', received, sent })
  } catch (err) {
    diag('perf handler error:', err.message)
    stream.abort(err)
  }
}

async function * zeroSource (n, prefix) {
  if (prefix != null) yield prefix
  const buf = new Uint8Array(CHUNK)
  while (n > 0) {
    const len = Math.min(n, CHUNK)
    yield len === CHUNK ? buf : buf.subarray(0, len)
    n -= len
  }
}

// ---------------------------------------------------------------- clients

/**
 * Deterministic pseudo-random bytes for echo stream `index` (0-based):
 * xorshift32, state0 = (0x9E3779B9 ^ (index + 1)) >>> 0, each step
 * (x ^= x << 13; x ^= x >>> 17; x ^= x << 5) yields 4 bytes little-endian.
 */
export function echoData (index, length) {
  const out = new Uint8Array(Math.ceil(length / 4) * 4)
  const dv = new DataView(out.buffer)
  let x = (0x9E3779B9 ^ (index + 1)) >>> 0
  for (let i = 0; i < out.length; i += 4) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    dv.setUint32(i, x, true)
  }
  return out.subarray(0, length)
}

async function * chunked (data) {
  for (let off = 0; off < data.length; off += CHUNK) yield data.subarray(off, Math.min(off + CHUNK, data.length))
}

/** One echo stream: write `bytes` of echoData(index), close write, read everything back, compare. */
export async function echoOnce (connection, index, bytes, signal) {
  const data = echoData(index, bytes)
  const stream = await connection.newStream(ECHO_PROTOCOL, { maxOutboundStreams: STREAM_LIMIT, runOnLimitedConnection: true, signal })
  const reader = (async () => {
    let off = 0
    for await (const chunk of stream.source) {
      for (const part of chunk) { // Uint8ArrayList iterates its Uint8Array parts
        if (off + part.byteLength > bytes) throw new Error(`echo stream ${index}: received more than ${bytes} bytes`)
        if (Buffer.compare(part, data.subarray(off, off + part.byteLength)) !== 0) {
          throw new Error(`echo stream ${index}: data mismatch in bytes ${off}..${off + part.byteLength}`)
        }
        off += part.byteLength
      }
    }
    if (off !== bytes) throw new Error(`echo stream ${index}: got ${off} of ${bytes} bytes back`)
  })()
  try {
    await Promise.all([stream.sink(chunked(data)), reader])
    await stream.close()
  } catch (err) {
    stream.abort(err)
    throw err
  }
}

/**
 * One perf stream (client side of perf/perf.md). Returns performance.now()
 * timestamps: t0 = start, tUp = the server's first response byte (or EOF) has
 * arrived, which it sends only after reading our whole upload, tEnd = all
 * `download` bytes received.
 */
export async function perfOnce (connection, upload, download, signal) {
  const t0 = performance.now()
  const stream = await connection.newStream(PERF_PROTOCOL, { maxOutboundStreams: STREAM_LIMIT, signal })
  const header = new Uint8Array(8)
  new DataView(header.buffer).setBigUint64(0, BigInt(download), false)
  let tUp = 0
  let got = 0
  let sent = 0
  const reader = (async () => {
    for await (const chunk of stream.source) {
      if (got === 0) tUp = performance.now()
      got += chunk.byteLength
    }
    if (got === 0) tUp = performance.now()
    if (got !== download) throw new Error(`perf: received ${got} of ${download} bytes`)
  })()
  const writer = (async function * () {
    for await (const part of zeroSource(upload, header)) {
      sent += part.byteLength
      yield part
    }
  })()
  try {
    await Promise.all([stream.sink(writer), reader])
    await stream.close()
  } catch (err) {
    stream.abort(err)
    throw err
  }
  return { t0, tUp, tEnd: performance.now(), sent: sent - header.byteLength, received: got }
}

/** Splits `total` into `k` near-equal parts (remainder goes to the first ones). */
export function split (total, k) {
  const base = Math.floor(total / k)
  const rem = total - base * k
  return Array.from({ length: k }, (_, i) => base + (i < rem ? 1 : 0))
}

/**
 * Perf over `streams` concurrent streams; `upload`/`download` are totals split
 * evenly across the streams. MBps = MiB (1048576 bytes) per second.
 */
export async function perfRun (connection, { upload, download, streams = 1, signal }) {
  const ups = split(upload, streams)
  const downs = split(download, streams)
  const t0 = performance.now()
  const results = await Promise.all(ups.map((u, i) => perfOnce(connection, u, downs[i], signal)))
  const tEnd = performance.now()
  const seconds = (tEnd - t0) / 1000
  // upload phase: start -> the last stream's server began answering (it had read
  // everything); download phase: first server began answering -> last byte received.
  // (With several streams the phases overlap; for clean per-direction
  // figures run with --upload 0 or --download 0.)
  const upSec = (Math.max(...results.map(r => r.tUp)) - t0) / 1000
  const downSec = (tEnd - Math.min(...results.map(r => r.tUp))) / 1000
  const mib = 1024 * 1024
  return {
    event: 'perf',
    upload,
    download,
    streams,
    seconds: round(seconds, 6),
    uploadSeconds: round(upSec, 6),
    downloadSeconds: round(downSec, 6),
    sentBytes: results.reduce((n, r) => n + r.sent, 0), // payload actually written and read, counted as it passed
    receivedBytes: results.reduce((n, r) => n + r.received, 0),
    uploadMBps: upload > 0 && upSec > 0 ? round(upload / mib / upSec, 3) : 0,
    downloadMBps: download > 0 && downSec > 0 ? round(download / mib / downSec, 3) : 0
  }
}

export const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d

/** The identify JSON object (same shape in listen and dial mode). */
export function identifyJson (result) {
  const pub = result.publicKey ?? (result.peerId.publicKey != null ? publicKeyToProtobuf(result.peerId.publicKey) : undefined)
  return {
    event: 'identify',
    peerId: result.peerId.toString(),
    publicKey: pub != null ? toHex(pub) : null,
    agentVersion: result.agentVersion ?? null,
    protocolVersion: result.protocolVersion ?? null,
    protocols: [...(result.protocols ?? [])].sort(),
    listenAddrs: (result.listenAddrs ?? []).map(a => a.toString()),
    observedAddr: result.observedAddr != null ? result.observedAddr.toString() : null,
    // verified signed peer record (libp2p/specs RFC 0003), if the remote sent one
    signedPeerRecord: result.signedPeerRecord != null
      ? { seq: String(result.signedPeerRecord.seq), addrs: result.signedPeerRecord.addresses.map(a => a.toString()) }
      : null
  }
}
