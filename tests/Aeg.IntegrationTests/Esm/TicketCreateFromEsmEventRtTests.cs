using System.CommandLine;
using System.Text;
using Aeg.Cli;
using Aeg.IntegrationTests.Tickets;
using Aeg.Rules;
using Aeg.Tickets;
using Xunit;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// <c>aeg ticket create --event-id</c> into the real Request Tracker, the event fetched by SecurityEventService.getSecurityEvents
/// from <see cref="EsmServiceLayerDocumentedApiServer"/> (the ESM Service Layer written from its documentation: no ESM can run here).
/// </summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class TicketCreateFromEsmEventRtTests : RtTestBase, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;
    private readonly string _passwordVariable = "AEG_TEST_ESM_PASSWORD_" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        Environment.SetEnvironmentVariable(_passwordVariable, _esm.Password);
        File.WriteAllText(_dir.File("rt-token"), TestServices.RtToken + "\n");
        File.WriteAllText(_dir.File("aeg.yaml"), $"""
            state:
              directory: {_dir.Path}/state
            rules:
              path: {_dir.File("rules.yaml")}
            esm:
              url: {_esm.BaseUrl}
              user: {_esm.User}
              passwordEnv: {_passwordVariable}
              caFile: {_esm.CaFile}
              retry: {"{"} maxAttempts: 3, baseDelay: 20ms {"}"}
            tickets:
              systems:
                rt:
                  type: rt
                  url: {TestServices.RtUrl}
                  tokenFile: {_dir.File("rt-token")}
            """);
        File.WriteAllText(_dir.File("rules.yaml"), $$$"""
            rules:
              - name: esm-correlated
                when: [{ field: deviceVendor, equals: ArcSight }]
                enrich: esm
                dedupe: "esm-{{{_id}}}-{{eventId}}"
                actions:
                  - target: rt
                    create:
                      Queue: SOC
                      Subject: "aeg-test {{{_id}}} {{name}}"
                      CF.SourceIP: "{{esm.source.address|no source}}"
                      CF.DestinationIP: "{{esm.destination.address}}"
                      CF.CEFSignatureID: "{{esm.deviceEventClassId}}"
                      Content: "zone={{esm.originalAgent.zone.uri}}\nstage={{esm.eventAnnotation.stage.uri}}\nagent={{esm.agent.address}}\nport={{esm.destination.port|no port}}\nlabel={{esm.deviceCustom.string9Label}}"
                    update:
                      Comment: "seen again: {{name}}"
            """);
    }

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        Environment.SetEnvironmentVariable(_passwordVariable, null);
        _dir.Dispose();
    }

    private async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var root = new RootCommand { TicketsCommand.Create() };
        var exit = await root.Parse(["ticket", "create", "--config", _dir.File("aeg.yaml"), .. args]).InvokeAsync(new InvocationConfiguration { Output = output });
        return (exit, output.ToString());
    }

    [Fact]
    public async Task A_ticket_rendered_from_a_fetched_event_has_every_mapped_nested_field_in_RT_and_defaults_where_missing()
    {
        _esm.AddEvent(EsmTestKit.ExampleEvent);

        var (exit, _) = await RunAsync("--event-id", "198236", "--rule", "esm-correlated");

        Assert.Equal(0, exit);
        var found = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject LIKE 'aeg-test {_id}'")}");
        var id = Assert.Single(found.GetProperty("items").EnumerateArray()).GetProperty("id").GetString();
        var ticket = await GetAsync($"ticket/{id}");
        Assert.Equal($"aeg-test {_id} Channel [System Events Last Hour] query completed", ticket.GetProperty("Subject").GetString());
        Assert.Equal("no source", CustomField(ticket, "SourceIP"));
        Assert.Equal("192.168.2.34", CustomField(ticket, "DestinationIP"));
        Assert.Equal("channel:003", CustomField(ticket, "CEFSignatureID"));
        var content = await FirstMessageAsync(id!);
        Assert.Contains("zone=/All Zones/ArcSight System/Private Address Space Zones/RFC1918: 192.168.0.0-192.168.255.255", content, StringComparison.Ordinal);
        Assert.Contains("stage=/All Stages/Queued", content, StringComparison.Ordinal);
        Assert.Contains("agent=192.168.2.34", content, StringComparison.Ordinal);
        Assert.Contains("port=no port", content, StringComparison.Ordinal);
        Assert.Contains("label=(not in ESM event)", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_prints_every_field_of_the_event_and_the_rendered_ticket_and_sends_nothing()
    {
        _esm.AddEvent(EsmTestKit.ExampleEvent);

        var (exit, output) = await RunAsync("--event-id", "198236", "--rule", "esm-correlated", "--dry-run");

        Assert.Equal(0, exit);
        Assert.Contains("  originalAgent.zone.uri = /All Zones/ArcSight System/Private Address Space Zones/RFC1918: 192.168.0.0-192.168.255.255", output, StringComparison.Ordinal);
        Assert.Contains("  bytesIn = (absent)", output, StringComparison.Ordinal);
        Assert.Contains("    CF.DestinationIP: 192.168.2.34", output, StringComparison.Ordinal);
        Assert.Contains("      label=(not in ESM event)", output, StringComparison.Ordinal);
        var found = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject LIKE 'aeg-test {_id}'")}");
        Assert.Empty(found.GetProperty("items").EnumerateArray());
        Assert.False(File.Exists(Path.Combine(_dir.Path, "state", "tickets.db")));
    }

    [Fact]
    public async Task An_unknown_event_exits_3_and_an_unreachable_ESM_exits_75()
    {
        Assert.Equal(3, (await RunAsync("--event-id", "424242", "--rule", "esm-correlated")).Exit);
        _esm.Inject(new EsmFault.Unavailable(), new EsmFault.Unavailable(), new EsmFault.Unavailable());
        Assert.Equal(75, (await RunAsync("--event-id", "198236", "--rule", "esm-correlated")).Exit);
    }

    [Fact]
    public async Task The_command_and_the_same_event_through_the_CEF_path_at_the_same_time_make_one_ticket_for_the_key()
    {
        _esm.AddEvent(EsmTestKit.ExampleEvent);
        var rule = Assert.Single(RuleLoader.Load(_dir.File("rules.yaml")));
        // The daemon's side: its own outbox holder on the same tickets.db, the CEF event as ESM forwards it.
        var counters = new TicketCounters();
        var options = Aeg.Daemon.AegConfig.Load(_dir.File("aeg.yaml"));
        using var systems = TicketSystems.Create(options.Tickets, _dir.File("aeg.yaml"), _log.Logger, counters);
        var daemon = new TicketDispatcher(systems.Actions, new TicketOutbox(Path.Combine(_dir.Path, "state", "tickets.db"), TimeSpan.FromSeconds(30), holder: "daemon-host/1/1"),
            systems.Scrubber, _log.Logger, counters);
        var cef = CefEvent.Parse(Encoding.UTF8.GetBytes("CEF:0|ArcSight|ArcSight|7.0|channel:003|Channel [System Events Last Hour] query completed|5|eventId=198236"));
        var work = Assert.Single(CefRuleHandler.Render(rule, cef, "(none)", DateTimeOffset.UtcNow, "(not in ESM event)"));

        var results = await Task.WhenAll(
            RunAsync("--event-id", "198236", "--rule", "esm-correlated").ContinueWith(t => t.Result.Exit.ToString(System.Globalization.CultureInfo.InvariantCulture), TaskScheduler.Default),
            daemon.ProcessAsync(work, CancellationToken.None).ContinueWith(t => t.Result.Outcome.ToString(), TaskScheduler.Default));

        Assert.Equal("0", results[0]);
        Assert.Contains(results[1], new[] { "Created", "Updated" });
        var found = await GetAsync($"tickets?query={Uri.EscapeDataString($"Subject LIKE 'aeg-test {_id}'")}");
        Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Single(daemon.Outbox.Store.List(100), r => r.DedupeKey == $"esm-{_id}-198236");
    }

    private async Task<string> FirstMessageAsync(string ticketId)
    {
        var history = await GetAsync($"ticket/{ticketId}/history?fields=Type&per_page=100");
        foreach (var item in history.GetProperty("items").EnumerateArray())
        {
            var transaction = await GetAsync($"transaction/{item.GetProperty("id").GetString()}?fields=Type");
            if (transaction.GetProperty("Type").GetString() != "Create")
            {
                continue;
            }
            var attachments = await GetAsync($"transaction/{item.GetProperty("id").GetString()}/attachments?fields=Content,ContentType&per_page=20");
            foreach (var a in attachments.GetProperty("items").EnumerateArray())
            {
                if (a.TryGetProperty("Content", out var c) && c.GetString() is { Length: > 0 } raw)
                {
                    // REST2 gives the content base64-encoded or as text, depending on the version.
                    var buffer = new byte[raw.Length];
                    var text = Convert.TryFromBase64String(raw, buffer, out var n) ? Encoding.UTF8.GetString(buffer, 0, n) : raw;
                    if (text.Contains("zone=", StringComparison.Ordinal))
                    {
                        return text;
                    }
                }
            }
        }
        return "";
    }
}
