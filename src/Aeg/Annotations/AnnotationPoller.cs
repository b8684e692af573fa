using System.Data.Common;
using Aeg.Configuration;
using Aeg.State;
using Aeg.Syslog;
using Polly;
using Serilog;

namespace Aeg.Annotations;

/// <summary>
/// Reads new annotation rows, sends one CEF event per row and moves the durable cursor only
/// after the sender flushed: read batch → map → send each → flush → write cursor.
/// </summary>
public sealed class AnnotationPoller : IAsyncDisposable
{

    private readonly IAnnotationSource _source;
    private readonly AnnotationMapper _mapper;
    private readonly ISyslogSender _sender;
    private readonly IAnnotationStateStore _stateFile;
    private readonly PollerOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly LookBackWindow _window;
    private readonly List<SentKey> _pendingKeys = [];
    private readonly ICommittedBatchConsumer? _consumer;
    private readonly List<AnnotationRow> _lateRows = [];
    private AnnotationCursor _cursor;
    // Rows dated after this (now + maxClockSkew, set per cycle) do not move the cursor.
    private long _futureFromMs = long.MaxValue;
    private AnnotationState? _unsavedState;
    private readonly RowQuarantine _quarantine;
    private readonly LateCommitSearch _lateCommits;
    private readonly Logging.MinuteNote _lateNote;
    private readonly RowChangeLog _changes;
    private readonly VersionMemory _versions;

    /// <summary>
    /// The poller owns <paramref name="stateFile"/> and disposes it; <paramref name="consumer"/>
    /// (analyst metrics, or null) gets every committed batch; rows that cannot be sent go to
    /// <paramref name="quarantine"/> (null: they are only counted and logged).
    /// </summary>
    public AnnotationPoller(IAnnotationSource source, AnnotationMapper mapper, ISyslogSender sender, IAnnotationStateStore stateFile,
        PollerOptions options, ILogger log, TimeProvider? time = null, AnnotationCounters? counters = null, ICommittedBatchConsumer? consumer = null,
        QuarantineFile? quarantine = null)
    {
        Counters = counters ?? new AnnotationCounters();
        _source = new DatabaseHealthSource(source, Counters);
        _mapper = mapper;
        _sender = sender;
        _stateFile = stateFile;
        _options = options;
        _log = log;
        _time = time ?? TimeProvider.System;
        _window = new LookBackWindow(options.LookBackMaxRemembered);
        _consumer = consumer;
        _quarantine = new RowQuarantine(quarantine, Counters, log, _time);
        _lateCommits = new LateCommitSearch(options, Counters, log);
        _lateNote = new Logging.MinuteNote(_time);
        _changes = new RowChangeLog(log, Counters, _time);
        _versions = new VersionMemory(stateFile, options, log, _time, Counters);
    }

    public AnnotationCounters Counters { get; }

    /// <summary>The position of the last row whose event was flushed to the sender.</summary>
    public AnnotationCursor Cursor => _cursor;

    /// <summary>Keeps other pollers off the state and loads the cursor, or sets it from poller.firstStart and saves it.</summary>
    public void Initialize()
    {
        _stateFile.Acquire();
        var state = _stateFile.Load();
        if (state is null)
        {
            PollerOptions.TryParseFirstStart(_options.FirstStart, out var start);
            _cursor = start switch
            {
                null => AnnotationCursor.Before(_time.GetUtcNow()),
                { } t when t == DateTimeOffset.MinValue => AnnotationCursor.Beginning,
                { } t => AnnotationCursor.Before(t),
            };
            // Saved at once so that "now" means the first start, not every start until the first event.
            _stateFile.Save(new AnnotationState { Cursor = _cursor });
            _log.Information("First start: cursor set from poller.firstStart={FirstStart} to {Cursor}", _options.FirstStart, _cursor);
        }
        else
        {
            _cursor = state.Cursor;
            foreach (var k in state.Recent)
            {
                _window.Add(k);
            }
            _log.Information("Resuming at {Cursor} with {Remembered} keys in the look-back window", _cursor, state.Recent.Count);
        }
        _window.Start(_cursor);
        _versions.Load();
        _consumer?.Start(_cursor);
    }

