using System.Net;

namespace SharpQuic.Core.Connection;

/// <summary>Why a path is being validated (RFC 9000 §8.2, §9).</summary>
internal enum PathValidationPurpose : byte
{
    /// <summary>Nothing under way.</summary>
    None,

    /// <summary>Server: the peer moved (NAT rebinding or client migration, §9.3); its new address is already in use.</summary>
    PeerMigration,

    /// <summary>Server: a non-probing packet arrived at another local address (our preferred address, §9.6.2); we switch on success.</summary>
    LocalAddress,

    /// <summary>Server: the previously active path, checked after an apparent migration (§9.3.3).</summary>
    PreviousPath,

    /// <summary>Client: our own new local address (active migration, §9.2); we switch on success.</summary>
    ClientMigration,

    /// <summary>Client: the server's preferred address (§9.6.1); we switch on success.</summary>
    PreferredAddress,
}

/// <summary>
/// One path validation (RFC 9000 §8.2): the path (our local address, the peer's address), the connection ID its probes
/// carry, the last few unpredictable PATH_CHALLENGE payloads sent on it (a PATH_RESPONSE may answer any of them,
/// §8.2.3), when the next challenge goes and when the attempt is abandoned (§8.2.4). Reused: no allocation per attempt.
/// </summary>
internal sealed class PathValidation
{
    /// <summary>Challenges remembered per attempt: about one per PTO until the 3-PTO deadline.</summary>
    public const int RememberedChallenges = 4;

    private readonly ulong[] _sent = new ulong[RememberedChallenges];
    private int _sentCount;
    private int _sentNext;

    /// <summary>Why, or <see cref="PathValidationPurpose.None"/> when idle.</summary>
    public PathValidationPurpose Purpose { get; private set; }

    /// <summary>Whether an attempt is under way.</summary>
    public bool InProgress => Purpose != PathValidationPurpose.None;

    /// <summary>The peer's address on the path.</summary>
    public IPEndPoint Remote { get; private set; } = new(IPAddress.None, 0);

    /// <summary>Our address on the path; null means the socket's own (the handshake's) address.</summary>
    public IPEndPoint? Local { get; private set; }

    /// <summary>Sequence number of the peer's connection ID that probes on this path carry (§9.5).</summary>
    public ulong CidSequence { get; set; }

    /// <summary>When the attempt is abandoned (§8.2.4).</summary>
    public Instant Deadline { get; private set; }

    /// <summary>When another PATH_CHALLENGE is due.</summary>
    public Instant NextChallenge { get; private set; }

    /// <summary>The challenge payload waiting to be sent, when <see cref="ChallengePending"/>.</summary>
    public ulong PendingData { get; private set; }

    /// <summary>Whether a PATH_CHALLENGE waits to be sent on the path.</summary>
    public bool ChallengePending { get; private set; }

    /// <summary>PATH_CHALLENGE frames sent in this attempt.</summary>
    public int ChallengesSent { get; private set; }

    private TimeSpan _interval;

    /// <summary>Starts an attempt; the first challenge is due at once.</summary>
    public void Start(PathValidationPurpose purpose, IPEndPoint remote, IPEndPoint? local, ulong cidSequence, Instant now, TimeSpan interval)
    {
        Purpose = purpose;
        Remote = remote;
        Local = local;
        CidSequence = cidSequence;
        _interval = interval;
        Deadline = now + (interval * 3);
        NextChallenge = now;
        _sentCount = 0;
        _sentNext = 0;
        ChallengesSent = 0;
        ChallengePending = false;
    }

    /// <summary>Ends the attempt (success, failure or abandonment).</summary>
    public void Stop()
    {
        Purpose = PathValidationPurpose.None;
        ChallengePending = false;
        _sentCount = 0;
    }

    /// <summary>The time is due: queues a fresh challenge (<paramref name="data"/> from the connection's random source).</summary>
    public void QueueChallenge(ulong data, Instant now)
    {
        PendingData = data;
        ChallengePending = true;
        NextChallenge = now + _interval;
    }

    /// <summary>The pending challenge went out: remember its payload for the response.</summary>
    public void OnChallengeSent()
    {
        _sent[_sentNext] = PendingData;
        _sentNext = (_sentNext + 1) % RememberedChallenges;
        _sentCount = Math.Min(_sentCount + 1, RememberedChallenges);
        ChallengePending = false;
        ChallengesSent++;
    }

    /// <summary>Whether <paramref name="data"/> echoes a challenge sent in this attempt (§8.2.3).</summary>
    public bool Matches(ulong data)
    {
        if (!InProgress)
        {
            return false;
        }

        bool match = false;
        for (int i = 0; i < _sentCount; i++)
        {
            match |= _sent[i] == data;
        }

        return match;
    }

    /// <summary>Whether this attempt probes the path (<paramref name="remote"/>, <paramref name="local"/>).</summary>
    public bool IsPath(IPEndPoint remote, IPEndPoint? local) => InProgress && Remote.Equals(remote) && Equals(Local, local);
}
