using Serilog;

namespace Aeg.Annotations;

/// <summary>The names of <see cref="RowChanges"/> as the event carries them (<c>cs6=truncated,unresolved_stage</c>) and /metrics labels them.</summary>
public static class RowChangeNames
{
    /// <summary>Each kind with its name, in the order the names are written.</summary>
    public static readonly IReadOnlyList<(RowChanges Kind, string Name)> Kinds =
    [
        (RowChanges.Truncated, "truncated"),
        (RowChanges.InvalidText, "invalid_text"),
        (RowChanges.UnresolvedStage, "unresolved_stage"),
        (RowChanges.UnresolvedUser, "unresolved_user"),
        (RowChanges.MissingTime, "missing_time"),
        (RowChanges.TimeOutOfRange, "time_out_of_range"),
        (RowChanges.FutureTime, "future_time"),
    ];

    // One string per combination, made once: a row with changes costs no allocation.
    private static readonly string[] Combinations = MakeCombinations();

    /// <summary>The comma-separated names of the kinds in <paramref name="changes"/>.</summary>
    public static string Of(RowChanges changes) => Combinations[(int)changes & (Combinations.Length - 1)];

    private static string[] MakeCombinations()
    {
        var all = new string[1 << Kinds.Count];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = string.Join(',', Kinds.Where(k => (i & (int)k.Kind) != 0).Select(k => k.Name));
        }
        return all;
    }
}

/// <summary>
/// Counts what was changed in rows per kind and says so in the log at most once per minute per kind,
/// with an example event id, so that a table full of long comments does not flood the log.
/// </summary>
public sealed class RowChangeLog(ILogger log, AnnotationCounters counters, TimeProvider? time = null)
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    // Per kind: when it was last logged, and how many rows had it since.
    private readonly DateTimeOffset[] _loggedAt = new DateTimeOffset[RowChangeNames.Kinds.Count];
    private readonly long[] _unlogged = new long[RowChangeNames.Kinds.Count];

    /// <summary>Counts the changes of one sent row; called by the poller's single thread.</summary>
    public void Record(AnnotationRow row)
    {
        if (row.Changes == RowChanges.None)
        {
            return;
        }
        var now = _time.GetUtcNow();
        for (var i = 0; i < RowChangeNames.Kinds.Count; i++)
        {
            var (kind, name) = RowChangeNames.Kinds[i];
            if ((row.Changes & kind) == 0)
            {
                continue;
            }
            counters.RowChanged(i);
            _unlogged[i]++;
            if (now - _loggedAt[i] >= LogInterval)
            {
                log.Warning("Annotation Events sent with {Change} ({Rows} row(s) since the last note), e.g. event {EventId} version {Version}: {Meaning}",
                    name, _unlogged[i], row.EventId, row.Version, Meaning(kind));
                _loggedAt[i] = now;
                _unlogged[i] = 0;
            }
        }
    }

    private static string Meaning(RowChanges kind) => kind switch
    {
        RowChanges.Truncated => "a field was cut to its CEF length limit",
        RowChanges.InvalidText => "bytes that are not UTF-8 were replaced with U+FFFD",
        RowChanges.UnresolvedStage => "the stage id is not in arc_resource, so the event has no stage name",
        RowChanges.UnresolvedUser => "a user id is not in arc_resource, so the event has no user name",
        RowChanges.MissingTime => "modification_time is 0 or NULL; the event has no deviceCustomDate1",
        RowChanges.TimeOutOfRange => "a date outside 1970-9999 was left out",
        RowChanges.FutureTime => "modification_time lies beyond now + poller.maxClockSkew; the cursor does not follow it",
        _ => kind.ToString(),
    };
}
