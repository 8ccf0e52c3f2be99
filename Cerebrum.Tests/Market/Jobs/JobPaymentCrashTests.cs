using System.Text.Json;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Inference;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Market.Jobs;

/// <summary>
/// A batch job paying a priced node (Bob, 30 micro-CER an input, the market's admission on a real engine) through the
/// gateway's payer side over one ledger, crashed at each step of an input (its grant durable but not sent; the node's
/// answer in but not recorded) and resumed from the stores: every input has one line, the node consumed and the
/// payer's vouchers promise exactly one price per input, and no grant is left recorded.
/// </summary>
[TestFixture]
public sealed class JobPaymentCrashTests
{
    private const ulong Price = 30;
    private const int Inputs = 12;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private MarketChain _market = null!;
    private AddModelEngine _model = null!;
    private Marketplace _node = null!;
    private InferProtocolHandler _handler = null!;
    private TemporaryDirectory _directory = null!;
    private CancellationTokenSource _stop = null!;
    private Task _producer = null!;

    private string PayerDirectory => Path.Combine(_directory.Path, "payer");

    private string Input => Path.Combine(_directory.Path, "inputs.jsonl");

    private string Output => Path.Combine(_directory.Path, "results.jsonl");

    [SetUp]
    public void SetUp()
    {
        _market = new MarketChain();
        _model = AddModelEngine.Start();
        _directory = TemporaryDirectory.Create();
        _node = Marketplace.Open(Path.Combine(_directory.Path, "node"), _market.Chain.Node, _market.Node, Options, _market.Chain.Node.SubmitTransaction, NullLogger.Instance, _market.Time);
        _handler = new InferProtocolHandler(_model.Engine, _market.Node, time: _market.Time)
        {
            Admission = new NodeJobAdmission(_node.Payee, _node.Leases, _market.Node.PeerId, () => Price, _market.Time),
        };
        _stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        _producer = _market.ProduceBlocksAsync(_stop.Token);
        File.WriteAllLines(Input, Enumerable.Range(0, Inputs).Select(i => JsonSerializer.Serialize(new { id = $"in-{i}", inputs = new[] { new { name = "a", shape = new[] { 1, 3 }, datatype = "FP32", data = new[] { i, i, i } } } })));
    }

    [TearDown]
    public async Task TearDown()
    {
        await _stop.CancelAsync();
        await _producer;
        await _node.DisposeAsync();
        await _model.DisposeAsync();
        await _market.DisposeAsync();
        _directory.Dispose();
        _stop.Dispose();
    }

    private static MarketOptions Options => new() { Claims = new ClaimOptions { Threshold = 1_000_000_000, Interval = TimeSpan.FromHours(1) } };

    public enum Step
    {
        /// <summary>The input's grant is durable; the job has not reached the node.</summary>
        PaidNotSent,

        /// <summary>The node ran and charged the input; its answer is not recorded.</summary>
        AnsweredNotRecorded,
    }

