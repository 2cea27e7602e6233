namespace SharpQuic.Tests.Runtime;

/// <summary>
/// Tests that measure process-wide allocation (GC.GetTotalAllocatedBytes) run alone, so other test
/// classes allocating in parallel cannot blur the measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Process-wide allocation measurements";
}
