using System.Runtime.InteropServices;

namespace SharpQuic.Udp.Linux;

/// <summary>
/// The socket's native memory (message headers, iovecs, address and control buffers) and its
/// wake-up eventfd, freed when the last user lets go: the worker takes a reference around every
/// system call (<see cref="SafeHandle.DangerousAddRef"/>), so disposing from another thread never
/// frees memory or closes a descriptor the kernel is still using.
/// </summary>
internal sealed unsafe class NativeResources : SafeHandle
{
    private readonly nuint _size;

    public NativeResources(nuint size, int eventFd) : base(IntPtr.Zero, ownsHandle: true)
    {
        _size = size;
        handle = (nint)NativeMemory.AlignedAlloc(size, 64);
        NativeMemory.Clear((void*)handle, size);
        EventFd = eventFd;
    }

    /// <summary>The eventfd that <see cref="IUdpSocket.Wake"/> writes to.</summary>
    public int EventFd { get; }

    /// <summary>The start of the block.</summary>
    public byte* Memory => (byte*)handle;

    /// <summary>Its size in bytes.</summary>
    public nuint Size => _size;

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        if (EventFd >= 0)
        {
            _ = LibC.Close(EventFd);
        }

        return true;
    }
}
