using System.Net;

namespace Aeg.Listener;

/// <summary>A running syslog listener (UDP, TCP or TLS) as <see cref="ListenerHost"/> sees it.</summary>
public interface ISyslogListener : IAsyncDisposable
{
    /// <summary>The options it was built from.</summary>
    ListenerOptions Options { get; }

    /// <summary>Its counters.</summary>
    ListenerCounters Counters { get; }

    /// <summary>The bound address and port (the real port when 0 was configured); null before <see cref="Start"/>.</summary>
    IPEndPoint? LocalEndPoint { get; }

    /// <summary>Binds the socket and starts receiving; throws when the address cannot be bound.</summary>
    void Start();

    /// <summary>Stops taking new input, handles what was already received (at most <paramref name="drainTimeout"/>), then closes.</summary>
    Task StopAsync(TimeSpan drainTimeout);
}
