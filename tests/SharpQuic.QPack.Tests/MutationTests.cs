using System.Buffers;
using SharpQuic.QPack;

namespace SharpQuic.QPack.Tests;

/// <summary>Hostile input: mutated interop records must give a result or an error, never an exception.</summary>
public sealed class MutationTests
{
    [Fact]
    public void MutatedSectionsAndEncoderStreamChunksNeverThrow()
    {
        var inputs = new List<(List<(long StreamId, byte[] Data)> Records, long Table, int Blocked)>();
        foreach (string impl in new[] { "ls-qpack", "nghttp3" })
        {
            foreach (string name in new[] { "netbsd.out.4096.100.0", "fb-resp.out.256.100.1", "fb-req.out.4096.0.1", "netbsd-hq.out.512.100.1" })
            {
                string[] parts = name.Split('.');
                inputs.Add((Interop.ReadEncoded(Path.Combine(Interop.VectorsRoot, "encoded", "qpack-05", impl, name)), long.Parse(parts[^3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        var rng = new Random(9204);
        var fields = new QPackFieldList();
        byte[] decoderStream = new byte[1 << 16];
        int mutatedSections = 0, mutatedEncoderChunks = 0, failures = 0, decodedSections = 0;
        while (mutatedSections + mutatedEncoderChunks < 60_000)
        {
            var (records, table, blocked) = inputs[rng.Next(inputs.Count)];
            var decoder = new QPackDecoder(new QPackDecoderOptions { MaxTableCapacity = table, MaxBlockedStreams = blocked, InitialTableCapacity = table, MaxFieldSectionSize = 16 * 1024 });
            int start = rng.Next(records.Count / 2);
            for (int r = start; r < records.Count; r++)
            {
                (long streamId, byte[] data) = records[r];
                if (rng.Next(4) == 0)
                {
                    data = Mutate(data, rng);
                    if (streamId == 0)
                    {
                        mutatedEncoderChunks++;
                    }
                    else
                    {
                        mutatedSections++;
                    }
                }

                if (streamId == 0)
                {
                    // Random chunking of the encoder stream.
                    int pos = 0;
                    while (pos < data.Length)
                    {
                        int len = Math.Min(data.Length - pos, 1 + rng.Next(16));
                        decoder.OnEncoderStreamData(data.AsSpan(pos, len));
                        pos += len;
                    }

                    while (decoder.TryDecodeUnblocked(fields, out _, out FieldSectionStatus st, out _))
                    {
                        decodedSections += st == FieldSectionStatus.Decoded ? 1 : 0;
                        fields.Clear();
                    }
                }
                else if (decoder.DecodeFieldSection(streamId, data, fields, out _) == FieldSectionStatus.Decoded)
                {
                    decodedSections++;
                    Assert.True(fields.FieldSectionSize <= 16 * 1024);
                    fields.Clear();
                }

                decoder.DrainDecoderStream(decoderStream);
                Assert.True(decoder.BlockedStreamCount <= blocked);
                Assert.True(decoder.TableCapacity <= table);
                Assert.True(decoder.TableSize <= decoder.TableCapacity);
                if (decoder.Error != QPackError.None)
                {
                    failures++;
                    break;
                }
            }
        }

        Console.WriteLine($"mutated sections {mutatedSections}, encoder chunks {mutatedEncoderChunks}, failures {failures}, decoded {decodedSections}");

        // The mix must exercise both outcomes.
        Assert.True(failures > 1000, $"failures {failures}");
        Assert.True(decodedSections > 1000, $"decoded {decodedSections}");
        Assert.True(mutatedEncoderChunks > 1000, $"encoder chunks {mutatedEncoderChunks}");
    }

    [Fact]
    public void RandomDecoderStreamBytesNeverThrow()
    {
        var rng = new Random(7541);
        var fields = new QPackFieldList();
        for (int i = 0; i < 2000; i++)
        {
            fields.Clear();
            fields.Add("x-name"u8, "v"u8);
            fields.Add("x-name"u8, "v"u8);
            var encoder = new QPackEncoder(4096, 4, 4096);
            var section = new ArrayBufferWriter<byte>();
            var encoderStream = new ArrayBufferWriter<byte>();
            for (int s = 0; s < 3; s++)
            {
                encoder.EncodeFieldSection(4 * s, fields, section, encoderStream);
            }

            byte[] junk = new byte[1 + rng.Next(24)];
            rng.NextBytes(junk);
            QPackError e = encoder.OnDecoderStreamData(junk);
            Assert.True(e is QPackError.None or QPackError.DecoderStreamError);
            Assert.True(encoder.KnownReceivedCount <= encoder.InsertCount);

            // Whatever happened, the encoder can still produce sections our decoder accepts when it did not fail.
            if (e == QPackError.None)
            {
                section.Clear();
                encoder.EncodeFieldSection(100, fields, section, encoderStream);
                Assert.True(encoder.BlockedStreamCount <= 4);
            }
        }
    }

    private static byte[] Mutate(byte[] data, Random rng)
    {
        var list = new List<byte>(data);
        int edits = 1 + rng.Next(3);
        for (int i = 0; i < edits; i++)
        {
            switch (rng.Next(6))
            {
                case 0 when list.Count > 0:
                    int bit = rng.Next(list.Count * 8);
                    list[bit / 8] ^= (byte)(1 << (bit % 8));
                    break;
                case 1 when list.Count > 0:
                    list[rng.Next(list.Count)] = (byte)rng.Next(256);
                    break;
                case 2 when list.Count > 0:
                    int at = rng.Next(list.Count);
                    list.RemoveRange(at, Math.Min(list.Count - at, 1 + rng.Next(8))); // delete a run
                    break;
                case 3:
                    int insertAt = rng.Next(list.Count + 1);
                    for (int k = rng.Next(1, 6); k > 0; k--)
                    {
                        list.Insert(insertAt, (byte)(rng.Next(2) == 0 ? 0xff : rng.Next(256)));
                    }

                    break;
                case 4 when list.Count > 0:
                    int keep = rng.Next(list.Count);
                    list.RemoveRange(keep, list.Count - keep); // truncate
                    break;
                default:
                    if (list.Count > 2)
                    {
                        // Swap two bytes.
                        int a = rng.Next(list.Count), b = rng.Next(list.Count);
                        (list[a], list[b]) = (list[b], list[a]);
                    }

                    break;
            }
        }

        return list.ToArray();
    }
}
