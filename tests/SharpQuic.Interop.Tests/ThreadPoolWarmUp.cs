using System.Runtime.CompilerServices;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// The interop tests wait on external processes and read our streams through the thread pool at once. On a 2-core
/// machine the pool starts with 2 threads and adds more about twice a second when they are blocked, which showed as
/// a half-second pause in the server's reads (and so its flow-control credit) at the start of a test. The tests are
/// about the protocol, not the pool's ramp-up, so the pool starts wider.
/// </summary>
internal static class ThreadPoolWarmUp
{
    [ModuleInitializer]
    internal static void Widen()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }
}
