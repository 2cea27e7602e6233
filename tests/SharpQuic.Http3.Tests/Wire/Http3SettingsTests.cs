using System.Buffers;
using SharpQuic.Http3.Wire;
using static SharpQuic.Http3.Tests.Wire.Harness;

namespace SharpQuic.Http3.Tests.Wire;

public sealed class Http3SettingsTests
{
    [Fact]
    public void Every_setting_round_trips_over_random_values()
    {
        var random = new Random(0x33);
        for (int i = 0; i < 500; i++)
        {
            var sent = new Http3Settings
            {
                QPackMaxTableCapacity = VarIntValue(random),
                MaxFieldSectionSize = random.Next(2) == 0 ? null : VarIntValue(random),
                QPackBlockedStreams = VarIntValue(random),
                EnableConnectProtocol = random.Next(2) == 0,
                H3Datagram = random.Next(2) == 0,
                H3DatagramDraft04 = random.Next(2) == 0,
                WebTransportEnabled = random.Next(2) == 0,
                WebTransportInitialMaxStreamsUni = VarIntValue(random),
                WebTransportInitialMaxStreamsBidi = VarIntValue(random),
                WebTransportInitialMaxData = VarIntValue(random),
                WebTransportMaxSessions = random.Next(2) == 0 ? null : VarIntValue(random),
                EnableWebTransportDraft02 = random.Next(2) == 0,
                WebTransportMaxSessionsDraft07 = random.Next(2) == 0 ? null : VarIntValue(random),
                Grease = random.Next(2) == 0 ? null : (Http3Grease.Value((ulong)random.Next(1000)), VarIntValue(random)),
            };

            var writer = new ArrayBufferWriter<byte>();
            sent.WriteFrame(writer);
            var reader = new Http3FrameReader(Http3StreamKind.Control, localIsClient: random.Next(2) == 0);
            Assert.Equal(Http3FrameReadStatus.Frame, reader.Read(writer.WrittenSpan, out int consumed, out Http3FrameEvent frame));
            Assert.Equal(writer.WrittenCount, consumed);
            Assert.Equal(sent.GetPayloadLength(), frame.Payload.Length);
            Assert.True(Http3Settings.TryParse(frame.Payload, out Http3Settings? got, out _));

            Assert.Equal(sent.QPackMaxTableCapacity, got.QPackMaxTableCapacity);
            Assert.Equal(sent.MaxFieldSectionSize, got.MaxFieldSectionSize);
            Assert.Equal(sent.QPackBlockedStreams, got.QPackBlockedStreams);
            Assert.Equal(sent.EnableConnectProtocol, got.EnableConnectProtocol);
            Assert.Equal(sent.H3Datagram, got.H3Datagram);
            Assert.Equal(sent.H3DatagramDraft04, got.H3DatagramDraft04);
            Assert.Equal(sent.WebTransportEnabled, got.WebTransportEnabled);
            Assert.Equal(sent.WebTransportInitialMaxStreamsUni, got.WebTransportInitialMaxStreamsUni);
            Assert.Equal(sent.WebTransportInitialMaxStreamsBidi, got.WebTransportInitialMaxStreamsBidi);
            Assert.Equal(sent.WebTransportInitialMaxData, got.WebTransportInitialMaxData);
            Assert.Equal(sent.WebTransportMaxSessions, got.WebTransportMaxSessions);
            Assert.Equal(sent.EnableWebTransportDraft02, got.EnableWebTransportDraft02);
            Assert.Equal(sent.WebTransportMaxSessionsDraft07, got.WebTransportMaxSessionsDraft07);
            Assert.Null(got.Grease); // GREASE carries no meaning on receipt
        }
    }

    [Fact]
    public void Code_points_are_the_registered_ones()
    {
        var settings = new Http3Settings
        {
            QPackMaxTableCapacity = 1, MaxFieldSectionSize = 2, QPackBlockedStreams = 3, EnableConnectProtocol = true,
            H3Datagram = true, H3DatagramDraft04 = true, WebTransportEnabled = true, WebTransportInitialMaxStreamsUni = 4,
            WebTransportInitialMaxStreamsBidi = 5, WebTransportInitialMaxData = 6, WebTransportMaxSessions = 7,
            EnableWebTransportDraft02 = true, WebTransportMaxSessionsDraft07 = 8,
        };
        var payload = new byte[settings.GetPayloadLength()];
        Assert.True(settings.TryWritePayload(payload, out int written));
        Assert.Equal(payload.Length, written);
        byte[] expected = VarInts(
            0x01, 1, 0x06, 2, 0x07, 3, 0x08, 1, 0x33, 1, 0xffd277, 1, 0x2c7cf000, 1, 0x2b64, 4, 0x2b65, 5, 0x2b61, 6,
            0x14e9cd29, 7, 0x2b603742, 1, 0xc671706a, 8);
        Assert.Equal(expected, payload);
    }

