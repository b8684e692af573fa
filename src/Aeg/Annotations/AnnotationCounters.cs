namespace Aeg.Annotations;

/// <summary>What the poller did since start; read by logs, commands and (later) /metrics.</summary>
public sealed class AnnotationCounters
{
    private long _rowsPolled, _eventsSent, _sendFailures, _databaseFailures, _versionGaps, _missedVersions, _lateRows, _cursorLagMs, _batches;
    // Why the last operation on each dependency failed; null again once one succeeds (for /readyz).
    private string? _databaseProblem, _stateWriteProblem, _syslogProblem;

    public long RowsPolled => Interlocked.Read(ref _rowsPolled);
    public long EventsSent => Interlocked.Read(ref _eventsSent);
    public long SendFailures => Interlocked.Read(ref _sendFailures);
    public long DatabaseFailures => Interlocked.Read(ref _databaseFailures);
    /// <summary>Events whose version jumped by more than one.</summary>
    public long VersionGaps => Interlocked.Read(ref _versionGaps);
    /// <summary>Sum of the versions never seen.</summary>
    public long MissedVersions => Interlocked.Read(ref _missedVersions);
    /// <summary>Rows found behind the cursor inside the look-back window (late commits).</summary>
    public long LateRows => Interlocked.Read(ref _lateRows);
    /// <summary>Milliseconds between now and the cursor's modification time after the last batch.</summary>
    public long CursorLagMs => Interlocked.Read(ref _cursorLagMs);
    public long Batches => Interlocked.Read(ref _batches);
    /// <summary>Why the last database read failed; null when it succeeded or none ran yet.</summary>
    public string? DatabaseProblem => Volatile.Read(ref _databaseProblem);
    /// <summary>Why the last cursor write to the state directory failed; null when it succeeded or none ran yet.</summary>
    public string? StateWriteProblem => Volatile.Read(ref _stateWriteProblem);
    /// <summary>Why the last syslog send or flush failed; null once a batch was flushed again.</summary>
    public string? SyslogProblem => Volatile.Read(ref _syslogProblem);

    internal void RowPolled() => Interlocked.Increment(ref _rowsPolled);
    internal void AddRowsPolled(int n) => Interlocked.Add(ref _rowsPolled, n);
    internal void EventSent() => Interlocked.Increment(ref _eventsSent);
    internal void SendFailed() => Interlocked.Increment(ref _sendFailures);
    internal void DatabaseFailed() => Interlocked.Increment(ref _databaseFailures);
    internal void LateRow() => Interlocked.Increment(ref _lateRows);
    internal void Batch() => Interlocked.Increment(ref _batches);
    internal void VersionGap(long missed)
    {
        Interlocked.Increment(ref _versionGaps);
        Interlocked.Add(ref _missedVersions, missed);
    }
    internal void SetDatabaseProblem(string? problem) => Volatile.Write(ref _databaseProblem, problem);
    internal void SetStateWriteProblem(string? problem) => Volatile.Write(ref _stateWriteProblem, problem);
    internal void SetSyslogProblem(string? problem) => Volatile.Write(ref _syslogProblem, problem);
    internal void SetCursorLag(long ms) => Interlocked.Exchange(ref _cursorLagMs, Math.Max(0, ms));

    private long _stateWriteFailures;
    /// <summary>Cursor saves that failed (full or read-only state directory).</summary>
    public long StateWriteFailures => Interlocked.Read(ref _stateWriteFailures);
    internal void StateWriteFailed() => Interlocked.Increment(ref _stateWriteFailures);

    public override string ToString() =>
        $"rows_polled={RowsPolled} events_sent={EventsSent} send_failures={SendFailures} db_failures={DatabaseFailures} " +
        $"version_gaps={VersionGaps} missed_versions={MissedVersions} late_rows={LateRows} cursor_lag_ms={CursorLagMs}";
}
