using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Market;

/// <summary>
/// <c>cerebrum job submit|list|status|cancel</c>: batch jobs the local daemon runs (it records them, spreads the inputs
/// over the nodes serving the model, retries failures elsewhere, pays through its channels and resumes after a restart).
/// <c>submit</c> follows its job to the end: a progress bar on stderr when stderr is a terminal, then one stdout line
/// <c>done N, failed N, spent N micro-CER</c>.
/// </summary>
public static class JobCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static Command Create() => new("job", "Batch jobs the local daemon runs: submit a JSON Lines file of inputs, list, follow one, cancel.")
    {
        Submit(),
        AdminListCommand.Create<BatchJobResponse>("list", "List this daemon's batch jobs, newest first: id, model, state, inputs done/failed/total and micro-CER spent.",
            "the jobs", AdminRoutes.MarketJobs, AdminJsonContext.Default.ListBatchJobResponse, "no jobs",
            ["ID", "MODEL", "STATE", "DONE", "FAILED", "TOTAL", "SPENT", "OUTPUT"],
            j => [j.Id, j.Model, j.State, Number(j.Done), Number(j.Failed), Number(j.Total), ChannelCommand.Number(j.Spent), j.Output]),
        Status(),
        Cancel(),
    };

    private static Command Submit()
    {
        var input = new Argument<string>("FILE.jsonl")
        {
            Description = "The inputs, one JSON object a line: {\"id\": \"...\", \"text\": \"...\"} for a text-embedding model, or {\"id\": \"...\", \"inputs\": [KServe v2 tensors]} for any model. Ids are unique.",
        };
        var model = new Option<string>("--model") { Description = "The model: its name (e.g. all-minilm-l6-v2) or sha256:<hex>.", HelpName = "NAME|HASH", Required = true };
        var output = new Option<string>("--out")
        {
            Description = "The results file (JSON Lines, in input order): {\"id\", \"embedding\"} or {\"id\", \"outputs\"} with \"node\" and \"receipt\" (the verified receipt's hash), or {\"id\", \"error\"}. Appended to: ids already in it are skipped.",
            HelpName = "RESULTS.jsonl",
            Required = true,
        };
        var maxPrice = new Option<ulong?>("--max-price") { Description = "The most to pay per input, in micro-CER: dearer nodes are not used.", HelpName = "N" };
        var lease = new Option<string?>("--lease") { Description = "Run only on the node of this lease of ours (64 hex digits, as 'cerebrum lease list' shows it); it serves its tenant free.", HelpName = "ID" };
        var dataDirectory = CommonOptions.DataDirectory();
        var command = new Command("submit", "Have the local daemon run every line of FILE.jsonl on a model, spread over the nodes serving it and paid through channels; follows the job and prints 'done N, failed N, spent N micro-CER'. Running the same command again (also after a daemon restart) resumes it.")
        {
            input, model, output, maxPrice, lease, dataDirectory,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var stderr = parseResult.InvocationConfiguration.Error;
            // The daemon reads and writes the files itself: it needs full paths.
            var request = new BatchJobRequest(parseResult.GetValue(model)!, Path.GetFullPath(parseResult.GetValue(input)!), Path.GetFullPath(parseResult.GetValue(output)!),
                parseResult.GetValue(maxPrice), parseResult.GetValue(lease));
            if (!File.Exists(request.Input)) throw new CommandFailedException($"{request.Input} does not exist");
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var job = await admin.PostAsync(AdminRoutes.MarketJobs, request, AdminJsonContext.Default.BatchJobRequest, AdminJsonContext.Default.BatchJobResponse, cancellationToken);
            var progress = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected ? new ProgressBar(stderr) : null;
            while (job.State == BatchJobResponse.Running)
            {
                progress?.Show(job);
                await Task.Delay(PollInterval, cancellationToken);
                job = await admin.GetAsync(AdminRoutes.MarketJobOf(job.Id), AdminJsonContext.Default.BatchJobResponse, cancellationToken);
            }
            progress?.Clear();
            await stdout.WriteLineAsync($"done {Number(job.Done)}, failed {Number(job.Failed)}, spent {ChannelCommand.Number(job.Spent)} micro-CER");
            if (job.Error is { } error) await stderr.WriteLineAsync($"error: job {job.Id} {job.State}: {error}");
            else if (job.State != "done") await stderr.WriteLineAsync($"error: job {job.Id} {job.State}");
            return job.State == "done" && job.Failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string>("ID") { Description = "The job's id, as 'cerebrum job submit' and 'cerebrum job list' show it." };
        var json = CommonOptions.Json("the job");
        var dataDirectory = CommonOptions.DataDirectory();
        var command = new Command("status", "Show one batch job: state, inputs done, failed, in flight and remaining, micro-CER spent, rate, where its nodes came from (quotes, offers), files.") { id, json, dataDirectory };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var job = await admin.GetAsync(AdminRoutes.MarketJobOf(parseResult.GetValue(id)!), AdminJsonContext.Default.BatchJobResponse, cancellationToken);
            if (parseResult.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(job, CliJson.Options));
                return 0;
            }
            TextFormat.Table(stdout,
            [
                ["id", job.Id],
                ["model", job.Model],
                ["state", job.Error is null ? job.State : $"{job.State}: {job.Error}"],
                ["inputs", $"{Number(job.Total)} ({Number(job.Skipped)} already in the results file)"],
                ["done", Number(job.Done)],
                ["failed", Number(job.Failed)],
                ["in flight", Number(job.InFlight)],
                ["remaining", Number(job.Remaining)],
                ["spent", $"{ChannelCommand.Number(job.Spent)} micro-CER"],
                ["rate", $"{job.Rate.ToString("0.0", CultureInfo.InvariantCulture)}/s"],
                ["nodes", $"quotes {Number(job.QuotedNodes)}, offers {Number(job.OfferedNodes)}"],
                ["input", job.Input],
                ["output", job.Output],
                ["created", job.Created.ToString("u", CultureInfo.InvariantCulture)],
                ["finished", job.Finished?.ToString("u", CultureInfo.InvariantCulture) ?? "-"],
            ]);
            return 0;
        });
        return command;
    }

    private static Command Cancel()
    {
        var id = new Argument<string>("ID") { Description = "The job's id." };
        var dataDirectory = CommonOptions.DataDirectory();
        var command = new Command("cancel", "Stop a running batch job: the results so far stay in its results file, and the same 'job submit' resumes it later.") { id, dataDirectory };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var job = await admin.PostAsync(AdminRoutes.MarketJobCancelOf(parseResult.GetValue(id)!), AdminJsonContext.Default.BatchJobResponse, cancellationToken);
            await stdout.WriteLineAsync(job.State == BatchJobResponse.Running ? $"job {job.Id} cancelling" : $"job {job.Id} {job.State}");
            return 0;
        });
        return command;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One line on a terminal, redrawn: done/total, rate, ETA, spent.</summary>
    private sealed class ProgressBar(TextWriter stderr)
    {
        private const int Width = 30;

        public void Show(BatchJobResponse job)
        {
            var total = Math.Max(1, job.Total - job.Skipped);
            var finished = job.Done + job.Failed;
            var filled = (int)((long)Width * Math.Min(finished, total) / total);
            var eta = job.Rate > 0 ? TimeSpan.FromSeconds(job.Remaining / job.Rate) : (TimeSpan?)null;
            stderr.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {finished}/{total} {job.Rate:0.0}/s ETA {(eta is { } e ? e.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "--:--:--")} spent {job.Spent} micro-CER "));
            stderr.Flush();
        }

        public void Clear()
        {
            stderr.Write("\r" + new string(' ', Width + 80) + "\r");
            stderr.Flush();
        }
    }
}
