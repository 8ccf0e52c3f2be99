using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Bench.Chain;

/// <summary>
/// Pre-signed transfers between the benchmark's sender accounts, submitted over the validators' admin APIs
/// (<c>POST /chain/txs</c>), with the time each was submitted and the time a finalized block containing it was seen.
/// A sender's transactions always go, in nonce order, to the same validator.
/// </summary>
public sealed class TransferLoad(IReadOnlyList<PrivateKey> senders, string chainId)
{
    private readonly ulong[] _nextNonce = new ulong[senders.Count];
    private readonly ConcurrentDictionary<string, long> _submitted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _finalized = new(StringComparer.Ordinal);
    private long _rejected;
    private long _retries;

    public long Rejected => Interlocked.Read(ref _rejected);

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Signs <paramref name="perSender"/> transfers per sender, continuing each sender's nonces.</summary>
    public List<Queue<(string Hash, byte[] Bytes)>> Sign(int perSender)
    {
        var queues = new List<Queue<(string, byte[])>>();
        for (var s = 0; s < senders.Count; s++)
        {
            var queue = new Queue<(string, byte[])>();
            var to = ByteString.CopyFrom(senders[(s + 1) % senders.Count].PeerId.Bytes.Span);
            for (var i = 0; i < perSender; i++)
            {
                var body = new Transaction { ChainId = chainId, Nonce = _nextNonce[s]++, Fee = 1, Transfer = new Transfer { To = to, Amount = 1 } };
                var bytes = TransactionCodec.Sign(senders[s], body);
                queue.Enqueue((Convert.ToHexStringLower(TransactionCodec.Hash(bytes)), bytes));
            }
            queues.Add(queue);
        }
        return queues;
    }

    /// <summary>Submits as fast as <paramref name="concurrency"/> workers can (each owning a share of the senders).</summary>
    public async Task SubmitAllAsync(List<Queue<(string Hash, byte[] Bytes)>> perSender, IReadOnlyList<HttpClient> admins, int concurrency, CancellationToken cancellationToken)
    {
        var workers = Enumerable.Range(0, concurrency).Select(async w =>
        {
            var mine = Enumerable.Range(0, perSender.Count).Where(s => s % concurrency == w).ToList();
            var more = true;
            while (more)
            {
                more = false;
                foreach (var s in mine)
                {
                    if (perSender[s].Count == 0) continue;
                    var (hash, bytes) = perSender[s].Dequeue();
                    await SubmitAsync(admins[s % admins.Count], hash, bytes, cancellationToken);
                    more |= perSender[s].Count > 0;
                }
            }
        });
        await Task.WhenAll(workers);
    }

    /// <summary>Submits at a fixed offered rate (open loop), one sender after another, each sender's in nonce order.</summary>
    public async Task SubmitAtRateAsync(List<Queue<(string Hash, byte[] Bytes)>> perSender, IReadOnlyList<HttpClient> admins, int rate, CancellationToken cancellationToken)
    {
        var total = perSender.Sum(q => q.Count);
        var chains = new Task[perSender.Count];
        Array.Fill(chains, Task.CompletedTask);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
                await Task.Delay(wait, cancellationToken);
            var s = i % perSender.Count;
            var (hash, bytes) = perSender[s].Dequeue();
            var admin = admins[s % admins.Count];
            chains[s] = ChainAsync(chains[s], admin, hash, bytes);
        }
        await Task.WhenAll(chains);

        async Task ChainAsync(Task previous, HttpClient admin, string hash, byte[] bytes)
        {
            await previous;
            await SubmitAsync(admin, hash, bytes, cancellationToken);
        }
    }

    private async Task SubmitAsync(HttpClient admin, string hash, byte[] bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            _submitted[hash] = Stopwatch.GetTimestamp();
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var response = await admin.PostAsync("chain/txs", content, cancellationToken);
            if (response.IsSuccessStatusCode)
                return;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.BadRequest && body.Contains("MempoolFull", StringComparison.Ordinal))
            {
                // Back-pressure: the mempool is full until the next block; try again shortly.
                Interlocked.Increment(ref _retries);
                await Task.Delay(20, cancellationToken);
                continue;
            }
            _submitted.TryRemove(hash, out _);
            if (Interlocked.Increment(ref _rejected) <= 5)
                Console.Error.WriteLine($"rejected {hash}: {(int)response.StatusCode} {body}");
            return;
        }
    }

    /// <summary>Follows the chain on <paramref name="admin"/> and stamps the benchmark's transactions as their blocks appear.</summary>
    public async Task<ulong> WatchAsync(HttpClient admin, ulong fromHeight, Func<bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seen = fromHeight;
        var clock = Stopwatch.StartNew();
        while (!done())
        {
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"only {_finalized.Count} of {_submitted.Count} transactions finalized within {timeout.TotalSeconds:0} s");
            var height = await Devnet.HeightAsync(admin, cancellationToken);
            if (height == seen)
            {
                await Task.Delay(5, cancellationToken);
                continue;
            }
            for (var h = seen + 1; h <= height; h++)
            {
                var now = Stopwatch.GetTimestamp();
                using var block = await admin.GetFromJsonAsync<JsonDocument>($"chain/blocks/{h}", cancellationToken) ?? throw new InvalidDataException("empty block");
                foreach (var tx in block.RootElement.GetProperty("transactions").EnumerateArray())
                {
                    var hash = tx.GetProperty("hash").GetString()!;
                    if (_submitted.ContainsKey(hash)) _finalized.TryAdd(hash, now);
                }
            }
            seen = height;
        }
        return seen;
    }

    public int FinalizedCount => _finalized.Count;

    public int SubmittedCount => _submitted.Count;

    public void Reset()
    {
        _submitted.Clear();
        _finalized.Clear();
        Interlocked.Exchange(ref _rejected, 0);
        Interlocked.Exchange(ref _retries, 0);
    }

    /// <summary>Submission-to-finality latencies in milliseconds, sorted.</summary>
    public List<double> Latencies() =>
        [.. _finalized.Select(f => Stopwatch.GetElapsedTime(_submitted[f.Key], f.Value).TotalMilliseconds).Order()];

    /// <summary>First submission to last finality.</summary>
    public TimeSpan Span() => _finalized.IsEmpty ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_submitted.Values.Min(), _finalized.Values.Max());
}