    /// <summary>
    /// One poll cycle: late rows inside the look-back window, then batches after the cursor until
    /// one comes back short. Throws on a database or syslog failure; the cursor keeps the last
    /// flushed batch. Returns the number of events sent. <paramref name="stopAfterBatch"/> ends
    /// the cycle after the batch in progress without interrupting it. A consumer that fell behind
    /// the sent events catches up at the end, for at most <paramref name="catchUpBudget"/> (null:
    /// until it is level).
    /// </summary>
    public async Task<long> PollOnceAsync(CancellationToken cancellationToken, CancellationToken stopAfterBatch = default, TimeSpan? catchUpBudget = null)
    {
        try
        {
            var sent = await PollCycleAsync(cancellationToken, stopAfterBatch);
            _log.Debug("Poll cycle: {Sent} event(s) sent; cursor {Cursor}", sent, _cursor);
            if (_consumer is not null)
            {
                await _consumer.CatchUpAsync(_source, _cursor, catchUpBudget, stopAfterBatch, cancellationToken);
            }
            return sent;
        }
        catch (SyslogSendException ex)
        {
            Counters.SetSyslogProblem(ex.Message);
            SetLagAfterFailure();
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            SetLagAfterFailure();
            throw;
        }
        finally
        {
            await _source.ReleaseAsync();
        }
    }

    // Nothing is known past the cursor while a dependency fails: the lag grows with the clock.
    private void SetLagAfterFailure() => Counters.SetCursorLag(_time.GetUtcNow().ToUnixTimeMilliseconds() - _cursor.ModificationTimeMs);

