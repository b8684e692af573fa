using System.Net;
using Serilog;

namespace Aeg.Listener;

/// <summary>What the UDP and the TCP/TLS listener share: options, counters, per-sender limits and the bound address.</summary>
public abstract class SyslogListener : ISyslogListener
{
    private protected SyslogListener(ListenerOptions options, ILogger? log)
    {
        Options = options;
        Limits = new ListenerLimits(options, Counters, log);
    }

    /// <summary>The per-sender rate limit and throttled warnings of this listener.</summary>
    internal ListenerLimits Limits { get; }

    /// <inheritdoc/>
    public ListenerOptions Options { get; }

    /// <inheritdoc/>
    public ListenerCounters Counters { get; } = new();

    /// <inheritdoc/>
    public IPEndPoint? LocalEndPoint { get; private protected set; }

    /// <inheritdoc/>
    public abstract void Start();

    /// <inheritdoc/>
    public abstract Task StopAsync(TimeSpan drainTimeout);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
}
