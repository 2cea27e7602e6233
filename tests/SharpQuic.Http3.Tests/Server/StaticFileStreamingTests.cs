using System.Security.Cryptography;
using Xunit.Abstractions;

namespace SharpQuic.Http3.Tests.Server;

/// <summary>Runs alone: it measures process-wide allocation, which parallel tests would disturb.</summary>
[CollectionDefinition(nameof(StaticFileStreamingTests), DisableParallelization = true)]
public sealed class StaticFileStreamingCollection;

[Collection(nameof(StaticFileStreamingTests))]
public sealed class StaticFileStreamingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_20_MB_file_streams_byte_exact_through_one_bounded_chunk()
    {
        const int size = 20 * 1024 * 1024;
        string root = Path.Combine(Path.GetTempPath(), "sharpquic-stream-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            // Pseudo-random content, so a dropped, repeated or reordered chunk changes the hash.
            byte[] content = new byte[size];
            new Random(1234).NextBytes(content);
            await File.WriteAllBytesAsync(Path.Combine(root, "big.bin"), content);
            byte[] expected = SHA256.HashData(content);
            content = [];

            var routes = new Http3RouteTable().MapStaticFiles("/", root);
            var writer = new FakeMessageWriter { Slow = true, HashOnly = true };
            long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            await FakeContext.RunAsync(routes, "GET", "/big.bin", writer: writer);
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

            output.WriteLine($"served {size} bytes in {writer.DataWrites} writes; max outstanding {writer.MaxOutstanding}; allocated {allocated} bytes");
            Assert.Equal(200, writer.Status);
            Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), writer.Field("content-length"));
            Assert.Equal(size, writer.DataBytes);
            Assert.Equal(expected, writer.BodyHash);

            // Never more than one chunk handed over and not yet taken, and never a write bigger than it.
            Assert.InRange(writer.MaxOutstanding, 1, Http3StaticFiles.ChunkSize);
            Assert.Equal(Http3StaticFiles.ChunkSize, writer.MaxWrite);
            Assert.Equal(size / Http3StaticFiles.ChunkSize, writer.DataWrites);

            // The file was not read into memory: far less than its size was allocated to serve it
            // (the slow writer's awaits and the file reads allocate a little per chunk).
            Assert.True(allocated < size / 8, $"allocated {allocated} bytes to serve {size}");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_large_range_streams_only_its_bytes()
    {
        string root = Path.Combine(Path.GetTempPath(), "sharpquic-stream-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            byte[] content = new byte[300_000];
            new Random(99).NextBytes(content);
            await File.WriteAllBytesAsync(Path.Combine(root, "r.bin"), content);
            var headers = new Http3Headers { { "range", "bytes=70000-250000" } };
            var routes = new Http3RouteTable().MapStaticFiles("/files/", root);
            FakeMessageWriter writer = await FakeContext.RunAsync(routes, "GET", "/files/r.bin", headers, new FakeMessageWriter { Slow = true });
            Assert.Equal(206, writer.Status);
            Assert.Equal("bytes 70000-250000/300000", writer.Field("content-range"));
            Assert.Equal(content.AsSpan(70000, 180001).ToArray(), writer.Body);
            Assert.InRange(writer.MaxOutstanding, 1, Http3StaticFiles.ChunkSize);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
