using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Aeg.Configuration;
using Aeg.Daemon;
using Aeg.IntegrationTests.Infrastructure;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.IntegrationTests.Tickets;

/// <summary>
/// Linking actions (<c>{{ticket.rt.id}}</c>): the real Request Tracker ticket of a rule's first action is put on an
/// ExtraHop detection by its second action, as ExtraHop's ticket-tracking guide does; ExtraHop is an in-process server
/// following the documented REST API v1 (PATCH /api/v1/detections/{id}).
/// </summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class TicketLinkRtExtraHopTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();
    private readonly string _id = Guid.NewGuid().ToString("N")[..12];
    private readonly long _detection = Random.Shared.NextInt64(1L << 30, 1L << 40);
    private readonly LogCapture _log = new();
    private InProcessHttpServer _extraHop = null!;

    public async Task InitializeAsync() =>
        _extraHop = await InProcessHttpServer.StartAsync((r, _) => r.Method == "PATCH" && r.Path == $"/api/v1/detections/{_detection}" ? new Reply(204) : new Reply(404));

    public async Task DisposeAsync() => await _extraHop.DisposeAsync();

    private string ConfigFile(string queue)
    {
        var rules = _dir.File("rules.yaml");
        File.WriteAllText(rules, $$$"""
            rules:
              - name: extrahop-to-rt
                when: [{ field: name, equals: "aeg-link {{{_id}}}" }]
                dedupe: "eh-{{cn1}}"
                actions:
                  - target: rt
                    create: { Queue: {{{queue}}}, Subject: "[ExtraHop] {{name}} detection {{cn1}}", CF.CEFSignatureID: "{{cn1}}" }
                    update: { Comment: "again: {{msg|no message}}" }
                  - target: reveal
                    create: { detectionId: "{{cn1}}", ticket_id: "{{ticket.rt.id}}", status: in_progress, assignee: "{{suser|soc}}" }
                    update: { ticket_id: "{{ticket.rt.id}}", status: "{{cs1|in_progress}}" }
            """);
        var config = _dir.File("aeg.yaml");
        File.WriteAllText(config, $$"""
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            state:
              directory: {{_dir.File("state")}}
            listen:
              listeners: [{ protocol: tcp, address: 127.0.0.1, port: 0 }]
            rules:
              path: {{rules}}
            tickets:
              systems:
                rt:
                  type: rt
                  url: {{TestServices.RtUrl}}
                  auth: token
                  tokenFile: {{Environment.GetEnvironmentVariable("AEG_TEST_RT_TOKEN_FILE")}}
                reveal:
                  type: extrahop
                  url: {{_extraHop.BaseUrl}}
                  tokenFile: {{WriteKey()}}
            """);
        return config;
    }

    private string WriteKey()
    {
        var path = _dir.File("extrahop.key");
        File.WriteAllText(path, "eh-key-" + _id);
        return path;
    }

    private string Event(string extra = "") =>
        $"<134>Dec  6 20:00:00 eda01 CEF:0|ExtraHop|Reveal(x)|9.6|lateral|aeg-link {_id}|8|cn1={_detection} suser=alice {extra}".TrimEnd();

    [Fact]
    public async Task The_RT_ticket_id_of_the_first_action_is_patched_onto_the_ExtraHop_detection_on_create_and_update()
    {
        var config = ConfigFile("SOC");
        await using var pipeline = CefTicketPipeline.Create(AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();

        await PipelineTcp.SendAsync(pipeline, Deadline, Event());
        await WaitUntil.HoldsAsync(() => Patches().Count == 1, "the detection to be patched", Deadline, () => _log.Text);
        var rtTicket = pipeline.Tickets.Dispatcher.Outbox.Store.Find("rt", $"eh-{_detection}")!.TicketRef;
        using (var body = JsonDocument.Parse(Patches()[0].Body))
        {
            Assert.Equal(rtTicket, body.RootElement.GetProperty("ticket_id").GetString());
            Assert.Equal("in_progress", body.RootElement.GetProperty("status").GetString());
            Assert.Equal("alice", body.RootElement.GetProperty("assignee").GetString());
        }
        Assert.Equal($"[ExtraHop] aeg-link {_id} detection {_detection}", await RtSubjectAsync(rtTicket));

        await PipelineTcp.SendAsync(pipeline, Deadline, Event("cs1=closed"));
        await WaitUntil.HoldsAsync(() => Patches().Count == 2, "the second event's patch", Deadline, () => _log.Text);
        using (var body = JsonDocument.Parse(Patches()[1].Body))
        {
            Assert.Equal(rtTicket, body.RootElement.GetProperty("ticket_id").GetString());
            Assert.Equal("closed", body.RootElement.GetProperty("status").GetString());
        }
        Assert.Equal(rtTicket, pipeline.Tickets.Dispatcher.Outbox.Store.Find("rt", $"eh-{_detection}")!.TicketRef);
        Assert.Equal(0, pipeline.Tickets.Counters.Failed);
    }

    [Fact]
    public async Task When_RT_refuses_the_ticket_the_linked_ExtraHop_job_is_a_dead_letter_with_the_reason_and_nothing_is_patched()
    {
        // RT answers 403 for a queue the bot may not create in: a permanent failure, so there will never be an RT ticket.
        var config = ConfigFile("NoSuchQueue-" + _id);
        await using var pipeline = CefTicketPipeline.Create(AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();

        await PipelineTcp.SendAsync(pipeline, Deadline, Event());
        await WaitUntil.HoldsAsync(() => pipeline.Tickets.Dispatcher.Outbox.DeadLetters().Count == 2, "both jobs to be dead letters", Deadline, () => _log.Text);

        var letters = pipeline.Tickets.Dispatcher.Outbox.DeadLetters();
        var linked = Assert.Single(letters, l => l.Target == "reveal");
        Assert.Contains("there is no rt ticket for key", linked.Error, StringComparison.Ordinal);
        // The dead letter keeps the mark, so a retry after the RT job is fixed links to the ticket as it then is.
        Assert.Equal("{{ticket.rt.id}}", linked.OnCreate!["ticket_id"]);
        Assert.Empty(Patches());
    }

    private List<RecordedRequest> Patches() => [.. _extraHop.Requests.Where(r => r.Method == "PATCH")];

    private static async Task<string?> RtSubjectAsync(string ticketRef)
    {
        using var rt = new HttpClient { BaseAddress = new Uri(TestServices.RtUrl.ToString().TrimEnd('/') + "/REST/2.0/") };
        rt.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestServices.RtUser}:{TestServices.RtPassword}")));
        using var doc = JsonDocument.Parse(await rt.GetStringAsync($"ticket/{ticketRef}"));
        return doc.RootElement.GetProperty("Subject").GetString();
    }

    public void Dispose() => _dir.Dispose();
}
