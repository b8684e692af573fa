using Aeg.Configuration;
using Aeg.Esm;
using Aeg.Esm.Cases;
using Aeg.Esm.QueryViewers;
using Aeg.Listener;
using Aeg.Rules;
using Aeg.Tickets;
using Serilog;

namespace Aeg.Daemon;

/// <summary>
/// The inbound half of Aeg, built from the config: syslog listeners → <see cref="CefRuleHandler"/>
/// → <see cref="BoundedTicketQueue"/> → ticket dispatcher (RT, Jira, ExtraHop, webhook), with the
/// dedupe store in the state directory. Built and started by <see cref="AegDaemon"/>.
/// </summary>
public sealed class CefTicketPipeline : IAsyncDisposable
{
    private readonly ILogger _log;
    private readonly CancellationTokenSource _shutdown = new();
    private Task? _dispatch;
    private bool _stopped;
    private EsmClient? _esm;
    private readonly CancellationTokenSource _stopCases = new();
    private Task? _casePolling;

    private CefTicketPipeline(IReadOnlyList<Rule> rules, BoundedTicketQueue queue, CefRuleHandler handler, TicketService tickets,
        ListenerHost listeners, ILogger log)
    {
        Rules = rules;
        Queue = queue;
        Handler = handler;
        Tickets = tickets;
        Listeners = listeners;
        _log = log;
    }

    public IReadOnlyList<Rule> Rules { get; }
    public BoundedTicketQueue Queue { get; }
    public CefRuleHandler Handler { get; }
    public TicketService Tickets { get; }
    public ListenerHost Listeners { get; }

    /// <summary>The ESM case poller when <c>esm.cases.enabled</c>, else null.</summary>
    public EsmCasePoller? Cases { get; private init; }

    /// <summary>One poller per <c>esm.queryViewers</c> entry (empty without).</summary>
    public IReadOnlyList<QueryViewerPoller> QueryViewers { get; private init; } = [];

    // Long enough for a slow ESM to compute a big viewer, short enough that an outage delays start-up only a little.
    private static readonly TimeSpan ViewerCheckTimeout = TimeSpan.FromSeconds(30);
    private string _configFile = "";

    /// <summary>The ESM case write-back when <c>esm.cases.writeBack</c>, else null.</summary>
    public EsmCaseWriteBack? CaseWriteBack { get; private set; }

