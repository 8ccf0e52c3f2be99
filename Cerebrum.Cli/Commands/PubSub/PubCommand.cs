using System.CommandLine;
using System.Text;

namespace Cerebrum.Cli.Commands.PubSub;

/// <summary><c>cerebrum pubsub pub</c>: publishes one message once there is a peer to send it to.</summary>
public static class PubCommand
{
    public static Command Create()
    {
        var peerOption = PubSubCommand.Peer();
        var topicArgument = PubSubCommand.Topic();
        var dataArgument = new Argument<string>("DATA") { Description = "The message, sent as UTF-8." };
        var timeoutOption = CommonOptions.Timeout("Give up when connecting takes longer than this many seconds, or when the topic still has no peer to publish to this many seconds later.");
        var command = new Command("pub", "Join through a peer with a throwaway identity, wait until the topic has a peer to publish to (with flood publishing, any peer subscribed to it), publish DATA, and exit 0 once it is sent. Prints 'published <message-id> to <n> peer(s)'.")
        {
            peerOption,
            topicArgument,
            dataArgument,
            timeoutOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var topic = parseResult.GetValue(topicArgument)!;
            var data = Encoding.UTF8.GetBytes(parseResult.GetValue(dataArgument) ?? "");
            var timeout = CommonOptions.ToTimeSpan(parseResult.GetValue(timeoutOption));
            await using var peer = await PubSubPeer.JoinAsync(parseResult.GetValue(peerOption)!, topic, timeout, cancellationToken);
            var router = peer.Router;

            var targets = await peer.WaitForPublishTargetsAsync(topic, timeout, cancellationToken);

            Core.PubSub.MessageId id;
            try
            {
                id = await router.PublishAsync(topic, data, cancellationToken);
            }
            catch (ArgumentException e)
            {
                throw new CommandFailedException($"cannot publish: {e.Message}");
            }
            using var flush = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            flush.CancelAfter(timeout);
            try
            {
                await router.FlushAsync(flush.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CommandFailedException($"timeout: the message was not sent within {timeout.TotalSeconds:0.#} s");
            }
            await stdout.WriteLineAsync($"published {id} to {targets.Count} peer(s)");
            return 0;
        });
        return command;
    }
}
