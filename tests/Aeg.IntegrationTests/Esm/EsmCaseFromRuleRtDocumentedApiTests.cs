using System.Net;
using System.Net.Sockets;
using System.Text;
using Aeg.Daemon;
using Aeg.Esm;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// <c>esmCase</c> rule actions (issue 21 item 5: create the case for a correlated event): a forwarded correlation event
/// opens a ticket in the real Request Tracker, then an ESM case in its group with the event attached and the RT ticket's
/// id and URL written in, through <see cref="EsmServiceLayerDocumentedApiServer"/> (GroupService getGroupByURI /
/// getChildIDByChildNameOrAlias and CaseService insertResource / getResourceById / update, written from the ESM Service
/// Layer documentation and its public clients; no ESM can run here).
/// </summary>
[Trait("Category", TestServices.RtCategory)]
public sealed class EsmCaseFromRuleRtDocumentedApiTests : IAsyncLifetime, IDisposable
{
    private const string Group = "/All Cases/Aeg";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();
    private readonly LogCapture _log = new();
    private readonly string _id = Guid.NewGuid().ToString("N")[..10];
    private readonly string _passwordVariable = "AEG_TEST_ESM_PASSWORD_" + Guid.NewGuid().ToString("N")[..8];
    private EsmServiceLayerDocumentedApiServer _esm = null!;

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _esm.AddGroup(Group);
        Environment.SetEnvironmentVariable(_passwordVariable, _esm.Password);
    }

    public async Task DisposeAsync() => await _esm.DisposeAsync();

    private string Config()
    {
        File.WriteAllText(_dir.File("rules.yaml"), $$$"""
            rules:
              - name: correlated-to-rt-and-case
                when: [{ field: deviceProduct, equals: ArcSight }, { field: name, equals: "Brute force {{{_id}}}" }]
                dedupe: "corr-{{externalId}}"
                actions:
                  - target: rt
                    create: { Queue: SOC, Subject: "{{name}} on {{dhost|unknown host}}" }
                    update: { Comment: "seen again: {{msg|no message}}" }
                  - esmCase:
                      group: "{{{Group}}}"
                      name: "{{name}} ({{externalId}})"
                      eventId: "{{externalId}}"
                      fields: { externalID: "rt:{{ticket.rt.id}}", description: "Request Tracker: {{ticket.rt.url}}", consequenceSeverity: "{{cs1|unknown}}" }
            """);
        File.WriteAllText(_dir.File("aeg.yaml"), $$"""
            mappings: {{TestServices.RepoFile("cef-mappings.yaml")}}
            state:
              directory: {{_dir.File("state")}}
            listen:
              listeners: [{ protocol: tcp, address: 127.0.0.1, port: 0 }]
            rules:
              path: {{_dir.File("rules.yaml")}}
            esm:
              url: {{_esm.BaseUrl}}
              user: {{_esm.User}}
              passwordEnv: {{_passwordVariable}}
              caFile: {{_esm.CaFile}}
              retry: { maxAttempts: 4, baseDelay: 20ms }
            tickets:
              systems:
                rt:
                  type: rt
                  url: {{TestServices.RtUrl}}
                  auth: token
                  tokenFile: {{Environment.GetEnvironmentVariable("AEG_TEST_RT_TOKEN_FILE")}}
            """);
        return _dir.File("aeg.yaml");
    }

    private string Correlated(long eventId, string extra = "") =>
        $"<134>Dec  7 00:00:00 esm01 CEF:0|ArcSight|ArcSight|7.6|rule:101|Brute force {_id}|8|externalId={eventId} dhost=dc01.example.org {extra}".TrimEnd();

    [Fact]
    public async Task A_correlated_event_opens_an_RT_ticket_and_an_ESM_case_with_the_event_and_the_tickets_id_and_URL_and_a_later_event_updates_the_same_case()
    {
        var config = Config();
        await using var pipeline = CefTicketPipeline.Create(AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();
        var eventId = Random.Shared.NextInt64(1L << 20, 1L << 40);

        await PipelineTcp.SendAsync(pipeline, Deadline, Correlated(eventId, "cs1=High"));
        await WaitUntil.HoldsAsync(() => _esm.InsertedCases.Count == 1 && pipeline.Tickets.Dispatcher.Outbox.Counts().Pending == 0, "the case to be made",
            Deadline, () => _log.Text);

        var rtTicket = pipeline.Tickets.Dispatcher.Outbox.Store.Find("rt", $"corr-{eventId}")!.TicketRef;
        var (caseId, parent) = Assert.Single(_esm.InsertedCases);
        Assert.Equal(caseId, pipeline.Tickets.Dispatcher.Outbox.Store.Find(EsmCaseWork.TargetName, $"corr-{eventId}")!.TicketRef);
        Assert.Equal(_esm.AddGroup(Group), parent);
        var created = _esm.Case(caseId);
        Assert.Equal($"Brute force {_id} ({eventId})", created["name"]!.GetValue<string>());
        Assert.Equal(eventId, created["eventIDs"]![0]!.GetValue<long>());
        Assert.Equal($"rt:{rtTicket}", created["externalID"]!.GetValue<string>());
        Assert.Equal($"Request Tracker: {TestServices.RtUrl.ToString().TrimEnd('/')}/Ticket/Display.html?id={rtTicket}", created["description"]!.GetValue<string>());
        Assert.Equal("High", created["consequenceSeverity"]!.GetValue<string>());

        // The same correlation again, now Very-High: the same RT ticket gets a comment, the same case its new field.
        await PipelineTcp.SendAsync(pipeline, Deadline, Correlated(eventId, "cs1=Very-High"));
        await WaitUntil.HoldsAsync(() => _esm.Case(caseId)["consequenceSeverity"]!.GetValue<string>() == "Very-High", "the case to be updated", Deadline, () => _log.Text);
        Assert.Single(_esm.InsertedCases);
        Assert.Equal(rtTicket, pipeline.Tickets.Dispatcher.Outbox.Store.Find("rt", $"corr-{eventId}")!.TicketRef);
        Assert.Equal(0, pipeline.Tickets.Counters.Failed);
        Assert.Empty(pipeline.Tickets.Dispatcher.Outbox.DeadLetters());
    }

    [Fact]
    public async Task A_create_that_reached_ESM_before_a_crash_finds_the_case_by_group_and_name_instead_of_making_a_second()
    {
        // As if a crashed attempt had made the case and died before its answer was recorded.
        await using var client = EsmTestKit.Client(_esm, _log.Logger);
        var groupId = _esm.AddGroup(Group);
        var first = await client.InsertCaseAsync(groupId, new System.Text.Json.Nodes.JsonObject { ["name"] = "Brute force (42)" }, CancellationToken.None);
        var action = new EsmCaseAction(client);

        var again = await action.CreateAsync(new Dictionary<string, string>
        {
            [EsmCaseWork.GroupField] = Group,
            [EsmCaseWork.NameField] = "Brute force (42)",
            [EsmCaseWork.EventIdField] = "42",
            [EsmCaseWork.FieldPrefix + "externalID"] = "rt:7",
        }, CancellationToken.None);

        Assert.Equal(first, again.TicketRef);
        Assert.Single(_esm.InsertedCases);
        Assert.Equal("rt:7", _esm.Case(first)["externalID"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_group_ESM_does_not_know_is_a_dead_letter_naming_it_and_the_RT_ticket_is_still_made()
    {
        var config = Config();
        File.WriteAllText(_dir.File("rules.yaml"), File.ReadAllText(_dir.File("rules.yaml")).Replace(Group, "/All Cases/Nowhere", StringComparison.Ordinal));
        await using var pipeline = CefTicketPipeline.Create(AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();
        var eventId = Random.Shared.NextInt64(1L << 20, 1L << 40);

        await PipelineTcp.SendAsync(pipeline, Deadline, Correlated(eventId));
        await WaitUntil.HoldsAsync(() => pipeline.Tickets.Dispatcher.Outbox.DeadLetters().Count == 1, "the case job to be a dead letter", Deadline, () => _log.Text);

        var letter = Assert.Single(pipeline.Tickets.Dispatcher.Outbox.DeadLetters());
        Assert.Equal(EsmCaseWork.TargetName, letter.Target);
        Assert.Contains("ESM has no group /All Cases/Nowhere", letter.Error, StringComparison.Ordinal);
        Assert.False(letter.Transient);
        Assert.NotNull(pipeline.Tickets.Dispatcher.Outbox.Store.Find("rt", $"corr-{eventId}"));
        Assert.Empty(_esm.InsertedCases);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_passwordVariable, null);
        _dir.Dispose();
    }
}
