using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.Tests.Rules;

namespace Aeg.Tests.Esm;

/// <summary>
/// The daemon's inbound pipeline with an <c>enrich: esm</c> rule: CEF over TCP → rule → outbox → ticket worker fetching the
/// event from <see cref="EsmServiceLayerDocumentedApiServer"/> (the Service Layer written from its documentation) → webhook.
/// </summary>
public sealed class EsmPipelineDocumentedApiTests
{
    private const string Rule = """
        rules:
          - name: esm-correlated
            when: [{ field: deviceVendor, equals: ArcSight }]
            enrich: esm
            dedupe: "esm-event-{{eventId}}"
            actions:
              - target: hook
                create: { subject: "{{name}}", zone: "{{esm.originalAgent.zone.uri}}", agent: "{{esm.agent.address}}" }
        """;

    [Fact]
    public async Task A_forwarded_CEF_event_becomes_a_ticket_with_fields_of_the_full_ESM_event()
    {
        await using var esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        esm.AddEvent(EsmTestKit.ExampleEvent);
        var bodies = new List<string>();
        await using var hook = await InProcessHttpServer.StartAsync((r, n) =>
        {
            lock (bodies)
            {
                bodies.Add(r.Body);
            }
            return new Reply(200, $$"""{"id":"hook-{{n}}"}""");
        });
        using var files = new RuleTestFiles();
        var variable = "AEG_TEST_ESM_PW_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(variable, esm.Password);
        files.Write("rules.yaml", Rule);
        var config = files.Write("aeg.yaml", $"""
            state:
              directory: {files.Directory}/state
            listen:
              listeners: [{"{"} protocol: tcp, address: 127.0.0.1, port: 0 {"}"}]
            rules:
              path: rules.yaml
            esm:
              url: {esm.BaseUrl}
              user: {esm.User}
              passwordEnv: {variable}
              caFile: {esm.CaFile}
            tickets:
              systems:
                hook: {"{"} type: webhook, url: "{hook.BaseUrl}", auth: none {"}"}
            """);
        using var log = new LogCapture();
        var pipeline = CefTicketPipeline.Create(AegConfig.Load(config), config, log.Logger);
        try
        {
            await pipeline.StartAsync();
            using var tcp = new TcpClient();
            await tcp.ConnectAsync((System.Net.IPEndPoint)pipeline.Listeners.Listeners[0].LocalEndPoint!);
            await tcp.GetStream().WriteAsync(Encoding.UTF8.GetBytes("<14>Dec  6 18:00:00 esm CEF:0|ArcSight|ArcSight|7.0|channel:003|Query completed|5|eventId=198236\n"));
            await WaitUntil.HoldsAsync(() => { lock (bodies) { return bodies.Count == 1; } }, "the webhook ticket", TimeSpan.FromSeconds(20), () => log.Text);
        }
        finally
        {
            await pipeline.DisposeAsync();
            Environment.SetEnvironmentVariable(variable, null);
        }

        using var body = JsonDocument.Parse(bodies[0]);
        var fields = body.RootElement.GetProperty("fields");
        Assert.Equal("Query completed", fields.GetProperty("subject").GetString());
        Assert.Equal("/All Zones/ArcSight System/Private Address Space Zones/RFC1918: 192.168.0.0-192.168.255.255", fields.GetProperty("zone").GetString());
        Assert.Equal("192.168.2.34", fields.GetProperty("agent").GetString());
        Assert.Equal(1, esm.Logouts);
    }

    [Fact]
    public void An_enrich_esm_rule_without_an_esm_section_stops_the_start_naming_the_rule()
    {
        using var files = new RuleTestFiles();
        files.Write("rules.yaml", Rule);
        var config = files.Write("aeg.yaml", $"""
            state:
              directory: {files.Directory}/state
            listen:
              listeners: [{"{"} protocol: tcp, address: 127.0.0.1, port: 0 {"}"}]
            rules:
              path: rules.yaml
            tickets:
              systems:
                hook: {"{"} type: webhook, url: "http://127.0.0.1:9/", auth: none {"}"}
            """);

        var ex = Assert.Throws<ConfigException>(() => CefTicketPipeline.Create(AegConfig.Load(config), config, new LogCapture().Logger));

        Assert.Contains(ex.Problems, p => p.Key == "esm.url" && p.Reason.Contains("esm-correlated", StringComparison.Ordinal));
        var findings = ConfigChecker.Check(config, out _);
        Assert.Contains(findings, f => f.Key == "rules[0].enrich" && f.Reason.Contains("esm.url", StringComparison.Ordinal));
    }
}