    private async Task<long> PollCycleAsync(CancellationToken cancellationToken, CancellationToken stopAfterBatch)
    {
        // A batch already on the wire whose cursor could not be written: save it before sending
        // anything more, so a full or read-only state directory stops the flow instead of making
        // every retry send the same batch again.
        if (_unsavedState is { } unsaved)
        {
            SaveState(unsaved);
        }
        long sent = 0;
        var now = _time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var windowStart = nowMs - _lateCommits.RememberMs;
        _window.Prune(windowStart);
        _futureFromMs = nowMs + (long)_options.MaxClockSkew.TotalMilliseconds;
        if (_lateCommits.From(now, _cursor, _window) is { } searchFrom)
        {
            ClearPending();
            var n = 0;
            await foreach (var row in _source.ReadWindowAsync(searchFrom, _cursor, cancellationToken))
            {
                Counters.RowPolled();
                if (_window.Contains(row.EventId, row.Version) || _versions.IsPending(row.EventId, row.Version))
                {
                    continue;
                }
                Counters.LateRow();
                if (_lateNote.Due(out var held))
                {
                    _log.Information(_lateCommits.BeyondLookBack(row.ModificationTimeMs, now)
                            ? "Late row behind the cursor, older than poller.lookBack (found by the late-commit search): event {EventId} version {Version} modified {ModificationTime}{More}"
                            : "Late row behind the cursor: event {EventId} version {Version} modified {ModificationTime}{More}",
                        row.EventId, row.Version, Logging.LogText.Time(row.ModificationTimeMs), Logging.MinuteNote.More(held, "late row(s), counted in aeg_annotation_late_rows_total"));
                }
                await SendAsync(row, windowStart, cancellationToken);
                if (_consumer is not null)
                {
                    // The reader reuses its row object; late rows are few.
                    _lateRows.Add(row.Copy());
                }
                n++;
            }
            if (n > 0)
            {
                await _sender.FlushAsync(cancellationToken);
                Commit(_cursor, nowMs, new CommittedBatch(_lateRows, _lateRows.Count, From: null, _cursor, Full: false));
                sent += n;
            }
        }

        await _lateCommits.CountRowsWithoutTimeAsync(now, _cursor, _source, cancellationToken);

        // The next batch is read from the database while this one is mapped, sent and committed
        // (three row buffers, so memory stays constant): database latency and parsing overlap the
        // sending, which roughly halves a backlog drain on two cores.
        using var readAhead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = new BatchReader(_source, _options.BatchSize, _cursor, Counters, stopAfterBatch, readAhead.Token);
        var caughtUp = true;
        var progress = new DrainProgress(_log, _source, _cursor, _options.BatchSize, DrainProgress.Interval);
        try
        {
            await foreach (var batch in batches.ReadAllAsync(cancellationToken))
            {
                ClearPending();
                // The cursor follows the rows up to now + maxClockSkew only: rows dated beyond it
                // (sorted last) are sent once and remembered, and the cursor stays before them.
                var next = _cursor;
                var batchSent = 0;
                for (var i = 0; i < batch.Count; i++)
                {
                    var row = batch.Rows[i];
                    if (row.ModificationTimeMs > _futureFromMs)
                    {
                        if (_window.Contains(row.EventId, row.Version))
                        {
                            continue;
                        }
                        row.Changes |= RowChanges.FutureTime;
                        _log.Warning("Event {EventId} version {Version} is dated {ModificationTime}, beyond now + poller.maxClockSkew: sent, but the cursor stays before it",
                            row.EventId, row.Version, Logging.LogText.Time(row.ModificationTimeMs));
                    }
                    else if (new AnnotationCursor(row.ModificationTimeMs, row.EventId) is var key && key > next)
                    {
                        // Only forward: a quarantined row whose key could not be read carries 0.
                        next = key;
                    }
                    await SendAsync(row, windowStart, cancellationToken);
                    batchSent++;
                }
                await _sender.FlushAsync(cancellationToken);
                Commit(next, nowMs, new CommittedBatch(batch.Rows, batch.Count, _cursor, next, Full: batch.Count == _options.BatchSize));
                sent += batchSent;
                _log.Debug("Batch of {Rows} row(s) committed; cursor {Cursor}", batch.Count, _cursor);
                caughtUp = batch.Count < _options.BatchSize;
                progress.BatchCommitted(batch.Count, readAhead.Token);
                batches.Recycle(batch);
            }
            progress.Finished();
        }
        finally
        {
            await PollFailures.CancelReadAheadAsync(readAhead);
            await batches.StopAsync();
        }
        // Caught up (the last read came back short), the cursor is at the newest row the database
        // holds up to now + maxClockSkew: no lag, however long ago that row was written.
        Counters.SetCursorLag(caughtUp ? 0 : _time.GetUtcNow().ToUnixTimeMilliseconds() - _cursor.ModificationTimeMs);
        _versions.SaveIfDue(force: false);
        return sent;
    }

    /// <summary>
    /// Asks the database whether it answers while it is down (<see cref="PollerRunLoop"/>); null:
    /// a database outage is retried with the backoff alone. The syslog destination is asked
    /// through the sender.
    /// </summary>
    public DependencyProbe? DatabaseProbe { get; set; }

