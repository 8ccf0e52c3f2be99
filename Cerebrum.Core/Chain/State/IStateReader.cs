using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>Read access to ledger state. Returned messages are shared: callers clone before changing them.</summary>
public interface IStateReader
{
    IMessage? Get(string key);

    /// <summary>Every entry whose key starts with <paramref name="prefix"/> (one of <see cref="StateKeys.Prefixes"/>), in no particular order.</summary>
    IEnumerable<KeyValuePair<string, IMessage>> Enumerate(string prefix);
}
