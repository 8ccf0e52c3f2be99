using System.Collections.Frozen;
using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>The table of transaction types: adding a type is a oneof case in chain.proto, a handler, and one line here.</summary>
public static class TransactionHandlers
{
    private static readonly FrozenDictionary<Transaction.BodyOneofCase, ITransactionHandler> Table = new ITransactionHandler[]
    {
        new TransferHandler(),
        new StakeHandler(),
        new UnstakeHandler(),
        new RegisterNodeHandler(),
        new RegisterModelHandler(),
        new DepositHandler(),
        new AttestHandler(),
        new ReportWrongReceiptHandler(),
        new ReportLeaseBreachHandler(),
        new OpenChannelHandler(),
        new TopUpChannelHandler(),
        new ClaimChannelHandler(),
        new CloseChannelHandler(),
        new SettleChannelHandler(),
        new CreateLeaseHandler(),
        new CloseLeaseHandler(),
        new UnjailHandler(),
    }.ToFrozenDictionary(h => h.Type);

    public static ITransactionHandler? For(Transaction.BodyOneofCase type) => Table.GetValueOrDefault(type);
}
