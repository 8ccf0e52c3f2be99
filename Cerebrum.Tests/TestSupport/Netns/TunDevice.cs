using System.Text;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// A TUN device (layer 3, no packet-information header) created inside a namespace; the test process holds its file
/// descriptor, reads the IP packets the namespace sends out of it and writes packets the namespace then receives on
/// it. The device disappears when the descriptor is closed.
/// </summary>
internal sealed unsafe class TunDevice : IDisposable
{
    private int _fd;

    private TunDevice(string name, int fd)
    {
        Name = name;
        _fd = fd;
    }

    public string Name { get; }

    public int Descriptor => _fd;

    public static TunDevice Create(NetworkNamespace space, string name)
    {
        if (Encoding.ASCII.GetByteCount(name) > 15) throw new ArgumentException($"interface name {name} is longer than 15 bytes", nameof(name));
        var fd = space.Enter(() =>
        {
            var opened = LinuxNative.Open("/dev/net/tun", LinuxNative.ReadWrite | LinuxNative.CloseOnExec);
            if (opened < 0) throw LinuxNative.Failure("opening /dev/net/tun");
            var request = default(LinuxNative.InterfaceRequest);
            var nameBytes = Encoding.ASCII.GetBytes(name);
            for (var i = 0; i < nameBytes.Length; i++) request.Name[i] = nameBytes[i];
            request.Flags = LinuxNative.TunDevice | LinuxNative.NoPacketInformation;
            if (LinuxNative.IoControl(opened, LinuxNative.TunSetInterface, &request) != 0)
            {
                var failure = LinuxNative.Failure($"creating TUN device {name}");
                LinuxNative.Close(opened);
                throw failure;
            }
            return opened;
        });
        return new TunDevice(name, fd);
    }

    /// <summary>Reads one packet (blocks until one is there; call after poll says so). Returns its length.</summary>
    public int Read(Span<byte> buffer)
    {
        fixed (byte* pointer = buffer)
        {
            while (true)
            {
                var read = LinuxNative.Read(_fd, pointer, buffer.Length);
                if (read >= 0) return (int)read;
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != LinuxNative.Interrupted)
                    throw LinuxNative.Failure($"reading TUN device {Name}");
            }
        }
    }

    /// <summary>Hands one packet to the namespace as if it had arrived on this device.</summary>
    public void Write(ReadOnlySpan<byte> packet)
    {
        fixed (byte* pointer = packet)
        {
            while (true)
            {
                var written = LinuxNative.Write(_fd, pointer, packet.Length);
                if (written >= 0) return;
                var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != LinuxNative.Interrupted)
                    throw LinuxNative.Failure($"writing TUN device {Name}");
            }
        }
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LinuxNative.Close(fd);
    }
}
