using Aeg.Syslog;

namespace Aeg.Tests.Syslog;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void Delays_stay_within_bounds_and_grow_until_the_maximum()
    {
        var backoff = new ReconnectBackoff(Min, Max, TimeProvider.System);
        var delays = Enumerable.Range(0, 40).Select(_ => backoff.RecordFailure()).ToList();

        Assert.All(delays, delay => Assert.InRange(delay, Min, Max));
        // failure n lies in [min·2^(n−1)/2, min·2^(n−1)]: the 5th is at least 1.6 s, the 1st at most 200 ms.
        Assert.Equal(Min, delays[0]);
        Assert.InRange(delays[4], TimeSpan.FromMilliseconds(1600), TimeSpan.FromMilliseconds(3200));
        Assert.All(delays.Skip(20), delay => Assert.InRange(delay, Max / 2, Max));
    }

    [Fact]
    public void Jitter_spreads_the_delays()
    {
        var delays = Enumerable.Range(0, 50).Select(_ =>
        {
            var backoff = new ReconnectBackoff(Min, Max, TimeProvider.System);
            for (var i = 0; i < 4; i++)
                backoff.RecordFailure();
            return backoff.RecordFailure();
        }).Distinct().Count();

        Assert.True(delays > 40, $"only {delays} distinct delays out of 50");
    }

    [Fact]
    public void Reset_starts_again_from_the_minimum()
    {
        var backoff = new ReconnectBackoff(Min, Max, TimeProvider.System);
        for (var i = 0; i < 10; i++)
            backoff.RecordFailure();
        backoff.Reset();

        Assert.False(backoff.HasFailed);
        Assert.True(backoff.WaitAsync(CancellationToken.None).IsCompleted);
        Assert.Equal(Min, backoff.RecordFailure());
    }
}
