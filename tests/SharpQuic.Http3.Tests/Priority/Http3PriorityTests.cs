

namespace SharpQuic.Http3.Tests.Priorities;

/// <summary>RFC 9218 §4–§5 Priority field values over RFC 8941 Dictionary syntax.</summary>
public sealed class Http3PriorityTests
{
    [Theory]
    // RFC 9218 §4.1 and §4.2 examples.
    [InlineData("u=5, i", 5, true)]
    [InlineData("u=0", 0, false)]
    [InlineData("u=5", 5, false)]
    [InlineData("i", 3, true)]
    [InlineData("i=?1", 3, true)]
    [InlineData("i=?0", 3, false)]
    [InlineData("u=7,i=?1", 7, true)]
    [InlineData("", 3, false)]
    [InlineData("   ", 3, false)]
    // Whitespace: leading SP, OWS (SP and HTAB) around commas, trailing OWS.
    [InlineData("  u=1 ,\ti", 1, true)]
    [InlineData("u=1,   i  ", 1, true)]
    [InlineData("u=2\t", 2, false)]
    // Unknown keys and their values of any type are ignored, including inner lists and parameters.
    [InlineData("foo=bar, u=1", 1, false)]
    [InlineData("u=6, x=\"a string, with a comma\", i", 6, true)]
    [InlineData("a=(1 2 \"three\" ?1), u=4", 4, false)]
    [InlineData("a=();p=1, u=4, i", 4, true)]
    [InlineData("u=2;ignored=?0, i;p", 2, true)]
    [InlineData("b=:aGVsbG8=:, u=1", 1, false)]
    [InlineData("d=1.25, u=0", 0, false)]
    [InlineData("t=*tok/en:x, i", 3, true)]
    [InlineData("*star=1, u=5", 5, false)]
    // Out of range or wrongly typed u / i: that parameter keeps its default, the other is kept.
    [InlineData("u=8, i", 3, true)]
    [InlineData("u=-1, i", 3, true)]
    [InlineData("u=1.0, i", 3, true)]
    [InlineData("u=\"1\", i", 3, true)]
    [InlineData("u=?1", 3, false)]
    [InlineData("u=one", 3, false)]
    [InlineData("u=(1), i", 3, true)]
    [InlineData("u=1, i=1", 1, false)]
    [InlineData("u=1, i=\"?1\"", 1, false)]
    [InlineData("u=1, i=tok", 1, false)]
    [InlineData("u=999999999999999, i", 3, true)]
    // Duplicate keys: the last member counts, even when its value is ignored.
    [InlineData("u=1, u=6", 6, false)]
    [InlineData("u=1, u=9", 3, false)]
    [InlineData("i, i=?0", 3, false)]
    public void Parses_valid_dictionaries(string field, int urgency, bool incremental)
    {
        Assert.True(Http3Priority.TryParse(field, out Http3Priority parsed));
        Assert.Equal(new Http3Priority(urgency, incremental), parsed);
        Assert.Equal(parsed, Http3Priority.Parse(field));
    }

    [Theory]
    [InlineData("u=1,")]
    [InlineData(",u=1")]
    [InlineData("u=1,,i")]
    [InlineData("u=1 i")]
    [InlineData("U=1")]
    [InlineData("u=1, I")]
    [InlineData("\tu=1")]
    [InlineData("u=")]
    [InlineData("u=1a")]
    [InlineData("u=-")]
    [InlineData("u=1.")]
    [InlineData("u=1.2345")]
    [InlineData("u=1234567890123456")]
    [InlineData("d=1234567890123.5, u=1")]
    [InlineData("u=1, i=?2")]
    [InlineData("u=1, i=?")]
    [InlineData("s=\"unterminated, u=1")]
    [InlineData("s=\"bad \\n escape\", u=1")]
    [InlineData("s=\"tab\tinside\", u=1")]
    [InlineData("b=:not base64!:, u=1")]
    [InlineData("b=:open, u=1")]
    [InlineData("l=(1 2, u=1")]
    [InlineData("l=(1,2), u=1")]
    [InlineData("l=(1  2)x, u=1")]
    [InlineData("u=1;")]
    [InlineData("u=1;P=2")]
    [InlineData("u=(1 (2)), i")]
    [InlineData("u=1\u00e9")]
    [InlineData("ü=1, u=1")]
    [InlineData("u=1, =2")]
    public void A_value_that_is_not_a_dictionary_is_ignored_as_a_whole(string field)
    {
        Assert.False(Http3Priority.TryParse(field, out Http3Priority parsed));
        Assert.Equal(Http3Priority.Default, parsed);
        Assert.Equal(Http3Priority.Default, Http3Priority.Parse(field));
    }

