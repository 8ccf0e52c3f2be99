namespace Cerebrum.Daemon.Doctor;

/// <summary>One line of <c>cerebrumd doctor</c>: what was checked, whether it passed, and the finding or the fix.</summary>
public sealed record DoctorCheck(string Name, bool Passed, string Message)
{
    public static DoctorCheck Ok(string name, string message) => new(name, true, message);

    public static DoctorCheck Fail(string name, string message) => new(name, false, message);

    public override string ToString() => $"{(Passed ? "ok  " : "FAIL")}  {Name}: {Message}";
}
