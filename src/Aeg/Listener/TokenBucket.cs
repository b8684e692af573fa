using System.Diagnostics;

namespace Aeg.Listener;

/// <summary>
/// One sender's message budget on one listener: <c>perSecond</c> tokens a second, at most
/// <c>capacity</c> saved up. Refilled from the clock when asked (no timer); thread-safe, since a
/// sender's connections share it. Times are <see cref="Stopwatch"/> timestamps, passed in so a test
/// can drive the clock.
/// </summary>
/// <remarks>
/// TCP/TLS connections take tokens in chunks and give back what they did not use, so a lock is
/// taken about twice per read, not per message; UDP takes one token per datagram.
/// </remarks>
public sealed class TokenBucket
{
    private readonly Lock _gate = new();
    private readonly double _tokensPerTick;
    private double _tokens;
    private long _last;

    /// <summary>A full bucket at <paramref name="now"/>.</summary>
    public TokenBucket(int perSecond, int capacity, long now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        PerSecond = perSecond;
        Capacity = capacity;
        _tokensPerTick = (double)perSecond / Stopwatch.Frequency;
        _tokens = capacity;
        _last = now;
    }

    /// <summary>Tokens added per second.</summary>
    public int PerSecond { get; }

    /// <summary>Most tokens the bucket holds (the burst).</summary>
    public int Capacity { get; }

    /// <summary>Takes up to <paramref name="wanted"/> whole tokens; returns how many it took (0 when empty).</summary>
    public int Take(int wanted, long now)
    {
        lock (_gate)
        {
            Refill(now);
            var taken = (int)Math.Min(wanted, Math.Floor(_tokens));
            _tokens -= taken;
            return taken;
        }
    }

    /// <summary>Gives back tokens taken but not used (never more than the capacity is kept).</summary>
    public void Return(int unused)
    {
        if (unused <= 0)
        {
            return;
        }

        lock (_gate)
        {
            _tokens = Math.Min(Capacity, _tokens + unused);
        }
    }

    /// <summary>Stopwatch ticks from <paramref name="now"/> until <paramref name="tokens"/> tokens (at most the capacity) are in the bucket; 0 if they are now.</summary>
    public long TicksUntil(int tokens, long now)
    {
        lock (_gate)
        {
            Refill(now);
            var missing = Math.Min(tokens, Capacity) - _tokens;
            return missing <= 0 ? 0 : (long)Math.Ceiling(missing / _tokensPerTick);
        }
    }

    private void Refill(long now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(Capacity, _tokens + ((now - _last) * _tokensPerTick));
            _last = now;
        }
    }
}
