using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Commands.PubSub;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Core.Operator.Configuration;
using Transaction = Cerebrum.Core.Chain.Proto.Transaction;

namespace Cerebrum.Cli.Chain;

/// <summary>
/// Completes a transaction body (chain ID, nonce, fee), signs it with the data directory's identity key (or
/// <c>--key</c>), and submits it: to the local daemon's mempool by default (which checks it and answers with the precise
/// rejection, if any), or by gossip through <c>--peer</c>. Then, with <c>--wait</c>, asks the local daemon until the
/// transaction is included or rejected; without it, says that it is only pending or only published.
/// </summary>
public static class TransactionSender
{
    private static readonly TimeSpan StatusPollInterval = TimeSpan.FromMilliseconds(200);

    public static async Task<int> SendAsync(ParseResult parseResult, TransactionOptions options, Transaction body, TextWriter stdout, CancellationToken cancellationToken)
    {
        // DIR is only required for what is taken from it: with --key, --peer, --chain-id and --nonce it is not read.
        var directory = DataDirectory.Resolve(parseResult.GetValue(options.DataDirectory));
        using var key = LoadKey(parseResult.GetValue(options.Key), parseResult, options);
        body.Fee = parseResult.GetValue(options.Fee);
        var wait = parseResult.GetValue(options.Wait) ? CommonOptions.ToTimeSpan(parseResult.GetValue(options.WaitTimeout)) : (TimeSpan?)null;
        var peer = parseResult.GetValue(options.Peer);
        if (string.IsNullOrWhiteSpace(peer))
            return await SubmitToDaemonAsync(parseResult.ResolveDataDirectory(options.DataDirectory), key, body, parseResult.GetValue(options.Nonce),
                parseResult.GetValue(options.ChainId), wait, stdout, cancellationToken);

        var daemon = directory.Exists && AdminClient.IsAdvertised(directory) ? AdminClient.Open(directory) : null;
        using (daemon)
        {
            if (wait is not null && daemon is null)
                throw new CommandFailedException($"--wait asks the daemon on {directory.Root} for the outcome, and none runs there; start it (it must follow the same chain), or leave out --wait and check later with 'cerebrum tx status HASH'");
            body.ChainId = parseResult.GetValue(options.ChainId) ?? ChainIdFromGenesis(directory)
                ?? throw new CommandFailedException($"with --peer the chain ID comes from --chain-id or the genesis file of {directory.Root} (Chain:Genesis in its config.json, else genesis.json), and there is neither");
            body.Nonce = parseResult.GetValue(options.Nonce)
                ?? (daemon is null ? (ulong?)null : (await daemon.GetAsync(AdminRoutes.ChainAccountOf(key.PeerId.ToString()), AdminJsonContext.Default.ChainAccountResponse, cancellationToken)).NextNonce)
                ?? throw new CommandFailedException($"with --peer and no daemon running in {directory.Root}, give the account's nonce with --nonce");
            var signed = TransactionCodec.Sign(key, body);
            var hash = Convert.ToHexStringLower(TransactionCodec.Hash(signed));
            // A peer drops a transaction its ledger refuses without telling anyone: ask the local ledger first, when there is one.
            if (daemon is not null)
                await daemon.PostBytesAsync(AdminRoutes.ChainTransactionCheck, signed, AdminJsonContext.Default.ChainSubmitResponse, cancellationToken);
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(options.Timeout));
            var via = await GossipAsync(peer, signed, timeout, cancellationToken);
            await stdout.WriteLineAsync($"published {hash} through {via}");
            await stdout.WriteLineAsync($"from {key.PeerId} nonce {body.Nonce} fee {body.Fee}");
            if (wait is { } waitTimeout)
                return await WaitForOutcomeAsync(daemon!, hash, waitTimeout, stdout, cancellationToken);
            await stdout.WriteLineAsync($"only published: a peer whose ledger refuses it drops it without a word; 'cerebrum tx status {hash}' on a daemon that follows the chain tells its fate (or pass --wait)");
            return 0;
        }
    }

    private static async Task<int> SubmitToDaemonAsync(DataDirectory directory, PrivateKey key, Transaction body, ulong? nonce, string? chainId, TimeSpan? wait,
        TextWriter stdout, CancellationToken cancellationToken)
    {
        using var admin = AdminClient.Open(directory);
        var status = await admin.GetAsync(AdminRoutes.ChainStatus, AdminJsonContext.Default.ChainStatusResponse, cancellationToken);
        if (chainId is not null && chainId != status.ChainId)
            throw new CommandFailedException($"--chain-id is '{chainId}' but the daemon in {directory.Root} is on '{status.ChainId}'");
        body.ChainId = status.ChainId;
        body.Nonce = nonce ?? (await admin.GetAsync(AdminRoutes.ChainAccountOf(key.PeerId.ToString()), AdminJsonContext.Default.ChainAccountResponse, cancellationToken)).NextNonce;
        var accepted = await admin.PostBytesAsync(AdminRoutes.ChainTransactions, TransactionCodec.Sign(key, body), AdminJsonContext.Default.ChainSubmitResponse, cancellationToken);
        await stdout.WriteLineAsync($"submitted {accepted.Hash}");
        await stdout.WriteLineAsync($"from {key.PeerId} nonce {body.Nonce} fee {body.Fee}");
        if (wait is { } timeout)
            return await WaitForOutcomeAsync(admin, accepted.Hash, timeout, stdout, cancellationToken);
        await stdout.WriteLineAsync($"pending: not in a block yet; 'cerebrum tx status {accepted.Hash}' tells its fate (or pass --wait)");
        return 0;
    }

    /// <summary>Asks the daemon until the transaction is included (exit 0) or rejected (one error line, exit 1), within <paramref name="timeout"/>.</summary>
    private static async Task<int> WaitForOutcomeAsync(AdminClient admin, string hash, TimeSpan timeout, TextWriter stdout, CancellationToken cancellationToken)
    {
        await stdout.WriteLineAsync(ChainText.TransactionStatus(await WaitForInclusionAsync(admin, hash, timeout, cancellationToken)));
        return 0;
    }

    /// <summary>Asks the daemon until the transaction is included; its status then.</summary>
    /// <exception cref="CommandFailedException">Rejected (the ledger's reason and code), or neither within <paramref name="timeout"/>.</exception>
    public static async Task<ChainTransactionStatusResponse> WaitForInclusionAsync(AdminClient admin, string hash, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var poll = new PeriodicTimer(StatusPollInterval);
        var last = ChainTransactionStatusResponse.Unknown;
        try
        {
            while (true)
            {
                var status = await admin.GetAsync(AdminRoutes.ChainTransactionOf(hash), AdminJsonContext.Default.ChainTransactionStatusResponse, deadline.Token);
                last = status.Status;
                if (status.Status == ChainTransactionStatusResponse.Included)
                    return status;
                if (status.Status == ChainTransactionStatusResponse.Rejected)
                    throw new CommandFailedException(ChainText.TransactionStatus(status));
                await poll.WaitForNextTickAsync(deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"timeout: {hash} was not in a block within {timeout.TotalSeconds:0.#} s (the daemon last saw it {last})");
        }
    }

    private static PrivateKey LoadKey(string? keyFile, ParseResult parseResult, TransactionOptions options)
    {
        string path;
        if (keyFile is not null)
        {
            path = Path.GetFullPath(keyFile);
        }
        else
        {
            var directory = parseResult.ResolveDataDirectory(options.DataDirectory);
            path = directory.KeyPath;
            if (!File.Exists(path))
                throw new CommandFailedException($"no identity key at {path}: transactions are signed with the daemon's key; create one with 'cerebrumd init --data-dir {directory.Root}', or sign with another key file with --key FILE");
        }
        try
        {
            return KeyFile.Load(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CommandFailedException($"no key file at {path}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            throw new CommandFailedException($"cannot use the key {path}: {e.Message}");
        }
    }

    private static string? ChainIdFromGenesis(DataDirectory directory)
    {
        if (!directory.Exists)
            return null;
        string? path;
        try
        {
            // Where the daemon finds it: Chain:Genesis of config.json or CEREBRUM__Chain__Genesis, else DIR/genesis.json.
            path = DataDirectoryConfiguration.BindSection<ChainOptions>(DataDirectoryConfiguration.Build(directory), "Chain").ResolveGenesisPath(directory);
        }
        catch (InvalidConfigurationException e)
        {
            throw new CommandFailedException($"cannot find the genesis file of {directory.Root}: {string.Join("; ", e.Errors)}");
        }
        if (path is null)
            return null;
        try
        {
            return GenesisDocument.Load(path).ChainId;
        }
        catch (ChainException e)
        {
            throw new CommandFailedException($"cannot read the chain ID from {path}: {e.Message}");
        }
    }

    private static async Task<PeerId> GossipAsync(string peerAddress, byte[] signed, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var peer = await PubSubPeer.JoinAsync(peerAddress, ChainTopics.Transactions, timeout, cancellationToken);
        await peer.WaitForPublishTargetsAsync(ChainTopics.Transactions, timeout, cancellationToken);
        using var sent = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        sent.CancelAfter(timeout);
        try
        {
            await peer.Router.PublishAsync(ChainTopics.Transactions, signed, sent.Token);
            await peer.Router.FlushAsync(sent.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"timeout: the transaction was not sent within {timeout.TotalSeconds:0.#} s");
        }
        return peer.Remote;
    }
}
