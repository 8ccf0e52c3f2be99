using System.CommandLine;

namespace Cerebrum.Cli.Commands.PubSub;

/// <summary><c>cerebrum pubsub sub</c>: prints a topic's messages, one line each.</summary>
public static class SubCommand
{
    public static Command Create()
    {
        var peerOption = PubSubCommand.Peer();
        var topicArgument = PubSubCommand.Topic();
        var countOption = new Option<int?>("--count", "-n")
        {
            Description = "Exit 0 after this many messages (default: run until Ctrl-C).",
            HelpName = "N",
        };
        countOption.Check(value => value is < 1 ? "--count must be at least 1" : null);
        var timeoutOption = CommonOptions.Timeout("Give up when connecting to the peer (TCP, Noise and Yamux handshakes) takes longer than this many seconds.");
        var command = new Command("sub", "Join TOPIC through a peer with a throwaway identity and print each message as '<from> <seqno> <size> <data>': from and seqno are '-' under StrictNoSign, seqno is decimal, data is printed as UTF-8 when it is printable UTF-8 and as hex otherwise.")
        {
            peerOption,
            topicArgument,
            countOption,
            timeoutOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var topic = parseResult.GetValue(topicArgument)!;
            var count = parseResult.GetValue(countOption);
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            await using var peer = await PubSubPeer.JoinAsync(parseResult.GetValue(peerOption)!, topic, timeout, cancellationToken);
            using var subscription = await peer.Router.SubscribeAsync(topic);
            using var connected = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, peer.Disconnected);
            var printed = 0;
            try
            {
                await foreach (var message in subscription.Messages(connected.Token))
                {
                    await stdout.WriteLineAsync(MessageLine.Format(message));
                    await stdout.FlushAsync(cancellationToken);
                    if (++printed == count) return 0;
                }
            }
            catch (OperationCanceledException) when (peer.Disconnected.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // handled below
            }
            if (peer.Disconnected.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                throw new CommandFailedException($"disconnected: {peer.Remote} closed the connection after {printed} message(s)");
            return 0;
        });
        return command;
    }
}
