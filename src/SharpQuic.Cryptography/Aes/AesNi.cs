using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace SharpQuic.Cryptography.Aes;

/// <summary>One AES block with AES-NI (FIPS 197 §5.1): the caller checks <see cref="X86Aes.IsSupported"/>.</summary>
internal static class AesNi
{
    /// <summary>Encrypts one block with expanded round keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> EncryptBlock(ref AesRoundKeys keys, Vector128<byte> block)
    {
        ref Vector128<byte> k = ref keys.First;
        int rounds = keys.Rounds;
        Vector128<byte> state = block ^ k;
        for (int round = 1; round < rounds; round++)
        {
            state = X86Aes.Encrypt(state, Unsafe.Add(ref k, round));
        }

        return X86Aes.EncryptLast(state, Unsafe.Add(ref k, rounds));
    }
}
