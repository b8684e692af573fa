using System.Text;
using Aeg.Rules;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Esm.Cases;

/// <summary>Counts of the case poller (for logs and tests).</summary>
public sealed class EsmCaseCounters
{
    private long _polls, _failedPolls, _read, _queued, _unchanged, _unmatched, _writeBacks;

    public long Polls => Interlocked.Read(ref _polls);
    public long FailedPolls => Interlocked.Read(ref _failedPolls);
    /// <summary>Cases read after the cursor (or inside the look-back).</summary>
    public long CasesRead => Interlocked.Read(ref _read);
    /// <summary>Case changes handed to the ticket outbox.</summary>
    public long CasesQueued => Interlocked.Read(ref _queued);
    /// <summary>Cases read again whose newest job already carries their content (look-back, restart, Aeg's own write-back).</summary>
    public long CasesUnchanged => Interlocked.Read(ref _unchanged);
    /// <summary>Cases no rule of <c>esm.cases.rules</c> matched.</summary>
    public long CasesUnmatched => Interlocked.Read(ref _unmatched);
    /// <summary>Write-back jobs handed to the outbox.</summary>
    public long WriteBacksQueued => Interlocked.Read(ref _writeBacks);

    internal void Poll(bool failed) => Interlocked.Increment(ref failed ? ref _failedPolls : ref _polls);
    internal void Read(int n) => Interlocked.Add(ref _read, n);
    internal void Queued() => Interlocked.Increment(ref _queued);
    internal void Unchanged() => Interlocked.Increment(ref _unchanged);
    internal void Unmatched() => Interlocked.Increment(ref _unmatched);
    internal void WriteBack() => Interlocked.Increment(ref _writeBacks);
}

/// <summary>
/// Polls ESM cases changed since a cursor and turns each into a ticket job by rule, through the durable ticket outbox:
/// list ids (CaseService.findAllIds) → read each (getResourceById) → keep those after the cursor (minus
/// <c>lookBack</c>) in (modification time, id) order; the cursor never passes the poll's start time → per batch: the case's event ids (getCaseEventIDs), render the
/// first matching rule with <c>{{esm.…}}</c> = the case, dedupe key <c>esm-case:&lt;id&gt;</c> → jobs into the outbox
/// (fsync'd) → only then the cursor file. A crash re-reads at most one batch; a case whose newest job already carries
/// its content (same fingerprint) is not queued again, so a restart neither loses nor repeats a case.
/// </summary>
public sealed class EsmCasePoller
{
    /// <summary>The prefix of a case's dedupe key; the rest is the case's resource id, so a case's ids depend on nothing else.</summary>
    public const string KeyPrefix = "esm-case:";

    private readonly EsmClient _client;
    private readonly EsmCaseOptions _options;
    private readonly RuleMatcher _matcher;
    private readonly TicketOutbox _outbox;
    private readonly EsmCaseCursorFile _cursorFile;
    private readonly string _missingValue;
    private readonly string _esmMissingValue;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly string[] _ignored;
    private readonly EsmCaseHistory? _history;
    private EsmCaseCursor _cursor;

    public EsmCasePoller(EsmClient client, EsmCaseOptions options, IReadOnlyList<Rule> caseRules, TicketOutbox outbox, EsmCaseCursorFile cursorFile,
        string missingValue, string esmMissingValue, ILogger log, TimeProvider? time = null, EsmCaseHistory? history = null)
    {
        _history = history;
        _client = client;
        _options = options;
        _matcher = new RuleMatcher(caseRules);
        _outbox = outbox;
        _cursorFile = cursorFile;
        _missingValue = missingValue;
        _esmMissingValue = esmMissingValue;
        _log = log;
        _time = time ?? TimeProvider.System;
        _ignored = options.WriteBack ? [options.ReferenceField, .. options.UrlField is { Length: > 0 } u ? new[] { u } : []] : [];
        _cursor = cursorFile.Load() ?? EsmCaseCursor.Beginning;
    }

    public EsmCaseCounters Counters { get; } = new();

    /// <summary>Where the cases' stages and owners go into the analyst metrics; null when <c>analytics.enabled</c> is false.</summary>
    public EsmCaseHistory? History => _history;

    /// <summary>The position of the last case whose job is in the outbox.</summary>
    public EsmCaseCursor Cursor => _cursor;

    /// <summary>The dedupe key of a case's ticket.</summary>
    public static string DedupeKey(string caseId) => KeyPrefix + caseId;

