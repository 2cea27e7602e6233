using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpQuic.Cryptography.Hashing;

/// <summary>Four Keccak states side by side: lane i of instance p is element p of vector i.</summary>
[InlineArray(25)]
internal struct KeccakLanesX4
{
    private Vector256<ulong> _lane0;
}

/// <summary>
/// Keccak-f[1600] on four independent states at once with 256-bit vectors, the same steps as
/// <see cref="KeccakF1600"/> lane-wise. ML-KEM uses it to expand the matrix Â, whose nine
/// SHAKE128 streams are independent. Branch-free like the scalar version.
/// </summary>
internal static class KeccakF1600X4
{
    /// <summary>True when 256-bit vectors are hardware accelerated, so four-way is worth it.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    /// <summary>Applies the permutation to each of the four states in place.</summary>
    [SkipLocalsInit]
    public static void Permute(ref KeccakLanesX4 s)
    {
        ReadOnlySpan<ulong> rc = KeccakF1600.RoundConstants;
        Vector256<ulong> a00 = s[0];
        Vector256<ulong> a10 = s[1];
        Vector256<ulong> a20 = s[2];
        Vector256<ulong> a30 = s[3];
        Vector256<ulong> a40 = s[4];
        Vector256<ulong> a01 = s[5];
        Vector256<ulong> a11 = s[6];
        Vector256<ulong> a21 = s[7];
        Vector256<ulong> a31 = s[8];
        Vector256<ulong> a41 = s[9];
        Vector256<ulong> a02 = s[10];
        Vector256<ulong> a12 = s[11];
        Vector256<ulong> a22 = s[12];
        Vector256<ulong> a32 = s[13];
        Vector256<ulong> a42 = s[14];
        Vector256<ulong> a03 = s[15];
        Vector256<ulong> a13 = s[16];
        Vector256<ulong> a23 = s[17];
        Vector256<ulong> a33 = s[18];
        Vector256<ulong> a43 = s[19];
        Vector256<ulong> a04 = s[20];
        Vector256<ulong> a14 = s[21];
        Vector256<ulong> a24 = s[22];
        Vector256<ulong> a34 = s[23];
        Vector256<ulong> a44 = s[24];
        for (int round = 0; round < KeccakF1600.Rounds; round++)
        {
            Vector256<ulong> c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
            Vector256<ulong> c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
            Vector256<ulong> c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
            Vector256<ulong> c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
            Vector256<ulong> c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
            Vector256<ulong> d0 = c4 ^ Rotate(c1, 1);
            Vector256<ulong> d1 = c0 ^ Rotate(c2, 1);
            Vector256<ulong> d2 = c1 ^ Rotate(c3, 1);
            Vector256<ulong> d3 = c2 ^ Rotate(c4, 1);
            Vector256<ulong> d4 = c3 ^ Rotate(c0, 1);
            Vector256<ulong> b00 = a00 ^ d0;
            Vector256<ulong> b01 = Rotate(a30 ^ d3, 28);
            Vector256<ulong> b02 = Rotate(a10 ^ d1, 1);
            Vector256<ulong> b03 = Rotate(a40 ^ d4, 27);
            Vector256<ulong> b04 = Rotate(a20 ^ d2, 62);
            Vector256<ulong> b10 = Rotate(a11 ^ d1, 44);
            Vector256<ulong> b11 = Rotate(a41 ^ d4, 20);
            Vector256<ulong> b12 = Rotate(a21 ^ d2, 6);
            Vector256<ulong> b13 = Rotate(a01 ^ d0, 36);
            Vector256<ulong> b14 = Rotate(a31 ^ d3, 55);
            Vector256<ulong> b20 = Rotate(a22 ^ d2, 43);
            Vector256<ulong> b21 = Rotate(a02 ^ d0, 3);
            Vector256<ulong> b22 = Rotate(a32 ^ d3, 25);
            Vector256<ulong> b23 = Rotate(a12 ^ d1, 10);
            Vector256<ulong> b24 = Rotate(a42 ^ d4, 39);
            Vector256<ulong> b30 = Rotate(a33 ^ d3, 21);
            Vector256<ulong> b31 = Rotate(a13 ^ d1, 45);
            Vector256<ulong> b32 = Rotate(a43 ^ d4, 8);
            Vector256<ulong> b33 = Rotate(a23 ^ d2, 15);
            Vector256<ulong> b34 = Rotate(a03 ^ d0, 41);
            Vector256<ulong> b40 = Rotate(a44 ^ d4, 14);
            Vector256<ulong> b41 = Rotate(a24 ^ d2, 61);
            Vector256<ulong> b42 = Rotate(a04 ^ d0, 18);
            Vector256<ulong> b43 = Rotate(a34 ^ d3, 56);
            Vector256<ulong> b44 = Rotate(a14 ^ d1, 2);
            a00 = b00 ^ Vector256.AndNot(b20, b10);
            a01 = b01 ^ Vector256.AndNot(b21, b11);
            a02 = b02 ^ Vector256.AndNot(b22, b12);
            a03 = b03 ^ Vector256.AndNot(b23, b13);
            a04 = b04 ^ Vector256.AndNot(b24, b14);
            a10 = b10 ^ Vector256.AndNot(b30, b20);
            a11 = b11 ^ Vector256.AndNot(b31, b21);
            a12 = b12 ^ Vector256.AndNot(b32, b22);
            a13 = b13 ^ Vector256.AndNot(b33, b23);
            a14 = b14 ^ Vector256.AndNot(b34, b24);
            a20 = b20 ^ Vector256.AndNot(b40, b30);
            a21 = b21 ^ Vector256.AndNot(b41, b31);
            a22 = b22 ^ Vector256.AndNot(b42, b32);
            a23 = b23 ^ Vector256.AndNot(b43, b33);
            a24 = b24 ^ Vector256.AndNot(b44, b34);
            a30 = b30 ^ Vector256.AndNot(b00, b40);
            a31 = b31 ^ Vector256.AndNot(b01, b41);
            a32 = b32 ^ Vector256.AndNot(b02, b42);
            a33 = b33 ^ Vector256.AndNot(b03, b43);
            a34 = b34 ^ Vector256.AndNot(b04, b44);
            a40 = b40 ^ Vector256.AndNot(b10, b00);
            a41 = b41 ^ Vector256.AndNot(b11, b01);
            a42 = b42 ^ Vector256.AndNot(b12, b02);
            a43 = b43 ^ Vector256.AndNot(b13, b03);
            a44 = b44 ^ Vector256.AndNot(b14, b04);
            a00 ^= Vector256.Create(rc[round]);
        }

        s[0] = a00;
        s[1] = a10;
        s[2] = a20;
        s[3] = a30;
        s[4] = a40;
        s[5] = a01;
        s[6] = a11;
        s[7] = a21;
        s[8] = a31;
        s[9] = a41;
        s[10] = a02;
        s[11] = a12;
        s[12] = a22;
        s[13] = a32;
        s[14] = a42;
        s[15] = a03;
        s[16] = a13;
        s[17] = a23;
        s[18] = a33;
        s[19] = a43;
        s[20] = a04;
        s[21] = a14;
        s[22] = a24;
        s[23] = a34;
        s[24] = a44;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> Rotate(Vector256<ulong> v, int n)
        => Vector256.ShiftLeft(v, n) | Vector256.ShiftRightLogical(v, 64 - n);
}
