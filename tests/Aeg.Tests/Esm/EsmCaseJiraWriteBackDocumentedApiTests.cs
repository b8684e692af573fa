using System.Text.Json.Nodes;
using Aeg.Tests.Rules;

namespace Aeg.Tests.Esm;

/// <summary>
/// The case write-back with Jira as the ticket system: <see cref="EsmServiceLayerDocumentedApiServer"/> (CaseService
/// getResourceById / update from the public clients; no ESM can run here) and <see cref="JiraRestDocumentedApiServer"/>
/// (Jira REST v2 "Create issue", "Add comment", "Get issue" with <c>fields=status</c>; no Jira can run here). The case
/// stage moves to <c>closeStage</c> when the issue's status is in Jira's <c>done</c> category, read through the Jira
/// system's own connection and credentials.
/// </summary>
public sealed class EsmCaseJiraWriteBackDocumentedApiTests : IAsyncLifetime
{
    private const string JiraUser = "aeg@example.com", JiraToken = "jira-api-token-Cases-2112";
    private readonly RuleTestFiles _files = new();
    private readonly string _esmVariable = "AEG_TEST_ESM_PW_" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _jiraVariable = "AEG_TEST_JIRA_PW_" + Guid.NewGuid().ToString("N")[..8];
    private readonly LogCapture _log = new();
    private EsmServiceLayerDocumentedApiServer _esm = null!;
    private JiraRestDocumentedApiServer _jira = null!;
    private static readonly long T0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        _esm = await EsmServiceLayerDocumentedApiServer.StartAsync();
        _jira = await JiraRestDocumentedApiServer.StartBasicAsync(JiraUser, JiraToken);
        Environment.SetEnvironmentVariable(_esmVariable, _esm.Password);
        Environment.SetEnvironmentVariable(_jiraVariable, JiraToken);
        _files.Write("rules.yaml", """
            rules:
              - name: esm-case
                when: [{ field: deviceProduct, equals: ESM Case }]
                enrich: esm
                dedupe: "not-used-{{externalId}}"
                actions:
                  - target: jira
                    create: { project: SOC, summary: "Case {{esm.displayID}}: {{name}}" }
                    update: { comment: "Case now {{esm.stage}}: {{name}}" }
            """);
    }

    public async Task DisposeAsync()
    {
        await _esm.DisposeAsync();
        await _jira.DisposeAsync();
        Environment.SetEnvironmentVariable(_esmVariable, null);
        Environment.SetEnvironmentVariable(_jiraVariable, null);
        _files.Dispose();
        _log.Dispose();
    }

    // What an analyst's edit in the ESM console does: the same resource (with what Aeg wrote into it), a new name and time.
    private void Edit(string id, string name, long at)
    {
        var node = _esm.Case(id).AsObject();
        node["name"] = name;
        node["modifiedTimestamp"] = at;
        _esm.AddCase(node.ToJsonString());
    }

    [Fact]
    public async Task A_case_whose_jira_issue_is_in_the_done_category_moves_to_the_close_stage_and_not_before()
    {
        _esm.AddCase(EsmTestKit.Case("case-A", T0 + 10, "Brute force on vpn"));
        var config = _files.Write("aeg.yaml", EsmCaseConfig.Yaml(_files.Directory, _esm, _esmVariable, "pollInterval: 1d, writeBack: true",
            $$"""      jira: { type: jira, url: "{{_jira.BaseUrl}}", auth: basic, user: {{JiraUser}}, passwordEnv: {{_jiraVariable}}, retry: { maxAttempts: 3, baseDelay: 5ms, maxDelay: 50ms } }"""));
        var pipeline = await EsmCaseConfig.StartAsync(config, _log.Logger, () => _log.Text);
        try
        {
            await WaitUntil.HoldsAsync(() => _esm.CaseUpdates.Count == 1, "the write-back of the new issue", TimeSpan.FromSeconds(30), () => _log.Text);
            var key = Assert.Single(_jira.IssueKeys);
            Assert.Equal("jira #" + key, _esm.Case("case-A")["externalID"]!.GetValue<string>());
            Assert.Equal("QUEUED", _esm.Case("case-A")["stage"]!.GetValue<string>());   // To Do: category new

            // In progress in Jira, the case changes: the write-back reads the status and leaves the stage.
            _jira.SetStatus(key, "In Progress");
            Edit("case-A", "Brute force on vpn, host isolated", T0 + 5_000);
            Assert.Equal(1, await pipeline.Cases!.PollOnceAsync(CancellationToken.None));
            await WaitUntil.HoldsAsync(() => _jira.CommentsOf(key).Count == 1 && pipeline.Tickets.Outbox.Counts().Pending == 0,
                "the comment and the write-back", TimeSpan.FromSeconds(30), () => _log.Text);
            Assert.Equal("QUEUED", _esm.Case("case-A")["stage"]!.GetValue<string>());
            Assert.Single(_esm.CaseUpdates);

            // "Won't Fix" is no name of resolvedStatuses, but Jira puts it in the done category: the case closes.
            _jira.AddStatus("Won't Fix", "done");
            _jira.SetStatus(key, "Won't Fix");
            Edit("case-A", "Brute force on vpn, false positive", T0 + 9_000);
            Assert.Equal(1, await pipeline.Cases.PollOnceAsync(CancellationToken.None));
            await WaitUntil.HoldsAsync(() => _esm.CaseUpdates.Count == 2, "the write-back that closes the case", TimeSpan.FromSeconds(30), () => _log.Text);
            Assert.Equal("CLOSED", _esm.Case("case-A")["stage"]!.GetValue<string>());
            Assert.Equal("jira #" + key, _esm.Case("case-A")["externalID"]!.GetValue<string>());
        }
        finally
        {
            await pipeline.DisposeAsync();
        }
        var statusReads = _jira.Requests.Where(r => r.Method == "GET" && r.Path.EndsWith("?fields=status", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, statusReads.Count);   // one per write-back, through the Jira system's connection
        Assert.All(statusReads, r => Assert.StartsWith("Basic ", r.Header("Authorization"), StringComparison.Ordinal));
        Assert.DoesNotContain(JiraToken, _log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(_esm.Password, _log.Text, StringComparison.Ordinal);
    }
}
