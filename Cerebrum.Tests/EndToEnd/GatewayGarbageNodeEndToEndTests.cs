using System.Collections.Concurrent;
using System.Security.Cryptography;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Tests.Daemon;
using Google.Protobuf;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Two honest nodes and one that answers every job with made-up outputs under a signature that does not verify, all
/// in-process on 127.0.0.1 behind one gateway: the gateway rejects the bad answers, retries elsewhere, stops choosing the
/// bad node, and the client sees only correct results.
/// </summary>
[TestFixture]
public sealed class GatewayGarbageNodeEndToEndTests
{
    [Test]
    public async Task ANodeAnsweringGarbage_IsSkipped_AndEveryAnswerIsCorrect()
    {
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        using var directory = TemporaryDirectory.Create();
        var nodes = new List<TestDaemon>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var data = await GatewayTestNetwork.PrepareNodeAsync(directory.Path, $"node{i}");
                nodes.Add(await TestDaemon.StartAsync(cts.Token, dataDirectory: data, modes: ["node"]));
            }
            var liar = nodes[2];
            liar.Application.Network.Host.SetHandler(InferProtocolHandler.ProtocolId, (stream, ct) => AnswerGarbageAsync(stream, liar, ct));
            await using var gateway = await GatewayTestNetwork.StartGatewayAsync(directory.Path, [.. nodes.Select(n => n.ListenAddress)], """, "Open": true""", cts.Token);
            await gateway.WaitForRoutesAsync("add", 3);
            using var http = gateway.HttpClient();

            var failures = new ConcurrentQueue<string>();
            var requests = Enumerable.Range(0, 12).Select(worker => Task.Run(async () =>
            {
                for (var i = worker * 10; i < worker * 10 + 10; i++)
                {
                    var (status, body) = await http.PostJsonAsync("v2/models/add/infer", GatewayTestNetwork.AddRequest(i), cts.Token);
                    if (status != 200 || !GatewayTestNetwork.OutputData(body).SequenceEqual(GatewayTestNetwork.AddExpected(i)))
                        failures.Enqueue($"request {i}: {status} {body}");
                }
            }, cts.Token));
            await Task.WhenAll(requests);

            Assert.That(failures, Is.Empty);
            var liarRoute = gateway.Gateway().Table.Routes("add").Single(r => r.Node == liar.PeerId);
            Assert.That(liarRoute.Failed, Is.GreaterThan(0), "the bad node was tried and its answers refused");
            Assert.That(liarRoute.Served, Is.Zero);
            Assert.That(gateway.Gateway().Table.Routes("add").Where(r => r.Node != liar.PeerId).Sum(r => r.Served), Is.EqualTo(120));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
        }
    }

    // A well-formed response with plausible outputs, the node's real key, and a signature over nothing in particular.
    private static async Task AnswerGarbageAsync(ProtocolStream stream, TestDaemon node, CancellationToken ct)
    {
        while (await LengthPrefixedMessage.ReadAsync(stream.Stream, 1 << 20, ct) is { } message)
        {
            var request = InferRequest.Parser.ParseFrom(message);
            var response = new InferResponse
            {
                JobId = request.JobId,
                ModelHash = request.ModelHash,
                NodePublicKey = ByteString.CopyFrom(node.Application.Network.Host.Identity.PublicKey.ToProtobuf()),
                Signature = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(64)),
                InputHash = ByteString.CopyFrom(InferReceipts.HashTensors(request.Inputs)),
                OutputHash = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)),
            };
            var output = request.Inputs[0].Clone();
            output.Name = "c";
            response.Outputs.Add(output);
            await LengthPrefixedMessage.WriteAsync(stream.Stream, response.ToByteArray(), ct);
        }
        await stream.CompleteWritesAsync(ct);
    }
}
