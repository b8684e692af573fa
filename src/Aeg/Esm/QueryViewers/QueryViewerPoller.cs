using System.Globalization;
using System.Text;
using Aeg.Configuration;
using Aeg.Esm.Cases;
using Aeg.Rules;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Esm.QueryViewers;

/// <summary>Counts of one query viewer's poller (for logs and tests).</summary>
public sealed class QueryViewerCounters
{
    private long _polls, _failedPolls, _rows, _queued, _repeated, _unmatched, _badRows;

    public long Polls => Interlocked.Read(ref _polls);
    public long FailedPolls => Interlocked.Read(ref _failedPolls);
    /// <summary>Rows after the cursor handed to the rules.</summary>
    public long Rows => Interlocked.Read(ref _rows);
    /// <summary>Rows that matched a rule and became jobs.</summary>
    public long Queued => Interlocked.Read(ref _queued);
    /// <summary>Rows whose jobs were already in the outbox (a crash between the outbox and the cursor file).</summary>
    public long Repeated => Interlocked.Read(ref _repeated);
    public long Unmatched => Interlocked.Read(ref _unmatched);
    /// <summary>Rows without a readable id or time (skipped, logged).</summary>
    public long BadRows => Interlocked.Read(ref _badRows);

    internal void Poll(bool failed) => Interlocked.Increment(ref failed ? ref _failedPolls : ref _polls);
    internal void Row() => Interlocked.Increment(ref _rows);
    internal void Queue() => Interlocked.Increment(ref _queued);
    internal void Repeat() => Interlocked.Increment(ref _repeated);
    internal void Unmatch() => Interlocked.Increment(ref _unmatched);
    internal void Bad() => Interlocked.Increment(ref _badRows);
}

/// <summary>
/// Polls one query viewer (QueryViewerService.getMatrixData) and feeds each new row to the rules as an event
/// (<c>CEF:0|ArcSight|QueryViewer|1.0|&lt;viewer id&gt;|Query viewer row|5|ad.&lt;Column&gt;=…</c>, column names with every
/// character outside letters, digits and _ as _): rows after the cursor in (time, id) order → the matching rules'
/// jobs into the ticket outbox (fsync'd) → only then the cursor file. A crash re-reads at most one batch, whose rows
/// are recognised in the outbox and not queued again: each row reaches the rules once across restarts.
/// </summary>
public sealed class QueryViewerPoller
{
    private readonly EsmClient _client;
    private readonly QueryViewerOptions _options;
    private readonly string _key;
    private readonly RuleMatcher _matcher;
    private readonly TicketOutbox _outbox;
    private readonly EsmCaseCursorFile _cursorFile;
    private readonly string _missingValue;
    private readonly ILogger _log;
    private EsmCaseCursor _cursor;

    /// <summary>A poller of the viewer <paramref name="options"/> names; <paramref name="key"/> is its config key (<c>esm.queryViewers[0]</c>), for messages.</summary>
    public QueryViewerPoller(EsmClient client, QueryViewerOptions options, string key, IReadOnlyList<Rule> rules, TicketOutbox outbox, string stateDirectory,
        string missingValue, ILogger log)
    {
        _client = client;
        _options = options;
        _key = key;
        _matcher = new RuleMatcher(rules);
        _outbox = outbox;
        _cursorFile = new EsmCaseCursorFile(CursorPath(stateDirectory, options.Id!));
        _missingValue = missingValue;
        _log = log;
        _cursor = _cursorFile.Load() ?? EsmCaseCursor.Beginning;
    }

    public QueryViewerCounters Counters { get; } = new();

    /// <summary>The query viewer's resource id.</summary>
    public string ViewerId => _options.Id!;

    /// <summary>The (time, id) of the last row whose jobs are in the outbox.</summary>
    public EsmCaseCursor Cursor => _cursor;

