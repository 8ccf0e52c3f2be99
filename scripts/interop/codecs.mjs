// Wire-format cross-check of the reachability protocols against js-libp2p's own protobuf codecs (no sockets):
// reads one JSON object of hex-encoded messages made by Cerebrum on stdin, decodes each with the js module that
// speaks that protocol, and prints one JSON line with what js read, plus the same kinds of messages encoded by js
// (and a reservation voucher sealed by a js relay key) for the C# side to decode.
//   echo '{"autonatRequest":"0a..", ...}' | node codecs.mjs
import './polyfill.mjs'

import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromMultihash, peerIdFromPrivateKey } from '@libp2p/peer-id'
import { RecordEnvelope } from '@libp2p/peer-record'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { Message as AutoNat } from './node_modules/@libp2p/autonat/dist/src/pb/index.js'
import { HopMessage, StopMessage, Status } from './node_modules/@libp2p/circuit-relay-v2/dist/src/pb/index.js'
import { ReservationVoucherRecord } from './node_modules/@libp2p/circuit-relay-v2/dist/src/server/reservation-voucher.js'
import { HolePunch } from './node_modules/@libp2p/dcutr/dist/src/pb/message.js'
import { Message as Dht, MessageType } from './node_modules/@libp2p/kad-dht/dist/src/message/dht.js'
import { emit, toHex } from './lib.mjs'

const fromHex = (hex) => new Uint8Array(Buffer.from(hex, 'hex'))
const peer = (bytes) => peerIdFromMultihash(Digest.decode(bytes)).toString()
const addr = (bytes) => multiaddr(bytes).toString()
const limit = (l) => l == null ? null : { duration: l.duration ?? null, data: l.data == null ? null : l.data.toString() }

async function main () {
  let text = ''
  for await (const chunk of process.stdin) text += chunk
  const input = JSON.parse(text)
  const read = {}

  const dial = AutoNat.decode(fromHex(input.autonatRequest))
  read.autonatRequest = { type: dial.type, peer: peer(dial.dial.peer.id), addrs: dial.dial.peer.addrs.map(addr) }
  const answer = AutoNat.decode(fromHex(input.autonatResponse))
  read.autonatResponse = { type: answer.type, status: answer.dialResponse.status, addr: answer.dialResponse.addr ? addr(answer.dialResponse.addr) : null }

  const reserve = HopMessage.decode(fromHex(input.hopReserve))
  read.hopReserve = { type: reserve.type }
  const connect = HopMessage.decode(fromHex(input.hopConnect))
  read.hopConnect = { type: connect.type, peer: peer(connect.peer.id) }
  const status = HopMessage.decode(fromHex(input.hopStatus))
  const voucher = await RecordEnvelope.openAndCertify(fromHex(input.voucher), 'libp2p-relay-rsvp')
  read.hopStatus = {
    type: status.type,
    status: status.status,
    expire: status.reservation.expire.toString(),
    addrs: status.reservation.addrs.map(addr),
    voucherSigner: peerIdFromMultihash(voucher.publicKey.toMultihash()).toString(),
    voucherPayloadType: toHex(voucher.payloadType),
    limit: limit(status.limit)
  }
  const stop = StopMessage.decode(fromHex(input.stopConnect))
  read.stopConnect = { type: stop.type, peer: peer(stop.peer.id), limit: limit(stop.limit) }

  const punch = HolePunch.decode(fromHex(input.holePunchConnect))
  read.holePunchConnect = { type: punch.type, addrs: punch.observedAddresses.map(addr) }
  read.holePunchSync = { type: HolePunch.decode(fromHex(input.holePunchSync)).type }

  const findNode = Dht.decode(fromHex(input.dhtFindNode))
  read.dhtFindNode = { type: findNode.type, key: toHex(findNode.key) }
  const providers = Dht.decode(fromHex(input.dhtProviders))
  read.dhtProviders = {
    type: providers.type,
    key: toHex(providers.key),
    closer: providers.closer.map(p => ({ id: peer(p.id), addrs: p.multiaddrs.map(addr) })),
    providers: providers.providers.map(p => ({ id: peer(p.id), addrs: p.multiaddrs.map(addr) }))
  }

  // The other way: js encodes, Cerebrum decodes.
  const relayKey = await generateKeyPair('Ed25519')
  const relayId = peerIdFromPrivateKey(relayKey)
  const target = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const expire = BigInt(Math.floor(Date.now() / 1000) + 3600)
  const sealed = await RecordEnvelope.seal(new ReservationVoucherRecord({ peer: target, relay: relayId, expiration: expire }), relayKey)
  const relayAddr = multiaddr(`/ip4/8.8.8.8/tcp/4001/p2p/${relayId}`)
  const written = {
    relay: relayId.toString(),
    target: target.toString(),
    expire: expire.toString(),
    autonatRequest: toHex(AutoNat.encode({ type: AutoNat.MessageType.DIAL, dial: { peer: { id: target.toMultihash().bytes, addrs: [multiaddr('/ip4/8.8.4.4/tcp/4001').bytes] } } })),
    autonatResponse: toHex(AutoNat.encode({ type: AutoNat.MessageType.DIAL_RESPONSE, dialResponse: { status: AutoNat.ResponseStatus.OK, addr: multiaddr('/ip4/8.8.4.4/tcp/4001').bytes } })),
    hopReserve: toHex(HopMessage.encode({ type: HopMessage.Type.RESERVE })),
    hopStatus: toHex(HopMessage.encode({
      type: HopMessage.Type.STATUS,
      status: Status.OK,
      reservation: {
        expire,
        addrs: [relayAddr.bytes],
        voucher: { publicKey: publicKeyToProtobuf(sealed.publicKey), payloadType: sealed.payloadType, payload: { peer: target.toMultihash().bytes, relay: relayId.toMultihash().bytes, expiration: expire }, signature: sealed.signature }
      },
      limit: { duration: 120, data: 131072n }
    })),
    stopConnect: toHex(StopMessage.encode({ type: StopMessage.Type.CONNECT, peer: { id: relayId.toMultihash().bytes, addrs: [] }, limit: { duration: 120, data: 131072n } })),
    holePunchConnect: toHex(HolePunch.encode({ type: HolePunch.Type.CONNECT, observedAddresses: [multiaddr('/ip4/9.9.9.9/tcp/4002').bytes] })),
    dhtProviders: toHex(Dht.encode({
      type: MessageType.GET_PROVIDERS,
      key: fromHex(input.dhtProvidersKey),
      closer: [{ id: relayId.toMultihash().bytes, multiaddrs: [multiaddr('/ip4/8.8.8.8/tcp/4001').bytes] }],
      providers: [{ id: target.toMultihash().bytes, multiaddrs: [multiaddr('/ip4/9.9.9.9/tcp/4002').bytes] }]
    }))
  }
  emit({ event: 'codecs', read, written })
}

main().catch((err) => {
  emit({ error: err.stack ?? String(err) })
  process.exit(1)
})
