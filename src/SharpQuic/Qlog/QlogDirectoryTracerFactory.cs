using SharpQuic.Core;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Qlog;

namespace SharpQuic.Qlog;

/// <summary>
/// Writes one qlog file per connection into a directory (created if missing), named
/// <c>&lt;original destination connection ID, lowercase hex&gt;_&lt;server|client&gt;.sqlog</c>
/// (".sqlog": the JSON-SEQ suffix of draft-ietf-quic-qlog-main-schema).
/// </summary>
/// <param name="directory">Where the files go.</param>
internal sealed class QlogDirectoryTracerFactory(string directory) : IConnectionTracerFactory
{
    private const int BufferSize = 64 * 1024;

    /// <summary>The directory the files are written to.</summary>
    public string Directory { get; } = directory ?? throw new ArgumentNullException(nameof(directory));

    /// <summary>The file name of a connection's trace.</summary>
    public static string FileName(ConnectionId originalDestinationConnectionId, bool isServer) =>
        Convert.ToHexStringLower(originalDestinationConnectionId.Span) + (isServer ? "_server" : "_client") + ".sqlog";

    /// <inheritdoc/>
    public IConnectionTracer? Create(bool isServer, ConnectionId originalDestinationConnectionId, Instant now)
    {
        FileStream stream;
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            string path = Path.Combine(Directory, FileName(originalDestinationConnectionId, isServer));
            stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, BufferSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No trace rather than no connection.
            return null;
        }

        return new QlogWriter(stream, isServer, originalDestinationConnectionId, now);
    }
}
