using System.Diagnostics;

namespace Aeg.TestKit;

/// <summary>
/// The one way a test waits for what another thread, process or server does: poll a condition until
/// it holds, and at the deadline fail naming what was awaited. Never a fixed sleep.
/// </summary>
internal static class WaitUntil
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DefaultEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds.</summary>
    /// <param name="what">What the test waits for, for the failure message.</param>
    /// <param name="timeout">Default 10 s.</param>
    /// <param name="detail">Evaluated only at the deadline and added to the message (e.g. a process's output).</param>
    /// <param name="every">How often to poll; default 20 ms.</param>
    /// <exception cref="TimeoutException">The deadline passed.</exception>
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null, TimeSpan? every = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, timeout, detail, every);

    /// <inheritdoc cref="HoldsAsync(Func{bool}, string, TimeSpan?, Func{string}?, TimeSpan?)"/>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null, TimeSpan? every = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > limit)
            {
                var more = detail is null ? "" : "; " + detail();
                throw new TimeoutException($"timed out after {limit.TotalSeconds} s waiting for {what}{more}");
            }
            await Task.Delay(every ?? DefaultEvery);
        }
    }
}
