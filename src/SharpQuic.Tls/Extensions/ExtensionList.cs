using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>One extension as carried on the wire: its type and its undecoded extension_data.</summary>
internal readonly struct RawExtension
{
    public RawExtension(ushort type, byte[] data)
    {
        Type = type;
        Data = data;
    }

    /// <summary>The code point; unknown and GREASE values are kept as numbers.</summary>
    public ushort Type { get; }

    public byte[] Data { get; }
}

/// <summary>
/// An extension block, <c>Extension extensions&lt;..2^16-1&gt;</c> (RFC 8446bis §4.2), in wire order. Typed codecs
/// in this folder decode each known extension's data; unknown ones are kept and ignored.
/// </summary>
internal sealed class ExtensionList
{
    private readonly List<RawExtension> _items = [];

    /// <summary>Extensions in wire order.</summary>
    public IReadOnlyList<RawExtension> Items => _items;

    public int Count => _items.Count;

    /// <summary>Appends an extension. Adding the same type twice is a programming error.</summary>
    public void Add(ExtensionType type, byte[] data) => Add((ushort)type, data);

    /// <summary>Appends an extension by raw code point (unknown or GREASE types in tests and clients).</summary>
    public void Add(ushort type, byte[] data)
    {
        if (Contains(type))
        {
            throw new InvalidOperationException($"Extension {type} already present.");
        }

        _items.Add(new RawExtension(type, data));
    }

    public bool Contains(ExtensionType type) => Contains((ushort)type);

    /// <summary>The data of extension <paramref name="type"/>, if present.</summary>
    public bool TryGet(ExtensionType type, out byte[] data)
    {
        foreach (RawExtension e in _items)
        {
            if (e.Type == (ushort)type)
            {
                data = e.Data;
                return true;
            }
        }

        data = [];
        return false;
    }

    /// <summary>
    /// Reads an extension block. Alerts: decode_error for a truncated block or entry; illegal_parameter for a
    /// repeated type (RFC 8446bis §4.2) or, when <paramref name="pskMustBeLast"/> (ClientHello), a
    /// pre_shared_key that is not the last extension (§4.2.11).
    /// </summary>
    public static bool TryRead(ref TlsReader reader, bool pskMustBeLast, out ExtensionList list, out TlsAlert alert)
    {
        list = new ExtensionList();
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> block))
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var seen = new HashSet<ushort>();
        var r = new TlsReader(block);
        while (!r.IsEmpty)
        {
            if (!r.TryReadUInt16(out ushort type) || !r.TryReadVector16(out ReadOnlySpan<byte> data))
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            if (!seen.Add(type))
            {
                alert = TlsAlert.IllegalParameter;
                return false;
            }

            list._items.Add(new RawExtension(type, data.ToArray()));
        }

        if (pskMustBeLast && list.Count > 0 && list.Contains(ExtensionType.PreSharedKey)
            && list._items[^1].Type != (ushort)ExtensionType.PreSharedKey)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        alert = default;
        return true;
    }

    /// <summary>Writes the block with its uint16 length.</summary>
    public void Write(TlsWriter writer)
    {
        int mark = writer.BeginVector(2);
        foreach (RawExtension e in _items)
        {
            writer.WriteUInt16(e.Type);
            writer.WriteVector16(e.Data);
        }

        writer.EndVector(mark);
    }

    private bool Contains(ushort type)
    {
        foreach (RawExtension e in _items)
        {
            if (e.Type == type)
            {
                return true;
            }
        }

        return false;
    }
}
