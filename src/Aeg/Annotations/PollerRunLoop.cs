using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;
using Serilog;

namespace Aeg.Annotations;

/// <summary>
/// <c>aeg run</c>'s loop around one poller: a poll cycle every <c>poller.interval</c>; after a
/// failure an exponential backoff, except while the failing dependency does not answer its
/// <see cref="DependencyProbe"/>: it is then asked every <see cref="DependencyProbe.Interval"/> and
/// the poll is retried the moment it answers.
/// </summary>
/// <remarks>
/// The backoff protects a dependency that answers but keeps failing the work (a query error, a
/// full disk) from being hammered. A dependency that does not answer at all gains nothing from
/// the backoff, and waiting it out made the first event after a 20 s outage arrive up to 23 s
/// late (issue 18). While it is down the poll is still retried when the backoff is due, so a
/// probe that is wrong (a dependency that fails <c>SELECT 1</c> but serves the query) delays
/// nothing beyond the backoff.
/// </remarks>
internal sealed class PollerRunLoop(PollerOptions options, AnnotationCounters counters, ILogger log, TimeProvider time,
    DependencyProbe? database, DependencyProbe? syslog)
{
    private static readonly TimeSpan CountersLogInterval = TimeSpan.FromMinutes(5);

    private readonly ReconnectBackoff _backoff = new(options.RetryMinDelay, options.RetryMaxDelay, time);
    private Outage? _outage;
    private int _failures;

    /// <summary>
    /// Runs <paramref name="pollOnce"/> (one cycle) until <paramref name="stop"/>; transient failures
    /// are retried, any other exception ends the loop. <paramref name="cursor"/> is read for the log.
    /// </summary>
    public async Task RunAsync(Func<Task> pollOnce, Func<AnnotationCursor> cursor, CancellationToken stop)
    {
        var reportedAt = time.GetUtcNow();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await pollOnce();
                EndOutage();
                ResetBackoff();
                if (time.GetUtcNow() - reportedAt >= CountersLogInterval)
                {
                    reportedAt = time.GetUtcNow();
                    log.Information("Poller at {Cursor}; {Counters}", cursor(), counters);
                }
                await Task.Delay(options.Interval, time, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (PollFailures.IsTransient(ex))
            {
                try
                {
                    await WaitBeforeRetryAsync(ex, cursor(), stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
            }
        }
    }

    private async Task WaitBeforeRetryAsync(Exception failure, AnnotationCursor cursor, CancellationToken stop)
    {
        var failedAt = time.GetTimestamp();
        _failures++;
        var delay = _backoff.RecordFailure();
        var retryAt = failedAt + (long)(delay.TotalSeconds * time.TimestampFrequency);
        var isDatabase = PollFailures.CountDatabaseFailure(failure, counters);
        // A read that failed is the database's; a send that failed after a successful read is the destination's.
        var probe = failure is SyslogSendException ? syslog : isDatabase ? database : null;
        var reason = PollFailures.Describe(failure);

        if (_outage is { } outage && outage.Probe == probe)
        {
            log.Debug("Poll failed again while the {Dependency} is down ({Reason})", outage.Probe.Name, reason);
        }
        else
        {
            // The work got past the dependency that was down (or failed for another reason): that one is back.
            EndOutage();
            if (probe is null || await probe.AnswersAsync(stop) != false)
            {
                log.Warning("Poll failed ({Reason}); cursor stays at {Cursor}; retry {Attempt} in {Delay}",
                    reason, cursor, _failures, Logging.LogText.Duration(delay));
                await DelayUntilAsync(retryAt, stop);
                return;
            }
            _outage = new Outage(probe, failedAt);
            log.Warning("The {Dependency} {Description} does not answer ({Reason}); cursor stays at {Cursor}; asking it every {Interval}, polling resumes as soon as it answers",
                probe.Name, probe.Description, reason, cursor, Logging.LogText.Duration(DependencyProbe.Interval));
        }

        if (await ProbeUntilAsync(_outage, cursor, retryAt, stop))
        {
            EndOutage();
            ResetBackoff();
        }
    }

    private void ResetBackoff()
    {
        _failures = 0;
        _backoff.Reset();
    }

    // True when the probe answered; false when the backoff is due first (the poll is then retried anyway).
    private async Task<bool> ProbeUntilAsync(Outage outage, AnnotationCursor cursor, long retryAt, CancellationToken stop)
    {
        var probe = outage.Probe;
        Escalate(outage, cursor);
        var probeAt = time.GetTimestamp() + Ticks(DependencyProbe.Interval);
        while (true)
        {
            if (retryAt <= probeAt)
            {
                await DelayUntilAsync(retryAt, stop);
                return false;
            }
            await DelayUntilAsync(probeAt, stop);
            probeAt += Ticks(DependencyProbe.Interval);
            if (await probe.AnswersAsync(stop) == true)
            {
                return true;
            }
            Escalate(outage, cursor);
        }
    }

    // A WRN is easy to miss; an outage this long (a wrong password, a firewall change) is someone's job.
    private void Escalate(Outage outage, AnnotationCursor cursor)
    {
        var down = time.GetElapsedTime(outage.Since);
        if (!outage.Escalated && down >= options.EscalateAfter)
        {
            outage.Escalated = true;
            log.Error("The {Dependency} {Description} has not answered for {Down} (poller.escalateAfter); cursor stays at {Cursor}; no Annotation Event is sent until it answers",
                outage.Probe.Name, outage.Probe.Description, Logging.LogText.Duration(down), cursor);
        }
    }

    private void EndOutage()
    {
        if (_outage is { } outage)
        {
            _outage = null;
            log.Information("The {Dependency} {Description} answers again after {Down:0.0} s; polling resumed",
                outage.Probe.Name, outage.Probe.Description, time.GetElapsedTime(outage.Since).TotalSeconds);
        }
    }

    private Task DelayUntilAsync(long timestamp, CancellationToken stop)
    {
        var remaining = time.GetElapsedTime(time.GetTimestamp(), timestamp);
        return remaining > TimeSpan.Zero ? Task.Delay(remaining, time, stop) : Task.CompletedTask;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    /// <summary>A dependency that did not answer its probe, since the poll that first failed on it.</summary>
    private sealed record Outage(DependencyProbe Probe, long Since)
    {
        /// <summary>Whether the ERR of <c>poller.escalateAfter</c> was logged.</summary>
        public bool Escalated { get; set; }
    }
}
