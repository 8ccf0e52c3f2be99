using System.Runtime.InteropServices;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>The few libc calls the namespace harness needs: entering a network namespace and driving TUN devices.</summary>
internal static unsafe partial class LinuxNative
{
    public const int CloneNewNet = 0x40000000;
    public const int ReadOnly = 0x0;
    public const int ReadWrite = 0x2;
    public const int CloseOnExec = 0x80000;
    public const int EventCloseOnExec = 0x80000;
    public const short PollIn = 0x1;
    public const int Interrupted = 4; // EINTR
    public const int TryAgain = 11; // EAGAIN

    // _IOW('T', 202, int): attach this file to a new TUN/TAP device.
    public const ulong TunSetInterface = 0x400454ca;
    public const short TunDevice = 0x0001;
    public const short NoPacketInformation = 0x1000;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollDescriptor
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>struct ifreq as TUNSETIFF reads it: the name, then the flags, padded to the union's 24 bytes.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InterfaceRequest
    {
        public fixed byte Name[16];
        public short Flags;
        public fixed byte Padding[22];
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNamespace(int fd, int type);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoControl(int fd, ulong request, void* argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollDescriptor* descriptors, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedulingParameters
    {
        public int Priority;
    }

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, SchedulingParameters* parameters);

    /// <summary>
    /// Puts the calling thread under SCHED_FIFO at a low real-time priority, so that on a loaded machine it runs as soon
    /// as its wait ends instead of queueing behind compilers. For threads that mostly sleep (the link's forwarder).
    /// Returns false where that is not allowed; the thread then keeps the normal policy.
    /// </summary>
    public static bool TryRunAsRealTime()
    {
        const int fifo = 1;
        var parameters = new SchedulingParameters { Priority = 10 };
        return SetScheduler(0, fifo, &parameters) == 0;
    }

    /// <summary>The last call's errno as an exception naming <paramref name="what"/>.</summary>
    public static IOException Failure(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
