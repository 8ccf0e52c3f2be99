using System.Text.Json;
using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Market.Storage;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Market.Jobs;

/// <summary>Batch jobs over a scripted executor: order, spreading, retries, failures, resumption, reruns and cancellation.</summary>
[TestFixture]
public sealed class BatchJobsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private TemporaryDirectory _directory = null!;
    private MarketStore _store = null!;
    private BatchJobs? _jobs;

    private string Input => Path.Combine(_directory.Path, "inputs.jsonl");

    private string Output => Path.Combine(_directory.Path, "results.jsonl");

    [SetUp]
    public void SetUp()
    {
        _directory = TemporaryDirectory.Create();
        _store = OpenStore();
    }

    [TearDown]
    public async Task TearDown()
    {
        if (_jobs is not null) await _jobs.DisposeAsync();
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    private MarketStore OpenStore() => MarketStore.Open(Path.Combine(_directory.Path, "data"), NullLogger.Instance);

    private static JobLimits Limits => new() { NoNodeTimeout = TimeSpan.FromSeconds(1), MaxInFlightPerNode = 4 };

    private BatchJobs Open(IJobExecutor executor)
    {
        _jobs = new BatchJobs(_store, executor, Limits, TimeProvider.System, NullLogger.Instance);
        _jobs.Start();
        return _jobs;
    }

    private void WriteInputs(int count) =>
        File.WriteAllLines(Input, Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new { id = $"in-{i}", text = $"text {i}" })));

    private Task<JobStatus> Submit(BatchJobs jobs, ulong? maxPrice = null) => jobs.SubmitAsync(new JobSubmission("minilm", Input, Output, maxPrice, null));

    private async Task<JobStatus> Finished(BatchJobs jobs, string id)
    {
        await Poll.UntilAsync(() => jobs.Get(id)!.State != JobState.Running, Wait);
        return jobs.Get(id)!;
    }

    private List<JsonElement> Results() => [.. File.ReadAllLines(Output).Select(l => JsonDocument.Parse(l).RootElement)];

    [Test]
    public async Task Every_input_gets_one_line_in_input_order_spread_over_the_nodes_and_paid_once()
    {
        WriteInputs(200);
        var executor = new ScriptedJobExecutor(new JobNode("a", 4, 10), new JobNode("b", 4, 10), new JobNode("c", 2, 7));
        var jobs = Open(executor);
        var status = await Finished(jobs, (await Submit(jobs)).Id);
        var lines = Results();
        Assert.Multiple(() =>
        {
            Assert.That((status.State, status.Done, status.Failed, status.Total), Is.EqualTo((JobState.Done, 200, 0, 200)));
            Assert.That(lines.Select(l => l.GetProperty("id").GetString()), Is.EqualTo(Enumerable.Range(0, 200).Select(i => $"in-{i}")));
            Assert.That(lines[5].GetProperty("embedding")[0].GetInt32(), Is.EqualTo(5));
            Assert.That(lines[5].GetProperty("receipt").GetString(), Is.EqualTo("receipt-in-5"));
            Assert.That(lines.Select(l => l.GetProperty("node").GetString()).Distinct().Order(), Is.EqualTo(new[] { "a", "b", "c" }));
            Assert.That(executor.Attempts, Has.Count.EqualTo(200));
            Assert.That(status.Spent, Is.EqualTo((ulong)lines.Sum(l => l.GetProperty("node").GetString() == "c" ? 7 : 10)));
        });
    }

    [Test]
    public async Task A_failed_input_is_retried_on_another_node_and_one_failing_everywhere_gets_an_error_line()
    {
        WriteInputs(20);
        var executor = new ScriptedJobExecutor(new JobNode("a", 4, 1), new JobNode("b", 4, 1))
        {
            Fail = (input, node) => input.Id == "in-3" ? "broken input" : input.Id == "in-7" && node.PeerId == "a" ? "node a is sick" : null,
        };
        var jobs = Open(executor);
        var status = await Finished(jobs, (await Submit(jobs)).Id);
        var lines = Results();
        Assert.Multiple(() =>
        {
            Assert.That((status.Done, status.Failed), Is.EqualTo((19, 1)));
            Assert.That(lines[3].GetProperty("error").GetString(), Is.EqualTo("broken input"));
            Assert.That(lines[7].GetProperty("node").GetString(), Is.EqualTo("b"));
            Assert.That(executor.Attempts.Count(a => a.Id == "in-3"), Is.EqualTo(Limits.MaxAttempts));
            Assert.That(executor.Attempts.Where(a => a.Id == "in-3").Select(a => a.Key).Distinct().Count(), Is.EqualTo(Limits.MaxAttempts), "each attempt has its own request key");
        });
    }

    [Test]
    public async Task Inputs_waiting_for_a_retry_do_not_hold_the_slots_of_the_node_they_failed_on()
    {
        WriteInputs(12);
        // One node; every input's first attempt fails, so every slot's input waits for a retry at once.
        var executor = new ScriptedJobExecutor(new JobNode("a", 4, 1));
        executor.Fail = (input, _) => executor.Attempts.Count(a => a.Id == input.Id) == 1 ? "busy" : null;
        var jobs = Open(executor);
        var status = await Finished(jobs, (await Submit(jobs)).Id);
        Assert.That((status.Done, status.Failed), Is.EqualTo((12, 0)), status.Error);
        Assert.That(executor.Forgotten, Has.Count.EqualTo(24), "each attempt's payment record is released: the failed one's at its retry, the other once its line is recorded");
    }

    [Test]
    public async Task A_job_stopped_mid_way_resumes_resending_in_flight_inputs_to_the_same_node_under_the_same_key()
    {
        WriteInputs(40);
        var first = new ScriptedJobExecutor(new JobNode("a", 4, 5), new JobNode("b", 4, 5)) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var jobs = Open(first);
        var id = (await Submit(jobs)).Id;
        await Poll.UntilAsync(() => first.Attempts.Count == 8, Wait);
        var inFlight = first.Attempts.ToDictionary(a => a.Id);
        await jobs.DisposeAsync();
        _jobs = null;
        await _store.DisposeAsync();
        _store = OpenStore();

        var second = new ScriptedJobExecutor(new JobNode("a", 4, 5), new JobNode("b", 4, 5));
        jobs = Open(second);
        var status = await Finished(jobs, id);
        var lines = Results();
        Assert.Multiple(() =>
        {
            Assert.That((status.Done, status.Failed, status.Spent), Is.EqualTo((40, 0, 200UL)), "paid once per input");
            Assert.That(lines.Select(l => l.GetProperty("id").GetString()), Is.EqualTo(Enumerable.Range(0, 40).Select(i => $"in-{i}")), "no duplicate or missing line");
            foreach (var (inputId, attempt) in inFlight)
                Assert.That(second.Attempts.Single(a => a.Id == inputId), Is.EqualTo(attempt), $"{inputId} went back to {attempt.Node} with its key");
        });
    }

    [Test]
    public void Scanning_a_results_file_cuts_a_half_written_last_line()
    {
        File.WriteAllText(Output, "{\"id\":\"a\",\"embedding\":[1]}\n{\"id\":\"b\",\"error\":\"x\"}\n{\"id\":\"c\",\"emb");
        var ids = JobResultsFile.Scan(Output);
        Assert.That(ids, Is.EqualTo(new Dictionary<string, bool> { ["a"] = false, ["b"] = true }));
        Assert.That(File.ReadAllText(Output), Does.EndWith("\"x\"}\n"), "the half line is cut, so the next append starts a line");
        Assert.That(JobResultsFile.Scan(Path.Combine(_directory.Path, "missing.jsonl")), Is.Empty);
    }

    [Test]
    public async Task Running_the_same_command_again_skips_the_ids_already_answered()
    {
        WriteInputs(10);
        var executor = new ScriptedJobExecutor(new JobNode("a", 2, 3));
        var jobs = Open(executor);
        await Finished(jobs, (await Submit(jobs)).Id);
        File.AppendAllLines(Input, [JsonSerializer.Serialize(new { id = "late", text = "one more" })]);
        var rerun = await Finished(jobs, (await Submit(jobs)).Id);
        Assert.Multiple(() =>
        {
            Assert.That((rerun.Total, rerun.Skipped, rerun.Done, rerun.Spent), Is.EqualTo((11, 10, 1, 3UL)));
            Assert.That(Results().Select(l => l.GetProperty("id").GetString()).Distinct().Count(), Is.EqualTo(11));
            Assert.That(executor.Attempts, Has.Count.EqualTo(11));
        });
    }

    [Test]
    public async Task Submitting_for_a_results_file_a_running_job_writes_attaches_to_it_and_cancel_stops_it()
    {
        WriteInputs(30);
        var executor = new ScriptedJobExecutor(new JobNode("a", 2, 1)) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var jobs = Open(executor);
        var first = await Submit(jobs);
        Assert.That((await Submit(jobs)).Id, Is.EqualTo(first.Id));
        Assert.ThrowsAsync<JobException>(() => jobs.SubmitAsync(new JobSubmission("other-model", Input, Output, null, null)));
        jobs.Cancel(first.Id);
        var cancelled = await Finished(jobs, first.Id);
        Assert.That(cancelled.State, Is.EqualTo(JobState.Cancelled));
        Assert.That(jobs.List().Single().Id, Is.EqualTo(first.Id));
        Assert.That(jobs.Cancel("nope"), Is.Null);
    }

    [Test]
    public async Task Cancelling_a_job_that_waits_for_a_node_cancels_it()
    {
        WriteInputs(3);
        var executor = new ScriptedJobExecutor();
        // No node, and a no-node timeout far beyond the test: the job sits in its poll for a node when it is cancelled.
        _jobs = new BatchJobs(_store, executor, Limits with { NoNodeTimeout = TimeSpan.FromMinutes(10) }, TimeProvider.System, NullLogger.Instance);
        _jobs.Start();
        var job = await Submit(_jobs);
        await Poll.UntilAsync(() => !executor.Solicited.IsEmpty, Wait);
        _jobs.Cancel(job.Id);
        var cancelled = await Finished(_jobs, job.Id);
        Assert.Multiple(() =>
        {
            Assert.That(cancelled.State, Is.EqualTo(JobState.Cancelled));
            Assert.That(executor.Ended, Does.Contain(job.Id));
        });
    }

    [Test]
    public async Task Without_any_node_the_inputs_fail_with_a_clear_error()
    {
        WriteInputs(3);
        var jobs = Open(new ScriptedJobExecutor());
        var status = await Finished(jobs, (await Submit(jobs)).Id);
        Assert.That((status.State, status.Failed), Is.EqualTo((JobState.Done, 3)));
        Assert.That(Results()[0].GetProperty("error").GetString(), Does.Contain("no node serves minilm"));
    }

    [TestCase("{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"a\",\"text\":\"y\"}", "appears twice")]
    [TestCase("{\"id\":\"a\"}", "either")]
    [TestCase("{\"id\":\"a\",\"text\":\"x\",\"inputs\":[]}", "either")]
    [TestCase("{\"id\":1,\"text\":\"x\"}", "\"id\"")]
    [TestCase("not json", "line 1")]
    [TestCase("{\"id\":\"a\",\"inputs\":{}}", "array")]
    [TestCase("", "no inputs")]
    public void Invalid_inputs_are_refused_naming_the_line(string content, string expected)
    {
        File.WriteAllText(Input, content);
        var jobs = Open(new ScriptedJobExecutor(new JobNode("a", 1, 1)));
        var error = Assert.ThrowsAsync<JobException>(() => Submit(jobs));
        Assert.That(error!.Message, Does.Contain(expected));
    }

    [Test]
    public void A_results_file_that_is_not_one_and_relative_paths_are_refused()
    {
        WriteInputs(2);
        File.WriteAllText(Output, "hello\n");
        var jobs = Open(new ScriptedJobExecutor(new JobNode("a", 1, 1)));
        Assert.That(Assert.ThrowsAsync<JobException>(() => Submit(jobs))!.Message, Does.Contain("not a results file"));
        Assert.That(Assert.ThrowsAsync<JobException>(() => jobs.SubmitAsync(new JobSubmission("m", "in.jsonl", Output, null, null)))!.Message, Does.Contain("absolute"));
    }
}