    [Test]
    public async Task A_job_crashed_at_any_step_resumes_losing_nothing_and_paying_nothing_twice([Values] Step step, [Values(0, 5, 11)] int atInput)
    {
        // First run: crashes at the chosen step of the chosen input.
        var payer = OpenPayer();
        var crashed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var jobs = new BatchJobs(payer.Store, new LedgerExecutor(this, payer, (index, at) => index == atInput && at == step ? crashed : null), Limits, TimeProvider.System, NullLogger.Instance);
        jobs.Start();
        var job = await jobs.SubmitAsync(new JobSubmission("add", Input, Output, null, null));
        await crashed.Task.WaitAsync(Wait);
        await jobs.DisposeAsync();
        await payer.DisposeAsync();

        // Restart: the job resumes from the stores.
        payer = OpenPayer();
        jobs = new BatchJobs(payer.Store, new LedgerExecutor(this, payer, (_, _) => null), Limits, TimeProvider.System, NullLogger.Instance);
        try
        {
            jobs.Start();
            await Poll.UntilAsync(() => jobs.Get(job.Id)!.State != JobState.Running, Wait);
            var status = jobs.Get(job.Id)!;
            Assert.That((status.State, status.Done, status.Failed, status.Spent), Is.EqualTo((JobState.Done, Inputs, 0, Inputs * Price)), status.Error);

            var lines = File.ReadAllLines(Output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.That(lines.Select(l => l.GetProperty("id").GetString()), Is.EqualTo(Enumerable.Range(0, Inputs).Select(i => $"in-{i}")), "one line per input, in input order");
            for (var i = 0; i < Inputs; i++)
                Assert.That(lines[i].GetProperty("outputs")[0].GetProperty("data")[0].GetSingle(), Is.EqualTo(2f * i), $"input {i}'s own answer");

            var channel = payer.Payer.Snapshot().Single();
            var held = _node.Payee.Snapshot().Single();
            Assert.That((channel.Spent, channel.Signed), Is.EqualTo((Inputs * Price, Inputs * Price)), "the payer spent, and its vouchers promise, one price per input");
            Assert.That((held.Consumed, held.Best!.Amount), Is.EqualTo((Inputs * Price, Inputs * Price)), "the node charged one price per input, and holds a voucher for exactly that");
            Assert.That(payer.Payer.RecordedCount, Is.Zero, "every input's grant is forgotten once its outcome is recorded");
        }
        finally
        {
            await jobs.DisposeAsync();
            await payer.DisposeAsync();
        }
    }

    private static JobLimits Limits => new() { MaxInFlightPerNode = 2, NoNodeTimeout = TimeSpan.FromSeconds(30) };

    private Marketplace OpenPayer() =>
        Marketplace.Open(PayerDirectory, _market.Chain.Node, _market.Payer, Options, _market.Chain.Node.SubmitTransaction, NullLogger.Instance, _market.Time);

    /// <summary>Runs inputs (a = [i, i, i], b = a) on Bob's handler in process, paid through <see cref="GatewayPayments"/>; a crash point holds an input forever.</summary>
    private sealed class LedgerExecutor(JobPaymentCrashTests test, Marketplace payer, Func<int, Step, TaskCompletionSource?> crashAt) : IJobExecutor
    {
        private readonly GatewayPayments _payments = new(payer, new GatewayPaymentOptions { Deposit = 10_000 }, test._market.Time, NullLogger.Instance);

        public string? Refuse(string model, string? leaseId) => null;

        public IReadOnlyList<JobNode> Nodes(JobSpec job) => [new JobNode(test._market.Node.PeerId.ToString(), 2, Price)];

        public double RegisteredShare => 0;

        public Task SolicitQuotesAsync(JobSpec job, int inputs, CancellationToken cancellationToken) => Task.CompletedTask;

        public void EndJob(JobSpec job)
        {
        }

        public async Task<JobAttemptResult> RunAsync(JobSpec job, JobInput input, JobNode node, ReadOnlyMemory<byte> requestKey, CancellationToken cancellationToken)
        {
            var key = Convert.ToHexStringLower(requestKey.Span);
            float[] values = [input.Index, input.Index, input.Index];
            var request = InferProtocolClient.CreateRequest(test._model.AddHash, [Tensor.FromFloats("a", [1, 3], values), Tensor.FromFloats("b", [1, 3], values)], DateTimeOffset.UtcNow.AddMinutes(1));
            request.JobId = key;
            request.RequestKey = ByteString.CopyFrom(requestKey.Span);
            var result = await _payments.RunAsync(test._market.Node.PeerId, Price, async payment =>
            {
                await CrashPointAsync(input.Index, Step.PaidNotSent, cancellationToken);
                var paid = request.Clone();
                if (payment is not null) InferProtocolClient.WithPayment(paid, payment.ChannelId, payment.Voucher, payment.MaxPrice);
                // The node is another process: the payer's crash does not cancel its run.
                var answer = await InferProtocolClient.InferInProcessAsync(test._handler, test._market.Node.PublicKey, test._market.Payer.PeerId, paid, CancellationToken.None);
                await CrashPointAsync(input.Index, Step.AnsweredNotRecorded, cancellationToken);
                return answer;
            }, cancellationToken, key);
            return JobAttemptResult.Success("outputs", Cerebrum.Core.Gateway.KServeJson.FormatTensors(result.Outputs), result.Binding!.ReceiptHashHex, result.Binding.Price);
        }

        public void Forget(ReadOnlyMemory<byte> requestKey) => payer.Payer.Forget(Convert.ToHexStringLower(requestKey.Span));

        /// <summary>At the crash point: says so, then never returns (the process is gone) until the job is stopped.</summary>
        private async Task CrashPointAsync(int index, Step step, CancellationToken cancellationToken)
        {
            if (crashAt(index, step) is not { } crashed) return;
            crashed.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        }
    }
}
