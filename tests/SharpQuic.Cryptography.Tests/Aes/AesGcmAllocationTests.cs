using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.Aes;
using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.Tests.Aes;

public sealed class AesGcmAllocationTests
{
    // The per-packet path allocates nothing: 10,000 Seal + Open of 1,200-byte packets, plus the
    // header protection mask, after a warm-up that lets the JIT tier up.
    [Fact]
    public void Seal_open_and_mask_allocate_nothing()
    {
        Assert.True(AesIntrinsics.GcmSupported || !AesIntrinsics.BlockSupported, "AES-NI without PCLMULQDQ is not expected here");
        byte[] key = new byte[16];
        new Random(1).NextBytes(key);
        using PacketAead aead = AesGcmFactory.Create(key, allowIntrinsics: true);
        using HeaderProtectionKey hp = AesHeaderProtectionFactory.Create(key, allowIntrinsics: true);
        byte[] nonce = new byte[12];
        byte[] header = new byte[24];
        byte[] packet = new byte[1200];
        byte[] tag = new byte[16];
        byte[] mask = new byte[5];

        RunPackets(aead, hp, nonce, header, packet, tag, mask, 2_000);

        // The smallest of three runs: the runtime itself may allocate once on this thread while
        // the loop runs (tiered compilation, on slow fallback paths especially); the packet path
        // must not allocate at all, which shows as a run with zero.
        long allocated = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int opened = RunPackets(aead, hp, nonce, header, packet, tag, mask, 10_000);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(10_000, opened);
        }

        Assert.Equal(0, allocated);
    }

    private static int RunPackets(PacketAead aead, HeaderProtectionKey hp, byte[] nonce, byte[] header, byte[] packet, byte[] tag, byte[] mask, int count)
    {
        int opened = 0;
        for (int i = 0; i < count; i++)
        {
            nonce[11] = (byte)i;
            aead.Seal(nonce, header, packet, tag);
            hp.ComputeMask(packet.AsSpan(4, 16), mask);
            if (aead.Open(nonce, header, packet, tag))
            {
                opened++;
            }
        }

        return opened;
    }
}
