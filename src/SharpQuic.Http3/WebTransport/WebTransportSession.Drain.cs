using System.Buffers.Binary;
using System.Text;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// Draining (draft-ietf-webtrans-http3 §4.6), the negotiated application protocol (§3.3) and per-session keying
/// material (§4.8) of a session.
/// </summary>
public sealed partial class WebTransportSession
{
    /// <summary>The TLS exporter label of every WebTransport session exporter (§4.8).</summary>
    public const string ExporterLabel = "EXPORTER-WebTransport";

    private readonly TaskCompletionSource _draining = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _drainSent;

    /// <summary>
    /// Completes when the session is asked to wind down (§4.6): the peer sent WT_DRAIN_SESSION, or an HTTP/3 GOAWAY
    /// was sent or received on the connection. It is a signal to the application only: the session keeps working, new
    /// streams and datagrams included, until someone closes it.
    /// </summary>
    public Task Draining => _draining.Task;

    /// <summary>
    /// Asks the peer to wind the session down: sends WT_DRAIN_SESSION once (§4.6); later calls, and calls after the
    /// session ended, do nothing. The session stays usable.
    /// </summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken = default)
    {
        if (IsClosed || Interlocked.Exchange(ref _drainSent, 1) != 0)
        {
            return;
        }

        byte[] capsule = new byte[8];
        CapsuleWriter.TryWriteDrainSession(capsule, out int written);
        try
        {
            await WriteConnectAsync(capsule.AsMemory(0, written), endStream: false, cancellationToken).ConfigureAwait(false);
        }
        catch (WebTransportException)
        {
            // The session ended meanwhile: nothing to drain.
        }
    }

    /// <summary>
    /// Keying material for this session only (§4.8): the connection's TLS exporter with the label
    /// "EXPORTER-WebTransport" and a context binding the session ID, <paramref name="label"/> and
    /// <paramref name="context"/>, so sessions sharing a connection never derive the same bytes. Both endpoints of the
    /// session get the same bytes for the same label and context.
    /// </summary>
    /// <param name="label">The application's label, at most 255 UTF-8 bytes.</param>
    /// <param name="context">The application's context, at most 255 bytes (may be empty).</param>
    /// <param name="length">Bytes wanted.</param>
    /// <exception cref="ArgumentException">The label or context is too long.</exception>
    /// <exception cref="WebTransportException">The session has ended.</exception>
    public byte[] ExportKeyingMaterial(string label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentNullException.ThrowIfNull(label);
        int labelLength = Encoding.UTF8.GetByteCount(label);
        if (labelLength > 255)
        {
            throw new ArgumentException("The exporter label is longer than 255 bytes.", nameof(label));
        }

        if (context.Length > 255)
        {
            throw new ArgumentException("The exporter context is longer than 255 bytes.", nameof(context));
        }

        ThrowIfClosed();

        // WebTransport Exporter Context { Session ID (64), Label Length (8), Label, Context Length (8), Context }.
        byte[] exporterContext = new byte[8 + 1 + labelLength + 1 + context.Length];
        BinaryPrimitives.WriteUInt64BigEndian(exporterContext, (ulong)SessionId);
        exporterContext[8] = (byte)labelLength;
        Encoding.UTF8.GetBytes(label, exporterContext.AsSpan(9));
        exporterContext[9 + labelLength] = (byte)context.Length;
        context.CopyTo(exporterContext.AsSpan(10 + labelLength));
        return _manager.Connection.Quic.ExportKeyingMaterial(ExporterLabel, exporterContext, length);
    }

    /// <summary>
    /// The application protocol chosen for the session by the server (its <c>wt-protocol</c> field, §3.3) from the
    /// client's offer; null when none was offered or chosen.
    /// </summary>
    public string? ApplicationProtocol { get; internal set; }

    /// <summary>The protocols the client offered (<c>wt-available-protocols</c>, §3.3), most preferred first; empty when none.</summary>
    public IReadOnlyList<string> OfferedProtocols { get; internal set; } = [];

    /// <summary>The peer's WT_DRAIN_SESSION, or a GOAWAY on the connection (§4.6).</summary>
    internal void OnDrain() => _draining.TrySetResult();
}
