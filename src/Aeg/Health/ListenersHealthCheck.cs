using Aeg.Listener;

namespace Aeg.Health;

/// <summary>Ready when every configured syslog listener is bound.</summary>
public sealed class ListenersHealthCheck(ListenerHost host) : IHealthCheck
{
    public string Name => "listeners";

    public HealthStatus Check()
    {
        var unbound = host.Listeners.Where(l => l.LocalEndPoint is null).Select(l => l.Options.Name).ToList();
        return unbound.Count == 0
            ? HealthStatus.Ok($"{host.Listeners.Count} bound")
            : HealthStatus.NotReady("not bound: " + string.Join(", ", unbound));
    }
}
