using System.Net.Sockets;
using Aeg.Annotations;

namespace Aeg.Tests.Annotations;

/// <summary>Which failures the poller retries, and the read-ahead stop that must not hide them.</summary>
public sealed class PollFailuresTests
{
    [Fact]
    public void An_aggregate_is_transient_only_when_every_inner_exception_is()
    {
        Assert.True(PollFailures.IsTransient(new AggregateException(new SocketException(107), new IOException("reset"))));
        Assert.False(PollFailures.IsTransient(new AggregateException(new SocketException(107), new ArgumentException("bug"))));
        Assert.False(PollFailures.IsTransient(new AggregateException()));
    }

    [Fact]
    public async Task Stopping_a_read_ahead_swallows_a_cancel_callback_that_failed_on_a_dead_connection()
    {
        using var readAhead = new CancellationTokenSource();
        var otherCallbackRan = false;
        readAhead.Token.Register(() => otherCallbackRan = true);
        readAhead.Token.Register(() => throw new SocketException(107));

        await PollFailures.CancelReadAheadAsync(readAhead);

        Assert.True(readAhead.IsCancellationRequested);
        Assert.True(otherCallbackRan);
    }

    [Fact]
    public async Task Stopping_a_read_ahead_lets_a_callback_bug_through()
    {
        using var readAhead = new CancellationTokenSource();
        readAhead.Token.Register(() => throw new ArgumentException("bug"));

        var ex = await Assert.ThrowsAsync<AggregateException>(() => PollFailures.CancelReadAheadAsync(readAhead));
        Assert.IsType<ArgumentException>(Assert.Single(ex.InnerExceptions));
    }
}
