using System.Globalization;
using Aeg.Configuration;
using Aeg.State;
using Serilog;

namespace Aeg.Annotations;

/// <summary>
/// The poller's memory of the last version sent per event, for gap detection: versions of the batch
/// in progress are pending until the batch is committed, then journaled before its cursor is saved,
/// so after a crash the memory holds exactly the versions that were sent.
/// </summary>
internal sealed class VersionMemory(IAnnotationStateStore store, PollerOptions options, ILogger log, TimeProvider time, AnnotationCounters counters)
{
    private static readonly TimeSpan SnapshotInterval = TimeSpan.FromSeconds(30);

    private readonly VersionTracker _committed = new(options.VersionMemory);
    private readonly Dictionary<long, long> _pending = [];
    private readonly Logging.MinuteNote _gapNote = new(time);
    private DateTimeOffset _savedAt;
    private bool _dirty;
    // Versions journaled since the last snapshot.
    private long _journaled;

    public void Load()
    {
        foreach (var (id, v) in store.LoadVersions())
        {
            // Versions only grow; a journal line may repeat an older one.
            if (_committed.LastVersion(id) is not { } known || v > known)
            {
                _committed.Set(id, v);
            }
        }
        _savedAt = time.GetUtcNow();
    }

    /// <summary>True when <paramref name="version"/> of the event is already in the batch in progress.</summary>
    public bool IsPending(long eventId, long version) => _pending.GetValueOrDefault(eventId) == version;

    /// <summary>Sets <see cref="AnnotationRow.MissedVersions"/> from the last version sent of the row's event, and reports a gap.</summary>
    public void CheckGap(AnnotationRow row)
    {
        long? previous = _pending.TryGetValue(row.EventId, out var pv) ? pv : _committed.LastVersion(row.EventId);
        var missed = VersionTracker.Missed(previous, row.Version, options.GapOnFirstSight);
        row.MissedVersions = missed;
        if (missed > 0)
        {
            counters.VersionGap(missed);
            if (_gapNote.Due(out var held))
            {
                log.Warning("Event {EventId}: version {Version} follows {Previous}; {Missed} edit(s) were overwritten before Aeg saw them{More}",
                    row.EventId, row.Version, previous?.ToString(CultureInfo.InvariantCulture) ?? "nothing", missed,
                    Logging.MinuteNote.More(held, "version gap(s), counted in aeg_annotation_version_gaps_total"));
            }
        }
    }

    public void Sent(long eventId, long version) => _pending[eventId] = version;

    public void ClearPending() => _pending.Clear();

    /// <summary>The batch's events are on the wire: its versions count as seen, journaled before the caller saves the cursor.</summary>
    public void Commit()
    {
        if (_pending.Count == 0)
        {
            return;
        }
        foreach (var (id, v) in _pending)
        {
            _committed.Set(id, v);
        }
        _dirty = true;
        if (options.VersionMemory > 0)
        {
            try
            {
                store.AppendVersions(_pending);
                _journaled += _pending.Count;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                log.Warning("Cannot append to the version journal of {File} ({Reason}); after a crash a version gap may be over-reported",
                    store.Description, ex.Message);
            }
        }
        _pending.Clear();
        // Bounds the journal (and the start-up that reads it) without a snapshot per batch: a snapshot
        // of 100,000 versions is ~3 MB written and fsync'd, so one per versionMemory rows cost a
        // 1M-row drain ~6% (10 snapshots); at ten times that, a 1M-row drain writes none before its end.
        if (_journaled > 10L * Math.Max(options.VersionMemory, 10_000))
        {
            SaveIfDue(force: true);
        }
    }

    /// <summary>Writes a snapshot every 30 s (and when <paramref name="force"/>d) if anything changed.</summary>
    public void SaveIfDue(bool force)
    {
        var now = time.GetUtcNow();
        if (_dirty && (force || now - _savedAt >= SnapshotInterval))
        {
            try
            {
                store.SaveVersions(_committed.Entries);
                _dirty = false;
                _journaled = 0;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Advisory data (gap detection only): keep it in memory and try again later.
                log.Warning("Cannot write {File} ({Reason}); version memory is kept in memory", store.Description, ex.Message);
            }
            _savedAt = now;
        }
    }
}
