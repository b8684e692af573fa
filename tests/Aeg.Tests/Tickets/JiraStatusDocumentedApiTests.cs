using System.Text;
using Aeg.Tickets;
using Xunit;
using static Aeg.TestKit.TicketKit;

namespace Aeg.Tests.Tickets;

/// <summary>
/// <see cref="JiraTicketAction.StatusAsync"/> against <see cref="JiraRestDocumentedApiServer"/> (Jira written from its
/// REST v2 documentation, "Get issue" with <c>fields=status</c>; no Jira can run here): the status name as the workflow
/// names it, and "done" from the status category, not from the name.
/// </summary>
public sealed class JiraStatusDocumentedApiTests : IAsyncLifetime
{
    private const string User = "aeg@example.com", ApiToken = "jira-api-token-Status-51";
    private readonly LogCapture _log = new();
    private readonly TicketCounters _counters = new();
    private JiraRestDocumentedApiServer _jira = null!;

    public async Task InitializeAsync() => _jira = await JiraRestDocumentedApiServer.StartBasicAsync(User, ApiToken);

    public async Task DisposeAsync()
    {
        await _jira.DisposeAsync();
        _log.Dispose();
    }

    private JiraTicketAction Action(string token = ApiToken) =>
        new(Http("jira", SystemOptions(TicketSystemType.Jira, _jira.BaseUrl, 3, TicketAuth.Basic, User),
            new TicketCredential(TicketAuth.Basic, User, token), _log.Logger, _counters), _jira.BaseUrl);

    [Fact]
    public async Task Get_issue_fields_status_gives_the_name_and_done_only_for_the_done_category_whatever_the_name()
    {
        var jira = Action();
        var key = (await jira.CreateAsync(Fields(("project", "SOC"), ("summary", "case 10017")), CancellationToken.None)).TicketRef;
        _jira.AddStatus("Won't Fix", "done");
        _jira.AddStatus("Resolved Pending Review", "indeterminate");

        Assert.Equal(new TicketStatus("To Do", Done: false), await jira.StatusAsync(key, CancellationToken.None));
        _jira.SetStatus(key, "In Progress");
        Assert.Equal(new TicketStatus("In Progress", Done: false), await jira.StatusAsync(key, CancellationToken.None));
        // A name that sounds finished in a category that is not: not done.
        _jira.SetStatus(key, "Resolved Pending Review");
        Assert.Equal(new TicketStatus("Resolved Pending Review", Done: false), await jira.StatusAsync(key, CancellationToken.None));
        _jira.SetStatus(key, "Won't Fix");
        Assert.Equal(new TicketStatus("Won't Fix", Done: true), await jira.StatusAsync(key, CancellationToken.None));
        _jira.SetStatus(key, "Done");
        Assert.Equal(new TicketStatus("Done", Done: true), await jira.StatusAsync(key, CancellationToken.None));

        var reads = _jira.Requests.Where(r => r.Method == "GET").ToList();
        Assert.Equal(5, reads.Count);
        Assert.All(reads, r => Assert.Equal($"/rest/api/2/issue/{key}?fields=status", r.Path));
        Assert.All(reads, r => Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{ApiToken}")), r.Header("Authorization")));
    }

    [Fact]
    public async Task An_unknown_issue_is_a_permanent_error_and_a_refused_credential_too_without_the_token_in_the_message()
    {
        var missing = await Assert.ThrowsAsync<TicketActionException>(() => Action().StatusAsync("SOC-404", CancellationToken.None));
        Assert.False(missing.Transient);
        Assert.Equal(404, missing.StatusCode);
        Assert.Contains("Issue does not exist", missing.Message);

        var refused = await Assert.ThrowsAsync<TicketActionException>(() => Action("wrong-token-Status-99").StatusAsync("SOC-1", CancellationToken.None));
        Assert.Equal(401, refused.StatusCode);
        Assert.DoesNotContain("wrong-token-Status-99", refused.Message + _log.Text);
        Assert.DoesNotContain(ApiToken, refused.Message + _log.Text);
    }
}
