using Aeg.Logging;
using Serilog;

namespace Aeg.Syslog;

/// <summary>Paces one sender's reconnects with <see cref="ReconnectBackoff"/>, and counts and logs its connects and failures.</summary>
/// <remarks>Not thread-safe: each sender owns one, as it owns its backoff.</remarks>
internal sealed class ReconnectTracker(SyslogOutputOptions options, string destination, SyslogSenderStats stats, ILogger? log, TimeProvider time)
{
    private readonly ReconnectBackoff _backoff = new(options.ReconnectMinDelay, options.ReconnectMaxDelay, time);
    private bool _everConnected;

    /// <summary>Waits until the backoff after the last failure has passed.</summary>
    public Task WaitAsync(CancellationToken cancellationToken)
    {
        var wait = _backoff.WaitAsync(cancellationToken);
        if (!wait.IsCompleted)
            log?.Debug("Syslog {Destination}: reconnecting after the backoff", destination);
        return wait;
    }

    /// <summary>A connection is open: counts it as a reconnect unless it is the first, and resets the backoff.</summary>
    public void Connected()
    {
        if (_everConnected || _backoff.HasFailed)
        {
            stats.AddReconnect();
            log?.Debug("Syslog {Destination}: reconnected", destination);
        }
        _everConnected = true;
        _backoff.Reset();
    }

    /// <summary>Counts and logs a failure, starts its backoff, and returns the exception for the caller.</summary>
    public SyslogSendException Failed(string reason, Exception cause)
    {
        stats.AddFailure();
        var delay = _backoff.RecordFailure();
        log?.Warning("Syslog {Destination}: {Reason}; next attempt in {Delay}", destination, reason, LogText.Duration(delay));
        return new SyslogSendException($"syslog send to {destination} failed: {reason}", cause);
    }
}
