using System.Text.Json;
using Aeg.Rules;
using Aeg.Tests.Rules;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>
/// Jira's documented fields — priority, labels, assignee, custom fields — and status transitions, against an
/// in-process server following Jira REST v2 (issue create/edit, GET issue?fields=status, GET/POST
/// issue/{key}/transitions with a To Do → In Progress → Done workflow, Done → To Do as "Reopen").
/// </summary>
public sealed class JiraFieldsTests : IDisposable
{
    private readonly LogCapture _log = new();
    private readonly TicketCounters _counters = new();

    public void Dispose() => _log.Dispose();

    /// <summary>One issue's state, the workflow Jira's default software project has.</summary>
    private sealed class JiraServer
    {
        private static readonly Dictionary<string, (string Id, string Name, string To)[]> Workflow = new()
        {
            ["To Do"] = [("11", "Start Progress", "In Progress"), ("31", "Done", "Done")],
            ["In Progress"] = [("21", "Stop Progress", "To Do"), ("31", "Done", "Done")],
            ["Done"] = [("41", "Reopen", "To Do")],
        };
        public string Status { get; set; } = "To Do";

        private static string Category(string status) => status switch { "Done" => "done", "In Progress" => "indeterminate", _ => "new" };

        public Reply Handle(RecordedRequest r, int n)
        {
            lock (this)
            {
                switch (r.Method, r.Path)
                {
                    case ("POST", "/rest/api/2/issue"):
                        return new Reply(201, """{"id":"10001","key":"SOC-5","self":"http://jira/rest/api/2/issue/10001"}""");
                    case ("POST", "/rest/api/2/issue/SOC-5/comment"):
                        return new Reply(201, """{"id":"10100","body":"x"}""");
                    case ("PUT", "/rest/api/2/issue/SOC-5"):
                        return new Reply(204);
                    case ("GET", "/rest/api/2/issue/SOC-5?fields=status"):
                        return new Reply(200, """{"id":"10001","key":"SOC-5","fields":{"status":{"name":""" + JsonSerializer.Serialize(Status) + ""","id":"1","statusCategory":{"key":""" + JsonSerializer.Serialize(Category(Status)) + """}}}}""");
                    case ("GET", "/rest/api/2/issue/SOC-5/transitions"):
                        var items = Workflow[Status].Select(t => $$$"""{"id":"{{{t.Id}}}","name":"{{{t.Name}}}","to":{"name":"{{{t.To}}}","id":"9","statusCategory":{"key":"{{{Category(t.To)}}}"} }}""");
                        return new Reply(200, $$$"""{"expand":"transitions","transitions":[{{{string.Join(",", items)}}}]}""");
                    case ("POST", "/rest/api/2/issue/SOC-5/transitions"):
                        using (var body = JsonDocument.Parse(r.Body))
                        {
                            var id = body.RootElement.GetProperty("transition").GetProperty("id").GetString();
                            var t = Workflow[Status].FirstOrDefault(t => t.Id == id);
                            if (t.Id is null)
                            {
                                return new Reply(400, """{"errorMessages":["It seems that you have tried to perform a workflow operation that is not valid."],"errors":{}}""");
                            }
                            Status = t.To;
                            return new Reply(204);
                        }
                    default:
                        return new Reply(404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}""");
                }
            }
        }
    }

    private JiraTicketAction Jira(InProcessHttpServer server) =>
        new(Http("jira", SystemOptions(TicketSystemType.Jira, server.BaseUrl, 1, TicketAuth.Basic, "bot"),
            new TicketCredential(TicketAuth.Basic, "bot", "jira-token-x"), _log.Logger, _counters), server.BaseUrl);

    [Fact]
    public async Task Create_against_in_process_server_following_Jira_REST_v2_sends_priority_labels_assignee_and_custom_fields()
    {
        var jira = new JiraServer();
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);

        await Jira(server).CreateAsync(Fields(("project", "SOC"), ("summary", "brute force"), ("priority", "High"), ("labels", "aeg,brute force"),
            ("assignee", "jdoe"), ("customfield_10010", "10.1.2.3"), ("customfield_10011.value", "Critical")), CancellationToken.None);

        using var body = JsonDocument.Parse(server.Requests[0].Body);
        var f = body.RootElement.GetProperty("fields");
        Assert.Equal("High", f.GetProperty("priority").GetProperty("name").GetString());
        Assert.Equal(["aeg", "brute_force"], f.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("jdoe", f.GetProperty("assignee").GetProperty("name").GetString());
        Assert.Equal("10.1.2.3", f.GetProperty("customfield_10010").GetString());
        Assert.Equal("Critical", f.GetProperty("customfield_10011").GetProperty("value").GetString());
        Assert.Single(server.Requests);   // no status asked: no transition
    }

    [Fact]
    public async Task A_cloud_account_id_assignee_is_sent_as_account_id_on_edit()
    {
        var jira = new JiraServer();
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);

        await Jira(server).UpdateAsync("SOC-5", Fields(("assignee", "accountId:5b10ac8d82e05b22cc7d4ef5"), ("priority", "Low")), CancellationToken.None);

        var put = Assert.Single(server.Requests);
        Assert.Equal(("PUT", "/rest/api/2/issue/SOC-5"), (put.Method, put.Path));
        using var body = JsonDocument.Parse(put.Body);
        var f = body.RootElement.GetProperty("fields");
        Assert.Equal("5b10ac8d82e05b22cc7d4ef5", f.GetProperty("assignee").GetProperty("accountId").GetString());
        Assert.False(f.GetProperty("assignee").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task A_closing_update_against_in_process_server_following_Jira_REST_v2_looks_the_transition_up_by_name_and_posts_it_once()
    {
        var jira = new JiraServer();
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);
        var action = Jira(server);

        await action.UpdateAsync("SOC-5", Fields(("comment", "closed in ESM"), ("status", "done")), CancellationToken.None);

        Assert.Equal("Done", jira.Status);
        Assert.Equal(["POST /rest/api/2/issue/SOC-5/comment", "GET /rest/api/2/issue/SOC-5?fields=status", "GET /rest/api/2/issue/SOC-5/transitions",
            "POST /rest/api/2/issue/SOC-5/transitions"], server.Requests.Select(r => $"{r.Method} {r.Path}"));
        using (var body = JsonDocument.Parse(server.Requests[3].Body))
        {
            Assert.Equal("31", body.RootElement.GetProperty("transition").GetProperty("id").GetString());
        }

        // Already there: the status is read, nothing is posted.
        await action.UpdateAsync("SOC-5", Fields(("status", "Done")), CancellationToken.None);
        Assert.Equal(5, server.Requests.Count);

        // Done → To Do goes through the transition named after its target, "Reopen" here.
        await action.UpdateAsync("SOC-5", Fields(("status", "To Do")), CancellationToken.None);
        Assert.Equal("To Do", jira.Status);
    }

    [Fact]
    public async Task A_status_no_transition_leads_to_fails_without_retry_naming_the_transitions_there_are()
    {
        var jira = new JiraServer();
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);

        var ex = await Assert.ThrowsAsync<TicketActionException>(() => Jira(server).UpdateAsync("SOC-5", Fields(("status", "Resolved")), CancellationToken.None));

        Assert.False(ex.Transient);
        Assert.Contains("no transition to status 'Resolved'", ex.Message);
        Assert.Contains("'Start Progress' → 'In Progress'", ex.Message);
        Assert.Equal("To Do", jira.Status);
    }

    [Fact]
    public void The_rule_loader_accepts_the_documented_Jira_fields_and_refuses_others()
    {
        var rules = RuleTestFiles.Compile("""
            rules:
              - name: j
                when: [{ field: src, exists: true }]
                dedupe: "{{src}}"
                actions:
                  - target: jira
                    create: { project: SOC, summary: x, priority: High, labels: aeg, assignee: jdoe, customfield_10010: "{{src}}", customfield_10011.value: Critical }
                    update: { comment: again, status: Done }
            """);
        Assert.Equal(7, rules[0].Actions[0].Create!.Count);
        Assert.Contains("unknown field 'Summary' for a jira target", TicketFieldNames.Check("jira", "Summary"));
        Assert.Contains("customfield_<id>", TicketFieldNames.Check("jira", "customfield_x"));
    }

    [Fact]
    public async Task Reopen_against_in_process_server_following_Jira_REST_v2_moves_a_done_issue_out_of_the_done_category_only()
    {
        var jira = new JiraServer { Status = "Done" };
        await using var server = await InProcessHttpServer.StartAsync(jira.Handle);
        var action = Jira(server);

        Assert.True(await action.ReopenIfResolvedAsync("SOC-5", CancellationToken.None));
        Assert.Equal("To Do", jira.Status);
        using (var body = JsonDocument.Parse(server.Requests[^1].Body))
        {
            Assert.Equal("41", body.RootElement.GetProperty("transition").GetProperty("id").GetString());
        }

        var requests = server.Requests.Count;
        Assert.False(await action.ReopenIfResolvedAsync("SOC-5", CancellationToken.None));
        Assert.Equal(requests + 1, server.Requests.Count);   // only the status was read
    }
}