    /// <summary>Polls until cancelled, retrying failures (<see cref="PollerRunLoop"/>); stops after the current batch.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        // A stop request ends the cycle after the batch in progress; it does not abort a batch
        // half sent (that would only cause a resend). The retry wait is cancelled. A consumer
        // catching up after a backlog (analyst metrics) gets one poll interval (at least a second)
        // per cycle, so new annotations still go out within about two intervals.
        var catchUpBudget = _options.Interval > TimeSpan.FromSeconds(1) ? _options.Interval : TimeSpan.FromSeconds(1);
        var loop = new PollerRunLoop(_options, Counters, _log, _time, DatabaseProbe, DependencyProbe.Syslog(_sender));
        await loop.RunAsync(() => PollOnceAsync(CancellationToken.None, stoppingToken, catchUpBudget), () => _cursor, stoppingToken);
        _versions.SaveIfDue(force: true);
        _log.Information("Poller stopped at {Cursor}; {Counters}", _cursor, Counters);
    }

    /// <summary>One cycle with up to <paramref name="attempts"/> tries; true when every row was sent.</summary>
    public async Task<bool> PollOnceWithRetryAsync(int attempts, CancellationToken cancellationToken)
    {
        try
        {
            await RetryPipeline(attempts - 1).ExecuteAsync(async ct => await PollOnceAsync(ct), cancellationToken);
            return true;
        }
        catch (Exception ex) when (PollFailures.IsTransient(ex))
        {
            _log.Error("Poll failed after {Attempts} attempts: {Reason}", attempts, PollFailures.Describe(ex));
            return false;
        }
        finally
        {
            _versions.SaveIfDue(force: true);
        }
    }

    public ValueTask DisposeAsync()
    {
        _stateFile.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask SendAsync(AnnotationRow row, long windowStart, CancellationToken cancellationToken)
    {
        _versions.CheckGap(row);
        var mapped = _mapper.TryMap(row, out var message);
        if (row.ModificationTimeMs >= windowStart)
        {
            // Quarantined or sent, the row is done: a re-read must not take it for a late row.
            _pendingKeys.Add(new SentKey(row.EventId, row.Version, row.ModificationTimeMs));
        }
        if (!mapped)
        {
            _quarantine.Add(row, row.Fault!);
            return;
        }
        try
        {
            await _sender.SendAsync(message, cancellationToken);
        }
        catch (SyslogSendException)
        {
            Counters.SendFailed();
            throw;
        }
        Counters.EventSent();
        _changes.Record(row);
        _versions.Sent(row.EventId, row.Version);
    }


    private void ClearPending()
    {
        _lateRows.Clear();
        _pendingKeys.Clear();
        _versions.ClearPending();
    }

    // Called only after FlushAsync returned: the events are on the wire, so the cursor may move.
    private void Commit(AnnotationCursor next, long nowMs, in CommittedBatch committed)
    {
        foreach (var k in _pendingKeys)
        {
            _window.Add(k);
        }
        _versions.Commit();
        // Before the cursor moves, so a consumer never sees the cursor ahead of what it was given;
        // one that keeps its own position re-reads whatever a crash kept from it.
        _consumer?.Committed(committed);
        Counters.SetSyslogProblem(null);
        // The events are sent, so the cursor moves in memory even when the file cannot follow:
        // the file then keeps the previous valid cursor (a crash resends one batch).
        _cursor = next;
        Counters.SetCursorLag(nowMs - next.ModificationTimeMs);
        ClearPending();
        SaveState(new AnnotationState { Cursor = next, Recent = _window.ToList() });
    }

    private void SaveState(AnnotationState state)
    {
        try
        {
            _stateFile.Save(state);
            _unsavedState = null;
            // A batch counts once its cursor is on disk, here or on the retry that saves it.
            Counters.Batch();
            Counters.SetStateWriteProblem(null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _unsavedState = state;
            Counters.StateWriteFailed();
            Counters.SetStateWriteProblem($"cursor write failed: {ex.GetType().Name}: {ex.Message}");
            throw new StateWriteException(
                $"cannot write the state file {_stateFile.Description} ({ex.Message}); it keeps the previous cursor, nothing more is sent until it can be written", ex);
        }
    }

    private ResiliencePipeline RetryPipeline(int retries) => PollFailures.RetryPipeline(retries, _options, (exception, attempt, delay) =>
    {
        PollFailures.CountDatabaseFailure(exception, Counters);
        _log.Warning("Poll failed ({Reason}); cursor stays at {Cursor}; retry {Attempt} in {Delay}",
            PollFailures.Describe(exception), _cursor, attempt + 1, Logging.LogText.Duration(delay));
    });
}
