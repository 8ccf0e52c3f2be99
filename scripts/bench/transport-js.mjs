#!/usr/bin/env node
// js<->js transport benchmark (TCP + Noise + Yamux on loopback).
// Thin wrapper: the logic lives in ../interop/bench-js.mjs so that it resolves
// its dependencies from scripts/interop/node_modules (run `npm ci` there first).
//
//   node scripts/bench/transport-js.mjs [--runs 5] [--size-mib 256] [--parallel 16] [--cycles 200]
//                                       [--key ed25519|secp256k1] [--host 127.0.0.1|::1]
// Output: one JSON line
//   {"impl":"js-js","singleStreamMBps":..,"parallel16MBps":..,"setupP50ms":..,"setupP90ms":..,...}
import '../interop/bench-js.mjs'
