using System.Net;
using System.Net.Sockets;
using System.Text;
using Aeg.Daemon;
using Aeg.Syslog;
using Aeg.Tickets;

namespace Aeg.IntegrationTests.Esm;

/// <summary>
/// <c>esmActiveList</c> rule actions against <see cref="EsmServiceLayerDocumentedApiServer"/> (ActiveListService
/// getEntries/addEntries/deleteEntries written from the ESM Service Layer documentation and its public clients; no ESM
/// can run here): Annotation Events with stage re-image put the host on an isolation list, stage Closed takes it off,
/// through the durable ticket outbox.
/// </summary>
public sealed class ActiveListRuleActionDocumentedApiTests : IAsyncLifetime, IDisposable
{
    private const string IsolationList = "HXk2r3pUBABCzVQ0dBjvLxA==";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();
    private readonly LogCapture _log = new();
    private readonly string _passwordVariable = "AEG_TEST_ESM_PASSWORD_" + Guid.NewGuid().ToString("N")[..8];
    private EsmServiceLayerDocumentedApiServer _esm = null!;

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _esm.AddActiveList(IsolationList, ["Host", "Reason"], ["Host"]);
        _esm.AddToGroup("/All Active Lists/Containment", "Hosts to isolate", IsolationList);
        Environment.SetEnvironmentVariable(_passwordVariable, _esm.Password);
    }

    public async Task DisposeAsync() => await _esm.DisposeAsync();

    private string Config()
    {
        File.WriteAllText(_dir.File("rules.yaml"), $$$"""
            rules:
              - name: isolate-on-reimage
                when: [{ field: deviceProduct, equals: AEG }, { label: stage, equals: re-image }]
                dedupe: "esm-event-{{cn2}}"
                actions:
                  - esmActiveList:
                      list: "{{{IsolationList}}}"
                      op: add
                      entry: { Host: "{{shost}}", Reason: "re-image by {{duser|unknown}}" }
                      key: [Host]
              - name: release-on-closed
                when: [{ field: deviceProduct, equals: AEG }, { label: stage, equals: Closed }]
                dedupe: "esm-event-{{cn2}}"
                actions:
                  - esmActiveList: { list: "{{{IsolationList}}}", op: delete, entry: { Host: "{{shost}}" } }
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
            """);
        return _dir.File("aeg.yaml");
    }

    private static string Annotation(long eventId, string host, string stage, string analyst) =>
        $"<134>Dec  6 21:00:00 aeg01 CEF:0|HP|AEG|1.0|annotation|Annotation Event|3|cn2={eventId} cn2Label=event_id cs3={stage} cs3Label=stage shost={host} duser={analyst}";

    [Fact]
    public async Task Stage_reimage_adds_each_host_once_to_the_isolation_list_and_stage_Closed_removes_it_through_429_and_503()
    {
        var config = Config();
        await using var pipeline = CefTicketPipeline.Create(Aeg.Daemon.AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();
        _esm.Inject(new EsmFault.TooManyRequests(0), new EsmFault.Unavailable());

        // ws1 re-imaged twice (two analysts): one entry, the later reason.
        await PipelineTcp.SendAsync(pipeline, Deadline, Annotation(101, "ws1.example.org", "re-image", "alice"), Annotation(102, "ws2.example.org", "re-image", "bob"),
            Annotation(103, "ws1.example.org", "re-image", "carol"));
        await WaitUntil.HoldsAsync(() => pipeline.Tickets.Dispatcher.Outbox.Counts().Pending == 0 && _esm.ActiveListCalls(IsolationList).Adds == 3,
            "the three adds to reach ESM", Deadline, () => _log.Text);

        var entries = _esm.ActiveListEntries(IsolationList).OrderBy(e => e["Host"], StringComparer.Ordinal).ToList();
        Assert.Equal(["ws1.example.org", "ws2.example.org"], entries.Select(e => e["Host"]));
        Assert.Equal("re-image by carol", entries[0]["Reason"]);

        await PipelineTcp.SendAsync(pipeline, Deadline, Annotation(101, "ws1.example.org", "Closed", "alice"));
        await WaitUntil.HoldsAsync(() => _esm.ActiveListCalls(IsolationList).Deletes == 1, "the delete to reach ESM", Deadline, () => _log.Text);
        Assert.Equal(["ws2.example.org"], _esm.ActiveListEntries(IsolationList).Select(e => e["Host"]));
        Assert.Equal(0, pipeline.Tickets.Counters.Failed);
        Assert.Empty(pipeline.Tickets.Dispatcher.Outbox.DeadLetters());
    }

    [Fact]
    public async Task An_unknown_list_column_is_a_dead_letter_naming_ESMs_exception_and_the_other_entries_still_go_through()
    {
        var config = Config();
        File.WriteAllText(_dir.File("rules.yaml"), File.ReadAllText(_dir.File("rules.yaml")).Replace("Reason:", "Why:", StringComparison.Ordinal));
        await using var pipeline = CefTicketPipeline.Create(Aeg.Daemon.AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();

        await PipelineTcp.SendAsync(pipeline, Deadline, Annotation(201, "ws9.example.org", "re-image", "alice"), Annotation(201, "ws9.example.org", "Closed", "alice"));
        await WaitUntil.HoldsAsync(() => pipeline.Tickets.Dispatcher.Outbox.DeadLetters().Count == 1 && _esm.ActiveListCalls(IsolationList).Deletes == 1,
            "the add to be refused and the delete to go through", Deadline, () => _log.Text);

        var letter = Assert.Single(pipeline.Tickets.Dispatcher.Outbox.DeadLetters());
        Assert.Equal(ActiveListWork.TargetName, letter.Target);
        Assert.True(letter.Error.Contains("ActiveListService.addEntries", StringComparison.Ordinal) && letter.Error.Contains("ValidationException", StringComparison.Ordinal), letter.Error);
        // ESM's ValidationException page is a refusal, not an outage: one attempt, a permanent dead letter, no re-login.
        Assert.Contains("after 1 attempt(s)", letter.Error, StringComparison.Ordinal);
        Assert.False(letter.Transient);
        Assert.Equal(1, _esm.Logins);
        Assert.DoesNotContain(_esm.Password, letter.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_esm.IssuedTokens.First(), _log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_named_by_its_URI_is_resolved_through_GroupService_and_an_unknown_URI_is_a_dead_letter_naming_it()
    {
        var config = Config();
        File.WriteAllText(_dir.File("rules.yaml"), File.ReadAllText(_dir.File("rules.yaml"))
            .Replace($"list: \"{IsolationList}\"\n", "list: \"/All Active Lists/Containment/Hosts to isolate\"\n", StringComparison.Ordinal)
            .Replace($"list: \"{IsolationList}\", op: delete", "list: \"/All Active Lists/Containment/Hosts to release\", op: delete", StringComparison.Ordinal));
        Assert.DoesNotContain(IsolationList, File.ReadAllText(_dir.File("rules.yaml")), StringComparison.Ordinal);
        await using var pipeline = CefTicketPipeline.Create(Aeg.Daemon.AegConfig.Load(config), config, _log.Logger);
        await pipeline.StartAsync();

        await PipelineTcp.SendAsync(pipeline, Deadline, Annotation(301, "ws1.example.org", "re-image", "alice"), Annotation(302, "ws2.example.org", "re-image", "bob"),
            Annotation(301, "ws1.example.org", "Closed", "alice"));
        await WaitUntil.HoldsAsync(() => pipeline.Tickets.Dispatcher.Outbox.Counts().Pending == 0 && pipeline.Tickets.Dispatcher.Outbox.DeadLetters().Count == 1,
            "the two adds to reach ESM and the delete on the unknown list to be dead-lettered", Deadline, () => _log.Text);

        Assert.Equal(["ws1.example.org", "ws2.example.org"], _esm.ActiveListEntries(IsolationList).Select(e => e["Host"]).Order(StringComparer.Ordinal));
        var letter = Assert.Single(pipeline.Tickets.Dispatcher.Outbox.DeadLetters());
        Assert.Contains("the group /All Active Lists/Containment has no resource named \"Hosts to release\"", letter.Error, StringComparison.Ordinal);
        Assert.False(letter.Transient);
        Assert.Equal(0, _esm.ActiveListCalls(IsolationList).Deletes);
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_passwordVariable, null);
        _dir.Dispose();
    }
}