    /// <summary>Polls until <paramref name="stop"/>; a failed poll is logged and the next one starts from the saved cursor.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        _log.Information("ESM cases: polling every {Interval} from {Cursor}", _options.PollInterval, _cursor);
        await EsmPollLoop.RunAsync(PollOnceAsync, _options.PollInterval, ex =>
        {
            Counters.Poll(failed: true);
            // EsmException texts are scrubbed by the client; the others carry no ESM secret.
            _log.Warning("ESM cases: poll failed, the next starts again from {Cursor}: {Reason}", _cursor, _client.Scrub(ex.Message));
        }, stop, _time).ConfigureAwait(false);
    }

    /// <summary>One poll; returns the number of case changes queued. Throws when ESM or the outbox fails (the cursor keeps the last queued batch).</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        // ESM's case list is no snapshot: while this poll reads case after case, analysts change cases it read
        // already and open new ones it did not list. Those carry a modification time after the poll's start, so the
        // cursor never passes the start (lookBack also covers a Manager clock that runs behind Aeg's).
        var cap = new EsmCaseCursor(_time.GetUtcNow().ToUnixTimeMilliseconds(), "");
        var ids = await _client.FindAllCaseIdsAsync(cancellationToken).ConfigureAwait(false);
        var from = _options.LookBack > TimeSpan.Zero
            ? new EsmCaseCursor(Math.Max(0, _cursor.ModifiedMs - (long)_options.LookBack.TotalMilliseconds), "")
            : _cursor;
        var changed = new List<EsmCase>();
        foreach (var id in ids)
        {
            EsmCase c;
            try
            {
                c = EsmCase.From(await _client.GetCaseAsync(id, cancellationToken).ConfigureAwait(false));
            }
            catch (EsmException ex) when (ex.Failure == EsmFailure.NotFound)
            {
                continue; // deleted since findAllIds
            }
            catch (FormatException ex)
            {
                _log.Warning("ESM cases: case {Id} is skipped: {Reason}", id, ex.Message);
                continue;
            }
            if (c.Position > from)
            {
                changed.Add(c);
            }
        }
        changed.Sort((a, b) => a.Position.CompareTo(b.Position));
        Counters.Read(changed.Count);
        _history?.Record(changed);
        var queued = 0;
        foreach (var batch in changed.Chunk(_options.BatchSize))
        {
            var works = new List<TicketWork>();
            var cases = 0;
            foreach (var c in batch)
            {
                var before = works.Count;
                await AddWorkAsync(c, works, cancellationToken).ConfigureAwait(false);
                cases += works.Count > before ? 1 : 0;
            }
            if (works.Count > 0)
            {
                _outbox.Add(works);
            }
            queued += cases;
            // The jobs are on disk: now the cursor may pass them (up to the poll's start).
            var next = batch[^1].Position < cap ? batch[^1].Position : cap;
            if (next > _cursor)
            {
                _cursor = next;
                _cursorFile.Save(_cursor);
            }
        }
        Counters.Poll(failed: false);
        _log.Debug("ESM cases: {Ids} case(s) listed, {Changed} after the cursor, {Queued} queued; cursor {Cursor}", ids.Count, changed.Count, queued, _cursor);
        return queued;
    }

    private async Task AddWorkAsync(EsmCase c, List<TicketWork> works, CancellationToken cancellationToken)
    {
        var raw = c.Cef(c.Fingerprint(_ignored));
        var rule = _matcher.Explain(Encoding.UTF8.GetBytes(raw), out _).FirstOrDefault(o => o.Matched)?.Rule;
        if (rule is null)
        {
            Counters.Unmatched();
            _log.Debug("ESM cases: no rule of esm.cases.rules matches case {Id}", c.Id);
            return;
        }
        var key = DedupeKey(c.Id);
        var targets = rule.Actions.Select(a => a.Target).Distinct().Where(t => _outbox.LatestRawEvent(t, key) != raw).ToHashSet(StringComparer.Ordinal);
        if (targets.Count == 0)
        {
            Counters.Unchanged();
            return;
        }
        IReadOnlyList<long> eventIds;
        try
        {
            eventIds = await _client.GetCaseEventIdsAsync(c.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (EsmException ex) when (ex.Failure == EsmFailure.NotFound)
        {
            eventIds = [];
        }
        var cefEvent = CefEvent.Parse(raw);
        cefEvent.Enrichment = c.WithEvents(eventIds);
        var now = _time.GetUtcNow();
        var first = true;
        foreach (var work in CefRuleHandler.Render(rule, cefEvent, _missingValue, now, _esmMissingValue))
        {
            if (!targets.Contains(work.Target))
            {
                continue;
            }
            works.Add(work with { DedupeKey = key });
            if (first && _options.WriteBack)
            {
                // Same batch, after the ticket's job: it runs once that job is done (EsmCaseWriteBackGate).
                works.Add(EsmCaseWriteBack.Job(rule.Name, c.Id, work.Target, key, raw, now));
                Counters.WriteBack();
            }
            first = false;
        }
        Counters.Queued();
    }
}
