using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Aeg.TestKit;

/// <summary>
/// Jira written from its public REST documentation (Jira Server/Data Center REST API v2 and Jira Cloud v3 —
/// "Get issue", "Create issue", "Edit issue", "Add comment", "Get transitions", "Do transition", "Search for issues using
/// JQL"), no Jira can run here: issues in memory on an in-process HTTP server, one project, a workflow whose statuses
/// each carry a <c>statusCategory</c> (<c>new</c>, <c>indeterminate</c>, <c>done</c>) and a transition to every other
/// status (Jira's simplified workflow). Every call needs the configured basic or bearer credential, else 401 with the
/// documented <c>errorMessages</c> body; an unknown issue is 404 with "Issue does not exist or you do not have
/// permission to see it.".
/// </summary>
public sealed partial class JiraRestDocumentedApiServer : IAsyncDisposable
{
    private readonly InProcessHttpServer _http;
    private readonly ConcurrentDictionary<string, Issue> _issues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Id, string Category)> _statuses = new(StringComparer.OrdinalIgnoreCase);
    private readonly string _authorization;
    private int _next;

    private sealed class Issue(string key, string id)
    {
        public string Key { get; } = key;
        public string Id { get; } = id;
        public string Status { get; set; } = "To Do";
        public List<string> Labels { get; } = [];
        public List<string> Comments { get; } = [];
    }

    private JiraRestDocumentedApiServer(InProcessHttpServer http, string authorization)
    {
        _http = http;
        _authorization = authorization;
        // Jira's default statuses and their categories (GET /rest/api/2/status).
        AddStatus("To Do", "new");
        AddStatus("In Progress", "indeterminate");
        AddStatus("Done", "done");
    }

    public Uri BaseUrl => _http.BaseUrl;

    public IReadOnlyList<RecordedRequest> Requests => _http.Requests;

    /// <summary>A server that accepts HTTP basic <paramref name="user"/>:<paramref name="password"/> (Jira Cloud: e-mail and API token).</summary>
    public static async Task<JiraRestDocumentedApiServer> StartBasicAsync(string user, string password)
    {
        var http = await InProcessHttpServer.StartAsync();
        var server = new JiraRestDocumentedApiServer(http, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        http.Handler = server.Handle;
        return server;
    }

    /// <summary>A workflow status of a site's own (e.g. "Won't Fix" in the <c>done</c> category).</summary>
    public void AddStatus(string name, string categoryKey) => _statuses[name] = ((10000 + _statuses.Count).ToString(System.Globalization.CultureInfo.InvariantCulture), categoryKey);

    /// <summary>What an analyst does in Jira's UI: moves the issue to <paramref name="status"/>.</summary>
    public void SetStatus(string key, string status)
    {
        if (!_statuses.ContainsKey(status))
        {
            throw new ArgumentException($"no status {status} in the workflow", nameof(status));
        }
        _issues[key].Status = status;
    }

    /// <summary>The issue's status name.</summary>
    public string StatusOf(string key) => _issues[key].Status;

    /// <summary>The keys of the issues created, in order.</summary>
    public IReadOnlyList<string> IssueKeys => [.. _issues.Values.OrderBy(i => int.Parse(i.Id, System.Globalization.CultureInfo.InvariantCulture)).Select(i => i.Key)];

    /// <summary>The comments added to the issue.</summary>
    public IReadOnlyList<string> CommentsOf(string key) => [.. _issues[key].Comments];

    private static Reply NotFound() => new(404, """{"errorMessages":["Issue does not exist or you do not have permission to see it."],"errors":{}}""");

    private Reply Handle(RecordedRequest r, int n)
    {
        if (r.Header("Authorization") != _authorization)
        {
            return new Reply(401, """{"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}}""");
        }
        var match = ApiPath().Match(r.Path);
        if (!match.Success)
        {
            return new Reply(404, "<html><body>Not Found</body></html>");
        }
        var rest = match.Groups["rest"].Value;
        var query = rest.Contains('?') ? rest[(rest.IndexOf('?') + 1)..] : "";
        var path = rest.Contains('?') ? rest[..rest.IndexOf('?')] : rest;
        var segments = path.Split('/').Select(WebUtility.UrlDecode).ToArray();
        lock (_issues)
        {
            return (r.Method, segments) switch
            {
                ("POST", ["issue"]) => Create(r.Body),
                ("GET", ["search"]) => Search(query),
                ("GET", ["issue", var key]) => _issues.TryGetValue(key!, out var issue) ? new Reply(200, IssueJson(issue, query)) : NotFound(),
                ("PUT", ["issue", var key]) => _issues.ContainsKey(key!) ? new Reply(204) : NotFound(),
                ("POST", ["issue", var key, "comment"]) => Comment(key!, r.Body),
                ("GET", ["issue", var key, "transitions"]) => _issues.TryGetValue(key!, out var issue) ? new Reply(200, Transitions(issue)) : NotFound(),
                ("POST", ["issue", var key, "transitions"]) => Transition(key!, r.Body),
                _ => new Reply(404, "<html><body>Not Found</body></html>"),
            };
        }
    }

    private Reply Create(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var fields = doc.RootElement.GetProperty("fields");
        if (!fields.TryGetProperty("project", out var project) || !project.TryGetProperty("key", out var projectKey) || !fields.TryGetProperty("summary", out _))
        {
            return new Reply(400, """{"errorMessages":[],"errors":{"project":"project is required","summary":"You must specify a summary of the issue."}}""");
        }
        var number = Interlocked.Increment(ref _next);
        var issue = new Issue($"{projectKey.GetString()}-{number}", (10000 + number).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (fields.TryGetProperty("labels", out var labels))
        {
            issue.Labels.AddRange(labels.EnumerateArray().Select(l => l.GetString()!));
        }
        _issues[issue.Key] = issue;
        return new Reply(201, $$"""{"id":"{{issue.Id}}","key":"{{issue.Key}}","self":"{{BaseUrl}}rest/api/2/issue/{{issue.Id}}"}""");
    }

    private Reply Search(string query)
    {
        var jql = WebUtility.UrlDecode(query.Split('&').FirstOrDefault(p => p.StartsWith("jql=", StringComparison.Ordinal))?[4..] ?? "");
        var label = Regex.Match(jql, "^labels = \"([^\"]+)\"").Groups[1].Value;
        var found = _issues.Values.Where(i => i.Labels.Contains(label)).OrderBy(i => i.Id, StringComparer.Ordinal).Take(1).ToList();
        var issues = new JsonArray([.. found.Select(i => (JsonNode)new JsonObject { ["id"] = i.Id, ["key"] = i.Key, ["self"] = $"{BaseUrl}rest/api/2/issue/{i.Id}" })]);
        return new Reply(200, new JsonObject { ["startAt"] = 0, ["maxResults"] = 1, ["total"] = found.Count, ["issues"] = issues }.ToJsonString());
    }

    private Reply Comment(string key, string body)
    {
        if (!_issues.TryGetValue(key, out var issue))
        {
            return NotFound();
        }
        using var doc = JsonDocument.Parse(body);
        issue.Comments.Add(doc.RootElement.GetProperty("body").GetString()!);
        return new Reply(201, $$"""{"id":"{{issue.Comments.Count}}","body":"…"}""");
    }

    private Reply Transition(string key, string body)
    {
        if (!_issues.TryGetValue(key, out var issue))
        {
            return NotFound();
        }
        using var doc = JsonDocument.Parse(body);
        var id = doc.RootElement.GetProperty("transition").GetProperty("id").GetString();
        var target = _statuses.FirstOrDefault(s => TransitionId(s.Value.Id) == id && !string.Equals(s.Key, issue.Status, StringComparison.OrdinalIgnoreCase));
        if (target.Key is null)
        {
            return new Reply(400, """{"errorMessages":["It seems that you have tried to perform a workflow operation (transition) that is not valid for the current state of this issue."],"errors":{}}""");
        }
        issue.Status = target.Key;
        return new Reply(204);
    }

    // The status object of GET issue and of a transition's "to": name, id and statusCategory {id, key, colorName, name}.
    private JsonObject StatusJson(string name)
    {
        var (id, category) = _statuses[name];
        var (categoryId, categoryName, color) = category switch
        {
            "new" => (2, "To Do", "blue-gray"),
            "indeterminate" => (4, "In Progress", "yellow"),
            _ => (3, "Done", "green"),
        };
        return new JsonObject
        {
            ["self"] = $"{BaseUrl}rest/api/2/status/{id}",
            ["description"] = "",
            ["name"] = name,
            ["id"] = id,
            ["statusCategory"] = new JsonObject { ["self"] = $"{BaseUrl}rest/api/2/statuscategory/{categoryId}", ["id"] = categoryId, ["key"] = category, ["colorName"] = color, ["name"] = categoryName },
        };
    }

    private string IssueJson(Issue issue, string query)
    {
        // fields=status asks for that field only; without it every field comes (here: status and labels).
        var fields = new JsonObject { ["status"] = StatusJson(issue.Status) };
        if (!query.Contains("fields=status", StringComparison.Ordinal))
        {
            fields["labels"] = new JsonArray([.. issue.Labels.Select(l => (JsonNode)l)]);
        }
        return new JsonObject { ["expand"] = "renderedFields,names,schema,operations", ["id"] = issue.Id, ["self"] = $"{BaseUrl}rest/api/2/issue/{issue.Id}", ["key"] = issue.Key, ["fields"] = fields }.ToJsonString();
    }

    private string Transitions(Issue issue) => new JsonObject
    {
        ["expand"] = "transitions",
        ["transitions"] = new JsonArray([.. _statuses.Keys.Where(s => !string.Equals(s, issue.Status, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
            .Select(s => (JsonNode)new JsonObject { ["id"] = TransitionId(_statuses[s].Id), ["name"] = s, ["to"] = StatusJson(s) })]),
    }.ToJsonString();

    // Jira numbers transitions 11, 21, 31, … in a workflow.
    private static string TransitionId(string statusId) => ((int.Parse(statusId, System.Globalization.CultureInfo.InvariantCulture) - 9999) * 10 + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex("^/rest/api/(2|3)/(?<rest>.*)$")]
    private static partial Regex ApiPath();

    public ValueTask DisposeAsync() => _http.DisposeAsync();
}
