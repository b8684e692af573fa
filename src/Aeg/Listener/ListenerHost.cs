using Aeg.Syslog;
using Serilog;

namespace Aeg.Listener;

/// <summary>Starts every configured listener and stops them gracefully; owns the shared <see cref="SenderRegistry"/>.</summary>
public sealed class ListenerHost : IAsyncDisposable
{
    private readonly ListenOptions _options;
    private readonly ILogger? _log;
    private readonly List<ISyslogListener> _listeners = [];

    /// <summary>Creates the listeners (TLS certificates are loaded here); <see cref="StartAsync"/> binds them.</summary>
    public ListenerHost(ListenOptions options, ICefMessageHandler handler, ILogger? log = null)
    {
        _options = options;
        _log = log;
        Senders = new SenderRegistry(options.MaxSenders);
        foreach (var listener in options.Listeners)
        {
            _listeners.Add(listener.Protocol == SyslogProtocol.Udp
                ? new UdpSyslogListener(listener, handler, Senders, log)
                : new TcpSyslogListener(listener, handler, Senders, log));
        }
    }

    /// <summary>Counters per sender address, shared by all listeners.</summary>
    public SenderRegistry Senders { get; }

    /// <summary>The listeners, in configuration order.</summary>
    public IReadOnlyList<ISyslogListener> Listeners => _listeners;

    /// <summary>Binds and starts all listeners; if one cannot bind, the started ones are stopped and the error names it.</summary>
    public async Task StartAsync()
    {
        var started = new List<ISyslogListener>();
        foreach (var listener in _listeners)
        {
            try
            {
                listener.Start();
                started.Add(listener);
                _log?.Information("Listening for syslog on {Listener} (bound {EndPoint})", listener.Options.Name, listener.LocalEndPoint);
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                foreach (var s in started)
                {
                    await s.StopAsync(TimeSpan.Zero).ConfigureAwait(false);
                }

                throw new InvalidOperationException($"Listener {listener.Options.Name} cannot bind: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Stops accepting on all listeners at once, lets them handle what they already received, then closes.</summary>
    public async Task StopAsync()
    {
        await Task.WhenAll(_listeners.Select(l => l.StopAsync(_options.StopDrainTimeout))).ConfigureAwait(false);
        foreach (var l in _listeners)
        {
            var c = l.Counters;
            _log?.Information(
                "Listener {Listener} stopped: {Frames} frames, {Bytes} bytes, {Oversized} oversized, {RateLimited} dropped over the rate (UDP), {ThrottledMs} ms paused over the rate (TCP/TLS), {Truncated} truncated, {FramingErrors} framing errors, {Accepted} connections accepted, {Refused} refused, {DatagramsRefused} datagrams refused",
                l.Options.Name, c.Frames, c.Bytes, c.FramesOversized, c.FramesRateLimited, c.ThrottledMilliseconds, c.FramesTruncated, c.FramingErrors, c.ConnectionsAccepted, c.ConnectionsRefused, c.DatagramsRefused);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