    /// <summary>Loads the rules, reads the ticket secrets and opens the dedupe store; throws <see cref="ConfigException"/>.</summary>
    /// <remarks><paramref name="observe"/> may wrap the rule handler, e.g. to print every received frame (<c>--print-events</c>).</remarks>
    public static CefTicketPipeline Create(AegOptions options, string configFile, ILogger log, Func<ICefMessageHandler, ICefMessageHandler>? observe = null)
    {
        var caseOptions = options.Esm?.Cases ?? new();
        var viewerOptions = options.Esm?.QueryViewers ?? [];
        if (options.Listen.Listeners.Count == 0 && !caseOptions.Enabled && viewerOptions.Count == 0)
        {
            throw new ConfigException(configFile, "listen.listeners", "no listener is configured (add e.g. { protocol: tcp, port: 1514 })");
        }
        IReadOnlyList<Rule> rules = [];
        if (options.Rules.Path is { Length: > 0 } path)
        {
            rules = RuleLoader.Load(path, options.Tickets.TargetKinds(), options.Rules.ExtensionKeys);
        }
        else
        {
            log.Warning("rules.path is not set: events are parsed and counted, but no ticket is made");
        }
        var queue = new BoundedTicketQueue(options.Tickets.Queue ?? new(), log);
        var handler = new CefRuleHandler(new RuleMatcher(rules), queue, options.Rules.MissingValue, log);
        var caseRules = caseOptions.Enabled ? EsmCaseRules.Resolve(caseOptions, rules, options.Tickets, configFile) : [];
        var esm = EsmEnrichment.Create(rules, options.Esm, options.Rules.MissingValue, configFile, log);
        TicketService? tickets = null;
        var client = esm.Client;
        try
        {
            client ??= caseOptions.Enabled || viewerOptions.Count > 0 ? EsmService.CreateClient(options.Esm!, configFile, log) : null;
            EsmCaseWriteBack? writeBack = null;
            tickets = TicketService.Create(options.Tickets, options.State.Directory, configFile, log, OutboxDatabases.Open(options, configFile, log));
            if (caseOptions is { Enabled: true, WriteBack: true })
            {
                tickets.Dispatcher.Register(writeBack = new EsmCaseWriteBack(client!, caseOptions, tickets.Outbox, tickets.Actions, log));
            }
            tickets.Dispatcher.Enricher = caseOptions.Enabled ? new EsmCaseJobGate(tickets.Outbox, esm.Enricher) : esm.Enricher;
            if (esm.ActiveLists is { } activeLists)
            {
                tickets.Dispatcher.Register(activeLists);
            }
            var received = observe is null ? handler : observe(handler);
            var cases = caseOptions.Enabled
                ? new EsmCasePoller(client!, caseOptions, caseRules, tickets.Outbox, new EsmCaseCursorFile(EsmCaseCursorFile.DefaultPath(options.State.Directory)),
                    options.Rules.MissingValue, options.Esm!.MissingValue, log, history: EsmCaseHistory.Create(options.Analytics, options.State.Directory, caseOptions, log))
                : null;
            var viewers = viewerOptions.Select((v, i) => new QueryViewerPoller(client!, v, $"esm.queryViewers[{i}]", rules, tickets.Outbox,
                options.State.Directory, options.Rules.MissingValue, log)).ToList();
            return new CefTicketPipeline(rules, queue, handler, tickets, new ListenerHost(options.Listen, received, log), log)
            {
                _esm = client,
                _configFile = configFile,
                Cases = cases,
                QueryViewers = viewers,
                CaseWriteBack = writeBack,
            };
        }
        catch
        {
            tickets?.Dispose();
            if (client is not null)
            {
                client.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            throw;
        }
    }

    /// <summary>
    /// Starts the dispatcher, binds the listeners (an error names the listener that cannot bind) and checks each query
    /// viewer's columns (a <see cref="ConfigException"/> when ESM answers without them).
    /// </summary>
    public async Task StartAsync()
    {
        _dispatch = Tickets.RunAsync(Queue.Reader, _shutdown.Token);
        try
        {
            await Listeners.StartAsync().ConfigureAwait(false);
            foreach (var viewer in QueryViewers)
            {
                await viewer.CheckAsync(_configFile, ViewerCheckTimeout, _shutdown.Token).ConfigureAwait(false);
            }
        }
        catch
        {
            await StopAsync().ConfigureAwait(false);
            throw;
        }
        _log.Information("CEF listener running with {Rules} rule(s); ticket queue capacity {Capacity}", Rules.Count, Queue.Capacity);
        var polls = QueryViewers.Select(v => Task.Run(() => v.RunAsync(_stopCases.Token), CancellationToken.None)).ToList();
        if (Cases is { } cases)
        {
            polls.Add(Task.Run(() => cases.RunAsync(_stopCases.Token), CancellationToken.None));
        }
        _casePolling = polls.Count > 0 ? Task.WhenAll(polls) : null;
    }

    /// <summary>Stops receiving, lets the dispatcher send what is queued for <c>tickets.drainTimeout</c>, dead-letters the rest.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        // The case and query viewer pollers first: what they queued is in the outbox, which the dispatcher drains next.
        await _stopCases.CancelAsync().ConfigureAwait(false);
        if (_casePolling is not null)
        {
            await _casePolling.ConfigureAwait(false);
        }
        await Listeners.StopAsync().ConfigureAwait(false);
        Queue.Complete();
        await _shutdown.CancelAsync().ConfigureAwait(false);
        if (_dispatch is not null)
        {
            await _dispatch.ConfigureAwait(false);
        }
        foreach (var sender in Listeners.Senders.Snapshot())
        {
            _log.Information("Sender {Sender}: {Received} received, {Parsed} parsed, {Rejected} rejected, {Matched} matched, {Oversized} oversized",
                sender.Address, sender.Received, sender.Parsed, sender.Rejected, sender.Matched, sender.Oversized);
        }
        _log.Information("Ticket queue: {Enqueued} enqueued, {Shed} shed", Queue.Enqueued, Queue.Shed);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Tickets.Dispose();
        if (_esm is not null)
        {
            await _esm.DisposeAsync().ConfigureAwait(false);
        }
        _shutdown.Dispose();
        _stopCases.Dispose();
    }
}
