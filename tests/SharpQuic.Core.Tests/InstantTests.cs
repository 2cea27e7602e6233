namespace SharpQuic.Core.Tests;

public sealed class InstantTests
{
    [Fact]
    public void Adds_and_subtracts_durations_in_microseconds()
    {
        Instant t = Instant.FromMilliseconds(5) + TimeSpan.FromMicroseconds(250);
        Assert.Equal(5_250, t.Microseconds);
        Assert.Equal(TimeSpan.FromMicroseconds(5_250), t - Instant.Zero);
        Assert.True(Instant.Zero < t);
        Assert.Equal(t, Instant.Max(t, Instant.Zero));
        Assert.Equal(Instant.Zero, Instant.Min(t, Instant.Zero));
    }

    [Fact]
    public void Adding_to_a_far_instant_saturates_instead_of_wrapping()
        => Assert.Equal(Instant.Infinite, new Instant(long.MaxValue - 10) + TimeSpan.FromSeconds(1));
}
