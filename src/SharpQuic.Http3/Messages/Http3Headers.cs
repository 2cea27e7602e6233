using System.Collections;

namespace SharpQuic.Http3;

/// <summary>
/// An ordered list of HTTP fields (name, value), as carried by a HEADERS frame. Names are stored in
/// lowercase, as HTTP/3 requires on the wire (RFC 9114 §4.2); lookups ignore case. A name may
/// appear more than once. Pseudo-headers (":status", ":path", …) are not kept here: requests and
/// responses expose them as properties.
/// </summary>
public sealed class Http3Headers : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    /// <summary>The number of field lines.</summary>
    public int Count => _fields.Count;

    /// <summary>The first value of <paramref name="name"/>, or null; setting replaces every value (null removes).</summary>
    public string? this[string name]
    {
        get => TryGetValue(name, out string? value) ? value : null;
        set
        {
            Remove(name);
            if (value is not null)
            {
                Add(name, value);
            }
        }
    }

    /// <summary>Appends a field line; the name is lowercased.</summary>
    public void Add(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        _fields.Add(new KeyValuePair<string, string>(ToLowerAscii(name), value));
    }

    /// <summary>The first value of <paramref name="name"/>.</summary>
    public bool TryGetValue(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        foreach (KeyValuePair<string, string> field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                value = field.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>Every value of <paramref name="name"/>, in order.</summary>
    public IEnumerable<string> GetValues(string name)
    {
        foreach (KeyValuePair<string, string> field in _fields)
        {
            if (string.Equals(field.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return field.Value;
            }
        }
    }

    /// <summary>Whether any line has this name.</summary>
    public bool Contains(string name) => TryGetValue(name, out _);

    /// <summary>Removes every line with this name; returns whether any was removed.</summary>
    public bool Remove(string name)
    {
        bool removed = false;
        for (int i = _fields.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_fields[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                _fields.RemoveAt(i);
                removed = true;
            }
        }

        return removed;
    }

    /// <summary>Removes every line.</summary>
    public void Clear() => _fields.Clear();

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void AddLowercase(string name, string value) => _fields.Add(new KeyValuePair<string, string>(name, value));

    private static string ToLowerAscii(string name)
    {
        foreach (char c in name)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return string.Create(name.Length, name, static (span, source) =>
                {
                    for (int i = 0; i < source.Length; i++)
                    {
                        char ch = source[i];
                        span[i] = ch is >= 'A' and <= 'Z' ? (char)(ch + 32) : ch;
                    }
                });
            }
        }

        return name;
    }
}
