namespace SharpQuic.Tls.Wire;

/// <summary>
/// Splits the in-order CRYPTO byte stream of one encryption level into complete handshake messages
/// (RFC 9001 §4.1.3: no record layer, messages may span many CRYPTO frames and packets — a ClientHello with
/// an ML-KEM key share is about 1.3 KB). Memory is bounded: at most one partial message of
/// <see cref="MaxMessageSize"/> bytes is held; complete ones are queued for the caller. The first error is sticky.
/// </summary>
internal sealed class HandshakeFramer
{
    /// <summary>Handshake header: msg_type (1) + uint24 length.</summary>
    public const int HeaderSize = 4;

    /// <summary>Default bound on one message's body: large certificate chains fit, floods do not.</summary>
    public const int DefaultMaxMessageSize = 64 * 1024;

    private readonly Queue<HandshakeMessage> _complete = new();
    private readonly byte[] _header = new byte[HeaderSize];
    private int _headerFilled;
    private byte[]? _current;
    private int _currentFilled;
    private TlsAlert? _error;

    public HandshakeFramer(int maxMessageSize = DefaultMaxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxMessageSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessageSize, 0xFF_FFFF);
        MaxMessageSize = maxMessageSize;
    }

    /// <summary>The largest message body accepted.</summary>
    public int MaxMessageSize { get; }

    /// <summary>True while part of a message is buffered. RFC 9001 §4.1.3: a message must not span a key
    /// change, so the handshake checks this when it moves to the next level.</summary>
    public bool HasPartialMessage => _headerFilled > 0;

    /// <summary>Complete messages waiting for <see cref="TryDequeue"/>.</summary>
    public int Count => _complete.Count;

    /// <summary>
    /// Consumes the next in-order bytes. False with an alert when a header names a forbidden or unknown
    /// message type (unexpected_message) or a length above <see cref="MaxMessageSize"/>; the framer then
    /// refuses all further input with the same alert.
    /// </summary>
    public bool TryAppend(ReadOnlySpan<byte> data, out TlsAlert alert)
    {
        if (_error is TlsAlert sticky)
        {
            alert = sticky;
            return false;
        }

        while (!data.IsEmpty)
        {
            if (_headerFilled < HeaderSize)
            {
                int n = Math.Min(HeaderSize - _headerFilled, data.Length);
                data[..n].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += n;
                data = data[n..];
                if (_headerFilled < HeaderSize)
                {
                    break;
                }

                if (!TryStartMessage(out alert))
                {
                    _error = alert;
                    return false;
                }
            }

            int want = _current!.Length - _currentFilled;
            int take = Math.Min(want, data.Length);
            data[..take].CopyTo(_current.AsSpan(_currentFilled));
            _currentFilled += take;
            data = data[take..];
            if (_currentFilled == _current.Length)
            {
                _complete.Enqueue(new HandshakeMessage((HandshakeType)_current[0], _current));
                _current = null;
                _currentFilled = 0;
                _headerFilled = 0;
            }
        }

        alert = default;
        return true;
    }

    /// <summary>Takes the oldest complete message, if any.</summary>
    public bool TryDequeue(out HandshakeMessage message) => _complete.TryDequeue(out message);

    /// <summary>True for the message types that may arrive in QUIC CRYPTO frames.</summary>
    public static bool IsAllowedInQuic(HandshakeType type) => type switch
    {
        HandshakeType.ClientHello or HandshakeType.ServerHello or HandshakeType.NewSessionTicket
            or HandshakeType.EncryptedExtensions or HandshakeType.Certificate or HandshakeType.CertificateRequest
            or HandshakeType.CertificateVerify or HandshakeType.Finished => true,

        // RFC 9001 §8.3 (EndOfEarlyData) and §6 (KeyUpdate) forbid these in QUIC; message_hash is synthetic
        // (RFC 8446bis §4.4.1) and anything else is unknown: all are unexpected_message.
        _ => false,
    };

    private bool TryStartMessage(out TlsAlert alert)
    {
        var type = (HandshakeType)_header[0];
        int length = (_header[1] << 16) | (_header[2] << 8) | _header[3];
        if (!IsAllowedInQuic(type))
        {
            alert = TlsAlert.UnexpectedMessage;
            return false;
        }

        if (length > MaxMessageSize)
        {
            // No alert is assigned to an oversize handshake message; like common stacks we report it as a
            // parameter the peer had no right to send, before buffering any of it.
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        _current = new byte[HeaderSize + length];
        _header.CopyTo(_current, 0);
        _currentFilled = HeaderSize;
        alert = default;
        return true;
    }
}
