using Cerebrum.Tests.TestSupport;

// No namespace: NUnit runs a SetUpFixture outside every namespace once for the whole assembly.
#pragma warning disable CA1050 // Declare types in namespaces

/// <summary>
/// Prints the run's rotating fuzz seed once at the start of the test log, so any failure can be replayed. (Its name must
/// not contain "Fuzz": scripts/fuzz filters on that, and a filter matching this fixture would select every test.)
/// </summary>
[SetUpFixture]
public sealed class RotatingSeedReport
{
    [OneTimeSetUp]
    public void Print() =>
        TestContext.Progress.WriteLine($"fuzz seed: {Fuzz.SeedVariable}={Fuzz.RotatingSeed} (the fixed seeds 1, 2, 3 run as well; set it to replay this run's inputs)");
}
