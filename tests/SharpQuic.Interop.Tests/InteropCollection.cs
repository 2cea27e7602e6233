namespace SharpQuic.Interop.Tests;

/// <summary>
/// Interop tests run one at a time and apart from other collections: each starts real peer
/// processes, and on a 2-core machine parallel handshakes would only turn into timeouts.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class InteropCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Interop";
}
