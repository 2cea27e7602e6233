namespace SharpQuic.Http3;

/// <summary>The type of a Dictionary member's value (RFC 8941 §3.3).</summary>
internal enum StructuredFieldKind : byte
{
    /// <summary>sf-integer, §3.3.1 (value in <see cref="StructuredFieldMember.Integer"/>).</summary>
    Integer,

    /// <summary>sf-decimal, §3.3.2.</summary>
    Decimal,

    /// <summary>sf-string, §3.3.3.</summary>
    String,

    /// <summary>sf-token, §3.3.4.</summary>
    Token,

    /// <summary>sf-binary, §3.3.5.</summary>
    ByteSequence,

    /// <summary>sf-boolean, §3.3.6 (value in <see cref="StructuredFieldMember.Boolean"/>); a bare key is true (§3.2).</summary>
    Boolean,

    /// <summary>An inner list, §3.1.1.</summary>
    InnerList,
}

/// <summary>One Dictionary member: its key and, for the types RFC 9218 uses, its value. Parameters are validated and skipped.</summary>
internal readonly ref struct StructuredFieldMember
{
    public StructuredFieldMember(ReadOnlySpan<char> key, StructuredFieldKind kind, long integer, bool boolean)
    {
        Key = key;
        Kind = kind;
        Integer = integer;
        Boolean = boolean;
    }

    /// <summary>The member key (lowercase, §3.1.2).</summary>
    public ReadOnlySpan<char> Key { get; }

    /// <summary>The value's type.</summary>
    public StructuredFieldKind Kind { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="StructuredFieldKind.Integer"/>.</summary>
    public long Integer { get; }

    /// <summary>The value when <see cref="Kind"/> is <see cref="StructuredFieldKind.Boolean"/>.</summary>
    public bool Boolean { get; }
}

/// <summary>
/// Reads an RFC 8941 Dictionary (§3.2, parsing algorithm §4.2.2) member by member, over the field value as given:
/// no allocation, one pass, no recursion (inner lists nest one level only), so any input is parsed in linear time.
/// Any syntax error makes the whole field invalid (§4.2: "fail parsing"); the caller then ignores the field.
/// Duplicate keys are all reported in order: the last one wins (§4.2.2), which the caller applies.
/// </summary>
internal ref struct StructuredFieldDictionaryReader
{
    private readonly ReadOnlySpan<char> _input;
    private int _pos;
    private bool _failed;
    private bool _first;

    public StructuredFieldDictionaryReader(ReadOnlySpan<char> fieldValue)
    {
        _input = fieldValue;
        _pos = 0;
        _failed = false;
        _first = true;

        // §4.2 step 2: discard leading SP.
        SkipSp();
    }

    /// <summary>True once a syntax error was found: the field as a whole is invalid.</summary>
    public readonly bool Failed => _failed;

    /// <summary>Reads the next member; false at the end of the dictionary or on an error (then <see cref="Failed"/>).</summary>
    public bool TryReadNext(out StructuredFieldMember member)
    {
        member = default;
        if (_failed || _pos >= _input.Length)
        {
            return false;
        }

        if (!_first)
        {
            // §4.2.2: after a member, OWS "," OWS, and something must follow the comma.
            SkipOws();
            if (_pos >= _input.Length)
            {
                return false;
            }

            if (_input[_pos] != ',')
            {
                return Fail();
            }

            _pos++;
            SkipOws();
            if (_pos >= _input.Length)
            {
                return Fail();
            }
        }

        _first = false;
        if (!TryReadKey(out ReadOnlySpan<char> key))
        {
            return Fail();
        }

        StructuredFieldKind kind = StructuredFieldKind.Boolean;
        long integer = 0;
        bool boolean = true;
        if (_pos < _input.Length && _input[_pos] == '=')
        {
            _pos++;
            bool ok = _pos < _input.Length && _input[_pos] == '('
                ? TryReadInnerList(out kind)
                : TryReadBareItem(out kind, out integer, out boolean);
            if (!ok)
            {
                return Fail();
            }
        }

        // A bare key is Boolean true with parameters (§4.2.2); an item or inner list carries parameters too.
        if (!TrySkipParameters())
        {
            return Fail();
        }

        // The member must end here: OWS and a comma, or the end of the field (checked on the next call).
        if (_pos < _input.Length && _input[_pos] is not (' ' or '\t' or ','))
        {
            return Fail();
        }

        member = new StructuredFieldMember(key, kind, integer, boolean);
        return true;
    }

    private bool Fail()
    {
        _failed = true;
        return false;
    }

    private void SkipSp()
    {
        while (_pos < _input.Length && _input[_pos] == ' ')
        {
            _pos++;
        }
    }

    private void SkipOws()
    {
        while (_pos < _input.Length && _input[_pos] is ' ' or '\t')
        {
            _pos++;
        }
    }

    /// <summary>§4.2.3.3: key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ).</summary>
    private bool TryReadKey(out ReadOnlySpan<char> key)
    {
        int start = _pos;
        key = default;
        if (_pos >= _input.Length || !(IsLcAlpha(_input[_pos]) || _input[_pos] == '*'))
        {
            return false;
        }

        _pos++;
        while (_pos < _input.Length && (IsLcAlpha(_input[_pos]) || char.IsAsciiDigit(_input[_pos]) || _input[_pos] is '_' or '-' or '.' or '*'))
        {
            _pos++;
        }

        key = _input[start.._pos];
        return true;
    }

    /// <summary>§4.2.1.2: "(" *SP [ sf-item *( 1*SP sf-item ) *SP ] ")"; parameters follow (read by the caller).</summary>
    private bool TryReadInnerList(out StructuredFieldKind kind)
    {
        kind = StructuredFieldKind.InnerList;
        _pos++;
        while (_pos < _input.Length)
        {
            SkipSp();
            if (_pos >= _input.Length)
            {
                return false;
            }

            if (_input[_pos] == ')')
            {
                _pos++;
                return true;
            }

            if (!TryReadBareItem(out _, out _, out _) || !TrySkipParameters())
            {
                return false;
            }

            if (_pos >= _input.Length || _input[_pos] is not (' ' or ')'))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>§4.2.3.2: *( ";" *SP key [ "=" bare-item ] ).</summary>
    private bool TrySkipParameters()
    {
        while (_pos < _input.Length && _input[_pos] == ';')
        {
            _pos++;
            SkipSp();
            if (!TryReadKey(out _))
            {
                return false;
            }

            if (_pos < _input.Length && _input[_pos] == '=')
            {
                _pos++;
                if (!TryReadBareItem(out _, out _, out _))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>§4.2.3.1: dispatch on the first character.</summary>
    private bool TryReadBareItem(out StructuredFieldKind kind, out long integer, out bool boolean)
    {
        kind = default;
        integer = 0;
        boolean = false;
        if (_pos >= _input.Length)
        {
            return false;
        }

        char c = _input[_pos];
        if (c == '-' || char.IsAsciiDigit(c))
        {
            return TryReadNumber(out kind, out integer);
        }

        switch (c)
        {
            case '"':
                kind = StructuredFieldKind.String;
                return TryReadString();
            case ':':
                kind = StructuredFieldKind.ByteSequence;
                return TryReadByteSequence();
            case '?':
                kind = StructuredFieldKind.Boolean;
                return TryReadBoolean(out boolean);
        }

        if (char.IsAsciiLetter(c) || c == '*')
        {
            kind = StructuredFieldKind.Token;
            _pos++;
            while (_pos < _input.Length && (IsTChar(_input[_pos]) || _input[_pos] is ':' or '/'))
            {
                _pos++;
            }

            return true;
        }

        return false;
    }

    /// <summary>§4.2.4: at most 15 integer digits; a decimal has at most 12 before and 1–3 after the dot.</summary>
    private bool TryReadNumber(out StructuredFieldKind kind, out long value)
    {
        kind = StructuredFieldKind.Integer;
        value = 0;
        bool negative = false;
        if (_input[_pos] == '-')
        {
            negative = true;
            _pos++;
        }

        if (_pos >= _input.Length || !char.IsAsciiDigit(_input[_pos]))
        {
            return false;
        }

        int digits = 0;
        int fractionDigits = 0;
        while (_pos < _input.Length)
        {
            char c = _input[_pos];
            if (char.IsAsciiDigit(c))
            {
                if (kind == StructuredFieldKind.Integer)
                {
                    if (++digits > 15)
                    {
                        return false;
                    }

                    value = (value * 10) + (c - '0');
                }
                else if (++fractionDigits > 3)
                {
                    return false;
                }
            }
            else if (c == '.' && kind == StructuredFieldKind.Integer)
            {
                if (digits > 12)
                {
                    return false;
                }

                kind = StructuredFieldKind.Decimal;
            }
            else
            {
                break;
            }

            _pos++;
        }

        if (kind == StructuredFieldKind.Decimal && fractionDigits == 0)
        {
            return false;
        }

        if (negative)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>§4.2.5: printable ASCII between quotes; only \" and \\ escapes.</summary>
    private bool TryReadString()
    {
        _pos++;
        while (_pos < _input.Length)
        {
            char c = _input[_pos++];
            if (c == '\\')
            {
                if (_pos >= _input.Length || _input[_pos] is not ('"' or '\\'))
                {
                    return false;
                }

                _pos++;
            }
            else if (c == '"')
            {
                return true;
            }
            else if (c is < '\x20' or > '\x7e')
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>§4.2.7: ":" base64 ":" (the characters are checked, the bytes are not needed).</summary>
    private bool TryReadByteSequence()
    {
        _pos++;
        while (_pos < _input.Length)
        {
            char c = _input[_pos++];
            if (c == ':')
            {
                return true;
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '='))
            {
                return false;
            }
        }

        return false;
    }

    /// <summary>§4.2.8: "?0" or "?1".</summary>
    private bool TryReadBoolean(out bool value)
    {
        value = false;
        _pos++;
        if (_pos >= _input.Length || _input[_pos] is not ('0' or '1'))
        {
            return false;
        }

        value = _input[_pos] == '1';
        _pos++;
        return true;
    }

    private static bool IsLcAlpha(char c) => c is >= 'a' and <= 'z';

    /// <summary>RFC 9110 §5.6.2 tchar.</summary>
    private static bool IsTChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';
}
