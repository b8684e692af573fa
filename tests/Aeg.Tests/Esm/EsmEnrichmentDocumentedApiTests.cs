using System.Text.Json;
using System.Threading.Channels;
using Aeg.Esm;
using Aeg.Rules;
using Aeg.Tickets;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Esm;

/// <summary>
/// <c>enrich: esm</c> in the ticket worker: SecurityEventService.getSecurityEvents on
/// <see cref="EsmServiceLayerDocumentedApiServer"/> (the Service Layer written from its documentation), the tickets
/// going to an in-process webhook receiver; an ESM outage keeps the job in the outbox.
/// </summary>
public sealed class EsmEnrichmentDocumentedApiTests : IAsyncLifetime
{
    private const string Rules = """
        rules:
          - name: esm-correlated
            when: [{ field: deviceVendor, equals: ArcSight }]
            enrich: esm
            dedupe: "esm-event-{{eventId}}"
            actions:
              - target: hook
                create:
                  subject: "{{name}}"
                  zone: "{{esm.originalAgent.zone.uri}}"
                  agent: "{{esm.agent.address}}"
                  source: "{{esm.source.address|no source}}"
                  stage: "{{esm.eventAnnotation.stage.uri}}"
                  port: "{{esm.destination.port}}"
        """;

    private readonly LogCapture _log = new();
    private readonly TempDirectory _dir = new();
    private readonly TicketCounters _counters = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;
    private InProcessHttpServer _hook = null!;
    private readonly List<Dictionary<string, string>> _tickets = [];

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _hook = await InProcessHttpServer.StartAsync((r, n) =>
        {
            lock (_tickets)
            {
                using var body = JsonDocument.Parse(r.Body);
                _tickets.Add(body.RootElement.GetProperty("fields").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
            }
            return new Reply(200, $$"""{"id":"hook-{{n}}"}""");
        });
    }

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        await _hook.DisposeAsync();
        _log.Dispose();
        _dir.Dispose();
    }

    private (TicketSystems, TicketDispatcher, EsmClient, CachedEsmEventSource, Rule) Setup(int esmAttempts = 4)
    {
        var rule = Assert.Single(Aeg.Tests.Rules.RuleTestFiles.Compile(Rules));
        var tickets = new TicketsOptions();
        var hook = SystemOptions(TicketSystemType.Webhook, _hook.BaseUrl, 2);
        hook.Auth = TicketAuth.None;
        tickets.Systems["hook"] = hook;
        var (systems, dispatcher) = Dispatcher(tickets, _dir, _log.Logger, _counters);
        var client = EsmTestKit.Client(_esm, _log.Logger, maxAttempts: esmAttempts);
        var source = new CachedEsmEventSource(client, new EsmEventCache(100, TimeSpan.FromMinutes(5)));
        dispatcher.Enricher = new EsmEnricher(source, name => name == rule.Name ? rule : null, "(none)", "(not in ESM event)", _log.Logger);
        return (systems, dispatcher, client, source, rule);
    }

    private static TicketWork Work(Rule rule, long eventId) => Assert.Single(CefRuleHandler.Render(rule,
        CefEvent.Parse($"CEF:0|ArcSight|ArcSight|7.0|rule:101|Channel query completed|5|eventId={eventId}"), "(none)", DateTimeOffset.UtcNow, "(not in ESM event)"));

    [Fact]
    public async Task The_ticket_carries_the_nested_fields_of_the_fetched_event_with_addresses_decoded_and_defaults_where_missing()
    {
        _esm.AddEvent(EsmTestKit.ExampleEvent);
        var (systems, dispatcher, client, _, rule) = Setup();
        using (systems)
        await using (client)
        {
            var (outcome, error) = await dispatcher.ProcessAsync(Work(rule, 198236), CancellationToken.None);

            Assert.True(outcome == DispatchOutcome.Created, error);
        }
        var ticket = Assert.Single(_tickets);
        Assert.Equal("/All Zones/ArcSight System/Private Address Space Zones/RFC1918: 192.168.0.0-192.168.255.255", ticket["zone"]);
        Assert.Equal("192.168.2.34", ticket["agent"]);
        Assert.Equal("no source", ticket["source"]);
        Assert.Equal("/All Stages/Queued", ticket["stage"]);
        Assert.Equal("(not in ESM event)", ticket["port"]);   // -2147483648: ESM's "no value"
        Assert.Equal("Channel query completed", ticket["subject"]);
    }

    [Fact]
    public async Task While_ESM_is_unreachable_the_job_stays_pending_in_the_outbox_and_is_sent_once_ESM_answers()
    {
        _esm.AddEvent(EsmTestKit.ExampleEvent);
        var (systems, dispatcher, client, _, rule) = Setup(esmAttempts: 1);
        using (systems)
        await using (client)
        {
            _esm.Inject(new EsmFault.Unavailable());

            var (outcome, _) = await dispatcher.ProcessAsync(Work(rule, 198236), CancellationToken.None);

            Assert.Equal(DispatchOutcome.Deferred, outcome);
            Assert.Equal(new OutboxCounts(1, 0, 0), dispatcher.Outbox.Counts());
            Assert.Empty(_tickets);
            Assert.Contains(_log.Lines(Serilog.Events.LogEventLevel.Warning), l => l.Contains("waits", StringComparison.Ordinal) && l.Contains("HTTP 503", StringComparison.Ordinal));

            // ESM is back: the dispatcher's next claim after the backoff sends it.
            var queue = Channel.CreateUnbounded<TicketWork>();
            queue.Writer.Complete();
            await dispatcher.RunAsync(queue.Reader, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

            Assert.Equal(new OutboxCounts(0, 0, 1), dispatcher.Outbox.Counts());
        }
        Assert.Equal("192.168.2.34", Assert.Single(_tickets)["agent"]);
    }

    [Fact]
    public async Task An_event_ESM_does_not_know_renders_defaults_and_the_marker()
    {
        var (systems, dispatcher, client, _, rule) = Setup();
        using (systems)
        await using (client)
        {
            var (outcome, error) = await dispatcher.ProcessAsync(Work(rule, 5), CancellationToken.None);
            Assert.True(outcome == DispatchOutcome.Created, error);
        }
        var ticket = Assert.Single(_tickets);
        Assert.Equal("no source", ticket["source"]);
        Assert.Equal("(not in ESM event)", ticket["zone"]);
    }

    [Fact]
    public async Task A_second_job_for_the_same_event_is_served_from_the_cache()
    {
        _esm.AddEvent(EsmTestKit.ExampleEvent);
        var (systems, dispatcher, client, source, rule) = Setup();
        using (systems)
        await using (client)
        {
            await dispatcher.ProcessAsync(Work(rule, 198236), CancellationToken.None);
            await dispatcher.ProcessAsync(Work(rule, 198236), CancellationToken.None);
            Assert.Equal(1, source.Cache.Count);
        }
        Assert.Single(_esm.Requests, r => r.Path.Contains("getSecurityEvents", StringComparison.Ordinal));
    }
}
