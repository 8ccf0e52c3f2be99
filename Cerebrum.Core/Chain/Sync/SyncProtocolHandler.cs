using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Network;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Sync;

/// <summary>
/// The serving side of <c>/cerebrum/sync/1.0.0</c>: reads uvarint-length-prefixed <see cref="SyncRequest"/>s until the
/// peer closes and answers each with one <see cref="SyncResponse"/>: the tip (status), or committed blocks with their
/// commits from a height, bounded in count and bytes. A bad request gets a <see cref="SyncError"/>; the stream goes on.
/// </summary>
public sealed class SyncProtocolHandler
{
    public const string ProtocolId = "/cerebrum/sync/1.0.0";
    public const int MaxRequestBytes = 1024;

    private readonly ChainNode _chain;
    private readonly SyncOptions _options;

    public SyncProtocolHandler(ChainNode chain, SyncOptions? options = null)
    {
        _chain = chain;
        _options = options ?? new SyncOptions();
        _options.Validate();
    }

    /// <summary>Registers this handler on <paramref name="host"/>.</summary>
    public void Register(PeerHost host) => host.SetHandler(ProtocolId, (stream, ct) => HandleAsync(stream.Stream, ct));

    /// <exception cref="InvalidDataException">Broken framing; the stream cannot be resynchronized.</exception>
    public async Task HandleAsync(Stream stream, CancellationToken ct)
    {
        while (await LengthPrefixedMessage.ReadAsync(stream, MaxRequestBytes, ct).ConfigureAwait(false) is { } message)
            await LengthPrefixedMessage.WriteAsync(stream, Answer(message).ToByteArray(), ct).ConfigureAwait(false);
    }

    internal SyncResponse Answer(byte[] message)
    {
        SyncRequest request;
        try
        {
            request = SyncRequest.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Error($"not a valid SyncRequest: {e.Message}");
        }
        switch (request.KindCase)
        {
            case SyncRequest.KindOneofCase.Status:
                var status = _chain.Status;
                return new SyncResponse { Status = new SyncStatusResponse { ChainId = status.ChainId, Height = status.Height, LastHash = ByteString.CopyFrom(status.LastHash) } };
            case SyncRequest.KindOneofCase.Blocks:
                return Blocks(request.Blocks);
            default:
                return Error("request names no known kind (status or blocks)");
        }
    }

    private SyncResponse Blocks(SyncBlocksRequest request)
    {
        if (request.FromHeight == 0) return Error("from_height must be at least 1");
        var count = Math.Min(request.MaxCount == 0 ? _options.MaxBlocksPerResponse : (int)Math.Min(request.MaxCount, int.MaxValue), _options.MaxBlocksPerResponse);
        var response = new SyncBlocksResponse();
        var bytes = 0L;
        for (var height = request.FromHeight; response.Blocks.Count < count; height++)
        {
            if (_chain.GetBlock(height) is not { } block) break;
            var size = block.BlockBytes.Length + block.Commit.Length + 16;
            if (response.Blocks.Count > 0 && bytes + size > _options.MaxResponseBytes) break;
            response.Blocks.Add(new CommittedBlock { Block = ByteString.CopyFrom(block.BlockBytes), Commit = ByteString.CopyFrom(block.Commit) });
            bytes += size;
        }
        return new SyncResponse { Blocks = response };
    }

    private static SyncResponse Error(string message) => new() { Error = new SyncError { Message = message } };
}
