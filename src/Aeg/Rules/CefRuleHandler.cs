using Aeg.Cef;
using Aeg.Listener;
using Aeg.Tickets;
using Serilog;
using Serilog.Events;

namespace Aeg.Rules;

/// <summary>
/// The listener's message handler: parses each frame, counts it as parsed or rejected, matches
/// the rules without allocating and, only for a match, renders the ticket work and queues it.
/// </summary>
public sealed class CefRuleHandler(RuleMatcher matcher, ITicketQueue queue, string missingValue, ILogger log, TimeProvider? time = null)
    : ICefMessageHandler
{
    [ThreadStatic]
    private static int[]? t_matched;

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _failures;

    /// <summary>Matched events whose ticket work could not be rendered (a bug; logged).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public void Handle(ReadOnlySpan<byte> frame, SenderCounters sender) => Handle(frame, sender, stream: false);

    /// <inheritdoc/>
    public void HandleFromStream(ReadOnlySpan<byte> frame, SenderCounters sender) => Handle(frame, sender, stream: true);

    /// <inheritdoc/>
    public bool Ready => queue.HasRoom;

    /// <inheritdoc/>
    public ValueTask WaitUntilReadyAsync(CancellationToken cancellationToken) => queue.WaitForRoomAsync(cancellationToken);

    private void Handle(ReadOnlySpan<byte> frame, SenderCounters sender, bool stream)
    {
        var rules = matcher.Rules;
        var matched = t_matched;
        if (matched is null || matched.Length < rules.Count)
        {
            matched = t_matched = new int[Math.Max(rules.Count, 1)];
        }
        int count;
        bool valid;
        try
        {
            var reader = new CefReader(frame);
            count = matcher.Match(frame, ref reader, matched);
            valid = reader.IsValid;
        }
        catch (Exception ex)
        {
            // CefReader never throws; this is a matcher bug, and the listener must go on.
            sender.CountRejected();
            Fail(ex, "matching");
            return;
        }
        if (!valid)
        {
            sender.CountRejected();
            return;
        }
        sender.CountParsed();
        if (count > 0)
        {
            Enqueue(frame, matched.AsSpan(0, count), sender, stream);
        }
    }

    private void Enqueue(ReadOnlySpan<byte> frame, ReadOnlySpan<int> matched, SenderCounters sender, bool stream)
    {
        try
        {
            var cefEvent = CefEvent.Parse(frame);
            var receivedAt = _time.GetUtcNow();
            foreach (var index in matched)
            {
                var rule = matcher.Rules[index];
                sender.CountMatched();
                foreach (var work in Render(rule, cefEvent, missingValue, receivedAt))
                {
                    if (log.IsEnabled(LogEventLevel.Debug))
                    {
                        log.Debug("Rule {Rule} matched an event from {Sender}: {Target} key {DedupeKey}", rule.Name, sender.Address, work.Target, work.DedupeKey);
                    }
                    if (stream)
                    {
                        queue.Enqueue(work);
                    }
                    else
                    {
                        queue.TryEnqueue(work);
                    }
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex, "rendering");
        }
    }

    /// <summary>The ticket work of a matched rule: one item per action.</summary>
    /// <remarks>
    /// For an <c>enrich: esm</c> rule the listener renders <c>{{esm.…}}</c> as missing: the ticket worker fetches the
    /// ESM event and renders the job again before sending it (off the receive path).
    /// </remarks>
    public static IEnumerable<TicketWork> Render(Rule rule, CefEvent cefEvent, string missingValue, DateTimeOffset receivedAt, string? esmMissingValue = null)
    {
        var key = rule.Dedupe.Render(cefEvent, missingValue);
        foreach (var action in rule.Actions)
        {
            var update = RenderFields(action.Update, cefEvent, missingValue, esmMissingValue);
            if (rule.Reopen)
            {
                update ??= new Dictionary<string, string>(1, StringComparer.Ordinal);
                update[TicketWork.ReopenField] = "true";
            }
            yield return new TicketWork(rule.Name, action.Target, action.Key?.Render(cefEvent, missingValue) ?? key, RenderFields(action.Create, cefEvent, missingValue, esmMissingValue), update,
                cefEvent.Raw, receivedAt);
        }
    }

    private static Dictionary<string, string>? RenderFields(IReadOnlyList<KeyValuePair<string, TicketTemplate>>? fields, CefEvent cefEvent, string missingValue,
        string? esmMissingValue)
    {
        if (fields is null)
        {
            return null;
        }
        var result = new Dictionary<string, string>(fields.Count, StringComparer.Ordinal);
        foreach (var (name, template) in fields)
        {
            result[name] = template.Render(cefEvent, missingValue, esmMissingValue);
        }
        return result;
    }

    private void Fail(Exception ex, string stage)
    {
        Interlocked.Increment(ref _failures);
        log.Error(ex, "CEF rule handler failed while {Stage}; the event is skipped", stage);
    }
}
