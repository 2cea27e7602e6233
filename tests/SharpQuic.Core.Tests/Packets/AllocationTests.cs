using SharpQuic.Core.Packets;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Tests.Packets;

public sealed class AllocationTests
{
    [Fact]
    public void ProtectAndUnprotectOfOneRttPacketsAllocateNothing()
    {
        using var kit = new PacketTestKit(QuicVersion.V1, 20);
        byte[] packet = new byte[1200];
        byte[] dcid = [1, 2, 3, 4, 5, 6, 7, 8];
        const int PnLength = 2;
        int headerLength = 1 + dcid.Length + PnLength;

        // Warm up (JIT tiers, lazily created crypto state), then measure; the smallest of three
        // runs filters out one-off allocations of the runtime (tiering, statics).
        long allocated = long.MaxValue;
        long primitives = long.MaxValue;
        Run(kit, packet, dcid, headerLength, 0, 2_000);
        RunPrimitives(kit, packet, 2_000);
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(kit, packet, dcid, headerLength, 2_000, 10_000);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);

            // The same crypto primitive calls made directly: two header protection masks, one
            // seal, one open per packet. With the BCL fallbacks Aes.EncryptEcb allocates (64 bytes
            // a block); the AES-NI header protection allocates nothing, and then both are 0.
            before = GC.GetAllocatedBytesForCurrentThread();
            RunPrimitives(kit, packet, 10_000);
            primitives = Math.Min(primitives, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // What the packet layer adds on top of the primitives must be nothing.
        Assert.True(allocated <= primitives, $"packet layer allocated {allocated} bytes, the primitives alone {primitives}");

        // With AES-NI and PCLMULQDQ (every x64 server of the last decade) the primitives are our
        // own and allocate nothing either: the whole path is allocation-free.
        if (System.Runtime.Intrinsics.X86.Aes.IsSupported && System.Runtime.Intrinsics.X86.Pclmulqdq.IsSupported)
        {
            Assert.Equal(0, allocated);
        }
    }

    private static void RunPrimitives(PacketTestKit kit, byte[] packet, int count)
    {
        Span<byte> nonce = stackalloc byte[PacketAead.NonceSize];
        Span<byte> mask = stackalloc byte[5];
        for (int i = 0; i < count; i++)
        {
            kit.OneRtt.ComputeNonce((ulong)i, nonce);
            kit.OneRtt.Aead.Seal(nonce, packet.AsSpan(0, 11), packet.AsSpan(11, packet.Length - 27), packet.AsSpan(packet.Length - 16));
            kit.OneRtt.HeaderProtection.ComputeMask(packet.AsSpan(13, 16), mask);
            kit.OneRtt.HeaderProtection.ComputeMask(packet.AsSpan(13, 16), mask);
            if (!kit.OneRtt.Aead.Open(nonce, packet.AsSpan(0, 11), packet.AsSpan(11, packet.Length - 27), packet.AsSpan(packet.Length - 16)))
            {
                Assert.Fail("open failed");
            }
        }
    }

    private static void Run(PacketTestKit kit, byte[] packet, byte[] dcid, int headerLength, ulong firstPn, int count)
    {
        for (ulong pn = firstPn; pn < firstPn + (ulong)count; pn++)
        {
            Assert.True(PacketHeaderWriter.TryWriteShortHeader(packet, dcid, false, false, pn, 2, out _));
            packet.AsSpan(headerLength, packet.Length - headerLength - PacketAead.TagSize).Fill((byte)pn);
            PacketProtection.Protect(packet, 1 + dcid.Length, 2, pn, kit.OneRtt);
            PacketProtectionResult result = PacketProtection.Unprotect(packet, 1 + dcid.Length, pn, kit.OneRtt, out ulong decoded, out _, out int payloadLength);
            if (result != PacketProtectionResult.Success || decoded != pn || payloadLength != packet.Length - headerLength - PacketAead.TagSize)
            {
                Assert.Fail($"packet {pn}: {result}");
            }
        }
    }
}
