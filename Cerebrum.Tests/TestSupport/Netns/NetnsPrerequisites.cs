namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// What the namespace harness needs from the machine: Linux, root, iproute2's <c>ip</c> and /dev/net/tun. A test that
/// needs them and cannot have them says why: it fails in CI (the <c>CI</c> environment variable, which .ci/run sets,
/// as CI runs as root with iproute2 installed) and is inconclusive, with the reason, on a developer's machine.
/// </summary>
internal static class NetnsPrerequisites
{
    private static readonly Lazy<string?> Missing = new(FindMissing);

    /// <summary>Null when the harness can run here, else why not.</summary>
    public static string? Problem => Missing.Value;

    /// <summary>Ends the calling test with the reason when the harness cannot run here.</summary>
    public static void Require()
    {
        if (Problem is not { } problem) return;
        var message = "this test runs daemons in Linux network namespaces joined by veth pairs, a bridge and TUN links, " +
                      $"which needs root, iproute2 ('ip') and /dev/net/tun: {problem}. .ci/run installs iproute2 when it runs as root.";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))) Assert.Fail(message);
        Assert.Inconclusive(message);
    }

    private static readonly Lazy<string?> MissingIptables = new(() =>
    {
        try
        {
            var (exit, _, stderr) = IpCommand.TryExec("iptables", ["--version"]);
            return exit == 0 ? null : $"'iptables --version' failed: {stderr.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "iptables is not installed (apt-get install iptables)";
        }
    });

    /// <summary>Ends the calling test with the reason when NAT routers cannot be built here (no iptables), after <see cref="Require"/>'s checks.</summary>
    public static void RequireIptables()
    {
        Require();
        if (MissingIptables.Value is not { } problem) return;
        var message = $"this test puts NAT routers (iptables MASQUERADE) in network namespaces: {problem}. .ci/run installs iptables when it runs as root.";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))) Assert.Fail(message);
        Assert.Inconclusive(message);
    }

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux()) return "this is not Linux";
        if (!Environment.IsPrivilegedProcess) return "the test process is not root";
        try
        {
            IpCommand.Exec("ip", ["-V"]);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "iproute2 is not installed (apt-get install iproute2)";
        }
        if (!File.Exists("/dev/net/tun"))
        {
            // Containers often lack the device node though the kernel has the driver.
            Directory.CreateDirectory("/dev/net");
            var (exit, _, stderr) = IpCommand.TryExec("mknod", ["/dev/net/tun", "c", "10", "200"]);
            if (exit != 0) return $"/dev/net/tun is missing and cannot be made ({stderr.Trim()})";
        }
        return null;
    }
}
