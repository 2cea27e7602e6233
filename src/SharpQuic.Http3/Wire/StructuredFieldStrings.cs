using System.Text;

namespace SharpQuic.Http3.Wire;

/// <summary>
/// The two Structured Field shapes WebTransport's protocol negotiation uses (RFC 9651; draft-ietf-webtrans-http3
/// §3.3): a List whose members are all Strings (<c>wt-available-protocols</c>) and a String Item
/// (<c>wt-protocol</c>). Parameters are parsed and ignored; any other member type, or a syntax error, makes the whole
/// field invalid (false), which §3.3 says to treat as absent. Input is hostile: lengths and member counts are bounded.
/// </summary>
internal static class StructuredFieldStrings
{
    /// <summary>The longest field value parsed (longer is invalid).</summary>
    public const int MaxFieldLength = 4096;

    /// <summary>The most list members accepted.</summary>
    public const int MaxMembers = 64;

    /// <summary>Parses a List of Strings (RFC 9651 §4.2.1); an empty field is an empty list.</summary>
    public static bool TryParseStringList(string? field, out List<string> values)
    {
        values = [];
        if (field is null || field.Length > MaxFieldLength)
        {
            return false;
        }

        var reader = new Reader(field);
        reader.SkipSp();
        if (reader.AtEnd)
        {
            return true;
        }

        while (true)
        {
            if (values.Count == MaxMembers || !reader.TryReadString(out string value) || !reader.TrySkipParameters())
            {
                return false;
            }

            values.Add(value);
            reader.SkipOws();
            if (reader.AtEnd)
            {
                return true;
            }

            if (!reader.TryConsume(','))
            {
                return false;
            }

            reader.SkipOws();
            if (reader.AtEnd)
            {
                return false; // a trailing comma
            }
        }
    }

    /// <summary>Parses a String Item (RFC 9651 §4.2.3).</summary>
    public static bool TryParseStringItem(string? field, out string value)
    {
        value = string.Empty;
        if (field is null || field.Length > MaxFieldLength)
        {
            return false;
        }

        var reader = new Reader(field);
        reader.SkipSp();
        if (!reader.TryReadString(out value) || !reader.TrySkipParameters())
        {
            return false;
        }

        reader.SkipSp();
        return reader.AtEnd;
    }

    /// <summary>Whether <paramref name="value"/> can be sent as an sf-string: printable ASCII only (RFC 9651 §3.3.3).</summary>
    public static bool IsValidString(string value)
    {
        foreach (char c in value)
        {
            if (c is < (char)0x20 or > (char)0x7e)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Serializes a String (RFC 9651 §4.1.6): quoted, with <c>"</c> and <c>\</c> escaped.</summary>
    public static void AppendString(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        builder.Append('"');
    }

    /// <summary>Serializes a List of Strings (RFC 9651 §4.1.1).</summary>
    public static string FormatList(IEnumerable<string> values)
    {
        var builder = new StringBuilder();
        foreach (string value in values)
        {
            if (builder.Length > 0)
            {
                builder.Append(", ");
            }

            AppendString(builder, value);
        }

        return builder.ToString();
    }

    private ref struct Reader(string input)
    {
        private readonly ReadOnlySpan<char> _input = input;
        private int _pos;

        public readonly bool AtEnd => _pos >= _input.Length;

        private readonly char Peek => _pos < _input.Length ? _input[_pos] : '\0';

        public void SkipSp()
        {
            while (Peek == ' ')
            {
                _pos++;
            }
        }

        public void SkipOws()
        {
            while (Peek is ' ' or '\t')
            {
                _pos++;
            }
        }

        public bool TryConsume(char c)
        {
            if (Peek != c || AtEnd)
            {
                return false;
            }

            _pos++;
            return true;
        }

        /// <summary>RFC 9651 §4.2.5: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE, unescaped being printable ASCII.</summary>
        public bool TryReadString(out string value)
        {
            value = string.Empty;
            if (!TryConsume('"'))
            {
                return false;
            }

            var builder = new StringBuilder();
            while (!AtEnd)
            {
                char c = _input[_pos++];
                if (c == '"')
                {
                    value = builder.ToString();
                    return true;
                }

                if (c == '\\')
                {
                    if (AtEnd || _input[_pos] is not ('"' or '\\'))
                    {
                        return false;
                    }

                    c = _input[_pos++];
                }
                else if (c is < (char)0x20 or > (char)0x7e)
                {
                    return false;
                }

                builder.Append(c);
            }

            return false; // no closing quote
        }

        /// <summary>RFC 9651 §4.2.3.2: *( ";" *SP key [ "=" bare-item ] ), every value well-formed, all ignored.</summary>
        public bool TrySkipParameters()
        {
            while (Peek == ';' && !AtEnd)
            {
                _pos++;
                SkipSp();
                if (!TrySkipKey())
                {
                    return false;
                }

                if (Peek == '=' && !AtEnd)
                {
                    _pos++;
                    if (!TrySkipBareItem())
                    {
                        return false;
                    }
                }
            }

            return true;
        }

        private bool TrySkipKey()
        {
            if (!(Peek is >= 'a' and <= 'z' or '*') || AtEnd)
            {
                return false;
            }

            _pos++;
            while (Peek is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' or '.' or '*' && !AtEnd)
            {
                _pos++;
            }

            return true;
        }

        // Integer, Decimal, String, Token, Byte Sequence, Boolean, Date, Display String (RFC 9651 §4.2.3.1).
        private bool TrySkipBareItem()
        {
            char c = Peek;
            if (AtEnd)
            {
                return false;
            }

            if (c == '"')
            {
                return TryReadString(out _);
            }

            if (c is '-' or >= '0' and <= '9' || c == '@')
            {
                _pos++;
                int digits = c is >= '0' and <= '9' ? 1 : 0;
                while (!AtEnd && (Peek is >= '0' and <= '9' || Peek == '.'))
                {
                    _pos++;
                    digits++;
                }

                return digits is > 0 and <= 20;
            }

            if (c == '?')
            {
                _pos++;
                return TryConsume('0') || TryConsume('1');
            }

            if (c == ':')
            {
                _pos++;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek) || Peek is '+' or '/' or '='))
                {
                    _pos++;
                }

                return TryConsume(':');
            }

            if (c == '%')
            {
                _pos++;
                return TryReadDisplayString();
            }

            if (char.IsAsciiLetter(c) || c == '*')
            {
                _pos++;
                while (!AtEnd && (char.IsAsciiLetterOrDigit(Peek) || "!#$%&'*+-.^_`|~:/".Contains(Peek, StringComparison.Ordinal)))
                {
                    _pos++;
                }

                return true;
            }

            return false;
        }

        private bool TryReadDisplayString()
        {
            if (!TryConsume('"'))
            {
                return false;
            }

            while (!AtEnd)
            {
                char c = _input[_pos++];
                if (c == '"')
                {
                    return true;
                }

                if (c is < (char)0x20 or > (char)0x7e)
                {
                    return false;
                }
            }

            return false;
        }
    }
}
