using Aeg.Metrics;

namespace Aeg.Annotations;

/// <summary>What the poller did since start; read by logs, commands and (later) /metrics.</summary>
public sealed class AnnotationCounters
{
    private AtomicCounter _rowsPolled, _eventsSent, _sendFailures, _databaseFailures, _versionGaps, _missedVersions, _lateRows, _cursorLagMs, _batches;
    // Why the last operation on each dependency failed; null again once one succeeds (for /readyz).
    private string? _databaseProblem, _stateWriteProblem, _syslogProblem;

    public long RowsPolled => _rowsPolled.Value;
    public long EventsSent => _eventsSent.Value;
    public long SendFailures => _sendFailures.Value;
    public long DatabaseFailures => _databaseFailures.Value;
    /// <summary>Events whose version jumped by more than one.</summary>
    public long VersionGaps => _versionGaps.Value;
    /// <summary>Sum of the versions never seen.</summary>
    public long MissedVersions => _missedVersions.Value;
    /// <summary>Rows found behind the cursor inside the look-back window (late commits).</summary>
    public long LateRows => _lateRows.Value;
    /// <summary>Milliseconds between now and the cursor's modification time after the last batch.</summary>
    public long CursorLagMs => _cursorLagMs.Value;
    public long Batches => _batches.Value;
    /// <summary>Why the last database read failed; null when it succeeded or none ran yet.</summary>
    public string? DatabaseProblem => Volatile.Read(ref _databaseProblem);
    /// <summary>Why the last cursor write to the state directory failed; null when it succeeded or none ran yet.</summary>
    public string? StateWriteProblem => Volatile.Read(ref _stateWriteProblem);
    /// <summary>Why the last syslog send or flush failed; null once a batch was flushed again.</summary>
    public string? SyslogProblem => Volatile.Read(ref _syslogProblem);

    internal void RowPolled() => _rowsPolled.Increment();
    internal void AddRowsPolled(int n) => _rowsPolled.Add(n);
    internal void EventSent() => _eventsSent.Increment();
    internal void SendFailed() => _sendFailures.Increment();
    internal void DatabaseFailed() => _databaseFailures.Increment();
    internal void LateRow() => _lateRows.Increment();
    internal void Batch() => _batches.Increment();
    internal void VersionGap(long missed)
    {
        _versionGaps.Increment();
        _missedVersions.Add(missed);
    }
    internal void SetDatabaseProblem(string? problem) => Volatile.Write(ref _databaseProblem, problem);
    internal void SetStateWriteProblem(string? problem) => Volatile.Write(ref _stateWriteProblem, problem);
    internal void SetSyslogProblem(string? problem) => Volatile.Write(ref _syslogProblem, problem);
    internal void SetCursorLag(long ms) => _cursorLagMs.Set(Math.Max(0, ms));

    private readonly AtomicCounter[] _rowChanges = new AtomicCounter[RowChangeNames.Kinds.Count];
    /// <summary>Rows sent with a change of this kind (one of <see cref="RowChangeNames.Kinds"/>).</summary>
    public long RowsChanged(RowChanges kind)
    {
        for (var i = 0; i < _rowChanges.Length; i++)
        {
            if (RowChangeNames.Kinds[i].Kind == kind)
            {
                return _rowChanges[i].Value;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a single kind");
    }
    internal void RowChanged(int kindIndex) => _rowChanges[kindIndex].Increment();

    private AtomicCounter _rowsWithoutTime;
    /// <summary>Rows in the table with modification_time 0 or NULL when last counted (no time-ordered poll reaches them).</summary>
    public long RowsWithoutTime => _rowsWithoutTime.Value;
    internal void SetRowsWithoutTime(long n) => _rowsWithoutTime.Set(n);

    private AtomicCounter _quarantined;
    private string? _lastQuarantined;
    /// <summary>Rows set aside because they could not be sent (a column that cannot be read, a mapping failure).</summary>
    public long Quarantined => _quarantined.Value;
    /// <summary>The last row set aside and why, for /readyz; null when none since start.</summary>
    public string? LastQuarantined => Volatile.Read(ref _lastQuarantined);
    internal void RowQuarantined(long eventId, long version, string reason)
    {
        _quarantined.Increment();
        Volatile.Write(ref _lastQuarantined, $"event {eventId} version {version}: {reason}");
    }

    private AtomicCounter _stateWriteFailures;
    /// <summary>Cursor saves that failed (full or read-only state directory).</summary>
    public long StateWriteFailures => _stateWriteFailures.Value;
    internal void StateWriteFailed() => _stateWriteFailures.Increment();

    public override string ToString() =>
        $"rows_polled={RowsPolled} events_sent={EventsSent} send_failures={SendFailures} db_failures={DatabaseFailures} " +
        $"version_gaps={VersionGaps} missed_versions={MissedVersions} late_rows={LateRows} cursor_lag_ms={CursorLagMs}";
}