    [Fact]
    public void Defaults_write_an_empty_payload_and_a_short_destination_fails()
    {
        var settings = new Http3Settings();
        Assert.Equal(0, settings.GetPayloadLength());
        settings.H3Datagram = true;
        Assert.False(settings.TryWriteFrame(new byte[3], out _));
        Assert.True(settings.TryWriteFrame(new byte[4], out int written));
        Assert.Equal(4, written);
    }

    [Theory]
    [InlineData(0x00UL)]
    [InlineData(0x02UL)]
    [InlineData(0x03UL)]
    [InlineData(0x04UL)]
    [InlineData(0x05UL)]
    public void Reserved_http2_settings_are_settings_errors(ulong id)
    {
        Assert.False(Http3Settings.TryParse(VarInts(0x06, 100, id, 0), out _, out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.SettingsError, error);
    }

    [Theory]
    [InlineData(0x01UL)]
    [InlineData(0x33UL)]
    [InlineData(0x21UL)] // duplicates of unknown identifiers count too
    [InlineData(0x7777UL)]
    public void Duplicate_identifiers_are_settings_errors(ulong id)
    {
        Assert.False(Http3Settings.TryParse(VarInts(id, 0, 0x06, 9, id, 0), out _, out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.SettingsError, error);
    }

    [Fact]
    public void Many_distinct_identifiers_parse_beyond_the_stack_buffer()
    {
        var values = new List<ulong>();
        for (ulong i = 0; i < 600; i++)
        {
            values.Add(0x1000 + i);
            values.Add(i);
        }

        Assert.True(Http3Settings.TryParse(VarInts([.. values]), out _, out _));
        values.Add(0x1000 + 599);
        values.Add(1);
        Assert.False(Http3Settings.TryParse(VarInts([.. values]), out _, out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.SettingsError, error);
    }

    [Theory]
    [InlineData(0x08UL)]
    [InlineData(0x33UL)]
    [InlineData(0xffd277UL)]
    [InlineData(0x2c7cf000UL)]
    [InlineData(0x2b603742UL)]
    public void Boolean_settings_other_than_0_or_1_are_settings_errors(ulong id)
    {
        Assert.True(Http3Settings.TryParse(VarInts(id, 0), out _, out _));
        Assert.True(Http3Settings.TryParse(VarInts(id, 1), out _, out _));
        Assert.False(Http3Settings.TryParse(VarInts(id, 2), out _, out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.SettingsError, error);
    }

    [Fact]
    public void Unknown_and_grease_settings_are_ignored()
    {
        var random = new Random(5);
        for (int i = 0; i < 100; i++)
        {
            ulong grease = Http3Grease.Value((ulong)random.Next(100_000));
            byte[] payload = VarInts(grease, VarIntValue(random), 0x06, 4096, 0x7f7f_0000 + (ulong)i, VarIntValue(random));
            Assert.True(Http3Settings.TryParse(payload, out Http3Settings? settings, out _));
            Assert.Equal(4096UL, settings.MaxFieldSectionSize);
        }
    }

    [Fact]
    public void A_cut_parameter_is_a_frame_error()
    {
        Assert.False(Http3Settings.TryParse(VarInts(0x06), out _, out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.FrameError, error);
    }

    [Fact]
    public void A_grease_setting_must_have_a_reserved_identifier()
    {
        var settings = new Http3Settings();
        Assert.Throws<ArgumentException>(() => settings.Grease = (0x22, 1));
        settings.Grease = (0x21 + 0x1f, 1);
        Assert.Equal(VarInts(0x40, 1), Payload(settings));
    }

    private static byte[] Payload(Http3Settings settings)
    {
        var payload = new byte[settings.GetPayloadLength()];
        Assert.True(settings.TryWritePayload(payload, out _));
        return payload;
    }
}
