namespace SharpQuic.Http3;

/// <summary>
/// The RFC 9218 priority of an HTTP response: an urgency (0 most urgent … 7 least, default 3, §4.1) and whether
/// the response is useful in pieces (incremental, default false, §4.2). Carried in the Priority header field (§5)
/// and in HTTP/3 PRIORITY_UPDATE frames (§7.2), both as an RFC 8941 Dictionary.
/// </summary>
/// <param name="Urgency">0 (sent first) to 7 (sent last).</param>
/// <param name="Incremental">True when the client can use the response before it is complete, so responses of one
/// urgency may share the connection; false when they are best sent one after another.</param>
public readonly record struct Http3Priority(int Urgency, bool Incremental)
{
    /// <summary>RFC 9218 §4.1: the default urgency.</summary>
    public const int DefaultUrgency = 3;

    /// <summary>The lowest (most urgent) urgency value.</summary>
    public const int MinUrgency = 0;

    /// <summary>The highest (least urgent) urgency value.</summary>
    public const int MaxUrgency = 7;

    /// <summary>What a request without priority signals gets (RFC 9218 §4): u=3, not incremental.</summary>
    public static Http3Priority Default => new(DefaultUrgency, false);

    /// <summary>
    /// Parses a Priority field value (RFC 9218 §4–§5). Never throws on input: a value that is not a valid RFC 8941
    /// Dictionary is ignored as a whole (<see cref="Default"/>); unknown keys are ignored; a <c>u</c> that is not
    /// an Integer in 0..7 or an <c>i</c> that is not a Boolean is ignored, leaving that parameter at its default.
    /// When a key appears twice the last one counts (RFC 8941 §4.2.2).
    /// </summary>
    public static Http3Priority Parse(ReadOnlySpan<char> fieldValue)
    {
        TryParse(fieldValue, out Http3Priority priority);
        return priority;
    }

    /// <summary>
    /// As <see cref="Parse"/>, and says whether the value was a valid Dictionary (false: <paramref name="priority"/>
    /// is <see cref="Default"/>). Unknown keys and ignored parameter values do not make it false.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> fieldValue, out Http3Priority priority)
    {
        if (!TryParseParameters(fieldValue, out int? urgency, out bool? incremental))
        {
            priority = Default;
            return false;
        }

        priority = new Http3Priority(urgency ?? DefaultUrgency, incremental ?? false);
        return true;
    }

    /// <summary>
    /// RFC 9218 §7: a PRIORITY_UPDATE carries the request's complete new priority, which replaces the current one
    /// (parameters it omits take their defaults, as for any priority field value). With no update the priority
    /// stays. Parse the frame's Priority Field Value with <see cref="Parse"/> first.
    /// </summary>
    public Http3Priority Merge(Http3Priority? updateOrNull) => updateOrNull ?? this;

    /// <summary>
    /// RFC 9218 §8: a server (or intermediary) that sends a Priority response header overrides the client's
    /// parameters one by one: each parameter present and valid in <paramref name="responseFieldValue"/> replaces the
    /// client's; the others keep the client's value. An invalid field changes nothing.
    /// </summary>
    public Http3Priority WithServerOverride(ReadOnlySpan<char> responseFieldValue)
    {
        if (!TryParseParameters(responseFieldValue, out int? urgency, out bool? incremental))
        {
            return this;
        }

        return new Http3Priority(urgency ?? Urgency, incremental ?? Incremental);
    }

    /// <summary>
    /// The field value to send (RFC 9218 §4): parameters at their default are omitted, so <see cref="Default"/> is
    /// the empty string (send no field) and (1, true) is <c>"u=1, i"</c>. An urgency outside 0..7 is clamped.
    /// </summary>
    public string ToFieldValue()
    {
        int urgency = Math.Clamp(Urgency, MinUrgency, MaxUrgency);
        return (urgency == DefaultUrgency, Incremental) switch
        {
            (true, false) => string.Empty,
            (true, true) => "i",
            (false, false) => "u=" + (char)('0' + urgency),
            (false, true) => "u=" + (char)('0' + urgency) + ", i",
        };
    }

    /// <inheritdoc/>
    public override string ToString() => $"u={Urgency}, i={(Incremental ? "?1" : "?0")}";

    /// <summary>The parameters present with a valid value; false when the field is not a Dictionary (RFC 8941 §4.2).</summary>
    private static bool TryParseParameters(ReadOnlySpan<char> fieldValue, out int? urgency, out bool? incremental)
    {
        urgency = null;
        incremental = null;
        var reader = new StructuredFieldDictionaryReader(fieldValue);
        while (reader.TryReadNext(out StructuredFieldMember member))
        {
            // The last occurrence of a key is the member (RFC 8941 §4.2.2): an invalid last value resets the
            // parameter to "absent" even after a valid earlier one.
            if (member.Key.SequenceEqual("u"))
            {
                urgency = member.Kind == StructuredFieldKind.Integer && member.Integer is >= MinUrgency and <= MaxUrgency
                    ? (int)member.Integer
                    : null;
            }
            else if (member.Key.SequenceEqual("i"))
            {
                incremental = member.Kind == StructuredFieldKind.Boolean ? member.Boolean : null;
            }

            // RFC 9218 §4: unknown parameters are ignored.
        }

        if (reader.Failed)
        {
            urgency = null;
            incremental = null;
            return false;
        }

        return true;
    }
}
