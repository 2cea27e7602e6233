using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SharpQuic.Cryptography.KeyExchange;

namespace SharpQuic.Benchmarks;

/// <summary>One X25519 scalar multiplication each: the base-point ladder and a shared secret.</summary>
[MemoryDiagnoser]
public class X25519Benchmarks
{
    private readonly byte[] _privateKey = new byte[X25519.KeySize];
    private readonly byte[] _peerPublicKey = new byte[X25519.KeySize];
    private readonly byte[] _output = new byte[X25519.KeySize];

    [GlobalSetup]
    public void Setup()
    {
        X25519.GeneratePrivateKey(_privateKey);
        X25519.DerivePublicKey(RandomNumberGenerator.GetBytes(X25519.KeySize), _peerPublicKey);
    }

    [Benchmark]
    public void DerivePublicKey() => X25519.DerivePublicKey(_privateKey, _output);

    [Benchmark]
    public bool TrySharedSecret() => X25519.TrySharedSecret(_privateKey, _peerPublicKey, _output);
}
