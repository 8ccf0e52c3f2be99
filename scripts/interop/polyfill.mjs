// Node 20 lacks Promise.withResolvers (added in Node 22), which libp2p 2.x and
// some of its dependencies (it-queue, abort-error, mortice) call at run time.
// Import this module before anything from libp2p.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers () {
      let resolve
      let reject
      const promise = new this((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}
