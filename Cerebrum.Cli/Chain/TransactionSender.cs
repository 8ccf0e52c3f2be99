using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Commands.PubSub;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Transaction = Cerebrum.Core.Chain.Proto.Transaction;

namespace Cerebrum.Cli.Chain;

/// <summary>
/// Completes a transaction body (chain ID, nonce, fee), signs it with the data directory's identity key, and submits it:
/// to the local daemon's mempool by default (which checks it and answers with the precise rejection, if any), or by
/// gossip through <c>--peer</c>.
/// </summary>
public static class TransactionSender
{
    public static async Task<int> SendAsync(ParseResult parseResult, TransactionOptions options, Transaction body, TextWriter stdout, CancellationToken cancellationToken)
    {
        var directory = DaemonDirectory.Resolve(parseResult.GetValue(options.DataDirectory));
        using var key = LoadKey(directory);
        body.Fee = parseResult.GetValue(options.Fee);
        var peer = parseResult.GetValue(options.Peer);
        if (string.IsNullOrWhiteSpace(peer))
            return await SubmitToDaemonAsync(directory, key, body, parseResult.GetValue(options.Nonce), parseResult.GetValue(options.ChainId), stdout, cancellationToken);

        body.ChainId = parseResult.GetValue(options.ChainId) ?? ChainIdFromGenesis(directory)
            ?? throw new CommandFailedException($"with --peer the chain ID comes from --chain-id or the genesis file of {directory.Root} (Chain:Genesis in its config.json, else genesis.json), and there is neither");
        body.Nonce = parseResult.GetValue(options.Nonce) ?? await NonceFromRunningDaemonAsync(directory, key.PeerId, cancellationToken)
            ?? throw new CommandFailedException($"with --peer and no daemon running in {directory.Root}, give the account's nonce with --nonce");
        var signed = TransactionCodec.Sign(key, body);
        var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(options.Timeout));
        var via = await GossipAsync(peer, signed, timeout, cancellationToken);
        await stdout.WriteLineAsync($"published {Convert.ToHexStringLower(TransactionCodec.Hash(signed))} through {via}");
        await stdout.WriteLineAsync($"from {key.PeerId} nonce {body.Nonce} fee {body.Fee}");
        return 0;
    }

    private static async Task<int> SubmitToDaemonAsync(DaemonDirectory directory, PrivateKey key, Transaction body, ulong? nonce, string? chainId, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var admin = AdminClient.Open(directory);
        var status = await admin.GetAsync<ChainStatusResponse>("chain/status", cancellationToken);
        if (chainId is not null && chainId != status.ChainId)
            throw new CommandFailedException($"--chain-id is '{chainId}' but the daemon in {directory.Root} is on '{status.ChainId}'");
        body.ChainId = status.ChainId;
        body.Nonce = nonce ?? (await admin.GetAsync<AccountResponse>($"chain/accounts/{key.PeerId}", cancellationToken)).NextNonce;
        var accepted = await admin.PostBytesAsync<TransactionAcceptedResponse>("chain/txs", TransactionCodec.Sign(key, body), cancellationToken);
        await stdout.WriteLineAsync($"submitted {accepted.Hash}");
        await stdout.WriteLineAsync($"from {key.PeerId} nonce {body.Nonce} fee {body.Fee}");
        return 0;
    }

    private static PrivateKey LoadKey(DaemonDirectory directory)
    {
        try
        {
            return KeyFile.Load(directory.KeyPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CommandFailedException($"no identity key at {directory.KeyPath}: transactions are signed with the daemon's key; create one with 'cerebrumd init --data-dir {directory.Root}'");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            throw new CommandFailedException($"cannot use the identity key {directory.KeyPath}: {e.Message}");
        }
    }

    private static string? ChainIdFromGenesis(DaemonDirectory directory)
    {
        if (directory.FindGenesis() is not { } path)
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

    private static async Task<ulong?> NonceFromRunningDaemonAsync(DaemonDirectory directory, PeerId account, CancellationToken cancellationToken)
    {
        if (!File.Exists(directory.AdminUrlPath))
            return null;
        using var admin = AdminClient.Open(directory);
        return (await admin.GetAsync<AccountResponse>($"chain/accounts/{account}", cancellationToken)).NextNonce;
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
