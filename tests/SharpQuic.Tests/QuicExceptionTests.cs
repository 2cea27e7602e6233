namespace SharpQuic.Tests;

public sealed class QuicExceptionTests
{
    [Fact]
    public void Carries_error_and_codes_like_System_Net_Quic()
    {
        var ex = new QuicException(QuicError.TransportError, applicationErrorCode: null, transportErrorCode: 0x0a, "protocol violation", innerException: null);
        Assert.Equal(QuicError.TransportError, ex.QuicError);
        Assert.Null(ex.ApplicationErrorCode);
        Assert.Equal(0x0a, ex.TransportErrorCode);
        Assert.IsAssignableFrom<IOException>(ex);
    }

    [Theory]
    [InlineData(QuicError.ConnectionTimeout, 6)]
    [InlineData(QuicError.ConnectionRefused, 8)]
    [InlineData(QuicError.CallbackError, 14)]
    public void Error_values_match_System_Net_Quic(QuicError error, int expected)
        => Assert.Equal(expected, (int)error);
}
