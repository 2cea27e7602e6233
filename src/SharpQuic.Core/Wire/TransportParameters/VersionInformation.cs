namespace SharpQuic.Core.Wire;

/// <summary>
/// The version_information transport parameter (RFC 9368 §3): the version the connection uses
/// and the versions the sender supports, in preference order.
/// </summary>
public sealed class VersionInformation
{
    /// <summary>Builds the parameter; no version may be 0 (RFC 9368 §4).</summary>
    public VersionInformation(uint chosenVersion, uint[] availableVersions)
    {
        ArgumentNullException.ThrowIfNull(availableVersions);
        ArgumentOutOfRangeException.ThrowIfZero(chosenVersion);
        foreach (uint v in availableVersions)
        {
            ArgumentOutOfRangeException.ThrowIfZero(v, nameof(availableVersions));
        }

        ChosenVersion = chosenVersion;
        AvailableVersions = availableVersions;
    }

    /// <summary>The version in use for this connection.</summary>
    public uint ChosenVersion { get; }

    /// <summary>The versions the sender supports (may be empty).</summary>
    public uint[] AvailableVersions { get; }

    internal int EncodedLength => 4 * (1 + AvailableVersions.Length);
}
