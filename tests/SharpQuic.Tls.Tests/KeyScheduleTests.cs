using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Tls.KeySchedule;

namespace SharpQuic.Tls.Tests;

public sealed class KeyScheduleTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex);

    private static string X(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    // RFC 8448 §3: every secret of the simple 1-RTT handshake, with transcript hashes taken over the trace's
    // own handshake messages.
    [Fact]
    public void Reproduces_the_RFC8448_simple_handshake_secrets()
    {
        using var transcript = new TranscriptHash();
        transcript.Append(H(Rfc8448.ClientHello));
        transcript.SetHash(HashAlgorithmName.SHA256); // the client learns the suite from ServerHello
        transcript.Append(H(Rfc8448.ServerHello));
        byte[] helloHash = transcript.GetCurrentHash();
        Assert.Equal(Rfc8448.HelloHash, X(helloHash));

        var ks = new TlsKeySchedule(CipherSuite.Aes128GcmSha256);
        ks.DeriveEarlySecret(default);
        Assert.Equal(Rfc8448.EarlySecret, X(ks.EarlySecret));

        ks.DeriveHandshakeSecret(H(Rfc8448.SharedSecret));
        Assert.Equal(Rfc8448.HandshakeSecret, X(ks.HandshakeSecret));
        byte[] clientHs = ks.ClientHandshakeTrafficSecret(helloHash);
        byte[] serverHs = ks.ServerHandshakeTrafficSecret(helloHash);
        Assert.Equal(Rfc8448.ClientHandshakeTraffic, X(clientHs));
        Assert.Equal(Rfc8448.ServerHandshakeTraffic, X(serverHs));

        ks.DeriveMainSecret();
        Assert.Equal(Rfc8448.MasterSecret, X(ks.MainSecret));

        transcript.Append(H(Rfc8448.EncryptedExtensions));
        transcript.Append(H(Rfc8448.Certificate));
        transcript.Append(H(Rfc8448.CertificateVerify));
        byte[] beforeServerFinished = transcript.GetCurrentHash();
        Assert.Equal(Rfc8448.ServerFinishedKey, X(TlsKeySchedule.FinishedKey(ks.Hash, serverHs)));
        byte[] serverVerify = TlsKeySchedule.ComputeVerifyData(ks.Hash, serverHs, beforeServerFinished);
        Assert.Equal(Rfc8448.ServerVerifyData, X(serverVerify));
        Assert.Equal(Rfc8448.ServerFinished, "14000020" + X(serverVerify));

        transcript.Append(H(Rfc8448.ServerFinished));
        byte[] serverFinishedHash = transcript.GetCurrentHash();
        Assert.Equal(Rfc8448.ServerFinishedHash, X(serverFinishedHash));
        Assert.Equal(Rfc8448.ClientApplicationTraffic, X(ks.ClientApplicationTrafficSecret(serverFinishedHash)));
        Assert.Equal(Rfc8448.ServerApplicationTraffic, X(ks.ServerApplicationTrafficSecret(serverFinishedHash)));
        Assert.Equal(Rfc8448.ExporterMaster, X(ks.ExporterSecret(serverFinishedHash)));

        byte[] clientVerify = TlsKeySchedule.ComputeVerifyData(ks.Hash, clientHs, serverFinishedHash);
        Assert.Equal(Rfc8448.ClientVerifyData, X(clientVerify));
        Assert.True(TlsKeySchedule.VerifyFinished(ks.Hash, clientHs, serverFinishedHash, H(Rfc8448.ClientVerifyData)));
        byte[] tampered = H(Rfc8448.ClientVerifyData);
        tampered[5] ^= 1;
        Assert.False(TlsKeySchedule.VerifyFinished(ks.Hash, clientHs, serverFinishedHash, tampered));
        Assert.False(TlsKeySchedule.VerifyFinished(ks.Hash, clientHs, serverFinishedHash, tampered.AsSpan(1)));

        transcript.Append(H(Rfc8448.ClientFinished));
        byte[] clientFinishedHash = transcript.GetCurrentHash();
        Assert.Equal(Rfc8448.ClientFinishedHash, X(clientFinishedHash));
        byte[] resumption = ks.ResumptionSecret(clientFinishedHash);
        Assert.Equal(Rfc8448.ResumptionMaster, X(resumption));

        // The ticket of §3 carries nonce 00 00.
        Assert.Equal(Rfc8448.ResumptionPsk, X(TlsKeySchedule.ResumptionPsk(ks.Hash, resumption, [0, 0])));
    }

    // RFC 8448 §4: the resumed handshake's early secret, binder and 0-RTT secrets from the §3 ticket's PSK.
    [Fact]
    public void Reproduces_the_RFC8448_resumption_binder_and_early_secrets()
    {
        var ks = new TlsKeySchedule(CipherSuite.Aes128GcmSha256);
        ks.DeriveEarlySecret(H(Rfc8448.ResumptionPsk));
        Assert.Equal(Rfc8448.ResumedEarlySecret, X(ks.EarlySecret));

        byte[] binderKey = ks.BinderKey(resumption: true);
        Assert.Equal(Rfc8448.ResumedBinderKey, X(binderKey));
        Assert.NotEqual(X(binderKey), X(ks.BinderKey(resumption: false)));

        byte[] prefixHash = SHA256.HashData(H(Rfc8448.ResumedClientHelloPrefix));
        Assert.Equal(Rfc8448.ResumedBinderHash, X(prefixHash));
        Assert.Equal(Rfc8448.ResumedBinder, X(TlsKeySchedule.ComputeVerifyData(ks.Hash, binderKey, prefixHash)));

        byte[] chHash = SHA256.HashData(H(Rfc8448.ResumedClientHello));
        Assert.Equal(Rfc8448.ResumedClientHelloHash, X(chHash));
        Assert.Equal(Rfc8448.ResumedClientEarlyTraffic, X(ks.ClientEarlyTrafficSecret(chHash)));
        Assert.Equal(Rfc8448.ResumedEarlyExporter, X(ks.EarlyExporterSecret(chHash)));
    }

    // RFC 8446bis §7.5 has no published vector; recompute each step with the BCL's HKDF and compare.
    [Theory]
    [InlineData("EXPORTER-WebTransport", "", 32)]
    [InlineData("EXPORTER-test", "0102030405", 64)]
    public void Exporter_matches_a_direct_HKDF_computation(string label, string contextHex, int length)
    {
        byte[] secret = H(Rfc8448.ExporterMaster);
        byte[] context = H(contextHex);
        var output = new byte[length];
        TlsKeySchedule.Export(HashAlgorithmName.SHA256, secret, System.Text.Encoding.ASCII.GetBytes(label), context, output);

        byte[] derived = HKDF.Expand(HashAlgorithmName.SHA256, secret, 32, LabelInfo(32, label, SHA256.HashData([])));
        byte[] expected = HKDF.Expand(HashAlgorithmName.SHA256, derived, length, LabelInfo(length, "exporter", SHA256.HashData(context)));
        Assert.Equal(X(expected), X(output));
    }

    [Fact]
    public void Sha384_schedule_matches_a_direct_HKDF_computation()
    {
        var ks = new TlsKeySchedule(CipherSuite.Aes256GcmSha384);
        Assert.Equal(48, ks.HashSize);
        byte[] shared = RandomNumberGenerator.GetBytes(32);
        ks.DeriveEarlySecret(default);
        ks.DeriveHandshakeSecret(shared);

        byte[] zeros = new byte[48];
        byte[] early = HKDF.Extract(HashAlgorithmName.SHA384, zeros, zeros);
        byte[] derived = HKDF.Expand(HashAlgorithmName.SHA384, early, 48, LabelInfo(48, "derived", SHA384.HashData([])));
        byte[] handshake = HKDF.Extract(HashAlgorithmName.SHA384, shared, derived);
        Assert.Equal(X(early), X(ks.EarlySecret));
        Assert.Equal(X(handshake), X(ks.HandshakeSecret));

        byte[] th = SHA384.HashData("messages"u8);
        byte[] expected = HKDF.Expand(HashAlgorithmName.SHA384, handshake, 48, LabelInfo(48, "c hs traffic", th));
        Assert.Equal(X(expected), X(ks.ClientHandshakeTrafficSecret(th)));
        Assert.Throws<ArgumentException>(() => ks.ClientHandshakeTrafficSecret(new byte[32]));
    }

    [Fact]
    public void Stages_must_be_derived_in_order()
    {
        var ks = new TlsKeySchedule(CipherSuite.Aes128GcmSha256);
        Assert.Throws<InvalidOperationException>(() => ks.DeriveHandshakeSecret(new byte[32]));
        ks.DeriveEarlySecret(default);
        Assert.Throws<InvalidOperationException>(() => ks.DeriveMainSecret());
    }

    // RFC 8446bis §4.4.1: after HelloRetryRequest, ClientHello1 becomes message_hash(Hash(ClientHello1)).
    [Fact]
    public void HelloRetryRequest_replaces_ClientHello1_with_message_hash()
    {
        byte[] ch1 = H(Rfc8448.ClientHello);
        byte[] hrr = H(Rfc8448.ServerHello); // any bytes stand in for the HRR here
        using var transcript = new TranscriptHash(HashAlgorithmName.SHA256);
        transcript.Append(ch1);
        transcript.ReplaceWithMessageHash();
        transcript.Append(hrr);

        byte[] synthetic = [254, 0, 0, 32, .. SHA256.HashData(ch1)];
        Assert.Equal(synthetic, TranscriptHash.MessageHashMessage(SHA256.HashData(ch1)));
        Assert.Equal(X(SHA256.HashData([.. synthetic, .. hrr])), X(transcript.GetCurrentHash()));

        transcript.Append(ch1);
        Assert.Throws<InvalidOperationException>(transcript.ReplaceWithMessageHash);
    }

    private static byte[] LabelInfo(int length, string label, byte[] context)
    {
        byte[] full = System.Text.Encoding.ASCII.GetBytes("tls13 " + label);
        return [(byte)(length >> 8), (byte)length, (byte)full.Length, .. full, (byte)context.Length, .. context];
    }
}
