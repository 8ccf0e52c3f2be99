using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Tests.Network.Yamux;

public class YamuxStreamStateMachineTests
{
    [Test]
    public void Outbound_GoesThroughSynAckAndBothFinsToClosed()
    {
        var machine = new YamuxStreamStateMachine(YamuxStreamState.Init);
        Assert.That(machine.CanReceive, Is.False, "nothing can arrive before our SYN went out");

        Assert.That(machine.OnSynSent(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.SynSent));
        Assert.That(machine.CanSend && machine.CanReceive, Is.True, "data may flow before the ACK");

        Assert.That(machine.OnAckReceived(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.Established));
        Assert.That(machine.IsAcknowledged, Is.True);

        Assert.That(machine.OnFinSent(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.LocalClose));
        Assert.That(machine.CanSend, Is.False);
        Assert.That(machine.CanReceive, Is.True);

        Assert.That(machine.OnFinReceived(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.Closed));
        Assert.That(machine.IsTerminal, Is.True);
    }

    [Test]
    public void Inbound_AckSentEstablishesAndRemoteFinLeavesSendingOpen()
    {
        var machine = new YamuxStreamStateMachine(YamuxStreamState.SynReceived);

        Assert.That(machine.OnAckReceived(), Is.False, "the peer cannot ACK its own SYN");
        Assert.That(machine.OnAckSent(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.Established));
        Assert.That(machine.OnAckSent(), Is.False, "only one ACK");

        Assert.That(machine.OnFinReceived(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.RemoteClose));
        Assert.That(machine.IsRemoteFinished, Is.True);
        Assert.That(machine.CanSend, Is.True);
        Assert.That(machine.CanReceive, Is.False);
        Assert.That(machine.OnFinReceived(), Is.False, "duplicate FIN");

        Assert.That(machine.OnFinSent(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.Closed));
    }

    [Test]
    public void FinBeforeAck_StillAcceptsTheLateAck()
    {
        var machine = new YamuxStreamStateMachine(YamuxStreamState.Init);
        machine.OnSynSent();
        machine.OnFinSent();

        Assert.That(machine.OnAckReceived(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.LocalClose));
    }

    [Test]
    public void Reset_IsTerminalAndIgnoresLaterEvents()
    {
        var machine = new YamuxStreamStateMachine(YamuxStreamState.SynReceived);

        Assert.That(machine.OnReset(), Is.True);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.Reset));
        Assert.That(machine.IsTerminal, Is.True);
        Assert.That(machine.CanSend || machine.CanReceive, Is.False);
        Assert.That(machine.OnFinReceived(), Is.False);
        Assert.That(machine.OnFinSent(), Is.False);
        Assert.That(machine.OnReset(), Is.False);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.Reset));
    }

    [Test]
    public void Closed_CannotBeReset()
    {
        var machine = new YamuxStreamStateMachine(YamuxStreamState.SynReceived);
        machine.OnFinSent();
        machine.OnFinReceived();

        Assert.That(machine.OnReset(), Is.False);
        Assert.That(machine.State, Is.EqualTo(YamuxStreamState.Closed));
    }

    [Test]
    public void Constructor_RejectsStatesStreamsCannotStartIn()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new YamuxStreamStateMachine(YamuxStreamState.Established));
    }
}