    [Fact]
    public void Parameters_on_members_may_follow_with_spaces_after_the_semicolon()
    {
        // RFC 8941 §3.1.2: parameters are ";" *SP key ["=" value]; the space goes after ";", never before.
        Assert.Equal(new Http3Priority(1, true), Http3Priority.Parse("u=1;  p=2, i"));
    }

    [Theory]
    [InlineData(3, false, "")]
    [InlineData(3, true, "i")]
    [InlineData(1, false, "u=1")]
    [InlineData(1, true, "u=1, i")]
    [InlineData(0, true, "u=0, i")]
    [InlineData(7, false, "u=7")]
    public void Serializes_with_defaults_omitted_and_round_trips(int urgency, bool incremental, string expected)
    {
        var priority = new Http3Priority(urgency, incremental);
        Assert.Equal(expected, priority.ToFieldValue());
        Assert.Equal(priority, Http3Priority.Parse(priority.ToFieldValue()));
    }

    [Fact]
    public void Every_priority_round_trips()
    {
        for (int u = Http3Priority.MinUrgency; u <= Http3Priority.MaxUrgency; u++)
        {
            foreach (bool i in new[] { false, true })
            {
                var priority = new Http3Priority(u, i);
                Assert.True(Http3Priority.TryParse(priority.ToFieldValue(), out Http3Priority back));
                Assert.Equal(priority, back);
            }
        }
    }

    [Fact]
    public void A_priority_update_replaces_the_whole_priority()
    {
        var initial = new Http3Priority(1, true);

        // RFC 9218 §7: the update is the complete new priority; what it omits is at the default again.
        Assert.Equal(new Http3Priority(5, false), initial.Merge(Http3Priority.Parse("u=5")));
        Assert.Equal(Http3Priority.Default, initial.Merge(Http3Priority.Parse("")));
        Assert.Equal(initial, initial.Merge(null));
    }

    [Fact]
    public void A_server_priority_header_overrides_only_the_parameters_it_carries()
    {
        var client = new Http3Priority(1, true);

        // RFC 9218 §8.
        Assert.Equal(new Http3Priority(6, true), client.WithServerOverride("u=6"));
        Assert.Equal(new Http3Priority(1, false), client.WithServerOverride("i=?0"));
        Assert.Equal(client, client.WithServerOverride("u=9, x"));
        Assert.Equal(client, client.WithServerOverride("u=,"));
    }

    [Fact]
    public void Random_input_never_throws_and_always_yields_a_valid_priority()
    {
        // Alphabet weighted towards the syntax's own characters so that deep paths are reached.
        const string alphabet = "ui=?01234567-.,;() \t\"\\:*abcxyzAZ/+%@!é\u0000";
        var random = new Random(9218);
        char[] buffer = new char[64];
        int valid = 0;
        for (int n = 0; n < 100_000; n++)
        {
            int length = random.Next(buffer.Length + 1);
            for (int k = 0; k < length; k++)
            {
                buffer[k] = alphabet[random.Next(alphabet.Length)];
            }

            ReadOnlySpan<char> field = buffer.AsSpan(0, length);
            bool ok = Http3Priority.TryParse(field, out Http3Priority priority);
            Assert.InRange(priority.Urgency, Http3Priority.MinUrgency, Http3Priority.MaxUrgency);
            if (!ok)
            {
                Assert.Equal(Http3Priority.Default, priority);
            }
            else
            {
                valid++;
            }
        }

        // The generator reaches both outcomes.
        Assert.InRange(valid, 1, 99_999);
    }

    [Fact]
    public void Mutated_valid_values_never_throw()
    {
        string[] seeds = ["u=5, i", "a=(1 2 \"x\");q=?0, u=0, i=?1", "b=:AA==:, t=tok, d=-1.5"];
        var random = new Random(0x9218);
        foreach (string seed in seeds)
        {
            for (int n = 0; n < 20_000; n++)
            {
                char[] chars = seed.ToCharArray();
                int edits = 1 + random.Next(3);
                for (int e = 0; e < edits; e++)
                {
                    chars[random.Next(chars.Length)] = (char)random.Next(0, 128);
                }

                Http3Priority priority = Http3Priority.Parse(chars);
                Assert.InRange(priority.Urgency, 0, 7);
            }
        }
    }
}
