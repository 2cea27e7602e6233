using System.Buffers.Binary;

namespace SharpQuic.Cryptography.Hashing;

/// <summary>
/// The sponge construction over Keccak-f[1600] (FIPS 202 §4) with incremental absorb and
/// squeeze: SHA3-256, SHA3-512, SHAKE128 and SHAKE256. A mutable struct with no heap state:
/// keep it in a local and pass it by <c>ref</c>.
/// </summary>
/// <remarks>
/// We carry our own Keccak instead of the BCL's because the BCL crosses into OpenSSL for
/// every call and, on OpenSSL 3.0, cannot squeeze SHAKE incrementally (ML-KEM's SampleNTT
/// needs that). Bytes map to lanes little-endian (FIPS 202 §B.1) with shifts, so the code does
/// not depend on the machine's byte order. Nothing branches on the data.
/// </remarks>
internal struct KeccakSponge
{
    private const byte Sha3Suffix = 0x06;   // FIPS 202 §6.1: M ‖ 01, then pad10*1.
    private const byte ShakeSuffix = 0x1F;  // FIPS 202 §6.2: M ‖ 1111, then pad10*1.

    private KeccakLanes _state;
    private readonly int _rate;
    private readonly byte _suffix;
    private int _offset;
    private bool _squeezing;

    private KeccakSponge(int rateBytes, byte suffix)
    {
        _rate = rateBytes;
        _suffix = suffix;
    }

    /// <summary>Rate r/8 in bytes: how many bytes one permutation absorbs or squeezes.</summary>
    public readonly int RateBytes => _rate;

    /// <summary>SHA3-256: capacity 512 bits, 32-byte digest.</summary>
    public static KeccakSponge CreateSha3_256() => new(136, Sha3Suffix);

    /// <summary>SHA3-512: capacity 1024 bits, 64-byte digest.</summary>
    public static KeccakSponge CreateSha3_512() => new(72, Sha3Suffix);

    /// <summary>SHAKE128: capacity 256 bits, any output length.</summary>
    public static KeccakSponge CreateShake128() => new(168, ShakeSuffix);

    /// <summary>SHAKE256: capacity 512 bits, any output length.</summary>
    public static KeccakSponge CreateShake256() => new(136, ShakeSuffix);

    /// <summary>Absorbs more input. Must not be called once squeezing has started.</summary>
    public void Absorb(ReadOnlySpan<byte> data)
    {
        if (_squeezing)
        {
            throw new InvalidOperationException("The sponge is already squeezing.");
        }

        while (data.Length > 0)
        {
            if (_offset == 0 && data.Length >= _rate)
            {
                // Whole block: XOR lane by lane.
                for (int i = 0; i < _rate / 8; i++)
                {
                    _state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i * 8, 8));
                }

                KeccakF1600.Permute(ref _state);
                data = data.Slice(_rate);
                continue;
            }

            int take = Math.Min(_rate - _offset, data.Length);
            for (int i = 0; i < take; i++)
            {
                int b = _offset + i;
                _state[b >> 3] ^= (ulong)data[i] << ((b & 7) * 8);
            }

            _offset += take;
            data = data.Slice(take);
            if (_offset == _rate)
            {
                KeccakF1600.Permute(ref _state);
                _offset = 0;
            }
        }
    }

    /// <summary>
    /// Squeezes <paramref name="output"/>.Length bytes. The first call pads and ends absorption;
    /// later calls continue the same output stream (SHAKE as an XOF).
    /// </summary>
    public void Squeeze(Span<byte> output)
    {
        if (!_squeezing)
        {
            // pad10*1 (FIPS 202 §5.1) merged with the domain suffix; both may land in one byte.
            _state[_offset >> 3] ^= (ulong)_suffix << ((_offset & 7) * 8);
            _state[(_rate - 1) >> 3] ^= 0x80UL << (((_rate - 1) & 7) * 8);
            KeccakF1600.Permute(ref _state);
            _offset = 0;
            _squeezing = true;
        }

        while (output.Length > 0)
        {
            if (_offset == _rate)
            {
                KeccakF1600.Permute(ref _state);
                _offset = 0;
            }

            if (_offset == 0 && output.Length >= _rate)
            {
                for (int i = 0; i < _rate / 8; i++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(output.Slice(i * 8, 8), _state[i]);
                }

                _offset = _rate;
                output = output.Slice(_rate);
                continue;
            }

            int take = Math.Min(_rate - _offset, output.Length);
            for (int i = 0; i < take; i++)
            {
                int b = _offset + i;
                output[i] = (byte)(_state[b >> 3] >> ((b & 7) * 8));
            }

            _offset += take;
            output = output.Slice(take);
        }
    }

    /// <summary>Overwrites the state (it may hold secrets) with zeros.</summary>
    public void Clear()
    {
        ((Span<ulong>)_state).Clear();
        _offset = 0;
        _squeezing = false;
    }
}
