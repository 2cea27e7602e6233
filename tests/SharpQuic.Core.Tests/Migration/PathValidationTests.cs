using System.Net;
using SharpQuic.Core.Connection;

namespace SharpQuic.Core.Tests.Migration;

/// <summary>The per-path validation record (RFC 9000 §8.2.3, §8.2.4).</summary>
public sealed class PathValidationTests
{
    private static readonly IPEndPoint Remote = new(IPAddress.Loopback, 1000);

    [Fact]
    public void Response_MatchesOnlyChallengesSentInThisAttempt()
    {
        var v = new PathValidation();
        v.Start(PathValidationPurpose.PeerMigration, Remote, null, 3, Instant.Zero, TimeSpan.FromSeconds(1));
        v.QueueChallenge(0x1111, Instant.Zero);
        Assert.False(v.Matches(0x1111)); // queued, not yet sent
        v.OnChallengeSent();
        v.QueueChallenge(0x2222, Instant.Zero + TimeSpan.FromSeconds(1));
        v.OnChallengeSent();
        Assert.True(v.Matches(0x1111)); // §8.2.3: any earlier challenge of the attempt
        Assert.True(v.Matches(0x2222));
        Assert.False(v.Matches(0x3333));
        Assert.Equal(2, v.ChallengesSent);

        v.Stop();
        Assert.False(v.Matches(0x1111));
        v.Start(PathValidationPurpose.PeerMigration, Remote, null, 3, Instant.Zero, TimeSpan.FromSeconds(1));
        Assert.False(v.Matches(0x2222)); // a new attempt forgets the old payloads
    }

    [Fact]
    public void Deadline_IsThreeIntervals_AndOldChallengesAgeOut()
    {
        var v = new PathValidation();
        Instant start = Instant.Zero + TimeSpan.FromSeconds(5);
        v.Start(PathValidationPurpose.ClientMigration, Remote, new IPEndPoint(IPAddress.Loopback, 2000), 7, start, TimeSpan.FromMilliseconds(400));
        Assert.Equal(start + TimeSpan.FromMilliseconds(1200), v.Deadline);
        Assert.True(v.IsPath(Remote, new IPEndPoint(IPAddress.Loopback, 2000)));
        Assert.False(v.IsPath(Remote, null));
        for (ulong i = 1; i <= PathValidation.RememberedChallenges + 1; i++)
        {
            v.QueueChallenge(i, start);
            v.OnChallengeSent();
        }

        Assert.False(v.Matches(1)); // the oldest fell out of the bounded set
        Assert.True(v.Matches(PathValidation.RememberedChallenges + 1));
    }
}
