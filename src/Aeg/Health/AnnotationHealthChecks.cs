using Aeg.Annotations;

namespace Aeg.Health;

/// <summary>Not ready from the poller's first failed database read until a read succeeds again.</summary>
public sealed class DatabaseHealthCheck(AnnotationCounters counters) : IHealthCheck
{
    public string Name => "database";

    public HealthStatus Check() => counters.DatabaseProblem is { } problem ? HealthStatus.NotReady(problem) : HealthStatus.Ok();
}

/// <summary>Not ready while the last cursor write to the state directory failed.</summary>
public sealed class StateDirectoryHealthCheck(AnnotationCounters counters) : IHealthCheck
{
    public string Name => "state_directory";

    public HealthStatus Check() => counters.StateWriteProblem is { } problem ? HealthStatus.NotReady(problem) : HealthStatus.Ok();
}

/// <summary>Not ready while the last syslog send of Annotation Events failed and no batch was flushed since.</summary>
public sealed class SyslogDestinationHealthCheck(AnnotationCounters counters) : IHealthCheck
{
    public string Name => "syslog_destination";

    public HealthStatus Check() => counters.SyslogProblem is { } problem ? HealthStatus.NotReady(problem) : HealthStatus.Ok();
}

/// <summary>Always ready (the rows behind a quarantined one flow on), but says that rows were set aside and the last one's reason.</summary>
public sealed class QuarantineHealthCheck(AnnotationCounters counters) : IHealthCheck
{
    public string Name => "annotation_quarantine";

    public HealthStatus Check() => counters.LastQuarantined is { } last
        ? HealthStatus.Ok($"{counters.Quarantined} row(s) quarantined since start, last {last}; see aeg quarantine list")
        : HealthStatus.Ok();
}
