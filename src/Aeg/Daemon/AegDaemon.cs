using Aeg.Analytics;
using Aeg.Annotations;
using Aeg.Ha;
using Aeg.HttpEndpoint;
using Aeg.Listener;
using Aeg.Syslog;

namespace Aeg.Daemon;

/// <summary>
/// The composition root of <c>aeg run</c> and <c>aeg listen</c>: builds every part from the loaded
/// <c>aeg.yaml</c>, starts them in order and stops them in the reverse order. Read this file first.
/// </summary>
/// <remarks>
/// <code>
///  sources                         processing                            sinks
///  ESM annotation table ─poll─▶ AnnotationPoller ─▶ AnnotationMapper ─▶ ISyslogSender ─▶ SmartConnector
///   (ActiveStandbyPoller under ha:)    └─ committed batches ────────────▶ AnalyticsRecorder ─▶ analytics.db
///  syslog listeners ─▶ CefRuleHandler (rules) ─▶ BoundedTicketQueue ─▶ TicketDispatcher ─▶ RT, Jira, ExtraHop, webhook
///  AegHttpServer serves /metrics and /readyz over all of them (DaemonTelemetry).
/// </code>
/// The parts and the code behind each arrow: docs/architecture.md.
/// </remarks>
public sealed class AegDaemon : IAsyncDisposable
{
    private readonly AegHost _host;
    private ISyslogSender? _sender;
    private AnnotationPoller? _poller;
    private CefTicketPipeline? _inbound;
    private AegHttpServer? _http;

    private AegDaemon(AegHost host) => _host = host;

    /// <summary>
    /// Starts, in this order: the syslog sender and the annotation poller (which takes the state
    /// directory's lock and loads the cursor) when <paramref name="host"/> has the annotation side;
    /// the ticket dispatcher, then the CEF listeners, when listeners are configured or the host has
    /// no annotation side (<c>aeg listen</c>); last the HTTP endpoint, so /readyz reports parts that exist.
    /// </summary>
    /// <param name="host">The loaded config; <c>aeg listen</c> loads it without the annotation side.</param>
    /// <param name="observeInbound">Wraps the rule handler, e.g. to print every received frame (<c>--print-events</c>).</param>
    public static async Task<AegDaemon> StartAsync(AegHost host, Func<ICefMessageHandler, ICefMessageHandler>? observeInbound = null)
    {
        var daemon = new AegDaemon(host);
        try
        {
            await daemon.StartPartsAsync(observeInbound);
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
        return daemon;
    }

    private async Task StartPartsAsync(Func<ICefMessageHandler, ICefMessageHandler>? observeInbound)
    {
        var options = _host.Options;
        if (_host.HasAnnotations)
        {
            _sender = _host.CreateSender();
            // Under ha: a poller exists only while this instance holds the lease (see RunAsync).
            if (!options.Ha.Enabled)
            {
                _poller = _host.CreatePoller(_sender);
                _poller.Initialize();
            }
        }
        if (options.Listen.Listeners.Count > 0 || !_host.HasAnnotations || options.Esm is { Cases.Enabled: true } || options.Esm is { QueryViewers.Count: > 0 })
        {
            _inbound = CefTicketPipeline.Create(options, _host.ConfigPath, _host.Log, observeInbound);
            await _inbound.StartAsync();
        }
        var parts = _host.HasAnnotations
            ? new DaemonParts(_poller, _sender, _inbound, _host.Counters, _host.Analytics)
            : new DaemonParts(Pipeline: _inbound);
        _http = await AegHttpServer.StartIfEnabledAsync(options.Http, _host.ConfigPath,
            DaemonTelemetry.MetricsSources(parts), DaemonTelemetry.HealthChecks(parts), _host.Log);
    }

    /// <summary>
    /// Polls (or, under <c>ha:</c>, waits for the lease and polls while holding it) until
    /// <paramref name="stop"/>, which ends the loop after the batch in flight; without the annotation
    /// side it only waits. Then the listeners stop and the ticket queue drains for
    /// <c>tickets.drainTimeout</c>; the rest goes to dead letters.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        Task mainLoop;
        if (_host.HasAnnotations)
        {
            _host.Log.Information("Polling {Database} every {Interval}, sending to {Destination}",
                _host.Database.Description, Logging.LogText.Duration(_host.Options.Poller.Interval), _sender!.Destination);
            mainLoop = _poller?.RunAsync(stop) ?? CreateActiveStandby(_sender).RunAsync(stop);
        }
        else
        {
            mainLoop = WaitForAsync(stop);
        }
        var pruning = _host.HasAnnotations && _host.Options.Analytics.Retention is { } keep && _host.Analytics is { } analytics
            ? new AnalyticsRetention(analytics.Store, keep, _host.Log).RunAsync(stop)
            : Task.CompletedTask;
        // The parts started in StartAsync and the loop now runs: under systemd, the unit is up.
        await using (SystemdService.Ready(mainLoop, stop))
        {
            await mainLoop;
        }
        await pruning;
        if (_inbound is not null)
        {
            await _inbound.StopAsync();
        }
    }

    private ActiveStandbyPoller CreateActiveStandby(ISyslogSender sender)
    {
        var options = _host.Options;
        return new ActiveStandbyPoller(_host.Database, options.Ha, options.Poller, options.Database, options.State.Directory,
            _host.HostName, store => _host.CreatePoller(sender, store), _host.Log);
    }

    private static async Task WaitForAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Disposes the parts, last started first: HTTP, the inbound pipeline, the poller, the sender.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync();
        }
        if (_inbound is not null)
        {
            await _inbound.DisposeAsync();
        }
        if (_poller is not null)
        {
            await _poller.DisposeAsync();
        }
        if (_sender is not null)
        {
            await _sender.DisposeAsync();
        }
    }
}