    /// <summary>The cursor file of a query viewer in the state directory.</summary>
    public static string CursorPath(string stateDirectory, string viewerId) =>
        Path.Combine(stateDirectory, "esm-queryviewer-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(viewerId)))[..16].ToLowerInvariant() + ".cursor");

    /// <summary>The extension key a column becomes: <c>ad.</c> and the name with every character outside A–Z, a–z, 0–9 and _ as _.</summary>
    public static string KeyOf(string column) => "ad." + string.Concat(column.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_'));

    /// <summary>Polls until <paramref name="stop"/>; a failed poll is logged and the next one starts from the saved cursor.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        _log.Information("ESM query viewer {Id}: polling every {Interval} from {Cursor}", _options.Id, _options.PollInterval, _cursor);
        await EsmPollLoop.RunAsync(PollOnceAsync, _options.PollInterval, ex =>
        {
            Counters.Poll(failed: true);
            _log.Error("ESM query viewer {Id}: poll failed, the next starts again from {Cursor}: {Reason}", _options.Id, _cursor, _client.Scrub(ex.Message));
        }, stop).ConfigureAwait(false);
    }

    /// <summary>
    /// The start-up check: the viewer exists and has the configured id and time columns, else a <see cref="ConfigException"/>
    /// naming the key and the columns it has. When ESM cannot be reached within <paramref name="timeout"/> the daemon starts
    /// anyway (an outage must not keep it down) with a warning; each poll checks the columns again.
    /// </summary>
    public async Task CheckAsync(string configFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        EsmMatrix matrix;
        try
        {
            matrix = await _client.GetQueryViewerMatrixAsync(_options.Id!, bounded.Token).ConfigureAwait(false);
        }
        catch (EsmException ex) when (ex.Failure == EsmFailure.NotFound)
        {
            throw new ConfigException(configFile, $"{_key}.id", $"ESM has no query viewer {_options.Id} ({_client.Scrub(ex.Message)})");
        }
        catch (Exception ex) when (ex is EsmException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _log.Warning("ESM query viewer {Id}: its columns could not be checked at start-up, each poll checks them: {Reason}", _options.Id,
                ex is EsmException ? _client.Scrub(ex.Message) : $"no answer within {timeout.TotalSeconds:0} s");
            return;
        }
        var problems = new List<ConfigProblem>();
        foreach (var (column, option) in new[] { (_options.IdColumn!, "idColumn"), (_options.TimeColumn!, "timeColumn") })
        {
            if (!matrix.Columns.Contains(column, StringComparer.Ordinal))
            {
                problems.Add(new ConfigProblem($"{_key}.{option}", $"query viewer {_options.Id} has no column '{column}' (its columns: {string.Join(", ", matrix.Columns.Select(c => $"'{c}'"))})"));
            }
        }
        if (problems.Count > 0)
        {
            throw new ConfigException(configFile, problems);
        }
    }

    /// <summary>One poll; returns the rows queued. Throws when ESM or the outbox fails, or the viewer lacks the configured columns.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        var matrix = await _client.GetQueryViewerMatrixAsync(_options.Id!, cancellationToken).ConfigureAwait(false);
        var idAt = IndexOf(matrix.Columns, _options.IdColumn!, "idColumn");
        var timeAt = IndexOf(matrix.Columns, _options.TimeColumn!, "timeColumn");
        var keys = matrix.Columns.Select(KeyOf).ToList();
        var rows = new List<(EsmCaseCursor Position, IReadOnlyList<string> Values)>();
        foreach (var values in matrix.Rows)
        {
            if (values.Count != matrix.Columns.Count || values[idAt].Length == 0 || ParseTime(values[timeAt]) is not { } ms)
            {
                Counters.Bad();
                _log.Warning("ESM query viewer {Id}: a row without a readable {IdColumn} or {TimeColumn} is skipped ({Values})", _options.Id, _options.IdColumn,
                    _options.TimeColumn, string.Join(" | ", values.Take(8)));
                continue;
            }
            var position = new EsmCaseCursor(ms, values[idAt]);
            if (position > _cursor)
            {
                rows.Add((position, values));
            }
        }
        rows.Sort((a, b) => a.Position.CompareTo(b.Position));
        var queued = 0;
        foreach (var batch in rows.Chunk(_options.BatchSize))
        {
            var works = new List<TicketWork>();
            foreach (var (_, values) in batch)
            {
                Counters.Row();
                queued += AddWork(Cef(keys, values), works) ? 1 : 0;
            }
            if (works.Count > 0)
            {
                _outbox.Add(works);
            }
            // The jobs are on disk: now the cursor may pass them.
            _cursor = batch[^1].Position;
            _cursorFile.Save(_cursor);
        }
        Counters.Poll(failed: false);
        _log.Debug("ESM query viewer {Id}: {Rows} row(s), {New} after the cursor, {Queued} queued; cursor {Cursor}", _options.Id, matrix.Rows.Count, rows.Count, queued, _cursor);
        return queued;
    }

    private bool AddWork(string raw, List<TicketWork> works)
    {
        var rules = _matcher.Explain(Encoding.UTF8.GetBytes(raw), out _).Where(o => o.Matched).Select(o => o.Rule).ToList();
        if (rules.Count == 0)
        {
            Counters.Unmatch();
            return false;
        }
        var cefEvent = CefEvent.Parse(raw);
        var rendered = rules.SelectMany(rule => CefRuleHandler.Render(rule, cefEvent, _missingValue, DateTimeOffset.UtcNow)).ToList();
        // After a crash between the outbox and the cursor file the batch is read again: its jobs are there already.
        if (rendered.All(w => _outbox.LatestRawEvent(w.Target, w.DedupeKey) == raw))
        {
            Counters.Repeat();
            return false;
        }
        works.AddRange(rendered);
        Counters.Queue();
        return true;
    }

    private int IndexOf(IReadOnlyList<string> columns, string column, string option)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i] == column)
            {
                return i;
            }
        }
        throw new InvalidDataException($"{_key}.{option}: query viewer {_options.Id} has no column '{column}' (its columns: {string.Join(", ", columns.Select(c => $"'{c}'"))})");
    }

    private static long? ParseTime(string text)
    {
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
        {
            return ms;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time.ToUnixTimeMilliseconds() : null;
    }

    private string Cef(List<string> keys, IReadOnlyList<string> values)
    {
        var sb = new StringBuilder("CEF:0|ArcSight|QueryViewer|1.0|");
        sb.Append(_options.Id!.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal)).Append("|Query viewer row|5|");
        for (var i = 0; i < keys.Count; i++)
        {
            if (values[i].Length == 0)
            {
                continue;
            }
            sb.Append(i == 0 ? "" : " ").Append(keys[i]).Append('=')
                .Append(values[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal)
                    .Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal));
        }
        return sb.ToString();
    }
}
