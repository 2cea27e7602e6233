using System.Globalization;

namespace SharpQuic.Interop.Tests.Http3;

/// <summary>
/// Wireshark decodes our client's traffic with gtlsserver: with our <see cref="QuicConnectionOptions.KeyLogFile"/> every
/// QUIC packet decrypts, the HTTP/3 frames (SETTINGS, HEADERS, DATA) are recognized, and nothing is malformed.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class TsharkDecodeTests
{
    // RFC 9114 §7.2: frame types.
    private const ulong Data = 0x00;
    private const ulong Headers = 0x01;
    private const ulong Settings = 0x04;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [TsharkFact]
    public async Task Our_client_traffic_decrypts_and_decodes_without_errors()
    {
        const long MidLength = 1L << 20;
        using var scratch = new InteropScratch();
        File.WriteAllBytes(Path.Combine(scratch.HtDocs, "small.txt"), TestContent.SmallBody);
        TestContent.WriteFile(Path.Combine(scratch.HtDocs, "mid.bin"), MidLength);
        string capture = Path.Combine(scratch.Root, "capture.pcapng");
        string keyLog = Path.Combine(scratch.Root, "keys.log");
        // One datagram per sendmsg: with UDP GSO a capture on loopback sees the unsplit batch as one huge "datagram"
        // (the kernel segments it only on receive), and tshark then fails to decrypt all but its first packet.
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, ["--max-gso-dgrams=1"]);
        using var cts = new CancellationTokenSource(TestTimeout);

        // A first connection outside the capture: the first handshake of a test process can take a quarter of a second
        // on our side (one-time warm-up), long enough for gtlsserver to retransmit its Handshake flight a few times.
        // This test is about decoding, so it captures a warm client.
        await using (var warmUp = await OurH3Client.ConnectAsync(OurClientWithNgtcp2ServerTests.Options(scratch, server), cts.Token))
        {
            Assert.Equal(200, (await OurH3Client.GetAsync(warmUp, OurClientWithNgtcp2ServerTests.Authority(server), "/small.txt", cts.Token)).Status);
        }

        using (PeerProcess tshark = await Tshark.StartCaptureAsync(server.Port, capture, TestTimeout))
        {
            // dumpcap may still be attaching its filter when tshark says it captures: give it the usual head start.
            await Task.Delay(1500, cts.Token);
            QuicClientConnectionOptions options = OurClientWithNgtcp2ServerTests.Options(scratch, server);
            options.KeyLogFile = keyLog;
            await using (var connection = await OurH3Client.ConnectAsync(options, cts.Token))
            {
                string authority = OurClientWithNgtcp2ServerTests.Authority(server);
                OurH3Response small = await OurH3Client.GetAsync(connection, authority, "/small.txt", cts.Token);
                Assert.Equal(TestContent.SmallBody, small.Body);
                OurH3Response mid = await OurH3Client.GetAsync(connection, authority, "/mid.bin", cts.Token);
                Assert.Equal(MidLength, mid.Length);
                await OurH3Client.Quic(connection).CloseAsync(0x100, cts.Token); // H3_NO_ERROR
            }

            await Task.Delay(300, cts.Token); // the last packets reach the capture
            await Tshark.StopCaptureAsync(tshark);
        }

        Assert.True(File.Exists(keyLog), "our client wrote no key log");

        // Per captured datagram: the header form of each QUIC packet in it, the packet numbers tshark could read (only
        // after removing header protection, so only with the keys), and the HTTP/3 frame types.
        string fields = await Tshark.ReadAsync(capture, keyLog,
            ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,", "-e", "frame.number", "-e", "quic.header_form", "-e", "quic.packet_number", "-e", "http3.frame_type"]);
        int datagrams = 0;
        int packets = 0;
        var frameTypes = new HashSet<ulong>();
        foreach (string line in fields.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] columns = line.Split('\t');
            Assert.True(columns.Length == 4, $"unexpected tshark line: {line}");
            int forms = Count(columns[1]);
            int numbers = Count(columns[2]);
            Assert.True(forms > 0, $"datagram {columns[0]} is not QUIC to tshark: {line}");
            Assert.True(forms == numbers, $"datagram {columns[0]}: {forms} QUIC packets, {numbers} decrypted: {line}");
            datagrams++;
            packets += forms;
            foreach (string type in columns[3].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                frameTypes.Add(ulong.Parse(type.StartsWith("0x", StringComparison.Ordinal) ? type[2..] : type,
                    type.StartsWith("0x", StringComparison.Ordinal) ? NumberStyles.HexNumber : NumberStyles.None, CultureInfo.InvariantCulture));
            }
        }

        // 1 MiB needs some 700 full-size packets from the server alone.
        Assert.True(datagrams > 700, $"only {datagrams} datagrams captured");
        Assert.True(packets >= datagrams);
        Assert.Contains(Settings, frameTypes);
        Assert.Contains(Headers, frameTypes);
        Assert.Contains(Data, frameTypes);

        // Malformed packets, warnings and errors: none at all.
        string problems = await Tshark.ReadAsync(capture, keyLog, ["-Y", "_ws.malformed || _ws.expert.severity >= 6291456 || quic.decryption_failed"]);

        // Notes (severity 4194304): only "reused stream offset (retransmission?)", which is loss recovery doing its job
        // (a handshake packet retransmitted on a PTO of a few milliseconds before the peer's ACK came back, RFC 9002 §6.2).
        string expert = await Tshark.ReadAsync(capture, keyLog, ["-q", "-z", "expert,note"]);
        List<string> otherNotes = UnexpectedExpertRows(expert);
        if (problems.Trim().Length != 0 || otherNotes.Count != 0)
        {
            string head = await Tshark.ReadAsync(capture, keyLog, ["-c", "40"]);
            Assert.Fail($"tshark found problems:\n{problems}\n--- expert ---\n{expert}\n--- first packets ---\n{head}");
        }
    }

    /// <summary>The rows of tshark's expert summary other than the retransmission note.</summary>
    private static List<string> UnexpectedExpertRows(string expert)
    {
        var rows = new List<string>();
        foreach (string raw in expert.Split('\n'))
        {
            string line = raw.Trim();
            // Rows start with a frequency count: "2   Sequence   QUIC  This QUIC frame has a reused stream offset (retransmission?)".
            if (line.Length == 0 || !char.IsAsciiDigit(line[0]))
            {
                continue;
            }

            if (!line.Contains("reused stream offset (retransmission?)", StringComparison.Ordinal))
            {
                rows.Add(line);
            }
        }

        return rows;
    }

    private static int Count(string values) => values.Length == 0 ? 0 : values.Split(',').Length;
}
