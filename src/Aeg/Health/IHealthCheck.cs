namespace Aeg.Health;

/// <summary>A part of the daemon that can say whether it is able to do its job right now (for <c>/readyz</c>).</summary>
/// <remarks>
/// Checks report state the component already tracks (last database error, state directory
/// writable, listener bound); they must be cheap and must not do I/O on the scrape path.
/// </remarks>
public interface IHealthCheck
{
    /// <summary>Short stable name shown in the /readyz body, e.g. <c>database</c>.</summary>
    string Name { get; }

    HealthStatus Check();
}

/// <summary>The answer of one health check: ready or not, and a human-readable reason without secrets.</summary>
public readonly record struct HealthStatus(bool Ready, string Detail)
{
    public static HealthStatus Ok(string detail = "ok") => new(true, detail);
    public static HealthStatus NotReady(string detail) => new(false, detail);
}
