namespace SharpQuic.Simulation;

/// <summary>
/// Thrown when the simulation does more work at one virtual instant than
/// <see cref="SimulatedNetwork.MaxActionsPerInstant"/> allows: a node that transmits or asks for
/// a timeout forever without letting time pass.
/// </summary>
public sealed class SimulationLivelockException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public SimulationLivelockException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SimulationLivelockException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public SimulationLivelockException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
